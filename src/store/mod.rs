//! The SQLite store: connection pools, migrations, and every SQL statement the
//! collector, the webhook dispatcher and the CLI run (pages with change
//! detection, deletions, the webhook outbox, sync runs, sync state). Callers
//! never see SQL.

mod changes;
mod error;
mod jobs;
mod list_meta;
mod outbox;
mod pages;
pub mod record;
mod runs;
mod sync_state;

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::SqlitePool;

pub use changes::StatusChange;
pub use error::StoreError;
pub use jobs::{ActiveRow, SourceCounts};
pub use outbox::{
    new_webhook_id, AttemptRecord, AttemptResolution, EndpointStats, EventStatus, EventSummary,
    OutboxEvent, Requeued,
};
pub use pages::{PageContext, PageOutcome};
pub use record::{ColType, Column, Record, SqlValue, TableSpec};
pub use runs::{RunMode, RunStats, RunSummary};
pub use sync_state::SyncState;

/// The mirror database: one writer connection, a small pool of readers, and the
/// webhook endpoints whose filters decide which events the outbox records.
#[derive(Clone)]
pub struct Store {
    writer: SqlitePool,
    reader: SqlitePool,
    outbox: Arc<outbox::OutboxShared>,
}

impl Store {
    /// Opens (creating if missing) the database at `url`, in WAL mode, and applies
    /// the migrations.
    pub async fn open(url: &str) -> Result<Store, StoreError> {
        let options = SqliteConnectOptions::from_str(url)
            .map_err(|e| StoreError::Open {
                url: url.to_string(),
                reason: e.to_string(),
            })?
            .create_if_missing(true)
            .journal_mode(SqliteJournalMode::Wal)
            .synchronous(SqliteSynchronous::Normal)
            .busy_timeout(Duration::from_secs(30))
            .foreign_keys(true);
        let writer = SqlitePoolOptions::new()
            .max_connections(1)
            .connect_with(options.clone())
            .await
            .map_err(|e| StoreError::Open {
                url: url.to_string(),
                reason: e.to_string(),
            })?;
        sqlx::migrate!("./migrations")
            .run(&writer)
            .await
            .map_err(|e| StoreError::Migrate(e.to_string()))?;
        let reader = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options.read_only(true))
            .await
            .map_err(|e| StoreError::Open {
                url: url.to_string(),
                reason: e.to_string(),
            })?;
        Ok(Store {
            writer,
            reader,
            outbox: Arc::new(outbox::OutboxShared::new()),
        })
    }

    /// Opens an existing, already migrated database for reading only (`serve`,
    /// next to another process that writes it). Every statement of this store
    /// runs on read-only connections: any write fails.
    pub async fn open_read_only(url: &str) -> Result<Store, StoreError> {
        let open_err = |reason: String| StoreError::Open {
            url: url.to_string(),
            reason,
        };
        let options = SqliteConnectOptions::from_str(url)
            .map_err(|e| open_err(e.to_string()))?
            .create_if_missing(false)
            .busy_timeout(Duration::from_secs(30))
            .read_only(true);
        let reader = SqlitePoolOptions::new()
            .max_connections(4)
            .connect_with(options)
            .await
            .map_err(|e| open_err(e.to_string()))?;
        let migrator = sqlx::migrate!("./migrations");
        let applied: Vec<i64> =
            sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success = 1")
                .fetch_all(&reader)
                .await
                .map_err(|e| open_err(format!("not a jobmirror database ({e})")))?;
        if let Some(m) = migrator.iter().find(|m| !applied.contains(&m.version)) {
            reader.close().await;
            return Err(open_err(format!(
                "migration {} ({}) is not applied yet; run `jobmirror sync` or `jobmirror run` once",
                m.version, m.description
            )));
        }
        Ok(Store {
            writer: reader.clone(),
            reader,
            outbox: Arc::new(outbox::OutboxShared::new()),
        })
    }

    /// Closes both pools (checkpointing the WAL).
    pub async fn close(&self) {
        self.reader.close().await;
        self.writer.close().await;
    }

    pub(crate) fn writer(&self) -> &SqlitePool {
        &self.writer
    }

    pub(crate) fn reader(&self) -> &SqlitePool {
        &self.reader
    }
}

#[cfg(test)]
mod outbox_tests;
#[cfg(test)]
mod tests;
