-- A hedged answer is kept with its passage (counted for it, marked hedged) and its wording (a gap
-- still), as gaps.sqlite3 keeps it. Rows written before stay as they were: unanswered, no passage.
-- An instance of the version before inserts seven values; the eighth takes its default.
ALTER TABLE questions ADD COLUMN hedged boolean NOT NULL DEFAULT false;
DROP INDEX questions_open;
CREATE INDEX questions_open ON questions (terms) WHERE passage_id IS NULL OR hedged;
