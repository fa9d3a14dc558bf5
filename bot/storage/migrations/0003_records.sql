-- What people asked and their votes, shared by every instance (as gaps.sqlite3 is for one).
-- Only hashed user ids; the wording of unanswered questions only.
CREATE TABLE questions (
    at         double precision NOT NULL,
    day        text NOT NULL,
    platform   text NOT NULL,
    user_hash  text NOT NULL,
    question   text NOT NULL,
    terms      text NOT NULL,
    passage_id text
);
CREATE INDEX questions_at ON questions (at);
CREATE INDEX questions_open ON questions (terms) WHERE passage_id IS NULL;

CREATE TABLE votes (
    at         double precision NOT NULL,
    day        text NOT NULL,
    platform   text NOT NULL,
    user_hash  text NOT NULL,
    passage_id text NOT NULL,
    helpful    boolean NOT NULL
);
CREATE INDEX votes_at ON votes (at);

CREATE TABLE closed (
    terms text PRIMARY KEY,
    at    double precision NOT NULL,
    how   text NOT NULL
);
