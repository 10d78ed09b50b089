//! Plain bulk inserts into a kind's native table, in large transactions: no
//! existing-row reads, no change detection, no outbox. Not used by the
//! collector; the benchmark's "raw storage limit" (the same rows, the same table
//! and indexes, written as fast as SQLite takes them) is measured with it.

use sqlx::{QueryBuilder, Sqlite, Transaction};

use super::pages::push_value;
use super::record::{Record, TableSpec};
use super::{Store, StoreError};

/// Rows per multi-row INSERT statement (as the page writer).
const CHUNK: usize = 200;

/// An open transaction of plain inserts.
pub struct BulkInsert {
    tx: Transaction<'static, Sqlite>,
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
            "INSERT INTO {t} (source, {cols}, state, raw, first_seen_at, last_seen_at, changed_at, deleted_at, last_seen_run) ",
            t = spec.table,
            cols = cols.join(", ")
        );
        for chunk in records.chunks(CHUNK) {
            let mut q: QueryBuilder<Sqlite> = QueryBuilder::new(&head);
            q.push_values(chunk, |mut b, r| {
                b.push_bind(self.source.as_str());
                for v in &r.values {
                    push_value(&mut b, v);
                }
                b.push_bind(r.state.as_str())
                    .push_bind(r.raw.as_str())
                    .push_bind(self.now.as_str())
                    .push_bind(self.now.as_str())
                    .push_bind(self.now.as_str())
                    .push_bind(Option::<&str>::None)
                    .push_bind(self.run_id);
            });
            q.build().execute(&mut *self.tx).await?;
        }
        Ok(())
    }

    /// Commits the transaction.
    pub async fn commit(self) -> Result<(), StoreError> {
        Ok(self.tx.commit().await?)
    }
}
