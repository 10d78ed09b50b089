-- What the query module (src/query/) needs to answer the providers' list
-- questions from the mirror quickly: the provider's last list-level fields,
-- exact row counts kept by triggers, a trigram index of job names for the
-- fuzzy name search, and indexes for every documented filter and sort.
-- Every index holds present rows only (partial, WHERE deleted_at IS NULL):
-- queries with include_deleted=true read the table itself.

-- The list-level fields of a source's last list answer that are not rows
-- (ModelArts v1: quotas, job_count_limit), as a JSON object, so the mirror
-- answers them as the provider last reported them.
CREATE TABLE list_meta (
    source      TEXT PRIMARY KEY,
    kind        TEXT NOT NULL,
    fields      TEXT NOT NULL,
    observed_at TEXT NOT NULL
);

-- Rows per (source, status, deleted), kept exact by triggers, so that counts
-- (job_total_count) filtered by nothing or by status cost a few index reads
-- instead of a scan. A NULL status counts under -1.
CREATE TABLE modelarts_training_jobs_counts (
    source  TEXT    NOT NULL,
    status  INTEGER NOT NULL,
    deleted INTEGER NOT NULL,
    n       INTEGER NOT NULL,
    PRIMARY KEY (source, status, deleted)
) WITHOUT ROWID;

INSERT INTO modelarts_training_jobs_counts (source, status, deleted, n)
SELECT source, IFNULL(status, -1), deleted_at IS NOT NULL, COUNT(*)
FROM modelarts_training_jobs
GROUP BY source, IFNULL(status, -1), deleted_at IS NOT NULL;

CREATE TRIGGER modelarts_training_jobs_count_insert AFTER INSERT ON modelarts_training_jobs
BEGIN
    INSERT INTO modelarts_training_jobs_counts (source, status, deleted, n)
    VALUES (NEW.source, IFNULL(NEW.status, -1), NEW.deleted_at IS NOT NULL, 1)
    ON CONFLICT (source, status, deleted) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER modelarts_training_jobs_count_update
AFTER UPDATE OF source, status, deleted_at ON modelarts_training_jobs
WHEN OLD.source IS NOT NEW.source
  OR OLD.status IS NOT NEW.status
  OR (OLD.deleted_at IS NULL) <> (NEW.deleted_at IS NULL)
BEGIN
    UPDATE modelarts_training_jobs_counts SET n = n - 1
    WHERE source = OLD.source AND status = IFNULL(OLD.status, -1)
      AND deleted = (OLD.deleted_at IS NOT NULL);
    INSERT INTO modelarts_training_jobs_counts (source, status, deleted, n)
    VALUES (NEW.source, IFNULL(NEW.status, -1), NEW.deleted_at IS NOT NULL, 1)
    ON CONFLICT (source, status, deleted) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER modelarts_training_jobs_count_delete AFTER DELETE ON modelarts_training_jobs
BEGIN
    UPDATE modelarts_training_jobs_counts SET n = n - 1
    WHERE source = OLD.source AND status = IFNULL(OLD.status, -1)
      AND deleted = (OLD.deleted_at IS NOT NULL);
END;

-- Trigram index of lower(job_name) of present rows, keyed by the table's rowid
-- (search_content). SQLite's lower() folds ASCII letters only, exactly the
-- provider rule jobmirror follows; case_sensitive 1 keeps everything else as is.
-- Rebuild (e.g. after restoring only the main table):
--   DELETE FROM modelarts_training_jobs_names;
--   INSERT INTO modelarts_training_jobs_names (rowid, job_name)
--     SELECT rowid, lower(job_name) FROM modelarts_training_jobs
--     WHERE deleted_at IS NULL AND job_name IS NOT NULL;
CREATE VIRTUAL TABLE modelarts_training_jobs_names USING fts5 (
    job_name,
    content = '',
    contentless_delete = 1,
    tokenize = 'trigram case_sensitive 1'
);

INSERT INTO modelarts_training_jobs_names (rowid, job_name)
SELECT rowid, lower(job_name) FROM modelarts_training_jobs
WHERE deleted_at IS NULL AND job_name IS NOT NULL;

CREATE TRIGGER modelarts_training_jobs_names_insert AFTER INSERT ON modelarts_training_jobs
WHEN NEW.deleted_at IS NULL AND NEW.job_name IS NOT NULL
BEGIN
    INSERT INTO modelarts_training_jobs_names (rowid, job_name)
    VALUES (NEW.rowid, lower(NEW.job_name));
END;

CREATE TRIGGER modelarts_training_jobs_names_update
AFTER UPDATE OF job_name, deleted_at ON modelarts_training_jobs
WHEN OLD.job_name IS NOT NEW.job_name
  OR (OLD.deleted_at IS NULL) <> (NEW.deleted_at IS NULL)
BEGIN
    DELETE FROM modelarts_training_jobs_names WHERE rowid = OLD.rowid;
    INSERT INTO modelarts_training_jobs_names (rowid, job_name)
    SELECT NEW.rowid, lower(NEW.job_name)
    WHERE NEW.deleted_at IS NULL AND NEW.job_name IS NOT NULL;
END;

CREATE TRIGGER modelarts_training_jobs_names_delete AFTER DELETE ON modelarts_training_jobs
BEGIN
    DELETE FROM modelarts_training_jobs_names WHERE rowid = OLD.rowid;
END;

-- One index per documented sortBy value, ending in the tie-break job_id
-- ascending. Where a value is shared by many jobs (status, version_count,
-- job_desc), a second index serves order=desc, whose ties still run job_id
-- ascending.
CREATE INDEX modelarts_training_jobs_q_name
    ON modelarts_training_jobs (source, job_name, job_id) WHERE deleted_at IS NULL;
CREATE INDEX modelarts_training_jobs_q_desc
    ON modelarts_training_jobs (source, job_desc, job_id) WHERE deleted_at IS NULL;
CREATE INDEX modelarts_training_jobs_q_desc_desc
    ON modelarts_training_jobs (source, job_desc DESC, job_id) WHERE deleted_at IS NULL;
CREATE INDEX modelarts_training_jobs_q_status
    ON modelarts_training_jobs (source, status, job_id) WHERE deleted_at IS NULL;
CREATE INDEX modelarts_training_jobs_q_status_desc
    ON modelarts_training_jobs (source, status DESC, job_id) WHERE deleted_at IS NULL;
CREATE INDEX modelarts_training_jobs_q_duration
    ON modelarts_training_jobs (source, duration, job_id) WHERE deleted_at IS NULL;
CREATE INDEX modelarts_training_jobs_q_versions
    ON modelarts_training_jobs (source, version_count, job_id) WHERE deleted_at IS NULL;
CREATE INDEX modelarts_training_jobs_q_versions_desc
    ON modelarts_training_jobs (source, version_count DESC, job_id) WHERE deleted_at IS NULL;
CREATE INDEX modelarts_training_jobs_q_create
    ON modelarts_training_jobs (source, create_time, job_id) WHERE deleted_at IS NULL;
-- status filter with the default sort (job_name) and the newest-first sort.
CREATE INDEX modelarts_training_jobs_q_status_name
    ON modelarts_training_jobs (source, status, job_name, job_id) WHERE deleted_at IS NULL;
CREATE INDEX modelarts_training_jobs_q_status_create
    ON modelarts_training_jobs (source, status, create_time, job_id) WHERE deleted_at IS NULL;

-- /api/jobs: the `jobs` view's order (created_at newest first, then source,
-- job_id) over this table's arm, on the exact expressions the view computes.
CREATE INDEX modelarts_training_jobs_q_jobs_view ON modelarts_training_jobs (
    (strftime('%Y-%m-%dT%H:%M:%S', create_time / 1000, 'unixepoch')
        || printf('.%03dZ', create_time % 1000)) DESC,
    source,
    CAST(job_id AS TEXT)
) WHERE deleted_at IS NULL;
-- ... and with a state filter (`/api/jobs?state=running`).
CREATE INDEX modelarts_training_jobs_q_jobs_view_state ON modelarts_training_jobs (
    state,
    (strftime('%Y-%m-%dT%H:%M:%S', create_time / 1000, 'unixepoch')
        || printf('.%03dZ', create_time % 1000)) DESC,
    source,
    CAST(job_id AS TEXT)
) WHERE deleted_at IS NULL;
