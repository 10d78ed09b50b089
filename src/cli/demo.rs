//! `jobmirror demo`: starts the built-in simulated providers on loopback, mirrors
//! them into a scratch database with the real collector, and shows the mirror
//! filling and then following the simulated world as jobs start, finish and vanish.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::Context;
use rand::SeedableRng;
use tokio_util::sync::CancellationToken;

use super::signals::cancel_on_signals;
use crate::collect::{ModeRequest, SourceWorker, StepOutcome};
use crate::config::Config;
use crate::providers::modelarts_training_jobs::STATUSES;
use crate::sim::{self, ModelArtsSimConfig, SimConfig};
use crate::store::Store;

#[derive(Debug, clap::Args)]
pub struct DemoArgs {
    /// How long to follow the simulated world after the first sync.
    #[arg(long, default_value_t = 30)]
    seconds: u64,
    /// Jobs in the simulated ModelArts project.
    #[arg(long, default_value_t = 5_000)]
    jobs: usize,
    /// Seconds between cycles.
    #[arg(long, default_value_t = 2)]
    interval: u64,
    /// Keep the mirror in this file (default: a temporary file, removed at the end).
    #[arg(long, value_name = "PATH")]
    db: Option<PathBuf>,
}

/// Status changes printed per cycle.
const SHOWN: usize = 8;
const PROJECT: &str = "0123456789abcdef0123456789abcdef";
const AK: &str = "DEMOACCESSKEY0000001";
const SK: &str = "demo-secret-key-not-a-real-one";

fn status_name(code: &str) -> String {
    code.parse::<i64>()
        .ok()
        .and_then(|c| STATUSES.iter().find(|e| e.0 == c))
        .map(|e| e.1.trim_start_matches("JOBSTAT_").to_string())
        .unwrap_or_else(|| code.to_string())
}

pub async fn demo(args: DemoArgs) -> anyhow::Result<()> {
    let cancel = CancellationToken::new();
    cancel_on_signals(cancel.clone());
    let scratch = tempfile::Builder::new()
        .prefix("jobmirror-demo")
        .tempdir()?;
    let db = args
        .db
        .clone()
        .unwrap_or_else(|| scratch.path().join("demo.db"));

    let sim = sim::start(SimConfig {
        modelarts: Some(ModelArtsSimConfig::new(PROJECT, AK, SK)),
        ..SimConfig::default()
    })
    .await
    .context("starting the simulator")?;
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    sim.modelarts().seed(args.jobs, &mut rng);
    println!(
        "Simulated Huawei ModelArts API on {} with {} training jobs (AK/SK signed requests).",
        sim.base_url(),
        args.jobs
    );

    let config = Config::from_toml(&format!(
        r#"
[database]
url = "sqlite://{db}"

[sources.demo-modelarts]
kind = "modelarts-training-jobs"
endpoint = "{endpoint}"
project_id = "{PROJECT}"
access_key = "{AK}"
secret_key = "{SK}"
page_size = 1000
"#,
        db = db.display(),
        endpoint = sim.base_url()
    ))
    .map_err(|e| anyhow::anyhow!("demo config: {e}"))?;
    let source = config.sources["demo-modelarts"].clone();
    let store = Store::open(&config.database.url).await?;
    let worker = SourceWorker::new(source.clone(), store.clone())?;
    println!("Mirror: {}\n", db.display());

    let started = Instant::now();
    let outcome = worker.step(ModeRequest::Auto, &cancel).await?;
    let present = store
        .count_present(
            &source.name,
            crate::providers::table_spec(source.kind).context("table")?,
        )
        .await?;
    match &outcome {
        StepOutcome::Synced { stats, .. } => println!(
            "First sync: {present} jobs mirrored with {} requests in {} ms.",
            stats.requests,
            started.elapsed().as_millis()
        ),
        other => anyhow::bail!("first sync did not finish: {other:?}"),
    }
    println!(
        "Following the simulated world for {} s (Ctrl-C stops)...\n",
        args.seconds
    );

    let deadline = Instant::now() + Duration::from_secs(args.seconds);
    let mut last_change = 0i64;
    let mut cycle = 0u32;
    while Instant::now() < deadline && !cancel.is_cancelled() {
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(args.interval.max(1))) => {}
            _ = cancel.cancelled() => break,
        }
        let changes = sim.modelarts().step(&mut rng);
        cycle += 1;
        // Every fifth cycle is a full reconcile, which finds deleted jobs.
        let mode = if cycle.is_multiple_of(5) {
            ModeRequest::Full
        } else {
            ModeRequest::Auto
        };
        let outcome = worker.step(mode, &cancel).await?;
        let (requests, kind) = match &outcome {
            StepOutcome::Synced { stats, mode, .. } => (stats.requests, mode.as_str()),
            StepOutcome::Cancelled { .. } => break,
            StepOutcome::Failed { error, .. } => {
                println!("cycle failed: {error}");
                continue;
            }
        };
        let seen = store.status_changes_after(last_change, 1_000).await?;
        let present = store
            .count_present(
                &source.name,
                crate::providers::table_spec(source.kind).context("table")?,
            )
            .await?;
        println!(
            "cycle {cycle} ({kind}): {requests} requests; simulator made {} changes; mirror holds {present} jobs",
            changes.len()
        );
        for c in seen.iter().take(SHOWN) {
            println!(
                "  {}  job {:>6}  {:<16} -> {:<16} ({} -> {})",
                c.observed_at,
                c.job_id,
                status_name(c.old_status.as_deref().unwrap_or("")),
                status_name(c.new_status.as_deref().unwrap_or("")),
                c.old_state.as_deref().unwrap_or("-"),
                c.new_state.as_deref().unwrap_or("-"),
            );
        }
        if seen.len() > SHOWN {
            println!("  ... and {} more status changes", seen.len() - SHOWN);
        }
        if let Some(c) = seen.last() {
            last_change = c.id;
        }
    }

    store.close().await;
    sim.stop().await;
    match &args.db {
        Some(db) => println!(
            "\nThe mirror stays in {0}; try:\n  sqlite3 {0} \"SELECT state, COUNT(*) FROM jobs GROUP BY state\"",
            db.display()
        ),
        None => println!("\n(demo database removed; pass --db PATH to keep it)"),
    }
    Ok(())
}
