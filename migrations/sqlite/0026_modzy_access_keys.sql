-- Modzy `accessKey=` (GET /api/jobs/history): a side table of the access-key
-- prefixes of every row's user (present and deleted rows alike, since
-- `include_deleted=true` filters by accessKey too), keyed by the row's
-- rowid, so that the filter is an index look-up instead of parsing every
-- row's `user` JSON. A row has one entry per distinct string `prefix` of an
-- object in its `user.accessKeys` array; a `user` that is not JSON, an
-- `accessKeys` that is not an array, an element that is not an object and a
-- `prefix` that is missing or not a string give none (the query module's
-- filter matches exactly these; the PostgreSQL migration 0026 is the same).
-- Kept by triggers; rebuild it (e.g. after restoring only the main table) by
-- deleting its rows and running the backfill INSERT again.

CREATE TABLE modzy_job_access_keys (
    source    TEXT    NOT NULL,
    prefix    TEXT    NOT NULL,
    job_rowid INTEGER NOT NULL,
    PRIMARY KEY (source, prefix, job_rowid)
) WITHOUT ROWID;
-- The triggers' look-up of a row's entries.
CREATE INDEX modzy_job_access_keys_job ON modzy_job_access_keys (job_rowid);

-- Backfill from the rows already mirrored.
INSERT INTO modzy_job_access_keys (source, prefix, job_rowid)
SELECT DISTINCT t.source, json_extract(k.value, '$.prefix'), t.rowid
FROM modzy_jobs AS t,
     json_each(CASE WHEN json_valid(t.user) THEN
         CASE WHEN json_type(t.user, '$.accessKeys') = 'array' THEN t.user END END,
         '$.accessKeys') AS k
WHERE k.type = 'object' AND json_type(k.value, '$.prefix') = 'text';

CREATE TRIGGER modzy_job_access_keys_insert AFTER INSERT ON modzy_jobs
BEGIN
    INSERT INTO modzy_job_access_keys (source, prefix, job_rowid)
    SELECT DISTINCT NEW.source, json_extract(k.value, '$.prefix'), NEW.rowid
    FROM json_each(CASE WHEN json_valid(NEW.user) THEN
             CASE WHEN json_type(NEW.user, '$.accessKeys') = 'array' THEN NEW.user END END,
             '$.accessKeys') AS k
    WHERE k.type = 'object' AND json_type(k.value, '$.prefix') = 'text';
END;

CREATE TRIGGER modzy_job_access_keys_update AFTER UPDATE OF user, source ON modzy_jobs
WHEN OLD.user IS NOT NEW.user OR OLD.source IS NOT NEW.source
BEGIN
    DELETE FROM modzy_job_access_keys WHERE job_rowid = OLD.rowid;
    INSERT INTO modzy_job_access_keys (source, prefix, job_rowid)
    SELECT DISTINCT NEW.source, json_extract(k.value, '$.prefix'), NEW.rowid
    FROM json_each(CASE WHEN json_valid(NEW.user) THEN
             CASE WHEN json_type(NEW.user, '$.accessKeys') = 'array' THEN NEW.user END END,
             '$.accessKeys') AS k
    WHERE k.type = 'object' AND json_type(k.value, '$.prefix') = 'text';
END;

CREATE TRIGGER modzy_job_access_keys_delete AFTER DELETE ON modzy_jobs
BEGIN
    DELETE FROM modzy_job_access_keys WHERE job_rowid = OLD.rowid;
END;
