-- One vote per user and passage held by the database itself: a unique key, which a vote's
-- INSERT ... ON CONFLICT DO UPDATE replaces in one statement. Before, a vote was a DELETE of the
-- user's earlier one and an INSERT, and a double tap whose presses reached two instances at once
-- made two rows: each DELETE waited on the same old row, found it gone, and each INSERT went in.
-- The table is locked against writes while the duplicates go and the key is made, so that no new
-- duplicate comes between the two; of each user's votes on a passage the newest is kept.
-- An instance of the version before still deletes and inserts; in that same race its second INSERT
-- now fails on the key, and its writer tries the batch again a second later (as while the database
-- is away), when the DELETE finds the row. `votes_voter` (0004) stays: an instance of the version
-- before may run on this schema, and a migration only adds.
LOCK TABLE votes IN SHARE ROW EXCLUSIVE MODE;
DELETE FROM votes AS older USING votes AS newer
    WHERE older.platform = newer.platform AND older.user_hash = newer.user_hash
      AND older.passage_id = newer.passage_id AND (older.at, older.ctid) < (newer.at, newer.ctid);
CREATE UNIQUE INDEX votes_one_per_voter ON votes (platform, user_hash, passage_id);
