//! The dispatcher drains the outbox. [`Dispatcher::deliver_due`] is one pass
//! (every event due at `now` is tried once; `sync` and tests call it);
//! [`Dispatcher::run`] is the daemon's loop: one task per endpoint, woken when
//! this process queues events, when the next retry falls due, or every few
//! seconds to see events another process queued.
//!
//! Rules: endpoints never wait for each other; per endpoint, events are claimed
//! in bounded batches (pending events stay in the database, not in memory) and a
//! batch holds at most one event per job, because an earlier pending event of a
//! job holds back the later ones (a dead one does not), so a job's events arrive
//! in order while different jobs are sent concurrently. When
//! [`CONCURRENCY`] tries in a row get no answer at all (refused, timed out), the
//! endpoint's pass stops and gives its untried events back (they stay due): a
//! dead receiver costs one round of timeouts per pass, not one per event, and
//! the daemon waits a schedule step before trying it again.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures::{StreamExt, TryStreamExt};
use tokio_util::sync::CancellationToken;
use tokio_util::task::TaskTracker;

use super::schedule::next_delay;
use super::send::{post, Answer, Endpoint};
use super::WebhookError;
use crate::clock;
use crate::config::{DeliveryConfig, WebhookConfig};
use crate::store::{AttemptRecord, AttemptResolution, OutboxEvent, Store};

/// Events claimed per endpoint at a time.
const BATCH: usize = 64;

/// A try's outcome and what to record of it (none for an event given back untried).
type Tried = (
    DeliveryOutcome,
    Option<(i64, AttemptRecord, AttemptResolution)>,
);
/// Requests in flight per endpoint (to different jobs).
const CONCURRENCY: usize = 8;
/// How long a claimed event is held against other passes beyond the timeout.
const LEASE_MARGIN: Duration = Duration::from_secs(5);
/// The daemon looks for events queued by other processes at least this often.
const IDLE_POLL: Duration = Duration::from_secs(2);
/// Pause after a store error before the next pass.
const ERROR_PAUSE: Duration = Duration::from_secs(5);
/// Bounds of the daemon's pause after an endpoint stopped answering.
const UNREACHABLE_PAUSE: (Duration, Duration) = (Duration::from_secs(1), Duration::from_secs(60));

/// Stops an endpoint's pass once it has not answered [`CONCURRENCY`] tries in a row.
struct Breaker {
    trip: CancellationToken,
    misses: AtomicUsize,
}

impl Breaker {
    fn note(&self, answered: bool) {
        if answered {
            self.misses.store(0, Ordering::SeqCst);
        } else if self.misses.fetch_add(1, Ordering::SeqCst) + 1 >= CONCURRENCY {
            self.trip.cancel();
        }
    }
}

/// What a delivery pass did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct DeliveryOutcome {
    /// Tries made.
    pub attempted: usize,
    /// Tries answered 2xx.
    pub delivered: usize,
    /// Failed tries that will be retried.
    pub failed: usize,
    /// Failed tries that used up the schedule: the event is dead.
    pub dead: usize,
    /// Claimed events given back untried (the pass was cancelled, or the
    /// endpoint stopped answering); they stay due.
    pub released: usize,
    /// Endpoints whose pass stopped early because they did not answer.
    pub unreachable: usize,
}

impl std::ops::AddAssign for DeliveryOutcome {
    fn add_assign(&mut self, o: DeliveryOutcome) {
        self.attempted += o.attempted;
        self.delivered += o.delivered;
        self.failed += o.failed;
        self.dead += o.dead;
        self.released += o.released;
        self.unreachable += o.unreachable;
    }
}

/// The answer to `webhooks test NAME`.
#[derive(Debug, Clone)]
pub struct TestDelivery {
    pub webhook_id: String,
    pub body: String,
    pub answer: Answer,
}

struct Inner {
    store: Store,
    endpoints: Vec<Endpoint>,
    http: reqwest::Client,
    schedule: Vec<Duration>,
    timeout: Duration,
}

/// Delivers outbox events to the configured endpoints.
#[derive(Clone)]
pub struct Dispatcher {
    inner: Arc<Inner>,
}

impl Dispatcher {
    /// A dispatcher for `hooks`, with `[delivery]`'s schedule and timeout.
    pub fn new(
        store: Store,
        hooks: &[WebhookConfig],
        delivery: &DeliveryConfig,
    ) -> Result<Dispatcher, WebhookError> {
        let endpoints = hooks
            .iter()
            .map(Endpoint::new)
            .collect::<Result<Vec<_>, _>>()?;
        let http = reqwest::Client::builder()
            .timeout(delivery.timeout)
            .connect_timeout(delivery.timeout.min(Duration::from_secs(10)))
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(crate::collect::user_agent())
            .build()
            .map_err(|e| WebhookError::Client(e.to_string()))?;
        Ok(Dispatcher {
            inner: Arc::new(Inner {
                store,
                endpoints,
                http,
                schedule: delivery.retry_schedule.clone(),
                timeout: delivery.timeout,
            }),
        })
    }

    /// The names of the endpoints, in configuration order.
    pub fn endpoint_names(&self) -> Vec<String> {
        self.inner
            .endpoints
            .iter()
            .map(|e| e.name.clone())
            .collect()
    }

    /// One pass over every endpoint, concurrently: each event due at `now` (and
    /// not held back by an earlier pending event of its job) is tried once, and
    /// events that become eligible during the pass are tried too. Never sleeps
    /// through a backoff.
    pub async fn deliver_due(&self, now: DateTime<Utc>) -> Result<DeliveryOutcome, WebhookError> {
        self.deliver_due_until(now, &CancellationToken::new()).await
    }

    /// As [`Dispatcher::deliver_due`], giving claimed events back untried when
    /// `cancel` fires.
    pub async fn deliver_due_until(
        &self,
        now: DateTime<Utc>,
        cancel: &CancellationToken,
    ) -> Result<DeliveryOutcome, WebhookError> {
        let passes = (0..self.inner.endpoints.len()).map(|i| self.endpoint_pass(i, now, cancel));
        let mut total = DeliveryOutcome::default();
        let mut first_error = None;
        for r in futures::future::join_all(passes).await {
            match r {
                Ok(o) => total += o,
                Err(e) => {
                    first_error.get_or_insert(e);
                }
            }
        }
        match first_error {
            Some(e) => Err(e),
            None => Ok(total),
        }
    }

    /// One pass over one endpoint.
    async fn endpoint_pass(
        &self,
        index: usize,
        now: DateTime<Utc>,
        cancel: &CancellationToken,
    ) -> Result<DeliveryOutcome, WebhookError> {
        let inner = &self.inner;
        let ep = &inner.endpoints[index];
        let now_text = clock::format(now);
        let mut total = DeliveryOutcome::default();
        let breaker = Breaker {
            trip: cancel.child_token(),
            misses: AtomicUsize::new(0),
        };
        while !breaker.trip.is_cancelled() {
            // Leased events are due after `now`, so this pass never claims them twice.
            let lease = clock::format(
                now.max(Utc::now()) + chrono_dur(inner.timeout) + chrono_dur(LEASE_MARGIN),
            );
            let batch = inner
                .store
                .claim_due_events(&ep.name, &now_text, &lease, BATCH)
                .await?;
            if batch.is_empty() {
                break;
            }
            let tried: Vec<Tried> = futures::stream::iter(batch)
                .map(|ev| self.attempt(ep, ev, now, &breaker))
                .buffer_unordered(CONCURRENCY)
                .try_collect()
                .await?;
            // The batch's tries are recorded in one transaction (a crash before
            // it only repeats deliveries, which receivers deduplicate).
            let mut records = Vec::with_capacity(tried.len());
            for (outcome, record) in tried {
                total += outcome;
                records.extend(record);
            }
            inner.store.record_attempts(&records).await?;
        }
        if breaker.trip.is_cancelled() && !cancel.is_cancelled() {
            tracing::warn!(endpoint = %ep.name, tries = CONCURRENCY,
                "endpoint does not answer; its other due events wait for the next pass");
            total.unreachable = 1;
        }
        Ok(total)
    }

    /// Tries one claimed event; returns the try for the caller to record.
    async fn attempt(
        &self,
        ep: &Endpoint,
        ev: OutboxEvent,
        pass_now: DateTime<Utc>,
        breaker: &Breaker,
    ) -> Result<Tried, WebhookError> {
        let inner = &self.inner;
        let started = Utc::now();
        let answer = tokio::select! {
            biased;
            _ = breaker.trip.cancelled() => {
                inner.store.release_event(ev.id, &clock::format(pass_now)).await?;
                return Ok((DeliveryOutcome { released: 1, ..Default::default() }, None));
            }
            a = post(&inner.http, ep, &ev.webhook_id, &ev.body, inner.timeout) => a,
        };
        breaker.note(answer.status.is_some());
        crate::metrics::global().delivery(&ep.name, answer.is_success());
        let finished = Utc::now();
        let record = AttemptRecord {
            attempted_at: clock::format(started),
            http_status: answer.status,
            duration_ms: u64::try_from(answer.duration.as_millis()).unwrap_or(u64::MAX),
            response_body: answer.body.clone(),
            error: answer.error.clone(),
        };
        let tries = ev.attempts.saturating_add(1);
        let mut outcome = DeliveryOutcome {
            attempted: 1,
            ..Default::default()
        };
        let resolution = if answer.is_success() {
            outcome.delivered = 1;
            tracing::debug!(endpoint = %ep.name, webhook_id = %ev.webhook_id, r#type = %ev.event_type,
                source = %ev.source, job = %ev.job_id, "webhook delivered");
            AttemptResolution::Delivered
        } else {
            let error = answer.error.as_deref().unwrap_or("failed");
            match next_delay(tries, &inner.schedule, answer.retry_after, rand::random()) {
                Some(delay) => {
                    outcome.failed = 1;
                    // Strictly after the pass's `now`, so one pass tries an event once.
                    let next = (finished + chrono_dur(delay))
                        .max(pass_now + chrono::Duration::milliseconds(1));
                    tracing::warn!(endpoint = %ep.name, webhook_id = %ev.webhook_id, attempt = tries,
                        error, retry_in_ms = delay.as_millis() as u64, "webhook delivery failed");
                    AttemptResolution::Retry {
                        next_attempt_at: clock::format(next),
                    }
                }
                None => {
                    outcome.dead = 1;
                    tracing::error!(endpoint = %ep.name, webhook_id = %ev.webhook_id, attempts = tries,
                        error, "webhook event dead: retry schedule used up");
                    AttemptResolution::Dead
                }
            }
        };
        Ok((outcome, Some((ev.id, record, resolution))))
    }

    /// The daemon's delivery loop: one task per endpoint until `cancel` fires;
    /// returns when every task has stopped (in-flight events are given back).
    pub async fn run(self, cancel: CancellationToken) {
        let tracker = TaskTracker::new();
        for index in 0..self.inner.endpoints.len() {
            let me = self.clone();
            let cancel = cancel.clone();
            tracker.spawn(async move { me.endpoint_loop(index, cancel).await });
        }
        tracker.close();
        tracker.wait().await;
    }

    async fn endpoint_loop(&self, index: usize, cancel: CancellationToken) {
        let name = self.inner.endpoints[index].name.clone();
        let store = &self.inner.store;
        let mut signal = store.outbox_signal();
        tracing::info!(endpoint = %name, "webhook delivery started");
        while !cancel.is_cancelled() {
            signal.borrow_and_update();
            let mut pause = None;
            match self.endpoint_pass(index, Utc::now(), &cancel).await {
                Ok(o) => {
                    if o.attempted > 0 {
                        tracing::info!(endpoint = %name, delivered = o.delivered,
                            failed = o.failed, dead = o.dead, "webhook pass");
                    }
                    if o.unreachable > 0 {
                        let first = self.inner.schedule.first().copied().unwrap_or_default();
                        pause = Some(first.clamp(UNREACHABLE_PAUSE.0, UNREACHABLE_PAUSE.1));
                    }
                }
                Err(e) => {
                    tracing::error!(endpoint = %name, error = %e, "webhook pass failed");
                    pause = Some(ERROR_PAUSE);
                }
            }
            let wait = match pause {
                Some(p) => p,
                None => match store.next_due_at(&name).await {
                    Ok(Some(t)) => clock::parse(&t)
                        .map(|t| (t - Utc::now()).to_std().unwrap_or(Duration::ZERO))
                        .unwrap_or(IDLE_POLL)
                        .min(IDLE_POLL),
                    Ok(None) => IDLE_POLL,
                    Err(e) => {
                        tracing::error!(endpoint = %name, error = %e, "cannot read the outbox");
                        ERROR_PAUSE
                    }
                },
            };
            if wait.is_zero() {
                continue;
            }
            if pause.is_some() {
                // Trouble: new events do not cut the pause short.
                tokio::select! {
                    _ = tokio::time::sleep(wait) => {}
                    _ = cancel.cancelled() => {}
                }
                continue;
            }
            tokio::select! {
                _ = tokio::time::sleep(wait) => {}
                r = signal.changed() => {
                    if r.is_err() {
                        tokio::select! {
                            _ = tokio::time::sleep(wait) => {}
                            _ = cancel.cancelled() => {}
                        }
                    }
                }
                _ = cancel.cancelled() => {}
            }
        }
        tracing::info!(endpoint = %name, "webhook delivery stopped");
    }

    /// Sends a signed `test` event (fresh `webhook-id`, not stored) to the
    /// endpoint named `name` and returns its answer.
    pub async fn send_test(&self, name: &str) -> Result<TestDelivery, WebhookError> {
        let inner = &self.inner;
        let ep = inner
            .endpoints
            .iter()
            .find(|e| e.name == name)
            .ok_or_else(|| WebhookError::UnknownEndpoint {
                name: name.to_string(),
                known: self.endpoint_names().join(", "),
            })?;
        let webhook_id = crate::store::new_webhook_id();
        let now = clock::now_text();
        let body = serde_json::json!({
            "type": "test",
            "timestamp": now,
            "data": {
                "endpoint": name,
                "message": "jobmirror test event: your endpoint receives and can verify jobmirror webhooks"
            }
        })
        .to_string();
        let answer = post(&inner.http, ep, &webhook_id, &body, inner.timeout).await;
        Ok(TestDelivery {
            webhook_id,
            body,
            answer,
        })
    }
}

fn chrono_dur(d: Duration) -> chrono::Duration {
    chrono::Duration::from_std(d).unwrap_or(chrono::Duration::days(365))
}
