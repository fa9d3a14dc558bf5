"""Who may change the knowledge: the moderators the config names on each platform, and the command
line, whose user owns the files anyway, under the one name it records."""

from __future__ import annotations

import getpass
import os
from collections.abc import Iterator

from bot import messages
from bot.asker import Asker
from bot.config import Moderators

CLI_PLATFORM = "cli"  # the command line: whoever has a shell owns the files


def may_moderate(moderators: Moderators, asker: Asker) -> bool:
    """Whether `asker` may change the knowledge: listed, holding a listed role, or an admin where the
    config counts admins; on the command line, always."""
    m = moderators
    if asker.platform == CLI_PLATFORM:
        return True
    if asker.platform == "telegram":
        admin = m.telegram_group_admins and asker.admin and asker.chat_id in m.telegram_admin_chats
        return asker.user_id in m.telegram_users or admin
    if asker.platform == "discord":
        admin = m.discord_manage_server and asker.admin and asker.guild_id in m.discord_admin_guilds
        return asker.user_id in m.discord_users or bool(m.discord_roles.intersection(asker.roles)) or admin
    return False


def command_line_moderator(by: str | None = None) -> str:
    """Who the command line's moderator is, the one name every command records: `--by`, else the
    login name (`$USER`, `$LOGNAME`, then the password database), else "cli" (a container's user
    with no name). `kb add` and `kb push` had each asked their own way: with `$USER` unset, as in
    Docker or under systemd, one person showed in `kb history` as their login name and as "cli".
    A name is made one line (`messages.one_line`: a newline in `--by` had written a line of its own
    into `kb history`, one that could pass for another change), and a blank one counts as not given
    (`--by "  "` had recorded a blank name)."""
    for given in _given_names(by):
        if name := messages.one_line(writable(given)):
            return name
    return CLI_PLATFORM


def _given_names(by: str | None) -> Iterator[str]:
    """The names to try, in order; asked only as far as needed."""
    yield by or ""
    yield os.environ.get("USER", "")  # $USER before getpass's $LOGNAME: `su` can leave $LOGNAME the old user's
    try:
        yield getpass.getuser()
    except (KeyError, OSError):  # no name anywhere: a uid without a passwd entry
        return


def writable(name: str) -> str:
    """`name` with the bytes that were not UTF-8 written as `\\xf6`: argv and the environment hold them as
    lone surrogates (a Latin-1 terminal's "jörg"), which no history can store (kb add crashed on one);
    any other lone surrogate (a platform's JSON "\\ud800" in a member's name) written as `\\ud800`."""
    try:
        return name.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    except UnicodeEncodeError:  # a lone surrogate that was no byte
        return name.encode("utf-8", "backslashreplace").decode("utf-8")
