-- The knowledge base and its change history (issue 15).
-- A source is one knowledge file: `name` is the file name it is exported as, `source` its
-- mapping (title, publisher, url, date). Passages keep their file order in `position`;
-- `version` grows by one on every change to the passage (the check against concurrent edits).

CREATE TABLE sources (
    name   text PRIMARY KEY,
    source jsonb NOT NULL
);

CREATE TABLE passages (
    id        text PRIMARY KEY,
    source    text NOT NULL REFERENCES sources (name) ON DELETE CASCADE,
    position  integer NOT NULL,
    section   text NOT NULL,
    text      text NOT NULL,
    questions jsonb NOT NULL DEFAULT '[]',
    version   integer NOT NULL DEFAULT 1
);
CREATE INDEX passages_order ON passages (source, position);

-- synonyms.yaml and settings.yaml, as their parsed data
CREATE TABLE documents (
    name text PRIMARY KEY,
    data jsonb NOT NULL
);

-- One row per change, in commit order (`seq`); instances catch up by reading seq > their last.
CREATE TABLE changes (
    seq        bigserial PRIMARY KEY,
    id         text NOT NULL UNIQUE,
    at         text NOT NULL,
    platform   text NOT NULL,
    user_id    text NOT NULL,
    name       text NOT NULL,
    chat_id    text NOT NULL,
    kind       text NOT NULL,
    passage_id text NOT NULL,
    file       text NOT NULL,
    position   integer NOT NULL,
    before     jsonb,
    after      jsonb,
    undoes     text
);
