-- The closest topics an unanswered question was given, and the one its asker pressed (as
-- gaps.sqlite3 keeps them): `kb gaps` names what members chose. Rows written before offered none.
-- An instance of the version before inserts eight values; `offered` takes its default.
ALTER TABLE questions ADD COLUMN offered text NOT NULL DEFAULT '';
ALTER TABLE questions ADD COLUMN picked text;
