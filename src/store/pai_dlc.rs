//! Store functions the PAI-DLC collector needs beyond the shared ones: the
//! creation watermark (a text column holding ISO-8601 times) and marking jobs the
//! provider flags `IsDeleted: true` as deleted.

use sqlx::{QueryBuilder, Sqlite};

use super::record::TableSpec;
use super::{Store, StoreError};
use crate::clock;

impl Store {
    /// The largest value of a text column among the source's rows (deleted
    /// included). For fixed-width ISO-8601 UTC times, text order is time order.
    pub async fn max_text(
        &self,
        source: &str,
        spec: &TableSpec,
        column: &str,
    ) -> Result<Option<String>, StoreError> {
        assert!(
            spec.has_column(column),
            "{column} is not a column of {}",
            spec.table
        );
        let sql = format!(
            "SELECT MAX({column}) FROM {t} WHERE source = ?",
            t = spec.table
        );
        Ok(sqlx::query_scalar(&sql)
            .bind(source)
            .fetch_one(self.writer())
            .await?)
    }

    /// Marks the named present rows as deleted, in one transaction; returns how many
    /// were marked (rows already deleted or never mirrored are left alone).
    pub async fn mark_ids_deleted(
        &self,
        source: &str,
        spec: &TableSpec,
        ids: &[String],
    ) -> Result<u64, StoreError> {
        if ids.is_empty() {
            return Ok(0);
        }
        let now = clock::now_text();
        let mut tx = self.writer().begin().await?;
        let mut marked = 0;
        for chunk in ids.chunks(500) {
            let mut q: QueryBuilder<Sqlite> =
                QueryBuilder::new(format!("UPDATE {} SET deleted_at = ", spec.table));
            q.push_bind(&now);
            q.push(", changed_at = ");
            q.push_bind(&now);
            q.push(" WHERE deleted_at IS NULL AND source = ");
            q.push_bind(source);
            q.push(format!(" AND {} IN (", spec.id_column));
            {
                let mut sep = q.separated(", ");
                for id in chunk {
                    sep.push_bind(id.as_str());
                }
            }
            q.push(")");
            marked += q.build().execute(&mut *tx).await?.rows_affected();
        }
        tx.commit().await?;
        Ok(marked)
    }
}
