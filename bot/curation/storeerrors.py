"""Why the store refuses a change, in sentences a moderator reads (the catalogue's, in their language): a disk
that will not take it, a knowledge folder with an error, a file changed while read or by hand, the seed inside
the package; `StoreError` carries one, `PartlySaved` a change of several files left in part."""

from __future__ import annotations

import errno

from bot.catalogue import N_, _

# Errors that mean "the disk will not take this", told to the user as such.
_DISK_ERRORS = {
    errno.ENOSPC: N_("the disk is full"),
    errno.EDQUOT: N_("the disk quota is used up"),
    errno.EFBIG: N_("the disk is full (file size limit reached)"),
    errno.EROFS: N_("the knowledge folder is on a read-only file system"),
    errno.EACCES: N_("the knowledge folder is not writable"),
    errno.EPERM: N_("the knowledge folder is not writable"),
    errno.EIO: N_("the disk reported an input/output error"),
}
# Any other failure, by the error's name (EMFILE, ...): the system's own words are English whatever the moderator reads.
REFUSED_AS = N_("the file system refused the write ({error})")
CANNOT_SAVE = N_("cannot save the change: {reason}. Nothing was changed.")
CHANGED_WHILE_READ = N_("a knowledge file changed while it was being read; try again")
HAS_AN_ERROR = N_("the knowledge base has an error, fix it first: {error}")
WOULD_BREAK = N_("that change would break the knowledge base: {error}")
PACKAGED = N_(
    "{folder} is the knowledge shipped inside the installed package, and the next upgrade would replace it; "
    "copy it first (cp -r {folder} knowledge) and give --knowledge knowledge"
)


class StoreError(Exception):
    """A change that cannot be written; the message is safe to show to a moderator."""


class PartlySaved(StoreError):
    """A change of several files that failed part-way, and whose files already written could not all be put
    back: `changed` holds part of it (and stays so), `unwritten` does not; `reason` is the write's failure.
    Unlike other StoreErrors, the change is not "Nothing was changed": its history line is kept."""

    def __init__(self, changed: list[str], unwritten: list[str], reason: str):
        super().__init__(f"saved in part: {', '.join(changed)} changed, {', '.join(unwritten)} not ({reason})")
        self.changed = changed
        self.unwritten = unwritten
        self.reason = reason


def disk_reason(exc: OSError) -> str:
    """Why a write failed, in a few words (the disk is full, ...), naming no internals."""
    known = _DISK_ERRORS.get(exc.errno or 0)
    if known:
        return _(known)
    name = errno.errorcode.get(exc.errno or 0)
    return _(REFUSED_AS).format(error=name) if name else _("the file system refused the write")


# The system's own words for the failures a data file meets, as the catalogue's sentences (English: strerror's).
_SYSTEM_WORDS = {
    errno.EISDIR: N_("is a directory"),
    errno.ENOTDIR: N_("not a directory"),
    errno.ENOENT: N_("no such file or directory"),
    errno.EEXIST: N_("file exists"),
    errno.EACCES: N_("permission denied"),
    errno.EPERM: N_("operation not permitted"),
    errno.EROFS: N_("read-only file system"),
    errno.ENOSPC: N_("no space left on device"),
    errno.EDQUOT: N_("disk quota exceeded"),
    errno.EFBIG: N_("file too large"),
    errno.EIO: N_("input/output error"),
}


def system_reason(exc: OSError) -> str:
    """The system's words for `exc` ("is a directory"), in the moderator's language; an error the catalogue
    has no words for, by its name (EMFILE): strerror is English whatever the moderator reads."""
    known = _SYSTEM_WORDS.get(exc.errno or 0)
    if known:
        return _(known)
    return errno.errorcode.get(exc.errno or 0) or (exc.strerror or "").lower() or _("unknown error")


def disk_message(exc: OSError) -> str:
    """A short explanation of a failed write, naming the cause but no internals."""
    return _(CANNOT_SAVE).format(reason=disk_reason(exc))


# A change that would take the last passage away: a running bot keeps its last knowledge rather than
# load none, so the members would go on getting what the moderator was told is gone.
EMPTIED = N_(
    "That change would leave the knowledge base without a passage, and the bot would answer nothing: "
    "edit the passage instead, or add another first."
)

# A file the change writes was saved by hand after it was read (the check takes seconds on a large folder):
# written from the first read, the change would silently lose the hand edit.
CHANGED_BY_HAND = N_(
    "the knowledge file {file} was changed by hand while this change was being saved, so nothing was changed: "
    "try again."
)
