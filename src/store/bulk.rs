//! Plain bulk inserts into a kind's native table, in large transactions: no
//! existing-row reads, no change detection, no outbox. Not used by the
//! collector; the benchmark's "raw storage limit" (the same rows, the same table
//! and indexes, written as fast as SQLite takes them) is measured with it.

use super::db::{Sql, Tx};
use super::pages::value_arg;
use super::record::{Record, TableSpec};
use super::{Store, StoreError};

/// Rows per multi-row INSERT statement (as the page writer).
const CHUNK: usize = 200;

/// An open transaction of plain inserts.
pub struct BulkInsert {
    tx: Tx,
    spec: &'static TableSpec,
    source: String,
    run_id: i64,
    now: String,
}

impl Store {
    /// Starts a transaction of plain inserts into `spec`'s table for `source`.
    pub async fn begin_bulk_insert(
        &self,
        source: &str,
        spec: &'static TableSpec,
        run_id: i64,
    ) -> Result<BulkInsert, StoreError> {
        Ok(BulkInsert {
            tx: self.writer().begin().await?,
            spec,
            source: source.to_string(),
            run_id,
            now: crate::clock::now_text(),
        })
    }
}

impl BulkInsert {
    /// Inserts `records` (new rows: a repeated key is an error).
    pub async fn insert(&mut self, records: &[Record]) -> Result<(), StoreError> {
        let spec = self.spec;
        let cols: Vec<&str> = spec.columns.iter().map(|c| c.name).collect();
        let head = format!(
            "INSERT INTO {t} (source, {cols}, state, raw, raw_hash, first_seen_at, last_seen_at, changed_at, deleted_at, last_seen_run) ",
            t = spec.table,
            cols = cols.join(", ")
        );
        for chunk in records.chunks(CHUNK) {
            let backend = self.tx.backend();
            let mut q = Sql::new(&head);
            q.push("VALUES ");
            for (i, r) in chunk.iter().enumerate() {
                q.push(if i == 0 { "(" } else { ", (" });
                q.bind(self.source.as_str());
                for (c, v) in spec.columns.iter().zip(&r.values) {
                    q.push(", ").bind(value_arg(backend, c, v));
                }
                q.push(", ").bind(r.state.as_str());
                q.push(", ").bind(r.raw.as_str());
                q.push(", ").bind(super::raw_hash::raw_hash(&r.raw));
                for v in [&self.now, &self.now, &self.now] {
                    q.push(", ").bind(v.as_str());
                }
                q.push(", ").bind(Option::<String>::None);
                q.push(", ").bind(self.run_id).push(")");
            }
            self.tx.execute(q).await?;
        }
        Ok(())
    }

    /// Commits the transaction.
    pub async fn commit(self) -> Result<(), StoreError> {
        Ok(self.tx.commit().await?)
    }
}
