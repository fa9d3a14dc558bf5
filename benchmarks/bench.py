"""The performance benchmark: answer latency, cold start, memory and a moderator's change, by size.

    python -m benchmarks.bench [--sizes 1000,10000,100000] [--questions 300] [--million] [--json FILE]

For each size it writes a synthetic knowledge folder (see `benchmarks.synthetic`) and measures in
a fresh subprocess, so that one size's memory does not count towards the next:

- cold start: `Answerer.from_directory` (YAML load and index build) and the peak resident memory:
  of this process, of the largest worker process that read files for it (see `bot.search.loading`),
  and of all of them at once;
  then a warm start, the same files again with a cache (QABOT_CACHE) that a start before filled;
- `answer()` latency over the questions, the whole path, median and p99;
- what members send besides questions (`answer()` of greetings, thanks, "what is this?": the help
  every greeting gets), and what a member typing costs: `completions()` of each question's first
  half (Discord's autocomplete) and `search()` (Telegram's inline mode);
- plain rank-bm25 (`get_scores` + argmax over the same terms, same variant and parameters), the
  ratio of medians, and how often it chose the passage the index ranks first (or an equal score);
- a moderator's change: time until an added passage is answered, and the slowest `answer()`
  while the change is made in a background thread.

Times are wall-clock on whatever machine runs it: compare them as ratios within one run.
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from adapters.runner import settle, tune_interpreter
from benchmarks.synthetic import Corpus, generate
from bot import knowledge
from bot.answering import Answerer
from bot.cli import positive_int, run_printing
from bot.search import VARIANTS, passage_tokens, query_terms

CACHE_VARIABLE = "QABOT_CACHE"  # bot.search.loading's, named here so older code can be measured too

DEFAULT_SIZES = (1_000, 10_000, 100_000)
MILLION = 1_000_000
BASELINE_CAP_AT_MILLION = 30  # rank-bm25 takes seconds per question at a million passages


def _rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


class _Memory(threading.Thread):
    """Samples, every 50 ms, the memory of this process and of its children (the workers that
    read knowledge files): their largest sum, and the largest child. A child's own ru_maxrss
    would count this process's memory, which it had for a moment while being started."""

    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.total_mib = self.child_mib = 0.0
        self._done = threading.Event()

    def run(self) -> None:
        while not self._done.wait(0.05):
            children = [_status(pid, "VmHWM") for pid in _children()]
            self.child_mib = max([self.child_mib, *children])
            self.total_mib = max(
                self.total_mib, _status("self", "VmRSS") + sum(_status(p, "VmRSS") for p in _children())
            )

    def __enter__(self) -> _Memory:
        self.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._done.set()
        self.join()


def _children() -> list[str]:
    found = []
    for task in Path("/proc/self/task").glob("*"):
        with contextlib.suppress(OSError):
            found += (task / "children").read_text().split()
    return found


def _status(pid: str, field: str) -> float:
    """A memory figure (MiB) from /proc/PID/status; 0 when the process is gone."""
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    return 0.0


def latency(seconds: list[float]) -> dict[str, float]:
    """The median, p99 and largest of `seconds`, in milliseconds (benchmarks.budgets reports the same)."""
    ordered = sorted(seconds)
    p99 = ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]
    return {"median_ms": statistics.median(ordered) * 1e3, "p99_ms": p99 * 1e3, "max_ms": ordered[-1] * 1e3}


def _change(answerer: Answerer, corpus: Corpus, questions: list[str]) -> dict[str, Any]:
    """Add a passage the way a moderator does, answering questions all the while."""
    holder: dict[str, Answerer] = {}
    start = time.perf_counter()
    (corpus.directory / "zz-added.yaml").write_text(corpus.added_yaml, encoding="utf-8")

    def rebuild() -> None:
        # As the bot does: parse only the new file, extend the index built before.
        with tempfile.TemporaryDirectory() as one:
            (Path(one) / "added.yaml").write_text(corpus.added_yaml, encoding="utf-8")
            added = knowledge.load(Path(one)).passages
        holder["new"] = answerer.with_added(*added)

    worker = threading.Thread(target=rebuild)
    worker.start()
    worst, answered = 0.0, 0
    while worker.is_alive():
        question = questions[answered % len(questions)]
        before = time.perf_counter()
        answerer.answer(question)
        worst = max(worst, time.perf_counter() - before)
        answered += 1
    worker.join()
    found = holder["new"].answer(corpus.added_question)
    elapsed = time.perf_counter() - start
    return {
        "answerable_after_s": elapsed,
        "added_answered": found.passage_id == corpus.added_id,
        "worst_answer_meanwhile_ms": worst * 1e3,
        "answers_meanwhile": answered,
    }


def _baseline(answerer: Answerer, questions: list[str]) -> dict[str, Any]:
    """The same questions through plain rank-bm25, and agreement with the index's first choice."""
    index = answerer.index
    ranking = index.ranking
    docs = [passage_tokens(p, index.synonyms, ranking.question_weight) for p in answerer.kb]
    bm25 = VARIANTS[ranking.variant](docs, k1=ranking.k1, b=ranking.b)
    del docs
    times: list[float] = []
    agree = asked = 0
    for question in questions:
        terms = index.analyze(question)
        if not terms:
            continue
        start = time.perf_counter()
        scores = bm25.get_scores(query_terms(terms))
        best = int(scores.argmax())
        times.append(time.perf_counter() - start)
        ours = index.rank(terms, top=1)[0]
        asked += 1
        same = ours.passage is answerer.kb.passages[best]
        agree += same or abs(ours.score - float(scores[best])) <= 1e-9 * max(1.0, abs(float(scores[best])))
    return {"rank_bm25": latency(times), "agreement": agree / asked if asked else 1.0, "compared": asked}


CHAT = ("hello", "hi there!", "thanks!", "what is this?", "good morning from berlin", "help", "lol", "ok")


def _timed(call: Callable[[str], object], inputs: list[str]) -> dict[str, float]:
    seconds = []
    for text in inputs:
        start = time.perf_counter()
        call(text)
        seconds.append(time.perf_counter() - start)
    return latency(seconds)


def _typing(answerer: Answerer, questions: list[str]) -> dict[str, Any]:
    """What is not a question, and what a member typing costs: greetings and the like (each answered
    with the help), autocomplete of half a question, an inline query."""
    halves = [question[: len(question) // 2] for question in questions]
    return {
        "chat": _timed(answerer.answer, list(CHAT) * max(1, len(questions) // len(CHAT))),
        "completions": _timed(answerer.completions, halves),
        "search": _timed(answerer.search, questions),
    }


def measure(corpus: Corpus, baseline_questions: int) -> dict[str, Any]:
    """Every figure for one generated knowledge folder (run it in a fresh process)."""
    rss_start = _rss_mib()
    with _Memory() as memory:  # the bot's first start, as it starts by default: no cache
        start = time.perf_counter()
        answerer = Answerer.from_directory(corpus.directory)
        cold = time.perf_counter() - start
    rss_cold = _rss_mib()
    del answerer
    gc.collect()
    cache = tempfile.mkdtemp(prefix="qabot-index-cache-")
    os.environ[CACHE_VARIABLE] = cache  # caches are used if the code has them
    Answerer.from_directory(corpus.directory)  # fills the cache (not timed)
    gc.collect()
    start = time.perf_counter()
    answerer = Answerer.from_directory(corpus.directory)  # the same files again: a warm start
    warm = time.perf_counter() - start
    del os.environ[CACHE_VARIABLE]
    shutil.rmtree(cache)
    gc.collect()
    settle(answerer)  # as `python -m adapters run` does once the knowledge base is loaded
    for question in corpus.questions[:20]:  # warm caches the way a running bot has them
        answerer.answer(question)
    latencies, answered = [], 0
    for question in corpus.questions:
        start = time.perf_counter()
        answer = answerer.answer(question)
        latencies.append(time.perf_counter() - start)
        answered += not answer.fallback
    result: dict[str, Any] = {
        "passages": len(answerer.kb),
        "questions": len(corpus.questions),
        "answered": answered,
        "cold_start_s": cold,
        "warm_start_s": warm,
        "rss_start_mib": rss_start,
        "peak_rss_mib": rss_cold,  # through the cold start; later starts in this process would add theirs
        "worker_peak_rss_mib": memory.child_mib,
        "peak_with_workers_mib": max(memory.total_mib, rss_cold),
        "answer": latency(latencies),
    }
    result.update(_typing(answerer, corpus.questions))
    result.update(_baseline(answerer, corpus.questions[:baseline_questions]))
    result["speedup_median"] = result["rank_bm25"]["median_ms"] / result["answer"]["median_ms"]
    result["change"] = _change(answerer, corpus, corpus.questions)
    return result


def _child(argv: list[str]) -> int:
    tune_interpreter()  # as `python -m adapters run` does, so the figures are the bot's
    spec = json.loads(Path(argv[0]).read_text(encoding="utf-8"))
    corpus = Corpus(
        Path(spec["directory"]), spec["questions"], spec["added_id"], spec["added_yaml"], spec["added_question"]
    )
    print(json.dumps(measure(corpus, spec["baseline_questions"])))
    return 0


def run_size(size: int, questions: int, workdir: Path) -> dict[str, Any]:
    corpus = generate(workdir / f"kb-{size}", size, questions)
    spec = {**corpus.__dict__, "directory": str(corpus.directory)}
    spec["baseline_questions"] = questions if size < MILLION else min(questions, BASELINE_CAP_AT_MILLION)
    spec_file = workdir / f"spec-{size}.json"
    spec_file.write_text(json.dumps(spec), encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks.bench", "--child", str(spec_file)],
        capture_output=True, text=True, check=True,
    )  # fmt: skip
    result: dict[str, Any] = json.loads(done.stdout)
    return result


def table(results: list[dict[str, Any]]) -> str:
    """The figures as a fixed-width table, one row per size."""
    head = (
        f"{'passages':>9} {'answer p50':>10} {'p99':>8} {'rank-bm25':>10} {'speedup':>8} {'agree':>6} "
        f"{'cold s':>7} {'warm s':>7} {'peak MiB':>8} {'worker':>7} {'all':>6} {'change s':>8} {'worst ms':>8} "
        f"{'chat p99':>8} {'typing p99':>10} {'search p99':>10}"
    )
    rows = [head, "-" * len(head)]
    for r in results:
        rows.append(
            f"{r['passages']:>9} {r['answer']['median_ms']:>8.3f}ms {r['answer']['p99_ms']:>6.3f}ms "
            f"{r['rank_bm25']['median_ms']:>8.2f}ms {r['speedup_median']:>7.1f}x {r['agreement']:>6.1%} "
            f"{r['cold_start_s']:>7.2f} {r['warm_start_s']:>7.2f} {r['peak_rss_mib']:>8.0f} "
            f"{r['worker_peak_rss_mib']:>7.0f} {r['peak_with_workers_mib']:>6.0f} "
            f"{r['change']['answerable_after_s']:>8.3f} {r['change']['worst_answer_meanwhile_ms']:>8.2f} "
            f"{r['chat']['p99_ms']:>6.3f}ms {r['completions']['p99_ms']:>8.3f}ms {r['search']['p99_ms']:>8.3f}ms"
        )
    return "\n".join(rows)


def _sizes(value: str) -> list[int]:
    """`--sizes 100,1000`: passage counts, each at least 1."""
    sizes = [positive_int(part.strip()) for part in value.split(",") if part.strip()]
    if not sizes:
        raise argparse.ArgumentTypeError("give at least one passage count, such as 100,1000")
    return sizes


def main(argv: list[str] | None = None) -> int:
    args_in = sys.argv[1:] if argv is None else argv
    if args_in[:1] == ["--child"]:
        return _child(args_in[1:])
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench", description=__doc__.splitlines()[0])
    parser.add_argument(
        "--sizes", type=_sizes, default=DEFAULT_SIZES, help="comma-separated passage counts, each at least 1"
    )
    parser.add_argument("--questions", type=positive_int, default=300, help="questions per size")
    parser.add_argument("--million", action="store_true", help="add a knowledge base of 1,000,000 passages")
    parser.add_argument("--json", metavar="FILE", help="also write the figures as JSON")
    args = parser.parse_args(args_in)
    problem = _unwritable(Path(args.json)) if args.json else None
    if problem:  # said before the run, which takes minutes at a million passages, not after it
        print(f"error: --json {args.json}: {problem}", file=sys.stderr)
        return 2
    sizes = [*args.sizes] + ([MILLION] if args.million else [])
    results = []
    with tempfile.TemporaryDirectory(prefix="qabot-bench-") as tmp:
        for size in sizes:
            results.append(run_size(size, args.questions, Path(tmp)))
            print(table(results[-1:]).splitlines()[-1] if len(results) > 1 else table(results), flush=True)
    if args.json:
        figures = json.dumps({"sizes": results}, indent=2) + "\n"
        try:
            Path(args.json).write_text(figures, encoding="utf-8")
        except OSError as exc:  # made unwritable during the run: the figures are not lost
            print(f"error: --json {args.json}: cannot write it ({exc.strerror or exc}); the figures:", file=sys.stderr)
            print(figures, end="")
            return 2
    return 0


def _unwritable(path: Path) -> str | None:
    """Why the figures could not be written to `path` (None: they can)."""
    folder = path.parent
    if not folder.is_dir():
        return f"the folder {folder} does not exist" if not folder.exists() else f"{folder} is not a folder"
    if path.is_dir():
        return "it is a folder"
    if not os.access(path if path.exists() else folder, os.W_OK):
        return f"no right to write {'it' if path.exists() else 'in ' + str(folder)}"
    return None


if __name__ == "__main__":
    sys.exit(run_printing(main))
