"""Rendering shared by the adapters: cutting a long reply into messages a platform accepts, and
clipping a label or title to a platform's limit."""

from __future__ import annotations

ELLIPSIS = "…"


def split_message(text: str, limit: int) -> list[str]:
    """Cut `text` into pieces of at most `limit` characters, at paragraph, line or word breaks.

    Only a single word longer than `limit` is cut inside the word. Never returns an empty list
    for non-empty text, and never an empty piece.
    """
    if limit < 1:
        raise ValueError("limit must be positive")
    pieces: list[str] = []
    rest = text.strip()
    while len(rest) > limit:
        window = rest[: limit + 1]
        cut = max(window.rfind("\n\n"), window.rfind("\n"), window.rfind(" "))
        if cut <= 0:
            cut = limit
        piece, rest = rest[:cut].rstrip(), rest[cut:].lstrip()
        if piece:
            pieces.append(piece)
    if rest:
        pieces.append(rest)
    return pieces


def clip(text: str, limit: int) -> str:
    """`text` if it fits in `limit` characters, else its start, cut at a word break if there is one, and "…"."""
    if len(text) <= limit:
        return text
    return (split_message(text, limit - 1) or [""])[0] + ELLIPSIS
