"""A knowledge folder's own settings: how it is ranked and when the bot answers from it.

`settings.yaml` in the knowledge folder is optional; without it the defaults hold (tuned on
imported documents without alternate questions, see `confidence.py`). `python -m bot calibrate`
writes it from the folder's own transcripts; it can also be edited by hand:

    ranking: {k1: 1.2, b: 0.75, focus: 0}
    confidence:
      weights: {coverage: 3.9, score: 2.5}
      threshold: 6.2
      min_coverage: 0
      hedge: 0.25
      band: 0.4
      names: true
"""

from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from bot import yamlfiles
from bot.answering.confidence import SIGNALS, Confidence, RuleError
from bot.bounds import Bounds
from bot.knowledge import SETTINGS_FILE, KnowledgeError, not_a_file
from bot.search import Ranking

BACKUP_FILE = SETTINGS_FILE + ".bak"  # the settings `calibrate` replaced, kept beside them (see `backup_for`)
CALIBRATED = "Written by `python -m bot calibrate"  # how the settings `calibrate` writes begin
_RANKING_KEYS = ("variant", "k1", "b", "focus", "title")
_CONFIDENCE_KEYS = {"weights", "threshold", "min_coverage", "hedge", "band", "names"}
# Each number's range: far beyond any value tuned or fitted (a fitted weight or threshold is below
# 10), and small enough that no score overflows (`k1: 1.0e+308` made ranking's products inf).
_RANKING_RANGES = {
    "k1": Bounds(0.0, 100.0),
    "b": Bounds(0.0, 1.0),
    "focus": Bounds(0.0, 100.0),
    "title": Bounds(0.0, 100.0),
}
MAX_RULE = 10_000.0  # a weight's, the threshold's and the band's size
_RULE = Bounds(-MAX_RULE, MAX_RULE)
_SHARE = Bounds(0.0, 1.0)
# A number as YAML 1.2 writes it: YAML 1.1, which PyYAML reads, takes `1e308` and `1.5e3` for text.
_NUMBER = re.compile(r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?")


@dataclass(frozen=True)
class Tuning:
    ranking: Ranking = field(default_factory=Ranking)
    confidence: Confidence = field(default_factory=Confidence)


def load(directory: Path) -> Tuning:
    """The folder's settings, or the defaults when it has no settings file; raises KnowledgeError."""
    path = Path(directory) / SETTINGS_FILE
    problem = not_a_file(path)
    if problem:
        raise KnowledgeError(path, problem)
    if not path.is_file():
        return Tuning()
    try:
        data = yamlfiles.read(path).data
    except yamlfiles.FileError as exc:
        raise KnowledgeError(path, exc.message, line=exc.line) from None
    data = {} if data is None else data
    if not isinstance(data, dict) or set(data) - {"ranking", "confidence"}:
        raise KnowledgeError(path, "expected a mapping with 'ranking' and/or 'confidence'")
    return Tuning(_ranking(path, data.get("ranking") or {}), _confidence(path, data.get("confidence")))


def _number(path: Path, entry: str, value: Any, bounds: Bounds = _RULE) -> float:
    if isinstance(value, str) and _NUMBER.fullmatch(value):
        value = float(value)
    if type(value) not in (int, float):
        raise KnowledgeError(path, f"expected a number, got {type(value).__name__}", entry=entry)
    if not yamlfiles.finite(value):  # .nan would turn every comparison false, .inf every score into NaN
        raise KnowledgeError(path, f"expected a finite number, got {yamlfiles.shown(value)}", entry=entry)
    if not bounds.holds(value):
        raise KnowledgeError(path, f"expected a number {bounds.span()}, got {value:g}", entry=entry)
    return float(value)


def _ranking(path: Path, raw: Any) -> Ranking:
    if not isinstance(raw, dict) or set(raw) - set(_RANKING_KEYS):
        raise KnowledgeError(path, f"expected a mapping of {', '.join(_RANKING_KEYS)}", entry="ranking")
    values: dict[str, Any] = {}
    for key, value in raw.items():
        if key == "variant":
            if value not in ("okapi", "plus", "l"):
                raise KnowledgeError(path, "expected okapi, plus or l", entry="ranking.variant")
            values[key] = value
        else:
            values[key] = _number(path, f"ranking.{key}", value, _RANKING_RANGES[key])
    return Ranking(**values)


def _confidence(path: Path, raw: Any) -> Confidence:
    if raw is None:
        return Confidence()
    if (
        not isinstance(raw, dict)
        or not {"weights", "threshold"} <= set(raw) <= _CONFIDENCE_KEYS
        or not isinstance(raw["weights"], dict)
    ):
        raise KnowledgeError(
            path,
            "expected 'weights' (a mapping), 'threshold' and optionally 'min_coverage', 'hedge', 'band' and 'names'",
            entry="confidence",
        )
    weights = {}
    for name, value in raw["weights"].items():
        if name not in SIGNALS:
            raise KnowledgeError(
                path, f"unknown signal; known: {', '.join(SIGNALS)}", entry=f"confidence.weights.{name}"
            )
        weights[name] = _number(path, f"confidence.weights.{name}", value)
    floor = _number(path, "confidence.min_coverage", raw.get("min_coverage", Confidence.min_coverage), _SHARE)
    hedge = _number(path, "confidence.hedge", raw.get("hedge", Confidence.hedge))
    threshold = _number(path, "confidence.threshold", raw["threshold"])
    # a rule written without `band` hedges by the passage's lacking terms only
    band = None if raw.get("band") is None else _number(path, "confidence.band", raw["band"])
    names = raw.get("names", Confidence.names)
    if not isinstance(names, bool):
        raise KnowledgeError(path, f"expected true or false, got {names!r}", entry="confidence.names")
    try:
        return Confidence(weights=weights, threshold=threshold, min_coverage=floor, hedge=hedge, band=band, names=names)
    except RuleError as exc:
        raise KnowledgeError(path, str(exc), entry=f"confidence.{exc.setting}") from None


def dump(tuning: Tuning, comment: str = "") -> str:
    """The settings file's text for `tuning` (only the ranking settings that differ from the defaults)."""
    default = Ranking()
    ranking = {
        key: getattr(tuning.ranking, key)
        for key in _RANKING_KEYS
        if getattr(tuning.ranking, key) != getattr(default, key)
    }
    data: dict[str, Any] = {}
    if ranking:
        data["ranking"] = ranking
    data["confidence"] = {
        "weights": {name: round(weight, 4) for name, weight in tuning.confidence.weights.items()},
        "threshold": round(tuning.confidence.threshold, 4),
        "min_coverage": tuning.confidence.min_coverage,
        "hedge": tuning.confidence.hedge,
    }
    if tuning.confidence.band is not None:
        data["confidence"]["band"] = round(tuning.confidence.band, 4)
    if not tuning.confidence.names:
        data["confidence"]["names"] = False
    header = "".join(f"# {line}\n" for line in comment.splitlines())
    return header + yaml.safe_dump(data, sort_keys=False)


def calibrated_text(tuning: Tuning, names: str) -> str:
    """The settings file's text as `calibrate` writes it from transcripts `names`: one line of header that
    carries a mark of the rule below it (`fit` and the start of its SHA-256), then the rule."""
    body = dump(tuning)
    return f"# {CALIBRATED} {names}` (see bot/answering/tuning.py; fit {_fit_mark(body)}).\n" + body


def _fit_mark(body: str) -> str:
    return hashlib.sha256(body.encode("utf-8", "surrogatepass")).hexdigest()[:12]


def calibrated(text: str) -> bool:
    """Whether a settings file's text is as `calibrate` wrote it and no hand has touched it since: its header's
    mark is that of the rule below it. A number edited by hand keeps the layout `dump` writes (a threshold
    tuned to 5.0 had been taken for calibrate's own and written over), but not the mark."""
    header, _, body = text.partition("\n")
    return header.startswith("# " + CALIBRATED) and header.endswith(f"; fit {_fit_mark(body)}).")


def backup_for(directory: Path, replaced: str) -> Path:
    """Where `calibrate` keeps the settings it replaces (`replaced`): settings.yaml.bak, else .bak.1, .bak.2, ...,
    the first that is free, already holds them or holds `calibrate`'s own output; a rule written or edited by
    hand, once kept, is never written over (a second run had put the first run's fit in its place)."""
    n = 0
    while True:
        path = Path(directory) / (BACKUP_FILE + (f".{n}" if n else ""))
        if not os.path.lexists(path):
            return path
        try:
            text = path.read_text(encoding="utf-8") if path.is_file() else None
        except (OSError, UnicodeDecodeError):
            text = None
        if text is not None and (text == replaced or calibrated(text)):
            return path
        n += 1
