-- The unified `jobs` view over every job kind (algorithms stay in their own
-- table). Times are jobmirror's form: UTC, ISO-8601, milliseconds, Z.
-- Per kind:
--   modelarts-training-jobs: created_at from create_time (epoch ms); updated_at is
--     when jobmirror saw the row change (the API has no update time); finished_at
--     is create_time + duration for finished jobs; duration is milliseconds.
--   pai-dlc-jobs: GmtCreateTime / GmtModifiedTime (else changed_at) /
--     GmtFinishTime; Duration is seconds.
--   modzy-jobs: createdAt / updatedAt normalized (both offset styles); finished_at
--     is updatedAt of a job in a final status; duration is elapsedTime (ms).
--   swr-instance-jobs: created_at / updated_at; finished_at is updated_at of a
--     finished job; duration is updated_at - created_at for finished jobs.

DROP VIEW IF EXISTS jobs;

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
FROM modelarts_training_jobs

UNION ALL
SELECT
    source,
    'pai-dlc-jobs',
    job_id,
    display_name,
    status,
    state,
    strftime('%Y-%m-%dT%H:%M:%fZ', gmt_create_time),
    COALESCE(strftime('%Y-%m-%dT%H:%M:%fZ', gmt_modified_time), changed_at),
    strftime('%Y-%m-%dT%H:%M:%fZ', gmt_finish_time),
    duration * 1000,
    first_seen_at,
    last_seen_at,
    deleted_at
FROM pai_dlc_jobs

UNION ALL
SELECT
    source,
    'modzy-jobs',
    job_identifier,
    json_extract(model, '$.name'),
    status,
    state,
    created_at_utc,
    COALESCE(updated_at_utc, changed_at),
    CASE WHEN status IN ('COMPLETED', 'CANCELED', 'TIMEDOUT') THEN updated_at_utc END,
    elapsed_time,
    first_seen_at,
    last_seen_at,
    deleted_at
FROM modzy_jobs

UNION ALL
SELECT
    source,
    'swr-instance-jobs',
    id,
    resource_name,
    status,
    state,
    strftime('%Y-%m-%dT%H:%M:%fZ', created_at),
    COALESCE(strftime('%Y-%m-%dT%H:%M:%fZ', updated_at), changed_at),
    CASE WHEN status IN ('Success', 'Failed') THEN strftime('%Y-%m-%dT%H:%M:%fZ', updated_at) END,
    CASE WHEN status IN ('Success', 'Failed') THEN
        CAST(round((julianday(updated_at) - julianday(created_at)) * 86400000) AS INTEGER)
    END,
    first_seen_at,
    last_seen_at,
    deleted_at
FROM swr_instance_jobs;
