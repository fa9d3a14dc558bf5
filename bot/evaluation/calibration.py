"""Fitting the confidence rule for one knowledge folder from its own transcripts.

Each judged turn of the transcripts is ranked as the bot would rank it; its best passage's
signals (see `bot.answering.confidence`) are the features, and the label is whether answering with that
passage would meet the turn's expectation (a turn that expects a fallback is never right to
answer). A logistic regression gives the weights. The threshold is the lowest at which the
off-topic turns are declined at least as often as asked (`decline`), or the regression's 0.5
point when the transcripts have no off-topic turns.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace

import numpy as np

from bot.answering import Answerer, Confidence, signals
from bot.evaluation.transcripts import Transcript, check_passages, judge

DEFAULT_SIGNALS = ("coverage", "strength", "margin", "rivals")
MIN_EACH = 3  # turns the bot should answer, and turns it should not, that a fit needs at the least


@dataclass(frozen=True)
class Example:
    """One judged turn: its signals (None: the bot would never answer it, whatever the weights: too
    little covered, another kind of thing than asked, or a name no passage mentions) and whether
    answering is right."""

    values: tuple[float, ...] | None
    right: bool
    on_topic: bool
    listed: bool = False  # one of its passage's own questions: answered whatever the weights (`Ranked.listed`)


@dataclass(frozen=True)
class Cut:
    """What the rule does at one threshold."""

    threshold: float
    right: int  # on-topic turns answered right
    wrong: int  # on-topic turns answered with a passage that does not meet the expectation
    on_topic: int
    declined: int  # off-topic turns declined
    off_topic: int

    @property
    def precision(self) -> float:
        """Of the turns answered, the share answered right (off-topic answers count as wrong)."""
        answered = self.right + self.wrong + (self.off_topic - self.declined)
        return self.right / answered if answered else 1.0

    @property
    def coverage(self) -> float:
        """The share of on-topic turns answered right."""
        return self.right / self.on_topic if self.on_topic else 0.0


@dataclass(frozen=True)
class Calibration:
    confidence: Confidence
    cuts: tuple[Cut, ...]
    chosen: Cut
    examples: int


def examples(
    answerer: Answerer, transcripts: Iterable[Transcript], names: Sequence[str], min_coverage: float = 0.0
) -> list[Example]:
    """The judged turns; raises UnknownPassage (a KnowledgeError) for a turn expecting a passage the knowledge
    lacks: a typo'd id had been fitted on as a wrong answer, and the rule written, without a word."""
    found = []
    known = {passage.id for passage in answerer.kb}
    for transcript in transcripts:
        check_passages(transcript, known)
        for turn in transcript.turns:
            # the rule decides on the message's best passage: the first reply's expectation judges it
            turn = replace(turn, also=())
            expect = turn.expect
            if expect is None or not (expect.contains or expect.passage or expect.fallback is not None):
                continue
            on_topic = expect.fallback is not True
            best = answerer.candidate(turn.ask)
            if best is not None and best.listed:  # answered whatever the rule: counted so, not fitted on
                passed, _ = judge(turn, answerer.answered(best))
                found.append(Example(None, bool(passed) and on_topic, on_topic, listed=True))
                continue
            unknown = answerer.confidence.names and best is not None and answerer.index.unknown_names(turn.ask)
            if best is None or best.matched <= 0 or best.coverage < min_coverage or unknown:
                found.append(Example(None, False, on_topic))
                continue
            values = signals(turn.ask, best, len(answerer.kb))
            passed, _ = judge(turn, answerer.answered(best))
            found.append(Example(tuple(values[n] for n in names), bool(passed) and on_topic, on_topic))
    return found


def _logistic(x: np.ndarray, y: np.ndarray, l2: float = 1e-2) -> np.ndarray:
    """Weights (the last one the intercept) by Newton's method with a little L2 shrinkage."""
    xb = np.hstack([x, np.ones((len(x), 1))])
    w = np.zeros(xb.shape[1])
    shrink = np.eye(len(w)) * l2
    shrink[-1, -1] = 0.0
    for _ in range(100):
        p = 1.0 / (1.0 + np.exp(-(xb @ w)))
        gradient = xb.T @ (p - y) / len(y) + shrink @ w
        hessian = (xb.T * (p * (1 - p))) @ xb / len(y) + shrink + np.eye(len(w)) * 1e-9
        step = np.linalg.solve(hessian, gradient)
        w -= step
        if np.abs(step).max() < 1e-8:
            break
    return w


def _cut(found: list[Example], values: list[float | None], threshold: float) -> Cut:
    right = wrong = declined = 0
    for example, value in zip(found, values, strict=True):
        answered = example.listed or (value is not None and value >= threshold)
        if example.on_topic:
            right += answered and example.right
            wrong += answered and not example.right
        else:
            declined += not answered
    on_topic = sum(e.on_topic for e in found)
    return Cut(threshold, right, wrong, on_topic, declined, len(found) - on_topic)


def calibrate(
    answerer: Answerer,
    transcripts: Iterable[Transcript],
    *,
    names: Sequence[str] = DEFAULT_SIGNALS,
    decline: float = 0.9,
) -> Calibration:
    """Fit the rule (keeping the answerer's `min_coverage`); raises ValueError when the
    transcripts cannot support a fit, UnknownPassage when a turn expects a passage the knowledge lacks."""
    floor = answerer.confidence.min_coverage
    found = examples(answerer, transcripts, names, floor)
    usable = [e for e in found if e.values is not None]  # neither declined nor answered whatever the weights
    right = sum(e.right for e in usable)
    if right < MIN_EACH or len(usable) - right < MIN_EACH:
        raise ValueError(one_sided(right, len(usable) - right, left_out=len(found) - len(usable), judged=len(found)))
    x = np.array([e.values for e in usable], dtype=np.float64)
    w = _logistic(x, np.array([e.right for e in usable], dtype=np.float64))
    weights = dict(zip(names, (float(v) for v in w[:-1]), strict=True))
    values = [None if e.values is None else float(np.dot(w[:-1], e.values)) for e in found]
    present = sorted({v for v in values if v is not None})
    cuts = tuple(_cut(found, values, t) for t in present)
    midpoint = _cut(found, values, -float(w[-1]))
    chosen = midpoint
    if midpoint.off_topic:
        meeting = [c for c in cuts if c.declined >= decline * c.off_topic]
        chosen = meeting[0] if meeting else cuts[-1]
    # the folder's other settings (its hedge, whether unknown names decline) stay; a fitted rule has no band
    rule = replace(answerer.confidence, weights=weights, threshold=chosen.threshold, min_coverage=floor, band=None)
    return Calibration(rule, cuts, chosen, len(found))


def one_sided(right: int, wrong: int, *, left_out: int, judged: int) -> str:
    """Why there is nothing to fit, in plain words: a rule is a line between the turns the bot should
    answer and those it should not, and needs some of each; what to add to the transcripts."""
    missing = []
    if right < MIN_EACH:
        missing.append(f"{MIN_EACH - right} or more questions the knowledge answers, each with words its answer "
                       "must hold (expect: {contains: [...]})")  # fmt: skip
    if wrong < MIN_EACH:
        missing.append(
            f"{MIN_EACH - wrong} or more off-topic questions, which it should decline (expect: {{fallback: true}})"
        )
    text = (
        f"cannot fit a rule: that needs at least {MIN_EACH} turns the bot should answer and {MIN_EACH} it should "
        f"not, and these transcripts have {right} it should answer and {wrong} it should not. "
        f"Add {' and '.join(missing)}."
    )
    if left_out:
        counted = f"{left_out} of the {judged} judged turns " + ("does" if left_out == 1 else "do")
        text += (
            f" ({counted} not count: the bot answers or declines such a turn whatever the rule, as a passage's "
            "own question, one that nothing or too little matches, or one that names something no passage mentions.)"
        )
    return text


RAISING = ("coverage", "strength", "score")  # signals that a closer match raises: fitted below 0, the fit misleads


def misleading(result: Calibration) -> list[str]:
    """The signals a closer match raises that the fit weighs against answering (too few or too
    alike turns): a rule that declines a question for matching better."""
    return [name for name in RAISING if result.confidence.weights.get(name, 0.0) < 0]


def objections(result: Calibration) -> list[str]:
    """Why the fit should not replace the folder's rule, one sentence each (`calibrate` then writes
    it only with --force): a closer match weighed against answering, a fit that tells no turn from
    another (every weight 0, or every fitted turn scored alike), no off-topic turn to set the threshold."""
    found = [
        f"{name} is weighed against answering, so a closer match would be declined sooner; "
        f"{result.examples} judged turns are too few or too alike to fit on"
        for name in misleading(result)
    ]
    weights = result.confidence.weights.values()
    if all(round(weight, 4) == 0 for weight in weights) or len(result.cuts) < 2:
        found.append(
            "the fit tells no turn from another (every weight 0, or every fitted turn scored alike): the turns are "
            "too alike, or the same question is expected both ways, and the rule would treat every question alike"
        )
    if not result.chosen.off_topic:
        found.append(
            "no off-topic turn (expect: {fallback: true}) to set the threshold: it is the fit's midpoint, and "
            "nothing shows that the rule declines what the folder cannot answer"
        )
    return found


def table(result: Calibration, rows: int = 12) -> str:
    """Precision and coverage at evenly spaced cuts, the chosen one marked."""
    cuts = list(result.cuts)
    step = max(1, len(cuts) // rows)
    shown = sorted({*cuts[::step], result.chosen}, key=lambda c: c.threshold)
    lines = ["threshold  precision  right  wrong  off-topic declined"]
    for c in shown:
        mark = "  <- chosen" if c == result.chosen else ""
        lines.append(
            f"{c.threshold:9.3f}  {c.precision:9.1%}  {c.right:>3}/{c.on_topic:<3} {c.wrong:>4}  "
            f"{c.declined:>3}/{c.off_topic}{mark}"
        )
    return "\n".join(lines)


def plot(result: Calibration, path: str) -> None:
    """Draw precision against coverage to a PNG, the chosen point marked; needs matplotlib
    (`pip install -e '.[plot]'`), else ImportError."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(6, 4.5))
    axes.plot([c.coverage for c in result.cuts], [c.precision for c in result.cuts], "-", color="tab:blue")
    axes.plot([result.chosen.coverage], [result.chosen.precision], "o", color="tab:red", label="chosen threshold")
    axes.set_xlabel("on-topic questions answered right")
    axes.set_ylabel("precision of answers")
    axes.set_xlim(0, 1)
    axes.set_ylim(0, 1.02)
    axes.grid(alpha=0.3)
    axes.legend(loc="lower left")
    figure.tight_layout()
    figure.savefig(path, dpi=100, format="png")  # to `path` itself: no extension added
    plt.close(figure)
