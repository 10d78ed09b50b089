//! `jobmirror demo`: starts the built-in simulated providers on loopback (one per
//! kind), mirrors them into a scratch database with the real collector, and shows
//! the mirror filling and then following the simulated worlds as jobs start,
//! finish and vanish.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::Context;
use rand::rngs::StdRng;
use rand::SeedableRng;
use tokio_util::sync::CancellationToken;

use super::signals::cancel_on_signals;
use crate::collect::{ModeRequest, SourceWorker, StepOutcome};
use crate::config::Config;
use crate::providers::{self, Kind};
use crate::sim::{self, ModelArtsSimConfig, ModzySimConfig, PaiDlcSimConfig, SimConfig, SimHandle};
use crate::store::{StatusChange, Store};

#[derive(Debug, clap::Args)]
pub struct DemoArgs {
    /// How long to follow the simulated worlds after the first sync.
    #[arg(long, default_value_t = 30)]
    seconds: u64,
    /// Jobs (or algorithms) in each simulated provider.
    #[arg(long, default_value_t = 2_000)]
    jobs: usize,
    /// Seconds between cycles.
    #[arg(long, default_value_t = 2)]
    interval: u64,
    /// Keep the mirror in this file (default: a temporary file, removed at the end).
    #[arg(long, value_name = "PATH")]
    db: Option<PathBuf>,
}

/// Status changes printed per cycle.
const SHOWN: usize = 10;
const PROJECT: &str = "0123456789abcdef0123456789abcdef";
const AK: &str = "DEMOACCESSKEY0000001";
const SK: &str = "demo-secret-key-not-a-real-one";
const MODZY_KEY: &str = "DEMOPREFIX.demo-api-key-not-a-real-one";

/// One demo source per kind: (source name, extra config lines).
fn sources(endpoint: &str) -> Vec<(Kind, String, String)> {
    let huawei = format!(
        "endpoint = \"{endpoint}\"\nproject_id = \"{PROJECT}\"\naccess_key = \"{AK}\"\nsecret_key = \"{SK}\"\n"
    );
    let alibaba =
        format!("endpoint = \"{endpoint}\"\naccess_key = \"{AK}\"\nsecret_key = \"{SK}\"\n");
    vec![
        (
            Kind::ModelartsTrainingJobs,
            "ma-train".into(),
            huawei.clone(),
        ),
        (Kind::PaiDlcJobs, "pai".into(), alibaba),
        (Kind::ModelartsAlgorithms, "ma-algos".into(), huawei.clone()),
        (Kind::SwrInstanceJobs, "swr".into(), huawei),
        (
            Kind::ModzyJobs,
            "modzy".into(),
            format!("endpoint = \"{endpoint}\"\napi_key = \"{MODZY_KEY}\"\n"),
        ),
    ]
}

async fn start_sim(jobs: usize, rng: &mut StdRng) -> anyhow::Result<SimHandle> {
    let huawei = ModelArtsSimConfig::new(PROJECT, AK, SK);
    let sim = sim::start(SimConfig {
        modelarts: Some(huawei.clone()),
        algorithms: Some(huawei.clone()),
        swr: Some(huawei),
        pai_dlc: Some(PaiDlcSimConfig::new(AK, SK)),
        modzy: Some(ModzySimConfig::new(MODZY_KEY)),
        ..SimConfig::default()
    })
    .await
    .context("starting the simulator")?;
    sim.modelarts().seed(jobs, rng);
    sim.pai_dlc().seed(jobs, rng);
    sim.algorithms().seed(jobs / 10, rng);
    sim.swr().seed(jobs, rng);
    sim.modzy().seed(jobs, rng);
    Ok(sim)
}

/// Moves every simulated world one step; returns how many objects changed.
fn step_worlds(sim: &SimHandle, rng: &mut StdRng) -> usize {
    sim.modelarts().step(rng).len()
        + sim.pai_dlc().step(rng).len()
        + sim.algorithms().step(rng).len()
        + sim.swr().step(rng).len()
        + sim.modzy().step(rng).len()
}

fn print_change(c: &StatusChange) {
    println!(
        "  {}  {:<9} {:<34} {:<16} -> {:<16} ({} -> {})",
        c.observed_at,
        c.source,
        c.job_id,
        c.old_status.as_deref().unwrap_or("-"),
        c.new_status.as_deref().unwrap_or("-"),
        c.old_state.as_deref().unwrap_or("-"),
        c.new_state.as_deref().unwrap_or("-"),
    );
}

async fn mirrored(store: &Store, config: &Config) -> anyhow::Result<i64> {
    let mut total = 0;
    for s in config.sources.values() {
        let spec = providers::table_spec(s.kind);
        total += store.count_present(&s.name, spec).await?;
    }
    Ok(total)
}

/// Runs one step of every worker concurrently; returns requests and failures.
async fn cycle_all(
    workers: &[SourceWorker],
    mode: ModeRequest,
    cancel: &CancellationToken,
) -> anyhow::Result<(u64, Vec<String>)> {
    let outcomes = futures::future::join_all(workers.iter().map(|w| w.step(mode, cancel))).await;
    let mut requests = 0;
    let mut failures = Vec::new();
    for (w, outcome) in workers.iter().zip(outcomes) {
        match outcome? {
            StepOutcome::Synced { stats, .. } => requests += stats.requests,
            StepOutcome::Failed { error, stats, .. } => {
                requests += stats.requests;
                failures.push(format!("{}: {error}", w.source().name));
            }
            StepOutcome::Cancelled { .. } | StepOutcome::Held { .. } => {}
        }
    }
    Ok((requests, failures))
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

    let mut rng = StdRng::seed_from_u64(7);
    let sim = start_sim(args.jobs, &mut rng).await?;
    let mut text = format!("[database]\nurl = \"sqlite://{}\"\n", db.display());
    for (kind, name, extra) in sources(&sim.base_url()) {
        text.push_str(&format!("\n[sources.{name}]\nkind = \"{kind}\"\n{extra}"));
    }
    let config = Config::from_toml(&text).map_err(|e| anyhow::anyhow!("demo config: {e}"))?;
    println!(
        "Simulated providers on {}: Huawei ModelArts training jobs and algorithms, Huawei SWR \
         (AK/SK-signed), Alibaba PAI-DLC (ACS3-signed), Modzy (API key); {} objects each \
         ({} algorithms).",
        sim.base_url(),
        args.jobs,
        args.jobs / 10
    );
    println!("Mirror: {}\n", db.display());

    let store = Store::open_config(&config.database).await?;
    let workers = config
        .sources
        .values()
        .map(|s| SourceWorker::new(s.clone(), store.clone()))
        .collect::<Result<Vec<_>, _>>()?;

    let started = Instant::now();
    let (requests, failures) = cycle_all(&workers, ModeRequest::Auto, &cancel).await?;
    if !failures.is_empty() {
        anyhow::bail!("first sync failed: {}", failures.join("; "));
    }
    println!(
        "First sync of {} sources: {} objects mirrored with {requests} requests in {} ms.",
        workers.len(),
        mirrored(&store, &config).await?,
        started.elapsed().as_millis()
    );
    println!(
        "Following the simulated worlds for {} s (Ctrl-C stops)...\n",
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
        let changed = step_worlds(&sim, &mut rng);
        cycle += 1;
        // Every fifth cycle is a full reconcile, which finds deleted objects.
        let mode = if cycle.is_multiple_of(5) {
            ModeRequest::Full
        } else {
            ModeRequest::Auto
        };
        let (requests, failures) = cycle_all(&workers, mode, &cancel).await?;
        let seen = store.status_changes_after(last_change, 10_000).await?;
        println!(
            "cycle {cycle} ({}): {requests} requests for {} sources; the simulators changed {changed} objects; \
             {} status changes observed; mirror holds {} objects",
            if mode == ModeRequest::Full { "full" } else { "incremental" },
            workers.len(),
            seen.len(),
            mirrored(&store, &config).await?
        );
        for f in failures {
            println!("  cycle failed: {f}");
        }
        seen.iter().take(SHOWN).for_each(print_change);
        if seen.len() > SHOWN {
            println!("  ... and {} more", seen.len() - SHOWN);
        }
        if let Some(c) = seen.last() {
            last_change = c.id;
        }
    }

    store.close().await;
    sim.stop().await;
    match &args.db {
        Some(db) => println!(
            "\nThe mirror stays in {0}; try:\n  sqlite3 {0} \"SELECT kind, state, COUNT(*) FROM jobs GROUP BY 1, 2\"",
            db.display()
        ),
        None => println!("\n(demo database removed; pass --db PATH to keep it)"),
    }
    Ok(())
}
