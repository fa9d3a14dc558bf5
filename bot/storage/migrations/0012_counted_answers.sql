-- A member's answered questions of one passage and day are one row with a count, `n` (as gaps.sqlite3
-- keeps them): one account asking at its cooldown had added a row a question, 2.6 million in 90 days.
-- `n` is NULL on a row of one question: every gap, and each row an instance of the version before
-- writes (it inserts ten values; reads count such a row as one). Only rows with a count are unique per
-- member, passage and day (`questions_counted`), so the version before never runs into the key.
ALTER TABLE questions ADD COLUMN n integer;
-- The message each answered question was counted from, kept an hour (an edit is followed for 15
-- minutes): an edit of it takes the question's count off its row. A counted row holds no message key,
-- so an instance of the version before, whose edit deletes the rows its message asked, never deletes one.
CREATE TABLE counted (
    at         double precision NOT NULL,
    asked_in   text NOT NULL,
    platform   text NOT NULL,
    user_hash  text NOT NULL,
    day        text NOT NULL,
    passage_id text NOT NULL
);
CREATE INDEX counted_asked_in ON counted (asked_in);
CREATE INDEX counted_at ON counted (at);
-- The answered questions written so far, folded: each member's of a passage and day into one counted row,
-- but for those of the last hour that hold their message's key (an edit may still forget them). A row
-- an instance of the version before inserts meanwhile is not among them and stays a row of one.
WITH folded AS (
    DELETE FROM questions
    WHERE passage_id IS NOT NULL AND question = '' AND NOT hedged
      AND (asked_in = '' OR at < extract(epoch FROM now()) - 3600)
    RETURNING at, day, platform, user_hash, passage_id, n
)
INSERT INTO questions (at, day, platform, user_hash, question, terms, passage_id, hedged, offered, asked_in, n)
SELECT min(at), day, platform, user_hash, '', '', passage_id, false, '', '', sum(coalesce(n, 1))
FROM folded GROUP BY day, platform, user_hash, passage_id;
CREATE UNIQUE INDEX questions_counted ON questions (platform, user_hash, day, passage_id)
    WHERE n IS NOT NULL AND question = '' AND NOT hedged;
