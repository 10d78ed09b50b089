//! The binary as users run it: config errors, kill -9 in the middle of a sync,
//! and SIGTERM of the daemon.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use jobmirror::sim::Fault;

use crate::harness::*;

fn jobmirror() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_jobmirror"));
    c.env_remove("JOBMIRROR_CONFIG").env("RUST_LOG", "warn");
    c
}

#[test]
fn an_invalid_config_exits_non_zero_naming_the_key() {
    let s = Scratch::new();
    let path = s.write_config("[sources.x]\nkind = \"nope\"\n");
    let out = jobmirror()
        .args(["--config", path.to_str().unwrap(), "check-config"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("sources.x.kind: unknown kind \"nope\""),
        "{err}"
    );
    assert!(out.stdout.is_empty());

    let out = jobmirror()
        .args(["--config", "/nonexistent/jobmirror.toml", "status"])
        .output()
        .unwrap();
    assert_ne!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/jobmirror.toml"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_config_prints_the_resolved_config_redacted() {
    let sim = modelarts_sim(1).await;
    let s = Scratch::new();
    let path = s.write_config(&s.config_text(&sim, ""));
    let out = jobmirror()
        .args(["--config", path.to_str().unwrap(), "check-config"])
        .env("JOBMIRROR_SOURCES__MA__PAGE_SIZE", "42")
        .output()
        .unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("page_size = 42"), "{text}");
    assert!(text.contains("[redacted]") && !text.contains(SK), "{text}");
    sim.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_in_the_middle_of_a_sync_then_sync_again_converges() {
    let sim = modelarts_sim(6_000).await;
    let s = Scratch::new();
    let path = s.write_config(&s.config_text(&sim, ""));
    // Slow pages so that the kill lands in the middle of the first sync.
    sim.faults()
        .every(1, Fault::Slow(Duration::from_millis(40)));
    let mut child = jobmirror()
        .args(["--config", path.to_str().unwrap(), "sync"])
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let url = s.db_url();
    let started = wait_for(Duration::from_secs(30), || async {
        scalar_count(&url).await >= 1_000
    })
    .await;
    assert!(started, "the sync made progress");
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    sim.faults().clear();
    let mirrored_before = scalar_count(&url).await;
    assert!(
        (mirrored_before as usize) < truth(&sim).len(),
        "killed before the end ({mirrored_before})"
    );

    // Unfinished jobs that were already mirrored change status.
    let pool = crate::harness::pool(&url).await;
    let ids: Vec<i64> = sqlx::query_scalar(
        "SELECT job_id FROM modelarts_training_jobs WHERE status IN (7, 8) ORDER BY job_id LIMIT 5",
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
        let mut world = sim.modelarts();
        for id in &ids {
            let cur = world.get(*id).unwrap().status;
            assert!(world.set_status(*id, if cur == 7 { 8 } else { 10 }));
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

async fn scalar_count(url: &str) -> i64 {
    match crate::harness::pool_result(url).await {
        Ok(p) => {
            let n = sqlx::query_scalar("SELECT COUNT(*) FROM modelarts_training_jobs")
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
async fn sigterm_stops_the_daemon_promptly_with_exit_0() {
    let sim = modelarts_sim(3_000).await;
    let s = Scratch::new();
    let text = s.config_text(&sim, "schedule = \"* * * * * *\"").replace(
        "[database]",
        "[http]\nlisten = \"127.0.0.1:0\"\n\n[database]",
    );
    let path = s.write_config(&text);
    sim.faults()
        .every(1, Fault::Slow(Duration::from_millis(200)));
    let mut child = jobmirror()
        .args(["--config", path.to_str().unwrap(), "run"])
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let url = s.db_url();
    assert!(
        wait_for(Duration::from_secs(30), || async {
            scalar_count(&url).await > 0
        })
        .await,
        "the daemon started mirroring"
    );
    let pid = child.id() as i32;
    // SAFETY: sending a signal to our own child process.
    assert_eq!(unsafe { libc::kill(pid, libc::SIGTERM) }, 0);
    let sent = Instant::now();
    let status = loop {
        if let Some(st) = child.try_wait().unwrap() {
            break st;
        }
        assert!(
            sent.elapsed() < Duration::from_secs(10),
            "exited within 10 s"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(status.code(), Some(0));
    let cancelled: i64 = scalar_i64(
        &url,
        "SELECT COUNT(*) FROM sync_runs WHERE error = 'cancelled'",
    )
    .await;
    assert_eq!(
        cancelled, 1,
        "the cycle in flight was recorded as cancelled"
    );
    sim.faults().clear();
    sim.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sync_full_from_the_cli_marks_deletions_and_status_reports_them() {
    let sim = modelarts_sim(800).await;
    let s = Scratch::new();
    let path = s.write_config(&s.config_text(&sim, ""));
    let run = |args: &[&str]| {
        let mut c = jobmirror();
        c.args(["--config", path.to_str().unwrap()]).args(args);
        c.output().unwrap()
    };
    assert!(run(&["sync"]).status.success());
    let victims: Vec<i64> = truth(&sim).keys().take(3).copied().collect();
    for v in &victims {
        assert!(sim.modelarts().delete(*v));
    }
    // An incremental cycle does not look for deletions...
    assert!(run(&["sync", "ma"]).status.success());
    let url = s.db_url();
    let deleted = "SELECT COUNT(*) FROM modelarts_training_jobs WHERE deleted_at IS NOT NULL";
    assert_eq!(scalar_i64(&url, deleted).await, 0);
    // ...a full reconcile does.
    let out = run(&["sync", "--full"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(scalar_i64(&url, deleted).await, 3);
    assert_same(&mirror(&url).await, &truth(&sim));

    let out = run(&["status"]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text
        .lines()
        .find(|l| l.contains(" ma "))
        .expect("a line for source ma");
    assert!(line.contains("full") && line.contains("ok"), "{text}");
    assert!(line.contains(&truth(&sim).len().to_string()), "{text}");

    let out = run(&["sync", "nope"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("unknown source \"nope\""));
    sim.stop().await;
}
