"""The message catalogue: every sentence the bot writes has a Korean entry, and the asker's language picks it."""

from __future__ import annotations

import ast
import re
import string
import threading
from pathlib import Path

import pytest

from bot import Asker, Service, catalogue, messages
from bot.catalogue import LOCALES, compile_po, parse_po
from tests.support import small_kb, write_kb

ROOT = Path(__file__).resolve().parent.parent
MARKERS = {"_", "N_"}


def marked() -> dict[str | tuple[str, str], str]:
    """Every msgid marked in bot/ and adapters/ (`_`, `N_`, `ngettext`), with where it is."""
    found: dict[str | tuple[str, str], str] = {}
    for root in ("bot", "adapters"):
        for path in sorted((ROOT / root).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if not isinstance(node, ast.Call) or not node.args:
                    continue
                func = node.func
                name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
                first = node.args[0]
                where = f"{path.relative_to(ROOT)}:{node.lineno}"
                if name in MARKERS and isinstance(first, ast.Constant) and isinstance(first.value, str):
                    found.setdefault(first.value, where)
                elif name == "ngettext" and len(node.args) >= 2 and isinstance(first, ast.Constant):
                    second = node.args[1]
                    assert isinstance(second, ast.Constant), where
                    found.setdefault((first.value, second.value), where)
    return found


def korean() -> dict[str, str]:
    return parse_po((LOCALES / "ko.po").read_text(encoding="utf-8"))


def fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_every_sentence_has_a_korean_entry_with_the_same_placeholders() -> None:
    """A sentence marked anywhere in bot/ or adapters/ without a Korean msgstr (or with other {fields}) fails."""
    entries = korean()
    found = marked()
    assert len(found) > 50  # the scan sees the catalogue (the constants of bot/messages.py at least)
    for key, where in found.items():
        msgid = "\0".join(key) if isinstance(key, tuple) else key
        assert entries.get(msgid), f"{where}: no Korean entry for {key!r}"
        english = key[0] if isinstance(key, tuple) else key
        for form in entries[msgid].split("\0"):
            assert fields(form) == fields(english), f"{where}: the Korean of {english!r} has other placeholders"


REFUSALS = ("Refused", "StoreError")


def test_no_refusal_or_constant_bypasses_the_catalogue() -> None:
    """`Refused(...)` and `StoreError(...)` (which a moderator reads, as a refusal) get a catalogue sentence, never a
    bare or f-string literal; constants are marked."""
    for root in ("bot",):
        for path in sorted((ROOT / root).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Call) and getattr(node.func, "id", "") in REFUSALS and node.args:
                    assert not isinstance(node.args[0], (ast.Constant, ast.JoinedStr)), f"{path}:{node.lineno}"
    for name in ("messages.py", "moderatormessages.py"):  # the catalogue's two modules: members', moderators'
        module = ast.parse((ROOT / "bot" / name).read_text(encoding="utf-8"))
        for node in module.body:
            value = node.value if isinstance(node, ast.Assign) else None
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                pytest.fail(f"bot/{name}:{node.lineno}: a sentence not marked with N_")


def test_the_po_compiles_to_what_gettext_reads() -> None:
    """The .po is compiled in memory (no binary committed); GNUTranslations reads it, plurals included."""
    assert not list(LOCALES.glob("*.mo"))
    with messages.speaking("ko"):
        assert messages.say(messages.NOTHING_TO_UNDO) == "되돌릴 것이 없습니다."
        assert "3개" in messages.dismissed("g123456", "hours?", 3)
    assert messages.dismissed("g123456", "hours?", 1) == "Dismissed gap g123456 “hours?” (1 question)."
    assert compile_po({"": "Content-Type: text/plain; charset=UTF-8\n"}).startswith(b"\xde\x12\x04\x95")


def test_po_strings_are_read_with_c_escapes_and_bad_ones_refused() -> None:
    """msgfmt's string syntax: \\n, \\t, \\", \\\\, octal and hex escapes, lines joined; a stray quote is an error."""
    entries = parse_po('msgid "a\\tb"\n"\\n"\nmsgstr "\\"q\\" \\\\ \\101\\x42"\n')
    assert entries == {"a\tb\n": '"q" \\ AB'}
    unterminated, nul, hex_nul = 'msgid "abc\\"\nmsgstr ""\n', 'msgid "a\\0"\nmsgstr ""\n', 'msgid "\\x00"\nmsgstr ""\n'
    stray_quote, unknown, bare = 'msgid "a"b"\nmsgstr ""\n', 'msgid "\\q"\nmsgstr ""\n', 'msgid a\nmsgstr ""\n'
    for bad in (stray_quote, unknown, bare, unterminated, nul, hex_nul):
        with pytest.raises(ValueError):
            parse_po(bad)


def test_the_first_korean_replies_from_many_threads_at_once_all_translate() -> None:
    """Compiling a language runs once under a lock; the first replies often come from several worker threads together
    (CI once failed on Python 3.11.7, whose ast.literal_eval is not thread-safe, when the parser used it)."""
    catalogue._ready.clear()  # compiled afresh, by whichever thread comes first
    barrier = threading.Barrier(16)
    results: list[str] = []

    def first_reply() -> None:
        barrier.wait()
        with messages.speaking("ko"):
            results.append(messages.say(messages.NOTHING_TO_UNDO))

    threads = [threading.Thread(target=first_reply) for _ in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == ["되돌릴 것이 없습니다."] * 16


@pytest.mark.parametrize(
    ("language", "question", "expected"),
    [
        ("ko", "ko", "ko"),
        ("ko-KR", "wifi?", "ko"),
        ("en-US", "와이파이 비밀번호?", "en"),  # the user's language first
        ("", "와이파이 비밀번호?", "ko"),  # then the question's script
        ("de", "와이파이 비밀번호?", "ko"),
        ("de", "wifi?", "en"),
        ("", "", "en"),
    ],
)
def test_language_is_the_users_then_the_scripts(language: str, question: str, expected: str) -> None:
    """The user's language tag if the catalogue has it; otherwise Hangul in the question means Korean."""
    assert messages.choose(language, question) == expected


def test_service_speaks_the_askers_language_and_never_translates_passages(tmp_path: Path) -> None:
    """Fallback, cooldown, help and moderation replies in Korean for a Korean asker; the passage stays as written."""
    service = Service.from_directory(write_kb(tmp_path / "knowledge", small_kb(questions=True, rules=True)))
    ko = Asker("telegram", "1", "1", language="ko")
    fallback = service.ask("What is the wifi password?", ko)
    assert fallback.fallback and "모르겠습니다" in fallback.text
    assert service.ask("와이파이 비밀번호가 뭐예요?", Asker("console", "2")).text.startswith("죄송합니다")
    assert service.ask("wifi password?", Asker("console", "3")).text.startswith("Sorry")
    answered = service.ask("When is the meetup?", ko)
    assert not answered.fallback and not re.search("[\uac00-\ud7a3]", answered.text)
    assert "물어보세요" in service.help_text("ko") and "Ask me about" in service.help_text("en")
    assert (
        service.refusal(Asker("discord", "5", "5", language="ko"), "add")
        == "죄송합니다. 지식 베이스는 관리자만 바꿀 수 있습니다."
    )
