//! `list_meta`: per source, the list-level fields of the provider's last list
//! answer that are not rows (ModelArts v1 `quotas`, `job_count_limit`), kept so
//! the query module answers them as the provider last reported them.

use super::db::{Arg, Sql};
use super::{Store, StoreError};
use crate::clock;
use crate::providers::Kind;

impl Store {
    /// Records the list-level fields (a JSON object) of a source's last list answer.
    pub async fn set_list_meta(
        &self,
        source: &str,
        kind: Kind,
        fields: &serde_json::Value,
    ) -> Result<(), StoreError> {
        self.writer()
            .execute(Sql::with(
                "INSERT INTO list_meta (source, kind, fields, observed_at) VALUES (?, ?, ?, ?) \
                 ON CONFLICT (source) DO UPDATE SET kind = excluded.kind, fields = excluded.fields, \
                 observed_at = excluded.observed_at",
                [
                    Arg::from(source),
                    Arg::from(kind.as_str()),
                    Arg::from(fields.to_string()),
                    Arg::from(clock::now_text()),
                ],
            ))
            .await?;
        Ok(())
    }

    /// The list-level fields last recorded for `source`.
    pub async fn list_meta(&self, source: &str) -> Result<Option<serde_json::Value>, StoreError> {
        let row = self
            .reader()
            .fetch_optional(Sql::with(
                "SELECT fields FROM list_meta WHERE source = ?",
                [Arg::from(source)],
            ))
            .await?;
        let text: Option<String> = row.map(|r| r.get(0)).transpose()?;
        Ok(text.and_then(|t| serde_json::from_str(&t).ok()))
    }

    /// When the source's first recorded cycle started (None: never).
    pub async fn first_run_started(&self, source: &str) -> Result<Option<String>, StoreError> {
        let row = self
            .reader()
            .fetch_optional(Sql::with(
                "SELECT started_at FROM sync_runs WHERE source = ? ORDER BY id LIMIT 1",
                [Arg::from(source)],
            ))
            .await?;
        Ok(row.map(|r| r.get(0)).transpose()?)
    }
}
