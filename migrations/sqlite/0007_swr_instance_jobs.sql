-- Huawei SWR Enterprise Edition instance jobs (ListInstanceJobs,
-- GET /v2/{project_id}/jobs on the swr-api host). Every native field is a
-- string; created_at / updated_at keep the provider's own text
-- (e.g. 2021-05-12T03:50:38.305978Z). jobmirror's own bookkeeping time is
-- changed_at, so the native updated_at does not clash with it.

CREATE TABLE swr_instance_jobs (
    source        TEXT NOT NULL,
    id            TEXT NOT NULL,
    instance_id   TEXT,
    resource_id   TEXT,
    resource_name TEXT,
    type          TEXT,
    status        TEXT,
    reason        TEXT,
    created_at    TEXT,
    updated_at    TEXT,
    -- bookkeeping
    state         TEXT    NOT NULL,
    raw           TEXT    NOT NULL,
    first_seen_at TEXT    NOT NULL,
    last_seen_at  TEXT    NOT NULL,
    changed_at    TEXT    NOT NULL,
    deleted_at    TEXT,
    last_seen_run INTEGER NOT NULL,
    PRIMARY KEY (source, id)
);
-- unfinished jobs (status lists) and the per-cycle count of present rows
CREATE INDEX swr_instance_jobs_status ON swr_instance_jobs (source, status);
CREATE INDEX swr_instance_jobs_present ON swr_instance_jobs (source, deleted_at);
-- deletion candidates of a sweep
CREATE INDEX swr_instance_jobs_seen ON swr_instance_jobs (source, last_seen_run);
CREATE INDEX swr_instance_jobs_created ON swr_instance_jobs (source, created_at);
