//! Reading the `status_changes` log.

use sqlx::Row;

use super::{Store, StoreError};

/// One row of `status_changes`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusChange {
    pub id: i64,
    pub source: String,
    pub kind: String,
    pub job_id: String,
    pub old_status: Option<String>,
    pub new_status: Option<String>,
    pub old_state: Option<String>,
    pub new_state: Option<String>,
    pub observed_at: String,
}

impl Store {
    /// Status changes with an id above `after`, oldest first, at most `limit`.
    pub async fn status_changes_after(
        &self,
        after: i64,
        limit: i64,
    ) -> Result<Vec<StatusChange>, StoreError> {
        let rows = sqlx::query(
            "SELECT id, source, kind, job_id, old_status, new_status, old_state, new_state, observed_at \
             FROM status_changes WHERE id > ? ORDER BY id LIMIT ?",
        )
        .bind(after)
        .bind(limit)
        .fetch_all(self.reader())
        .await?;
        rows.into_iter()
            .map(|r| {
                Ok(StatusChange {
                    id: r.try_get("id")?,
                    source: r.try_get("source")?,
                    kind: r.try_get("kind")?,
                    job_id: r.try_get("job_id")?,
                    old_status: r.try_get("old_status")?,
                    new_status: r.try_get("new_status")?,
                    old_state: r.try_get("old_state")?,
                    new_state: r.try_get("new_state")?,
                    observed_at: r.try_get("observed_at")?,
                })
            })
            .collect()
    }
}
