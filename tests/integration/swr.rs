//! SWR instance jobs (`swr-instance-jobs`) end to end against the simulator:
//! first sync, incremental changes and their cost, deletions, page shifts,
//! faults, authentication, and kill -9 of the binary.

use std::collections::BTreeMap;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use jobmirror::collect::{ModeRequest, SourceWorker, StepOutcome};
use jobmirror::config::Config;
use jobmirror::providers::swr_instance_jobs::sweep::requests_for;
use jobmirror::sim::swr::world::status;
use jobmirror::sim::swr::KIND;
use jobmirror::sim::{self, Fault, Shift, SimConfig, SimHandle, SwrSimConfig};
use jobmirror::store::Store;
use rand::SeedableRng;
use serde_json::Value;
use tokio_util::sync::CancellationToken;

use crate::harness::*;

async fn swr_sim(jobs: usize) -> SimHandle {
    let sim = sim::start(SimConfig {
        swr: Some(SwrSimConfig::new(PROJECT, AK, SK).with_token(TOKEN)),
        ..SimConfig::default()
    })
    .await
    .expect("simulator starts");
    let mut rng = rand::rngs::StdRng::seed_from_u64(jobs as u64);
    sim.swr().seed(jobs, &mut rng);
    sim
}

fn config_text(s: &Scratch, sim: &SimHandle, extra: &str) -> String {
    format!(
        r#"
[database]
url = "{db}"

[sources.swr]
kind = "swr-instance-jobs"
endpoint = "{endpoint}"
project_id = "{PROJECT}"
access_key = "{AK}"
secret_key = "{SK}"
page_size = 100
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
    SourceWorker::new(config.sources["swr"].clone(), store.clone()).expect("worker")
}

/// The simulator's jobs as the list shows them, by id.
fn truth(sim: &SimHandle) -> BTreeMap<String, Value> {
    sim.swr()
        .jobs()
        .map(|j| (j.id.clone(), j.list_json()))
        .collect()
}

type MirrorRow = (String, String, Option<String>, Option<String>, String);

/// The mirror's present jobs (their verbatim objects), by id; checks that the
/// columns agree with `raw`.
async fn mirror(url: &str) -> BTreeMap<String, Value> {
    let pool = crate::harness::pool(url).await;
    let rows: Vec<MirrorRow> = sqlx::query_as(
        "SELECT id, raw, status, updated_at, state FROM swr_instance_jobs \
         WHERE source = 'swr' AND deleted_at IS NULL",
    )
    .fetch_all(&pool)
    .await
    .expect("read mirror");
    pool.close().await;
    rows.into_iter()
        .map(|(id, raw, st, updated, state)| {
            let v: Value = serde_json::from_str(&raw).unwrap();
            assert_eq!(v["status"].as_str(), st.as_deref(), "{id}");
            assert_eq!(v["updated_at"].as_str(), updated.as_deref(), "{id}");
            assert_eq!(
                state,
                jobmirror::providers::swr_instance_jobs::state_of(st.as_deref().unwrap_or(""))
                    .as_str()
            );
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
    let differ: Vec<(&String, &Value, &Value)> = want
        .iter()
        .filter_map(|(k, w)| got.get(k).filter(|g| *g != w).map(|g| (k, g, w)))
        .take(3)
        .collect();
    assert!(
        missing.is_empty() && extra.is_empty() && differ.is_empty(),
        "mirror {} rows vs truth {}: missing {missing:?}, extra {extra:?}, differ {differ:?}",
        got.len(),
        want.len()
    );
}

fn requests_since(sim: &SimHandle, before: &jobmirror::sim::Stats) -> u64 {
    sim.stats().since(before).kind_requests(KIND)
}

/// Finishes every unfinished job of the world.
fn finish_all(sim: &SimHandle) {
    let mut w = sim.swr();
    let ids: Vec<String> = w
        .jobs()
        .filter(|j| !status::is_terminal(&j.status))
        .map(|j| j.id.clone())
        .collect();
    for id in ids {
        w.set_status(&id, status::SUCCESS);
    }
}

#[tokio::test]
async fn first_sync_equals_the_simulator() {
    let sim = swr_sim(2_345).await;
    let s = Scratch::new();
    let store = s.store().await;
    let w = worker(&config(&s, &sim, ""), &store);
    let before = sim.stats();
    let stats = step_ok(&w, ModeRequest::Auto).await;
    assert_same(&mirror(&s.db_url()).await, &truth(&sim));
    // One anchored pass: pages of 100 overlapping by 5.
    let expected = requests_for(2_345, 100);
    assert_eq!(requests_since(&sim, &before), expected);
    assert_eq!(stats.requests, expected);
    let (mode, error): (String, Option<String>) =
        sqlx::query_as("SELECT mode, error FROM sync_runs ORDER BY id DESC LIMIT 1")
            .fetch_one(&crate::harness::pool(&s.db_url()).await)
            .await
            .unwrap();
    assert_eq!((mode.as_str(), error), ("full", None));
    assert_eq!(
        scalar_i64(&s.db_url(), "SELECT COUNT(*) FROM status_changes").await,
        0
    );
    sim.stop().await;
}

#[tokio::test]
async fn incremental_cycle_records_exactly_the_net_changes() {
    let sim = swr_sim(300).await;
    finish_all(&sim);
    let (a, b, c, d) = {
        let mut w = sim.swr();
        (
            w.create("CreateInstance", "alpha", status::RUNNING),
            w.create("CreateNamespace", "beta", status::CREATING),
            w.create("UpgradeInstance", "gamma", status::CREATING),
            w.create("SyncRepository", "delta", status::INITIALIZING),
        )
    };
    let s = Scratch::new();
    let store = s.store().await;
    let w = worker(&config(&s, &sim, ""), &store);
    step_ok(&w, ModeRequest::Auto).await;

    let (new_running, new_done) = {
        let mut world = sim.swr();
        assert!(world.set_status(&a, status::SUCCESS)); // running -> success (finished)
        assert!(world.set_status(&b, status::RUNNING)); // creating -> running
        assert!(world.set_status(&c, status::INITIALIZING)); // two steps: one net change
        assert!(world.set_status(&c, status::RUNNING));
        assert!(world.set_status(&d, status::INITIALIZING)); // touched, same status
        (
            world.create("CreateNamespace", "new-running", status::RUNNING),
            // created and finished between two cycles: in no status list
            world.create("CreateNamespace", "new-done", status::FAILED),
        )
    };
    let before = sim.stats();
    let stats = step_ok(&w, ModeRequest::Auto).await;
    // probe + 3 status lists + the first sweep page, which holds both the
    // finished job and the new finished one; then the counts agree.
    assert_eq!(stats.requests, 5, "incremental cycle cost");
    assert_eq!(requests_since(&sim, &before), 5);

    let pool = crate::harness::pool(&s.db_url()).await;
    let mut changes: Vec<(String, String, String, String, String)> = sqlx::query_as(
        "SELECT job_id, old_status, new_status, old_state, new_state FROM status_changes \
         WHERE kind = 'swr-instance-jobs'",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    changes.sort();
    let mut expected = vec![
        (
            a.clone(),
            "Running".into(),
            "Success".into(),
            "running".into(),
            "succeeded".into(),
        ),
        (
            b.clone(),
            "Creating".into(),
            "Running".into(),
            "pending".into(),
            "running".into(),
        ),
        (
            c.clone(),
            "Creating".into(),
            "Running".into(),
            "pending".into(),
            "running".into(),
        ),
    ];
    expected.sort();
    assert_eq!(changes, expected);
    let got = mirror(&s.db_url()).await;
    assert_same(&got, &truth(&sim));
    assert!(got.contains_key(&new_running) && got.contains_key(&new_done));
    assert_eq!(
        got[&d]["updated_at"],
        sim.swr().get(&d).unwrap().list_json()["updated_at"],
        "a change without a status change is mirrored too"
    );
    sim.stop().await;
}

#[tokio::test]
async fn no_change_cycle_costs_one_plus_one_list_per_status() {
    for (size, per_status, expected) in [
        (500usize, 50usize, 4u64),
        (10_000, 50, 4),
        (10_000, 250, 10),
    ] {
        let sim = swr_sim(size).await;
        finish_all(&sim);
        {
            let mut w = sim.swr();
            for st in [status::CREATING, status::INITIALIZING, status::RUNNING] {
                for i in 0..per_status {
                    w.create("CreateNamespace", format!("{st}-{i}"), st);
                }
            }
            for i in 0..100 {
                w.create("CreateNamespace", format!("done-{i}"), status::SUCCESS);
            }
        }
        let s = Scratch::new();
        let store = s.store().await;
        let w = worker(&config(&s, &sim, ""), &store);
        step_ok(&w, ModeRequest::Auto).await;
        let before = sim.stats();
        let stats = step_ok(&w, ModeRequest::Auto).await;
        let cost = requests_since(&sim, &before);
        assert_eq!(cost, stats.requests);
        // probe + ceil(per_status / 100) pages per non-terminal status
        assert_eq!(
            cost, expected,
            "{size} jobs, {per_status} per unfinished status"
        );
        let unfinished = 3 * per_status as u64;
        assert!(
            cost <= 2 + unfinished.div_ceil(100) + 3,
            "within the contract's bound"
        );
        assert_eq!(stats.rows_changed, 0);
        assert_eq!(
            scalar_i64(&s.db_url(), "SELECT COUNT(*) FROM status_changes").await,
            0
        );
        sim.stop().await;
    }
}

#[tokio::test]
async fn deletions_are_marked_after_a_complete_sweep_and_rows_kept() {
    let sim = swr_sim(450).await;
    let s = Scratch::new();
    let store = s.store().await;
    let w = worker(&config(&s, &sim, ""), &store);
    step_ok(&w, ModeRequest::Auto).await;
    let victims: Vec<String> = truth(&sim).keys().step_by(37).cloned().collect();
    for v in &victims {
        assert!(sim.swr().delete(v));
    }
    step_ok(&w, ModeRequest::Full).await;
    assert_same(&mirror(&s.db_url()).await, &truth(&sim));
    let marked = scalar_i64(
        &s.db_url(),
        "SELECT COUNT(*) FROM swr_instance_jobs WHERE deleted_at IS NOT NULL",
    )
    .await;
    assert_eq!(marked as usize, victims.len());
    assert_eq!(
        scalar_i64(&s.db_url(), "SELECT COUNT(*) FROM swr_instance_jobs").await as usize,
        truth(&sim).len() + victims.len(),
        "rows are never erased"
    );

    // An incremental cycle sees the count drop and settles the deletion itself,
    // also of a job that vanished while unfinished.
    let (old_done, active) = {
        let mut world = sim.swr();
        let old_done = world
            .jobs()
            .find(|j| status::is_terminal(&j.status))
            .map(|j| j.id.clone())
            .unwrap();
        let active = world.create("CreateInstance", "short-lived", status::RUNNING);
        (old_done, active)
    };
    step_ok(&w, ModeRequest::Auto).await;
    assert!(sim.swr().delete(&old_done) && sim.swr().delete(&active));
    step_ok(&w, ModeRequest::Auto).await;
    assert_same(&mirror(&s.db_url()).await, &truth(&sim));
    let deleted_at: Option<String> =
        sqlx::query_scalar("SELECT deleted_at FROM swr_instance_jobs WHERE id = $1")
            .bind(&active)
            .fetch_one(&crate::harness::pool(&s.db_url()).await)
            .await
            .unwrap();
    assert!(deleted_at.is_some_and(|d| d.ends_with('Z')));
    // Nothing left to settle: the next cycle is cheap again.
    let before = sim.stats();
    step_ok(&w, ModeRequest::Auto).await;
    assert_eq!(requests_since(&sim, &before), 4);
    sim.stop().await;
}

#[tokio::test]
async fn page_shift_during_paging_loses_nothing() {
    for shift in [
        Shift {
            insert: 2,
            delete_before: 1,
        },
        Shift {
            insert: 0,
            delete_before: 3,
        },
        // more vanish between two requests than the overlap absorbs: step back
        Shift {
            insert: 1,
            delete_before: 8,
        },
    ] {
        let sim = swr_sim(1_000).await;
        let s = Scratch::new();
        let store = s.store().await;
        let w = worker(&config(&s, &sim, ""), &store);
        let at_start: Vec<String> = truth(&sim).keys().cloned().collect();
        sim.faults().set_shift(Some(shift));
        step_ok(&w, ModeRequest::Auto).await;
        let log = sim.faults().take_shift_log();
        sim.faults().set_shift(None);
        assert!(
            !log.is_empty(),
            "the shift mode changed the world while paging"
        );
        let deleted: std::collections::BTreeSet<String> =
            log.iter().flat_map(|e| e.deleted.iter().cloned()).collect();
        let got = mirror(&s.db_url()).await;
        let want = truth(&sim);
        for id in at_start.iter().filter(|id| !deleted.contains(*id)) {
            assert_eq!(
                got.get(id),
                want.get(id),
                "{shift:?}: job {id}, present throughout"
            );
        }
        // Jobs created while paging are caught by the next cycle, deletions too
        // (the count disagrees, so it sweeps and settles).
        step_ok(&w, ModeRequest::Auto).await;
        assert_same(&mirror(&s.db_url()).await, &truth(&sim));
        sim.stop().await;
    }
}

#[tokio::test]
async fn transient_faults_are_retried_until_convergence() {
    let sim = swr_sim(350).await;
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
        "Retry-After: 1 was honoured"
    );
    assert_eq!(
        stats.requests,
        requests_for(350, 100) + 7,
        "one retry per fault"
    );
    assert_same(&mirror(&s.db_url()).await, &truth(&sim));
    sim.stop().await;
}

#[tokio::test]
async fn a_failed_full_sweep_resumes_where_it_stopped() {
    let sim = swr_sim(1_000).await;
    let s = Scratch::new();
    let store = s.store().await;
    let w = worker(&config(&s, &sim, "max_retries = 1"), &store);
    {
        let mut f = sim.faults();
        f.push_times(Fault::Slow(Duration::ZERO), 4);
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
    assert!(
        text.contains("500") && text.contains("SVCSTG.SWR.5000008"),
        "{text}"
    );
    let partial = mirror(&s.db_url()).await;
    assert_eq!(partial.len(), 4 * 95 + 5, "four pages committed");
    let want = truth(&sim);
    for (id, row) in &partial {
        assert_eq!(want.get(id), Some(row), "committed rows are right");
    }
    let before = sim.stats();
    let stats = step_ok(&w, ModeRequest::Auto).await;
    assert_eq!(
        stats.requests,
        requests_for(1_000 - 4 * 95, 100),
        "resumed, not restarted"
    );
    assert_eq!(requests_since(&sim, &before), stats.requests);
    assert_same(&mirror(&s.db_url()).await, &truth(&sim));
    sim.stop().await;
}

#[tokio::test]
async fn wrong_credentials_fail_at_once_and_a_token_works() {
    let sim = swr_sim(120).await;
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
            assert!(!text.contains("not-the-secret"), "no secret in errors");
            assert_eq!(stats.requests, 1, "authentication errors are not retried");
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
async fn a_burst_of_new_jobs_half_already_finished_is_caught() {
    let sim = swr_sim(150).await;
    let s = Scratch::new();
    let store = s.store().await;
    let w = worker(&config(&s, &sim, ""), &store);
    step_ok(&w, ModeRequest::Auto).await;
    {
        let mut world = sim.swr();
        for i in 0..437 {
            let st = if i % 2 == 0 {
                status::RUNNING
            } else {
                status::SUCCESS
            };
            world.create("CreateNamespace", format!("burst-{i}"), st);
        }
    }
    step_ok(&w, ModeRequest::Auto).await;
    assert_same(&mirror(&s.db_url()).await, &truth(&sim));
    sim.stop().await;
}

#[test]
fn workspace_id_is_rejected_for_swr() {
    let text = "[sources.s]\nkind = \"swr-instance-jobs\"\nregion = \"cn-north-4\"\nproject_id = \"p\"\ntoken = \"t\"\nworkspace_id = \"0\"\n";
    let err = Config::from_toml(text).unwrap_err().to_string();
    assert!(err.contains("sources.s.workspace_id"), "{err}");
    let ok = Config::from_toml(&text.replace("workspace_id = \"0\"\n", "")).unwrap();
    assert_eq!(
        ok.sources["s"].endpoint,
        "https://swr-api.cn-north-4.myhuaweicloud.com"
    );
}

fn jobmirror_bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_jobmirror"));
    c.env_remove("JOBMIRROR_CONFIG").env("RUST_LOG", "warn");
    c
}

async fn row_count(url: &str) -> i64 {
    match crate::harness::pool_result(url).await {
        Ok(p) => {
            let n = sqlx::query_scalar("SELECT COUNT(*) FROM swr_instance_jobs")
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
    let sim = swr_sim(6_000).await;
    {
        // Enough unfinished jobs among the newest (read first, before the kill).
        let mut w = sim.swr();
        let ids: Vec<String> = w
            .jobs()
            .rev()
            .take(900)
            .step_by(100)
            .map(|j| j.id.clone())
            .collect();
        for id in ids {
            w.set_status(&id, status::RUNNING);
        }
    }
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
    let started = wait_for(Duration::from_secs(30), || async {
        row_count(&url).await >= 1_000
    })
    .await;
    assert!(started, "the sync made progress");
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    sim.faults().clear();
    let mirrored_before = row_count(&url).await;
    assert!(
        (mirrored_before as usize) < truth(&sim).len(),
        "killed before the end ({mirrored_before})"
    );
    // Unfinished jobs that were already mirrored change status.
    let pool = crate::harness::pool(&url).await;
    let ids: Vec<String> = sqlx::query_scalar(
        "SELECT id FROM swr_instance_jobs WHERE status = 'Running' ORDER BY id LIMIT 5",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    pool.close().await;
    assert_eq!(
        ids.len(),
        5,
        "enough unfinished jobs were mirrored before the kill"
    );
    {
        let mut world = sim.swr();
        for id in &ids {
            assert!(world.set_status(id, status::SUCCESS));
        }
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
        "one row per change, no duplicates"
    );
    sim.stop().await;
}
