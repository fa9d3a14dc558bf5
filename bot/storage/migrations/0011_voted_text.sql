-- The passage's text a vote was given to (as gaps.sqlite3 keeps it): a short hash of it, '' for
-- votes written before. `kb stats` counts a passage's 👎 on its text as it is now, so a moderator
-- who rewrote a passage for its 👎 is not shown them again for the new text; the votes written
-- before count as given to the text as it is now. An instance of the version before inserts six
-- values, and its votes take the default (its upsert keeps a vote's text as it was).
ALTER TABLE votes ADD COLUMN text_key text NOT NULL DEFAULT '';
