-- The chat a question was asked in (as gaps.sqlite3 keeps it): a keyed hash of the chat's id, '' where there is
-- none (the command line, rows written before). A chat that is gone (a deleted Discord thread or channel, whose
-- messages' deletions Discord never tells) takes what was asked in it out of the record (`forget_chat`), its
-- answered questions' `counted` entries too. An instance of the version before inserts the columns it knows;
-- `asked_chat` takes its default, and those rows stay until the retention period lets them go.
ALTER TABLE questions ADD COLUMN asked_chat text NOT NULL DEFAULT '';
CREATE INDEX questions_asked_chat ON questions (asked_chat) WHERE asked_chat <> '';
ALTER TABLE counted ADD COLUMN asked_chat text NOT NULL DEFAULT '';
CREATE INDEX counted_asked_chat ON counted (asked_chat) WHERE asked_chat <> '';
