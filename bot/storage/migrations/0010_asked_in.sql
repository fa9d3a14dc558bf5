-- The message a question was asked in (as gaps.sqlite3 keeps it): a keyed hash of its chat and
-- message ids, '' where there is none (the command line, a slash command, rows written before).
-- A member's edited question replaces what the message asked before, so `kb gaps` holds the words
-- they settled on. An instance of the version before inserts nine values; `asked_in` takes its default.
ALTER TABLE questions ADD COLUMN asked_in text NOT NULL DEFAULT '';
CREATE INDEX questions_asked_in ON questions (asked_in) WHERE asked_in <> '';
