"""Sources as members see them in citations, /help and /sources, and the warnings `kb check` gives when a
source's title, publisher or url will not show as written."""

from __future__ import annotations

import re

from bot.knowledge.passages import KnowledgeBase

# A source's title as citations show it: every one repeats it (a 110 KB <title> was 28 messages).
MAX_TITLE_CHARS = 200
MAX_URL_CHARS = 2000  # of a source's url, past which `kb check` warns (Discord's embed takes 2,048)
# A source's `url` as a link can take it: Discord refuses a whole answer whose embed links anything else.
WEB_ADDRESS = re.compile(r"https?://[^\s/$.?#][^\s]*\Z", re.IGNORECASE)


def odd_addresses(kb: KnowledgeBase) -> list[str]:
    """A warning for each source whose `url` is no web address ("www.example.org/faq"): Discord's
    answers leave it out, and /sources shows it as written."""
    return [
        f"source “{source.title}”: url {source.url!r} is not a web address (http:// or https://); "
        "Discord's answers leave it out"
        for source in kb.sources()
        if source.url and not WEB_ADDRESS.match(source.url)
    ]


def clipped(text: str, limit: int) -> str:
    """`text` cut to `limit` characters, the last of them "…"."""
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def shown(title: str) -> str:
    """A source's title (or publisher) as members see it, in citations, /help and /sources: cut at
    MAX_TITLE_CHARS, as `kb import` cuts a page's title. Cut when shown, not refused when loaded: a
    folder with a longer title had loaded before the limit was set, and must still start."""
    return clipped(title, MAX_TITLE_CHARS)


def long_titles(kb: KnowledgeBase) -> list[str]:
    """A warning for each source whose title or publisher is longer than members are shown, or whose
    url is longer than a browser or Discord's embed takes."""
    said = [
        f"source “{shown(source.title)}”: its {key} is {len(value)} characters; members are shown the first "
        f"{MAX_TITLE_CHARS}"
        for source in kb.sources()
        for key, value in (("title", source.title), ("publisher", source.publisher or ""))
        if len(value) > MAX_TITLE_CHARS
    ]
    return said + [
        f"source “{shown(source.title)}”: its url is {len(source.url)} characters, more than {MAX_URL_CHARS}"
        for source in kb.sources()
        if source.url and len(source.url) > MAX_URL_CHARS
    ]
