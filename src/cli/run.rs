//! `jobmirror run`: the daemon. Opens the store, schedules every source, runs
//! the webhook dispatcher, tells systemd it is ready and alive, and on
//! SIGTERM/SIGINT lets each worker finish its page in hand (in-flight webhook
//! tries are given back to the queue), then exits 0.

use std::time::Duration;

use anyhow::Context;
use tokio_util::sync::CancellationToken;

use super::signals::cancel_on_signals;
use crate::collect::{Schedule, SourceWorker};
use crate::config::Config;
use crate::http::{self, HttpState};
use crate::store::Store;
use crate::webhook::Dispatcher;

/// How long requests in flight may take once a shutdown began.
const HTTP_GRACE: Duration = Duration::from_secs(3);

pub async fn run(config: Config) -> anyhow::Result<()> {
    let cancel = CancellationToken::new();
    cancel_on_signals(cancel.clone());
    let store = Store::open_config(&config.database).await?;
    let listener = tokio::net::TcpListener::bind(config.http.listen)
        .await
        .with_context(|| format!("binding http.listen {}", config.http.listen))?;
    tracing::info!(addr = %listener.local_addr()?, "HTTP API listening");
    let hooks: Vec<_> = config.webhooks.values().cloned().collect();
    store.set_webhooks(hooks.clone());
    let dispatcher = Dispatcher::new(store.clone(), &hooks, &config.delivery)?;
    let workers = config
        .sources
        .values()
        .map(|s| SourceWorker::new(s.clone(), store.clone()))
        .collect::<Result<Vec<_>, _>>()?;
    if workers.is_empty() {
        tracing::warn!("no sources configured; nothing to mirror");
    }
    let schedule = Schedule::start(workers, cancel.clone())
        .await
        .context("starting the scheduler")?;
    let delivery = tokio::spawn(dispatcher.run(cancel.clone()));
    let server = tokio::spawn(http::serve(
        listener,
        HttpState::new(store.clone(), &config),
        cancel.clone(),
    ));
    notify(&[sd_notify::NotifyState::Ready]);
    tracing::info!(
        sources = config.sources.len(),
        webhooks = hooks.len(),
        "jobmirror running"
    );
    watchdog(cancel.clone());

    cancel.cancelled().await;
    notify(&[sd_notify::NotifyState::Stopping]);
    schedule.shutdown().await;
    // Requests in flight get a moment; a client holding a connection open does not hold up the exit.
    match tokio::time::timeout(HTTP_GRACE, server).await {
        Ok(Ok(Ok(()))) => {}
        Ok(Ok(Err(e))) => tracing::error!(error = %e, "HTTP server failed"),
        Ok(Err(e)) => tracing::error!(error = %e, "HTTP server task failed"),
        Err(_) => tracing::warn!("HTTP requests still open at shutdown; dropped"),
    }
    if let Err(e) = delivery.await {
        tracing::error!(error = %e, "webhook dispatcher task failed");
    }
    store.close().await;
    tracing::info!("stopped");
    Ok(())
}

pub(super) fn notify(state: &[sd_notify::NotifyState]) {
    if let Err(e) = sd_notify::notify(state) {
        tracing::warn!(error = %e, "sd_notify failed");
    }
}

/// Pings the systemd watchdog at half its interval while the runtime is alive.
fn watchdog(cancel: CancellationToken) {
    let Some(interval) = sd_notify::watchdog_enabled() else {
        return;
    };
    let every = (interval / 2).max(Duration::from_millis(100));
    tokio::spawn(async move {
        loop {
            notify(&[sd_notify::NotifyState::Watchdog]);
            tokio::select! {
                _ = tokio::time::sleep(every) => {}
                _ = cancel.cancelled() => break,
            }
        }
    });
}
