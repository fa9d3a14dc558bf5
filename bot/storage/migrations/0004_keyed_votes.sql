-- The secret user pseudonyms are keyed with (HMAC, as data/user-key is for one instance), shared
-- by every instance so that one user is one pseudonym everywhere; and one vote per user and passage.
CREATE TABLE secrets (
    name  text PRIMARY KEY,
    value bytea NOT NULL
);
CREATE INDEX votes_voter ON votes (platform, user_hash, passage_id);
