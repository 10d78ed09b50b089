//! `jobmirror serve`: the HTTP API only, read-only, on a mirror another
//! process (`run`, or `sync` from cron) writes. Prints `listening on
//! http://ADDR` on stdout once bound; stops on SIGTERM/SIGINT.

use anyhow::Context;
use tokio_util::sync::CancellationToken;

use super::run::notify;
use super::signals::cancel_on_signals;
use crate::config::Config;
use crate::http::{self, HttpState};
use crate::store::Store;

pub async fn serve(config: Config) -> anyhow::Result<()> {
    let cancel = CancellationToken::new();
    cancel_on_signals(cancel.clone());
    let store = Store::open_config_read_only(&config.database)
        .await
        .context("opening the mirror read-only")?;
    let listener = tokio::net::TcpListener::bind(config.http.listen)
        .await
        .with_context(|| format!("binding http.listen {}", config.http.listen))?;
    let addr = listener.local_addr()?;
    println!("listening on http://{addr}");
    notify(&[sd_notify::NotifyState::Ready]);
    tracing::info!(%addr, "serving the mirror read-only");
    let state = HttpState::new(store.clone(), &config);
    http::serve(listener, state, cancel).await?;
    store.close().await;
    Ok(())
}
