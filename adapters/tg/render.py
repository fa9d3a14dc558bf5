"""An Answer as Telegram sees it: HTML messages under the 4096-character limit, and inline buttons.

Every piece of passage and user text is escaped; text is split before it is escaped and marked
up, so no entity or tag is ever cut. Buttons carry short references to passages that fit in
Telegram's 64 bytes of callback data.
"""

from __future__ import annotations

import dataclasses
import hashlib
import html
import re
from collections.abc import Sequence

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InputTextMessageContent,
    LinkPreviewOptions,
)
from telegram.constants import MessageLimit, ParseMode

from adapters.rendering import clip, split_message
from bot import DOMAIN, Answer, Outcome, Passage

CALLBACK_DATA_LIMIT = 64  # bytes, Telegram's limit for an inline button's callback_data
BUTTON_LABEL_LIMIT = 60
CODE_SPAN = re.compile(r"`([^`\n]+)`")
# A fenced block, as kb import writes it: the fence may be longer than three when the code holds one.
CODE_BLOCK = re.compile(r"^(`{3,})[^\n`]*\n(.*?)\n\1$", re.MULTILINE | re.DOTALL)
# What Telegram makes a link, or a mention that notifies its user, in a bot's text: an address (with
# its scheme, or a bare domain of any script, "club.org", "сайт-клуба.рф", and its path: the core's
# DOMAIN), an email address or @username, a /command or a path; the punctuation that follows one is
# the sentence's.
_ENDS = r"[^\s“”\"]*(?<![.,;:!?'’)\]])"
LINKABLE = re.compile(
    rf"\b[a-z][a-z0-9+.-]*://{_ENDS}|\b{DOMAIN}\b(?:[/:?#]{_ENDS})?"
    rf"|[\w.+-]*@\w{_ENDS}|(?<![\w/.])/\w{_ENDS}",
    re.IGNORECASE,
)


def render(answer: Answer, limit: int = MessageLimit.MAX_TEXT_LENGTH) -> list[str]:
    """The answer as Telegram HTML messages, each at most `limit` characters including markup."""
    if answer.outcome is Outcome.ANSWERED and answer.passage_text is not None:
        parts = [(answer.hedge, "i"), (answer.section, "b"), *_with_code(answer.passage_text), (answer.citation, "i")]
    elif answer.outcome is Outcome.FALLBACK and answer.asked:
        return _quoting(answer.text, limit)
    else:
        parts = [(answer.text, None)]
    return html_messages(parts, limit)


def _quoting(text: str, limit: int) -> list[str]:
    """The fallback for one question of several, whose first line quotes the member's words ("About
    “is https://… legit?”:"): an address or an @username in them as code, which Telegram neither links
    nor makes a mention (the bot's own message had linked a member's address, or pinged a member)."""
    line, _, rest = text.partition("\n")
    pieces, at = [], 0
    for found in LINKABLE.finditer(line):
        pieces += [_escaped(line[at : found.start()]), f"<code>{_escaped(found.group())}</code>"]
        at = found.end()
    head = "".join([*pieces, _escaped(line[at:])])
    if units(head) > limit // 2:  # a quote is sixty characters, cut: never so long
        return html_messages([(text, None)], limit)
    body = html_messages([(rest, None)], limit - units(head) - 1)
    return [f"{head}\n{body[0]}", *body[1:]] if body else [head]


def _escaped(text: str) -> str:
    return html.escape(text, quote=False)


def _with_code(text: str) -> list[tuple[str | None, str | None]]:
    """A passage's text as parts: its prose, and each fenced block of code (an imported guide's
    commands) as <pre>, which Telegram shows as code to copy, not as lines between backticks."""
    parts: list[tuple[str | None, str | None]] = []
    at = 0
    for block in CODE_BLOCK.finditer(text):
        parts += [(text[at : block.start()], None), (block.group(2), "pre")]
        at = block.end()
    return [*parts, (text[at:], None)]


def html_messages(parts: list[tuple[str | None, str | None]], limit: int = MessageLimit.MAX_TEXT_LENGTH) -> list[str]:
    """Escape and mark up text parts (text, tag or None), packed into messages of at most `limit`.

    Text is split before it is escaped and marked up, so no entity or tag is ever cut.
    """
    chunks: list[str] = []
    for text, tag in parts:
        if not text or not text.strip():
            continue
        room = limit - (2 * len(tag) + 5 if tag else 0)
        for piece in _split_escaped(text, room):
            chunks.append(f"<{tag}>{piece}</{tag}>" if tag else piece)
    return _pack(chunks, limit)


def units(text: str) -> int:
    """How long Telegram counts `text`: in UTF-16 code units, where an emoji or a rare CJK character
    is two (a passage of them, counted in characters, was refused as "message is too long")."""
    return len(text.encode("utf-16-le")) // 2


def _split_escaped(text: str, limit: int, cut: int | None = None) -> list[str]:
    """Split `text` (at most `cut` raw characters a piece) so that every escaped piece fits in `limit`."""
    pieces: list[str] = []
    for piece in split_message(text, cut or limit):
        escaped = html.escape(piece, quote=False)
        if units(escaped) <= limit:
            pieces.append(escaped)
        else:  # escaping (or wide characters) made it longer: cut the raw piece smaller, in proportion
            smaller = max(1, min(len(piece) - 1, len(piece) * limit // units(escaped)))
            pieces.extend(_split_escaped(piece, limit, smaller))
    return pieces


def _pack(chunks: list[str], limit: int) -> list[str]:
    messages: list[str] = []
    length = 0  # of the last message, in Telegram's units
    for chunk in chunks:
        size = units(chunk)
        if messages and length + 2 + size <= limit:
            messages[-1] += "\n\n" + chunk
            length += 2 + size
        else:
            messages.append(chunk)
            length = size
    return messages


def plain_messages(text: str, limit: int = MessageLimit.MAX_TEXT_LENGTH) -> list[str]:
    """The core's plain-text reply as HTML messages; `id` spans become <code> (a tap copies them).

    The tags make a message longer, so the text is cut smaller until they fit; a piece that still
    would not fit (a quarter of the limit, nearly all spans) keeps its backticks instead.
    """
    room = limit
    while True:
        pieces = html_messages([(text, None)], room)
        coded = [CODE_SPAN.sub(r"<code>\1</code>", piece) for piece in pieces]
        if all(units(c) <= limit for c in coded) or room <= limit // 4:
            return [c if units(c) <= limit else piece for c, piece in zip(coded, pieces, strict=True)]
        room -= limit // 8


INLINE_RESULTS = 5  # passages an inline query offers
INLINE_CACHE_SECONDS = 60  # how long Telegram may show the same results for the same words (a passage removed)
INLINE_TITLE_CHARS = 64  # an inline result's title, as a phone shows it on one or two lines
INLINE_DESCRIPTION_CHARS = 100


def inline_result(answer: Answer) -> InlineQueryResultArticle:
    """A passage as a result of an inline query (`@QABot membership fee` in any chat): its section
    and the start of its text (code marks left out) to choose by, and the answer as the bot sends
    it, in one message (`one_message`). Its id is the passage's (ids are at most 64 ASCII characters)."""
    passage_id, text = answer.passage_id or "", answer.passage_text or ""
    return InlineQueryResultArticle(
        id=passage_id,
        title=clip(answer.section or passage_id, INLINE_TITLE_CHARS),
        description=clip(" ".join(CODE_BLOCK.sub(r"\2", text).split()), INLINE_DESCRIPTION_CHARS),
        input_message_content=InputTextMessageContent(
            one_message(answer), parse_mode=ParseMode.HTML, link_preview_options=LinkPreviewOptions(is_disabled=True)
        ),
    )


def one_message(answer: Answer, limit: int = MessageLimit.MAX_TEXT_LENGTH) -> str:
    """The answer in one message of at most `limit` characters, its citation kept: a passage too long
    for it is cut at a word and marked "…", a block of code cut inside closed again, so that it is
    still code (inline mode sends one message; the first of two had left out the rest and the source)."""
    text = answer.passage_text or ""
    while True:
        pieces = render(dataclasses.replace(answer, passage_text=text), limit)
        if len(pieces) == 1 or len(text) <= 2:
            return pieces[0]
        text = _fenced(clip(text, max(2, len(text) * 9 // 10)))


def _fenced(text: str) -> str:
    """`text` with a fence of code it leaves open closed after it."""
    opened = ""
    for line in text.splitlines():
        fence = re.match(r"`{3,}", line)
        if fence and not opened:
            opened = fence.group()
        elif fence and line.strip() == opened:
            opened = ""
    return f"{text}\n{opened}" if opened else text


def passage_ref(passage_id: str) -> str:
    """A short reference to a passage that fits in callback data with its prefix."""
    if _fits(passage_id):
        return passage_id
    return "#" + hashlib.sha256(passage_id.encode()).hexdigest()[:24]


class RefTable:
    """The passage ids behind hashed references, made once per version of the live passages, so
    that a press (a forged one too) costs a dict look-up, not a hash of every passage id."""

    def __init__(self) -> None:
        self._of: Sequence[Passage] | None = None
        self._ids: dict[str, str] = {}

    def resolve(self, ref: str, passages: Sequence[Passage]) -> str:
        """The passage id behind `ref`; `passages` is the same object until the knowledge changes."""
        if not ref.startswith("#"):
            return ref
        if passages is not self._of:
            self._ids = {passage_ref(p.id): p.id for p in passages if not _fits(p.id)}
            self._of = passages
        return self._ids.get(ref, ref)


def _fits(passage_id: str) -> bool:
    return len(f"v:+:{passage_id}".encode()) <= CALLBACK_DATA_LIMIT


def keyboard(answer: Answer) -> InlineKeyboardMarkup | None:
    """Suggestion buttons for a fallback, 👍 / 👎 for an answer (and "Read on ▸" when its section goes
    on in the next passage: "r:", answered as a topic's "p:" is, but no topic chosen), nothing for small talk."""
    if answer.passage_id is not None and answer.outcome is Outcome.ANSWERED:
        ref = passage_ref(answer.passage_id)
        row = [
            InlineKeyboardButton("👍", callback_data=f"v:+:{ref}"),
            InlineKeyboardButton("👎", callback_data=f"v:-:{ref}"),
        ]
        if answer.read_on is not None:
            more = answer.read_on
            row.append(
                InlineKeyboardButton(
                    clip(more.label, BUTTON_LABEL_LIMIT), callback_data=f"r:{passage_ref(more.passage_id)}"
                )
            )
        return InlineKeyboardMarkup([row])
    if answer.suggestions:
        rows = [
            [InlineKeyboardButton(clip(s.label, BUTTON_LABEL_LIMIT), callback_data=f"p:{passage_ref(s.passage_id)}")]
            for s in answer.suggestions
        ]
        return InlineKeyboardMarkup(rows)
    return None
