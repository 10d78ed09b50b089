-- Webhook outbox and delivery log. An event row is written in the same
-- transaction as the change it reports (transactional outbox), one row per
-- event AND endpoint; `webhook_id` is shared by every endpoint's copy of one
-- event and never changes (retries and redeliveries resend it). Times are
-- ISO-8601 UTC text with milliseconds and a Z.

CREATE TABLE webhook_events (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    -- Standard Webhooks `webhook-id` (msg_...), the same on every endpoint
    webhook_id      TEXT    NOT NULL,
    -- the [webhooks.NAME] this copy goes to
    endpoint        TEXT    NOT NULL,
    -- job.status_changed | job.created | job.deleted
    type            TEXT    NOT NULL,
    source          TEXT    NOT NULL,
    kind            TEXT    NOT NULL,
    job_id          TEXT    NOT NULL,
    -- the state the event is about: the new one, or the last known for job.deleted
    state           TEXT,
    -- the exact JSON body sent (signed anew on every attempt)
    body            TEXT    NOT NULL,
    created_at      TEXT    NOT NULL,
    status          TEXT    NOT NULL DEFAULT 'pending'
                            CHECK (status IN ('pending', 'delivered', 'dead')),
    -- tries since the event was (re)queued; every try is in webhook_attempts
    attempts        INTEGER NOT NULL DEFAULT 0,
    -- when the next try is due (while pending)
    next_attempt_at TEXT    NOT NULL,
    last_attempt_at TEXT,
    last_error      TEXT,
    delivered_at    TEXT,
    UNIQUE (webhook_id, endpoint)
);
-- the dispatcher's "next due per endpoint"
CREATE INDEX webhook_events_due ON webhook_events (endpoint, next_attempt_at)
    WHERE status = 'pending';
-- order per (endpoint, job): an earlier pending event holds back later ones
CREATE INDEX webhook_events_by_job ON webhook_events (endpoint, source, job_id, id);
-- `webhooks list --pending|--dead`, per-endpoint counts in `status`
CREATE INDEX webhook_events_by_status ON webhook_events (status, endpoint);

CREATE TABLE webhook_attempts (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    event_id      INTEGER NOT NULL REFERENCES webhook_events (id),
    attempted_at  TEXT    NOT NULL,
    -- the receiver's HTTP status (NULL when no answer: timeout, refused, ...)
    http_status   INTEGER,
    duration_ms   INTEGER NOT NULL,
    -- the start of the receiver's answer (at most 1 KiB)
    response_body TEXT,
    -- why the try failed (NULL when delivered)
    error         TEXT
);
CREATE INDEX webhook_attempts_by_event ON webhook_attempts (event_id, id);
