//! `jobmirror sync [SOURCE...] [--full]`: one cycle now for each named source
//! (concurrently), then one webhook delivery pass (every due event tried once,
//! never sleeping through a backoff), for cron. Exits non-zero if any source failed.

use anyhow::{anyhow, bail};
use tokio_util::sync::CancellationToken;

use super::signals::cancel_on_signals;
use crate::collect::{ModeRequest, SourceWorker, StepOutcome};
use crate::config::Config;
use crate::store::Store;
use crate::webhook::Dispatcher;

pub async fn sync(config: Config, names: &[String], full: bool) -> anyhow::Result<()> {
    let sources = config.select_sources(names).map_err(|e| anyhow!(e))?;
    let cancel = CancellationToken::new();
    cancel_on_signals(cancel.clone());
    let store = Store::open_config(&config.database).await?;
    let hooks: Vec<_> = config.webhooks.values().cloned().collect();
    store.set_webhooks(hooks.clone());
    let dispatcher = Dispatcher::new(store.clone(), &hooks, &config.delivery)?;
    let mode = if full {
        ModeRequest::Full
    } else {
        ModeRequest::Auto
    };
    let mut tasks = Vec::new();
    for s in sources {
        let worker = SourceWorker::new(s.clone(), store.clone())?;
        let cancel = cancel.clone();
        tasks.push(tokio::spawn(async move {
            let outcome = worker.step(mode, &cancel).await;
            (worker.source().name.clone(), outcome)
        }));
    }
    let mut failures = Vec::new();
    for t in tasks {
        let (name, outcome) = t.await?;
        match outcome {
            Ok(StepOutcome::Synced { mode, stats, .. }) => eprintln!(
                "{name}: {} cycle ok: {} requests, {} rows seen, {} changed",
                mode.as_str(),
                stats.requests,
                stats.rows_seen,
                stats.rows_changed
            ),
            Ok(StepOutcome::Failed { error, .. }) => failures.push(format!("{name}: {error}")),
            Ok(StepOutcome::Cancelled { .. }) => failures.push(format!("{name}: cancelled")),
            Ok(StepOutcome::Held { holder }) => {
                eprintln!("{name}: skipped: replica {holder} is syncing it")
            }
            Err(e) => failures.push(format!("{name}: {e}")),
        }
    }
    if !hooks.is_empty() && !cancel.is_cancelled() {
        match dispatcher
            .deliver_due_until(chrono::Utc::now(), &cancel)
            .await
        {
            Ok(o) if o.attempted > 0 => eprintln!(
                "webhooks: {} tried, {} delivered, {} failed (will retry), {} dead",
                o.attempted, o.delivered, o.failed, o.dead
            ),
            Ok(_) => {}
            Err(e) => failures.push(format!("webhooks: {e}")),
        }
    }
    store.close().await;
    if !failures.is_empty() {
        bail!("{}", failures.join("; "));
    }
    Ok(())
}
