"""`kb history`'s text: each recorded change as a moderator reads it, newest first.

A passage's change shows its text before and after (an alias, or a questions edit, the questions
taken out and put in); a push of synonyms.yaml the groups taken out, put in and changed, and one
of settings.yaml the values that differ. Lines are clipped so that a long passage or a push of a
thousand groups stays a short block. The records themselves, and the file they are kept in, are
`bot.curation.history`'s.

A passage's questions may be a member's words (`kb alias` attaches a gap's wordings, asked in
private chats too): outside a private chat with the moderator (a group, a public channel) they are
left out, and the history says where it shows them.

Every label is the catalogue's (the kind of a change, who and where, "before:", "after:"...), in the
moderator's language; what a change holds (a passage's words, a file's values) is shown as it is.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from typing import Any

from bot.catalogue import N_, _, ngettext
from bot.curation.history import DOCUMENT, Record
from bot.knowledge import SYNONYMS_FILE
from bot.messages import command, quoted

# The kinds of change a record names (`Record.kind`), in the reader's language: the catalogue's, as an undo names them.
KINDS = (
    N_("add"), N_("edit"), N_("remove"), N_("alias"), N_("publish"), N_("push"), N_("undo"), N_("seed"), N_("source"),
)  # fmt: skip


def render(records: list[Record], *, private: bool = True, platform: str = "cli") -> str:
    """Plain text, newest first, one short block per change. Not `private` (asked in a group or a
    public channel), the passages' questions are left out, and the last line says so."""
    if not records:
        return _("No changes recorded yet.")
    blocks = []
    for r in reversed(records):
        who = f"{r.name or '?'} ({r.platform} {r.user_id})" if r.user_id else f"{r.name or '?'} ({r.platform})"
        kind = _(r.kind) if r.kind in KINDS else r.kind  # a kind a newer version records: as it is
        head = _("{at} {kind} {id} by {who} in {chat}") if r.chat_id else _("{at} {kind} {id} by {who}")
        head = head.format(at=r.at, kind=kind, id=r.passage_id, who=who, chat=r.chat_id)
        document = _is_document(r.before) or _is_document(r.after)
        blocks.append("\n".join([head, *(_document_lines(r) if document else _passage_lines(r, private))]))
    if not private and any(_questions_of(r) for r in records):
        blocks.append(_questions_left_out(platform))
    return "\n".join(blocks)


def _questions_left_out(platform: str) -> str:
    return _(
        "Questions are left out here: they may be members' words, asked in private. `{history}` in a private "
        "chat with me shows them."
    ).format(history=command(platform, "history"))


def _passage_lines(r: Record, private: bool) -> list[str]:
    lines: list[str] = []
    if _same_but_questions(r.before, r.after):  # an alias or a questions edit: show what differs
        assert r.before is not None and r.after is not None
        old, new = r.before.get("questions") or [], r.after.get("questions") or []
        # a member's words, from a gap: only in a private chat with the moderator
        shown = quoted if private else (lambda question: _left_out())
        lines += [f"  - {_('question:')} {shown(q)}" for q in old if q not in new]
        lines += [f"  + {_('question:')} {shown(q)}" for q in new if q not in old]
        return lines + _sides(None, _short(r.after, private=private))
    shown_before, shown_after = (None if p is None else _short(p, private=private) for p in (r.before, r.after))
    return _sides(shown_before, shown_after)


def _sides(before: str | None, after: str | None) -> list[str]:
    """The "before:" and "after:" lines (of those given), their values one under the other in any language."""
    labels = (_("before:"), _("after:"))
    width = max(len(label) for label in labels)
    sides = zip(labels, (before, after), strict=True)
    return [f"  {label.ljust(width)} {value}" for label, value in sides if value is not None]


def _left_out() -> str:
    return "(" + _("its words left out here") + ")"


def _questions_of(r: Record) -> bool:
    """Whether the record shows a passage's questions (which a group's history leaves out)."""
    return any(
        isinstance(value, dict) and DOCUMENT not in value and "passages" not in value and value.get("questions")
        for value in (r.before, r.after)
    )


def _is_document(value: dict[str, Any] | None) -> bool:
    return value is not None and DOCUMENT in value


def _document_lines(r: Record) -> list[str]:
    """Of synonyms.yaml, the groups taken out and put in (what a reader looks for among hundreds), or how
    many it has when the whole file comes or goes; of settings.yaml, the values that differ, or its data
    when the whole file comes or goes."""
    old, new = (None if value is None else value.get(DOCUMENT) for value in (r.before, r.after))
    synonyms = r.passage_id == SYNONYMS_FILE
    if synonyms and r.before is not None and r.after is not None:
        return _group_changes(_groups(old), _groups(new))
    if r.before is not None and r.after is not None:
        return _setting_changes(old, new)
    before, after = (_count(_groups(data)) if synonyms else _flow(data) for data in (old, new))
    return _sides(None if r.before is None else before, None if r.after is None else after)


def _group_changes(old: list[list[str]], new: list[list[str]], most: int = 5) -> list[str]:
    """The groups taken out (-), put in (+) and changed (~: a group taken out and one put in that share a
    phrase, shown by the phrases taken out and put in, since a long group's line is clipped before its end)."""
    gone, came = [group for group in old if group not in new], [group for group in new if group not in old]
    changed = _paired(gone, came)
    paired = {id(group) for pair in changed for group in pair}
    gone, came = [g for g in gone if id(g) not in paired], [g for g in came if id(g) not in paired]
    lines = []
    for sign, shown in (
        ("-", [f"{_('group:')} {_clipped(', '.join(group))}" for group in gone]),
        ("+", [f"{_('group:')} {_clipped(', '.join(group))}" for group in came]),
        ("~", [_group_change(was, now) for was, now in changed]),
    ):
        lines += [f"  {sign} {line}" for line in shown[:most]]
        if len(shown) > most:
            lines.append(f"  {sign} " + _("… and {count} more").format(count=len(shown) - most))
    return lines or ["  " + _("(the same groups, in another order)")]


def _paired(gone: list[list[str]], came: list[list[str]]) -> list[tuple[list[str], list[str]]]:
    """Each group taken out with the group put in that shares most of its phrases (the same group, changed);
    through an index of phrases, since a push may replace a thousand groups."""
    holding: dict[str, list[int]] = {}
    for i, group in enumerate(came):
        for phrase in set(group):
            holding.setdefault(phrase, []).append(i)
    pairs, taken = [], set()
    for group in gone:
        shared = Counter(i for phrase in set(group) for i in holding.get(phrase, ()) if i not in taken)
        if shared:
            i = shared.most_common(1)[0][0]
            taken.add(i)
            pairs.append((group, came[i]))
    return pairs


def _group_change(was: list[str], now: list[str]) -> str:
    """A changed group, named by its first phrase kept: its phrases taken out and put in."""
    name = next(phrase for phrase in now if phrase in was)
    taken, put = [p for p in was if p not in now], [p for p in now if p not in was]
    parts = ([f"- {', '.join(taken)}"] if taken else []) + ([f"+ {', '.join(put)}"] if put else [])
    changes = "; ".join(parts) or _("its phrases in another order")
    return _clipped(_("group {name}: {changes}").format(name=name, changes=changes))


def _groups(data: Any) -> list[list[str]]:
    groups = data.get("groups") if isinstance(data, dict) else None
    if not isinstance(groups, list):
        return []
    return [[str(phrase) for phrase in group] for group in groups if isinstance(group, list)]


_UNSET = object()  # a setting the file does not hold: the bot's default applies


def _setting_changes(old: Any, new: Any) -> list[str]:
    """One line a value that differs, `confidence.threshold: 6.2 → 7.5`: calibrated settings are a dozen
    numbers, and the one changed is lost in a clipped line of them all."""
    differing = _differing(old or {}, new or {}, "")  # None: an empty file, as an older version stored it
    lines = [f"  {path}: {_setting(was)} → {_setting(now)}" for path, was, now in differing]
    return lines or ["  " + _("(the same settings, written otherwise)")]


def _differing(old: Any, new: Any, path: str) -> Iterator[tuple[str, Any, Any]]:
    """The dotted paths whose values differ; a section one side lacks is read as empty (its values defaults)."""
    if isinstance(old, dict) or isinstance(new, dict):
        old, new = ({} if value is _UNSET else value for value in (old, new))
    if isinstance(old, dict) and isinstance(new, dict):
        for key in [*old, *(key for key in new if key not in old)]:
            yield from _differing(old.get(key, _UNSET), new.get(key, _UNSET), f"{path}.{key}" if path else str(key))
    elif old != new:
        yield path or "settings", old, new


def _setting(value: Any) -> str:
    return _("(default)") if value is _UNSET else _flow(value, 60)


def _count(groups: list[Any]) -> str:
    return ngettext("{count} synonym group", "{count} synonym groups", len(groups)).format(count=len(groups))


def _flow(data: Any, limit: int = 160) -> str:
    return _clipped(json.dumps(data, ensure_ascii=False, separators=(", ", ": ")), limit)


def _clipped(text: str, limit: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _same_but_questions(before: dict[str, Any] | None, after: dict[str, Any] | None) -> bool:
    if before is None or after is None or "passages" in before or "passages" in after:
        return False
    return all(before.get(k) == after.get(k) for k in ("section", "text"))


def _short(passage: dict[str, Any], limit: int = 160, *, private: bool = True) -> str:
    if "passages" in passage and passage["passages"] is None:  # a source's own fields
        return str((passage.get("source") or {}).get("title", ""))
    if "passages" in passage:  # a whole file, published or unpublished
        count, title = len(passage["passages"] or []), (passage.get("source") or {}).get("title", "")
        whole = ngettext("{title} ({count} passage)", "{title} ({count} passages)", count)
        return whole.format(title=title, count=count)
    text = f"[{passage.get('section', '')}] {passage.get('text', '')}"
    questions = passage.get("questions") or []
    if questions and not private:
        text += " " + _("(questions: {count}, their words left out here)").format(count=len(questions))
    elif questions:
        text += " " + _("(questions: {questions})").format(questions=" | ".join(questions))
    return _clipped(text, limit)
