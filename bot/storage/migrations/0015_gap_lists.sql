-- Each moderator's last `kb gaps` list (as gaps.sqlite3 keeps it: `bot.records.lists`), so that a gap's number
-- means the gap their list showed on every instance, and after a restart. One row a moderator, under their
-- pseudonym; deleted by the daily purge a week after it was shown. Only a table is added: an instance of the
-- version before never reads it and keeps each moderator's list in its own memory, as it did.
CREATE TABLE gap_lists (
    platform  text NOT NULL,
    user_hash text NOT NULL,
    at        double precision NOT NULL,
    shown     text NOT NULL,
    PRIMARY KEY (platform, user_hash)
);
