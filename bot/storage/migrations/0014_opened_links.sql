-- An answer opened from a link to its passage (Telegram's t.me/<bot>?start=<id>), as gaps.sqlite3 keeps it: a
-- count per day, platform and passage, `at` the day's first opening, and no one's pseudonym. No question was
-- asked, so none is a row of `questions`: `kb stats` lists them apart. An instance of the version before
-- counts none (it never writes here), and its `kb stats` does not show them.
CREATE TABLE opened (
    at         double precision NOT NULL,
    day        text NOT NULL,
    platform   text NOT NULL,
    passage_id text NOT NULL,
    n          integer NOT NULL,
    PRIMARY KEY (day, platform, passage_id)
);
CREATE INDEX opened_at ON opened (at);
