-- Alibaba PAI-DLC jobs (ListJobs, GET /api/v1/jobs, version 2020-12-03).
-- One column per documented JobItem field (PascalCase -> snake_case). Native
-- columns keep the provider's form: times are its ISO-8601 UTC text
-- (`2021-01-12T14:35:01Z`, whole seconds), `duration` is seconds, and
-- `request_gpu`, `node_count` and `restart_times` are text as the API sends them.
-- Nested objects and arrays are compact JSON text; booleans are 0/1.

CREATE TABLE pai_dlc_jobs (
    source                       TEXT    NOT NULL,
    job_id                       TEXT    NOT NULL,
    display_name                 TEXT,
    job_type                     TEXT,
    status                       TEXT,
    sub_status                   TEXT,
    reason_code                  TEXT,
    reason_message               TEXT,
    is_deleted                   INTEGER,
    status_history               TEXT,   -- JSON [StatusTransitionItem]
    job_replica_statuses         TEXT,   -- JSON [JobReplicaStatus]
    restart_times                TEXT,
    retry_count                  INTEGER,
    gmt_create_time              TEXT,
    gmt_submitted_time           TEXT,
    gmt_running_time             TEXT,
    gmt_finish_time              TEXT,
    gmt_successed_time           TEXT,
    gmt_failed_time              TEXT,
    gmt_stopped_time             TEXT,
    gmt_modified_time            TEXT,
    duration                     INTEGER, -- seconds
    job_max_running_time_minutes INTEGER,
    priority                     INTEGER,
    request_cpu                  INTEGER,
    request_gpu                  TEXT,
    request_memory               TEXT,
    node_count                   TEXT,
    workspace_id                 TEXT,
    workspace_name               TEXT,
    tenant_id                    TEXT,
    user_id                      TEXT,
    username                     TEXT,
    cluster_id                   TEXT,
    accessibility                TEXT,
    template_id                  TEXT,
    template_name                TEXT,
    resource_id                  TEXT,
    resource_name                TEXT,
    resource_quota_name          TEXT,
    resource_type                TEXT,
    resource_level               TEXT,
    use_oversold_resource        INTEGER,
    enable_preemptible_job       INTEGER,
    scheduling_strategy          TEXT,
    node_names                   TEXT,   -- JSON [str]
    job_specs                    TEXT,   -- JSON [JobSpec]
    pods                         TEXT,   -- JSON [PodItem]
    settings                     TEXT,   -- JSON JobSettings (Tags live here)
    elastic_spec                 TEXT,   -- JSON
    code_source                  TEXT,   -- JSON
    data_sources                 TEXT,   -- JSON
    credential_config            TEXT,   -- JSON
    user_vpc                     TEXT,   -- JSON
    envs                         TEXT,   -- JSON map
    system_envs                  TEXT,   -- JSON map
    user_command                 TEXT,
    user_script                  TEXT,
    working_dir                  TEXT,
    thirdparty_libs              TEXT,   -- JSON [str]
    thirdparty_lib_dir           TEXT,
    enabled_debugger             INTEGER,
    supported_profiling_types    TEXT,
    -- bookkeeping
    state                        TEXT    NOT NULL,
    raw                          TEXT    NOT NULL,
    first_seen_at                TEXT    NOT NULL,
    last_seen_at                 TEXT    NOT NULL,
    changed_at                   TEXT    NOT NULL,
    deleted_at                   TEXT,
    last_seen_run                INTEGER NOT NULL,
    PRIMARY KEY (source, job_id)
);
-- unfinished jobs (re-checked every cycle by JobIds)
CREATE INDEX pai_dlc_jobs_status ON pai_dlc_jobs (source, status);
-- the creation watermark (MAX) of new-job discovery
CREATE INDEX pai_dlc_jobs_create ON pai_dlc_jobs (source, gmt_create_time);
-- rows not seen by a full sweep (deletions)
CREATE INDEX pai_dlc_jobs_seen ON pai_dlc_jobs (source, last_seen_run);
