//! Store operations the `modelarts-algorithms` collector needs beyond the shared
//! ones: marking an explicit set of rows deleted (after each was confirmed gone).

use sqlx::{QueryBuilder, Sqlite};

use super::record::TableSpec;
use super::{Store, StoreError};
use crate::clock;

impl Store {
    /// Marks the present rows of `source` with these native ids deleted, in one
    /// transaction; returns how many were marked.
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
            q.push(" WHERE source = ");
            q.push_bind(source);
            q.push(format!(
                " AND deleted_at IS NULL AND {} IN (",
                spec.id_column
            ));
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
