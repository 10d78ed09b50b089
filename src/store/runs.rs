//! `sync_runs`: one row per cycle, opened when it starts and closed with its
//! counters and error (if any) when it ends.

use super::db::{Arg, Sql};
use super::{Store, StoreError};
use crate::clock;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunMode {
    Incremental,
    Full,
}

impl RunMode {
    pub fn as_str(self) -> &'static str {
        match self {
            RunMode::Incremental => "incremental",
            RunMode::Full => "full",
        }
    }
}

/// Counters of one cycle.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct RunStats {
    pub requests: u64,
    pub rows_seen: u64,
    pub rows_changed: u64,
}

/// The last cycle of a source, for `status`.
#[derive(Debug, Clone)]
pub struct RunSummary {
    pub id: i64,
    pub started_at: String,
    pub finished_at: Option<String>,
    pub mode: String,
    pub requests: i64,
    pub rows_seen: i64,
    pub rows_changed: i64,
    pub error: Option<String>,
}

impl Store {
    /// Opens a `sync_runs` row and returns its id.
    pub async fn start_run(
        &self,
        source: &str,
        kind: &str,
        mode: RunMode,
    ) -> Result<i64, StoreError> {
        let row = self
            .writer()
            .fetch_one(Sql::with(
                "INSERT INTO sync_runs (source, kind, started_at, mode) VALUES (?, ?, ?, ?) RETURNING id",
                [
                    Arg::from(source),
                    Arg::from(kind),
                    Arg::from(clock::now_text()),
                    Arg::from(mode.as_str()),
                ],
            ))
            .await?;
        Ok(row.get(0)?)
    }

    /// Closes a run with its counters and error.
    pub async fn finish_run(
        &self,
        run_id: i64,
        stats: RunStats,
        error: Option<&str>,
    ) -> Result<(), StoreError> {
        self.writer()
            .execute(Sql::with(
                "UPDATE sync_runs SET finished_at = ?, requests = ?, rows_seen = ?, rows_changed = ?, error = ? WHERE id = ?",
                [
                    Arg::from(clock::now_text()),
                    Arg::from(stats.requests as i64),
                    Arg::from(stats.rows_seen as i64),
                    Arg::from(stats.rows_changed as i64),
                    Arg::from(error),
                    Arg::from(run_id),
                ],
            ))
            .await?;
        Ok(())
    }

    /// The most recent run of a source.
    pub async fn last_run(&self, source: &str) -> Result<Option<RunSummary>, StoreError> {
        let row = self
            .reader()
            .fetch_optional(Sql::with(
                "SELECT id, started_at, finished_at, mode, requests, rows_seen, rows_changed, error \
                 FROM sync_runs WHERE source = ? ORDER BY id DESC LIMIT 1",
                [Arg::from(source)],
            ))
            .await?;
        row.map(|r| {
            Ok(RunSummary {
                id: r.get("id")?,
                started_at: r.get("started_at")?,
                finished_at: r.get("finished_at")?,
                mode: r.get("mode")?,
                requests: r.get("requests")?,
                rows_seen: r.get("rows_seen")?,
                rows_changed: r.get("rows_changed")?,
                error: r.get("error")?,
            })
        })
        .transpose()
    }
}
