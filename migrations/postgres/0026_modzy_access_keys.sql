-- PostgreSQL counterpart of migrations/sqlite/0026: the access-key prefixes
-- of every Modzy row's user (present and deleted rows alike), keyed by the
-- row's primary key, for `accessKey=` look-ups. A row has one entry per
-- distinct string `prefix` of an object in its `user.accessKeys` array; a
-- `user` that is not JSON, an `accessKeys` that is not an array, an element
-- that is not an object and a `prefix` that is missing or not a string give
-- none. Kept by triggers; rebuild it by deleting its rows and running the
-- backfill INSERT again.

CREATE TABLE modzy_job_access_keys (
    source         TEXT COLLATE "C" NOT NULL,
    prefix         TEXT COLLATE "C" NOT NULL,
    job_identifier TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (source, prefix, job_identifier)
);
-- The triggers' look-up of a row's entries.
CREATE INDEX modzy_job_access_keys_job ON modzy_job_access_keys (source, job_identifier);

-- The distinct access-key prefixes of a Modzy `user` JSON text.
CREATE FUNCTION jm_modzy_access_keys(doc text) RETURNS SETOF text
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT DISTINCT e.value ->> 'prefix'
    FROM jsonb_array_elements(CASE WHEN jsonb_typeof(jm_json(doc) -> 'accessKeys') = 'array'
                                   THEN jm_json(doc) -> 'accessKeys' END) AS e(value)
    WHERE jsonb_typeof(e.value -> 'prefix') = 'string'
$$;

-- Backfill from the rows already mirrored.
INSERT INTO modzy_job_access_keys (source, prefix, job_identifier)
SELECT t.source, k.prefix, t.job_identifier
FROM modzy_jobs AS t, jm_modzy_access_keys(t."user") AS k(prefix);

CREATE FUNCTION jm_modzy_job_access_keys_sync() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        DELETE FROM modzy_job_access_keys
        WHERE source = OLD.source AND job_identifier = OLD.job_identifier;
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        INSERT INTO modzy_job_access_keys (source, prefix, job_identifier)
        SELECT NEW.source, k.prefix, NEW.job_identifier
        FROM jm_modzy_access_keys(NEW."user") AS k(prefix);
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER modzy_job_access_keys_insert AFTER INSERT ON modzy_jobs
FOR EACH ROW EXECUTE FUNCTION jm_modzy_job_access_keys_sync();

CREATE TRIGGER modzy_job_access_keys_update AFTER UPDATE OF "user", source, job_identifier ON modzy_jobs
FOR EACH ROW
WHEN (OLD."user" IS DISTINCT FROM NEW."user"
      OR OLD.source IS DISTINCT FROM NEW.source
      OR OLD.job_identifier IS DISTINCT FROM NEW.job_identifier)
EXECUTE FUNCTION jm_modzy_job_access_keys_sync();

CREATE TRIGGER modzy_job_access_keys_delete AFTER DELETE ON modzy_jobs
FOR EACH ROW EXECUTE FUNCTION jm_modzy_job_access_keys_sync();
