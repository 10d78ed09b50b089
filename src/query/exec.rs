//! Runs compiled IR on one read connection (inside a read transaction, so a
//! count and its page see the same snapshot): picks the cheapest exact way to
//! count, and whether a name search starts from the trigram index.

use futures::{Stream, StreamExt, TryStreamExt};
use sqlx::sqlite::SqliteRow;
use sqlx::{Row, SqliteConnection, TypeInfo, ValueRef};

use super::ir::{Filter, Query, SOURCE};
use super::sql::{self, NameSearch};
use super::QueryError;
use crate::store::SqlValue;

/// Above this many trigram candidates a name search scans in index order
/// instead (it stops after one page of matches when matches are common).
pub const TRIGRAM_MAX_CANDIDATES: i64 = 5_000;

/// How a query will run, and its count when one was asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Plan {
    pub search: NameSearch,
    pub matching: Option<u64>,
}

async fn scalar_i64(
    conn: &mut SqliteConnection,
    mut qb: sqlx::QueryBuilder<'static, sqlx::Sqlite>,
) -> Result<i64, QueryError> {
    let row = qb.build().fetch_one(&mut *conn).await?;
    Ok(row.try_get::<i64, _>(0)?)
}

/// Decides the name-search strategy and, if `count`, counts the matching rows.
pub async fn plan(conn: &mut SqliteConnection, q: &Query, count: bool) -> Result<Plan, QueryError> {
    let mut matching = None;
    let mut search = NameSearch::Scan;
    if let Some(phrase) = sql::trigram_phrase(q) {
        if let Some(qb) = sql::trigram_count(q, &phrase) {
            let candidates = scalar_i64(conn, qb).await?;
            if count {
                if let Some(source) = sql::trigram_only_source(q) {
                    if let Some(check) = sql::source_holds_all(q, source) {
                        if scalar_i64(conn, check).await? == 1 {
                            matching = Some(candidates.max(0) as u64);
                        }
                    }
                }
            }
            if candidates <= TRIGRAM_MAX_CANDIDATES {
                search = NameSearch::Trigram;
            }
        }
    }
    if count && matching.is_none() {
        let qb = match sql::count_from_counts(q) {
            Some(qb) => qb?,
            None => sql::count(q, search)?,
        };
        matching = Some(scalar_i64(conn, qb).await?.max(0) as u64);
    }
    Ok(Plan { search, matching })
}

/// Present (or, with `include_deleted`, all) rows of the source `q` is scoped
/// to, ignoring every other filter.
pub async fn count_unfiltered(conn: &mut SqliteConnection, q: &Query) -> Result<u64, QueryError> {
    let mut base = q.clone();
    base.filters
        .retain(|f| matches!(f, Filter::Eq(c, _) if c.0 == SOURCE.0));
    base.after = None;
    Ok(plan(conn, &base, true).await?.matching.unwrap_or(0))
}

/// One row as values, by the type SQLite reports for each value.
pub fn decode(row: &SqliteRow) -> Result<Vec<SqlValue>, sqlx::Error> {
    (0..row.columns().len())
        .map(|i| {
            let raw = row.try_get_raw(i)?;
            if raw.is_null() {
                return Ok(SqlValue::Null);
            }
            let ty = raw.type_info().name().to_string();
            drop(raw);
            Ok(match ty.as_str() {
                "INTEGER" | "BOOLEAN" | "INT8" => SqlValue::Int(row.try_get::<i64, _>(i)?),
                "REAL" => SqlValue::Real(row.try_get::<f64, _>(i)?),
                "BLOB" => {
                    SqlValue::Text(String::from_utf8_lossy(&row.try_get::<Vec<u8>, _>(i)?).into())
                }
                _ => SqlValue::Text(row.try_get::<String, _>(i)?),
            })
        })
        .collect()
}

/// The rows of `q` (its window), decoded.
pub async fn rows(
    conn: &mut SqliteConnection,
    q: &Query,
    plan: &Plan,
) -> Result<Vec<Vec<SqlValue>>, QueryError> {
    let mut qb = sql::select(q, plan.search)?;
    let rows = qb.build().fetch_all(&mut *conn).await?;
    rows.iter()
        .map(|r| decode(r).map_err(QueryError::from))
        .collect()
}

/// The rows of `q` as a stream (flat memory), for following a list to its end.
pub fn stream<'c>(
    conn: &'c mut SqliteConnection,
    qb: &'c mut sqlx::QueryBuilder<'static, sqlx::Sqlite>,
) -> impl Stream<Item = Result<Vec<SqlValue>, QueryError>> + 'c {
    qb.build()
        .fetch(conn)
        .map_err(QueryError::from)
        .map(|r| r.and_then(|row| decode(&row).map_err(QueryError::from)))
}
