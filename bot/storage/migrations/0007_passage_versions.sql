-- A passage's `version` is drawn from one sequence on every change to it, so it never repeats for
-- a passage id: a passage removed and put back (an undo), or moved to another file by `kb push`, is
-- inserted anew, and counting from 1 again let an instance that had not caught up overwrite a
-- text its moderator never saw. A trigger draws it, so an instance of the version before (which
-- adds one on an edit, and inserts without a version) writes the same versions as this one.
CREATE SEQUENCE passage_versions;
SELECT setval('passage_versions', (SELECT greatest(coalesce(max(version), 0), 1) FROM passages));

CREATE FUNCTION passage_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' OR (NEW.section, NEW.text, NEW.questions)
            IS DISTINCT FROM (OLD.section, OLD.text, OLD.questions) THEN
        NEW.version := nextval('passage_versions');
    ELSE
        NEW.version := OLD.version;  -- moved within its file, or its file renamed: the same text
    END IF;
    RETURN NEW;
END
$$;

CREATE TRIGGER passages_version BEFORE INSERT OR UPDATE ON passages
    FOR EACH ROW EXECUTE FUNCTION passage_version();
