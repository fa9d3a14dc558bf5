"""`kb gaps --would-answer`: the open gaps asked again, of the knowledge now and with its drafts published."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from bot.cli import main
from bot.records import GapStore

DRAFT = """source: {title: "Parking notes"}
passages:
  - id: bicycles
    section: "Parking"
    text: "Bicycles go in the racks behind the library; cars park on Elm Street."
"""


def record_gaps(data: Path, *questions: str) -> None:
    """Each question recorded as unanswered, as the bot records a fallback."""
    store = GapStore(data)
    try:
        for question in questions:
            store.record_question("telegram", "1", question, question.casefold().split(), None)
    finally:
        store.close()


def test_would_answer_lists_the_gaps_a_draft_answers(
    kdir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Now: none answered. With --drafts: the parking gap, by the draft's passage; the off-topic gap stays open."""
    data = tmp_path / "data"
    record_gaps(data, "where do bicycles go", "where do bicycles go", "best pizza in town")
    (kdir / "drafts").mkdir()
    (kdir / "drafts" / "parking.yaml").write_text(DRAFT, encoding="utf-8")
    common = ["--knowledge", str(kdir), "--data", str(data)]

    assert main(["kb", "gaps", "--would-answer", *common]) == 0
    assert capsys.readouterr().out == "0 of 2 open gaps would be answered as the knowledge is now.\n"

    assert main(["kb", "gaps", "--would-answer", "--drafts", *common]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2 and lines[0].endswith("×2 “where do bicycles go” -> bicycles")
    assert lines[1] == "1 of 2 open gaps would be answered with the drafts published."
    assert not (kdir / "parking.yaml").exists()  # nothing was published


def test_would_answer_sees_a_passage_just_added(kdir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """After `kb add`, the gap it answers is listed with the new passage's id."""
    data = tmp_path / "data"
    record_gaps(data, "where do bicycles go")
    common = ["--knowledge", str(kdir), "--data", str(data)]
    assert main(["kb", "add", "--section", "Parking", "--text", DRAFT.split('text: "')[1].split('"')[0], *common]) == 0
    added = capsys.readouterr().out.splitlines()[-1]
    assert main(["kb", "gaps", "--would-answer", *common]) == 0
    assert capsys.readouterr().out.splitlines()[0].endswith(f"-> {added}")


def test_drafts_needs_would_answer(kdir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`kb gaps --drafts` alone is refused with one line."""
    assert main(["kb", "gaps", "--drafts", "--knowledge", str(kdir), "--data", str(tmp_path)]) == 2
    assert capsys.readouterr().err == "error: --drafts goes with --would-answer\n"


def test_would_answer_with_drafts_does_not_grow_the_cache_at_each_run(
    kdir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With QABOT_CACHE set, each `kb gaps --would-answer --drafts` loaded the knowledge from a new scratch
    folder and left one cache entry per file, named after that folder, never read nor deleted: a daily run on a
    large folder filled the disk. Runs on the same files now leave the cache as it was."""
    cache = tmp_path / "cache"
    monkeypatch.setenv("QABOT_CACHE", str(cache))
    (kdir / "drafts").mkdir()
    (kdir / "drafts" / "parking.yaml").write_text(DRAFT, encoding="utf-8")
    assert main(["kb", "list", "--knowledge", str(kdir)], io.StringIO()) == 0  # the live files' entries
    before = sorted(p.name for p in cache.glob("*.pickle"))
    assert before  # the cache is in use
    for _ in range(3):
        assert main(["kb", "gaps", "--would-answer", "--drafts", "--knowledge", str(kdir)], io.StringIO()) == 0
    assert sorted(p.name for p in cache.glob("*.pickle")) == before


def test_would_answer_with_drafts_names_the_broken_draft_itself(kdir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A draft with a typo (`txt:` for `text:`): `kb gaps --would-answer --drafts` named
    `/tmp/qabot-drafts-XXXX/bikes.yaml`, a scratch copy already deleted; it names `knowledge/drafts/bikes.yaml`."""
    draft = kdir / "drafts" / "bikes.yaml"
    draft.parent.mkdir()
    draft.write_text(DRAFT.replace("    text:", "    txt:"), encoding="utf-8")
    code = main(["kb", "gaps", "--would-answer", "--drafts", "--knowledge", str(kdir)], io.StringIO())
    err = capsys.readouterr().err
    assert code == 2
    assert "qabot-drafts-" not in err, err
    assert err.startswith(f"error: {draft}:"), err
