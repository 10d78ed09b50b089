//! Alibaba PAI-DLC jobs end to end against the simulator: first sync (beyond the
//! silent 7-day window), incremental net changes, the cost of a no-change cycle,
//! deletions (hard and `IsDeleted`), bursts in one second, page shifts, faults with
//! `x-acs-retry-after`, ACS3 authentication with and without STS, kill -9.

use std::collections::{BTreeMap, BTreeSet};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use jobmirror::collect::{ModeRequest, SourceWorker, StepOutcome};
use jobmirror::config::Config;
use jobmirror::sim::pai_dlc::world::OTHER_WORKSPACE;
use jobmirror::sim::pai_dlc::KIND;
use jobmirror::sim::{
    self, Clock, Fault, ManualClock, PaiDlcSimConfig, Shift, SimConfig, SimHandle,
};
use jobmirror::store::Store;
use rand::SeedableRng;
use serde_json::Value;
use tokio_util::sync::CancellationToken;

use crate::harness::{scalar_i64, step_ok, wait_for, Scratch};

const AK: &str = "LTAI5tPaiExampleKey00001";
const SK: &str = "PaiExampleSecret0000000000000001";
const STS_AK: &str = "STS.NUpaiExampleStsKey";
const STS_SK: &str = "PaiExampleStsSecret000000000001";
const STS_TOKEN: &str = "CAIS+pai+example+sts+token==";

/// A simulator on a manual clock (starting at the wall clock's now) with `jobs`
/// seeded PAI-DLC jobs spread over 180 days.
async fn pai_sim(jobs: usize) -> (SimHandle, ManualClock) {
    let (clock, handle) = Clock::manual(chrono::Utc::now());
    let sim = sim::start(SimConfig {
        clock,
        pai_dlc: Some(PaiDlcSimConfig::new(AK, SK).with_sts(STS_AK, STS_SK, STS_TOKEN)),
        ..SimConfig::default()
    })
    .await
    .expect("simulator starts");
    let mut rng = rand::rngs::StdRng::seed_from_u64(jobs as u64 + 1);
    sim.pai_dlc().seed(jobs, &mut rng);
    (sim, handle)
}

fn config_text(s: &Scratch, sim: &SimHandle, extra: &str) -> String {
    format!(
        r#"
[database]
url = "{db}"

[sources.pai]
kind = "pai-dlc-jobs"
endpoint = "{endpoint}"
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
    SourceWorker::new(config.sources["pai"].clone(), store.clone()).expect("worker")
}

/// What a source without `workspace_id` must mirror: the default workspace's jobs
/// not flagged `IsDeleted`, as JobItem JSON.
fn truth_in(sim: &SimHandle, workspace: &str) -> BTreeMap<String, Value> {
    let w = sim.pai_dlc();
    w.jobs()
        .filter(|j| j.workspace_id == workspace && !j.is_deleted)
        .map(|j| (j.job_id.clone(), w.job_json(j)))
        .collect()
}

fn truth(sim: &SimHandle) -> BTreeMap<String, Value> {
    let ws = sim.pai_dlc().default_workspace.clone();
    truth_in(sim, &ws)
}

/// The mirror's present rows: job id → `raw`.
async fn mirror(url: &str) -> BTreeMap<String, Value> {
    let pool = crate::harness::pool(url).await;
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT job_id, raw FROM pai_dlc_jobs WHERE source = 'pai' AND deleted_at IS NULL",
    )
    .fetch_all(&pool)
    .await
    .expect("read mirror");
    pool.close().await;
    rows.into_iter()
        .map(|(id, raw)| (id, serde_json::from_str(&raw).expect("raw is JSON")))
        .collect()
}

fn assert_same(got: &BTreeMap<String, Value>, want: &BTreeMap<String, Value>) {
    let missing: Vec<&String> = want
        .keys()
        .filter(|k| !got.contains_key(*k))
        .take(10)
        .collect();
    let extra: Vec<&String> = got
        .keys()
        .filter(|k| !want.contains_key(*k))
        .take(10)
        .collect();
    let differ: Vec<&String> = want
        .iter()
        .filter(|(k, w)| got.get(*k).is_some_and(|g| g != *w))
        .map(|(k, _)| k)
        .take(5)
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

async fn changes(url: &str) -> Vec<(String, String, String, String, String)> {
    let pool = crate::harness::pool(url).await;
    let rows = sqlx::query_as(
        "SELECT job_id, old_status, new_status, old_state, new_state FROM status_changes \
         WHERE kind = 'pai-dlc-jobs' ORDER BY id",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    pool.close().await;
    rows
}

fn change(
    id: &str,
    old: &str,
    new: &str,
    old_state: &str,
    new_state: &str,
) -> (String, String, String, String, String) {
    (
        id.into(),
        old.into(),
        new.into(),
        old_state.into(),
        new_state.into(),
    )
}

#[tokio::test]
async fn first_sync_equals_the_simulator_beyond_the_seven_day_window() {
    let (sim, _clock) = pai_sim(2_345).await;
    let s = Scratch::new();
    let store = s.store().await;
    let w = worker(&config(&s, &sim, ""), &store);
    let before = sim.stats();
    let stats = step_ok(&w, ModeRequest::Auto).await;
    let want = truth(&sim);
    assert!(want.len() > 1_900, "most jobs are in the default workspace");
    assert_same(&mirror(&s.db_url()).await, &want);
    // Keyset pages of 100 re-read the jobs of each page's last second; bursts of up
    // to 30 jobs in one second make some pages shorter.
    let cost = requests_since(&sim, &before);
    assert_eq!(cost, stats.requests);
    let n = want.len() as u64;
    assert!(
        cost >= n.div_ceil(100) && cost <= n.div_ceil(70) + 1,
        "{cost} requests for {n} jobs"
    );
    // Columns hold the provider's forms.
    let url = s.db_url();
    assert_eq!(
        scalar_i64(&url, "SELECT COUNT(*) FROM pai_dlc_jobs WHERE gmt_create_time NOT LIKE '____-__-__T__:__:__Z'").await,
        0
    );
    assert_eq!(
        scalar_i64(&url, "SELECT COUNT(*) FROM pai_dlc_jobs WHERE json_valid(job_specs) = 0 OR json_valid(settings) = 0 OR json_valid(status_history) = 0").await,
        0
    );
    assert_eq!(
        scalar_i64(&url, "SELECT COUNT(*) FROM pai_dlc_jobs WHERE (state = 'succeeded') != (status IN ('Succeeded', 'SucceededReserving'))").await,
        0
    );
    assert_eq!(
        scalar_i64(&url, "SELECT COUNT(*) FROM status_changes").await,
        0
    );
    let run: (String, Option<String>) =
        sqlx::query_as("SELECT mode, error FROM sync_runs ORDER BY id DESC LIMIT 1")
            .fetch_one(&crate::harness::pool(&url).await)
            .await
            .unwrap();
    assert_eq!(run, ("full".to_string(), None));
    sim.stop().await;
}

#[tokio::test]
async fn a_pinned_workspace_mirrors_that_workspace() {
    let (sim, _clock) = pai_sim(800).await;
    let s = Scratch::new();
    let store = s.store().await;
    let w = worker(
        &config(&s, &sim, &format!("workspace_id = \"{OTHER_WORKSPACE}\"")),
        &store,
    );
    step_ok(&w, ModeRequest::Auto).await;
    let want = truth_in(&sim, OTHER_WORKSPACE);
    assert!(!want.is_empty());
    assert_same(&mirror(&s.db_url()).await, &want);
    sim.stop().await;
}

#[tokio::test]
async fn incremental_cycle_records_exactly_the_net_changes() {
    let (sim, clock) = pai_sim(300).await;
    let sec = || chrono::Duration::seconds(1);
    let ids: Vec<String> = {
        let mut w = sim.pai_dlc();
        [
            "Running", "Queuing", "Running", "Running", "Running", "Running",
        ]
        .iter()
        .enumerate()
        .map(|(i, st)| {
            clock.advance(sec());
            w.create(format!("job-{i}"), st)
        })
        .collect()
    };
    let [a, b, c, d, e, f] = <[String; 6]>::try_from(ids).unwrap();
    let s = Scratch::new();
    let store = s.store().await;
    let w = worker(&config(&s, &sim, ""), &store);
    step_ok(&w, ModeRequest::Auto).await;

    clock.advance(chrono::Duration::seconds(60));
    let (hard_victim, soft_victim, new_ids) = {
        let mut world = sim.pai_dlc();
        let finished: Vec<String> = world
            .jobs()
            .filter(|j| j.workspace_id == world.default_workspace && j.status == "Succeeded")
            .take(2)
            .map(|j| j.job_id.clone())
            .collect();
        assert!(world.set_status(&a, "Succeeded"));
        assert!(world.set_status(&b, "Running"));
        assert!(world.set_status(&c, "Stopping")); // running -> stopping -> stopped: one net change
        assert!(world.set_status(&c, "Stopped"));
        assert!(world.set_status(&d, "Restarting")); // running -> restarting -> running: none
        assert!(world.set_status(&d, "Running"));
        assert!(world.set_status(&e, "SucceededReserving"));
        assert!(world.soft_delete(&f)); // unfinished and flagged: marked deleted at once
        assert!(world.delete(&finished[0])); // waits for the full reconcile
        assert!(world.soft_delete(&finished[1])); // idem
        let n1 = world.create("new-1", "Creating");
        let n2 = world.create("new-2", "Queuing");
        clock.advance(sec());
        let n3 = world.create("new-3", "Succeeded");
        (finished[0].clone(), finished[1].clone(), vec![n1, n2, n3])
    };
    let before = sim.stats();
    let stats = step_ok(&w, ModeRequest::Auto).await;
    assert_eq!(
        requests_since(&sim, &before),
        2,
        "one discovery page, one JobIds look-up"
    );
    assert_eq!(stats.requests, 2);
    let url = s.db_url();
    let mut want_changes = vec![
        change(&a, "Running", "Succeeded", "running", "succeeded"),
        change(&b, "Queuing", "Running", "pending", "running"),
        change(&c, "Running", "Stopped", "running", "stopped"),
        change(&e, "Running", "SucceededReserving", "running", "succeeded"),
    ];
    want_changes.sort();
    assert_eq!(changes_sorted(&url).await, want_changes);
    // d changed (restarted) without a net status change: its row is current.
    let got = mirror(&url).await;
    let want = truth(&sim);
    assert_eq!(got.get(&d), want.get(&d));
    assert_eq!(got[&d]["RestartTimes"], "1");
    for id in &new_ids {
        assert_eq!(
            got.get(id),
            want.get(id),
            "new job {id} mirrored after one cycle"
        );
    }
    // The unfinished job flagged IsDeleted was marked at once; the finished victims
    // wait for the full reconcile.
    let deleted_at = |id: &str| {
        let url = url.clone();
        let id = id.to_string();
        async move {
            let pool = crate::harness::pool(&url).await;
            let v: Option<String> =
                sqlx::query_scalar("SELECT deleted_at FROM pai_dlc_jobs WHERE job_id = $1")
                    .bind(&id)
                    .fetch_one(&pool)
                    .await
                    .unwrap();
            pool.close().await;
            v
        }
    };
    assert!(deleted_at(&f).await.is_some_and(|t| t.ends_with('Z')));
    assert!(deleted_at(&hard_victim).await.is_none());
    assert!(deleted_at(&soft_victim).await.is_none());
    let mut live = got.clone();
    live.remove(&hard_victim);
    live.remove(&soft_victim);
    assert_same(&live, &want);

    // SucceededReserving was not final: the job is still polled and its end is seen.
    clock.advance(chrono::Duration::seconds(30));
    assert!(sim.pai_dlc().set_status(&e, "Succeeded"));
    step_ok(&w, ModeRequest::Auto).await;
    let last = changes(&url).await.pop().unwrap();
    assert_eq!(
        last,
        change(
            &e,
            "SucceededReserving",
            "Succeeded",
            "succeeded",
            "succeeded"
        )
    );

    // The full reconcile marks both victims and records nothing else.
    step_ok(&w, ModeRequest::Full).await;
    assert_same(&mirror(&url).await, &truth(&sim));
    assert!(deleted_at(&hard_victim).await.is_some());
    assert!(deleted_at(&soft_victim).await.is_some());
    assert_eq!(
        scalar_i64(&url, "SELECT COUNT(*) FROM status_changes").await,
        5
    );
    assert_eq!(
        scalar_i64(
            &url,
            "SELECT COUNT(*) FROM pai_dlc_jobs WHERE deleted_at IS NOT NULL"
        )
        .await,
        3
    );
    sim.stop().await;
}

async fn changes_sorted(url: &str) -> Vec<(String, String, String, String, String)> {
    let mut v = changes(url).await;
    v.sort();
    v
}

/// Finishes every seeded job, then adds `unfinished` running/queuing jobs and 100
/// newer finished ones, one second apart (so no second holds a burst).
fn settle(sim: &SimHandle, clock: &ManualClock, unfinished: usize) {
    let mut world = sim.pai_dlc();
    let open: Vec<String> = world
        .jobs()
        .filter(|j| !jobmirror::providers::pai_dlc_jobs::is_terminal(&j.status))
        .map(|j| j.job_id.clone())
        .collect();
    for id in open {
        world.set_status(&id, "Succeeded");
    }
    for i in 0..unfinished {
        clock.advance(chrono::Duration::seconds(1));
        world.create(
            format!("active-{i}"),
            if i % 2 == 0 { "Queuing" } else { "Running" },
        );
    }
    for i in 0..100 {
        clock.advance(chrono::Duration::seconds(1));
        world.create(format!("done-{i}"), "Succeeded");
    }
}

#[tokio::test]
async fn no_change_cycle_cost_does_not_grow_with_finished_jobs() {
    for size in [500, 10_000] {
        let (sim, clock) = pai_sim(size).await;
        settle(&sim, &clock, 250);
        let s = Scratch::new();
        let store = s.store().await;
        let w = worker(&config(&s, &sim, ""), &store);
        step_ok(&w, ModeRequest::Auto).await;
        assert_same(&mirror(&s.db_url()).await, &truth(&sim));
        for _ in 0..2 {
            let before = sim.stats();
            let stats = step_ok(&w, ModeRequest::Auto).await;
            let cost = requests_since(&sim, &before);
            assert_eq!(cost, stats.requests);
            // One discovery page, then the 250 unfinished jobs by JobIds, 100 a request.
            assert_eq!(cost, 1 + 3, "{size} jobs mirrored, 250 unfinished");
            assert_eq!(stats.rows_changed, 0);
        }
        assert_eq!(
            scalar_i64(&s.db_url(), "SELECT COUNT(*) FROM status_changes").await,
            0
        );
        sim.stop().await;
    }
}

#[tokio::test]
async fn full_reconcile_marks_deletions_and_keeps_rows() {
    let (sim, _clock) = pai_sim(450).await;
    let s = Scratch::new();
    let store = s.store().await;
    let w = worker(&config(&s, &sim, ""), &store);
    step_ok(&w, ModeRequest::Auto).await;
    let present = truth(&sim);
    let victims: Vec<String> = present.keys().step_by(37).cloned().collect();
    let soft: Vec<String> = present.keys().skip(5).step_by(41).cloned().collect();
    for v in &victims {
        assert!(sim.pai_dlc().delete(v));
    }
    for v in soft.iter().filter(|v| !victims.contains(v)) {
        assert!(sim.pai_dlc().soft_delete(v));
    }
    let gone = present.len() - truth(&sim).len();
    step_ok(&w, ModeRequest::Full).await;
    let url = s.db_url();
    assert_same(&mirror(&url).await, &truth(&sim));
    assert_eq!(
        scalar_i64(
            &url,
            "SELECT COUNT(*) FROM pai_dlc_jobs WHERE deleted_at IS NOT NULL"
        )
        .await as usize,
        gone
    );
    assert_eq!(
        scalar_i64(&url, "SELECT COUNT(*) FROM pai_dlc_jobs").await as usize,
        present.len(),
        "rows are never erased"
    );
    // A second full reconcile changes nothing.
    step_ok(&w, ModeRequest::Full).await;
    assert_eq!(
        scalar_i64(
            &url,
            "SELECT COUNT(*) FROM pai_dlc_jobs WHERE deleted_at IS NOT NULL"
        )
        .await as usize,
        gone
    );
    assert_eq!(
        scalar_i64(&url, "SELECT COUNT(*) FROM status_changes").await,
        0
    );
    sim.stop().await;
}

/// Creates `n` jobs in the same second (the clock's now), then moves the clock 5 s on.
fn burst(sim: &SimHandle, clock: &ManualClock, n: usize, status: &str) -> Vec<String> {
    let mut world = sim.pai_dlc();
    let ids = (0..n)
        .map(|i| world.create(format!("burst-{i}"), status))
        .collect();
    clock.advance(chrono::Duration::seconds(5));
    ids
}

#[tokio::test]
async fn more_jobs_in_one_second_than_a_page_are_all_read() {
    let (sim, clock) = pai_sim(200).await;
    clock.advance(chrono::Duration::seconds(1));
    let first = burst(&sim, &clock, 333, "Succeeded");
    let s = Scratch::new();
    let store = s.store().await;
    let w = worker(&config(&s, &sim, ""), &store);
    step_ok(&w, ModeRequest::Auto).await;
    assert_same(&mirror(&s.db_url()).await, &truth(&sim));
    // A burst of new jobs between cycles (half unfinished), then a newer job.
    let mut second = burst(&sim, &clock, 437, "Running");
    second.extend(burst(&sim, &clock, 10, "Succeeded"));
    clock.advance(chrono::Duration::seconds(1));
    sim.pai_dlc().create("after", "Succeeded");
    step_ok(&w, ModeRequest::Auto).await;
    assert_same(&mirror(&s.db_url()).await, &truth(&sim));
    // Once newer jobs exist, a no-change cycle no longer re-reads the burst.
    let before = sim.stats();
    step_ok(&w, ModeRequest::Auto).await;
    assert_eq!(requests_since(&sim, &before), 1 + 437_u64.div_ceil(100));
    assert_eq!(first.len() + second.len(), 780);
    sim.stop().await;
}

#[tokio::test]
async fn page_shift_during_paging_loses_nothing() {
    let (sim, clock) = pai_sim(300).await;
    clock.advance(chrono::Duration::seconds(1));
    burst(&sim, &clock, 650, "Succeeded");
    let s = Scratch::new();
    let store = s.store().await;
    let w = worker(&config(&s, &sim, ""), &store);
    let at_start: BTreeSet<String> = truth(&sim).keys().cloned().collect();
    sim.faults().set_shift(Some(Shift {
        insert: 2,
        delete_before: 1,
    }));
    step_ok(&w, ModeRequest::Auto).await;
    let log = sim.faults().take_shift_log();
    sim.faults().set_shift(None);
    assert!(
        log.len() >= 5,
        "pages after the first were shifted: {}",
        log.len()
    );
    let deleted: BTreeSet<String> = log.iter().flat_map(|e| e.deleted.iter().cloned()).collect();
    let got = mirror(&s.db_url()).await;
    let want = truth(&sim);
    for id in at_start.difference(&deleted) {
        assert_eq!(
            got.get(id),
            want.get(id),
            "job {id}, present throughout, is mirrored"
        );
    }
    // Jobs created while paging were created after the burst: the sweep reached them.
    for e in &log {
        for id in &e.created {
            assert!(
                got.contains_key(id),
                "new job {id} caught in the same sweep"
            );
        }
    }
    step_ok(&w, ModeRequest::Full).await;
    assert_same(&mirror(&s.db_url()).await, &truth(&sim));
    sim.stop().await;
}

#[tokio::test]
async fn transient_faults_are_retried_and_x_acs_retry_after_is_honoured() {
    let (sim, _clock) = pai_sim(350).await;
    let s = Scratch::new();
    let text =
        config_text(&s, &sim, "max_retries = 8").replace("timeout = \"5s\"", "timeout = \"2s\"");
    let store = s.store().await;
    let w = worker(&Config::from_toml(&text).unwrap(), &store);
    let clean = {
        let s2 = Scratch::new();
        let store2 = s2.store().await;
        step_ok(&worker(&config(&s2, &sim, ""), &store2), ModeRequest::Auto)
            .await
            .requests
    };
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
        "x-acs-retry-after: 1000 (ms) was honoured"
    );
    assert_eq!(stats.requests, clean + 7, "one retry per fault");
    assert_same(&mirror(&s.db_url()).await, &truth(&sim));
    sim.stop().await;
}

#[tokio::test]
async fn a_cycle_that_runs_out_of_retries_fails_cleanly_and_the_next_resumes() {
    let (sim, _clock) = pai_sim(1_000).await;
    let s = Scratch::new();
    let store = s.store().await;
    let w = worker(&config(&s, &sim, "max_retries = 1"), &store);
    {
        let mut f = sim.faults();
        f.push_times(Fault::Slow(Duration::ZERO), 4);
        f.push(Fault::TooManyRequests {
            retry_after_secs: None,
        });
        f.push(Fault::TooManyRequests {
            retry_after_secs: None,
        });
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
        text.contains("HTTP 429 Throttling.User") && text.contains("RequestId"),
        "{text}"
    );
    let url = s.db_url();
    let recorded: String =
        sqlx::query_scalar("SELECT error FROM sync_runs ORDER BY id DESC LIMIT 1")
            .fetch_one(&crate::harness::pool(&url).await)
            .await
            .unwrap();
    assert!(recorded.contains("Throttling.User"), "{recorded}");
    let partial = mirror(&url).await;
    assert!(
        partial.len() >= 300,
        "the pages before the failure stay: {}",
        partial.len()
    );
    let want = truth(&sim);
    for (id, row) in &partial {
        assert_eq!(want.get(id), Some(row), "committed rows are right");
    }
    // The next cycle resumes the full sweep where it stopped.
    let before = sim.stats();
    step_ok(&w, ModeRequest::Auto).await;
    let resumed = requests_since(&sim, &before);
    assert!(
        resumed <= (want.len() as u64).div_ceil(70) - 3,
        "resumed, {resumed} requests"
    );
    assert_same(&mirror(&url).await, &truth(&sim));
    sim.stop().await;
}

#[tokio::test]
async fn garbage_on_every_request_fails_without_wrong_rows() {
    let (sim, _clock) = pai_sim(200).await;
    let s = Scratch::new();
    let store = s.store().await;
    let w = worker(&config(&s, &sim, "max_retries = 2"), &store);
    sim.faults().every(1, Fault::Garbage);
    match w
        .step(ModeRequest::Auto, &CancellationToken::new())
        .await
        .unwrap()
    {
        StepOutcome::Failed { error, stats, .. } => {
            assert!(error.to_string().contains("malformed"), "{error}");
            assert_eq!(stats.requests, 3);
        }
        other => panic!("{other:?}"),
    }
    assert!(mirror(&s.db_url()).await.is_empty());
    sim.faults().clear();
    step_ok(&w, ModeRequest::Auto).await;
    assert_same(&mirror(&s.db_url()).await, &truth(&sim));
    sim.stop().await;
}

#[tokio::test]
async fn wrong_credentials_fail_at_once_with_alibabas_error() {
    let (sim, _clock) = pai_sim(10).await;
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
            assert!(text.contains("HTTP 400 SignatureDoesNotMatch"), "{text}");
            assert!(!text.contains("not-the-secret"), "no secret in errors");
            assert_eq!(stats.requests, 1, "authentication errors are not retried");
        }
        other => panic!("{other:?}"),
    }
    sim.stop().await;
}

#[tokio::test]
async fn sts_credentials_sign_with_their_security_token() {
    let (sim, _clock) = pai_sim(150).await;
    let s = Scratch::new();
    let text = config_text(&s, &sim, &format!("security_token = \"{STS_TOKEN}\""))
        .replace(AK, STS_AK)
        .replace(SK, STS_SK);
    let store = s.store().await;
    step_ok(
        &worker(&Config::from_toml(&text).unwrap(), &store),
        ModeRequest::Auto,
    )
    .await;
    assert_same(&mirror(&s.db_url()).await, &truth(&sim));
    // Without the token, the STS key is refused.
    let s2 = Scratch::new();
    let text = config_text(&s2, &sim, "")
        .replace(AK, STS_AK)
        .replace(SK, STS_SK);
    let store2 = s2.store().await;
    match worker(&Config::from_toml(&text).unwrap(), &store2)
        .step(ModeRequest::Auto, &CancellationToken::new())
        .await
        .unwrap()
    {
        StepOutcome::Failed { error, .. } => {
            assert!(
                error.to_string().contains("MissingSecurityToken"),
                "{error}"
            )
        }
        other => panic!("{other:?}"),
    }
    sim.stop().await;
}

fn jobmirror() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_jobmirror"));
    c.env_remove("JOBMIRROR_CONFIG").env("RUST_LOG", "warn");
    c
}

async fn count_rows(url: &str) -> i64 {
    match crate::harness::pool_result(url).await {
        Ok(p) => {
            let n = sqlx::query_scalar("SELECT COUNT(*) FROM pai_dlc_jobs")
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
    let (sim, clock) = pai_sim(6_000).await;
    // Five of the oldest jobs are still running (read early by the first sync).
    let long_running: Vec<String> = {
        let mut world = sim.pai_dlc();
        let ids: Vec<String> = world
            .jobs()
            .filter(|j| j.workspace_id == world.default_workspace)
            .take(5)
            .map(|j| j.job_id.clone())
            .collect();
        for id in &ids {
            assert!(world.set_status(id, "Running"));
        }
        ids
    };
    let s = Scratch::new();
    let path = s.write_config(&config_text(&s, &sim, ""));
    sim.faults()
        .every(1, Fault::Slow(Duration::from_millis(40)));
    let mut child = jobmirror()
        .args(["--config", path.to_str().unwrap(), "sync"])
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let url = s.db_url();
    let started = wait_for(Duration::from_secs(60), || async {
        count_rows(&url).await >= 1_000
    })
    .await;
    assert!(started, "the sync made progress");
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    sim.faults().clear();
    let mirrored = count_rows(&url).await;
    assert!(
        (mirrored as usize) < truth(&sim).len(),
        "killed before the end ({mirrored})"
    );
    let running = scalar_i64(
        &url,
        &format!(
            "SELECT COUNT(*) FROM pai_dlc_jobs WHERE status = 'Running' AND job_id IN ('{}')",
            long_running.join("','")
        ),
    )
    .await;
    assert_eq!(
        running, 5,
        "the long-running jobs were mirrored before the kill"
    );
    clock.advance(chrono::Duration::seconds(10));
    {
        let mut world = sim.pai_dlc();
        for (i, id) in long_running.iter().enumerate() {
            assert!(world.set_status(id, if i < 3 { "Succeeded" } else { "Failed" }));
        }
    }
    for _ in 0..2 {
        let out = jobmirror()
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
