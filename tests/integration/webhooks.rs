//! Webhooks end to end against a real loopback receiver (axum on 127.0.0.1:0)
//! that checks every Standard Webhooks signature: changes are written through
//! the store exactly as the collector writes them (`Store::apply_page`,
//! `mark_unseen_deleted`), then delivered by the dispatcher's step, its daemon
//! loop, or the `jobmirror` binary.
//!
//! Retry schedules are a few hundred milliseconds; tests poll with a deadline
//! instead of sleeping fixed times. The `#[ignore]`d `bench_*` test measures
//! throughput and change-to-delivery latency (see docs/webhooks.md).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::State as AxState;
use axum::http::{HeaderMap, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use chrono::Utc;
use hmac::{Hmac, Mac};
use jobmirror::config::{Config, WebhookConfig};
use jobmirror::providers::modelarts_training_jobs::{parse_list, TABLE};
use jobmirror::providers::RawResponse;
use jobmirror::store::{PageContext, Record, Store};
use jobmirror::webhook::Dispatcher;
use serde_json::Value;
use sha2::Sha256;
use tokio_util::sync::CancellationToken;

pub(crate) const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
/// Used only while rotating: jobmirror signs with both.
const OLD_SECRET: &str = "whsec_c2Vjb25kLXNlY3JldC1mb3ItdGVzdHM=";

// ---------------------------------------------------------------- receiver

/// What the receiver answers to one request.
#[derive(Clone, Copy, Debug)]
enum Reply {
    Status(u16),
    /// Status with `Retry-After: <secs>`.
    RetryAfter(u16, u64),
    /// Never answers (the sender's timeout ends it).
    Hang,
}

/// One request the receiver got.
#[derive(Clone, Debug)]
pub(crate) struct Hit {
    path: String,
    pub(crate) webhook_id: String,
    timestamp: i64,
    /// Every signature problem found (empty: valid).
    signature_problem: Option<String>,
    content_type: String,
    user_agent: String,
    pub(crate) body: Value,
    pub(crate) at: Instant,
    reply: u16,
}

impl Hit {
    pub(crate) fn job(&self) -> &str {
        self.body["data"]["job_id"].as_str().unwrap_or("")
    }
    fn new_status(&self) -> &str {
        self.body["data"]["new_status"].as_str().unwrap_or("")
    }
    fn ok(&self) -> bool {
        (200..300).contains(&self.reply)
    }
}

type Policy = Box<dyn FnMut(&Hit, usize) -> Reply + Send>;

struct RecvState {
    hits: Mutex<Vec<Hit>>,
    policy: Mutex<Policy>,
}

#[derive(Clone)]
pub(crate) struct Receiver {
    pub(crate) base: String,
    state: Arc<RecvState>,
}

impl Receiver {
    /// Starts a receiver answering 204 to everything.
    pub(crate) async fn start() -> Receiver {
        Self::with_policy(|_, _| Reply::Status(204)).await
    }

    /// Starts a receiver whose answer to the n-th request (0-based) is `policy(hit, n)`.
    async fn with_policy(policy: impl FnMut(&Hit, usize) -> Reply + Send + 'static) -> Receiver {
        let state = Arc::new(RecvState {
            hits: Mutex::new(Vec::new()),
            policy: Mutex::new(Box::new(policy)),
        });
        let app = axum::Router::new()
            .fallback(handle)
            .with_state(state.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr: SocketAddr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            axum::serve(listener, app).await.ok();
        });
        Receiver {
            base: format!("http://{addr}"),
            state,
        }
    }

    fn set_policy(&self, policy: impl FnMut(&Hit, usize) -> Reply + Send + 'static) {
        *self.state.policy.lock().unwrap() = Box::new(policy);
    }

    fn hits(&self) -> Vec<Hit> {
        self.state.hits.lock().unwrap().clone()
    }

    pub(crate) fn ok_hits(&self) -> Vec<Hit> {
        self.hits().into_iter().filter(|h| h.ok()).collect()
    }

    fn ok_hits_at(&self, path: &str) -> Vec<Hit> {
        self.ok_hits()
            .into_iter()
            .filter(|h| h.path == path)
            .collect()
    }

    /// Asserts that every request carried valid headers and signatures.
    pub(crate) fn assert_all_signed(&self) {
        for h in self.hits() {
            assert_eq!(h.signature_problem, None, "{h:?}");
            assert_eq!(h.content_type, "application/json");
            assert!(h.user_agent.starts_with("jobmirror/"), "{}", h.user_agent);
            assert!(h.webhook_id.starts_with("msg_"));
            assert!((Utc::now().timestamp() - h.timestamp).abs() < 120);
        }
    }
}

async fn handle(
    AxState(state): AxState<Arc<RecvState>>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let h = |k: &str| {
        headers
            .get(k)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string()
    };
    let webhook_id = h("webhook-id");
    let ts_text = h("webhook-timestamp");
    let timestamp: i64 = ts_text.parse().unwrap_or(0);
    let signature_problem = verify(&h("webhook-signature"), &webhook_id, &ts_text, &body);
    let mut hit = Hit {
        path: uri.path().to_string(),
        webhook_id,
        timestamp,
        signature_problem,
        content_type: h("content-type"),
        user_agent: h("user-agent"),
        body: serde_json::from_slice(&body).unwrap_or(Value::Null),
        at: Instant::now(),
        reply: 0,
    };
    let reply = {
        let n = state.hits.lock().unwrap().len();
        (state.policy.lock().unwrap())(&hit, n)
    };
    hit.reply = match reply {
        Reply::Status(s) | Reply::RetryAfter(s, _) => s,
        Reply::Hang => 0,
    };
    state.hits.lock().unwrap().push(hit);
    match reply {
        Reply::Status(s) => {
            let code = StatusCode::from_u16(s).unwrap();
            // A long answer, to check it is truncated before it is stored.
            (code, "x".repeat(if s >= 300 { 5000 } else { 2 })).into_response()
        }
        Reply::RetryAfter(s, secs) => (
            StatusCode::from_u16(s).unwrap(),
            [("retry-after", secs.to_string())],
            "slow down",
        )
            .into_response(),
        Reply::Hang => {
            std::future::pending::<()>().await;
            StatusCode::OK.into_response()
        }
    }
}

/// Checks a `webhook-signature` header the way a receiver would, independently of
/// jobmirror's code: every `v1,` value must be a valid signature by one of the
/// secrets, and the current secret's must be there.
fn verify(header: &str, id: &str, ts: &str, body: &[u8]) -> Option<String> {
    let expected = |secret: &str| {
        let key = STANDARD
            .decode(secret.trim_start_matches("whsec_"))
            .unwrap();
        let mut mac = Hmac::<Sha256>::new_from_slice(&key).unwrap();
        mac.update(format!("{id}.{ts}.").as_bytes());
        mac.update(body);
        format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()))
    };
    let current = expected(SECRET);
    let old = expected(OLD_SECRET);
    let parts: Vec<&str> = header.split(' ').collect();
    if !parts.contains(&current.as_str()) {
        return Some(format!("no valid signature in {header:?}"));
    }
    if let Some(bad) = parts.iter().find(|p| **p != current && **p != old) {
        return Some(format!("unexpected signature {bad:?}"));
    }
    None
}

// ---------------------------------------------------------------- setup

/// ModelArts jobs `(id, status code)`: 7 waiting (pending), 8 running,
/// 9 killing (running), 10 completed (succeeded), 11 failed.
fn records(jobs: &[(i64, i64)]) -> Vec<Record> {
    let items: Vec<String> = jobs
        .iter()
        .map(|(id, status)| {
            format!(
                r#"{{"job_id": {id}, "job_name": "job-{id}", "version_id": 1, "status": {status},
                    "create_time": {ct}, "duration": 1500, "job_desc": "d", "version_count": 1}}"#,
                ct = 1_767_323_045_000 + id
            )
        })
        .collect();
    let body = format!(
        r#"{{"is_success": true, "job_total_count": {}, "jobs": [{}]}}"#,
        jobs.len(),
        items.join(",")
    );
    parse_list(&RawResponse {
        status: 200,
        headers: Default::default(),
        body: body.into(),
    })
    .unwrap()
    .records
}

/// A test world: a database (see `harness::Scratch`), a config file naming it, the receiver.
struct World {
    dir: crate::harness::Scratch,
    config: Config,
    config_path: PathBuf,
    store: Store,
    run_id: i64,
}

/// `hooks` is the `[webhooks.*]` TOML with `{base}` standing for the receiver's URL.
async fn world(receiver: Receiver, hooks: &str, schedule: &str, timeout: &str) -> World {
    world_with(receiver, hooks, schedule, timeout, true).await
}

async fn world_with(
    receiver: Receiver,
    hooks: &str,
    schedule: &str,
    timeout: &str,
    with_sources: bool,
) -> World {
    let dir = crate::harness::Scratch::new();
    let sources = if with_sources {
        r#"
[sources.ma]
kind = "modelarts-training-jobs"
endpoint = "http://127.0.0.1:9"
project_id = "p1"
token = "t"

[sources.mb]
kind = "modelarts-training-jobs"
endpoint = "http://127.0.0.1:9"
project_id = "p2"
token = "t"
"#
    } else {
        ""
    };
    let text = format!(
        r#"
[database]
url = "{db}"

[http]
listen = "127.0.0.1:0"

[delivery]
retry_schedule = {schedule}
timeout = "{timeout}"
{sources}
{hooks}
"#,
        db = dir.db_url(),
        hooks = hooks.replace("{base}", &receiver.base),
    );
    let config_path = dir.dir.path().join("config.toml");
    std::fs::write(&config_path, &text).unwrap();
    let config = Config::from_toml(&text).unwrap();
    let store = Store::open(&config.database.url).await.unwrap();
    store.set_webhooks(hooks_of(&config));
    World {
        dir,
        config,
        config_path,
        store,
        run_id: 0,
    }
}

fn hooks_of(config: &Config) -> Vec<WebhookConfig> {
    config.webhooks.values().cloned().collect()
}

pub(crate) fn hook(name: &str, extra: &str) -> String {
    format!("[webhooks.{name}]\nurl = \"{{base}}/{name}\"\nsecret = [\"{SECRET}\", \"{OLD_SECRET}\"]\n{extra}\n")
}

impl World {
    /// Applies one page of `source` as a cycle would (the first call per source is
    /// its initial mirror when `announce_new` is false).
    async fn page(&mut self, source: &str, jobs: &[(i64, i64)], announce_new: bool) -> usize {
        self.run_id += 1;
        let ctx = PageContext {
            source,
            spec: &TABLE,
            run_id: self.run_id,
            announce_new,
        };
        self.store
            .apply_page(&ctx, records(jobs), None)
            .await
            .unwrap()
            .events
    }

    fn dispatcher(&self) -> Dispatcher {
        Dispatcher::new(
            self.store.clone(),
            &hooks_of(&self.config),
            &self.config.delivery,
        )
        .unwrap()
    }

    /// Reads one integer from the mirror through a separate connection (the
    /// store keeps its pools to itself).
    async fn scalar(&self, sql: &str) -> i64 {
        let pool = crate::harness::pool(&self.config.database.url).await;
        let v: i64 = sqlx::query_scalar(sql).fetch_one(&pool).await.unwrap();
        pool.close().await;
        v
    }

    fn cli(&self, args: &[&str]) -> (bool, String, String) {
        cli(&self.config_path, args)
    }
}

fn cli(config: &Path, args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_jobmirror"))
        .arg("--config")
        .arg(config)
        .args(args)
        .env_remove("JOBMIRROR_CONFIG")
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Polls `cond` every 10 ms until it holds or `limit` passes (then panics with `what`).
async fn wait_for(limit: Duration, what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + limit;
    while !cond() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

/// Runs the daemon's delivery loop until the returned token is cancelled.
fn spawn_daemon(w: &World) -> (CancellationToken, tokio::task::JoinHandle<()>) {
    let cancel = CancellationToken::new();
    let task = tokio::spawn(w.dispatcher().run(cancel.clone()));
    (cancel, task)
}

// ---------------------------------------------------------------- tests

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_signed_delivery_per_change_with_its_data_and_none_for_history() {
    let r = Receiver::start().await;
    let mut w = world(r.clone(), &hook("ops", ""), r#"["100ms"]"#, "5s").await;
    let d = w.dispatcher();

    // The initial mirror: history, no events.
    assert_eq!(w.page("ma", &[(1, 8), (2, 8), (3, 10)], false).await, 0);
    assert_eq!(d.deliver_due(Utc::now()).await.unwrap().attempted, 0);

    // Two changes and an unchanged job.
    assert_eq!(w.page("ma", &[(1, 10), (2, 11), (3, 10)], true).await, 2);
    let out = d.deliver_due(Utc::now()).await.unwrap();
    assert_eq!((out.attempted, out.delivered), (2, 2));
    r.assert_all_signed();
    let hits = r.ok_hits();
    assert_eq!(hits.len(), 2);
    let by_job = |j: &str| hits.iter().find(|h| h.job() == j).unwrap().clone();
    let h1 = by_job("1");
    assert_eq!(h1.body["type"], "job.status_changed");
    let data = &h1.body["data"];
    assert_eq!(data["source"], "ma");
    assert_eq!(data["kind"], "modelarts-training-jobs");
    assert_eq!(data["name"], "job-1");
    assert_eq!(
        (data["old_status"].as_str(), data["new_status"].as_str()),
        (Some("8"), Some("10"))
    );
    assert_eq!(
        (data["old_state"].as_str(), data["new_state"].as_str()),
        (Some("running"), Some("succeeded"))
    );
    assert_eq!(data["job"]["job_id"], 1);
    assert_eq!(data["job"]["status"], 10);
    assert_eq!(h1.body["timestamp"], data["observed_at"]);
    assert_eq!(by_job("2").body["data"]["new_state"], "failed");

    // The webhook-id on the wire is the stored one, and nothing is left to do.
    let listed = w.store.list_webhook_events(None, 0, 100).await.unwrap();
    assert_eq!(listed.len(), 2);
    for e in &listed {
        assert_eq!(e.status, "delivered");
        assert!(hits.iter().any(|h| h.webhook_id == e.webhook_id));
    }
    assert_eq!(d.deliver_due(Utc::now()).await.unwrap().attempted, 0);
    assert_eq!(w.page("ma", &[(1, 10), (2, 11), (3, 10)], true).await, 0);
    assert_eq!(
        w.scalar("SELECT COUNT(*) FROM webhook_attempts WHERE http_status = 204 AND error IS NULL")
            .await,
        2
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_of_a_job_arrive_in_order_while_other_jobs_go_ahead() {
    // The first try of job 1's first event fails twice; its later events wait.
    let r = Receiver::start().await;
    let tries = Arc::new(Mutex::new(0usize));
    let t = tries.clone();
    r.set_policy(move |h, _| {
        if h.job() == "1" && h.new_status() == "8" {
            let mut n = t.lock().unwrap();
            *n += 1;
            if *n <= 2 {
                return Reply::Status(500);
            }
        }
        Reply::Status(204)
    });
    let mut w = world(
        r.clone(),
        &hook("ops", ""),
        r#"["100ms", "100ms", "100ms"]"#,
        "5s",
    )
    .await;
    w.page("ma", &[(1, 7), (2, 7)], false).await;
    let (cancel, task) = spawn_daemon(&w);
    w.page("ma", &[(1, 8), (2, 8)], true).await;
    w.page("ma", &[(1, 9)], true).await;
    w.page("ma", &[(1, 10), (2, 10)], true).await;
    wait_for(Duration::from_secs(60), "5 deliveries", || {
        r.ok_hits().len() == 5
    })
    .await;
    cancel.cancel();
    task.await.unwrap();
    r.assert_all_signed();

    let hits = r.hits();
    let job1: Vec<(&str, u16)> = hits
        .iter()
        .filter(|h| h.job() == "1")
        .map(|h| (h.new_status(), h.reply))
        .collect();
    assert_eq!(
        job1,
        [("8", 500), ("8", 500), ("8", 204), ("9", 204), ("10", 204)],
        "no later event of job 1 was even tried before its first one got through"
    );
    let job2: Vec<&str> = hits
        .iter()
        .filter(|h| h.job() == "2")
        .map(|h| h.new_status())
        .collect();
    assert_eq!(job2, ["8", "10"]);
    let first_ok_of_job1 = hits.iter().position(|h| h.job() == "1" && h.ok()).unwrap();
    let first_of_job2 = hits.iter().position(|h| h.job() == "2").unwrap();
    assert!(
        first_of_job2 < first_ok_of_job1,
        "job 2 did not wait for job 1's retries"
    );
    assert_eq!(*tries.lock().unwrap(), 3);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_receiver_heals_and_every_event_arrives_with_its_webhook_id() {
    // The first 7 requests fail (whatever event they carry), then all succeed.
    let r = Receiver::with_policy(|_, n| {
        if n < 7 {
            Reply::Status(500)
        } else {
            Reply::Status(200)
        }
    })
    .await;
    let mut w = world(
        r.clone(),
        &hook("ops", ""),
        r#"["100ms", "150ms", "200ms", "250ms", "300ms", "400ms", "500ms", "1s"]"#,
        "5s",
    )
    .await;
    w.page("ma", &[(1, 8), (2, 8), (3, 8), (4, 8), (5, 8)], false)
        .await;
    let (cancel, task) = spawn_daemon(&w);
    w.page("ma", &[(1, 10), (2, 10), (3, 11), (4, 12), (5, 10)], true)
        .await;
    wait_for(Duration::from_secs(60), "5 deliveries", || {
        r.ok_hits().len() == 5
    })
    .await;
    cancel.cancel();
    task.await.unwrap();
    r.assert_all_signed();

    let hits = r.hits();
    let ok = r.ok_hits();
    let mut ids: Vec<&str> = ok.iter().map(|h| h.webhook_id.as_str()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 5, "each event delivered exactly once");
    for h in hits.iter().filter(|h| !h.ok()) {
        let success = ok.iter().find(|o| o.webhook_id == h.webhook_id);
        let success = success.expect("a failed event was later delivered");
        assert_eq!(success.body, h.body, "a retry resends the same body");
    }
    assert_eq!(hits.len(), 12);
    assert_eq!(
        w.scalar("SELECT COUNT(*) FROM webhook_attempts").await,
        12,
        "every try is recorded"
    );
    assert_eq!(
        w.scalar(
            "SELECT COUNT(*) FROM webhook_attempts WHERE http_status = 500 AND error = 'HTTP 500 Internal Server Error' AND length(response_body) = 1024"
        )
        .await,
        7,
        "failed tries keep the status, error and a truncated body"
    );
    assert_eq!(
        w.scalar("SELECT COUNT(*) FROM webhook_events WHERE status = 'delivered' AND delivered_at IS NOT NULL")
            .await,
        5
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retry_after_on_429_and_503_is_respected() {
    let r = Receiver::start().await;
    let seen = Arc::new(Mutex::new(std::collections::HashSet::<String>::new()));
    let s = seen.clone();
    r.set_policy(move |h, _| {
        let first = s.lock().unwrap().insert(h.webhook_id.clone());
        match (first, h.job()) {
            (true, "1") => Reply::RetryAfter(429, 1),
            (true, "2") => Reply::RetryAfter(503, 1),
            _ => Reply::Status(204),
        }
    });
    // The schedule alone would retry after 50 ms.
    let mut w = world(r.clone(), &hook("ops", ""), r#"["50ms", "50ms"]"#, "5s").await;
    w.page("ma", &[(1, 8), (2, 8)], false).await;
    let (cancel, task) = spawn_daemon(&w);
    w.page("ma", &[(1, 10), (2, 10)], true).await;
    wait_for(Duration::from_secs(60), "2 deliveries", || {
        r.ok_hits().len() == 2
    })
    .await;
    cancel.cancel();
    task.await.unwrap();
    r.assert_all_signed();
    let hits = r.hits();
    assert_eq!(hits.len(), 4);
    for job in ["1", "2"] {
        let tries: Vec<&Hit> = hits.iter().filter(|h| h.job() == job).collect();
        let gap = tries[1].at - tries[0].at;
        assert!(
            gap >= Duration::from_secs(1),
            "job {job}: retried after {gap:?}, before Retry-After"
        );
        assert_eq!(tries[0].webhook_id, tries[1].webhook_id);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn events_survive_a_restart() {
    let r = Receiver::start().await;
    let mut w = world(r.clone(), &hook("ops", ""), r#"["100ms"]"#, "5s").await;
    w.page("ma", &[(1, 8), (2, 8)], false).await;
    assert_eq!(w.page("ma", &[(1, 10), (2, 11)], true).await, 2);
    // The process goes away before delivering anything.
    w.store.close().await;
    assert!(r.hits().is_empty());

    let store = Store::open(&w.config.database.url).await.unwrap();
    store.set_webhooks(hooks_of(&w.config));
    let d = Dispatcher::new(store.clone(), &hooks_of(&w.config), &w.config.delivery).unwrap();
    let out = d.deliver_due(Utc::now()).await.unwrap();
    assert_eq!(out.delivered, 2);
    r.assert_all_signed();
    assert_eq!(r.ok_hits().len(), 2);
    store.close().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_killed_daemon_delivers_after_restart() {
    // The receiver holds the first request open; the daemon is killed (SIGKILL)
    // while it waits, then started again with the receiver healthy.
    let r = Receiver::with_policy(|_, n| {
        if n == 0 {
            Reply::Hang
        } else {
            Reply::Status(204)
        }
    })
    .await;
    let mut w = world_with(r.clone(), &hook("ops", ""), r#"["100ms"]"#, "2s", false).await;
    w.page("ma", &[(1, 8)], false).await;
    w.page("ma", &[(1, 10)], true).await;
    w.store.close().await;

    let spawn = |w: &World| {
        Command::new(env!("CARGO_BIN_EXE_jobmirror"))
            .arg("--config")
            .arg(&w.config_path)
            .arg("run")
            .env_remove("JOBMIRROR_CONFIG")
            .env("RUST_LOG", "warn")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap()
    };
    let mut first = spawn(&w);
    wait_for(Duration::from_secs(20), "the first try", || {
        !r.hits().is_empty()
    })
    .await;
    first.kill().unwrap(); // SIGKILL
    first.wait().unwrap();
    let hung_id = r.hits()[0].webhook_id.clone();

    let mut second = spawn(&w);
    wait_for(Duration::from_secs(30), "delivery after restart", || {
        !r.ok_hits().is_empty()
    })
    .await;
    // SIGTERM: the daemon stops cleanly.
    unsafe_sigterm(second.id());
    let status = second.wait().unwrap();
    assert!(status.success(), "{status:?}");
    r.assert_all_signed();
    let ok = r.ok_hits();
    assert_eq!(ok.len(), 1);
    assert_eq!(
        ok[0].webhook_id, hung_id,
        "the same event, the same webhook-id"
    );
    let _ = &w.dir;
}

fn unsafe_sigterm(pid: u32) {
    let pid = i32::try_from(pid).unwrap();
    // SAFETY: sends a signal to our own child process.
    let rc = unsafe { libc::kill(pid, libc::SIGTERM) };
    assert_eq!(rc, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn filters_decide_who_gets_what() {
    let r = Receiver::start().await;
    let hooks = [
        hook(
            "every",
            r#"events = ["job.status_changed", "job.created", "job.deleted"]"#,
        ),
        hook("changes", ""),
        hook("failures", r#"states = ["failed"]"#),
        hook("mb_only", r#"sources = ["mb"]"#),
        hook("gone", r#"events = ["job.deleted"]"#),
    ]
    .concat();
    let mut w = world(r.clone(), &hooks, r#"["100ms"]"#, "5s").await;
    w.page("ma", &[(1, 8), (2, 8), (3, 8)], false).await;
    w.page("mb", &[(7, 8)], false).await;
    // ma: 1 succeeds, 2 fails, 4 appears; 3 is not seen again and is deleted.
    w.page("ma", &[(1, 10), (2, 11), (4, 7)], true).await;
    w.page("mb", &[(7, 11)], true).await;
    let since = w.run_id - 1;
    w.store
        .mark_unseen_deleted("ma", &TABLE, since)
        .await
        .unwrap();
    let out = w.dispatcher().deliver_due(Utc::now()).await.unwrap();
    r.assert_all_signed();
    let summary = |path: &str| {
        let mut v: Vec<String> = r
            .ok_hits_at(path)
            .iter()
            .map(|h| {
                format!(
                    "{} {}/{}",
                    h.body["type"].as_str().unwrap(),
                    h.body["data"]["source"].as_str().unwrap(),
                    h.job()
                )
            })
            .collect();
        v.sort();
        v
    };
    assert_eq!(
        summary("/every"),
        [
            "job.created ma/4",
            "job.deleted ma/3",
            "job.status_changed ma/1",
            "job.status_changed ma/2",
            "job.status_changed mb/7"
        ]
    );
    assert_eq!(
        summary("/changes"),
        [
            "job.status_changed ma/1",
            "job.status_changed ma/2",
            "job.status_changed mb/7"
        ]
    );
    assert_eq!(
        summary("/failures"),
        ["job.status_changed ma/2", "job.status_changed mb/7"]
    );
    assert_eq!(summary("/mb_only"), ["job.status_changed mb/7"]);
    assert_eq!(summary("/gone"), ["job.deleted ma/3"]);
    assert_eq!(out.delivered, 12);
    let deleted = &r.ok_hits_at("/gone")[0].body["data"];
    assert_eq!(deleted["old_state"], "running");
    assert!(deleted["new_state"].is_null() && deleted["new_status"].is_null());
    assert_eq!(deleted["job"]["job_id"], 3);
    // One event, one webhook-id on every endpoint that got it.
    let id_every = &r
        .ok_hits_at("/every")
        .into_iter()
        .find(|h| h.job() == "2")
        .unwrap()
        .webhook_id;
    let id_fail = &r
        .ok_hits_at("/failures")
        .into_iter()
        .find(|h| h.job() == "2")
        .unwrap()
        .webhook_id;
    assert_eq!(id_every, id_fail);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stuck_endpoint_does_not_delay_the_others() {
    let r = Receiver::with_policy(|h, _| {
        if h.path == "/stuck" {
            Reply::Hang
        } else {
            Reply::Status(204)
        }
    })
    .await;
    let hooks = [hook("stuck", ""), hook("fine", "")].concat();
    let jobs: Vec<(i64, i64)> = (1..=100).map(|i| (i, 8)).collect();
    let done: Vec<(i64, i64)> = (1..=100).map(|i| (i, 10)).collect();
    let mut w = world(r.clone(), &hooks, r#"["1s"]"#, "30s").await;
    w.page("ma", &jobs, false).await;
    let (cancel, task) = spawn_daemon(&w);
    w.page("ma", &done, true).await;
    wait_for(Duration::from_secs(60), "100 deliveries to fine", || {
        r.ok_hits_at("/fine").len() == 100
    })
    .await;
    // The stuck endpoint holds a bounded batch in flight, nothing more.
    let stuck_in_flight = r.hits().iter().filter(|h| h.path == "/stuck").count();
    assert!(
        (1..=8).contains(&stuck_in_flight),
        "{stuck_in_flight} requests in flight to the stuck endpoint"
    );
    // Shutdown does not wait for the stuck receiver, and gives its events back.
    let stopping = Instant::now();
    cancel.cancel();
    task.await.unwrap();
    assert!(stopping.elapsed() < Duration::from_secs(5));
    assert_eq!(
        w.scalar("SELECT COUNT(*) FROM webhook_events WHERE endpoint = 'stuck' AND status = 'pending' AND attempts = 0")
            .await,
        100
    );
    assert_eq!(
        w.scalar("SELECT COUNT(*) FROM webhook_attempts a JOIN webhook_events e ON e.id = a.event_id WHERE e.endpoint = 'stuck'")
            .await,
        0
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_delivery_pass_never_sleeps_through_a_backoff() {
    let r = Receiver::with_policy(|_, _| Reply::Status(500)).await;
    let mut w = world(r.clone(), &hook("ops", ""), r#"["1h"]"#, "5s").await;
    w.page("ma", &[(1, 8), (2, 8)], false).await;
    w.page("ma", &[(1, 10), (2, 10)], true).await;
    let d = w.dispatcher();
    let started = Instant::now();
    let out = d.deliver_due(Utc::now()).await.unwrap();
    assert_eq!((out.attempted, out.failed, out.dead), (2, 2, 0));
    let again = d.deliver_due(Utc::now()).await.unwrap();
    assert_eq!(again.attempted, 0, "not due again for an hour");
    assert!(started.elapsed() < Duration::from_secs(5));
    let next: String = {
        let pool = crate::harness::pool(&w.config.database.url).await;
        sqlx::query_scalar("SELECT MIN(next_attempt_at) FROM webhook_events")
            .fetch_one(&pool)
            .await
            .unwrap()
    };
    let next = chrono::DateTime::parse_from_rfc3339(&next).unwrap();
    let wait = next.with_timezone(&Utc) - Utc::now();
    assert!(wait > chrono::Duration::minutes(47) && wait < chrono::Duration::minutes(73));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dead_events_are_listed_and_redelivered_from_the_cli() {
    let r = Receiver::with_policy(|_, _| Reply::Status(500)).await;
    let mut w = world(r.clone(), &hook("ops", ""), r#"["50ms"]"#, "5s").await;
    w.page("ma", &[(1, 8), (2, 8)], false).await;
    w.page("ma", &[(1, 10), (2, 11)], true).await;
    let d = w.dispatcher();
    // Two tries each (the schedule has one step), then dead.
    let mut dead = 0;
    let deadline = Instant::now() + Duration::from_secs(10);
    while dead < 2 {
        assert!(Instant::now() < deadline, "events never died");
        dead += d.deliver_due(Utc::now()).await.unwrap().dead;
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(r.hits().len(), 4);

    let (ok, out, err) = w.cli(&["webhooks", "list", "--dead"]);
    assert!(ok, "{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 2, "{out}");
    for l in &lines {
        let cols: Vec<&str> = l.split('\t').collect();
        assert!(cols[0].starts_with("msg_"));
        assert_eq!(&cols[1..4], ["job.status_changed", "ma", cols[3]]);
        assert_eq!(cols[5], "2", "attempts");
        assert_eq!(cols[6], "HTTP 500 Internal Server Error");
    }
    let dead_ids: Vec<String> = lines
        .iter()
        .map(|l| l.split('\t').next().unwrap().to_string())
        .collect();

    let (ok, out, _) = w.cli(&["status"]);
    assert!(ok);
    let ops_line = out.lines().find(|l| l.contains("ops")).unwrap();
    assert!(ops_line.contains("HTTP 500"), "{out}");
    let cols: Vec<&str> = ops_line.split_whitespace().collect();
    assert_eq!(&cols[1..5], ["ops", "0", "2", "0"], "{out}");
    assert!(
        out.lines()
            .any(|l| l.contains(" ma ") && l.contains(" 0/2 ")),
        "per-source pending/dead: {out}"
    );

    // The receiver heals; redeliver every dead event: same webhook-ids.
    r.set_policy(|_, _| Reply::Status(204));
    let (ok, out, err) = w.cli(&["webhooks", "redeliver", "--dead"]);
    assert!(ok, "{err}");
    assert!(out.contains("2 delivered"), "{out}");
    let mut got: Vec<String> = r.ok_hits().iter().map(|h| h.webhook_id.clone()).collect();
    got.sort();
    let mut want = dead_ids.clone();
    want.sort();
    assert_eq!(got, want);
    let (_, out, _) = w.cli(&["webhooks", "list", "--dead"]);
    assert_eq!(out, "");
    let (_, out, _) = w.cli(&["webhooks", "list", "--pending"]);
    assert_eq!(out, "");

    // One event by id (already delivered: sent again, same id).
    let (ok, _, err) = w.cli(&["webhooks", "redeliver", &dead_ids[0]]);
    assert!(ok, "{err}");
    let again: Vec<Hit> = r.ok_hits();
    assert_eq!(again.len(), 3);
    assert_eq!(again[2].webhook_id, dead_ids[0]);
    let (ok, _, err) = w.cli(&["webhooks", "redeliver", "msg_unknown"]);
    assert!(!ok && err.contains("msg_unknown"), "{err}");
    r.assert_all_signed();

    // `webhooks test` sends a signed test event and prints the answer.
    let (ok, out, err) = w.cli(&["webhooks", "test", "ops"]);
    assert!(ok, "{err}");
    assert!(out.starts_with("HTTP 204"), "{out}");
    let last = r.hits().pop().unwrap();
    assert_eq!(last.body["type"], "test");
    assert_eq!(last.signature_problem, None);
    let (ok, _, err) = w.cli(&["webhooks", "test", "nope"]);
    assert!(!ok && err.contains("nope"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_endpoint_costs_one_round_per_pass_and_its_errors_name_no_url() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    }; // closed again: connections are refused
    let r = Receiver::start().await;
    let hooks = format!(
        "[webhooks.down]\nurl = \"http://127.0.0.1:{port}/hook?token=tok3n\"\nsecret = \"{SECRET}\"\n{}",
        hook("up", "")
    );
    let jobs: Vec<(i64, i64)> = (1..=50).map(|i| (i, 8)).collect();
    let done: Vec<(i64, i64)> = (1..=50).map(|i| (i, 10)).collect();
    let mut w = world(r.clone(), &hooks, r#"["1h"]"#, "5s").await;
    w.page("ma", &jobs, false).await;
    w.page("ma", &done, true).await;
    let out = w.dispatcher().deliver_due(Utc::now()).await.unwrap();
    assert_eq!(out.unreachable, 1);
    assert_eq!(
        r.ok_hits_at("/up").len(),
        50,
        "the other endpoint got everything"
    );
    let tried = w
        .scalar("SELECT COUNT(*) FROM webhook_events WHERE endpoint = 'down' AND attempts > 0")
        .await;
    assert!(
        (8..50).contains(&tried),
        "{tried} tries to a refusing endpoint"
    );
    assert_eq!(out.attempted, 50 + tried as usize);
    assert_eq!(
        w.scalar(
            "SELECT COUNT(*) FROM webhook_events WHERE endpoint = 'down' AND status = 'pending'"
        )
        .await,
        50,
        "untried events stay due"
    );
    let errors = w
        .store
        .list_webhook_events(Some(jobmirror::store::EventStatus::Pending), 0, 100)
        .await
        .unwrap();
    let errs: Vec<&str> = errors
        .iter()
        .filter_map(|e| e.last_error.as_deref())
        .collect();
    assert_eq!(errs.len(), tried as usize);
    for e in errs {
        assert!(e.starts_with("cannot connect"), "{e}");
        assert!(!e.contains("tok3n") && !e.contains("127.0.0.1"), "{e}");
    }
}

/// Measures deliveries per second to a local receiver and the time from a page
/// commit observing a change to its delivery by the daemon loop. Not a test of
/// speed (no timed assertions): run it by hand, in release mode:
/// `cargo test --release --test integration -- --ignored --nocapture bench_`
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore]
async fn bench_webhook_throughput_and_latency() {
    const JOBS: i64 = 5000;
    const LATENCY_SAMPLES: i64 = 300;
    let r = Receiver::start().await;
    let mut w = world(r.clone(), &hook("ops", ""), r#"["1s"]"#, "5s").await;
    let running: Vec<(i64, i64)> = (1..=JOBS).map(|i| (i, 8)).collect();
    let done: Vec<(i64, i64)> = (1..=JOBS).map(|i| (i, 10)).collect();
    for chunk in running.chunks(1000) {
        w.page("ma", chunk, false).await;
    }
    for chunk in done.chunks(1000) {
        w.page("ma", chunk, true).await;
    }
    let d = w.dispatcher();
    let started = Instant::now();
    let out = d.deliver_due(Utc::now()).await.unwrap();
    let took = started.elapsed();
    assert_eq!(out.delivered, JOBS as usize);
    println!(
        "throughput: {} events delivered in {:.2} s = {:.0} deliveries/s (one endpoint, one pass)",
        out.delivered,
        took.as_secs_f64(),
        out.delivered as f64 / took.as_secs_f64()
    );

    // Latency: one change per page, 20 ms apart, the daemon loop delivering.
    let (cancel, task) = spawn_daemon(&w);
    let base = r.hits().len();
    let mut sent: Vec<(i64, Instant)> = Vec::new();
    for i in 1..=LATENCY_SAMPLES {
        let t0 = Instant::now();
        w.page("ma", &[(i, 11)], true).await;
        sent.push((i, t0));
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    wait_for(Duration::from_secs(30), "latency samples", || {
        r.hits().len() == base + LATENCY_SAMPLES as usize
    })
    .await;
    cancel.cancel();
    task.await.unwrap();
    let hits = r.hits();
    let mut lat: Vec<Duration> = sent
        .iter()
        .map(|(job, t0)| {
            let h = hits[base..]
                .iter()
                .find(|h| h.job() == job.to_string())
                .unwrap();
            h.at - *t0
        })
        .collect();
    lat.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1000.0;
    println!(
        "latency (apply_page start → receiver), {} changes: median {:.2} ms, p95 {:.2} ms, worst {:.2} ms",
        lat.len(),
        ms(lat[lat.len() / 2]),
        ms(lat[lat.len() * 95 / 100]),
        ms(lat[lat.len() - 1])
    );
}

// ------------------------------------------------- with the provider simulator

/// The whole path with nothing stubbed: the simulated provider changes, `jobmirror
/// sync` observes it, and the receiver gets one signed event per change.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_against_the_simulator_delivers_each_observed_change() {
    use crate::harness::{modelarts_sim, Scratch};
    let sim = modelarts_sim(400).await;
    let receiver = Receiver::start().await;
    let s = Scratch::new();
    let text = format!(
        "{}\n[delivery]\nretry_schedule = [\"100ms\"]\ntimeout = \"5s\"\n\n{}",
        s.config_text(&sim, ""),
        hook("ops", "events = [\"job.status_changed\", \"job.created\"]")
            .replace("{base}", &receiver.base)
    );
    let path = s.write_config(&text);
    let (ok, _, err) = cli(&path, &["sync"]);
    assert!(ok, "{err}");
    assert!(
        receiver.hits().is_empty(),
        "the initial mirror sends nothing"
    );

    let (running, created) = {
        let mut world = sim.modelarts();
        let running = world.create("will-fail", "x", 8);
        (running, world.create("brand-new", "x", 1))
    };
    let (ok, _, err) = cli(&path, &["sync"]);
    assert!(ok, "{err}");
    // `running` was created after the initial mirror too: a job.created for each.
    wait_for(Duration::from_secs(60), "two created events", || {
        receiver.ok_hits().len() == 2
    })
    .await;
    assert!(sim.modelarts().set_status(running, 11));
    let (ok, _, err) = cli(&path, &["sync"]);
    assert!(ok, "{err}");
    wait_for(Duration::from_secs(60), "the status change", || {
        receiver.ok_hits().len() == 3
    })
    .await;
    receiver.assert_all_signed();
    let hits = receiver.ok_hits();
    let change = hits
        .iter()
        .find(|h| h.body["type"] == "job.status_changed")
        .expect("a status change");
    assert_eq!(change.job(), running.to_string());
    assert_eq!(change.body["data"]["old_status"], "8");
    assert_eq!(change.new_status(), "11");
    assert_eq!(change.body["data"]["new_state"], "failed");
    assert_eq!(change.body["data"]["job"]["job_name"], "will-fail");
    assert!(hits
        .iter()
        .any(|h| h.body["type"] == "job.created" && h.job() == created.to_string()));
    sim.stop().await;
}
