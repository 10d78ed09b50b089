//! Reads and bulk updates of a kind's native table that the collector needs:
//! watermarks, counts, and marking vanished rows deleted (with
//! their `job.deleted` webhook events, in the same transaction).

use super::db::{Arg, Sql};
use super::outbox::{insert_events, JobEvent};
use super::record::TableSpec;
use super::{Store, StoreError};
use crate::clock;
use crate::config::EventType;

/// id, status, state, raw and name of a row about to be marked deleted.
type VanishedRow = (String, Option<String>, String, String, Option<String>);

/// Which present rows a deletion marks.
#[derive(Clone, Copy)]
enum Vanished<'a> {
    /// Not seen by any cycle since this `sync_runs` id.
    UnseenSince(i64),
    /// These native ids.
    Ids(&'a [String]),
}

/// An unfinished job as the mirror knows it.
#[derive(Debug, Clone)]
pub struct ActiveRow {
    pub id: String,
    pub status: String,
    pub raw: String,
}

/// `column` of `spec`, quoted (a native name may be a reserved word).
fn checked(spec: &TableSpec, column: &str) -> String {
    assert!(
        spec.has_column(column),
        "{column} is not a column of {}",
        spec.table
    );
    format!("\"{column}\"")
}

impl Store {
    /// The largest value of an integer column among the source's rows (deleted included).
    pub async fn max_int(
        &self,
        source: &str,
        spec: &TableSpec,
        column: &str,
    ) -> Result<Option<i64>, StoreError> {
        let sql = format!(
            "SELECT MAX({c}) FROM {t} WHERE source = ?",
            c = checked(spec, column),
            t = spec.table
        );
        let row = self
            .writer()
            .fetch_one(Sql::with(&sql, [Arg::from(source)]))
            .await?;
        Ok(row.get(0)?)
    }

    /// The largest value of a text column among the source's rows (deleted
    /// included). For fixed-width ISO-8601 UTC times, text order is time order.
    pub async fn max_text(
        &self,
        source: &str,
        spec: &TableSpec,
        column: &str,
    ) -> Result<Option<String>, StoreError> {
        let sql = format!(
            "SELECT MAX({c}) FROM {t} WHERE source = ?",
            c = checked(spec, column),
            t = spec.table
        );
        let row = self
            .writer()
            .fetch_one(Sql::with(&sql, [Arg::from(source)]))
            .await?;
        Ok(row.get(0)?)
    }

    /// Rows (present) whose integer column is at least `from`.
    pub async fn count_int_at_least(
        &self,
        source: &str,
        spec: &TableSpec,
        column: &str,
        from: i64,
    ) -> Result<i64, StoreError> {
        let sql = format!(
            "SELECT COUNT(*) FROM {t} WHERE source = ? AND deleted_at IS NULL AND {c} >= ?",
            c = checked(spec, column),
            t = spec.table
        );
        let row = self
            .writer()
            .fetch_one(Sql::with(&sql, [Arg::from(source), Arg::from(from)]))
            .await?;
        Ok(row.get(0)?)
    }

    /// Present rows of the source.
    pub async fn count_present(&self, source: &str, spec: &TableSpec) -> Result<i64, StoreError> {
        let sql = format!(
            "SELECT COUNT(*) FROM {t} WHERE source = ? AND deleted_at IS NULL",
            t = spec.table
        );
        let row = self
            .writer()
            .fetch_one(Sql::with(&sql, [Arg::from(source)]))
            .await?;
        Ok(row.get(0)?)
    }

    /// Ids of present rows not seen by any cycle since `since_run` (deletion candidates).
    pub async fn unseen_since(
        &self,
        source: &str,
        spec: &TableSpec,
        since_run: i64,
    ) -> Result<Vec<String>, StoreError> {
        let sql = format!(
            "SELECT CAST({id} AS TEXT) FROM {t} WHERE source = ? AND deleted_at IS NULL AND last_seen_run < ?",
            id = spec.id_column,
            t = spec.table
        );
        let rows = self
            .writer()
            .fetch_all(Sql::with(&sql, [Arg::from(source), Arg::from(since_run)]))
            .await?;
        Ok(rows.iter().map(|r| r.get(0)).collect::<Result<_, _>>()?)
    }

    /// Marks present rows not seen by any cycle since `since_run` as deleted, with
    /// their `job.deleted` events, in one transaction; returns how many were marked.
    pub async fn mark_unseen_deleted(
        &self,
        source: &str,
        spec: &TableSpec,
        since_run: i64,
    ) -> Result<u64, StoreError> {
        self.mark_deleted(source, spec, Vanished::UnseenSince(since_run))
            .await
    }

    /// Marks the present rows with these native ids deleted (each confirmed gone),
    /// with their `job.deleted` events, in one transaction; returns how many.
    pub async fn mark_ids_deleted(
        &self,
        source: &str,
        spec: &TableSpec,
        ids: &[String],
    ) -> Result<u64, StoreError> {
        if ids.is_empty() {
            return Ok(0);
        }
        self.mark_deleted(source, spec, Vanished::Ids(ids)).await
    }

    async fn mark_deleted(
        &self,
        source: &str,
        spec: &TableSpec,
        which: Vanished<'_>,
    ) -> Result<u64, StoreError> {
        let now = clock::now_text();
        let hooks = self.webhooks();
        let announce = hooks.iter().any(|h| h.events.contains(&EventType::Deleted));
        let mut tx = self.writer().begin().await?;
        let mut marked = 0;
        let mut queued = 0;
        let chunks: Vec<Option<&[String]>> = match which {
            Vanished::UnseenSince(_) => vec![None],
            Vanished::Ids(ids) => ids.chunks(500).map(Some).collect(),
        };
        for chunk in chunks {
            let filter = |q: &mut Sql| {
                q.push(" WHERE source = ");
                q.bind(source);
                q.push(" AND deleted_at IS NULL");
                match (which, chunk) {
                    (Vanished::UnseenSince(run), _) => {
                        q.push(" AND last_seen_run < ");
                        q.bind(run);
                    }
                    (Vanished::Ids(_), Some(ids)) => {
                        q.push(format!(" AND CAST({} AS TEXT) IN (", spec.id_column));
                        q.bind_list(ids);
                        q.push(")");
                    }
                    (Vanished::Ids(_), None) => {}
                }
            };
            let vanished: Vec<VanishedRow> = if announce {
                let mut q = Sql::new(format!(
                    "SELECT CAST({id} AS TEXT), CAST({st} AS TEXT), state, raw, {name} FROM {t}",
                    id = spec.id_column,
                    st = spec.status_column,
                    name = spec.name_column.unwrap_or("NULL"),
                    t = spec.table
                ));
                filter(&mut q);
                q.push(format!(" ORDER BY {}", spec.id_column));
                tx.fetch_as(q).await?
            } else {
                Vec::new()
            };
            let mut q = Sql::new(format!("UPDATE {} SET deleted_at = ", spec.table));
            q.bind(now.as_str());
            q.push(", changed_at = ");
            q.bind(now.as_str());
            filter(&mut q);
            marked += tx.execute(q).await?;
            let events: Vec<JobEvent<'_>> = vanished
                .iter()
                .map(|(id, status, state, raw, name)| JobEvent {
                    ty: EventType::Deleted,
                    source,
                    kind: spec.kind.as_str(),
                    job_id: id,
                    name: name.as_deref(),
                    old_status: status.as_deref(),
                    new_status: None,
                    old_state: Some(state),
                    new_state: None,
                    raw,
                })
                .collect();
            if !events.is_empty() {
                queued += insert_events(&mut tx, &hooks, &events, &now).await?;
            }
        }
        tx.commit().await?;
        if queued > 0 {
            self.notify_outbox();
        }
        Ok(marked)
    }
}

/// Row counts of one source, for `status`.
#[derive(Debug, Clone, Copy, Default)]
pub struct SourceCounts {
    pub present: i64,
    pub deleted: i64,
    pub unfinished: i64,
}

impl Store {
    pub async fn source_counts(
        &self,
        source: &str,
        spec: &TableSpec,
        finished: &[String],
    ) -> Result<SourceCounts, StoreError> {
        let sql = format!(
            "SELECT COUNT(*) FILTER (WHERE deleted_at IS NULL), COUNT(*) FILTER (WHERE deleted_at IS NOT NULL) \
             FROM {t} WHERE source = ?",
            t = spec.table
        );
        let row = self
            .reader()
            .fetch_one(Sql::with(&sql, [Arg::from(source)]))
            .await?;
        let (present, deleted): (i64, i64) = (row.get(0)?, row.get(1)?);
        let unfinished = self.unfinished_rows(source, spec, finished).await?.len() as i64;
        Ok(SourceCounts {
            present,
            deleted,
            unfinished,
        })
    }
}
