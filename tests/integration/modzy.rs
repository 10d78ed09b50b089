//! Modzy job history end to end against the simulator: configuration, the API
//! key, first sync, incremental changes and the cost of a no-change cycle,
//! deletions, page shifts under the keyset sweep and the update walk, faults,
//! and kill -9 of the binary in the middle of a sync.

use std::collections::{BTreeMap, BTreeSet};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use jobmirror::collect::{ModeRequest, SourceWorker, StepOutcome};
use jobmirror::config::Config;
use jobmirror::sim::modzy::{status, KIND};
use jobmirror::sim::{
    self, Clock, Fault, ManualClock, ModzySimConfig, Shift, SimConfig, SimHandle,
};
use jobmirror::store::Store;
use rand::SeedableRng;
use tokio_util::sync::CancellationToken;

use crate::harness::{scalar_i64, step_ok, wait_for, Scratch};

const KEY: &str = "SIMKEYPREFIX.integration-secret-0001";
const SOURCE: &str = "mz";

/// A simulator serving Modzy with `jobs` seeded jobs, on a manual clock (the
/// strategy only compares the provider's own times, so tests move time at will).
async fn modzy_sim(jobs: usize) -> (SimHandle, ManualClock) {
    let start: DateTime<Utc> = "2026-01-05T08:00:00.000Z".parse().unwrap();
    let (clock, handle) = Clock::manual(start);
    let sim = sim::start(SimConfig {
        clock,
        modzy: Some(ModzySimConfig::new(KEY)),
        ..SimConfig::default()
    })
    .await
    .expect("simulator starts");
    let mut rng = rand::rngs::StdRng::seed_from_u64(jobs as u64);
    sim.modzy().seed(jobs, &mut rng);
    (sim, handle)
}

fn config_text(s: &Scratch, endpoint: &str, extra: &str) -> String {
    format!(
        r#"
[database]
url = "{db}"

[sources.{SOURCE}]
kind = "modzy-jobs"
endpoint = "{endpoint}"
api_key = "{KEY}"
page_size = 100
retry_base = "20ms"
timeout = "5s"
{extra}
"#,
        db = s.db_url(),
    )
}

fn config(s: &Scratch, sim: &SimHandle, extra: &str) -> Config {
    Config::from_toml(&config_text(s, &sim.base_url(), extra)).expect("valid test config")
}

fn worker(config: &Config, store: &Store) -> SourceWorker {
    SourceWorker::new(config.sources[SOURCE].clone(), store.clone()).expect("worker")
}

/// The simulator's jobs: id → the history item exactly as the API serves it.
fn truth(sim: &SimHandle) -> BTreeMap<String, String> {
    sim.modzy()
        .jobs()
        .map(|j| (j.job_identifier.clone(), j.list_json().to_string()))
        .collect()
}

/// The mirror's present jobs: id → `raw` (the provider's object as received).
async fn mirror(url: &str) -> BTreeMap<String, String> {
    let pool = crate::harness::pool(url).await;
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT job_identifier, raw FROM modzy_jobs WHERE source = 'mz' AND deleted_at IS NULL",
    )
    .fetch_all(&pool)
    .await
    .expect("read mirror");
    pool.close().await;
    rows.into_iter().collect()
}

fn assert_same(got: &BTreeMap<String, String>, want: &BTreeMap<String, String>) {
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
    let differ: Vec<(&String, &String, &String)> = want
        .iter()
        .filter_map(|(k, w)| got.get(k).filter(|g| *g != w).map(|g| (k, g, w)))
        .take(3)
        .collect();
    assert!(
        missing.is_empty() && extra.is_empty() && differ.is_empty(),
        "mirror {} rows vs truth {}: missing {missing:?}, extra {extra:?}, differ (id, mirror, truth) {differ:?}",
        got.len(),
        want.len()
    );
}

/// (list, detail) requests on the Modzy routes since `before`.
fn cost(sim: &SimHandle, before: &jobmirror::sim::Stats) -> (u64, u64) {
    let d = sim.stats().since(before);
    (d.list_requests(KIND), d.detail_requests(KIND))
}

/// Requests of a first (keyset) sweep of `n` jobs with unique creation times:
/// the watermark probe, then pages of `ps` that each start at the last job read.
fn first_sync_requests(n: usize, ps: usize) -> u64 {
    let (mut pages, mut start) = (0u64, 0usize);
    loop {
        pages += 1;
        if n - start < ps {
            return 1 + pages;
        }
        start += ps - 1;
    }
}

async fn status_changes(url: &str) -> Vec<(String, String, String, String, String)> {
    let pool = crate::harness::pool(url).await;
    let rows = sqlx::query_as(
        "SELECT job_id, old_status, new_status, old_state, new_state FROM status_changes ORDER BY id",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    pool.close().await;
    rows
}

#[test]
fn configuration_of_a_modzy_source() {
    let s = Scratch::new();
    let ok = Config::from_toml(&config_text(&s, "https://app.modzy.com/api/", "")).unwrap();
    let src = &ok.sources[SOURCE];
    assert_eq!(src.endpoint, "https://app.modzy.com/api");
    assert_eq!(src.page_size, 100);
    let default = Config::from_toml(&format!(
        "[database]\nurl = \"{}\"\n[sources.m]\nkind = \"modzy-jobs\"\napi_key = \"k\"\npage_size = 5000\n",
        s.db_url()
    ))
    .unwrap();
    assert_eq!(default.sources["m"].endpoint, "https://app.modzy.com");
    assert_eq!(
        default.sources["m"].page_size, 1000,
        "clamped to the maximum"
    );
    assert!(default.warnings.iter().any(|w| w.contains("page_size")));
    for (extra, key) in [
        ("workspace_id = \"w\"", "sources.mz.workspace_id"),
        ("project_id = \"p\"", "sources.mz.project_id"),
        ("access_key = \"AK\"", "sources.mz.access_key"),
    ] {
        let err = Config::from_toml(&config_text(&s, "https://app.modzy.com", extra)).unwrap_err();
        assert!(err.to_string().contains(key), "{extra}: {err}");
    }
    let err = Config::from_toml(
        &config_text(&s, "https://app.modzy.com", "")
            .replace(&format!("api_key = \"{KEY}\"\n"), ""),
    )
    .unwrap_err();
    assert!(err.to_string().contains("sources.mz.api_key"), "{err}");
}

#[tokio::test]
async fn first_sync_equals_the_simulator_with_both_timestamp_styles() {
    let (sim, _) = modzy_sim(2_345).await;
    let s = Scratch::new();
    let store = s.store().await;
    let w = worker(&config(&s, &sim, ""), &store);
    let before = sim.stats();
    let stats = step_ok(&w, ModeRequest::Auto).await;
    assert_same(&mirror(&s.db_url()).await, &truth(&sim));
    let expected = first_sync_requests(2_345, 100);
    assert_eq!(cost(&sim, &before), (expected, 0));
    assert_eq!(stats.requests, expected);
    assert_eq!(
        scalar_i64(&s.db_url(), "SELECT COUNT(*) FROM status_changes").await,
        0
    );
    let url = s.db_url();
    // Both offset styles arrive, verbatim, and both are read as instants.
    for (sql, what) in [
        (
            "SELECT COUNT(*) FROM modzy_jobs WHERE created_at LIKE '%+0000'",
            "+0000",
        ),
        (
            "SELECT COUNT(*) FROM modzy_jobs WHERE created_at LIKE '%+00:00'",
            "+00:00",
        ),
        (
            "SELECT COUNT(*) FROM modzy_jobs WHERE updated_at LIKE '%+0000'",
            "+0000",
        ),
        (
            "SELECT COUNT(*) FROM modzy_jobs WHERE updated_at LIKE '%+00:00'",
            "+00:00",
        ),
    ] {
        assert!(scalar_i64(&url, sql).await > 500, "{what}");
    }
    assert_eq!(
        scalar_i64(&url, "SELECT COUNT(*) FROM modzy_jobs WHERE created_at_utc IS NULL OR updated_at_utc IS NULL").await,
        0
    );
    assert_eq!(
        scalar_i64(&url, "SELECT COUNT(*) FROM modzy_jobs WHERE substr(created_at, 1, 23) <> substr(created_at_utc, 1, 23)").await,
        0,
        "UTC offsets: same wall time"
    );
    // Nullable fields arrive as NULL.
    let open = sim
        .modzy()
        .jobs()
        .filter(|j| j.status == status::OPEN)
        .count() as i64;
    assert_eq!(
        scalar_i64(&url, "SELECT COUNT(*) FROM modzy_jobs WHERE submitted_at IS NULL AND submitted_at_utc IS NULL").await,
        open
    );
    assert!(
        scalar_i64(
            &url,
            "SELECT COUNT(*) FROM modzy_jobs WHERE elapsed_time IS NULL"
        )
        .await
            > 0
    );
    // Normalized states follow the table.
    let bad = scalar_i64(
        &url,
        "SELECT COUNT(*) FROM modzy_jobs WHERE state <> CASE status WHEN 'SUBMITTED' THEN 'pending' \
         WHEN 'OPEN' THEN 'pending' WHEN 'IN_PROGRESS' THEN 'running' WHEN 'COMPLETED' THEN 'succeeded' \
         WHEN 'CANCELED' THEN 'stopped' WHEN 'TIMEDOUT' THEN 'failed' END",
    )
    .await;
    assert_eq!(bad, 0);
    sim.stop().await;
}

#[tokio::test]
async fn a_wrong_api_key_fails_at_once_with_the_modzy_error() {
    let (sim, _) = modzy_sim(10).await;
    let s = Scratch::new();
    let text = config_text(&s, &sim.base_url(), "").replace(KEY, "SIMKEYPREFIX.not-the-key");
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
                text.contains("401") && text.contains("UNAUTHORIZED"),
                "{text}"
            );
            assert!(text.contains("API key is not valid"), "{text}");
            assert!(!text.contains("not-the-key"), "no secret in errors");
            assert_eq!(stats.requests, 1, "authentication errors are not retried");
        }
        other => panic!("{other:?}"),
    }
    sim.stop().await;
}

#[tokio::test]
async fn an_endpoint_ending_in_api_is_not_doubled() {
    let (sim, _) = modzy_sim(120).await;
    let s = Scratch::new();
    let text = config_text(&s, &format!("{}/api/", sim.base_url()), "");
    let store = s.store().await;
    step_ok(
        &worker(&Config::from_toml(&text).unwrap(), &store),
        ModeRequest::Auto,
    )
    .await;
    assert_same(&mirror(&s.db_url()).await, &truth(&sim));
    assert_eq!(sim.stats().with_status(404), 0);
    sim.stop().await;
}

#[tokio::test]
async fn incremental_cycle_records_exactly_the_net_changes_in_one_request() {
    let (sim, clock) = modzy_sim(300).await;
    let mut made = Vec::new();
    for st in [
        status::IN_PROGRESS,
        status::SUBMITTED,
        status::IN_PROGRESS,
        status::IN_PROGRESS,
        status::OPEN,
    ] {
        clock.advance(chrono::Duration::seconds(5));
        made.push(sim.modzy().create(st));
    }
    let [a, b, c, d, e] = &made[..] else {
        unreachable!()
    };
    let s = Scratch::new();
    let store = s.store().await;
    let w = worker(&config(&s, &sim, ""), &store);
    step_ok(&w, ModeRequest::Auto).await;

    clock.advance(chrono::Duration::minutes(3));
    let victim = sim
        .modzy()
        .jobs()
        .find(|j| status::is_terminal(&j.status))
        .map(|j| j.job_identifier.clone())
        .unwrap();
    let new_ids = {
        let mut world = sim.modzy();
        assert!(world.set_status(a, status::COMPLETED)); // running -> succeeded
        assert!(world.set_status(b, status::IN_PROGRESS)); // pending -> running
        assert!(world.set_status(c, status::SUBMITTED)); // running -> ... -> stopped: one net change
        assert!(world.set_status(c, status::CANCELED));
        assert!(world.set_status(d, status::SUBMITTED)); // back and forth: no net change
        assert!(world.set_status(d, status::IN_PROGRESS));
        assert!(world.set_progress(e, 0, 0)); // content only
        assert!(world.delete(&victim));
        vec![
            world.create(status::SUBMITTED),
            world.create(status::OPEN),
            world.create(status::COMPLETED),
        ]
    };
    let before = sim.stats();
    let stats = step_ok(&w, ModeRequest::Auto).await;
    assert_eq!(cost(&sim, &before), (1, 0), "one page of the update walk");
    assert_eq!(stats.requests, 1);

    let row = |id: &str, old: &str, new: &str, os: &str, ns: &str| {
        (
            id.to_string(),
            old.to_string(),
            new.to_string(),
            os.to_string(),
            ns.to_string(),
        )
    };
    let mut got = status_changes(&s.db_url()).await;
    got.sort();
    let mut want = vec![
        row(a, "IN_PROGRESS", "COMPLETED", "running", "succeeded"),
        row(b, "SUBMITTED", "IN_PROGRESS", "pending", "running"),
        row(c, "IN_PROGRESS", "CANCELED", "running", "stopped"),
    ];
    want.sort();
    assert_eq!(got, want);

    // Every live job is mirrored exactly; the deleted one waits for the reconcile.
    let mut live = mirror(&s.db_url()).await;
    assert!(live.remove(&victim).is_some());
    for id in &new_ids {
        assert!(
            live.contains_key(id),
            "new job {id} mirrored after one cycle"
        );
    }
    assert_same(&live, &truth(&sim));

    let before = sim.stats();
    step_ok(&w, ModeRequest::Full).await;
    assert_eq!(
        cost(&sim, &before).1,
        1,
        "one detail GET confirms the deletion"
    );
    assert_same(&mirror(&s.db_url()).await, &truth(&sim));
    let pool = crate::harness::pool(&s.db_url()).await;
    let deleted: Option<String> =
        sqlx::query_scalar("SELECT deleted_at FROM modzy_jobs WHERE job_identifier = $1")
            .bind(&victim)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert!(deleted.is_some_and(|d| d.ends_with('Z')));
    assert_eq!(
        status_changes(&s.db_url()).await.len(),
        3,
        "the reconcile found nothing else"
    );
    sim.stop().await;
}

#[tokio::test]
async fn a_no_change_cycle_costs_one_request_whatever_the_mirror_size() {
    for size in [500, 10_000] {
        let (sim, clock) = modzy_sim(size).await;
        {
            // 150 unfinished jobs (pending and running), then 100 newer finished
            // ones, a second apart.
            let mut world = sim.modzy();
            for i in 0..250 {
                clock.advance(chrono::Duration::seconds(1));
                world.create(match i {
                    0..=74 => status::SUBMITTED,
                    75..=149 => status::IN_PROGRESS,
                    _ => status::COMPLETED,
                });
            }
        }
        let s = Scratch::new();
        let store = s.store().await;
        let w = worker(&config(&s, &sim, ""), &store);
        step_ok(&w, ModeRequest::Auto).await;
        clock.advance(chrono::Duration::minutes(1));
        for _ in 0..2 {
            let before = sim.stats();
            let stats = step_ok(&w, ModeRequest::Auto).await;
            assert_eq!(cost(&sim, &before), (1, 0), "{size} jobs");
            assert_eq!(stats.requests, 1);
            assert_eq!(stats.rows_changed, 0);
        }
        let unfinished = scalar_i64(
            &s.db_url(),
            "SELECT COUNT(*) FROM modzy_jobs WHERE status NOT IN ('COMPLETED', 'CANCELED', 'TIMEDOUT')",
        )
        .await;
        assert!(unfinished >= 150, "{unfinished}");
        assert_eq!(
            scalar_i64(&s.db_url(), "SELECT COUNT(*) FROM status_changes").await,
            0
        );
        assert_same(&mirror(&s.db_url()).await, &truth(&sim));
        eprintln!(
            "modzy-jobs: {} mirrored jobs ({unfinished} unfinished): no-change cycle = 1 request",
            size + 250
        );
        sim.stop().await;
    }
}

#[tokio::test]
async fn many_changes_between_cycles_are_all_caught() {
    let (sim, clock) = modzy_sim(800).await;
    let s = Scratch::new();
    let store = s.store().await;
    let w = worker(&config(&s, &sim, ""), &store);
    step_ok(&w, ModeRequest::Auto).await;
    clock.advance(chrono::Duration::minutes(1));
    let ids: Vec<String> = sim
        .modzy()
        .jobs()
        .map(|j| j.job_identifier.clone())
        .collect();
    {
        // 437 changes (more than four pages of 100) over a minute, plus new jobs.
        let mut world = sim.modzy();
        for (i, id) in ids.iter().step_by(2).take(400).enumerate() {
            if i % 10 == 0 {
                clock.advance(chrono::Duration::seconds(1));
            }
            world.set_progress(id, 1, 0);
        }
        for _ in 0..37 {
            world.create(status::SUBMITTED);
        }
    }
    let before = sim.stats();
    step_ok(&w, ModeRequest::Auto).await;
    let (lists, _) = cost(&sim, &before);
    assert!((5..=6).contains(&lists), "overlapping pages: {lists}");
    assert_same(&mirror(&s.db_url()).await, &truth(&sim));
    // More changes than overlapping pages of 10 can cover: the walk falls back
    // to reading every job by creation time.
    let small = Config::from_toml(
        &config_text(&s, &sim.base_url(), "").replace("page_size = 100", "page_size = 10"),
    )
    .unwrap();
    let w10 = worker(&small, &store);
    clock.advance(chrono::Duration::minutes(1));
    {
        let mut world = sim.modzy();
        for id in ids.iter().skip(1).step_by(3).take(60) {
            clock.advance(chrono::Duration::milliseconds(100));
            world.set_status(id, status::CANCELED);
        }
    }
    step_ok(&w10, ModeRequest::Auto).await;
    assert_same(&mirror(&s.db_url()).await, &truth(&sim));
    sim.stop().await;
}

#[tokio::test]
async fn full_reconcile_confirms_and_marks_deletions_and_keeps_rows() {
    let (sim, _) = modzy_sim(450).await;
    let s = Scratch::new();
    let store = s.store().await;
    let w = worker(&config(&s, &sim, ""), &store);
    step_ok(&w, ModeRequest::Auto).await;
    let victims: Vec<String> = truth(&sim).keys().step_by(37).cloned().collect();
    for v in &victims {
        assert!(sim.modzy().delete(v));
    }
    // The first confirmation meets a 500 and a 429 (after the 5 sweep pages).
    {
        let mut f = sim.faults();
        f.push_times(Fault::Slow(Duration::ZERO), 5);
        f.push(Fault::ServerError);
        f.push(Fault::TooManyRequests {
            retry_after_secs: None,
        });
    }
    let before = sim.stats();
    step_ok(&w, ModeRequest::Full).await;
    assert_eq!(sim.faults().queued(), 0);
    assert_eq!(
        cost(&sim, &before),
        (first_sync_requests(450, 100) - 1, victims.len() as u64 + 2),
        "the sweep, then one 404 per deleted job (and two retries)"
    );
    assert_same(&mirror(&s.db_url()).await, &truth(&sim));
    let url = s.db_url();
    assert_eq!(
        scalar_i64(
            &url,
            "SELECT COUNT(*) FROM modzy_jobs WHERE deleted_at IS NOT NULL"
        )
        .await as usize,
        victims.len()
    );
    assert_eq!(
        scalar_i64(&url, "SELECT COUNT(*) FROM modzy_jobs").await as usize,
        truth(&sim).len() + victims.len(),
        "rows are never erased"
    );
    sim.stop().await;
}

#[tokio::test]
async fn the_keyset_sweep_survives_page_shifts() {
    let (sim, _) = modzy_sim(1_000).await;
    let s = Scratch::new();
    let store = s.store().await;
    let w = worker(&config(&s, &sim, ""), &store);
    let at_start: BTreeSet<String> = truth(&sim).keys().cloned().collect();
    // Every request after the first deletes three jobs just before its window
    // (ones already read) and creates two: page numbers would skip jobs.
    sim.faults().set_shift(Some(Shift {
        insert: 2,
        delete_before: 3,
    }));
    step_ok(&w, ModeRequest::Auto).await;
    let log = sim.faults().take_shift_log();
    sim.faults().set_shift(None);
    assert!(
        log.len() >= 9,
        "the world shifted while paging ({} times)",
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
    // Jobs created while paging are caught by the next cycle; deletions by the next full.
    step_ok(&w, ModeRequest::Auto).await;
    let got = mirror(&s.db_url()).await;
    for id in want.keys() {
        assert!(got.contains_key(id), "job {id} mirrored one cycle later");
    }
    let before = sim.stats();
    step_ok(&w, ModeRequest::Full).await;
    assert_eq!(cost(&sim, &before).1 as usize, deleted.len());
    assert_same(&mirror(&s.db_url()).await, &truth(&sim));
    sim.stop().await;
}

#[tokio::test]
async fn the_update_walk_detects_shifts_and_loses_nothing() {
    let (sim, clock) = modzy_sim(600).await;
    let s = Scratch::new();
    let store = s.store().await;
    let w = worker(&config(&s, &sim, ""), &store);
    step_ok(&w, ModeRequest::Auto).await;
    let ids: Vec<String> = sim
        .modzy()
        .jobs()
        .map(|j| j.job_identifier.clone())
        .collect();
    let change = |from: usize| {
        clock.advance(chrono::Duration::minutes(1));
        let mut world = sim.modzy();
        for (i, id) in ids.iter().skip(from).step_by(2).take(250).enumerate() {
            if i % 10 == 0 {
                clock.advance(chrono::Duration::seconds(1));
            }
            world.set_progress(id, 0, 0);
        }
    };
    // Inserts at the front and deletions behind the reader: the overlap holds.
    change(0);
    sim.faults().set_shift(Some(Shift {
        insert: 2,
        delete_before: 1,
    }));
    step_ok(&w, ModeRequest::Auto).await;
    let log = sim.faults().take_shift_log();
    sim.faults().set_shift(None);
    assert!(!log.is_empty());
    let deleted: BTreeSet<String> = log.iter().flat_map(|e| e.deleted.iter().cloned()).collect();
    let created: BTreeSet<String> = log.iter().flat_map(|e| e.created.iter().cloned()).collect();
    let got = mirror(&s.db_url()).await;
    for (id, raw) in truth(&sim) {
        if !created.contains(&id) {
            assert_eq!(
                got.get(&id),
                Some(&raw),
                "changed job {id} caught in the same cycle"
            );
        }
    }
    // Deletions only (the list moves up under the reader): the walk sees the
    // gap, reads again, and when the list keeps shifting leaves the watermark
    // where it was, so the next cycle still finds every change.
    change(1);
    sim.faults().set_shift(Some(Shift {
        insert: 0,
        delete_before: 2,
    }));
    let before = sim.stats();
    step_ok(&w, ModeRequest::Auto).await;
    let (walked, _) = cost(&sim, &before);
    sim.faults().set_shift(None);
    assert!(walked >= 6, "the walk was repeated ({walked} requests)");
    step_ok(&w, ModeRequest::Auto).await;
    let mut got = mirror(&s.db_url()).await;
    for id in deleted.iter().chain(
        sim.faults()
            .take_shift_log()
            .iter()
            .flat_map(|e| e.deleted.iter()),
    ) {
        got.remove(id);
    }
    assert_same(&got, &truth(&sim));
    step_ok(&w, ModeRequest::Full).await;
    assert_same(&mirror(&s.db_url()).await, &truth(&sim));
    sim.stop().await;
}

#[tokio::test]
async fn a_job_updated_while_the_walk_pages_is_caught_by_the_next_cycle() {
    let (sim, clock) = modzy_sim(600).await;
    let s = Scratch::new();
    let store = s.store().await;
    let w = worker(&config(&s, &sim, ""), &store);
    step_ok(&w, ModeRequest::Auto).await;
    clock.advance(chrono::Duration::minutes(1));
    // 250 changes (a three-page walk); the first one changed sits deepest.
    let changed: Vec<String> = {
        let mut world = sim.modzy();
        let ids: Vec<String> = world
            .jobs()
            .filter(|j| status::is_terminal(&j.status))
            .take(250)
            .map(|j| j.job_identifier.clone())
            .collect();
        for (i, id) in ids.iter().enumerate() {
            if i % 10 == 0 {
                clock.advance(chrono::Duration::seconds(1));
            }
            world.set_progress(id, 0, 0);
        }
        ids
    };
    let deep = changed[0].clone();
    // Once the first page has been answered, the deep job changes status: it
    // jumps to the front, behind the reader.
    sim.faults()
        .every(1, Fault::Slow(Duration::from_millis(100)));
    let before = sim.stats();
    let watcher = async {
        while cost(&sim, &before).0 < 2 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        clock.advance(chrono::Duration::seconds(5));
        assert!(sim.modzy().set_status(&deep, status::CANCELED));
    };
    let (stats, ()) = tokio::join!(step_ok(&w, ModeRequest::Auto), watcher);
    sim.faults().clear();
    assert!(
        stats.requests >= 3,
        "a multi-page walk ({})",
        stats.requests
    );
    let now = status_changes(&s.db_url()).await;
    assert!(now.is_empty(), "not seen by this walk: {now:?}");
    step_ok(&w, ModeRequest::Auto).await;
    let changes = status_changes(&s.db_url()).await;
    assert_eq!(changes.len(), 1, "{changes:?}");
    assert_eq!(changes[0].0, deep);
    assert_eq!(changes[0].2, "CANCELED");
    assert_same(&mirror(&s.db_url()).await, &truth(&sim));
    sim.stop().await;
}

#[tokio::test]
async fn transient_faults_are_retried_until_convergence() {
    let (sim, _) = modzy_sim(350).await;
    let s = Scratch::new();
    let text = config_text(&s, &sim.base_url(), "max_retries = 9")
        .replace("timeout = \"5s\"", "timeout = \"2s\"");
    let store = s.store().await;
    let w = worker(&Config::from_toml(&text).unwrap(), &store);
    {
        let mut f = sim.faults();
        f.push(Fault::TooManyRequests {
            retry_after_secs: Some(1),
        });
        f.push(Fault::TooManyRequests {
            retry_after_secs: None,
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
        first_sync_requests(350, 100) + 8,
        "one retry per fault"
    );
    assert_eq!(sim.stats().kind_with_status(KIND, 429), 2);
    assert_same(&mirror(&s.db_url()).await, &truth(&sim));
    sim.stop().await;
}

#[tokio::test]
async fn a_cycle_that_runs_out_of_retries_fails_cleanly_and_the_next_resumes() {
    let (sim, _) = modzy_sim(1_000).await;
    let s = Scratch::new();
    let store = s.store().await;
    let w = worker(&config(&s, &sim, "max_retries = 1"), &store);
    // The probe and three pages succeed, then the provider breaks down.
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
        text.contains("500") && text.contains("INTERNAL_SERVER_ERROR"),
        "{text}"
    );
    let recorded: String =
        sqlx::query_scalar("SELECT error FROM sync_runs ORDER BY id DESC LIMIT 1")
            .fetch_one(&crate::harness::pool(&s.db_url()).await)
            .await
            .unwrap();
    assert!(recorded.contains("HTTP 500"), "{recorded}");
    let partial = mirror(&s.db_url()).await;
    assert!(
        partial.len() >= 290,
        "pages before the failure stay ({})",
        partial.len()
    );
    let want = truth(&sim);
    for (id, raw) in &partial {
        assert_eq!(want.get(id), Some(raw), "committed rows are right");
    }
    sim.faults().clear();
    let before = sim.stats();
    step_ok(&w, ModeRequest::Auto).await;
    assert!(
        cost(&sim, &before).0 < first_sync_requests(1_000, 100),
        "resumed, not restarted"
    );
    assert_same(&mirror(&s.db_url()).await, &truth(&sim));
    sim.stop().await;
}

#[tokio::test]
async fn garbage_on_every_request_fails_without_wrong_rows() {
    let (sim, _) = modzy_sim(200).await;
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

fn jobmirror() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_jobmirror"));
    c.env_remove("JOBMIRROR_CONFIG").env("RUST_LOG", "warn");
    c
}

async fn mirrored(url: &str) -> i64 {
    match crate::harness::pool_result(url).await {
        Ok(p) => {
            let n = sqlx::query_scalar("SELECT COUNT(*) FROM modzy_jobs")
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
    let (sim, clock) = modzy_sim(6_000).await;
    // Unfinished jobs among the oldest, so some are mirrored before the kill.
    let early: Vec<String> = sim
        .modzy()
        .jobs()
        .take(600)
        .step_by(30)
        .map(|j| j.job_identifier.clone())
        .collect();
    for id in &early {
        assert!(sim.modzy().set_status(id, status::IN_PROGRESS));
    }
    let s = Scratch::new();
    let path = s.write_config(&config_text(&s, &sim.base_url(), ""));
    sim.faults()
        .every(1, Fault::Slow(Duration::from_millis(40)));
    let mut child = jobmirror()
        .args(["--config", path.to_str().unwrap(), "sync"])
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let url = s.db_url();
    let started = wait_for(Duration::from_secs(30), || async {
        mirrored(&url).await >= 1_000
    })
    .await;
    assert!(started, "the sync made progress");
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    sim.faults().clear();
    let before_kill = mirrored(&url).await;
    assert!(
        (before_kill as usize) < truth(&sim).len(),
        "killed before the end ({before_kill})"
    );

    // Unfinished jobs that were already mirrored change status.
    let pool = crate::harness::pool(&url).await;
    let ids: Vec<String> = sqlx::query_scalar(
        "SELECT job_identifier FROM modzy_jobs WHERE status = 'IN_PROGRESS' ORDER BY job_identifier LIMIT 5",
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
    clock.advance(chrono::Duration::minutes(1));
    {
        let mut world = sim.modzy();
        for id in &ids {
            assert!(world.set_status(id, status::COMPLETED));
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
    let runs: Vec<(String, Option<String>)> =
        sqlx::query_as("SELECT mode, error FROM sync_runs ORDER BY id")
            .fetch_all(&crate::harness::pool(&url).await)
            .await
            .unwrap();
    assert_eq!(runs.len(), 3);
    assert_eq!(
        runs[1],
        ("full".to_string(), None),
        "the second sync resumed the sweep"
    );
    assert_eq!(runs[2], ("incremental".to_string(), None));
    sim.stop().await;
}
