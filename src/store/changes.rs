//! Reading the `status_changes` log.

use super::db::{Arg, Sql};
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
        let rows = self
            .reader()
            .fetch_all(Sql::with(
                "SELECT id, source, kind, job_id, old_status, new_status, old_state, new_state, observed_at \
                 FROM status_changes WHERE id > ? ORDER BY id LIMIT ?",
                [Arg::from(after), Arg::from(limit)],
            ))
            .await?;
        rows.iter()
            .map(|r| {
                Ok(StatusChange {
                    id: r.get("id")?,
                    source: r.get("source")?,
                    kind: r.get("kind")?,
                    job_id: r.get("job_id")?,
                    old_status: r.get("old_status")?,
                    new_status: r.get("new_status")?,
                    old_state: r.get("old_state")?,
                    new_state: r.get("new_state")?,
                    observed_at: r.get("observed_at")?,
                })
            })
            .collect()
    }
}
