-- Modzy job history (GET /api/jobs/history). Native columns keep the provider's
-- form: timestamps are the provider's text as sent (both "+0000" and "+00:00"
-- offset styles occur, and null); model, user, job_inputs and team are JSON text;
-- explain and image_classification_model are 0/1. The *_utc columns hold the same
-- instants in jobmirror's form (UTC, milliseconds, Z), NULL when the provider's
-- value is null or unreadable. team, hours_delete_input and
-- image_classification_model are job-detail fields: filled only when the list
-- item carries them.

CREATE TABLE modzy_jobs (
    source                     TEXT NOT NULL,
    job_identifier             TEXT NOT NULL,
    submitted_by               TEXT,
    account_identifier         TEXT,
    model                      TEXT,
    status                     TEXT,
    created_at                 TEXT,
    updated_at                 TEXT,
    submitted_at               TEXT,
    total                      INTEGER,
    pending                    INTEGER,
    completed                  INTEGER,
    failed                     INTEGER,
    elapsed_time               INTEGER,
    queue_time                 INTEGER,
    user                       TEXT,
    job_inputs                 TEXT,
    explain                    INTEGER,
    team                       TEXT,
    hours_delete_input         INTEGER,
    image_classification_model INTEGER,
    created_at_utc             TEXT,
    updated_at_utc             TEXT,
    submitted_at_utc           TEXT,
    -- bookkeeping
    state                      TEXT    NOT NULL,
    raw                        TEXT    NOT NULL,
    first_seen_at              TEXT    NOT NULL,
    last_seen_at               TEXT    NOT NULL,
    changed_at                 TEXT    NOT NULL,
    deleted_at                 TEXT,
    last_seen_run              INTEGER NOT NULL,
    PRIMARY KEY (source, job_identifier)
);
CREATE INDEX modzy_jobs_status ON modzy_jobs (source, status);
CREATE INDEX modzy_jobs_created ON modzy_jobs (source, created_at_utc);
CREATE INDEX modzy_jobs_updated ON modzy_jobs (source, updated_at_utc);
CREATE INDEX modzy_jobs_seen ON modzy_jobs (source, last_seen_run);
