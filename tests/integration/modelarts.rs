//! ModelArts v1 training jobs end to end against the simulator: first sync,
//! incremental changes, cost of a no-change cycle, deletions, page shifts, faults,
//! authentication.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use jobmirror::collect::{ModeRequest, StepOutcome};
use jobmirror::providers::modelarts_training_jobs::is_terminal;
use jobmirror::sim::{Fault, Shift};
use tokio_util::sync::CancellationToken;

use crate::harness::*;

#[tokio::test]
async fn first_sync_equals_the_simulator() {
    let sim = modelarts_sim(2_345).await;
    let s = Scratch::new();
    let config = s.config(&sim, "");
    let store = s.store().await;
    let w = worker(&config, &store);
    let before = sim.stats();
    let stats = step_ok(&w, ModeRequest::Auto).await;
    assert_same(&mirror(&s.db_url()).await, &truth(&sim));
    // One probe for the total, then the pages of 100.
    let expected = 1 + (truth(&sim).len() as u64).div_ceil(100);
    assert_eq!(list_requests_since(&sim, &before), expected);
    assert_eq!(stats.requests, expected);
    let run: (String, Option<String>, i64, i64) = sqlx::query_as(
        "SELECT mode, error, rows_seen, requests FROM sync_runs ORDER BY id DESC LIMIT 1",
    )
    .fetch_one(&crate::harness::pool(&s.db_url()).await)
    .await
    .unwrap();
    assert_eq!(run.0, "full");
    assert_eq!(run.1, None);
    assert_eq!(
        run.2 as usize,
        truth(&sim).len() + 1,
        "every job once, plus the probe's"
    );
    assert_eq!(run.3 as u64, expected);
    // The initial mirror produces no status changes.
    assert_eq!(
        scalar_i64(&s.db_url(), "SELECT COUNT(*) FROM status_changes").await,
        0
    );
    sim.stop().await;
}

#[tokio::test]
async fn incremental_cycle_records_exactly_the_net_changes() {
    let sim = modelarts_sim(300).await;
    let (a, b, c, d) = {
        let mut w = sim.modelarts();
        (
            w.create("alpha", "x", 8),
            w.create("beta", "x", 7),
            w.create("gamma", "x", 8),
            w.create("delta", "x", 8),
        )
    };
    let s = Scratch::new();
    let config = s.config(&sim, "");
    let store = s.store().await;
    let w = worker(&config, &store);
    step_ok(&w, ModeRequest::Auto).await;

    let finished_victim = sim
        .modelarts()
        .jobs()
        .find(|j| j.workspace_id == "0" && is_terminal(j.status as i64))
        .map(|j| j.job_id)
        .unwrap();
    let new_ids = {
        let mut world = sim.modelarts();
        assert!(world.set_status(a, 10)); // running -> completed (finished)
        assert!(world.set_status(b, 8)); // waiting -> running
        assert!(world.set_status(c, 9)); // running -> killing -> killed: net one change
        assert!(world.set_status(c, 12));
        assert!(world.set_status(d, 9)); // running -> killing -> running: no net change
        assert!(world.set_status(d, 8));
        assert!(world.delete(finished_victim));
        vec![
            world.create("new-1", "n", 1),
            world.create("new-2", "n", 7),
            world.create("new-3", "n", 10),
        ]
    };
    let stats = step_ok(&w, ModeRequest::Auto).await;
    assert!(
        stats.requests < 10,
        "incremental cycle cost {} requests",
        stats.requests
    );

    let pool = crate::harness::pool(&s.db_url()).await;
    let changes: Vec<(String, String, String, String, String)> = sqlx::query_as(
        "SELECT job_id, old_status, new_status, old_state, new_state FROM status_changes ORDER BY CAST(job_id AS INTEGER)",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    let expected = vec![
        (
            a.to_string(),
            "8".into(),
            "10".into(),
            "running".into(),
            "succeeded".into(),
        ),
        (
            b.to_string(),
            "7".into(),
            "8".into(),
            "pending".into(),
            "running".into(),
        ),
        (
            c.to_string(),
            "8".into(),
            "12".into(),
            "running".into(),
            "stopped".into(),
        ),
    ];
    assert_eq!(changes, expected);

    // Every live job is mirrored exactly; the deleted one waits for the full reconcile.
    let mut want = truth(&sim);
    let got = mirror(&s.db_url()).await;
    for id in &new_ids {
        assert!(
            got.contains_key(id),
            "new job {id} mirrored after one cycle"
        );
    }
    assert!(got.contains_key(&finished_victim));
    let mut got_live = got.clone();
    got_live.remove(&finished_victim);
    assert_eq!(got_live, want);

    // The full reconcile marks the deletion and changes nothing else.
    step_ok(&w, ModeRequest::Full).await;
    want = truth(&sim);
    assert_eq!(mirror(&s.db_url()).await, want);
    let deleted: Option<String> =
        sqlx::query_scalar("SELECT deleted_at FROM modelarts_training_jobs WHERE job_id = $1")
            .bind(finished_victim)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert!(deleted.is_some_and(|d| d.ends_with('Z')));
    assert_eq!(
        scalar_i64(&s.db_url(), "SELECT COUNT(*) FROM status_changes").await,
        3,
        "the full reconcile found no further changes"
    );
    sim.stop().await;
}

#[tokio::test]
async fn no_change_cycle_cost_does_not_grow_with_finished_jobs() {
    for size in [500, 5_000] {
        let sim = modelarts_sim(size).await;
        {
            // Every seeded job finished; then 150 unfinished jobs (75 waiting, 75
            // running), then 100 newer finished ones so that the unfinished ones are
            // not on the newest page.
            let mut world = sim.modelarts();
            let ids: Vec<(i64, i32)> = world.jobs().map(|j| (j.job_id, j.status)).collect();
            for (id, status) in ids {
                if !is_terminal(status as i64) {
                    world.set_status(id, 10);
                }
            }
            for i in 0..150 {
                world.create(format!("active-{i}"), "a", if i % 2 == 0 { 7 } else { 8 });
            }
            for i in 0..100 {
                world.create(format!("done-{i}"), "d", 10);
            }
        }
        let s = Scratch::new();
        let config = s.config(&sim, "");
        let store = s.store().await;
        let w = worker(&config, &store);
        step_ok(&w, ModeRequest::Auto).await;
        let before = sim.stats();
        let stats = step_ok(&w, ModeRequest::Auto).await;
        let cost = list_requests_since(&sim, &before);
        assert_eq!(cost, stats.requests);
        // The newest page, then one list each for status 7 and 8 (75 jobs: one page).
        let statuses: Vec<(i64, i64)> =
            sqlx::query_as("SELECT status, COUNT(*) FROM modelarts_training_jobs GROUP BY status")
                .fetch_all(&crate::harness::pool(&s.db_url()).await)
                .await
                .unwrap();
        assert_eq!(cost, 3, "{size} jobs, 150 unfinished {statuses:?}");
        assert_eq!(stats.rows_changed, 0);
        assert_eq!(
            scalar_i64(&s.db_url(), "SELECT COUNT(*) FROM status_changes").await,
            0
        );
        sim.stop().await;
    }
}

#[tokio::test]
async fn full_reconcile_marks_deletions_and_keeps_rows() {
    let sim = modelarts_sim(450).await;
    let s = Scratch::new();
    let config = s.config(&sim, "");
    let store = s.store().await;
    let w = worker(&config, &store);
    step_ok(&w, ModeRequest::Auto).await;
    let victims: Vec<i64> = truth(&sim).keys().step_by(37).copied().collect();
    for v in &victims {
        assert!(sim.modelarts().delete(*v));
    }
    step_ok(&w, ModeRequest::Full).await;
    assert_same(&mirror(&s.db_url()).await, &truth(&sim));
    let marked = scalar_i64(
        &s.db_url(),
        "SELECT COUNT(*) FROM modelarts_training_jobs WHERE deleted_at IS NOT NULL",
    )
    .await;
    assert_eq!(marked as usize, victims.len());
    assert_eq!(
        scalar_i64(&s.db_url(), "SELECT COUNT(*) FROM modelarts_training_jobs").await as usize,
        truth(&sim).len() + victims.len(),
        "rows are never erased"
    );
    assert_eq!(
        scalar_i64(
            &s.db_url(),
            "SELECT COUNT(*) FROM jobs WHERE deleted_at IS NOT NULL"
        )
        .await as usize,
        victims.len()
    );
    sim.stop().await;
}

#[tokio::test]
async fn page_shift_during_paging_loses_nothing() {
    let sim = modelarts_sim(1_000).await;
    let s = Scratch::new();
    let config = s.config(&sim, "");
    let store = s.store().await;
    let w = worker(&config, &store);
    let at_start: BTreeSet<i64> = truth(&sim).keys().copied().collect();
    sim.faults().set_shift(Some(Shift {
        insert: 2,
        delete_before: 1,
    }));
    step_ok(&w, ModeRequest::Auto).await;
    let log = sim.faults().take_shift_log();
    sim.faults().set_shift(None);
    assert!(
        !log.is_empty(),
        "the shift mode changed the world while paging"
    );
    let deleted: BTreeSet<i64> = log
        .iter()
        .flat_map(|e| e.deleted.iter().map(|d| d.parse::<i64>().unwrap()))
        .collect();
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
    step_ok(&w, ModeRequest::Full).await;
    assert_same(&mirror(&s.db_url()).await, &truth(&sim));
    sim.stop().await;
}

#[tokio::test]
async fn transient_faults_are_retried_until_convergence() {
    let sim = modelarts_sim(350).await;
    let s = Scratch::new();
    let config = jobmirror::config::Config::from_toml(
        &s.config_text(&sim, "max_retries = 8")
            .replace("timeout = \"5s\"", "timeout = \"2s\""),
    )
    .unwrap();
    let store = s.store().await;
    let w = worker(&config, &store);
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
        5 + 7,
        "4 list requests plus one retry per fault"
    );
    assert_same(&mirror(&s.db_url()).await, &truth(&sim));
    sim.stop().await;
}

#[tokio::test]
async fn a_cycle_that_runs_out_of_retries_fails_cleanly_and_the_next_resumes() {
    let sim = modelarts_sim(1_000).await;
    let s = Scratch::new();
    let config = s.config(&sim, "max_retries = 1");
    let store = s.store().await;
    let w = worker(&config, &store);
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
    assert!(error.to_string().contains("500"), "{error}");
    let recorded: String =
        sqlx::query_scalar("SELECT error FROM sync_runs ORDER BY id DESC LIMIT 1")
            .fetch_one(&crate::harness::pool(&s.db_url()).await)
            .await
            .unwrap();
    assert!(recorded.contains("HTTP 500"), "{recorded}");
    assert!(
        !mirror(&s.db_url()).await.is_empty(),
        "pages before the failure stay"
    );
    sim.faults().clear();
    let partial = mirror(&s.db_url()).await;
    let want = truth(&sim);
    for (id, row) in &partial {
        assert_eq!(want.get(id), Some(row), "committed rows are right");
    }
    step_ok(&w, ModeRequest::Auto).await;
    assert_same(&mirror(&s.db_url()).await, &truth(&sim));
    sim.stop().await;
}

#[tokio::test]
async fn garbage_on_every_request_fails_without_wrong_rows() {
    let sim = modelarts_sim(200).await;
    let s = Scratch::new();
    let config = s.config(&sim, "max_retries = 2");
    let store = s.store().await;
    let w = worker(&config, &store);
    sim.faults().every(1, Fault::Garbage);
    let outcome = w
        .step(ModeRequest::Auto, &CancellationToken::new())
        .await
        .unwrap();
    match outcome {
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
async fn wrong_credentials_fail_at_once_with_a_clear_error() {
    let sim = modelarts_sim(10).await;
    let s = Scratch::new();
    let text = s
        .config_text(&sim, "")
        .replace(SK, "not-the-secret-key-at-all");
    let config = jobmirror::config::Config::from_toml(&text).unwrap();
    let store = s.store().await;
    let w = worker(&config, &store);
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
    sim.stop().await;
}

#[tokio::test]
async fn iam_token_authentication_works() {
    let sim = modelarts_sim(120).await;
    let s = Scratch::new();
    let text = s
        .config_text(&sim, &format!("token = \"{TOKEN}\""))
        .replace(&format!("access_key = \"{AK}\"\n"), "")
        .replace(&format!("secret_key = \"{SK}\"\n"), "");
    let config = jobmirror::config::Config::from_toml(&text).unwrap();
    let store = s.store().await;
    step_ok(&worker(&config, &store), ModeRequest::Auto).await;
    assert_same(&mirror(&s.db_url()).await, &truth(&sim));
    sim.stop().await;
}

#[tokio::test]
async fn many_new_jobs_between_cycles_are_all_caught() {
    let sim = modelarts_sim(150).await;
    let s = Scratch::new();
    let config = s.config(&sim, "");
    let store = s.store().await;
    let w = worker(&config, &store);
    step_ok(&w, ModeRequest::Auto).await;
    {
        let mut world = sim.modelarts();
        for i in 0..437 {
            world.create(format!("burst-{i}"), "b", if i % 2 == 0 { 8 } else { 10 });
        }
    }
    step_ok(&w, ModeRequest::Auto).await;
    assert_same(&mirror(&s.db_url()).await, &truth(&sim));
    sim.stop().await;
}
