"""Floors on the generalization corpora: benchmarks/generalization (six Debian and Python
documents, community-style questions) and benchmarks/encyclopedia (eight Wikipedia articles,
questions written the crowd-sourced way from one paragraph each, questions about four other
articles to decline), with two more question sets on the same articles: `encyclopedia-seeking`
(by someone who had read only their headings) and `encyclopedia-paraphrase` (the crowd-sourced
way, in the writer's own words), and benchmarks/communities (ten communities' own documentation,
each community its own folder, questions typed as their chats type them). Each imported with
`kb import`; each floor sits a few points below the figure measured; raise them as the bot
improves."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from benchmarks.generalization import CORPORA, DEFAULT_CORPUS, ask_alone, evaluate, main, totals
from tests.conftest import ROOT
from tests.support import child_env

FLOORS = {
    # (corpus, set): (right % min, wrong % max, off-topic declined % min, off-topic declined or
    # hedged % min, near misses declined or hedged % min); a hedged answer says it may not answer
    # exactly what was asked (bot.answering.confidence.Confidence.hedge and .band)
    ("generalization", "dev"): (43.0, 9.5, 86.5, 93.0, 87.0),  # measured 46.6, 6.1, 87.7, 95.2, 90.4
    ("generalization", "blind"): (39.0, 9.0, 87.0, 91.5, 85.0),  # measured 46.3, 6.8, 90.0, 95.7, 91.9
    ("encyclopedia", "dev"): (78.5, 3.5, 88.5, 94.5, 79.0),  # measured 81.6, 1.8, 90.6, 96.7, 83.3
    ("encyclopedia", "blind"): (73.0, 4.0, 86.0, 94.5, 82.0),  # measured 75.8, 2.6, 88.7, 97.4, 87.5
    # the same articles asked by people who had read only the headings (see encyclopedia/SOURCES.md)
    ("encyclopedia-seeking", "dev"): (13.5, 11.5, 87.5, 92.5, 89.0),  # measured 16.0, 9.1, 90.3, 95.8, 93.3
    ("encyclopedia-seeking", "blind"): (16.5, 12.5, 80.5, 90.0, 76.0),  # measured 20.6, 10.8, 83.9, 93.5, 84.6
    # the same articles asked the crowd-sourced way, in the writer's own words
    ("encyclopedia-paraphrase", "dev"): (50.0, 5.0, 86.0, 88.0, 60.0),  # measured 53.5, 3.2, 86.8, 90.6, 66.7
    ("encyclopedia-paraphrase", "blind"): (47.0, 4.0, 84.0, 91.0, 69.0),  # measured 50.0, 3.2, 87.0, 94.4, 76.9
    # ten communities' own docs, each a folder of its own, asked as their chats ask (session 15; pip's
    # MyST pages since session 16, Homebrew's and Poetry's since session 17, asdf's built HTML since
    # session 18, a hackerspace's handbook since session 19: the nine alone measured 28.7, 6.0, 94.8,
    # 97.9, 95.9 and 26.1, 9.5, 97.6, 98.8, 97.6)
    ("communities", "dev"): (24.0, 9.0, 88.5, 94.5, 92.0),  # measured 26.5, 6.1, 91.6, 98.1, 96.3
    ("communities", "blind"): (23.5, 12.5, 91.5, 95.0, 92.5),  # measured 26.2, 9.0, 94.6, 97.8, 95.7
}
# fewer questions than the others' minimum per part (380, 600 and 350 in all)
SMALL = {"encyclopedia-seeking", "encyclopedia-paraphrase", "communities"}


@pytest.mark.timeout(300)
@pytest.mark.parametrize(("corpus", "set_name"), sorted(FLOORS))
def test_generalization_floors(corpus: str, set_name: str) -> None:
    """Each corpus and set meets its floors: enough questions of each kind, and right, wrong, declined and met shares
    within their floors."""
    t = evaluate(set_name, corpus)
    right, wrong, declined, met, near_miss_met = FLOORS[(corpus, set_name)]
    if corpus in SMALL:
        assert t.on_topic >= 100 and t.off_topic >= 30 and t.near_miss >= 10
    else:
        assert t.on_topic >= 150 and t.off_topic >= 60 and t.near_miss >= 20
    assert t.right_pct >= right, t
    assert t.wrong_pct <= wrong, t
    assert t.off_declined_pct >= declined, t
    assert t.off_met_pct >= met, t
    assert t.near_miss_met_pct >= near_miss_met, t


ALONE_FLOORS = {
    # corpus: (right % min, wrong % max, other sources' questions declined % min), dev questions,
    # each source imported into a folder of its own
    "generalization": (45.0, 9.5, 91.5),  # measured 50.6, 5.6, 93.1 (48.0, 7.0, 94.0 before FAQ answers were packed)
    "encyclopedia-paraphrase": (45.5, 6.5, 96.5),  # measured 48.2, 4.9, 98.6
}


@pytest.mark.timeout(300)
@pytest.mark.parametrize("corpus", sorted(ALONE_FLOORS))
def test_one_source_alone_is_answered_as_in_the_whole_corpus(corpus: str) -> None:
    """A community that starts with one document gets the same rule: its own questions answered,
    the other documents' (which share its words) declined."""
    t = totals(ask_alone("dev", corpus))
    right, wrong, declined = ALONE_FLOORS[corpus]
    assert t.other_article >= 5 * t.on_topic  # every other source's questions, asked of each source
    assert t.right_pct >= right, t
    assert t.wrong_pct <= wrong, t
    assert t.other_article_declined_pct >= declined, t


def test_show_refuses_the_blind_set(capsys: pytest.CaptureFixture[str]) -> None:
    """`--show` refuses the blind set."""
    assert main(["--set", "blind", "--show"]) == 2
    assert "refused" in capsys.readouterr().err


@pytest.mark.parametrize("corpus", [c for c in CORPORA if c != DEFAULT_CORPUS])
def test_show_refuses_every_blind_set(corpus: str, capsys: pytest.CaptureFixture[str]) -> None:
    """`--show` refuses the blind set of every other corpus too."""
    assert main(["--corpus", corpus, "--set", "blind", "--show"]) == 2
    assert "refused" in capsys.readouterr().err


def test_a_corpus_that_is_not_built_is_a_clear_error(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """`crowd` is built from a fetched repository, never committed: without it the command says so."""
    monkeypatch.setitem(CORPORA, "crowd", tmp_path / "data")
    assert main(["--corpus", "crowd", "--set", "dev"]) == 2
    err = capsys.readouterr().err
    assert "corpus 'crowd' is not built" in err and "benchmarks/crowd/SOURCES.md" in err


@pytest.mark.parametrize(
    ("item", "said"),
    [
        ("{ask: how do i join, fakt: fill in the form, source: club}", "unknown key: fakt"),
        ("{ask: how do i join}", "give 'fact' and 'source' (on-topic) or 'kind' (off-topic)"),
        ("{ask: best pizza, kind: nearmiss}", "'kind' must be one of near-miss, unrelated, other-article"),
        ("{fact: fill in the form, source: club}", "needs 'ask' with the question as text"),
        ("{ask: how do i join, fact: fill in the form, fact: the form, source: club}", "duplicate key 'fact'"),
    ],
)
def test_a_question_set_entry_that_is_wrong_is_named_not_counted(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str], item: str, said: str
) -> None:
    """A community's own question set with a misspelt key (`fakt:`) had counted that on-topic question as
    off-topic, of no kind, and a missing `ask` was a traceback: exit 2, naming the file and the question."""
    community = tmp_path / "communities" / "club"
    (community / "sources").mkdir(parents=True)
    (community / "sources" / "club.md").write_text("# Joining\n\nFill in the form to join.\n", encoding="utf-8")
    questions = f"- {{ask: is there a fee, kind: near-miss}}\n- {item}\n"
    (community / "dev.yaml").write_text(questions, encoding="utf-8")
    monkeypatch.setitem(CORPORA, "communities", tmp_path / "communities")
    assert main(["--corpus", "communities", "--set", "dev"]) == 2
    err = capsys.readouterr().err
    assert f"error: {community / 'dev.yaml'}" in err and said in err, err
    assert "(question 2)" in err or "duplicate" in err


def test_the_usage_in_quality_md_offers_every_corpus() -> None:
    """docs/quality.md's command line for the sets lists each corpus `--corpus` takes (it lacked two)."""
    quality = (ROOT / "docs" / "quality.md").read_text(encoding="utf-8")
    usage = re.search(r"python -m benchmarks\.generalization \[--corpus ([\w|-]+)\]", quality)
    assert usage is not None and usage.group(1).split("|") == list(CORPORA)


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full, whose writes fail with ENOSPC")
def test_show_to_a_full_disk_is_one_line_and_exit_74() -> None:
    """`--show > file` on a full disk had ended in a traceback and exit 1; it ends as the bot's commands do."""
    with open("/dev/full", "w", encoding="utf-8") as full:
        done = subprocess.run(
            [sys.executable, "-m", "benchmarks.generalization", "--show"],
            cwd=ROOT, env=child_env(), stdout=full, stderr=subprocess.PIPE, text=True, timeout=600, check=False,
        )  # fmt: skip
    assert done.returncode == 74, done.stderr
    assert done.stderr.startswith("error: the output could not be written (No space left on device)")
    assert len(done.stderr.splitlines()) == 1 and "kb history" not in done.stderr


def test_show_into_a_closed_pipe_stops_quietly_with_141() -> None:
    """`--show | head -1` had ended in a BrokenPipeError traceback and exit 1; it stops quietly, as Unix tools do."""
    read_end, write_end = os.pipe()
    os.close(read_end)  # the reader has gone
    try:
        done = subprocess.run(
            [sys.executable, "-m", "benchmarks.generalization", "--show"],
            cwd=ROOT, env=child_env(), stdout=write_end, stderr=subprocess.PIPE, text=True, timeout=600, check=False,
        )  # fmt: skip
    finally:
        os.close(write_end)
    assert done.returncode == 141 and done.stderr == ""
