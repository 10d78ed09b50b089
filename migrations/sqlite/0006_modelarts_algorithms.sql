-- Huawei ModelArts algorithms (ListAlgorithms, GET /v2/{project_id}/algorithms).
-- metadata.* is flattened into columns; metadata.source and metadata.state are
-- named metadata_source / metadata_state because source and state are
-- bookkeeping columns. create_time / update_time are epoch milliseconds
-- (update_time 0: never updated). job_config, resource_requirements,
-- advanced_config, tags and attr_list are JSON text. status is derived:
-- 'valid' / 'invalid' from is_valid (a flip is a status change).

CREATE TABLE modelarts_algorithms (
    source                TEXT NOT NULL,
    id                    TEXT NOT NULL,
    name                  TEXT,
    description           TEXT,
    workspace_id          TEXT,
    ai_project            TEXT,
    user_name             TEXT,
    domain_id             TEXT,
    metadata_source       TEXT,
    api_version           TEXT,
    is_valid              INTEGER,
    metadata_state        TEXT,
    tags                  TEXT,
    attr_list             TEXT,
    version_num           INTEGER,
    size                  INTEGER,
    create_time           INTEGER,
    update_time           INTEGER,
    job_config            TEXT,
    resource_requirements TEXT,
    advanced_config       TEXT,
    status                TEXT,
    -- bookkeeping
    state                 TEXT    NOT NULL,
    raw                   TEXT    NOT NULL,
    first_seen_at         TEXT    NOT NULL,
    last_seen_at          TEXT    NOT NULL,
    changed_at            TEXT    NOT NULL,
    deleted_at            TEXT,
    last_seen_run         INTEGER NOT NULL,
    PRIMARY KEY (source, id)
);
-- the two watermarks of an incremental cycle
CREATE INDEX modelarts_algorithms_create ON modelarts_algorithms (source, create_time);
CREATE INDEX modelarts_algorithms_update ON modelarts_algorithms (source, update_time);
-- deletion candidates of the full reconcile
CREATE INDEX modelarts_algorithms_seen ON modelarts_algorithms (source, last_seen_run);
CREATE INDEX modelarts_algorithms_status ON modelarts_algorithms (source, status);
