//! The HTTP API against a real mirror over loopback: the drop-in ModelArts
//! endpoint through signed clients (AK/SK as the collector and the SDK sign,
//! X-Auth-Token) and jobmirror's bearer token, the 401s, `/api/jobs` paging,
//! `/healthz` 200/503, `/metrics`, the Modzy probes, and `serve` (read-only,
//! next to a writer) and `run` (ready only once it listens, stops on SIGTERM)
//! as processes.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use jobmirror::collect::{ApiClient, ModeRequest};
use jobmirror::config::Config;
use jobmirror::http::{self, HttpState};
use jobmirror::providers::ApiRequest;
use jobmirror::signing::huawei;
use jobmirror::sim::{modelarts_training, SimHandle};
use serde_json::Value;
use tokio_util::sync::CancellationToken;

use crate::harness::*;

const BEARER: &str = "jm-test-bearer-token";
const SOURCE_TOKEN: &str = "iam-token-of-source-tok";
const TOKEN_PROJECT: &str = "fedcba9876543210fedcba9876543210";

/// A mirror of a seeded simulator, served over HTTP in this process.
struct Api {
    sim: SimHandle,
    scratch: Scratch,
    config: Config,
    store: jobmirror::store::Store,
    base: String,
    cancel: CancellationToken,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
    http: reqwest::Client,
}

/// A second ModelArts source (not synced) that authenticates with a token.
fn token_source(sim: &SimHandle) -> String {
    format!(
        r#"
[sources.tok]
kind = "modelarts-training-jobs"
endpoint = "{}"
project_id = "{TOKEN_PROJECT}"
token = "{SOURCE_TOKEN}"
"#,
        sim.base_url()
    )
}

impl Api {
    async fn start(jobs: usize, with_token: bool) -> Api {
        let sim = modelarts_sim(jobs).await;
        let scratch = Scratch::new();
        let mut text = scratch.config_text(&sim, "");
        text.push_str(&token_source(&sim));
        // An endpoint nobody listens on: its series exist, its queue is empty.
        text.push_str(
            "\n[webhooks.ops]\nurl = \"http://127.0.0.1:9/hooks\"\nsecret = \"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\"\n",
        );
        if with_token {
            text.push_str(&format!("\n[http]\ntoken = \"{BEARER}\"\n"));
        }
        let config = Config::from_toml(&text).expect("config");
        let store = scratch.store().await;
        step_ok(&worker(&config, &store), ModeRequest::Full).await;
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let cancel = CancellationToken::new();
        let task = tokio::spawn(http::serve(
            listener,
            HttpState::new(store.clone(), &config),
            cancel.clone(),
        ));
        Api {
            sim,
            scratch,
            config,
            store,
            base,
            cancel,
            task,
            http: reqwest::Client::new(),
        }
    }

    async fn get(&self, path_and_query: &str, headers: &[(&str, &str)]) -> (u16, Value) {
        let mut req = self.http.get(format!("{}{path_and_query}", self.base));
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let resp = req.send().await.expect("request");
        let status = resp.status().as_u16();
        let text = resp.text().await.unwrap();
        (
            status,
            serde_json::from_str(&text).unwrap_or(Value::String(text)),
        )
    }

    /// A client of source `name` pointed at jobmirror instead of the provider.
    fn client_of(&self, name: &str) -> ApiClient {
        let mut source = self.config.sources[name].clone();
        source.endpoint = self.base.clone();
        ApiClient::new(&source).expect("client")
    }

    fn sim_list(&self, params: &[(&str, &str)]) -> Value {
        let p: Vec<(String, String)> = params
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        modelarts_training::list(&self.sim.modelarts(), &p).expect("sim answers")
    }

    async fn stop(self) {
        self.cancel.cancel();
        self.task.await.unwrap().unwrap();
        self.store.close().await;
        self.sim.stop().await;
    }
}

fn list_path() -> String {
    format!("/v1/{PROJECT}/training-jobs")
}

fn json_of(resp: &jobmirror::providers::RawResponse) -> Value {
    serde_json::from_slice(&resp.body).expect("JSON body")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn drop_in_answers_signed_clients_exactly_as_the_provider() {
    let api = Api::start(300, true).await;
    let params = [
        ("per_page", "25"),
        ("page", "2"),
        ("sortBy", "create_time"),
        ("order", "desc"),
        ("search_content", "RES"),
    ];
    let want = api.sim_list(&params);
    assert!(want["job_total_count"].as_u64().unwrap() > 25);

    // AK/SK, signed as the collector (and the Huawei SDK) sign.
    let mut req = ApiRequest::get(list_path());
    for (k, v) in params {
        req = req.param(k, v);
    }
    let resp = api.client_of("ma").send(&req).await.unwrap();
    assert_eq!(resp.status, 200);
    assert_eq!(json_of(&resp).to_string(), want.to_string());

    // jobmirror's bearer token instead of the provider's authentication.
    let query = huawei::canonical_query(
        &params
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect::<Vec<_>>(),
    );
    let bearer = format!("Bearer {BEARER}");
    let (status, body) = api
        .get(
            &format!("{}?{query}", list_path()),
            &[("Authorization", &bearer)],
        )
        .await;
    assert_eq!(status, 200);
    assert_eq!(body.to_string(), want.to_string());

    // The provider's error for a bad parameter, through the same door.
    let (status, body) = api
        .get(
            &format!("{}?per_page=0", list_path()),
            &[("Authorization", &bearer)],
        )
        .await;
    assert_eq!(status, 400);
    assert_eq!(body["error_code"], "ModelArts.0105");

    // `source` is jobmirror's: selected, then stripped (the signature covers it).
    let req = ApiRequest::get(list_path())
        .param("source", "ma")
        .param("per_page", "3");
    let resp = api.client_of("ma").send(&req).await.unwrap();
    assert_eq!(resp.status, 200);
    assert_eq!(
        json_of(&resp).to_string(),
        api.sim_list(&[("per_page", "3")]).to_string()
    );

    // X-Auth-Token against a source configured with that token.
    let resp = api
        .client_of("tok")
        .send(&ApiRequest::get(format!(
            "/v1/{TOKEN_PROJECT}/training-jobs"
        )))
        .await
        .unwrap();
    assert_eq!(resp.status, 200, "{:?}", resp.body);
    assert_eq!(json_of(&resp)["job_total_count"], 0);
    api.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn anything_else_gets_401() {
    let api = Api::start(20, true).await;
    let path = list_path();
    // No authentication at all.
    let (status, body) = api.get(&path, &[]).await;
    assert_eq!(status, 401);
    assert_eq!(body["error_code"], "APIGW.0301");
    // A wrong bearer token.
    let (status, _) = api
        .get(&path, &[("Authorization", "Bearer not-the-token")])
        .await;
    assert_eq!(status, 401);
    // A signature by a wrong secret key.
    let mut wrong = api.config.sources["ma"].clone();
    wrong.endpoint = api.base.clone();
    wrong.auth = jobmirror::config::Auth::HuaweiAkSk {
        access_key: AK.into(),
        secret_key: jobmirror::config::Secret::new("not-the-secret"),
        security_token: None,
    };
    let resp = ApiClient::new(&wrong)
        .unwrap()
        .send(&ApiRequest::get(&path))
        .await
        .unwrap();
    assert_eq!(resp.status, 401);
    assert!(String::from_utf8_lossy(&resp.body).contains("signature"));
    // A valid signature, but for another source's project (whose auth is a token).
    let mut other = api.config.sources["ma"].clone();
    other.endpoint = api.base.clone();
    other.project_id = Some(TOKEN_PROJECT.into());
    let resp = ApiClient::new(&other)
        .unwrap()
        .send(&ApiRequest::get(format!(
            "/v1/{TOKEN_PROJECT}/training-jobs"
        )))
        .await
        .unwrap();
    assert_eq!(resp.status, 401);
    // A token where the source signs with AK/SK.
    let (status, _) = api.get(&path, &[("X-Auth-Token", SOURCE_TOKEN)]).await;
    assert_eq!(status, 401);
    // An unknown project: unauthenticated callers learn nothing; with the bearer, 404.
    let (status, _) = api.get("/v1/nope/training-jobs", &[]).await;
    assert_eq!(status, 401);
    let bearer = format!("Bearer {BEARER}");
    let (status, body) = api
        .get("/v1/nope/training-jobs", &[("Authorization", &bearer)])
        .await;
    assert_eq!(status, 404, "{body}");
    // /api/jobs and /metrics need the bearer; /healthz and the probes do not.
    for p in ["/api/jobs", "/metrics"] {
        let (status, body) = api.get(p, &[]).await;
        assert_eq!(status, 401, "{p}");
        assert!(body["error"].as_str().unwrap().contains("Bearer"), "{p}");
        let (status, _) = api.get(p, &[("Authorization", &bearer)]).await;
        assert_eq!(status, 200, "{p}");
    }
    for p in [
        "/healthz",
        "/api/models",
        "/api/models/requirements/account",
    ] {
        let (status, _) = api.get(p, &[]).await;
        assert_eq!(status, 200, "{p}");
    }
    let (_, body) = api.get("/api/models", &[]).await;
    assert_eq!(body, serde_json::json!([]));
    api.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_token_everything_is_open() {
    let api = Api::start(30, false).await;
    let (status, body) = api.get(&format!("{}?per_page=5", list_path()), &[]).await;
    assert_eq!(status, 200);
    assert_eq!(
        body.to_string(),
        api.sim_list(&[("per_page", "5")]).to_string()
    );
    let (status, _) = api.get("/api/jobs?limit=1", &[]).await;
    assert_eq!(status, 200);
    let (status, _) = api.get("/metrics", &[]).await;
    assert_eq!(status, 200);
    api.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn api_jobs_pages_newest_first_with_a_cursor() {
    let api = Api::start(157, false).await;
    // Same created_at for several jobs: ties go by (source, job_id) as text.
    let mut all: Vec<Value> = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let mut path =
            "/api/jobs?limit=20&kind=modelarts-training-jobs&source=ma,other".to_string();
        if let Some(c) = &cursor {
            path.push_str(&format!("&cursor={c}"));
        }
        let (status, body) = api.get(&path, &[]).await;
        assert_eq!(status, 200, "{body}");
        let items = body["items"].as_array().unwrap();
        assert!(items.len() <= 20);
        all.extend(items.iter().cloned());
        pages += 1;
        match body["next_cursor"].as_str() {
            Some(c) => cursor = Some(c.to_string()),
            None => break,
        }
    }
    let truth = truth(&api.sim);
    assert_eq!(all.len(), truth.len());
    assert_eq!(pages, truth.len().div_ceil(20));
    let key = |v: &Value| {
        (
            std::cmp::Reverse(v["created_at"].as_str().unwrap().to_string()),
            v["source"].as_str().unwrap().to_string(),
            v["job_id"].as_str().unwrap().to_string(),
        )
    };
    let mut sorted = all.clone();
    sorted.sort_by_key(key);
    assert_eq!(
        all, sorted,
        "newest created_at first, ties by (source, job_id)"
    );
    let first = &all[0];
    for col in [
        "source",
        "kind",
        "job_id",
        "name",
        "status",
        "state",
        "created_at",
        "updated_at",
        "finished_at",
        "duration_ms",
        "first_seen_at",
        "last_seen_at",
        "deleted_at",
    ] {
        assert!(first.get(col).is_some(), "{col} in {first}");
    }

    // Filters: state, name (ASCII case-insensitive substring), time range.
    let (_, body) = api
        .get(
            "/api/jobs?state=running,pending&state=failed&limit=1000",
            &[],
        )
        .await;
    let states: Vec<&str> = body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|j| j["state"].as_str().unwrap())
        .collect();
    assert!(!states.is_empty());
    assert!(states
        .iter()
        .all(|s| ["running", "pending", "failed"].contains(s)));
    let (_, body) = api.get("/api/jobs?name=RESNET&limit=1000", &[]).await;
    let names = body["items"].as_array().unwrap();
    assert!(!names.is_empty());
    assert!(names.iter().all(|j| j["name"]
        .as_str()
        .unwrap()
        .to_ascii_lowercase()
        .contains("resnet")));
    let middle = all[50]["created_at"].as_str().unwrap().to_string();
    let (_, body) = api
        .get(
            &format!("/api/jobs?created_before={middle}&limit=1000"),
            &[],
        )
        .await;
    let older = body["items"].as_array().unwrap();
    assert!(older
        .iter()
        .all(|j| j["created_at"].as_str().unwrap() < middle.as_str()));
    assert_eq!(
        older.len(),
        all.iter()
            .filter(|j| j["created_at"].as_str().unwrap() < middle.as_str())
            .count()
    );

    // Bad parameters are named.
    for (q, name) in [
        ("limit=0", "limit"),
        ("limit=1001", "limit"),
        ("state=done", "state"),
        ("kind=nope", "kind"),
        ("created_after=yesterday", "created_after"),
        ("cursor=abc", "cursor"),
        ("include_deleted=maybe", "include_deleted"),
        ("colour=red", "colour"),
    ] {
        let (status, body) = api.get(&format!("/api/jobs?{q}"), &[]).await;
        assert_eq!(status, 400, "{q}");
        assert!(
            body["error"].as_str().unwrap().starts_with(name),
            "{q}: {body}"
        );
    }
    api.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn healthz_turns_503_when_a_source_is_stale() {
    let api = Api::start(10, true).await;
    // `tok` never ran; it counts from the server's start: fresh.
    let (status, body) = api.get("/healthz", &[]).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "ok");
    assert_eq!(body["sources"]["ma"]["stale"], false);
    assert_eq!(body["sources"]["ma"]["interval_seconds"], 60.0);
    assert!(body["sources"]["ma"]["last_success_at"].is_string());
    // The last success four minutes ago, with a cycle every minute: stale.
    let old = jobmirror::clock::format(chrono::Utc::now() - chrono::Duration::minutes(4));
    let pool = crate::harness::pool(&api.scratch.db_url()).await;
    sqlx::query("UPDATE sync_state SET last_success_at = $1 WHERE source = 'ma'")
        .bind(&old)
        .execute(&pool)
        .await
        .unwrap();
    pool.close().await;
    let (status, body) = api.get("/healthz", &[]).await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["status"], "stale");
    assert_eq!(body["sources"]["ma"]["stale"], true);
    assert_eq!(body["sources"]["tok"]["stale"], false);
    // A cycle brings it back.
    step_ok(&worker(&api.config, &api.store), ModeRequest::Auto).await;
    let (status, _) = api.get("/healthz", &[]).await;
    assert_eq!(status, 200);
    api.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metrics_show_sources_rows_and_webhooks() {
    let api = Api::start(40, false).await;
    let live = truth(&api.sim).len();
    // A drop-in request, so the HTTP series have something to show.
    let _ = api.get(&list_path(), &[]).await;
    let resp = reqwest::get(format!("{}/metrics", api.base)).await.unwrap();
    assert!(resp.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/openmetrics-text"));
    let text = resp.text().await.unwrap();
    for line in [
        format!(
            "jobmirror_source_rows{{source=\"ma\",kind=\"modelarts-training-jobs\",rows=\"present\"}} {live}"
        ),
        "jobmirror_source_rows{source=\"ma\",kind=\"modelarts-training-jobs\",rows=\"deleted\"} 0".into(),
        "jobmirror_source_last_success_timestamp_seconds{source=\"ma\"}".into(),
        "jobmirror_source_requests_total{source=\"ma\"}".into(),
        "jobmirror_source_errors_total{source=\"ma\"}".into(),
        "jobmirror_source_rows_seen_total{source=\"ma\"}".into(),
        "jobmirror_source_cycle_duration_seconds_bucket{".into(),
        "jobmirror_http_requests_total{route=\"/v1/{project_id}/training-jobs\",status=\"200\"}".into(),
        "jobmirror_webhook_deliveries_total{endpoint=\"ops\"}".into(),
        "jobmirror_webhook_failures_total{endpoint=\"ops\"}".into(),
        "jobmirror_webhook_queue_depth{endpoint=\"ops\"} 0".into(),
        "jobmirror_webhook_dead_events{endpoint=\"ops\"} 0".into(),
    ] {
        assert!(text.contains(&line), "missing {line}\n{text}");
    }
    assert!(text.ends_with("# EOF\n"));
    api.stop().await;
}

fn jobmirror() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_jobmirror"));
    c.env_remove("JOBMIRROR_CONFIG").env("RUST_LOG", "warn");
    c
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_answers_read_only_next_to_a_writer() {
    let sim = modelarts_sim(50).await;
    let s = Scratch::new();
    let text = format!(
        "{}\n[http]\nlisten = \"127.0.0.1:0\"\n",
        s.config_text(&sim, "")
    );
    let path = s.write_config(&text);
    let config = Config::from_toml(&text).unwrap();

    // Without a mirror there is nothing to serve.
    let out = jobmirror()
        .args(["--config", path.to_str().unwrap(), "serve"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("mirror"));

    let store = s.store().await;
    let w = worker(&config, &store);
    step_ok(&w, ModeRequest::Full).await;
    let mut child = jobmirror()
        .args(["--config", path.to_str().unwrap(), "serve"])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let base = line
        .trim()
        .strip_prefix("listening on ")
        .expect("listening line")
        .to_string();
    let url = format!("{base}/v1/{PROJECT}/training-jobs?per_page=1000");
    let body: Value = reqwest::get(&url).await.unwrap().json().await.unwrap();
    assert_eq!(body["job_total_count"], truth(&sim).len());

    // The writer (this process) adds jobs; serve sees them without restarting.
    {
        let mut world = sim.modelarts();
        for i in 0..7 {
            world.create(format!("late-{i}"), "", 8);
        }
    }
    step_ok(&w, ModeRequest::Auto).await;
    let body: Value = reqwest::get(&url).await.unwrap().json().await.unwrap();
    assert_eq!(body["job_total_count"], truth(&sim).len());
    let body: Value = reqwest::get(format!("{base}/api/jobs?name=late-&limit=100"))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(body["items"].as_array().unwrap().len(), 7);
    let (status, _) = (
        reqwest::get(format!("{base}/healthz"))
            .await
            .unwrap()
            .status(),
        (),
    );
    assert_eq!(status, 200);

    // It never wrote: the writer's tables are what the writer made them.
    let runs = scalar_i64(&s.db_url(), "SELECT COUNT(*) FROM sync_runs").await;
    assert_eq!(runs, 2);
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    let status = wait_child(&mut child, Duration::from_secs(10));
    assert_eq!(status.and_then(|s| s.code()), Some(0));
    store.close().await;
    sim.stop().await;
}

fn wait_child(
    child: &mut std::process::Child,
    limit: Duration,
) -> Option<std::process::ExitStatus> {
    let start = Instant::now();
    while start.elapsed() < limit {
        if let Some(s) = child.try_wait().unwrap() {
            return Some(s);
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill();
    None
}

/// `run` says READY only once the API listens, serves it, and stops within 10 s on SIGTERM.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_serves_http_after_ready_and_stops_on_sigterm() {
    let sim = modelarts_sim(30).await;
    let s = Scratch::new();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let text = format!(
        "{}\n[http]\nlisten = \"127.0.0.1:{port}\"\n",
        s.config_text(&sim, "")
    );
    let path = s.write_config(&text);
    let notify_path = s.dir.path().join("notify.sock");
    let notify = std::os::unix::net::UnixDatagram::bind(&notify_path).unwrap();
    notify
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let mut child = jobmirror()
        .args(["--config", path.to_str().unwrap(), "run"])
        .env("NOTIFY_SOCKET", &notify_path)
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap();
    let mut buf = [0u8; 256];
    let n = notify.recv(&mut buf).expect("a notification");
    assert!(String::from_utf8_lossy(&buf[..n]).contains("READY=1"));
    // Ready means listening: the very first request is answered.
    let resp = reqwest::get(format!("http://127.0.0.1:{port}/healthz"))
        .await
        .expect("listening once READY");
    assert!(resp.status() == 200 || resp.status() == 503);
    let ok = wait_for(Duration::from_secs(20), || async {
        let r = reqwest::get(format!(
            "http://127.0.0.1:{port}/v1/{PROJECT}/training-jobs?per_page=1000"
        ))
        .await;
        match r {
            Ok(r) => r
                .json::<Value>()
                .await
                .is_ok_and(|b| b["job_total_count"] == truth(&sim).len()),
            Err(_) => false,
        }
    })
    .await;
    assert!(ok, "run mirrors and serves the drop-in endpoint");
    // A client holding a keep-alive connection does not hold up the exit.
    let keep = reqwest::Client::new();
    let _ = keep
        .get(format!("http://127.0.0.1:{port}/healthz"))
        .send()
        .await;
    let t = Instant::now();
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    let status = wait_child(&mut child, Duration::from_secs(10));
    assert_eq!(status.and_then(|s| s.code()), Some(0), "exit 0 within 10 s");
    assert!(t.elapsed() < Duration::from_secs(10));
    drop(keep);
    sim.stop().await;
}

/// The other families' drop-in paths with their own authentication (Alibaba
/// ACS3 as the collector signs, Modzy ApiKey) and a bearer token configured.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pai_and_modzy_drop_ins_take_their_providers_authentication() {
    use jobmirror::sim::{self, PaiDlcSimConfig, SimConfig};
    const PAI_AK: &str = "LTAI5tPaiExampleKey00001";
    const PAI_SK: &str = "PaiExampleSecret0000000000000001";
    const MODZY_KEY: &str = "SIMKEYPREFIX.http-test-key";
    let sim = sim::start(SimConfig {
        pai_dlc: Some(PaiDlcSimConfig::new(PAI_AK, PAI_SK)),
        modzy: Some(jobmirror::sim::ModzySimConfig::new(MODZY_KEY)),
        ..SimConfig::default()
    })
    .await
    .unwrap();
    {
        use rand::SeedableRng;
        let mut rng = rand::rngs::StdRng::seed_from_u64(5);
        sim.pai_dlc().seed(120, &mut rng);
        sim.modzy().seed(80, &mut rng);
    }
    let s = Scratch::new();
    let text = format!(
        r#"
[database]
url = "{db}"

[http]
token = "{BEARER}"

[sources.pai]
kind = "pai-dlc-jobs"
endpoint = "{url}"
access_key = "{PAI_AK}"
secret_key = "{PAI_SK}"

[sources.mz]
kind = "modzy-jobs"
endpoint = "{url}"
api_key = "{MODZY_KEY}"
"#,
        db = s.db_url(),
        url = sim.base_url()
    );
    let config = Config::from_toml(&text).unwrap();
    let store = s.store().await;
    for name in ["pai", "mz"] {
        let w = jobmirror::collect::SourceWorker::new(config.sources[name].clone(), store.clone())
            .unwrap();
        step_ok(&w, ModeRequest::Full).await;
    }
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let cancel = CancellationToken::new();
    let task = tokio::spawn(http::serve(
        listener,
        HttpState::new(store.clone(), &config),
        cancel.clone(),
    ));
    let client_of = |name: &str| {
        let mut source = config.sources[name].clone();
        source.endpoint = base.clone();
        ApiClient::new(&source).unwrap()
    };
    let strip = |mut v: Value| {
        v.as_object_mut().map(|o| o.shift_remove("RequestId"));
        v
    };

    // PAI-DLC, signed with ACS3 by the source's AccessKey.
    let params = [
        ("StartTime", "2000-01-01T00:00:00Z"),
        ("PageSize", "30"),
        ("SortBy", "DisplayName"),
        ("Order", "asc"),
    ];
    let mut req = ApiRequest::get("/api/v1/jobs");
    for (k, v) in params {
        req = req.param(k, v);
    }
    req.headers = vec![
        ("x-acs-action".into(), "ListJobs".into()),
        ("x-acs-version".into(), "2020-12-03".into()),
    ];
    let resp = client_of("pai").send(&req).await.unwrap();
    assert_eq!(resp.status, 200, "{}", String::from_utf8_lossy(&resp.body));
    let want = jobmirror::sim::pai_dlc::list(
        &sim.pai_dlc(),
        &params
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect::<Vec<_>>(),
    )
    .unwrap();
    assert!(want["TotalCount"].as_u64().unwrap() > 30);
    assert_eq!(strip(json_of(&resp)), strip(want));

    // Modzy, with `Authorization: ApiKey <key>`.
    let resp = client_of("mz")
        .send(&ApiRequest::get("/api/jobs/history").param("per-page", "15"))
        .await
        .unwrap();
    assert_eq!(resp.status, 200);
    let want =
        jobmirror::sim::modzy::list(&sim.modzy(), &[("per-page".to_string(), "15".to_string())])
            .unwrap();
    assert_eq!(json_of(&resp), want);

    // Without credentials, or with the other kind's: 401 in each provider's shape.
    let http = reqwest::Client::new();
    let r = http
        .get(format!("{base}/api/v1/jobs"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(
        r.json::<Value>().await.unwrap()["Code"],
        "InvalidAuthorization"
    );
    let r = http
        .get(format!("{base}/api/jobs/history"))
        .header("Authorization", "ApiKey wrong")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(r.json::<Value>().await.unwrap()["statusCode"], 401);
    // jobmirror's bearer token opens both.
    let r = http
        .get(format!("{base}/api/jobs/history?per-page=1"))
        .header("Authorization", format!("Bearer {BEARER}"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);

    // /api/jobs merges the kinds' views into one order, page after page.
    let mut all: Vec<Value> = Vec::new();
    let mut cursor = String::new();
    loop {
        let r: Value = http
            .get(format!("{base}/api/jobs?limit=17{cursor}"))
            .header("Authorization", format!("Bearer {BEARER}"))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        all.extend(r["items"].as_array().unwrap().iter().cloned());
        match r["next_cursor"].as_str() {
            Some(c) => cursor = format!("&cursor={c}"),
            None => break,
        }
    }
    let pool = crate::harness::pool(&s.db_url()).await;
    let want: Vec<(String, String)> = sqlx::query_as(
        "SELECT kind, job_id FROM jobs WHERE deleted_at IS NULL \
         ORDER BY created_at DESC NULLS LAST, source, job_id",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    pool.close().await;
    let got: Vec<(String, String)> = all
        .iter()
        .map(|j| {
            (
                j["kind"].as_str().unwrap().into(),
                j["job_id"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert!(got.len() > 150, "{}", got.len());
    assert_eq!(got, want);
    let only: Value = http
        .get(format!("{base}/api/jobs?limit=1000&kind=modzy-jobs"))
        .header("Authorization", format!("Bearer {BEARER}"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(only["items"].as_array().unwrap().len(), 80);
    cancel.cancel();
    task.await.unwrap().unwrap();
    store.close().await;
    sim.stop().await;
}
