-- Shared bookkeeping: one row per sync cycle, per-source sync state, and the
-- status-change log. All jobmirror-owned times are ISO-8601 UTC text with
-- milliseconds and a Z.

CREATE TABLE sync_runs (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    source       TEXT    NOT NULL,
    kind         TEXT    NOT NULL,
    started_at   TEXT    NOT NULL,
    finished_at  TEXT,
    mode         TEXT    NOT NULL CHECK (mode IN ('incremental', 'full')),
    requests     INTEGER NOT NULL DEFAULT 0,
    rows_seen    INTEGER NOT NULL DEFAULT 0,
    rows_changed INTEGER NOT NULL DEFAULT 0,
    error        TEXT
);
CREATE INDEX sync_runs_by_source ON sync_runs (source, id);

CREATE TABLE sync_state (
    source          TEXT PRIMARY KEY,
    kind            TEXT NOT NULL,
    -- when the first complete mirror of the source finished (NULL: still initial)
    initial_done_at TEXT,
    -- when the last full reconcile finished
    last_full_at    TEXT,
    -- when the last cycle finished without error
    last_success_at TEXT,
    -- kind-specific resumable collector state (JSON)
    cursor          TEXT NOT NULL DEFAULT '{}',
    updated_at      TEXT NOT NULL
);

CREATE TABLE status_changes (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    source      TEXT NOT NULL,
    kind        TEXT NOT NULL,
    job_id      TEXT NOT NULL,
    old_status  TEXT,
    new_status  TEXT,
    old_state   TEXT,
    new_state   TEXT,
    observed_at TEXT NOT NULL,
    run_id      INTEGER
);
CREATE INDEX status_changes_by_job ON status_changes (source, job_id, id);
CREATE INDEX status_changes_by_time ON status_changes (observed_at);
