//! `jobmirror webhooks list|redeliver|test`: look at the outbox, put events back
//! in the queue (same `webhook-id`) and deliver them now, or send a signed test
//! event to one endpoint.

use anyhow::{bail, Context};
use chrono::Utc;

use crate::config::Config;
use crate::store::{EventStatus, Store};
use crate::webhook::Dispatcher;

/// Events printed per database read (the list is streamed, never held whole).
const PAGE: usize = 1000;

#[derive(Debug, clap::Subcommand)]
pub enum WebhooksCommand {
    /// Outbox events, one a line: webhook-id, type, source, job, state, attempts, last error.
    List {
        /// Only events still waiting for delivery.
        #[arg(long, conflicts_with = "dead")]
        pending: bool,
        /// Only events whose retry schedule was used up.
        #[arg(long)]
        dead: bool,
    },
    /// Put events back in the queue (same webhook-id) and deliver them now.
    Redeliver {
        /// webhook-id values as `list` shows them.
        #[arg(required_unless_present = "dead", conflicts_with = "dead")]
        ids: Vec<String>,
        /// Every dead event.
        #[arg(long)]
        dead: bool,
    },
    /// Send a signed `test` event to one endpoint and print its answer.
    Test {
        /// The endpoint (`[webhooks.NAME]`).
        name: String,
    },
}

pub async fn webhooks(config: Config, cmd: WebhooksCommand) -> anyhow::Result<()> {
    let store = Store::open_config(&config.database).await?;
    let hooks: Vec<_> = config.webhooks.values().cloned().collect();
    store.set_webhooks(hooks.clone());
    let result = match cmd {
        WebhooksCommand::List { pending, dead } => {
            let status = match (pending, dead) {
                (true, _) => Some(EventStatus::Pending),
                (_, true) => Some(EventStatus::Dead),
                _ => None,
            };
            list(&store, status).await
        }
        WebhooksCommand::Redeliver { ids, dead } => {
            let dispatcher = Dispatcher::new(store.clone(), &hooks, &config.delivery)?;
            redeliver(&store, &dispatcher, &ids, dead).await
        }
        WebhooksCommand::Test { name } => {
            let dispatcher = Dispatcher::new(store.clone(), &hooks, &config.delivery)?;
            test(&dispatcher, &name).await
        }
    };
    store.close().await;
    result
}

async fn list(store: &Store, status: Option<EventStatus>) -> anyhow::Result<()> {
    use std::io::Write;
    let stdout = std::io::stdout();
    let mut out = stdout.lock();
    let mut after = 0;
    loop {
        let page = store.list_webhook_events(status, after, PAGE).await?;
        let Some(last) = page.last() else { break };
        after = last.id;
        for e in &page {
            writeln!(
                out,
                "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{}",
                e.webhook_id,
                e.event_type,
                e.source,
                e.job_id,
                e.state.as_deref().unwrap_or("-"),
                e.attempts,
                e.last_error.as_deref().unwrap_or("-"),
                e.endpoint,
                e.status,
                if e.status == "pending" {
                    e.next_attempt_at.as_str()
                } else {
                    "-"
                },
            )?;
        }
    }
    out.flush()?;
    Ok(())
}

async fn redeliver(
    store: &Store,
    dispatcher: &Dispatcher,
    ids: &[String],
    dead: bool,
) -> anyhow::Result<()> {
    let rows = if dead {
        store.requeue_dead_webhook_events().await?
    } else {
        let r = store.requeue_webhook_events(ids).await?;
        if !r.missing.is_empty() {
            bail!("no webhook event with id {}", r.missing.join(", "));
        }
        r.rows
    };
    eprintln!("{rows} event(s) back in the queue; delivering");
    let outcome = dispatcher
        .deliver_due(Utc::now())
        .await
        .context("delivering")?;
    println!(
        "requeued {rows}; tried {}: {} delivered, {} failed (will retry), {} dead",
        outcome.attempted, outcome.delivered, outcome.failed, outcome.dead
    );
    Ok(())
}

async fn test(dispatcher: &Dispatcher, name: &str) -> anyhow::Result<()> {
    let t = dispatcher.send_test(name).await?;
    eprintln!("sent {} to {name}: {}", t.webhook_id, t.body);
    let a = &t.answer;
    match a.status {
        Some(s) => println!("HTTP {s} in {} ms", a.duration.as_millis()),
        None => println!("no answer after {} ms", a.duration.as_millis()),
    }
    if let Some(b) = &a.body {
        println!("{b}");
    }
    if let Some(e) = &a.error {
        bail!("{name}: {e}");
    }
    Ok(())
}
