-- Huawei ModelArts v1 training jobs (GET /v1/{project_id}/training-jobs).
-- Native columns keep the provider's form: create_time is epoch milliseconds,
-- duration is milliseconds, status is the integer JOBSTAT_* code.

CREATE TABLE modelarts_training_jobs (
    source        TEXT    NOT NULL,
    job_id        INTEGER NOT NULL,
    job_name      TEXT,
    version_id    INTEGER,
    status        INTEGER,
    create_time   INTEGER,
    duration      INTEGER,
    job_desc      TEXT,
    version_count INTEGER,
    -- bookkeeping
    state         TEXT    NOT NULL,
    raw           TEXT    NOT NULL,
    first_seen_at TEXT    NOT NULL,
    last_seen_at  TEXT    NOT NULL,
    changed_at    TEXT    NOT NULL,
    deleted_at    TEXT,
    last_seen_run INTEGER NOT NULL,
    PRIMARY KEY (source, job_id)
);
CREATE INDEX modelarts_training_jobs_status ON modelarts_training_jobs (source, status);
CREATE INDEX modelarts_training_jobs_create ON modelarts_training_jobs (source, create_time);
CREATE INDEX modelarts_training_jobs_seen ON modelarts_training_jobs (source, last_seen_run);

-- The unified view of every mirrored job (redefined as kinds are added).
CREATE VIEW jobs AS
SELECT
    source,
    'modelarts-training-jobs' AS kind,
    CAST(job_id AS TEXT) AS job_id,
    job_name AS name,
    CAST(status AS TEXT) AS status,
    state,
    strftime('%Y-%m-%dT%H:%M:%S', create_time / 1000, 'unixepoch')
        || printf('.%03dZ', create_time % 1000) AS created_at,
    changed_at AS updated_at,
    CASE WHEN state IN ('succeeded', 'failed', 'stopped') AND duration IS NOT NULL THEN
        strftime('%Y-%m-%dT%H:%M:%S', (create_time + duration) / 1000, 'unixepoch')
            || printf('.%03dZ', (create_time + duration) % 1000)
    END AS finished_at,
    duration AS duration_ms,
    first_seen_at,
    last_seen_at,
    deleted_at
FROM modelarts_training_jobs;
