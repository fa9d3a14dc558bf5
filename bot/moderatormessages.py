"""The moderators' sentences: refusals, the confirmations of an addition, an edit, a removal, an alias,
a dismissal, a publish and an undo, and where a reply that quotes members went.

They belong to the one catalogue (`bot/messages.py` re-exports every name here, so they are read as
`messages.added(...)` everywhere) and are marked as its sentences are: constants with `N_`, shown
through `say`; sentences with a value in them as small functions.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from bot.catalogue import N_, _, ngettext
from bot.quoting import quoted

__all__ = [  # messages.py re-exports them all: `messages.NOT_MODERATOR` is one of them
    "ADMIN_UNCHECKED", "DONE_NOT_SENT", "NOTHING_EARLIER", "NOTHING_TO_UNDO", "NOT_LIVE_COPY", "NOT_LIVE_DATABASE",
    "NOT_MODERATOR", "NO_GAPS", "SENT_PRIVATELY", "added", "aliased", "already_asked", "also_attached",
    "changed_since_opened", "command", "dismissed", "draft_not_removed", "edited", "edited_command", "left_open",
    "next_undo", "no_change", "no_gap", "no_passage", "not_live", "not_sent_privately", "partly_saved",
    "posting_anonymously", "published", "published_twice", "removed", "renumbered", "repeats", "replaced", "still_gets",
    "still_unanswered", "undid", "unpublished",
]  # fmt: skip


NOT_MODERATOR = N_("Sorry, only moderators can change the knowledge base.")
# a group's administrator may moderate, but the platform could not say now whether the sender is one
ADMIN_UNCHECKED = N_(
    "I couldn't check with Telegram whether you're an administrator here. Please try again in a moment."
)
NOTHING_TO_UNDO = N_("Nothing to undo.")
NOTHING_EARLIER = N_("Nothing earlier to undo.")  # after an undo, when no other change is left to undo
NO_GAPS = N_("No unanswered questions recorded.")
# A moderator's /kb_gaps, /kb_dismiss or /kb_alias in a Telegram group: the reply quotes what members
# asked, in their private chats too, so it goes to the moderator's private chat with the bot, and the
# group reads one of these.
SENT_PRIVATELY = N_("My reply quotes what members asked, so I sent it to you in our private chat.")
# the reply to a moderator's dismissal or alias, done, that Telegram would not take to their private chat now
DONE_NOT_SENT = N_("Done, but I could not send my reply to our private chat just now: /kb_gaps shows the list.")


def edited_command(command: str) -> str:
    """The note to a moderator who edited a Telegram command (`/kb_add`): an edited command never runs again."""
    return _(
        "Edits of a command are not applied: {command} was not run again. Send the corrected command as a new message."
    ).format(command=command)


def not_sent_privately(command: str, *, blocked: bool, done: bool) -> str:
    """Why the reply to `command` did not reach the moderator's private chat: Telegram lets a bot write
    only to a user who opened a chat with it (and has not blocked it). `done`: the command was done
    (a gap dismissed or aliased), so it is not to be sent again; else it is, once the chat is open."""
    if done and blocked:
        return _(
            "Done, but my reply quotes what members asked, so I send it only to our private chat, and you have "
            "blocked me there: unblock me to get such replies."
        )
    if done:
        return _(
            "Done, but my reply quotes what members asked, so I send it only to our private chat, and Telegram "
            "does not let me write to you first: open a private chat with me and press Start to get such replies."
        )
    if blocked:
        return _(
            "My reply quotes what members asked, so I send it only to our private chat, but you have blocked me "
            "there: unblock me, then send {command} here again."
        ).format(command=command)
    return _(
        "My reply quotes what members asked, so I send it only to our private chat, but Telegram does not let "
        "me write to you first: open a private chat with me, press Start, then send {command} here again."
    ).format(command=command)


def posting_anonymously(command: str, *, listed: bool) -> str:
    """An administrator posting anonymously, as the group, has no private chat the reply could go to; as
    themselves they are an administrator of the group, a moderator there (`listed`: the config also
    names moderators by id, who may send it in a private chat)."""
    if listed:
        return _(
            "My reply quotes what members asked, so I send it only to a private chat, and you are posting "
            "anonymously: send {command} here as yourself, not anonymously, or, if the config lists you as "
            "a moderator, to me in a private chat."
        ).format(command=command)
    return _(
        "My reply quotes what members asked, so I send it only to a private chat, and you are posting "
        "anonymously: send {command} here as yourself, not anonymously."
    ).format(command=command)


def no_passage(passage_id: str) -> str:
    return _("There is no passage with the id `{id}`; the id option's suggestions show the ids.").format(id=passage_id)


def no_change(passage_id: str) -> str:
    return _("Nothing changed: passage {id} stays as it was.").format(id=passage_id)


def changed_since_opened(passage_id: str) -> str:
    """A form submitted over a change someone made after it opened (Discord's /kb edit): saving it would undo that."""
    return _(
        "Passage `{id}` was changed since you opened this form; nothing was saved, so as not to undo that change. "
        "Open /kb edit again to edit it as it is now."
    ).format(id=passage_id)


def added(passage_id: str, questions: Sequence[str] = (), *, live: bool = True) -> str:
    """The new passage's id, and the questions it was given: a Telegram text cut by a `|` shows here."""
    said = (_("Added passage `{id}`. It is live now.") if live else _("Added passage `{id}`.")).format(id=passage_id)
    if questions:
        said += "\n" + _("Its questions: {questions}.").format(questions="; ".join(map(quoted, questions)))
    return said


def repeats(questions: Sequence[str]) -> str:
    """A line naming the questions of an addition or edit that repeated another (case aside) and were
    left out, or nothing."""
    if not questions:
        return ""
    return "\n" + _("Left out as repeats: {questions}.").format(questions="; ".join(map(quoted, questions)))


def edited(passage_id: str, *, live: bool = True) -> str:
    return (_("Edited passage `{id}`. It is live now.") if live else _("Edited passage `{id}`.")).format(id=passage_id)


def not_live(problem: str, *, watched: bool) -> str:
    """A change saved whose reload failed on a file a hand edit broke meanwhile (`problem`, as `kb check` says it);
    once mended the watcher loads it (`watched`), or, with `watch_interval: 0`, the next change or a restart."""
    if watched:
        return _(
            "It is saved, but not live yet: the knowledge folder does not load ({problem}). Members get the "
            "earlier knowledge until that file is mended; it goes live then."
        ).format(problem=problem)
    return _(
        "It is saved, but not live yet: the knowledge folder does not load ({problem}). Members get the "
        "earlier knowledge until that file is mended; it goes live at the next change after that, or at a restart "
        "(watch_interval is 0)."
    ).format(problem=problem)


# A change committed to PostgreSQL whose catch-up right after could not read the database (the follower applies it).
NOT_LIVE_DATABASE = N_(
    "It is saved, but not live yet: the database cannot be read right now. Members get the earlier knowledge "
    "until it can; it goes live then."
)

# The same, when the database was read but this instance could not write its copy of the knowledge (a full disk):
# the change is in the database, which is the truth; the copy is only what this instance answers from.
NOT_LIVE_COPY = N_(
    "It is saved in the database, but not live here yet: this instance cannot write its copy of the knowledge "
    "(the bot's log says why). Members it answers get the earlier knowledge until it can; it goes live then."
)


def command(platform: str, name: str) -> str:
    """A moderation command as the asker types it where they are: `/kb_gaps` on Telegram, `/kb gaps`
    on Discord, `kb gaps` on the command line."""
    return {"telegram": f"/kb_{name}", "discord": f"/kb {name}"}.get(platform, f"kb {name}")


def partly_saved(changed: Sequence[str], unwritten: Sequence[str], reason: str, platform: str) -> str:
    """A change of several files whose write failed part-way, and whose files written could not be put back:
    they hold part of it. Not "Nothing was changed" (the next reload serves them); its history line is kept."""
    return _(
        "The change was saved only in part: {changed} changed, but {unwritten} could not be written ({reason}), "
        "and putting {changed} back failed too. It stays in the history: once the disk is fixed, check "
        "`{history}`, then take it back with `{undo}` or make it again."
    ).format(
        changed=", ".join(changed), unwritten=", ".join(unwritten), reason=reason,
        history=command(platform, "history"), undo=command(platform, "undo"),
    )  # fmt: skip


def removed(passage_id: str, platform: str) -> str:
    return _("Removed passage `{id}`. `{undo}` brings it back.").format(id=passage_id, undo=command(platform, "undo"))


def no_gap(gap: str, platform: str) -> str:
    return _("No open gap `{gap}`; `{gaps}` lists them.").format(gap=gap, gaps=command(platform, "gaps"))


def aliased(wording: str, passage_id: str, answered_by: str | None, *, live: bool = True) -> str:
    """The question attached, and what it gets asked now (`answered_by`: the passage, None: none)."""
    if not live:
        return _("Attached {wording} to `{id}`.").format(wording=quoted(wording), id=passage_id)
    if answered_by == passage_id:
        return _("Attached {wording} to `{id}`. It answers now.").format(wording=quoted(wording), id=passage_id)
    if answered_by is not None:  # another passage lists the same question
        return _("Attached {wording} to `{id}`, but asked now it still gets `{other}`.").format(
            wording=quoted(wording), id=passage_id, other=answered_by
        )
    return _("Attached {wording} to `{id}`, but asked now it is still not answered.").format(
        wording=quoted(wording), id=passage_id
    )


def already_asked(wording: str, passage_id: str) -> str:
    """`kb alias` of a gap whose wording the passage lists already: nothing attached, the gap closed."""
    return _("`{id}` already has {wording}, and it answers it now: the gap is closed.").format(
        wording=quoted(wording), id=passage_id
    )


def still_gets(question: str, other: str) -> str:
    """A question given to a passage by `add` or `edit` that, asked now, gets another passage (as
    `aliased` says it): another passage lists the same question, and comes first."""
    return _("Asked now, {wording} still gets `{other}`.").format(wording=quoted(question), other=other)


def still_unanswered(question: str) -> str:
    """A question given to a passage by `add` or `edit` that, asked now, gets no answer at all (as
    `aliased` says it): too few of its words are the passage's, or it is too short to match."""
    return _("Asked now, {wording} is still not answered.").format(wording=quoted(question))


def published(draft: str, count: int, *, live: bool = True) -> str:
    if live:
        said = ngettext(
            "Published {draft}: {count} passage, live now.", "Published {draft}: {count} passages, live now.", count
        )
    else:
        said = ngettext("Published {draft}: {count} passage.", "Published {draft}: {count} passages.", count)
    return said.format(draft=draft, count=count)


def draft_not_removed(error: OSError, folder: str, draft: str) -> str:
    """A draft published whose file in `folder` could not be removed: the next `kb undo` refuses until it is."""
    return _("Its draft could not be removed ({error}): delete {folder}/{draft} by hand, or `kb undo` refuses.").format(
        error=error.strerror or error, folder=folder, draft=draft
    )


def replaced(
    edited: Sequence[str], gone: Sequence[str], back: Sequence[str], dropped: Sequence[str], *, listed: bool = True
) -> str:
    """A new version published over the live one (`kb import --update`): what it takes back of the
    changes made since the last publish (not `listed`: the history could not be read just after the
    publish), and the questions no passage of it kept."""
    said = _("It replaced the earlier version; `kb undo` puts that back.")
    if not listed:
        said += " " + _(
            "The history could not be read just now, so the changes made since the last publish that it takes "
            "back are not listed: `kb history` shows them."
        )
    if edited:
        said += " " + _("The new text replaces edits made since the last publish: {ids}.").format(
            ids=", ".join(f"`{pid}`" for pid in edited)
        )
    if gone:
        said += " " + _("The new version no longer has passages edited since the last publish: {ids}.").format(
            ids=", ".join(f"`{pid}`" for pid in gone)
        )
    if back:
        said += " " + _("It brings back passages removed since the last publish: {ids}.").format(
            ids=", ".join(f"`{pid}`" for pid in back)
        )
    if dropped:
        said += " " + _("No passage of the new version kept these questions: {questions}.").format(
            questions="; ".join(map(quoted, dropped))
        )
    return said


def published_twice(files: Sequence[str]) -> str:
    """Most of a published draft's passages were live already, word for word, in these files."""
    return _(
        "Most of its passages are live already, word for word, in {files}: the same article twice? "
        "`kb undo` takes this one out."
    ).format(files=", ".join(files))


def renumbered(renamed: Mapping[str, str]) -> str:
    """The ids of a published draft that were taken already, and what they became."""
    return _("Ids already taken were renumbered:") + " " + ", ".join(f"{a} → {b}" for a, b in renamed.items())


def undid(kind: str, passage_id: str, by: str) -> str:
    return _("Undid the {kind} of `{id}` by {by}.").format(kind=kind, id=passage_id, by=by)


def unpublished(not_restored: OSError | None, folder: str, *, replaced: bool, live: bool = True) -> str:
    """What an undone publish left: its draft back in `folder` (or why not), or, when it had replaced
    an earlier version, that version live again (not `live`: back, not live yet)."""
    if not_restored is not None:
        return _(
            "Its draft could not be written back to {folder}/ ({error}); its text is kept in the history's "
            "record of the publish (history.jsonl in the data folder)."
        ).format(folder=folder, error=not_restored.strerror or not_restored)
    if replaced:
        return _("The earlier version is live again.") if live else _("The earlier version is back.")
    return _("It is a draft again.")


def next_undo(kind: str, passage_id: str, by: str, platform: str) -> str:
    """What the next undo would take back (else NOTHING_EARLIER): a second undo had silently taken
    back another moderator's alias."""
    return _("{undo} again takes back the {kind} of `{id}` by {by}.").format(
        undo=command(platform, "undo"), kind=kind, id=passage_id, by=by
    )


def dismissed(gap_id: str, question: str, count: int) -> str:
    """Which gap was dismissed, in its words: a number read in today's order (no list of the
    moderator's remembered) may not be the gap read a moment before."""
    return ngettext(
        "Dismissed gap {gap} {question} ({count} question).",
        "Dismissed gap {gap} {question} ({count} questions).",
        count,
    ).format(gap=gap_id, question=quoted(question), count=count)


def also_attached(questions: Sequence[str]) -> str:
    """The gap's other wordings of the same words, attached with its first."""
    return _("Also attached, the same question in other words: {questions}.").format(
        questions="; ".join(map(quoted, questions))
    )


def left_open(questions: Sequence[str]) -> str:
    """The questions of an aliased gap that the passage does not answer, kept in the gaps."""
    return _("Still not answered, so left in the gaps: {questions}.").format(
        questions="; ".join(map(quoted, questions))
    )
