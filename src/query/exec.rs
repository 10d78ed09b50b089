//! Runs compiled IR on one read connection of either backend (inside a read
//! transaction, so a count and its page see the same snapshot): picks the
//! cheapest exact way to count, and (SQLite) whether a name search starts from
//! the trigram index and which index a page walks.

use std::collections::HashMap;

use futures::{Stream, StreamExt, TryStreamExt};
use sqlx::{Row, TypeInfo, ValueRef};

use crate::store::db::{AsConn, Backend, Conn, DbRow};

use super::ir::{Bound, Direction, Filter, Nulls, Query, SOURCE};
use super::packed::unpack;
use super::sql::{self, Access, NameSearch, PathHint};
use super::QueryError;
use crate::store::SqlValue;

/// Above this many trigram candidates a name search scans in index order
/// instead (it stops after one page of matches when matches are common).
pub const TRIGRAM_MAX_CANDIDATES: i64 = 5_000;

/// With equality filters that keep more rows than this and no index leading
/// with them and the sort column, SQLite is steered to walk the sort column's
/// index (a page is found after a few rows) instead of sorting the matches.
pub const WALK_ORDER_MIN_ROWS: u64 = 20_000;

/// How a query will run, and its count when one was asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Plan {
    pub search: NameSearch,
    /// The access path of the page query.
    pub path: PathHint,
    pub matching: Option<u64>,
    pub backend: Backend,
}

impl Plan {
    pub fn access(&self) -> Access {
        Access {
            search: self.search,
            path: self.path,
            backend: self.backend,
        }
    }
}

/// The columns of `q`'s equality filters other than `source`, when every
/// filter is `source = ?`, such an equality, or (if `contains` is given) a
/// `ContainsCi` on that column.
fn equality_columns(q: &Query, contains: Option<&str>) -> Option<Vec<&'static str>> {
    let mut cols = Vec::new();
    for f in &q.filters {
        match f {
            Filter::Eq(c, v) if c.0 == SOURCE.0 && *v != SqlValue::Null => {}
            Filter::Eq(c, v) if *v != SqlValue::Null => cols.push(c.0),
            Filter::In(c, _) if c.0 != SOURCE.0 => cols.push(c.0),
            Filter::ContainsCi(c, _) if Some(c.0) == contains => {}
            _ => return None,
        }
    }
    Some(cols)
}

/// An index of `q`'s table whose columns are `eq` (in any order) then `next`.
fn index_for(q: &Query, eq: &[&str], next: &str) -> Option<&'static str> {
    q.table
        .indexes
        .iter()
        .find(|ix| {
            ix.columns.len() > eq.len()
                && ix.columns[..eq.len()].iter().all(|c| eq.contains(c))
                && ix.columns[eq.len()] == next
        })
        .map(|ix| ix.name)
}

/// A covering index for counting `q` by scanning its name column.
fn count_scan_index(q: &Query) -> Option<&'static str> {
    let tg = q.table.trigram?;
    if q.include_deleted {
        return None;
    }
    let eq = equality_columns(q, Some(tg.column))?;
    if !q
        .filters
        .iter()
        .any(|f| matches!(f, Filter::ContainsCi(c, _) if c.0 == tg.column))
    {
        return None;
    }
    index_for(q, &eq, tg.column)
}

/// The page query's access path, once the count is known.
fn rows_path(q: &Query, matching: Option<u64>) -> PathHint {
    if q.include_deleted || q.after.is_some() {
        return PathHint::Free;
    }
    let Some(first) = q.order.first() else {
        return PathHint::Free;
    };
    let Some(eq) = equality_columns(q, None) else {
        return PathHint::Free;
    };
    if eq.is_empty() || eq.contains(&first.col.0) || index_for(q, &eq, first.col.0).is_some() {
        return PathHint::Free;
    }
    let walks = q
        .table
        .indexes
        .iter()
        .any(|ix| ix.columns.first() == Some(&first.col.0));
    if walks && matching.is_some_and(|m| m > WALK_ORDER_MIN_ROWS) {
        PathHint::WalkOrder
    } else {
        PathHint::Free
    }
}

/// A page walked in the sort's index past range filters (see
/// [`walk_past_ranges`]) reads at most about this many index entries.
pub const WALK_MAX_ENTRIES: u64 = 100_000;

/// When `q`'s filters are the source and ranges on other columns than its
/// first sort key, all carried by an index led by that key (e.g. PAI-DLC's
/// time window with `SortBy=DisplayName`): that index can be walked in the
/// sort's order, checking the ranges in it, instead of sorting every row of
/// the ranges. Returns whether the query has that shape.
fn walkable_past_ranges(q: &Query) -> bool {
    if q.include_deleted || q.after.is_some() || !q.table.has_rowid {
        return false;
    }
    let Some(first) = q.order.first() else {
        return false;
    };
    let mut ranges = Vec::new();
    for f in &q.filters {
        match f {
            Filter::Eq(c, v) if c.0 == SOURCE.0 && *v != SqlValue::Null => {}
            Filter::Range { col, .. } if col.0 != first.col.0 => ranges.push(col.0),
            _ => return false,
        }
    }
    !ranges.is_empty()
        && q.table.indexes.iter().any(|ix| {
            ix.columns.first() == Some(&first.col.0)
                && ranges.iter().all(|r| ix.columns.contains(r))
        })
}

/// Whether walking the sort index past the ranges reads few entries: about
/// `(offset + limit) × rows / matching` of them, `rows` estimated by the
/// table's largest rowid.
async fn walk_past_ranges(
    conn: &mut impl AsConn,
    q: &Query,
    matching: Option<u64>,
) -> Result<bool, QueryError> {
    let (Some(matching), Some(limit)) = (matching, q.limit) else {
        return Ok(false);
    };
    if matching == 0 || !walkable_past_ranges(q) {
        return Ok(false);
    }
    let mut qb = sql::Qb::new("SELECT COALESCE(MAX(rowid), 0) FROM ");
    qb.push(q.table.name);
    let rows = scalar_i64(conn, qb).await?.max(0) as u128;
    let window = u128::from(q.offset.saturating_add(limit));
    Ok(window * rows / u128::from(matching) <= u128::from(WALK_MAX_ENTRIES))
}

async fn scalar_i64(conn: &mut impl AsConn, qb: sql::Qb) -> Result<i64, QueryError> {
    let row = conn.conn().fetch_one(qb.into_sql()).await?;
    Ok(row.get::<i64, _>(0)?)
}

/// Whether one of `q`'s filters is a [`sql::keyed`] one (alone, or the only
/// alternative of its group) with at most [`TRIGRAM_MAX_CANDIDATES`]
/// candidates: then the page reads those rows by rowid and sorts them,
/// instead of walking the sort's index past rows that do not match (all of
/// them, for a key that matches none).
async fn few_keyed_candidates(conn: &mut impl AsConn, q: &Query) -> Result<bool, QueryError> {
    if !q.table.has_rowid {
        return Ok(false);
    }
    for f in &q.filters {
        let one = match f {
            Filter::Any(fs) if fs.len() == 1 => &fs[0],
            f => f,
        };
        let Filter::Sql { sql, values } = one else {
            continue;
        };
        let Some(k) = sql::keyed(sql) else {
            continue;
        };
        let mut qb = sql::Qb::new("SELECT COUNT(*) FROM (");
        sql::push_with_values(&mut qb, k.candidates, values);
        qb.push(" LIMIT ");
        qb.push_bind(TRIGRAM_MAX_CANDIDATES + 1);
        qb.push(")");
        if scalar_i64(conn, qb).await? <= TRIGRAM_MAX_CANDIDATES {
            return Ok(true);
        }
    }
    Ok(false)
}

/// The count of `q` from its table's bucketed count table
/// ([`Buckets`](super::ir::Buckets)) when `q` is a range of the bucketed
/// column plus equalities the count table holds (see
/// [`sql::range_count_split`]): a sum over the whole buckets and plain counts
/// of the two partial ones.
pub(crate) async fn count_by_ranges(
    conn: &mut impl AsConn,
    q: &Query,
) -> Result<Option<u64>, QueryError> {
    let backend = conn.conn().backend();
    let Some(split) = sql::range_count_split(q, backend) else {
        return Ok(None);
    };
    let split = split?;
    let mut n = scalar_i64(conn, split.buckets).await?.max(0) as u64;
    let access = Access {
        backend,
        ..Access::default()
    };
    for edge in &split.edges {
        n += scalar_i64(conn, sql::count(edge, access)?).await?.max(0) as u64;
    }
    Ok(Some(n))
}

/// A window holding fewer rows than this is counted directly.
pub const COMPLEMENT_MIN_ROWS: u64 = 20_000;

/// SQLite: when `q` has a range of its table's bucketed column holding most
/// rows (at least `min_rows`, and at least twice those outside
/// it) and filters the count table cannot serve (e.g. a name search): the
/// count of `q` without the range, less the counts of the rows below it,
/// above it and without a value. Each of those is planned like any count
/// (the name search from its index, the outside rows from the column's
/// index), instead of checking the filters on every row of the wide range.
pub(crate) async fn count_by_complement(
    conn: &mut (impl AsConn + Send),
    q: &Query,
    min_rows: u64,
) -> Result<Option<u64>, QueryError> {
    let Some(rc) = q.table.counts.and_then(|ct| ct.buckets) else {
        return Ok(None);
    };
    if q.after.is_some() {
        return Ok(None);
    }
    // Exactly one range of the bucketed column.
    let mut ranges = q.filters.iter().enumerate().filter_map(|(i, f)| match f {
        Filter::Range { col, lower, upper } if col.0 == rc.col => Some((i, *col, lower, upper)),
        _ => None,
    });
    let (Some((at, col, lower, upper)), None) = (ranges.next(), ranges.next()) else {
        return Ok(None);
    };
    // The window and the whole source, from the count table.
    let mut scope = q.clone();
    scope
        .filters
        .retain(|f| matches!(f, Filter::Eq(c, _) if c.0 == SOURCE.0));
    let mut window = scope.clone();
    window.filters.push(q.filters[at].clone());
    let Some(inside) = count_by_ranges(conn, &window).await? else {
        return Ok(None);
    };
    let Some(Ok(all)) = sql::count_from_counts(&scope) else {
        return Ok(None);
    };
    let all = scalar_i64(conn, all).await?.max(0) as u64;
    let rows_outside = all.saturating_sub(inside);
    if inside < min_rows || rows_outside.saturating_mul(2) > inside {
        return Ok(None);
    }
    let with = |f: Option<Filter>| {
        let mut part = q.clone();
        match f {
            Some(f) => part.filters[at] = f,
            None => {
                part.filters.remove(at);
            }
        }
        part
    };
    let flip = |b: &Bound| Bound {
        value: b.value.clone(),
        inclusive: !b.inclusive,
    };
    // Rows of `q` without the range, less those without a value, below it
    // and above it.
    let mut outside = vec![with(Some(Filter::Eq(col, SqlValue::Null)))];
    if let Some(l) = lower {
        outside.push(with(Some(Filter::Range {
            col,
            lower: None,
            upper: Some(flip(l)),
        })));
    }
    if let Some(u) = upper {
        outside.push(with(Some(Filter::Range {
            col,
            lower: Some(flip(u)),
            upper: None,
        })));
    }
    let mut n = i128::from(count_boxed(conn, &with(None)).await?);
    for part in &outside {
        n -= i128::from(count_boxed(conn, part).await?);
    }
    Ok(Some(n.max(0) as u64))
}

/// [`plan`]'s count of `q`, boxed (the complement counts recurse into it).
fn count_boxed<'a, C: AsConn + Send>(
    conn: &'a mut C,
    q: &'a Query,
) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<u64, QueryError>> + Send + 'a>> {
    Box::pin(async move { Ok(plan(conn, q, true).await?.matching.unwrap_or(0)) })
}

/// Decides the name-search strategy and, if `count`, counts the matching rows.
pub async fn plan(
    conn: &mut (impl AsConn + Send),
    q: &Query,
    count: bool,
) -> Result<Plan, QueryError> {
    if conn.conn().backend() == Backend::Postgres {
        return plan_postgres(conn, q, count).await;
    }
    let mut matching = None;
    let mut search = NameSearch::Scan;
    if let Some(m) = sql::trigram_phrase(q) {
        // The full candidate count is the answer's count when the filters
        // are the source alone and it holds every present row; otherwise only
        // whether there are more than TRIGRAM_MAX_CANDIDATES matters, and
        // counting stops there.
        let mut exact = false;
        if count {
            if let Some(source) = sql::trigram_only_source(q) {
                if let Some(check) = sql::source_holds_all(q, source) {
                    exact = scalar_i64(conn, check).await? == 1;
                }
            }
        }
        let counted = if exact {
            sql::trigram_count(q, &m)
        } else {
            sql::trigram_count_upto(q, &m, TRIGRAM_MAX_CANDIDATES)
        };
        if let Some(qb) = counted {
            let candidates = scalar_i64(conn, qb).await?;
            if exact {
                matching = Some(candidates.max(0) as u64);
            }
            if candidates <= TRIGRAM_MAX_CANDIDATES {
                search = NameSearch::Trigram;
            }
        }
    }
    if count && matching.is_none() {
        matching = count_by_ranges(conn, q).await?;
    }
    if count && matching.is_none() {
        matching = count_by_complement(conn, q, COMPLEMENT_MIN_ROWS).await?;
    }
    if count && matching.is_none() {
        let qb = match sql::count_from_counts(q) {
            Some(qb) => qb?,
            None => {
                let path = match (search, count_scan_index(q)) {
                    (NameSearch::Trigram, _) => PathHint::RowidOnly,
                    (NameSearch::Scan, Some(ix)) => PathHint::Index(ix),
                    (NameSearch::Scan, None) => PathHint::Free,
                };
                sql::count(
                    q,
                    Access {
                        search,
                        path,
                        backend: Backend::Sqlite,
                    },
                )?
            }
        };
        matching = Some(scalar_i64(conn, qb).await?.max(0) as u64);
    }
    let path = if search == NameSearch::Trigram || few_keyed_candidates(conn, q).await? {
        PathHint::RowidOnly
    } else if walk_past_ranges(conn, q, matching).await? {
        PathHint::WalkOrder
    } else {
        rows_path(q, matching)
    };
    Ok(Plan {
        search,
        path,
        matching,
        backend: Backend::Sqlite,
    })
}

/// PostgreSQL plans alone: only the count is chosen (the count table, else COUNT(*)).
async fn plan_postgres(conn: &mut impl AsConn, q: &Query, count: bool) -> Result<Plan, QueryError> {
    let backend = Backend::Postgres;
    let access = Access {
        backend,
        ..Access::default()
    };
    let matching = if !count {
        None
    } else if let Some(n) = count_by_ranges(conn, q).await? {
        Some(n)
    } else {
        let qb = match sql::count_from_counts_on(q, backend) {
            Some(qb) => qb?,
            None => sql::count(q, access)?,
        };
        Some(scalar_i64(conn, qb).await?.max(0) as u64)
    };
    Ok(Plan {
        search: NameSearch::Scan,
        path: PathHint::Free,
        matching,
        backend,
    })
}

/// Present (or, with `include_deleted`, all) rows of the source `q` is scoped
/// to, ignoring every other filter.
pub async fn count_unfiltered(
    conn: &mut (impl AsConn + Send),
    q: &Query,
) -> Result<u64, QueryError> {
    let mut base = q.clone();
    base.filters
        .retain(|f| matches!(f, Filter::Eq(c, _) if c.0 == SOURCE.0));
    base.after = None;
    Ok(plan(conn, &base, true).await?.matching.unwrap_or(0))
}

/// One row as values, by the type the backend reports for each value.
pub fn decode(row: &DbRow) -> Result<Vec<SqlValue>, sqlx::Error> {
    match row {
        DbRow::Sqlite(row) => decode_sqlite(row),
        DbRow::Postgres(row) => decode_postgres(row),
    }
}

fn decode_postgres(row: &sqlx::postgres::PgRow) -> Result<Vec<SqlValue>, sqlx::Error> {
    (0..row.columns().len())
        .map(|i| {
            let raw = row.try_get_raw(i)?;
            if raw.is_null() {
                return Ok(SqlValue::Null);
            }
            let ty = raw.type_info().name().to_string();
            drop(raw);
            Ok(match ty.as_str() {
                "INT8" => SqlValue::Int(row.try_get::<i64, _>(i)?),
                "INT4" => SqlValue::Int(row.try_get::<i32, _>(i)?.into()),
                "INT2" => SqlValue::Int(row.try_get::<i16, _>(i)?.into()),
                "BOOL" => SqlValue::Int(row.try_get::<bool, _>(i)?.into()),
                "FLOAT8" => SqlValue::Real(row.try_get::<f64, _>(i)?),
                "FLOAT4" => SqlValue::Real(row.try_get::<f32, _>(i)?.into()),
                _ => SqlValue::Text(row.try_get::<String, _>(i)?),
            })
        })
        .collect()
}

fn decode_sqlite(row: &sqlx::sqlite::SqliteRow) -> Result<Vec<SqlValue>, sqlx::Error> {
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
    conn: &mut impl AsConn,
    q: &Query,
    plan: &Plan,
) -> Result<Vec<Vec<SqlValue>>, QueryError> {
    let Some((values, nulls)) = split_keyset(q) else {
        return fetch(conn, q, plan).await;
    };
    let mut out = fetch(conn, &values, plan).await?;
    let room = q.limit.map(|l| l.saturating_sub(out.len() as u64));
    if room != Some(0) {
        let mut nulls = nulls;
        nulls.limit = room;
        out.extend(fetch(conn, &nulls, plan).await?);
    }
    Ok(out)
}

/// Pages of at most this many rows are read in two steps (see [`fetch`]).
pub const LATE_READ_MAX_ROWS: u64 = 10_000;

/// Pages of at most this many rows (every provider's largest page, 1,000,
/// and `/api/jobs`' 1,000 + 1) are read as one packed result row on SQLite
/// (see [`fetch_packed`]).
pub const PACKED_MAX_ROWS: u64 = 2_000;

/// The rows of `q`'s window. A bounded page of a table with rowids is read in
/// two steps, both in the caller's snapshot: the window's rowids in order
/// (filters, order, offset and limit, without reading the selected columns,
/// often from an index alone), then the selected columns of those rows by
/// rowid. So rows skipped by the offset or left out by a sort never have
/// their (large) selected columns read or carried through the sorter.
async fn fetch(
    conn: &mut impl AsConn,
    q: &Query,
    plan: &Plan,
) -> Result<Vec<Vec<SqlValue>>, QueryError> {
    let sqlite = conn.conn().backend() == Backend::Sqlite;
    if sqlite && q.limit.is_some_and(|l| l <= PACKED_MAX_ROWS) {
        if let Some(rows) = fetch_packed(conn, q, plan).await? {
            return Ok(rows);
        }
    }
    let late = sqlite && q.table.has_rowid && q.limit.is_some_and(|l| l <= LATE_READ_MAX_ROWS);
    if !late {
        let qb = sql::select(q, plan.access())?;
        let rows = conn.conn().fetch_all(qb.into_sql()).await?;
        return rows
            .iter()
            .map(|r| decode(r).map_err(QueryError::from))
            .collect();
    }
    let qb = sql::select_rowids(q, plan.access())?;
    let rowids: Vec<i64> = conn
        .conn()
        .fetch_all(qb.into_sql())
        .await?
        .iter()
        .map(|r| r.get::<i64, _>(0))
        .collect::<Result<_, _>>()?;
    if rowids.is_empty() {
        return Ok(Vec::new());
    }
    let qb = sql::select_by_rowids(q, &rowids)?;
    let mut by_rowid: HashMap<i64, Vec<SqlValue>> = HashMap::with_capacity(rowids.len());
    for row in conn.conn().fetch_all(qb.into_sql()).await? {
        let mut values = decode(&row)?;
        if let SqlValue::Int(rowid) = values.remove(0) {
            by_rowid.insert(rowid, values);
        }
    }
    rowids
        .iter()
        .map(|id| {
            by_rowid.remove(id).ok_or_else(|| {
                QueryError::Unsupported(format!("row {id} vanished within one snapshot"))
            })
        })
        .collect()
}

/// The rows of `q`'s window as one result row ([`sql::select_packed`]):
/// SQLite's worker thread hands a result row over a channel, at a cost per
/// row that is most of a 1,000-row page's time; packed, a page is one row.
/// `None` when a selected value is a real (not packed exactly) or the page
/// is too big for one SQLite value (over `SQLITE_MAX_LENGTH`, 1e9 bytes:
/// huge stored objects): such a page is read row by row.
async fn fetch_packed(
    conn: &mut impl AsConn,
    q: &Query,
    plan: &Plan,
) -> Result<Option<Vec<Vec<SqlValue>>>, QueryError> {
    let qb = sql::select_packed(q, plan.access())?;
    let row = match conn.conn().fetch_one(qb.into_sql()).await {
        Ok(row) => row,
        Err(e) if too_big(&e) => return Ok(None),
        Err(e) => return Err(e.into()),
    };
    let rows = row.get::<i64, _>(0)?;
    let packed = row.get::<Option<&[u8]>, _>(1)?.unwrap_or_default();
    let rows = usize::try_from(rows)
        .map_err(|_| QueryError::Unsupported(format!("a page of {rows} rows")))?;
    unpack(packed, rows, q.select.len()).map_err(|e| QueryError::Unsupported(e.to_string()))
}

/// SQLite's `SQLITE_TOOBIG` (18): a string or blob over its length limit.
pub(crate) fn too_big(e: &sqlx::Error) -> bool {
    matches!(e, sqlx::Error::Database(db) if db.code().as_deref() == Some("18"))
}

/// A keyset page after a non-NULL value of a first key whose NULLs sort last
/// is read in two parts: the rows whose key is not NULL, with a plain range on
/// the key (so an index on it is searched, not scanned from the start), then,
/// if the page is not full, the rows whose key is NULL (all of which follow).
fn split_keyset(q: &Query) -> Option<(Query, Query)> {
    let after = q.after.as_ref()?;
    let first = q.sort_keys().next()?;
    let v = after.first()?;
    if q.offset != 0 || first.nulls != Nulls::Last || *v == SqlValue::Null {
        return None;
    }
    let bound = Some(Bound::inclusive(v.clone()));
    let (lower, upper) = match first.dir {
        Direction::Asc => (bound, None),
        Direction::Desc => (None, bound),
    };
    let mut values = q.clone();
    values.filters.push(Filter::Range {
        col: first.col,
        lower,
        upper,
    });
    let mut nulls = q.clone();
    nulls.after = None;
    nulls.filters.push(Filter::Eq(first.col, SqlValue::Null));
    Some((values, nulls))
}

/// The query builders a [`stream`] runs (they must outlive it).
pub enum Built {
    Sqlite(sqlx::QueryBuilder<'static, sqlx::Sqlite>),
    Postgres(sqlx::QueryBuilder<'static, sqlx::Postgres>),
}

impl Built {
    pub fn new(qb: sql::Qb) -> Built {
        match qb.backend() {
            Backend::Sqlite => Built::Sqlite(qb.into_sql().build()),
            Backend::Postgres => Built::Postgres(qb.into_sql().build()),
        }
    }
}

/// The rows of `q` as a stream (flat memory), for following a list to its end.
pub fn stream<'c>(
    conn: Conn<'c>,
    built: &'c mut Built,
) -> std::pin::Pin<Box<dyn Stream<Item = Result<Vec<SqlValue>, QueryError>> + Send + 'c>> {
    match (conn, built) {
        (Conn::Sqlite(c), Built::Sqlite(qb)) => Box::pin(
            qb.build()
                .fetch(c)
                .map_err(QueryError::from)
                .map(|r| r.and_then(|row| decode(&DbRow::Sqlite(row)).map_err(QueryError::from))),
        ),
        (Conn::Postgres(c), Built::Postgres(qb)) => Box::pin(
            qb.build()
                .fetch(c)
                .map_err(QueryError::from)
                .map(|r| r.and_then(|row| decode(&DbRow::Postgres(row)).map_err(QueryError::from))),
        ),
        _ => Box::pin(futures::stream::once(async {
            Err(QueryError::Unsupported(
                "a statement of one backend on a connection of the other".into(),
            ))
        })),
    }
}
