//! The webhook outbox: event rows written inside the transaction of the change
//! they report (one row per event and matching endpoint), and everything the
//! dispatcher and the CLI do with them: claim due events in bounded batches,
//! record attempts, list, requeue, count.

use std::sync::{Arc, RwLock};

use serde_json::{Map, Value};
use tokio::sync::watch;

use super::db::{Arg, DbRow, Sql, Tx};
use super::{Store, StoreError};
use crate::clock;
use crate::config::{EventType, WebhookConfig};
use crate::state::State;

/// Event rows per multi-row INSERT (10 bound parameters each).
const INSERT_CHUNK: usize = 200;

/// The outbox state a [`Store`] and its clones share: the configured endpoints
/// (their filters decide the fan-out) and a signal bumped whenever events are queued.
pub(crate) struct OutboxShared {
    hooks: RwLock<Arc<[WebhookConfig]>>,
    signal: watch::Sender<u64>,
}

impl OutboxShared {
    pub(crate) fn new() -> OutboxShared {
        OutboxShared {
            hooks: RwLock::new(Arc::from(Vec::new())),
            signal: watch::Sender::new(0),
        }
    }
}

/// One job event about to be written, before fan-out to endpoints.
pub(crate) struct JobEvent<'a> {
    pub ty: EventType,
    pub source: &'a str,
    pub kind: &'a str,
    pub job_id: &'a str,
    pub name: Option<&'a str>,
    pub old_status: Option<&'a str>,
    pub new_status: Option<&'a str>,
    pub old_state: Option<&'a str>,
    pub new_state: Option<&'a str>,
    /// The provider's object (compact JSON): the new one, or the last known for a deletion.
    pub raw: &'a str,
}

impl JobEvent<'_> {
    /// The state endpoint filters look at: the new one, or the last known for a deletion.
    fn filter_state(&self) -> Option<State> {
        let s = match self.ty {
            EventType::Deleted => self.old_state,
            EventType::StatusChanged | EventType::Created => self.new_state,
        };
        s.and_then(|s| s.parse().ok())
    }
}

/// The exact JSON body of a job event observed at `now` (DESIGN.md "Webhooks"):
/// `data.job` is the provider's object spliced in verbatim.
pub(crate) fn event_body(ev: &JobEvent<'_>, now: &str) -> String {
    let opt = |s: Option<&str>| s.map_or(Value::Null, |s| Value::String(s.to_string()));
    let mut data = Map::new();
    data.insert("source".into(), Value::String(ev.source.to_string()));
    data.insert("kind".into(), Value::String(ev.kind.to_string()));
    data.insert("job_id".into(), Value::String(ev.job_id.to_string()));
    data.insert("name".into(), opt(ev.name));
    data.insert("old_status".into(), opt(ev.old_status));
    data.insert("new_status".into(), opt(ev.new_status));
    data.insert("old_state".into(), opt(ev.old_state));
    data.insert("new_state".into(), opt(ev.new_state));
    data.insert("observed_at".into(), Value::String(now.to_string()));
    let valid_raw = serde_json::from_str::<serde::de::IgnoredAny>(ev.raw).is_ok();
    if !valid_raw {
        // Never happens for adapter output; keep the text rather than send broken JSON.
        data.insert("job".into(), Value::String(ev.raw.to_string()));
    }
    let mut body = Map::new();
    body.insert("type".into(), Value::String(ev.ty.as_str().to_string()));
    body.insert("timestamp".into(), Value::String(now.to_string()));
    body.insert("data".into(), Value::Object(data));
    let text = Value::Object(body).to_string();
    if !valid_raw {
        return text;
    }
    // `text` ends with the `}}` closing `data` and the body.
    let head = &text[..text.len() - 2];
    format!("{head},\"job\":{}}}}}", ev.raw.trim())
}

/// A fresh Standard Webhooks message id (`msg_` + 32 hex digits).
pub fn new_webhook_id() -> String {
    format!("msg_{}", uuid::Uuid::new_v4().simple())
}

/// Writes the events for every endpoint that wants them, inside the caller's
/// transaction. Returns the rows written.
pub(crate) async fn insert_events(
    tx: &mut Tx,
    hooks: &[WebhookConfig],
    events: &[JobEvent<'_>],
    now: &str,
) -> Result<usize, StoreError> {
    struct Row<'h> {
        webhook_id: String,
        endpoint: &'h str,
        ty: &'static str,
        source: String,
        kind: String,
        job_id: String,
        state: Option<String>,
        body: Arc<str>,
    }
    if hooks.is_empty() || events.is_empty() {
        return Ok(0);
    }
    let mut rows: Vec<Row<'_>> = Vec::new();
    for ev in events {
        let filter_state = ev.filter_state();
        let wanted: Vec<&WebhookConfig> = hooks
            .iter()
            .filter(|h| h.wants(ev.ty, ev.source, filter_state))
            .collect();
        if wanted.is_empty() {
            continue;
        }
        let webhook_id = new_webhook_id();
        let body: Arc<str> = Arc::from(event_body(ev, now));
        let state = match ev.ty {
            EventType::Deleted => ev.old_state,
            _ => ev.new_state,
        };
        for h in wanted {
            rows.push(Row {
                webhook_id: webhook_id.clone(),
                endpoint: &h.name,
                ty: ev.ty.as_str(),
                source: ev.source.to_string(),
                kind: ev.kind.to_string(),
                job_id: ev.job_id.to_string(),
                state: state.map(str::to_string),
                body: body.clone(),
            });
        }
    }
    for chunk in rows.chunks(INSERT_CHUNK) {
        let mut q = Sql::new(
            "INSERT INTO webhook_events (webhook_id, endpoint, type, source, kind, job_id, state, body, \
             created_at, next_attempt_at) VALUES ",
        );
        for (i, r) in chunk.iter().enumerate() {
            q.push(if i == 0 { "(" } else { ", (" });
            q.bind_list([
                Arg::from(r.webhook_id.as_str()),
                Arg::from(r.endpoint),
                Arg::from(r.ty),
                Arg::from(r.source.as_str()),
                Arg::from(r.kind.as_str()),
                Arg::from(r.job_id.as_str()),
                Arg::from(r.state.as_deref()),
                Arg::from(&*r.body),
                Arg::from(now),
                Arg::from(now),
            ]);
            q.push(")");
        }
        tx.execute(q).await?;
    }
    Ok(rows.len())
}

/// Where an event stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventStatus {
    Pending,
    Delivered,
    Dead,
}

impl EventStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            EventStatus::Pending => "pending",
            EventStatus::Delivered => "delivered",
            EventStatus::Dead => "dead",
        }
    }
}

/// An event (one endpoint's copy) taken for delivery.
#[derive(Debug, Clone)]
pub struct OutboxEvent {
    /// Row id in `webhook_events`.
    pub id: i64,
    pub webhook_id: String,
    pub endpoint: String,
    pub event_type: String,
    pub source: String,
    pub job_id: String,
    pub body: String,
    /// Tries before this one.
    pub attempts: u32,
}

/// One delivery try, as recorded in `webhook_attempts`.
#[derive(Debug, Clone)]
pub struct AttemptRecord {
    pub attempted_at: String,
    pub http_status: Option<u16>,
    pub duration_ms: u64,
    /// Already truncated by the caller.
    pub response_body: Option<String>,
    /// Why it failed; None when delivered.
    pub error: Option<String>,
}

/// What an attempt leaves the event as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AttemptResolution {
    Delivered,
    /// Still pending; tried again at this time (contract time text).
    Retry {
        next_attempt_at: String,
    },
    Dead,
}

/// One line of `webhooks list`.
#[derive(Debug, Clone)]
pub struct EventSummary {
    pub id: i64,
    pub webhook_id: String,
    pub endpoint: String,
    pub event_type: String,
    pub source: String,
    pub job_id: String,
    pub state: Option<String>,
    pub status: String,
    pub attempts: i64,
    pub created_at: String,
    pub next_attempt_at: String,
    pub last_error: Option<String>,
}

/// Delivery counters of one endpoint, for `status`.
#[derive(Debug, Clone, Default)]
pub struct EndpointStats {
    pub endpoint: String,
    pub pending: i64,
    pub dead: i64,
    pub delivered: i64,
    /// The most recent failed try: its time and error.
    pub last_error: Option<(String, String)>,
}

/// What `requeue` found.
#[derive(Debug, Clone, Default)]
pub struct Requeued {
    /// Event rows put back in the queue (one per endpoint copy).
    pub rows: u64,
    /// Named webhook ids with no event.
    pub missing: Vec<String>,
}

/// Events of one endpoint that may be tried now: pending, due at `now`, and with
/// no earlier pending event of the same job on that endpoint (dead ones do not
/// hold back): the event is its job's first pending one.
///
/// Written as a correlated `ORDER BY id LIMIT 1` rather than `NOT EXISTS (...
/// p.id < e.id)`: PostgreSQL turns the latter into an anti-join, which on a
/// table without statistics (a fresh database, right after a first sync queued
/// thousands of events) it planned as a nested loop over every pending row of
/// the endpoint for every candidate, quadratic (1–3 s a claim at 2,000 pending
/// events); the form below is one look-up in the by-job index per candidate on
/// both backends.
fn eligible(q: &mut Sql, endpoint: &str, now: &str) {
    q.push(" FROM webhook_events e WHERE e.endpoint = ")
        .bind(endpoint)
        .push(" AND e.status = 'pending' AND e.next_attempt_at <= ")
        .bind(now)
        .push(
            " AND e.id = (SELECT p.id FROM webhook_events p \
             WHERE p.endpoint = e.endpoint AND p.source = e.source AND p.job_id = e.job_id \
             AND p.status = 'pending' ORDER BY p.id LIMIT 1)",
        );
}

fn outbox_event(r: &DbRow) -> Result<OutboxEvent, sqlx::Error> {
    Ok(OutboxEvent {
        id: r.get("id")?,
        webhook_id: r.get("webhook_id")?,
        endpoint: r.get("endpoint")?,
        event_type: r.get("type")?,
        source: r.get("source")?,
        job_id: r.get("job_id")?,
        body: r.get("body")?,
        attempts: u32::try_from(r.get::<i64, _>("attempts")?).unwrap_or(0),
    })
}

impl Store {
    /// Tells the store which endpoints exist: every event written from now on is
    /// fanned out to the endpoints whose filters match.
    pub fn set_webhooks(&self, hooks: Vec<WebhookConfig>) {
        let hooks: Arc<[WebhookConfig]> = Arc::from(hooks);
        match self.outbox.hooks.write() {
            Ok(mut g) => *g = hooks,
            Err(poisoned) => *poisoned.into_inner() = hooks,
        }
    }

    pub(crate) fn webhooks(&self) -> Arc<[WebhookConfig]> {
        match self.outbox.hooks.read() {
            Ok(g) => g.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// A receiver that changes whenever this process queues webhook events.
    pub fn outbox_signal(&self) -> watch::Receiver<u64> {
        self.outbox.signal.subscribe()
    }

    pub(crate) fn notify_outbox(&self) {
        self.outbox.signal.send_modify(|g| *g = g.wrapping_add(1));
    }

    /// Takes up to `limit` eligible events of `endpoint` (due at `now`, oldest
    /// first), leasing them until `lease_until` so no other pass tries them
    /// meanwhile; a crash mid-delivery leaves them due again when the lease ends.
    pub async fn claim_due_events(
        &self,
        endpoint: &str,
        now: &str,
        lease_until: &str,
        limit: usize,
    ) -> Result<Vec<OutboxEvent>, StoreError> {
        let mut q = Sql::new("UPDATE webhook_events SET next_attempt_at = ");
        q.bind(lease_until).push(" WHERE id IN (SELECT e.id");
        eligible(&mut q, endpoint, now);
        q.push(" ORDER BY e.next_attempt_at, e.id LIMIT ")
            .bind(limit as i64);
        if self.backend() == super::Backend::Postgres {
            // Replicas claiming at once skip each other's rows; a row claimed
            // meanwhile is re-checked (no longer due) once its lock is free.
            q.push(" FOR UPDATE OF e SKIP LOCKED");
        }
        q.push(") RETURNING id, webhook_id, endpoint, type, source, job_id, body, attempts");
        let rows = self.writer().fetch_all(q).await?;
        let mut events = rows
            .iter()
            .map(outbox_event)
            .collect::<Result<Vec<_>, sqlx::Error>>()?;
        events.sort_by_key(|e| e.id);
        Ok(events)
    }

    /// Gives a claimed event back untried (shutdown mid-delivery): due at `at`.
    pub async fn release_event(&self, event_id: i64, at: &str) -> Result<(), StoreError> {
        self.writer()
            .execute(Sql::with(
                "UPDATE webhook_events SET next_attempt_at = ? WHERE id = ? AND status = 'pending'",
                [Arg::from(at), Arg::from(event_id)],
            ))
            .await?;
        Ok(())
    }

    /// Records one try and its consequence for the event, in one transaction.
    pub async fn record_attempt(
        &self,
        event_id: i64,
        attempt: &AttemptRecord,
        resolution: &AttemptResolution,
    ) -> Result<(), StoreError> {
        self.record_attempts(&[(event_id, attempt.clone(), resolution.clone())])
            .await
    }

    /// Records several tries (event id, try, consequence) in one transaction:
    /// the dispatcher records a claimed batch at once, not one commit per event.
    pub async fn record_attempts(
        &self,
        tries: &[(i64, AttemptRecord, AttemptResolution)],
    ) -> Result<(), StoreError> {
        if tries.is_empty() {
            return Ok(());
        }
        let mut tx = self.writer().begin().await?;
        let unique = tries
            .iter()
            .map(|t| t.0)
            .collect::<std::collections::HashSet<_>>()
            .len()
            == tries.len();
        if unique {
            for chunk in tries.chunks(RECORD_CHUNK) {
                record_chunk(&mut tx, chunk).await?;
            }
        } else {
            // One event tried twice: its tries must apply one after the other.
            for (event_id, attempt, resolution) in tries {
                record_one(&mut tx, *event_id, attempt, resolution).await?;
            }
        }
        tx.commit().await?;
        Ok(())
    }

    /// When the next eligible event of `endpoint` is due (None: nothing pending
    /// that is not held back by an earlier event of its job).
    pub async fn next_due_at(&self, endpoint: &str) -> Result<Option<String>, StoreError> {
        let mut q = Sql::new("SELECT e.next_attempt_at");
        eligible(&mut q, endpoint, "9999-12-31T23:59:59.999Z");
        q.push(" ORDER BY e.next_attempt_at LIMIT 1");
        let row = self.writer().fetch_optional(q).await?;
        Ok(row.map(|r| r.get(0)).transpose()?)
    }

    /// Events in row order after `after_id`, at most `limit`, optionally of one status.
    pub async fn list_webhook_events(
        &self,
        status: Option<EventStatus>,
        after_id: i64,
        limit: usize,
    ) -> Result<Vec<EventSummary>, StoreError> {
        let mut q = Sql::new(
            "SELECT id, webhook_id, endpoint, type, source, job_id, state, status, attempts, \
             created_at, next_attempt_at, last_error FROM webhook_events WHERE id > ",
        );
        q.bind(after_id);
        if let Some(s) = status {
            q.push(" AND status = ").bind(s.as_str());
        }
        q.push(" ORDER BY id LIMIT ").bind(limit as i64);
        let rows = self.reader().fetch_all(q).await?;
        rows.iter()
            .map(|r| {
                Ok(EventSummary {
                    id: r.get("id")?,
                    webhook_id: r.get("webhook_id")?,
                    endpoint: r.get("endpoint")?,
                    event_type: r.get("type")?,
                    source: r.get("source")?,
                    job_id: r.get("job_id")?,
                    state: r.get("state")?,
                    status: r.get("status")?,
                    attempts: r.get("attempts")?,
                    created_at: r.get("created_at")?,
                    next_attempt_at: r.get("next_attempt_at")?,
                    last_error: r.get("last_error")?,
                })
            })
            .collect::<Result<_, sqlx::Error>>()
            .map_err(StoreError::from)
    }

    /// Puts the events with these webhook ids (every endpoint's copy, whatever
    /// their status) back in the queue, due now, with a fresh try count.
    pub async fn requeue_webhook_events(&self, ids: &[String]) -> Result<Requeued, StoreError> {
        let now = clock::now_text();
        let mut out = Requeued::default();
        let mut tx = self.writer().begin().await?;
        for id in ids {
            let done = tx
                .execute(Sql::with(
                    "UPDATE webhook_events SET status = 'pending', attempts = 0, next_attempt_at = ?, \
                     delivered_at = NULL WHERE webhook_id = ?",
                    [Arg::from(now.as_str()), Arg::from(id)],
                ))
                .await?;
            if done == 0 {
                out.missing.push(id.clone());
            }
            out.rows += done;
        }
        tx.commit().await?;
        if out.rows > 0 {
            self.notify_outbox();
        }
        Ok(out)
    }

    /// Puts every dead event back in the queue, due now, with a fresh try count.
    pub async fn requeue_dead_webhook_events(&self) -> Result<u64, StoreError> {
        let done = self
            .writer()
            .execute(Sql::with(
                "UPDATE webhook_events SET status = 'pending', attempts = 0, next_attempt_at = ? \
                 WHERE status = 'dead'",
                [Arg::from(clock::now_text())],
            ))
            .await?;
        if done > 0 {
            self.notify_outbox();
        }
        Ok(done)
    }

    /// Pending and dead event rows per source: `source → (pending, dead)`.
    pub async fn webhook_source_counts(
        &self,
    ) -> Result<std::collections::HashMap<String, (i64, i64)>, StoreError> {
        let rows = self
            .reader()
            .fetch_all(Sql::new(
                "SELECT source, status, COUNT(*) FROM webhook_events \
                 WHERE status IN ('pending', 'dead') GROUP BY source, status",
            ))
            .await?;
        let mut out = std::collections::HashMap::new();
        for r in rows {
            let (source, status, n): (String, String, i64) = (r.get(0)?, r.get(1)?, r.get(2)?);
            let e: &mut (i64, i64) = out.entry(source).or_default();
            if status == "pending" {
                e.0 = n;
            } else {
                e.1 = n;
            }
        }
        Ok(out)
    }

    /// Per endpoint (every endpoint with events, plus `known` ones without):
    /// pending, dead and delivered counts and the last failed try.
    pub async fn webhook_endpoint_stats(
        &self,
        known: &[String],
    ) -> Result<Vec<EndpointStats>, StoreError> {
        let rows = self
            .reader()
            .fetch_all(Sql::new(
                "SELECT endpoint, status, COUNT(*) AS n FROM webhook_events GROUP BY endpoint, status",
            ))
            .await?;
        let mut stats: std::collections::BTreeMap<String, EndpointStats> = known
            .iter()
            .map(|k| {
                (
                    k.clone(),
                    EndpointStats {
                        endpoint: k.clone(),
                        ..Default::default()
                    },
                )
            })
            .collect();
        for r in rows {
            let endpoint: String = r.get("endpoint")?;
            let status: String = r.get("status")?;
            let n: i64 = r.get("n")?;
            let e = stats
                .entry(endpoint.clone())
                .or_insert_with(|| EndpointStats {
                    endpoint,
                    ..Default::default()
                });
            match status.as_str() {
                "pending" => e.pending = n,
                "dead" => e.dead = n,
                _ => e.delivered = n,
            }
        }
        for e in stats.values_mut() {
            let row = self
                .reader()
                .fetch_optional(Sql::with(
                    "SELECT a.attempted_at, a.error FROM webhook_attempts a \
                     JOIN webhook_events e ON e.id = a.event_id \
                     WHERE e.endpoint = ? AND a.error IS NOT NULL ORDER BY a.id DESC LIMIT 1",
                    [Arg::from(e.endpoint.as_str())],
                ))
                .await?;
            e.last_error = row
                .map(|r| Ok::<_, sqlx::Error>((r.get(0)?, r.get(1)?)))
                .transpose()?;
        }
        Ok(stats.into_values().collect())
    }
}

/// One try and its consequence, inside the caller's transaction.
/// Tries recorded per pair of statements (6 bound parameters a row).
const RECORD_CHUNK: usize = 100;

/// What a try leaves the event as: (status, next due time, delivered at).
fn resolution_columns<'a>(
    attempt: &'a AttemptRecord,
    resolution: &'a AttemptResolution,
) -> (&'static str, Option<&'a str>, Option<&'a str>) {
    match resolution {
        AttemptResolution::Delivered => ("delivered", None, Some(attempt.attempted_at.as_str())),
        AttemptResolution::Retry { next_attempt_at } => {
            ("pending", Some(next_attempt_at.as_str()), None)
        }
        AttemptResolution::Dead => ("dead", None, None),
    }
}

fn attempt_args(event_id: i64, attempt: &AttemptRecord) -> [Arg; 6] {
    [
        Arg::from(event_id),
        Arg::from(attempt.attempted_at.as_str()),
        Arg::from(attempt.http_status.map(i64::from)),
        Arg::from(i64::try_from(attempt.duration_ms).unwrap_or(i64::MAX)),
        Arg::from(attempt.response_body.as_deref()),
        Arg::from(attempt.error.as_deref()),
    ]
}

/// Records tries of distinct events with two statements: one multi-row INSERT
/// of the attempts and one `UPDATE ... FROM (VALUES ...)` of the events (a
/// round trip per statement matters on PostgreSQL: 128 statements a batch of 64
/// before). The same columns change as in [`record_one`].
async fn record_chunk(
    tx: &mut Tx,
    tries: &[(i64, AttemptRecord, AttemptResolution)],
) -> Result<(), StoreError> {
    let mut q = Sql::new(
        "INSERT INTO webhook_attempts (event_id, attempted_at, http_status, duration_ms, response_body, error) \
         VALUES ",
    );
    for (i, (event_id, attempt, _)) in tries.iter().enumerate() {
        q.push(if i == 0 { "(" } else { ", (" });
        q.bind_list(attempt_args(*event_id, attempt));
        q.push(")");
    }
    tx.execute(q).await?;
    // VALUES columns are `column1`.. on both backends.
    let mut q = Sql::new(
        "UPDATE webhook_events SET status = v.column2, attempts = webhook_events.attempts + 1, \
         next_attempt_at = COALESCE(v.column3, webhook_events.next_attempt_at), \
         last_attempt_at = v.column4, last_error = COALESCE(v.column5, webhook_events.last_error), \
         delivered_at = COALESCE(v.column6, webhook_events.delivered_at) FROM (VALUES ",
    );
    for (i, (event_id, attempt, resolution)) in tries.iter().enumerate() {
        let (status, next, delivered_at) = resolution_columns(attempt, resolution);
        q.push(if i == 0 { "(" } else { ", (" });
        q.bind_list([
            Arg::from(*event_id),
            Arg::from(status),
            Arg::from(next),
            Arg::from(attempt.attempted_at.as_str()),
            Arg::from(attempt.error.as_deref()),
            Arg::from(delivered_at),
        ]);
        q.push(")");
    }
    q.push(") AS v WHERE webhook_events.id = v.column1");
    tx.execute(q).await?;
    Ok(())
}

async fn record_one(
    tx: &mut Tx,
    event_id: i64,
    attempt: &AttemptRecord,
    resolution: &AttemptResolution,
) -> Result<(), StoreError> {
    tx.execute(Sql::with(
        "INSERT INTO webhook_attempts (event_id, attempted_at, http_status, duration_ms, response_body, error) \
         VALUES (?, ?, ?, ?, ?, ?)",
        attempt_args(event_id, attempt),
    ))
    .await?;
    let (status, next, delivered_at) = resolution_columns(attempt, resolution);
    tx.execute(Sql::with(
        "UPDATE webhook_events SET status = ?, attempts = attempts + 1, \
         next_attempt_at = COALESCE(?, next_attempt_at), last_attempt_at = ?, \
         last_error = COALESCE(?, last_error), delivered_at = COALESCE(?, delivered_at) \
         WHERE id = ?",
        [
            Arg::from(status),
            Arg::from(next),
            Arg::from(attempt.attempted_at.as_str()),
            Arg::from(attempt.error.as_deref()),
            Arg::from(delivered_at),
            Arg::from(event_id),
        ],
    ))
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev<'a>(ty: EventType, raw: &'a str) -> JobEvent<'a> {
        JobEvent {
            ty,
            source: "pai",
            kind: "pai-dlc-jobs",
            job_id: "dlc1234",
            name: Some("tf-mnist"),
            old_status: Some("Running"),
            new_status: Some("Failed"),
            old_state: Some("running"),
            new_state: Some("failed"),
            raw,
        }
    }

    #[test]
    fn body_has_the_contract_shape_and_the_native_object_verbatim() {
        let raw = r#"{"JobId":"dlc1234","Status":"Failed","Big":12345678901234567890,"F":1.50}"#;
        let body = event_body(
            &ev(EventType::StatusChanged, raw),
            "2026-01-02T03:04:05.678Z",
        );
        assert_eq!(
            body,
            format!(
                "{{\"type\":\"job.status_changed\",\"timestamp\":\"2026-01-02T03:04:05.678Z\",\
                 \"data\":{{\"source\":\"pai\",\"kind\":\"pai-dlc-jobs\",\"job_id\":\"dlc1234\",\
                 \"name\":\"tf-mnist\",\"old_status\":\"Running\",\"new_status\":\"Failed\",\
                 \"old_state\":\"running\",\"new_state\":\"failed\",\
                 \"observed_at\":\"2026-01-02T03:04:05.678Z\",\"job\":{raw}}}}}"
            )
        );
        let v: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(v["data"]["job"]["JobId"], "dlc1234");
    }

    #[test]
    fn absent_side_is_null_and_broken_raw_stays_valid_json() {
        let mut e = ev(EventType::Created, "{not json");
        e.old_status = None;
        e.old_state = None;
        let v: Value = serde_json::from_str(&event_body(&e, "t")).unwrap();
        assert_eq!(v["type"], "job.created");
        assert!(v["data"]["old_status"].is_null() && v["data"]["old_state"].is_null());
        assert_eq!(v["data"]["job"], "{not json");
    }

    #[test]
    fn deletions_filter_on_the_last_known_state() {
        let mut e = ev(EventType::Deleted, "{}");
        e.new_state = None;
        e.old_state = Some("succeeded");
        assert_eq!(e.filter_state(), Some(State::Succeeded));
        assert_eq!(
            ev(EventType::StatusChanged, "{}").filter_state(),
            Some(State::Failed)
        );
    }
}
