//! Incremental cycles on the mirrored file, run in this process with the real
//! [`SourceWorker`] (the cycle alone is timed: no process start): no-change
//! cycles, and a change cycle checked to have caught every change.

use std::time::{Duration, Instant};

use jobmirror::collect::{ModeRequest, SourceWorker, StepOutcome};
use jobmirror::config::SourceConfig;
use jobmirror::providers::finished_statuses;
use jobmirror::store::{RunMode, Store};
use tokio_util::sync::CancellationToken;

/// One cycle: its requests and wall time.
#[derive(Debug, Clone, Copy)]
pub struct CycleRun {
    pub requests: u64,
    pub wall: Duration,
}

/// Runs one incremental cycle of `src`.
pub async fn cycle(store: &Store, src: &SourceConfig) -> CycleRun {
    let worker = SourceWorker::new(src.clone(), store.clone()).expect("worker");
    let started = Instant::now();
    let outcome = worker
        .step(ModeRequest::Auto, &CancellationToken::new())
        .await
        .expect("cycle recorded");
    let wall = started.elapsed();
    match outcome {
        StepOutcome::Synced { mode, stats, .. } => {
            assert_eq!(mode, RunMode::Incremental, "{}: not incremental", src.name);
            CycleRun {
                requests: stats.requests,
                wall,
            }
        }
        other => panic!("{}: cycle failed: {other:?}", src.name),
    }
}

/// `runs` no-change cycles; the cycles are returned in order.
pub async fn no_change(store: &Store, src: &SourceConfig, runs: usize) -> Vec<CycleRun> {
    let mut out = Vec::with_capacity(runs);
    for _ in 0..runs {
        out.push(cycle(store, src).await);
    }
    out
}

/// Present and unfinished rows of a source.
pub async fn counts(store: &Store, src: &SourceConfig) -> (i64, i64) {
    let spec = jobmirror::providers::table_spec(src.kind);
    let c = store
        .source_counts(&src.name, spec, &finished_statuses(src.kind))
        .await
        .expect("counts");
    (c.present, c.unfinished)
}

/// What a change cycle caught.
#[derive(Debug, Clone, Copy)]
pub struct Caught {
    pub status_changes: usize,
    pub new_rows: i64,
}

/// One cycle after the provider changed; counts the status changes it logged
/// and the rows it added.
pub async fn change(store: &Store, src: &SourceConfig) -> (CycleRun, Caught) {
    let (before, _) = counts(store, src).await;
    let last_change = store
        .status_changes_after(0, i64::MAX)
        .await
        .expect("changes")
        .last()
        .map_or(0, |c| c.id);
    let run = cycle(store, src).await;
    let (after, _) = counts(store, src).await;
    let logged = store
        .status_changes_after(last_change, i64::MAX)
        .await
        .expect("changes")
        .iter()
        .filter(|c| c.source == src.name)
        .count();
    (
        run,
        Caught {
            status_changes: logged,
            new_rows: after - before,
        },
    )
}
