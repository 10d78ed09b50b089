//! ModelArts algorithms (`modelarts-algorithms`) end to end against the
//! simulator: first sync, validity flips and their cost, the fallback without
//! `update_time` sorting, confirmed deletions, page shifts, faults,
//! authentication, and kill -9 of the binary.

use std::collections::BTreeMap;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use jobmirror::collect::{ModeRequest, SourceWorker, StepOutcome};
use jobmirror::config::Config;
use jobmirror::sim::modelarts_algorithms::KIND;
use jobmirror::sim::{self, AlgorithmsSimConfig, Fault, Shift, SimConfig, SimHandle};
use jobmirror::store::Store;
use rand::SeedableRng;
use serde_json::Value;
use tokio_util::sync::CancellationToken;

use crate::harness::*;

async fn algo_sim(n: usize) -> SimHandle {
    let sim = sim::start(SimConfig {
        algorithms: Some(AlgorithmsSimConfig::new(PROJECT, AK, SK).with_token(TOKEN)),
        ..SimConfig::default()
    })
    .await
    .expect("simulator starts");
    let mut rng = rand::rngs::StdRng::seed_from_u64(n as u64);
    sim.algorithms().seed(n, &mut rng);
    sim
}

fn config_text(s: &Scratch, sim: &SimHandle, extra: &str) -> String {
    format!(
        r#"
[database]
url = "{db}"

[sources.algos]
kind = "modelarts-algorithms"
endpoint = "{endpoint}"
project_id = "{PROJECT}"
access_key = "{AK}"
secret_key = "{SK}"
page_size = 50
retry_base = "20ms"
timeout = "5s"
{extra}
"#,
        db = s.db_url(),
        endpoint = sim.base_url(),
    )
}

fn config(s: &Scratch, sim: &SimHandle, extra: &str) -> Config {
    Config::from_toml(&config_text(s, sim, extra)).expect("valid test config")
}

fn worker(config: &Config, store: &Store) -> SourceWorker {
    SourceWorker::new(config.sources["algos"].clone(), store.clone()).expect("worker")
}

/// The simulator's algorithms in workspace "0", as the API shows them.
fn truth(sim: &SimHandle) -> BTreeMap<String, Value> {
    sim.algorithms()
        .algorithms()
        .filter(|a| a.workspace_id == "0")
        .map(|a| (a.id.clone(), a.to_json()))
        .collect()
}

type MirrorRow = (String, String, String, String, i64);

/// The mirror's present algorithms (their verbatim objects); checks the
/// derived and flattened columns against `raw`.
async fn mirror(url: &str) -> BTreeMap<String, Value> {
    let pool = crate::harness::pool(url).await;
    let rows: Vec<MirrorRow> = sqlx::query_as(
        "SELECT id, raw, status, state, update_time FROM modelarts_algorithms \
         WHERE source = 'algos' AND deleted_at IS NULL",
    )
    .fetch_all(&pool)
    .await
    .expect("read mirror");
    pool.close().await;
    rows.into_iter()
        .map(|(id, raw, status, state, update_time)| {
            let v: Value = serde_json::from_str(&raw).unwrap();
            let valid = v["metadata"]["is_valid"].as_bool().unwrap();
            assert_eq!(status, if valid { "valid" } else { "invalid" }, "{id}");
            assert_eq!(state, if valid { "succeeded" } else { "failed" }, "{id}");
            assert_eq!(Some(update_time), v["metadata"]["update_time"].as_i64());
            (id, v)
        })
        .collect()
}

fn assert_same(got: &BTreeMap<String, Value>, want: &BTreeMap<String, Value>) {
    let missing: Vec<&String> = want
        .keys()
        .filter(|k| !got.contains_key(*k))
        .take(5)
        .collect();
    let extra: Vec<&String> = got
        .keys()
        .filter(|k| !want.contains_key(*k))
        .take(5)
        .collect();
    let differ: Vec<&String> = want
        .iter()
        .filter(|(k, w)| got.get(*k).is_some_and(|g| g != *w))
        .map(|(k, _)| k)
        .take(5)
        .collect();
    assert!(
        missing.is_empty() && extra.is_empty() && differ.is_empty(),
        "mirror {} vs truth {}: missing {missing:?}, extra {extra:?}, differ {differ:?}",
        got.len(),
        want.len()
    );
}

fn list_since(sim: &SimHandle, before: &jobmirror::sim::Stats) -> u64 {
    sim.stats().since(before).list_requests(KIND)
}

fn detail_since(sim: &SimHandle, before: &jobmirror::sim::Stats) -> u64 {
    sim.stats().since(before).detail_requests(KIND)
}

async fn cursor(url: &str) -> Value {
    let text: String = sqlx::query_scalar("SELECT cursor FROM sync_state WHERE source = 'algos'")
        .fetch_one(&crate::harness::pool(url).await)
        .await
        .unwrap();
    serde_json::from_str(&text).unwrap()
}

#[tokio::test]
async fn first_sync_equals_the_simulator() {
    let sim = algo_sim(1_234).await;
    sim.algorithms()
        .create_in_workspace("ws-other", "elsewhere");
    let s = Scratch::new();
    let store = s.store().await;
    let w = worker(&config(&s, &sim, ""), &store);
    let before = sim.stats();
    let stats = step_ok(&w, ModeRequest::Auto).await;
    assert_same(&mirror(&s.db_url()).await, &truth(&sim));
    // update_time probe + count probe + 25 pages of 50
    assert_eq!(list_since(&sim, &before), 2 + 25);
    assert_eq!(stats.requests, 27);
    let c = cursor(&s.db_url()).await;
    assert_eq!(c["update_sort"], true);
    assert!(c["full"].is_null());
    assert!(c["watermarks"]["create_time"].as_i64().is_some());
    assert_eq!(
        scalar_i64(&s.db_url(), "SELECT COUNT(*) FROM status_changes").await,
        0
    );
    sim.stop().await;
}

#[tokio::test]
async fn incremental_cycle_records_exactly_the_net_flips() {
    let sim = algo_sim(300).await;
    let s = Scratch::new();
    let store = s.store().await;
    let w = worker(&config(&s, &sim, ""), &store);
    step_ok(&w, ModeRequest::Auto).await;
    let (to_invalid, to_valid, twice, edited, new) = {
        let mut world = sim.algorithms();
        let valid: Vec<String> = world
            .algorithms()
            .filter(|a| a.is_valid)
            .map(|a| a.id.clone())
            .collect();
        let invalid = world
            .algorithms()
            .find(|a| !a.is_valid)
            .map(|a| a.id.clone())
            .unwrap();
        assert!(world.set_valid(&valid[3], false));
        assert!(world.set_valid(&invalid, true));
        assert!(world.set_valid(&valid[10], false)); // and back: no net change
        assert!(world.set_valid(&valid[10], true));
        assert!(world.edit(&valid[20], "tuned")); // no status change
        let new = (world.create("brand-new-a"), world.create("brand-new-b"));
        (
            valid[3].clone(),
            invalid,
            valid[10].clone(),
            valid[20].clone(),
            new,
        )
    };
    let before = sim.stats();
    let stats = step_ok(&w, ModeRequest::Auto).await;
    assert_eq!(stats.requests, 2, "one page per scan");
    assert_eq!(list_since(&sim, &before), 2);
    let pool = crate::harness::pool(&s.db_url()).await;
    let mut changes: Vec<(String, String, String, String, String, String)> = sqlx::query_as(
        "SELECT job_id, kind, old_status, new_status, old_state, new_state FROM status_changes",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    changes.sort();
    let mut want = vec![
        (
            to_invalid.clone(),
            KIND.to_string(),
            "valid".to_string(),
            "invalid".to_string(),
            "succeeded".to_string(),
            "failed".to_string(),
        ),
        (
            to_valid.clone(),
            KIND.to_string(),
            "invalid".to_string(),
            "valid".to_string(),
            "failed".to_string(),
            "succeeded".to_string(),
        ),
    ];
    want.sort();
    assert_eq!(changes, want);
    let got = mirror(&s.db_url()).await;
    assert_same(&got, &truth(&sim));
    assert!(got.contains_key(&new.0) && got.contains_key(&new.1));
    assert_eq!(got[&twice]["metadata"]["is_valid"], true);
    assert_eq!(got[&edited]["metadata"]["description"], "tuned");
    // Nothing changed since: two requests, nothing written.
    let before = sim.stats();
    let stats = step_ok(&w, ModeRequest::Auto).await;
    assert_eq!((list_since(&sim, &before), stats.rows_changed), (2, 0));
    sim.stop().await;
}

#[tokio::test]
async fn no_change_cycle_costs_two_requests_at_any_size() {
    for size in [500, 10_000] {
        let sim = algo_sim(size).await;
        let s = Scratch::new();
        let store = s.store().await;
        let w = worker(&config(&s, &sim, ""), &store);
        step_ok(&w, ModeRequest::Auto).await;
        let before = sim.stats();
        let stats = step_ok(&w, ModeRequest::Auto).await;
        assert_eq!(list_since(&sim, &before), 2, "{size} algorithms");
        assert_eq!(stats.requests, 2);
        assert_eq!(stats.rows_changed, 0);
        sim.stop().await;
    }
}

#[tokio::test]
async fn without_update_time_sorting_flips_wait_for_the_full_reconcile() {
    let sim = algo_sim(200).await;
    sim.algorithms().update_time_sort = false;
    let s = Scratch::new();
    let store = s.store().await;
    let w = worker(&config(&s, &sim, ""), &store);
    step_ok(&w, ModeRequest::Auto).await;
    assert_eq!(cursor(&s.db_url()).await["update_sort"], false);
    let flipped = {
        let mut world = sim.algorithms();
        let id = world.algorithms().find(|a| a.is_valid).unwrap().id.clone();
        world.set_valid(&id, false);
        world.create("new-one");
        id
    };
    let before = sim.stats();
    step_ok(&w, ModeRequest::Auto).await;
    assert_eq!(list_since(&sim, &before), 1, "the create_time scan only");
    let got = mirror(&s.db_url()).await;
    assert_eq!(
        got.len(),
        truth(&sim).len(),
        "the new algorithm is mirrored"
    );
    assert_eq!(
        got[&flipped]["metadata"]["is_valid"], true,
        "the flip is not seen yet"
    );
    step_ok(&w, ModeRequest::Full).await;
    assert_same(&mirror(&s.db_url()).await, &truth(&sim));
    assert_eq!(
        scalar_i64(&s.db_url(), "SELECT COUNT(*) FROM status_changes").await,
        1
    );

    // An endpoint that starts to accept it is noticed by the next full reconcile.
    sim.algorithms().update_time_sort = true;
    step_ok(&w, ModeRequest::Full).await;
    assert_eq!(cursor(&s.db_url()).await["update_sort"], true);
    let before = sim.stats();
    step_ok(&w, ModeRequest::Auto).await;
    assert_eq!(list_since(&sim, &before), 2);
    sim.stop().await;
}

#[tokio::test]
async fn an_unprobed_source_learns_from_the_400() {
    let sim = algo_sim(120).await;
    let s = Scratch::new();
    let store = s.store().await;
    let w = worker(&config(&s, &sim, ""), &store);
    step_ok(&w, ModeRequest::Auto).await;
    // As if the mirror predated the probe: forget it, then lose the feature.
    let text = cursor(&s.db_url()).await;
    let mut obj = text.as_object().unwrap().clone();
    obj.remove("update_sort");
    store
        .set_cursor(
            "algos",
            jobmirror::providers::Kind::ModelartsAlgorithms,
            &Value::Object(obj).to_string(),
        )
        .await
        .unwrap();
    sim.algorithms().update_time_sort = false;
    let before = sim.stats();
    step_ok(&w, ModeRequest::Auto).await;
    assert_eq!(list_since(&sim, &before), 2, "tried once");
    assert_eq!(cursor(&s.db_url()).await["update_sort"], false);
    let before = sim.stats();
    step_ok(&w, ModeRequest::Auto).await;
    assert_eq!(list_since(&sim, &before), 1, "then remembered");
    sim.stop().await;
}

#[tokio::test]
async fn deletions_are_confirmed_one_by_one_then_marked() {
    let sim = algo_sim(400).await;
    let s = Scratch::new();
    let store = s.store().await;
    let w = worker(&config(&s, &sim, ""), &store);
    step_ok(&w, ModeRequest::Auto).await;
    let victims: Vec<String> = truth(&sim).keys().step_by(41).cloned().collect();
    assert!(victims.len() <= jobmirror::providers::modelarts_algorithms::MAX_CONFIRM);
    for v in &victims {
        assert!(sim.algorithms().delete(v));
    }
    let before = sim.stats();
    step_ok(&w, ModeRequest::Full).await;
    assert_eq!(detail_since(&sim, &before) as usize, victims.len());
    assert_same(&mirror(&s.db_url()).await, &truth(&sim));
    assert_eq!(
        scalar_i64(
            &s.db_url(),
            "SELECT COUNT(*) FROM modelarts_algorithms WHERE deleted_at IS NOT NULL"
        )
        .await as usize,
        victims.len()
    );
    // Many at once: the sweep's word is taken, no detail requests.
    let many: Vec<String> = truth(&sim).keys().take(30).cloned().collect();
    for v in &many {
        assert!(sim.algorithms().delete(v));
    }
    let before = sim.stats();
    step_ok(&w, ModeRequest::Full).await;
    assert_eq!(detail_since(&sim, &before), 0);
    assert_same(&mirror(&s.db_url()).await, &truth(&sim));
    assert_eq!(
        scalar_i64(&s.db_url(), "SELECT COUNT(*) FROM modelarts_algorithms").await as usize,
        truth(&sim).len() + victims.len() + many.len(),
        "rows are never erased"
    );
    sim.stop().await;
}

#[tokio::test]
async fn page_shift_during_paging_loses_nothing() {
    let sim = algo_sim(1_000).await;
    let s = Scratch::new();
    let store = s.store().await;
    let w = worker(&config(&s, &sim, ""), &store);
    let at_start: Vec<String> = truth(&sim).keys().cloned().collect();
    sim.faults().set_shift(Some(Shift {
        insert: 2,
        delete_before: 1,
    }));
    step_ok(&w, ModeRequest::Auto).await;
    // A burst larger than a page, read while shifting.
    for i in 0..120 {
        sim.algorithms().create(format!("burst-{i}"));
    }
    step_ok(&w, ModeRequest::Auto).await;
    let log = sim.faults().take_shift_log();
    sim.faults().set_shift(None);
    assert!(!log.is_empty());
    let deleted: std::collections::BTreeSet<String> =
        log.iter().flat_map(|e| e.deleted.iter().cloned()).collect();
    let got = mirror(&s.db_url()).await;
    let want = truth(&sim);
    for id in at_start.iter().filter(|id| !deleted.contains(*id)) {
        assert_eq!(
            got.get(id),
            want.get(id),
            "algorithm {id}, present throughout"
        );
    }
    for i in 0..120 {
        let name = format!("burst-{i}");
        let id = want
            .iter()
            .find(|(_, v)| v["metadata"]["name"] == name.as_str())
            .map(|(k, _)| k.clone());
        if let Some(id) = id {
            assert!(got.contains_key(&id), "{name} mirrored");
        }
    }
    step_ok(&w, ModeRequest::Auto).await;
    step_ok(&w, ModeRequest::Full).await;
    assert_same(&mirror(&s.db_url()).await, &truth(&sim));
    sim.stop().await;
}

#[tokio::test]
async fn transient_faults_are_retried_until_convergence() {
    let sim = algo_sim(330).await;
    let s = Scratch::new();
    let text =
        config_text(&s, &sim, "max_retries = 8").replace("timeout = \"5s\"", "timeout = \"2s\"");
    let store = s.store().await;
    let w = worker(&Config::from_toml(&text).unwrap(), &store);
    {
        let mut f = sim.faults();
        f.push(Fault::TooManyRequests {
            retry_after_secs: Some(1),
        });
        f.push(Fault::ServerError);
        f.push(Fault::Garbage);
        f.push(Fault::WrongShape);
        f.push(Fault::ErrorOn200);
        f.push(Fault::BadGateway);
        f.push(Fault::Slow(Duration::from_secs(4)));
    }
    let started = Instant::now();
    let stats = step_ok(&w, ModeRequest::Auto).await;
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "Retry-After honoured"
    );
    assert_eq!(
        stats.requests,
        2 + 7 + 7,
        "2 probes + 7 pages, one retry per fault"
    );
    assert_same(&mirror(&s.db_url()).await, &truth(&sim));
    sim.stop().await;
}

#[tokio::test]
async fn a_failed_full_sweep_resumes_where_it_stopped() {
    let sim = algo_sim(1_000).await;
    let s = Scratch::new();
    let store = s.store().await;
    let w = worker(&config(&s, &sim, "max_retries = 1"), &store);
    {
        let mut f = sim.faults();
        f.push_times(Fault::Slow(Duration::ZERO), 6); // 2 probes + 4 pages
        f.push(Fault::BadGateway);
        f.push(Fault::ServerError);
    }
    let outcome = w
        .step(ModeRequest::Auto, &CancellationToken::new())
        .await
        .unwrap();
    let StepOutcome::Failed { error, .. } = outcome else {
        panic!("expected a failed cycle, got {outcome:?}");
    };
    let text = error.to_string();
    assert!(text.contains("HTTP 500 ModelArts.0001"), "{text}");
    assert!(mirror(&s.db_url()).await.len() >= 200);
    let before = sim.stats();
    let stats = step_ok(&w, ModeRequest::Auto).await;
    assert_eq!(stats.requests, 20 - 4, "resumed at the fifth page");
    assert_eq!(list_since(&sim, &before), 16);
    assert_same(&mirror(&s.db_url()).await, &truth(&sim));
    sim.stop().await;
}

#[tokio::test]
async fn wrong_credentials_fail_at_once_and_a_token_works() {
    let sim = algo_sim(60).await;
    let s = Scratch::new();
    let text = config_text(&s, &sim, "").replace(SK, "not-the-secret-key-at-all");
    let store = s.store().await;
    let w = worker(&Config::from_toml(&text).unwrap(), &store);
    match w
        .step(ModeRequest::Auto, &CancellationToken::new())
        .await
        .unwrap()
    {
        StepOutcome::Failed { error, stats, .. } => {
            let text = error.to_string();
            assert!(
                text.contains("401") && text.contains("APIGW.0301"),
                "{text}"
            );
            assert!(!text.contains("not-the-secret"));
            assert_eq!(stats.requests, 1);
        }
        other => panic!("{other:?}"),
    }
    let text = config_text(&s, &sim, &format!("token = \"{TOKEN}\""))
        .replace(&format!("access_key = \"{AK}\"\n"), "")
        .replace(&format!("secret_key = \"{SK}\"\n"), "");
    step_ok(
        &worker(&Config::from_toml(&text).unwrap(), &store),
        ModeRequest::Auto,
    )
    .await;
    assert_same(&mirror(&s.db_url()).await, &truth(&sim));
    sim.stop().await;
}

#[tokio::test]
async fn page_size_above_50_is_clamped() {
    let sim = algo_sim(10).await;
    let s = Scratch::new();
    let text = config_text(&s, &sim, "").replace("page_size = 50", "page_size = 500");
    let config = Config::from_toml(&text).unwrap();
    assert_eq!(config.sources["algos"].page_size, 50);
    let store = s.store().await;
    step_ok(&worker(&config, &store), ModeRequest::Auto).await;
    assert_same(&mirror(&s.db_url()).await, &truth(&sim));
    sim.stop().await;
}

fn jobmirror_bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_jobmirror"));
    c.env_remove("JOBMIRROR_CONFIG").env("RUST_LOG", "warn");
    c
}

async fn row_count(url: &str) -> i64 {
    match crate::harness::pool_result(url).await {
        Ok(p) => {
            let n = sqlx::query_scalar("SELECT COUNT(*) FROM modelarts_algorithms")
                .fetch_one(&p)
                .await
                .unwrap_or(0);
            p.close().await;
            n
        }
        Err(_) => 0,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_in_the_middle_of_a_sync_then_sync_again_converges() {
    let sim = algo_sim(4_000).await;
    let s = Scratch::new();
    let path = s.write_config(&config_text(&s, &sim, ""));
    sim.faults()
        .every(1, Fault::Slow(Duration::from_millis(40)));
    let mut child = jobmirror_bin()
        .args(["--config", path.to_str().unwrap(), "sync"])
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let url = s.db_url();
    assert!(
        wait_for(Duration::from_secs(30), || async {
            row_count(&url).await >= 800
        })
        .await,
        "the sync made progress"
    );
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    sim.faults().clear();
    assert!(
        (row_count(&url).await as usize) < truth(&sim).len(),
        "killed before the end"
    );
    // Algorithms already mirrored flip.
    let pool = crate::harness::pool(&url).await;
    let ids: Vec<String> = sqlx::query_scalar(
        "SELECT id FROM modelarts_algorithms WHERE status = 'valid' ORDER BY id LIMIT 5",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    pool.close().await;
    assert_eq!(ids.len(), 5);
    for id in &ids {
        assert!(sim.algorithms().set_valid(id, false));
    }
    for _ in 0..2 {
        let out = jobmirror_bin()
            .args(["--config", path.to_str().unwrap(), "sync"])
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    assert_same(&mirror(&url).await, &truth(&sim));
    assert_eq!(
        scalar_i64(&url, "SELECT COUNT(*) FROM status_changes").await,
        5
    );
    assert_eq!(
        scalar_i64(&url, "SELECT COUNT(DISTINCT job_id) FROM status_changes").await,
        5,
        "one row per flip, no duplicates"
    );
    sim.stop().await;
}
