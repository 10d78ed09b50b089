//! SIGTERM and SIGINT cancel the shared token, so every loop stops after the page
//! in hand.

use tokio::signal::unix::{signal, SignalKind};
use tokio_util::sync::CancellationToken;

/// Spawns a task that cancels `token` on the first SIGTERM or SIGINT.
pub fn cancel_on_signals(token: CancellationToken) {
    tokio::spawn(async move {
        let (Ok(mut term), Ok(mut int)) = (
            signal(SignalKind::terminate()),
            signal(SignalKind::interrupt()),
        ) else {
            tracing::error!("cannot install signal handlers");
            return;
        };
        tokio::select! {
            _ = term.recv() => tracing::info!("SIGTERM: finishing the page in hand"),
            _ = int.recv() => tracing::info!("SIGINT: finishing the page in hand"),
        }
        token.cancel();
    });
}
