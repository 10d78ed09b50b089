//! The SQLite store: connection pools, migrations, and every SQL statement the
//! collector and the CLI run (pages with change detection, deletions, sync runs,
//! sync state). Callers never see SQL.

mod changes;
mod error;
mod jobs;
mod pages;
mod pai_dlc;
pub mod record;
mod runs;
mod sync_state;

use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::SqlitePool;

pub use changes::StatusChange;
pub use error::StoreError;
pub use jobs::{ActiveRow, SourceCounts};
pub use pages::{PageContext, PageOutcome};
pub use record::{ColType, Column, Record, SqlValue, TableSpec};
pub use runs::{RunMode, RunStats, RunSummary};
pub use sync_state::SyncState;

/// The mirror database: one writer connection, a small pool of readers.
#[derive(Clone)]
pub struct Store {
    writer: SqlitePool,
    reader: SqlitePool,
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
        Ok(Store { writer, reader })
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
mod tests;
