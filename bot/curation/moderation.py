"""Moderators curate the knowledge base: add, edit, remove, alias, publish, undo; history, gaps, stats.

Every public method checks who is asking first (here, once, for every platform, by the rule in
`bot.curation.moderators`), logs a refused attempt at WARNING and raises `Refused`, whose text is a
short reply safe to show. The methods block (file I/O, the store's lock, an index rebuild): every
surface reaches them through the command table (`bot.curation.commands`, `Service.moderate`), the
platforms from a worker thread. What a change does to the files is worked out by `bot.curation.edits`;
`bot.curation.transaction` makes and records it (with `bot.curation.store` and `bot.curation.history`),
and it is live for the next question (the service reloads before the method returns), or the reply
says why not yet (a file another hand broke meanwhile). The gaps are read and closed through
`bot.curation.unanswered`. What every command stands on (the set-up, a change applied and made
live, the history and the gaps read) is `Machinery`, in `bot.curation.machinery`.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass

from bot import messages
from bot.asker import Asker
from bot.catalogue import _
from bot.curation import edits, publishing, transaction, unanswered
from bot.curation.edits import Files, Refused
from bot.curation.found import Found, found
from bot.curation.history import PUSH, Record
from bot.curation.historytext import render
from bot.curation.listings import Listed, Listing
from bot.curation.machinery import Machinery
from bot.curation.moderators import may_moderate
from bot.curation.store import StoreError
from bot.knowledge import DRAFTS_DIR, Passage
from bot.records import term_key

log = logging.getLogger(__name__)

NOT_MODERATOR = messages.NOT_MODERATOR

__all__ = ["Change", "Moderation", "Refused"]


@dataclass(frozen=True)
class Change:
    """A change that was made, and is live unless its reload failed (`message` then says why)."""

    kind: str  # add | edit | remove | alias | publish | undo
    passage_id: str
    message: str
    live: bool = True


class Moderation(Machinery):
    """Moderation for one knowledge folder; thread-safe. Set up as `Machinery` is (its `__init__`)."""

    # -- who --------------------------------------------------------------------------------

    def is_moderator(self, asker: Asker) -> bool:
        return may_moderate(self.moderators, asker)

    def require(self, asker: Asker, action: str = "command") -> None:
        """Raise Refused (and log the attempt) unless `asker` is a moderator, e.g. before a form opens."""
        self._authorize(asker, action)

    def _authorize(self, asker: Asker, action: str) -> None:
        if not self.is_moderator(asker):
            log.warning(
                "refused kb %s: %s user %s in %s is not a moderator",
                action,
                asker.platform,
                asker.user_id,
                asker.chat_id or "-",
            )
            raise Refused(messages.say(NOT_MODERATOR))

    # -- changes ----------------------------------------------------------------------------

    def add(
        self,
        asker: Asker,
        *,
        section: str,
        text: str,
        questions: Sequence[str] = (),
        passage_id: str | None = None,
    ) -> Change:
        """Add a passage to the moderators' file (created on first use)."""
        self._authorize(asker, "add")
        section, text = edits.section_field(section), edits.text_field(text)
        qs, repeats = edits.distinct(edits.question_fields(questions))
        wanted = edits.passage_id_field(passage_id) if passage_id else None

        keys = self._keys(qs)  # read before the change, which may change how they are read, as `alias` does
        record, held = self._apply(asker, "add", lambda files: edits.add_passage(files, section, text, qs, wanted))
        self._close_answered(keys, record.passage_id, held)
        said = messages.added(record.passage_id, qs, live=held is None) + messages.repeats(repeats)
        said += unanswered.elsewhere(qs, record.passage_id, self._ask, held)
        return _told("add", record.passage_id, said, held)

    def edit(
        self,
        asker: Asker,
        passage_id: str,
        *,
        section: str | None = None,
        text: str | None = None,
        questions: Sequence[str] | None = None,
        opened: Passage | None = None,
    ) -> Change:
        """Change a passage's section, text and/or questions, in whichever file holds it. With the
        passage as a form showed it (`opened`), refused when a field this sets was changed since:
        saving the form as it is would undo that change (another moderator's alias, an edit)."""
        self._authorize(asker, "edit")
        pid = edits.passage_id_field(passage_id)
        new: edits.Item = {}
        if section is not None:
            new["section"] = edits.section_field(section)
        if text is not None:
            new["text"] = edits.text_field(text)
        repeats: list[str] = []
        if questions is not None:
            new["questions"], repeats = edits.distinct(edits.question_fields(questions))
        if not new:
            raise Refused(_("Nothing to change: give a new section, text or questions."))

        keys = self._keys(new.get("questions", ()))
        held = self._apply(asker, "edit", lambda files: edits.edit_passage(files, pid, new, opened))[1]
        self._close_answered(keys, pid, held)
        said = messages.edited(pid, live=held is None) + messages.repeats(repeats)
        return _told("edit", pid, said + unanswered.elsewhere(new.get("questions", ()), pid, self._ask, held), held)

    def _keys(self, questions: Sequence[str]) -> set[str]:
        return {term_key(self._analyze(question)) for question in questions}

    def _close_answered(self, keys: set[str], pid: str, held: str | None) -> None:
        """The gaps asked in the words of the questions just given `pid`, closed where it answers them now."""
        if self._ask is not None and held is None:
            unanswered.close_answered(self.records.gaps, keys, pid, self._ask)

    def remove(self, asker: Asker, passage_id: str) -> Change:
        """Remove a passage from whichever file holds it."""
        self._authorize(asker, "remove")
        pid = edits.passage_id_field(passage_id)

        held = self._apply(asker, "remove", lambda files: edits.remove_passage(files, pid))[1]
        return _told("remove", pid, messages.removed(pid, asker.platform), held)

    def alias(self, asker: Asker, passage_id: str, question: str, *, free_text: bool = False) -> Change | str:
        """Attach a question (or an open gap, by its id) to a passage, so that it answers it.

        What looks like a gap reference (`3`, `#3`, `g5c1d0e`) must name an open gap; words that
        look like one are attached only when `free_text` says so (`kb alias ID --text WORDS`)."""
        self._authorize(asker, "alias")
        pid = edits.passage_id_field(passage_id)
        gap = None
        if not free_text and unanswered.looks_like_gap(question):
            gap = self._gap(asker, question)
        wording, *others = unanswered.wordings(gap) if gap else edits.question_fields([question])

        # The typed words' term set, read before the alias: the alias may change how they are read.
        keys = gap.keys if gap else frozenset({term_key(self._analyze(wording))})
        try:
            held = self._apply(asker, "alias", lambda files: edits.attach_questions(files, pid, [wording, *others]))[1]
        except edits.AlreadyAsked:  # given by hand, or asked of an instance not yet reloaded: the gap is closed
            if gap is None or not (said := unanswered.close_asked(self.records.gaps, gap, pid, self._ask)):
                raise
            return said  # no change: the files are as they were, nothing recorded
        asked = gap.asked if gap else unanswered.recorded(self.records.gaps, keys)
        open_ = unanswered.still_open(asked, pid, self._ask)
        unanswered.close(self.records.gaps, keys - {k for k, _ in open_}, "aliased")
        got = self._ask(wording) if self._ask else pid  # asked again, of the knowledge as it is now
        said = messages.aliased(wording, pid, got, live=held is None)
        if others:
            said += "\n" + messages.also_attached(others)
        if open_:
            said += "\n" + messages.left_open([q for _, q in open_])
        return _told("alias", pid, said, held)

    def publish(self, asker: Asker, name: str) -> Change:
        """Make a draft of `kb import` live (ids taken since are numbered anew); undo makes it a draft again."""
        self._authorize(asker, "publish")  # the draft is a file of this folder, whatever stores the knowledge
        draft = publishing.draft_path(self._drafts_folder(), name)
        renamed: dict[str, str] = {}
        dropped: list[str] = []
        repeated: dict[str, int] = {}
        removed = transaction.Behind(draft.unlink)
        record, held = self._apply(
            asker, "publish", lambda files: publishing.plan(files, draft, renamed, dropped, repeated), done=removed
        )
        count = len((record.after or {}).get("passages") or [])
        message = messages.published(draft.name, count, live=held is None)
        if removed.failed is not None:
            message += " " + messages.draft_not_removed(removed.failed, DRAFTS_DIR, draft.name)
        if record.before is not None:  # a new version (`kb import --update`)
            message += " " + publishing.replacement(self._history(), record, dropped)
        half = [other for other, n in sorted(repeated.items()) if n * 2 >= max(count, 1)]
        if half:
            message += " " + messages.published_twice(half)
        if renamed:
            message += " " + messages.renumbered(renamed)
        return _told("publish", record.passage_id, message, held)

    def undo(self, asker: Asker) -> Change:
        """Revert the last change that is not itself an undo (repeat to go further back)."""
        self._authorize(asker, "undo")
        undone: list[Record] = []

        def plan(files: Files) -> edits.Edit:
            last = self._reading_history(lambda history: history.last_undoable())
            if last is None:
                raise Refused(messages.say(messages.NOTHING_TO_UNDO))
            undone.append(last)
            return self._reverted(files, last)

        def restore() -> None:
            if undone[0].kind == "publish":
                publishing.restore(self._drafts_folder(), undone[0])

        restored = transaction.Behind(restore)
        going: list[bool] = []  # whether the next undo would go through, tried under the same lock

        def finish() -> None:
            restored()
            going.append(self._next_undo_goes())

        record, held = self._apply(asker, "undo", plan, undoes=lambda: undone[0].id, done=finish)
        last = undone[0]
        message = messages.undid(messages.say(last.kind), last.passage_id, last.name or last.platform)
        if last.kind == "publish":
            replaced = last.before is not None
            message += " " + messages.unpublished(restored.failed, DRAFTS_DIR, replaced=replaced, live=held is None)
        try:
            following = self._history().last_undoable()
        except (StoreError, OSError) as exc:  # the undo is made and recorded: only what comes before it is unknown
            log.warning("kb undo made, but the change before it cannot be read now: %s", exc)
            return _told("undo", record.passage_id, message, held)
        if following is None:
            message += "\n" + messages.say(messages.NOTHING_EARLIER)
        elif going and going[0]:  # not a promise of an undo that would be refused (the last passage, ...)
            name, kind = following.name or following.platform, messages.say(following.kind)
            message += "\n" + messages.next_undo(kind, following.passage_id, name, asker.platform)
        return _told("undo", record.passage_id, message, held)

    def _reverted(self, files: Files, last: Record) -> edits.Edit:
        """The change that takes `last` back (a publish: its file out, its draft back; a push of synonyms.yaml
        or settings.yaml: the file as it was), or Refused."""
        if last.kind == PUSH:
            return edits.revert_push(self._store().read_documents(), last)
        if last.kind == "publish":
            publishing.check_restorable(self._drafts_folder(), last)
            return publishing.unpublish(files, last)
        return edits.revert(files, last)

    def _next_undo_goes(self) -> bool:
        """Whether `kb undo` would go through now, without making it (under the lock of the undo just
        made): the files it would leave hold a passage, and nothing refuses it."""
        try:
            following = self._history().last_undoable()
            files = self._store().read_files()
            changed = self._reverted(files, following).changed if following is not None else {}
        except (Refused, StoreError):
            return False
        left = {**files, **changed}
        return any(isinstance(data, dict) and data.get("passages") for data in left.values())

    # -- reading ----------------------------------------------------------------------------

    def history(self, asker: Asker, passage_id: str | None = None, limit: int = 10) -> str:
        self._authorize(asker, "history")
        records = self._reading_history(lambda history: history.records())
        if limit < 1:
            raise Refused(_("The limit is a whole number of at least 1."))
        wanted = edits.quoted_id(passage_id)  # not checked as an id: a push's or a publish's file has one too
        if wanted:
            records = [r for r in records if r.passage_id == wanted]
            if not records:
                return _("No changes recorded for `{id}`.").format(id=wanted[:64])
        return render(records[-limit:], private=asker.private, platform=asker.platform)

    def gaps(self, asker: Asker, limit: int = 10) -> str:
        return self.listed(asker, limit).text

    def listed(self, asker: Asker, limit: int = 10) -> Listed:
        """`gaps`, and the list it shows: `asker`'s once the text reached them (`keep`), not before."""
        self._authorize(asker, "gaps")
        found = self._using_gaps(lambda gaps: gaps.gaps(limit=max(1, limit)))
        return Listed(unanswered.listing(found, asker.platform, self._find), Listing.of(found))

    def find(self, asker: Asker, words: str, limit: int = 5) -> Found:
        """The passages that best match `words` (or whose id they are), with their ids: how a moderator
        in chat learns the id to give `edit`, `alias` or `remove`."""
        self._authorize(asker, "find")
        words = " ".join(words.split())[:300]
        if not words:
            raise Refused(_("Give some words of the passage to find."))
        passages = self._find(words, max(1, min(limit, 20))) if self._find else []
        if not passages:
            return Found(_("No passage matches “{words}”.").format(words=words))
        return found(_("Passages matching “{words}”, best first:").format(words=words), passages)

    def stats(self, asker: Asker) -> str:
        self._authorize(asker, "stats")
        asked, downvoted, opened, days = self._using_gaps(
            lambda gaps: (
                gaps.most_asked(),
                gaps.most_downvoted(current=self._text),
                gaps.most_opened(),
                gaps.fallback_by_day(),
            )
        )
        return unanswered.statistics(asked, downvoted, days, opened)

    def dismiss(self, asker: Asker, gap: str) -> str:
        self._authorize(asker, "dismiss")
        found = self._gap(asker, gap)
        self._using_gaps(lambda gaps: gaps.close_gap(found.keys, "dismissed"))  # not closed: not "Dismissed"
        return messages.dismissed(found.id, found.questions[0], found.count)


def _told(kind: str, passage_id: str, said: str, held: str | None) -> Change:
    """The change and what the moderator is told, with why it is not live yet when its reload failed (`held`)."""
    return Change(kind, passage_id, said + ("\n" + held if held else ""), live=held is None)
