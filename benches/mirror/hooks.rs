//! Webhook delivery to a loopback receiver: throughput (a backlog of queued
//! events delivered by the daemon's dispatcher loop) and change-to-delivery
//! latency (time from the page commit that observed a change, `observed_at` in
//! the event, to its arrival at the receiver, with the dispatcher running while
//! the cycle writes).

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use jobmirror::config::Config;
use jobmirror::store::Store;
use jobmirror::webhook::Dispatcher;
use tokio_util::sync::CancellationToken;

/// One delivery as received.
#[derive(Clone, Copy)]
pub struct Hit {
    pub at: Instant,
    /// Arrival minus the event's `observed_at`.
    pub latency: Option<Duration>,
}

#[derive(Clone, Default)]
pub struct Receiver {
    pub url: String,
    hits: Arc<Mutex<Vec<Hit>>>,
}

async fn receive(State(r): State<Receiver>, body: Bytes) -> StatusCode {
    let now = Utc::now();
    let latency = serde_json::from_slice::<serde_json::Value>(&body)
        .ok()
        .and_then(|v| v["data"]["observed_at"].as_str().map(str::to_string))
        .and_then(|t| DateTime::parse_from_rfc3339(&t).ok())
        .and_then(|t| (now - t.with_timezone(&Utc)).to_std().ok());
    r.hits.lock().expect("hits").push(Hit {
        at: Instant::now(),
        latency,
    });
    StatusCode::NO_CONTENT
}

impl Receiver {
    pub async fn start() -> Receiver {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr: SocketAddr = listener.local_addr().expect("addr");
        let r = Receiver {
            url: format!("http://{addr}/hook"),
            hits: Arc::default(),
        };
        let app = axum::Router::new().fallback(receive).with_state(r.clone());
        tokio::spawn(async move { axum::serve(listener, app).await.ok() });
        r
    }

    pub fn count(&self) -> usize {
        self.hits.lock().expect("hits").len()
    }

    /// The hits from index `from` on.
    pub fn hits_from(&self, from: usize) -> Vec<Hit> {
        self.hits.lock().expect("hits")[from..].to_vec()
    }

    /// Waits until `n` deliveries arrived in total (or `limit` passed).
    pub async fn wait_for(&self, n: usize, limit: Duration) -> bool {
        let started = Instant::now();
        while self.count() < n {
            if started.elapsed() > limit {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        true
    }
}

/// The daemon's delivery loop, running until stopped.
pub struct Running {
    cancel: CancellationToken,
    task: tokio::task::JoinHandle<()>,
}

pub fn start_dispatcher(store: &Store, config: &Config) -> Running {
    let hooks: Vec<_> = config.webhooks.values().cloned().collect();
    let d = Dispatcher::new(store.clone(), &hooks, &config.delivery).expect("dispatcher");
    let cancel = CancellationToken::new();
    let task = tokio::spawn(d.run(cancel.clone()));
    Running { cancel, task }
}

impl Running {
    pub async fn stop(self) {
        self.cancel.cancel();
        self.task.await.expect("dispatcher stopped");
    }
}

/// Deliveries per second of a backlog of `n` queued events: from the start of
/// the dispatcher to the `n`-th arrival.
pub async fn throughput(
    store: &Store,
    config: &Config,
    r: &Receiver,
    n: usize,
) -> (usize, Duration) {
    let base = r.count();
    let started = Instant::now();
    let d = start_dispatcher(store, config);
    let all = r.wait_for(base + n, Duration::from_secs(300)).await;
    let last = r.hits_from(base).last().map(|h| h.at).unwrap_or(started);
    d.stop().await;
    assert!(
        all,
        "only {} of {n} webhook events delivered",
        r.count() - base
    );
    (n, last.saturating_duration_since(started))
}

/// p50 and p99 of the latencies of the hits from `from` on.
pub fn latency_percentiles(r: &Receiver, from: usize) -> (Duration, Duration, usize) {
    let mut lat: Vec<Duration> = r.hits_from(from).iter().filter_map(|h| h.latency).collect();
    lat.sort();
    if lat.is_empty() {
        return (Duration::ZERO, Duration::ZERO, 0);
    }
    let at = |p: f64| lat[((lat.len() - 1) as f64 * p).round() as usize];
    (at(0.5), at(0.99), lat.len())
}
