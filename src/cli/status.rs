//! `jobmirror status`: one line per source with its last cycle and mirror
//! counts, then one line per webhook endpoint with its pending and dead events
//! and its last failed try.

use comfy_table::{presets::UTF8_BORDERS_ONLY, Table};

use crate::config::Config;
use crate::providers;
use crate::store::Store;

pub async fn status(config: Config) -> anyhow::Result<()> {
    let store = Store::open_config(&config.database).await?;
    let mut table = Table::new();
    table.load_preset(UTF8_BORDERS_ONLY).set_header(vec![
        "source",
        "kind",
        "last cycle",
        "mode",
        "outcome",
        "requests",
        "mirrored",
        "deleted",
        "unfinished",
        "webhooks pending/dead",
        "synced by (lease until)",
    ]);
    let hook_counts = store.webhook_source_counts().await?;
    let now = crate::clock::now_text();
    let leases = store.leases().await?;
    for s in config.sources.values() {
        let spec = providers::table_spec(s.kind);
        let counts = store
            .source_counts(&s.name, spec, &providers::finished_statuses(s.kind))
            .await?;
        let run = store.last_run(&s.name).await?;
        let (when, mode, outcome, requests) = match &run {
            None => (
                "never".to_string(),
                "-".to_string(),
                "-".to_string(),
                "-".to_string(),
            ),
            Some(r) => (
                r.started_at.clone(),
                r.mode.clone(),
                match (&r.finished_at, &r.error) {
                    (None, _) => "running (or interrupted)".to_string(),
                    (Some(_), None) => "ok".to_string(),
                    (Some(_), Some(e)) => format!("error: {e}"),
                },
                r.requests.to_string(),
            ),
        };
        table.add_row(vec![
            s.name.clone(),
            s.kind.to_string(),
            when,
            mode,
            outcome,
            requests,
            counts.present.to_string(),
            counts.deleted.to_string(),
            counts.unfinished.to_string(),
            {
                let (pending, dead) = hook_counts.get(&s.name).copied().unwrap_or_default();
                format!("{pending}/{dead}")
            },
            match leases.iter().find(|l| l.source == s.name) {
                Some(l) if l.expires_at >= now => format!("{} ({})", l.holder, l.expires_at),
                Some(l) => format!("- (expired: {})", l.holder),
                None => "-".to_string(),
            },
        ]);
    }
    println!("{table}");

    let known: Vec<String> = config.webhooks.keys().cloned().collect();
    let endpoints = store.webhook_endpoint_stats(&known).await?;
    if !endpoints.is_empty() {
        let mut table = Table::new();
        table.load_preset(UTF8_BORDERS_ONLY).set_header(vec![
            "webhook",
            "pending",
            "dead",
            "delivered",
            "last error",
        ]);
        for e in endpoints {
            let name = if config.webhooks.contains_key(&e.endpoint) {
                e.endpoint
            } else {
                format!("{} (not configured)", e.endpoint)
            };
            table.add_row(vec![
                name,
                e.pending.to_string(),
                e.dead.to_string(),
                e.delivered.to_string(),
                match e.last_error {
                    Some((at, err)) => format!("{at} {err}"),
                    None => "-".to_string(),
                },
            ]);
        }
        println!("{table}");
    }
    store.close().await;
    Ok(())
}
