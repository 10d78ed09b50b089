-- The `jobs` view split into one simple view per job kind (the same columns
-- and expressions as 0009), with `jobs` redefined as their UNION ALL, so the
-- expressions of each kind are written once. SQLite cannot read a compound view
-- in index order, but it can read each of these simple views so: /api/jobs
-- queries them one by one and merges their pages (see src/query/jobs.rs).

CREATE VIEW jobs_modelarts_training_jobs AS
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

CREATE VIEW jobs_pai_dlc_jobs AS
SELECT
    source,
    'pai-dlc-jobs' AS kind,
    job_id,
    display_name AS name,
    status,
    state,
    strftime('%Y-%m-%dT%H:%M:%fZ', gmt_create_time) AS created_at,
    COALESCE(strftime('%Y-%m-%dT%H:%M:%fZ', gmt_modified_time), changed_at) AS updated_at,
    strftime('%Y-%m-%dT%H:%M:%fZ', gmt_finish_time) AS finished_at,
    duration * 1000 AS duration_ms,
    first_seen_at,
    last_seen_at,
    deleted_at
FROM pai_dlc_jobs;

CREATE VIEW jobs_modzy_jobs AS
SELECT
    source,
    'modzy-jobs' AS kind,
    job_identifier AS job_id,
    json_extract(model, '$.name') AS name,
    status,
    state,
    created_at_utc AS created_at,
    COALESCE(updated_at_utc, changed_at) AS updated_at,
    CASE WHEN status IN ('COMPLETED', 'CANCELED', 'TIMEDOUT') THEN updated_at_utc END AS finished_at,
    elapsed_time AS duration_ms,
    first_seen_at,
    last_seen_at,
    deleted_at
FROM modzy_jobs;

CREATE VIEW jobs_swr_instance_jobs AS
SELECT
    source,
    'swr-instance-jobs' AS kind,
    id AS job_id,
    resource_name AS name,
    status,
    state,
    strftime('%Y-%m-%dT%H:%M:%fZ', created_at) AS created_at,
    COALESCE(strftime('%Y-%m-%dT%H:%M:%fZ', updated_at), changed_at) AS updated_at,
    CASE WHEN status IN ('Success', 'Failed') THEN strftime('%Y-%m-%dT%H:%M:%fZ', updated_at) END AS finished_at,
    CASE WHEN status IN ('Success', 'Failed') THEN
        CAST(round((julianday(updated_at) - julianday(created_at)) * 86400000) AS INTEGER)
    END AS duration_ms,
    first_seen_at,
    last_seen_at,
    deleted_at
FROM swr_instance_jobs;

DROP VIEW jobs;
CREATE VIEW jobs AS
SELECT * FROM jobs_modelarts_training_jobs
UNION ALL SELECT * FROM jobs_pai_dlc_jobs
UNION ALL SELECT * FROM jobs_modzy_jobs
UNION ALL SELECT * FROM jobs_swr_instance_jobs;

-- /api/jobs order over each kind's own expression of created_at.
CREATE INDEX pai_dlc_jobs_q_jobs_view ON pai_dlc_jobs (
    strftime('%Y-%m-%dT%H:%M:%fZ', gmt_create_time) DESC, source, job_id
) WHERE deleted_at IS NULL;
CREATE INDEX modzy_jobs_q_jobs_view ON modzy_jobs (created_at_utc DESC, source, job_identifier)
    WHERE deleted_at IS NULL;
CREATE INDEX swr_instance_jobs_q_jobs_view ON swr_instance_jobs (
    strftime('%Y-%m-%dT%H:%M:%fZ', created_at) DESC, source, id
) WHERE deleted_at IS NULL;

-- PAI-DLC ListJobs: GmtCreateTime (default sort and the default 7-day window),
-- with and without a Status filter, ties by JobId. No counts table: every
-- query carries a time window.
CREATE INDEX pai_dlc_jobs_q_create
    ON pai_dlc_jobs (source, gmt_create_time, job_id) WHERE deleted_at IS NULL;
CREATE INDEX pai_dlc_jobs_q_status_create
    ON pai_dlc_jobs (source, status, gmt_create_time, job_id) WHERE deleted_at IS NULL;
