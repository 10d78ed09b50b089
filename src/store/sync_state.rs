//! `sync_state`: per source, whether the initial mirror is done, when the last
//! full reconcile and success were, and the collector's resumable cursor (JSON).

use super::db::{Arg, Sql, Tx};
use super::{Store, StoreError};
use crate::clock;
use crate::providers::Kind;

/// The persisted collector state of one source.
#[derive(Debug, Clone, Default)]
pub struct SyncState {
    pub initial_done_at: Option<String>,
    pub last_full_at: Option<String>,
    pub last_success_at: Option<String>,
    pub cursor: serde_json::Value,
}

pub(super) async fn set_cursor_tx(
    tx: &mut Tx,
    source: &str,
    kind: Kind,
    cursor: &str,
) -> Result<(), StoreError> {
    tx.execute(Sql::with(
        "INSERT INTO sync_state (source, kind, cursor, updated_at) VALUES (?, ?, ?, ?) \
         ON CONFLICT (source) DO UPDATE SET cursor = excluded.cursor, updated_at = excluded.updated_at",
        [
            Arg::from(source),
            Arg::from(kind.as_str()),
            Arg::from(cursor),
            Arg::from(clock::now_text()),
        ],
    ))
    .await?;
    Ok(())
}

impl Store {
    pub async fn sync_state(&self, source: &str) -> Result<SyncState, StoreError> {
        let row = self
            .writer()
            .fetch_optional(Sql::with(
                "SELECT initial_done_at, last_full_at, last_success_at, cursor FROM sync_state WHERE source = ?",
                [Arg::from(source)],
            ))
            .await?;
        let Some(r) = row else {
            return Ok(SyncState {
                cursor: serde_json::json!({}),
                ..Default::default()
            });
        };
        let cursor: String = r.get("cursor")?;
        Ok(SyncState {
            initial_done_at: r.get("initial_done_at")?,
            last_full_at: r.get("last_full_at")?,
            last_success_at: r.get("last_success_at")?,
            cursor: serde_json::from_str(&cursor).map_err(|e| StoreError::Cursor(e.to_string()))?,
        })
    }

    /// Stores the cursor on its own (outside a page transaction).
    pub async fn set_cursor(
        &self,
        source: &str,
        kind: Kind,
        cursor: &str,
    ) -> Result<(), StoreError> {
        let mut tx = self.writer().begin().await?;
        set_cursor_tx(&mut tx, source, kind, cursor).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Records a successful cycle; `full` also records a completed full reconcile
    /// (and so the end of the initial mirror).
    pub async fn record_success(
        &self,
        source: &str,
        kind: Kind,
        full: bool,
    ) -> Result<(), StoreError> {
        let now = clock::now_text();
        let done = full.then_some(now.as_str());
        self.writer()
            .execute(Sql::with(
                "INSERT INTO sync_state (source, kind, initial_done_at, last_full_at, last_success_at, updated_at) \
                 VALUES (?, ?, ?, ?, ?, ?) \
                 ON CONFLICT (source) DO UPDATE SET \
                   initial_done_at = COALESCE(sync_state.initial_done_at, excluded.initial_done_at), \
                   last_full_at = COALESCE(excluded.last_full_at, sync_state.last_full_at), \
                   last_success_at = excluded.last_success_at, updated_at = excluded.updated_at",
                [
                    Arg::from(source),
                    Arg::from(kind.as_str()),
                    Arg::from(done),
                    Arg::from(done),
                    Arg::from(now.as_str()),
                    Arg::from(now.as_str()),
                ],
            ))
            .await?;
        Ok(())
    }
}
