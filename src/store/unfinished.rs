//! The unfinished rows of a source (the jobs every cycle keeps polling), read
//! through the `(source, status)` index: "status not in the finished set" is
//! rewritten as the gaps between the finished values (`status < f1`,
//! `f1 < status < f2`, ..., `status > fn`, `status IS NULL`), each an index
//! range, so the cost follows the number of unfinished rows, not the table size.
//! (PostgreSQL, whose columns are strictly typed, runs the plain `NOT IN`.)

use std::cmp::Ordering;

use super::db::{Arg, Backend, Sql};
use super::jobs::ActiveRow;
use super::record::{ColType, SqlValue, TableSpec};
use super::{Store, StoreError};

/// A finished status value as SQLite orders a column's values: numbers before text.
fn sort_key(a: &SqlValue, b: &SqlValue) -> Ordering {
    match (a, b) {
        (SqlValue::Int(x), SqlValue::Int(y)) => x.cmp(y),
        (SqlValue::Int(_), _) => Ordering::Less,
        (_, SqlValue::Int(_)) => Ordering::Greater,
        (SqlValue::Text(x), SqlValue::Text(y)) => x.as_bytes().cmp(y.as_bytes()),
        _ => Ordering::Equal,
    }
}

/// The finished values of `spec`'s status column, typed as the column stores
/// them, plus `''` (an empty status is never polled), in SQLite's order.
fn finished_keys(spec: &TableSpec, finished: &[String]) -> Vec<SqlValue> {
    let integer = spec
        .columns
        .iter()
        .find(|c| c.name == spec.status_column)
        .is_some_and(|c| c.ty == ColType::Integer);
    let mut keys: Vec<SqlValue> = finished
        .iter()
        .map(|s| match s.parse::<i64>() {
            Ok(i) if integer => SqlValue::Int(i),
            _ => SqlValue::Text(s.clone()),
        })
        .chain(std::iter::once(SqlValue::Text(String::new())))
        .collect();
    keys.sort_by(sort_key);
    keys.dedup();
    keys
}

fn arg(v: &SqlValue) -> Arg {
    match v {
        SqlValue::Int(i) => Arg::from(*i),
        SqlValue::Text(s) => Arg::from(s.as_str()),
        SqlValue::Real(f) => Arg::from(*f),
        SqlValue::Null => Arg::Text(None),
    }
}

impl Store {
    /// Present (not deleted) rows whose native status is not one of `finished`
    /// (nor empty): the jobs a cycle must keep polling.
    pub async fn unfinished_rows(
        &self,
        source: &str,
        spec: &TableSpec,
        finished: &[String],
    ) -> Result<Vec<ActiveRow>, StoreError> {
        let st = spec.status_column;
        let head = format!(
            "SELECT CAST({id} AS TEXT) AS id, CAST({st} AS TEXT) AS status, raw FROM {t} \
             WHERE deleted_at IS NULL AND source = ",
            id = spec.id_column,
            t = spec.table
        );
        let mut q = Sql::default();
        if self.backend() == Backend::Postgres {
            q.push(&head).bind(source);
            q.push(format!(" AND ({st} IS NULL OR CAST({st} AS TEXT) NOT IN ("));
            q.bind_list(std::iter::once("").chain(finished.iter().map(String::as_str)));
            q.push("))");
        } else {
            let keys = finished_keys(spec, finished);
            // One index range per gap: below the first key, between neighbours, above the last.
            for i in 0..=keys.len() {
                q.push(if i == 0 { "" } else { " UNION ALL " });
                q.push(&head).bind(source);
                if let Some(lo) = i.checked_sub(1).map(|j| &keys[j]) {
                    q.push(format!(" AND {st} > ")).bind(arg(lo));
                }
                if let Some(hi) = keys.get(i) {
                    q.push(format!(" AND {st} < ")).bind(arg(hi));
                }
            }
            q.push(" UNION ALL ");
            q.push(&head).bind(source);
            q.push(format!(" AND {st} IS NULL"));
        }
        let rows = self.writer().fetch_all(q).await?;
        rows.into_iter()
            .map(|r| {
                Ok(ActiveRow {
                    id: r.get("id")?,
                    status: r.get::<Option<String>, _>("status")?.unwrap_or_default(),
                    raw: r.get("raw")?,
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::Column;

    #[test]
    fn integer_statuses_sort_numerically_before_the_empty_text() {
        static SPEC: TableSpec = TableSpec {
            kind: crate::providers::Kind::ModelartsTrainingJobs,
            table: "t",
            id_column: "id",
            status_column: "status",
            name_column: None,
            columns: &[
                Column::new("id", &["id"], ColType::Integer),
                Column::new("status", &["status"], ColType::Integer),
            ],
        };
        let keys = finished_keys(&SPEC, &["10".into(), "3".into(), "21".into(), "3".into()]);
        assert_eq!(
            keys,
            vec![
                SqlValue::Int(3),
                SqlValue::Int(10),
                SqlValue::Int(21),
                SqlValue::Text(String::new())
            ]
        );
    }
}
