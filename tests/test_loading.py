"""Loading a knowledge folder: worker processes and the per-file cache give exactly one index."""

from __future__ import annotations

import functools
import hmac
import logging
import os
import pickle
import shutil
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import yaml

from bot import keyfile, knowledge
from bot.answering import DEFAULT_KNOWLEDGE, Answerer
from bot.config import Config
from bot.knowledge import KnowledgeError
from bot.search import loading, synonyms, text
from bot.search.cache import CACHE_VARIABLE, KEY_FILE, open_cache
from bot.search.ranking import Ranking
from bot.search.retrieval import Index
from bot.service import Service

ARTICLE = DEFAULT_KNOWLEDGE / "five-things-about-north-korean-refugees.yaml"


def split_knowledge(folder: Path, files: int = 3) -> Path:
    """The article's passages spread over `files` source files, with the synonyms beside them."""
    data = yaml.safe_load(ARTICLE.read_text(encoding="utf-8"))
    passages = data["passages"]
    folder.mkdir(parents=True, exist_ok=True)
    for n in range(files):
        share = {"source": data["source"], "passages": passages[n::files]}
        (folder / f"part-{n}.yaml").write_text(yaml.safe_dump(share, sort_keys=False), encoding="utf-8")
    shutil.copy(DEFAULT_KNOWLEDGE / synonyms.FILE_NAME, folder)
    return folder


def probes(index: Index) -> list[str]:
    """Questions that reach every passage: its section and opening words, and the same with one
    long word misspelt (a letter dropped), which the spelling table must correct the same way."""
    found = []
    for passage in index.kb.passages:
        words = f"{passage.section} {passage.text}".split()[:10]
        found.append(" ".join(words))
        long_words = [w for w in words if len(w) > 6 and w.isalpha()]
        if long_words:
            found.append(" ".join(w[:-2] + w[-1] if w == long_words[0] else w for w in words))
    return [*found, "Why do North Koreans defect?", "how many refugees live in the US", "latern festivel"]


def same_index(a: Index, b: Index) -> None:
    """The two indexes answer alike: the same passages, the same terms for every probe question
    (spelling corrections included), the same score for every passage, the same top passages."""
    assert a.kb.passages == b.kb.passages
    for question in probes(a):
        terms = a.analyze(question)
        assert b.analyze(question) == terms, question
        assert a.scores(terms) == b.scores(terms), question
        assert [(r.passage.id, r.score, r.coverage) for r in a.rank(terms)] == [
            (r.passage.id, r.score, r.coverage) for r in b.rank(terms)
        ], question


@pytest.mark.parametrize("variant", ["okapi", "plus"])
def test_worker_processes_build_the_index_one_process_builds(tmp_path: Path, variant: str) -> None:
    """Files read by two worker processes and joined give the index built from the whole knowledge base."""
    folder = split_knowledge(tmp_path / "kb")
    ranking = Ranking(variant=variant)
    in_workers = loading.load(folder, ranking, workers=2)
    here = loading.load(folder, ranking, workers=1)
    whole = Index(knowledge.load(folder), synonyms.load(folder), ranking)
    same_index(in_workers, whole)
    same_index(here, whole)


def test_an_error_in_a_worker_names_the_file_and_line(tmp_path: Path) -> None:
    """A broken passage read in a worker process is reported as if read here: file, entry and line."""
    folder = split_knowledge(tmp_path / "kb")
    broken = folder / "part-1.yaml"
    broken.write_text(broken.read_text(encoding="utf-8").replace("section:", "sektion:", 1), encoding="utf-8")
    with pytest.raises(KnowledgeError) as raised:
        loading.load(folder, workers=2)
    first_item = next(n for n, line in enumerate(broken.read_text().splitlines(), 1) if line.startswith("- id:"))
    assert raised.value.path == broken
    assert raised.value.line == first_item
    assert "unknown key sektion" in str(raised.value)


def test_a_duplicate_id_across_files_names_the_second_file(tmp_path: Path) -> None:
    """An id used in two files read by different workers is caught, naming the later file and line."""
    folder = split_knowledge(tmp_path / "kb", files=2)
    first_id = yaml.safe_load((folder / "part-0.yaml").read_text(encoding="utf-8"))["passages"][0]["id"]
    second = folder / "part-1.yaml"
    data = yaml.safe_load(second.read_text(encoding="utf-8"))
    data["passages"][1]["id"] = first_id
    second.write_text(yaml.safe_dump(data, sort_keys=False), encoding="utf-8")
    with pytest.raises(KnowledgeError, match=r"duplicate id, already used in part-0\.yaml") as raised:
        loading.load(folder, workers=2)
    assert raised.value.path == second and raised.value.entry == first_id and raised.value.line is not None


def test_cached_parts_load_as_read_ones(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """With QABOT_CACHE, a second start reads each file's part back; an edited file alone is read again."""
    folder = split_knowledge(tmp_path / "kb")
    cache = tmp_path / "cache"
    monkeypatch.setenv(CACHE_VARIABLE, str(cache))
    read = Answerer.from_directory(folder).index  # the variable is read at start-up, and passed on
    assert len(list(cache.glob("part-*.pickle"))) == 3
    assert stat.S_IMODE((cache / KEY_FILE).stat().st_mode) == 0o600
    same_index(loading.load(folder, cache=cache, workers=3), read)  # the workers use it too
    damaged = sorted(cache.glob("part-*.pickle"))[0]
    damaged.write_bytes(b"not a pickle")
    with caplog.at_level(logging.WARNING, logger="bot.search.cache"):
        same_index(loading.load(folder, cache=cache), read)
    assert "ignoring cache file" in caplog.text
    edited = folder / "part-2.yaml"
    edited.write_text(edited.read_text(encoding="utf-8").replace("Introduction", "Opening"), encoding="utf-8")
    reread = loading.load(folder, cache=cache)
    assert len(list(cache.glob("part-*.pickle"))) == 3  # the edited file's old entry is gone
    same_index(reread, Index(knowledge.load(folder), synonyms.load(folder)))


def test_edits_leave_one_cache_entry_per_file(tmp_path: Path) -> None:
    """200 edits of one file leave one entry for it, not 201 (superseded versions are deleted)."""
    folder = split_knowledge(tmp_path / "kb")
    cache = tmp_path / "cache"
    edited = folder / "part-2.yaml"
    original = edited.read_text(encoding="utf-8")
    for n in range(200):
        edited.write_text(original.replace("Introduction", f"Opening {n}"), encoding="utf-8")
        loading.load(folder, cache=cache, workers=1)
    assert len(list(cache.glob("part-*.pickle"))) == 3


def test_deploys_that_swap_a_symlink_leave_one_cache_entry_per_file(tmp_path: Path) -> None:
    """Five deploys that swap `current -> releases/N` to a new copy of the knowledge, the bot started
    on `current`: about one entry per live file, not one per file and release kept for good."""
    cache = tmp_path / "cache"
    original = split_knowledge(tmp_path / "source")
    current = tmp_path / "current"
    for n in range(5):
        release = tmp_path / "releases" / f"r{n}"
        shutil.copytree(original, release)
        link = tmp_path / "current.new"
        link.symlink_to(release)
        os.replace(link, current)  # the atomic swap deploy tools do
        loading.load(current, cache=cache, workers=1)
    entries = list(cache.glob("part-*.pickle"))
    assert len(entries) <= 2 * 3, f"{len(entries)} cache entries for 3 live files after 5 deploys"


def test_worker_processes_import_nothing_from_the_working_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Started in a folder holding a `yaml.py`, with PYTHONPATH unset, the workers import the real
    PyYAML: the working folder is not on their import path (such a folder may be /tmp)."""
    folder = split_knowledge(tmp_path / "kb")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    marker = tmp_path / "ran"
    (elsewhere / "yaml.py").write_text(f"open({str(marker)!r}, 'w').write('ran')\n", encoding="utf-8")
    monkeypatch.delenv("PYTHONPATH", raising=False)
    monkeypatch.chdir(elsewhere)
    index = loading.load(folder, workers=2)
    monkeypatch.chdir(tmp_path)
    same_index(index, loading.load(folder, workers=1))
    assert not marker.exists(), "a worker imported yaml.py from the working folder"


class _Planted:
    """A pickle that, when loaded, writes a file: what a local attacker would put in the cache."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[str, str]]:
        return (Path.write_text, (str(self.marker), "ran"))  # type: ignore[return-value]


def test_a_forged_or_foreign_cache_entry_is_a_miss_and_never_unpickled(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """An unsigned pickle, one signed with another key and a signed entry of the wrong type: each read again."""
    folder, cache, marker = split_knowledge(tmp_path / "kb"), tmp_path / "cache", tmp_path / "ran"
    read = loading.load(folder, cache=cache)
    entries = sorted(cache.glob("part-*.pickle"))
    key = (cache / KEY_FILE).read_bytes()
    evil = pickle.dumps(_Planted(marker))
    entries[0].write_bytes(hmac.new(b"another key", evil, "sha256").digest() + evil)
    entries[1].write_bytes(evil)
    wrong = pickle.dumps({"not": "a part"})
    entries[2].write_bytes(hmac.new(key, wrong, "sha256").digest() + wrong)
    with caplog.at_level(logging.WARNING, logger="bot.search.cache"):
        same_index(loading.load(folder, cache=cache), read)
    assert not marker.exists()
    assert caplog.text.count("does not carry this cache's signature") == 2
    same_index(loading.load(folder, cache=cache), read)  # the bad entries were replaced by good ones


# Giving a file to another user (65534) takes root; as any other user, 65534 would be the bot's own user, or refused.
as_root = pytest.mark.skipif(os.geteuid() != 0, reason="only root can give a file to another user")


@pytest.mark.parametrize(
    "flaw",
    [
        "folder writable by others",
        pytest.param("folder of another user", marks=as_root),
        pytest.param("key of another user", marks=as_root),
    ],
)
def test_a_cache_folder_not_the_bots_own_is_refused(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, flaw: str
) -> None:
    """A folder or key someone else could write: one WARNING, and the bot starts without the cache."""
    folder, cache = split_knowledge(tmp_path / "kb"), tmp_path / "cache"
    loading.load(folder, cache=cache)
    entries = {p: p.read_bytes() for p in cache.iterdir()}
    if flaw == "folder writable by others":
        cache.chmod(0o777)
    elif flaw == "folder of another user":
        os.chown(cache, 65534, 65534)
    else:
        os.chown(cache / KEY_FILE, 65534, 65534)
    with caplog.at_level(logging.WARNING, logger="bot.search"):
        same_index(loading.load(folder, cache=cache), Index(knowledge.load(folder), synonyms.load(folder)))
    [warning] = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert warning.getMessage().startswith(f"not using the cache {cache}")
    assert {p: p.read_bytes() for p in cache.iterdir()} == entries  # nothing read from it, nothing written


@as_root
def test_a_cache_entry_of_another_user_is_ignored(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """An entry file that belongs to someone else is not read, even with a good signature."""
    folder, cache = split_knowledge(tmp_path / "kb", files=1), tmp_path / "cache"
    read = loading.load(folder, cache=cache)
    [entry] = cache.glob("part-*.pickle")
    os.chown(entry, 65534, 65534)
    with caplog.at_level(logging.WARNING, logger="bot.search.cache"):
        same_index(loading.load(folder, cache=cache), read)
    assert "belongs to user 65534" in caplog.text


def test_starts_sharing_a_fresh_cache_folder_all_use_its_one_key(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Four starts at once on a new cache folder (webhook workers, the bot and a `kb` command), twelve
    times: each gets the one key and uses the cache; none reads a key still being written."""
    refused = 0
    for trial in range(12):
        folder = tmp_path / f"cache-{trial}"
        got: list[object] = []
        gate = threading.Barrier(4)

        def start(folder: Path = folder, got: list[object] = got, gate: threading.Barrier = gate) -> None:
            gate.wait()
            got.append(open_cache(folder))

        starters = [threading.Thread(target=start) for _ in range(4)]
        for thread in starters:
            thread.start()
        for thread in starters:
            thread.join()
        refused += sum(cache is None for cache in got)
        assert len((folder / KEY_FILE).read_bytes()) == 32
        assert [p.name for p in folder.iterdir()] == [KEY_FILE]  # no temporary key left behind
    assert refused == 0, f"{refused} of 48 starters refused a cache folder that is fine"
    assert "not using the cache" not in caplog.text


def test_an_empty_key_left_by_a_killed_start_is_replaced(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """An empty key file (an older version killed between creating and writing it) is replaced by a
    new key with a WARNING, instead of refusing the cache at every start."""
    cache = tmp_path / "cache"
    cache.mkdir(mode=0o700)
    (cache / KEY_FILE).touch(mode=0o600)
    with caplog.at_level(logging.WARNING, logger="bot.keyfile"):
        assert open_cache(cache) is not None
    assert "is empty" in caplog.text and len((cache / KEY_FILE).read_bytes()) == 32


def test_a_temporary_key_left_by_a_killed_start_is_removed_at_the_next_start(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A start killed between writing its temporary key and linking it left `.user-key.XXXXXXXX.tmp`:
    the next start removes it once a minute old; a fresh one (a start writing it now) and any other name stay."""
    path, an_hour_ago = tmp_path / "user-key", time.time() - 3600
    left = tmp_path / ".user-key.k3y_0a9z.tmp"
    kept = [tmp_path / name for name in (".user-key.abcdefgh.tmp.bak", ".user-key.abc.tmp", ".cache-key.abcdefgh.tmp",
                                         ".user-key.ABCDEFGH.tmp", ".user-key.fresh123.tmp")]  # fmt: skip
    for file in [left, *kept]:
        file.write_bytes(b"k" * keyfile.KEY_BYTES)
        file.chmod(0o600)
        if file.name != ".user-key.fresh123.tmp":
            os.utime(file, (an_hour_ago, an_hour_ago))
    linked = tmp_path / ".user-key.link0000.tmp"
    linked.symlink_to(kept[0])
    os.utime(linked, (an_hour_ago, an_hour_ago), follow_symlinks=False)
    with caplog.at_level(logging.WARNING, logger="bot.keyfile"):
        assert len(keyfile.load_or_create(path)) == keyfile.KEY_BYTES
    assert not left.exists() and all(file.exists() for file in kept) and linked.is_symlink()
    assert f"removed {left}" in caplog.text


def test_starts_finding_one_empty_key_at_once_all_use_the_one_key_that_replaces_it(tmp_path: Path) -> None:
    """Four starts at once find the empty key an older version left, twelve times: one replaces it,
    the others read its key (each had replaced it with its own, and used a key the file no longer held)."""
    for trial in range(12):
        path = tmp_path / f"user-key-{trial}"
        path.touch(mode=0o600)
        got: list[bytes] = []
        gate = threading.Barrier(4)

        def start(path: Path = path, got: list[bytes] = got, gate: threading.Barrier = gate) -> None:
            gate.wait()
            got.append(keyfile.load_or_create(path))

        starters = [threading.Thread(target=start) for _ in range(4)]
        for thread in starters:
            thread.start()
        for thread in starters:
            thread.join()
        assert got == [path.read_bytes()] * 4 and len(got[0]) == keyfile.KEY_BYTES


def test_small_folders_are_read_here_and_large_ones_by_every_processor(tmp_path: Path) -> None:
    """Workers start only when there is enough to read that they pay for their start."""
    folder = split_knowledge(tmp_path / "kb")
    files = knowledge.folder_files(folder)
    assert loading._workers(files, None) == 1
    assert loading._workers(files, 8) == 3  # never more workers than files
    big = tmp_path / "big.yaml"
    big.write_bytes(b"#" * loading.PARALLEL_BYTES)
    assert loading._workers([big, *files], None) == min(len(loading.os.sched_getaffinity(0)), 4)


@pytest.mark.parametrize(
    "interpreter",
    [
        "exit 3",  # dies at once
        "cat > /dev/null; printf garbage",
        f'exec "{sys.executable}" "$@" > /dev/null',  # the real worker, whose output goes nowhere
    ],
    ids=["dies", "garbles", "sends-nothing"],
)
def test_files_a_worker_fails_to_send_are_read_here(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, interpreter: str
) -> None:
    """A worker that dies or garbles its output costs time, not the start: its files are read here."""
    folder = split_knowledge(tmp_path / "kb")
    broken = tmp_path / "python"
    broken.write_text(f"#!/bin/sh\n{interpreter}\n", encoding="utf-8")
    broken.chmod(0o755)
    monkeypatch.setattr(loading.sys, "executable", str(broken))  # a broken interpreter: the process boundary
    with caplog.at_level(logging.WARNING, logger="bot.search.loading"):
        index = loading.load(folder, workers=2)
    assert "reading its files here" in caplog.text
    same_index(index, loading.load(folder, workers=1))


def test_workers_that_cannot_start_leave_the_reading_to_the_bot(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """No interpreter to start (a frozen app, no processes left): the files are read here, with a warning."""
    folder = split_knowledge(tmp_path / "kb")
    monkeypatch.setattr(loading.sys, "executable", str(tmp_path / "no-such-python"))
    with caplog.at_level(logging.WARNING, logger="bot.search.loading"):
        index = loading.load(folder, workers=2)
    assert "cannot start worker processes" in caplog.text
    same_index(index, loading.load(folder, workers=1))


def test_workers_import_this_package_whatever_folder_the_bot_runs_in(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """A `bot/` folder where the bot happens to run is not what its workers import."""
    folder = split_knowledge(tmp_path / "kb")
    shadow = tmp_path / "elsewhere" / "bot"
    shadow.mkdir(parents=True)
    (shadow / "__init__.py").write_text("raise ImportError('not the real bot')\n", encoding="utf-8")
    monkeypatch.chdir(shadow.parent)
    with caplog.at_level(logging.WARNING, logger="bot.search.loading"):
        index = loading.load(folder, workers=2)
    assert caplog.text == ""  # no worker failed
    same_index(index, loading.load(folder, workers=1))


def test_text_without_spaces_is_not_kept_after_loading(tmp_path: Path) -> None:
    """Long runs of Chinese or Japanese are tokenized but not remembered, and loading lets go of what it kept."""
    run = "北朝鮮からの脱北者は中国を経由して韓国へ向かうことが多い" * 20
    before = len(text._PIECE_TOKENS)
    assert text.read(run)[0] == text.tokenize(run, keep_stop=True)
    assert len(text._PIECE_TOKENS) == before
    loading.load(split_knowledge(tmp_path / "kb"), workers=1)
    assert len(text._PIECE_TOKENS) == 0


@pytest.mark.parametrize(("setting", "tries_workers"), [(1, False), (2, True)])
def test_load_workers_in_the_config_decides_who_reads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture, setting: int, tries_workers: bool
) -> None:
    """`load_workers: 1` reads in the bot's own process; 2 starts workers (seen here failing to start)."""
    folder = split_knowledge(tmp_path / "kb")
    monkeypatch.setattr(loading.sys, "executable", str(tmp_path / "no-such-python"))
    with caplog.at_level(logging.WARNING, logger="bot.search.loading"):
        service = Service.from_directory(folder, Config(load_workers=setting, data_dir=tmp_path / "data"))
        service.reload()
    service.close()
    assert ("cannot start worker processes" in caplog.text) is tries_workers
    assert len(service.answerer.kb) == len(knowledge.load(folder))


CACHED_AND_READ = """
import sys
from pathlib import Path
from bot.search import loading
folder, cache = Path(sys.argv[1]), Path(sys.argv[2])
cached, read = loading.load(folder, cache=cache, workers=1), loading.load(folder, workers=1)
terms = read.analyze("What percentage of North Korean defectors are women?")
print("woman" in terms, cached.scores(terms) == read.scores(terms))  # a term of this code's, and the cache agreeing
"""


def test_a_change_to_any_module_the_parts_are_made_with_makes_the_cache_read_files_again(tmp_path: Path) -> None:
    """The cache is keyed on every module a part is made with, found by their imports: after an
    upgrade that changes the stemmer's stop words (stemming.py, split out of text.py), a start reads
    its files again rather than serve terms the new code would not make. Run outside the checkout, whose
    own bot/ would come before PYTHONPATH's copy (the upgrade then unseen)."""
    code = tmp_path / "code"
    shutil.copytree(Path(loading.__file__).parents[1], code / "bot", ignore=shutil.ignore_patterns("__pycache__"))
    folder, cache = split_knowledge(tmp_path / "kb"), tmp_path / "cache"
    env = {**os.environ, "PYTHONPATH": str(code)}
    run = functools.partial(subprocess.run, [sys.executable, "-c", CACHED_AND_READ, str(folder), str(cache)],
                            cwd=tmp_path, env=env, capture_output=True, text=True, check=True)  # fmt: skip
    assert run().stdout == "True True\n"
    stemming = code / "bot" / "search" / "stemming.py"
    source = stemming.read_text(encoding="utf-8")
    assert "\nSTOPS = STOP_WORDS | STOP_STEMS\n" in source
    upgraded = 'STOP_STEMS = STOP_STEMS | {"woman"}  # "women" is no longer a term\nSTOPS ='
    stemming.write_text(source.replace("\nSTOPS =", f"\n{upgraded}"), encoding="utf-8")
    assert run().stdout == "False True\n"  # the upgraded code ran, and the cache did not serve the old terms


def test_code_shipped_compiled_only_loads_with_the_cache_set_and_caches_nothing(tmp_path: Path) -> None:
    """Code shipped as .pyc files alone (`compileall -b`, the sources deleted) has no imports to read for the
    cache's key: the start reads the files, as with code in a zip, where it had failed on the compiled bytes."""
    code = tmp_path / "code"
    shutil.copytree(Path(loading.__file__).parents[1], code / "bot", ignore=shutil.ignore_patterns("__pycache__"))
    subprocess.run([sys.executable, "-m", "compileall", "-q", "-b", str(code)], check=True)
    for source in code.rglob("*.py"):
        source.unlink()
    folder, cache = split_knowledge(tmp_path / "kb"), tmp_path / "cache"
    env = {**os.environ, "PYTHONPATH": str(code)}
    result = subprocess.run([sys.executable, "-c", CACHED_AND_READ, str(folder), str(cache)],
                            cwd=tmp_path, env=env, capture_output=True, text=True, check=False)  # fmt: skip
    assert (result.returncode, result.stdout) == (0, "True True\n"), result.stderr
    assert not list(cache.glob("part-*")), "no key can be made of code whose imports cannot be read"
