//! The IR compiled to SQLite SQL with `sqlx::QueryBuilder`: identifiers come
//! only from static [`Table`] descriptions (checked here), every value is a
//! bound parameter (`push_bind`), never text spliced into the statement.
//!
//! SQL spelled out for every kind, so that another backend can follow it:
//! - order terms are `col COLLATE BINARY ASC NULLS FIRST` / `DESC NULLS LAST`
//!   (PostgreSQL: `COLLATE "C"`, same NULLS clauses);
//! - [`Filter::ContainsCi`] is `col LIKE '%…%' ESCAPE '\'` with `%`, `_`, `\`
//!   escaped: SQLite's LIKE folds ASCII letters only (PostgreSQL: compare
//!   `lower()` of both under `COLLATE "C"`, which folds ASCII only there too);
//!   a needle holding NUL uses `instr(lower(col), lower(needle))` instead, as
//!   LIKE stops at NUL;
//! - the keyset position becomes the usual "strictly after" disjunction, with
//!   the NULL placement of each key.

use sqlx::sqlite::SqliteArguments;
use sqlx::{QueryBuilder, Sqlite};

use super::ir::{
    Bound, Col, Direction, Filter, Nulls, Query, SortKey, Table, TrigramIndex, DELETED_AT, SOURCE,
};
use crate::store::db::{Arg, Backend, Sql};
use crate::store::SqlValue;

/// A query the compiler refuses (a programming error in a dialect, or a bad cursor).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum IrError {
    #[error("{column} is not a column of {table}")]
    UnknownColumn {
        table: &'static str,
        column: &'static str,
    },
    #[error("the keyset position has {got} values for {want} sort keys")]
    KeysetArity { got: usize, want: usize },
    #[error("no PostgreSQL spelling of the predicate {0}")]
    NoPostgres(&'static str),
}

/// How a [`Filter::ContainsCi`] on a table's trigram-indexed column is evaluated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum NameSearch {
    /// `LIKE` on every row the rest of the plan visits (best when many match).
    #[default]
    Scan,
    /// Candidates from the trigram index, then `LIKE` on them (best when few match).
    Trigram,
}

/// Which access path SQLite is steered to (the IR itself stays logical).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum PathHint {
    /// SQLite's own choice.
    #[default]
    Free,
    /// Equalities (and ranges) on columns other than `source` are written
    /// `+col = ?`, so no index serves them and SQLite walks the index of the
    /// sort order instead (for filters that keep most rows: stop after one
    /// page).
    WalkOrder,
    /// `INDEXED BY` this index of the table (a covering index for a scan).
    Index(&'static str),
    /// `NOT INDEXED`: rows come from rowid look-ups (the trigram candidates,
    /// or a [`keyed`] filter's few candidates),
    /// then are sorted, instead of walking an index in order and probing
    /// (on a view: the order terms are written `+expr`, which no index serves).
    RowidOnly,
}

/// How a query is run: name search strategy, access path, and the backend
/// whose SQL is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Access {
    pub search: NameSearch,
    pub path: PathHint,
    pub backend: Backend,
}

impl From<NameSearch> for Access {
    fn from(search: NameSearch) -> Access {
        Access {
            search,
            ..Access::default()
        }
    }
}

/// A compiled statement for one backend: its text (with that backend's
/// placeholders) and its bound values.
pub struct Qb {
    backend: Backend,
    text: String,
    binds: usize,
    sql: Sql,
    sqlite: Option<QueryBuilder<'static, Sqlite>>,
}

impl Qb {
    /// A SQLite statement starting with `text`.
    pub fn new(text: &str) -> Qb {
        Qb::on(Backend::Sqlite, text)
    }

    /// A statement of `backend` starting with `text`.
    pub fn on(backend: Backend, text: &str) -> Qb {
        Qb {
            backend,
            text: text.to_string(),
            binds: 0,
            sql: Sql::new(text),
            sqlite: None,
        }
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    pub fn push(&mut self, text: impl AsRef<str>) -> &mut Qb {
        self.text.push_str(text.as_ref());
        self.sql.push(text);
        self
    }

    pub fn push_bind(&mut self, v: impl Into<Arg>) -> &mut Qb {
        self.binds += 1;
        match self.backend {
            Backend::Sqlite => self.text.push('?'),
            Backend::Postgres => self.text.push_str(&format!("${}", self.binds)),
        }
        self.sql.bind(v);
        self
    }

    /// The statement's text, as the backend receives it.
    pub fn sql(&self) -> &str {
        &self.text
    }

    /// The SQLite query (for a statement of SQLite).
    pub fn build(&mut self) -> sqlx::query::Query<'_, Sqlite, SqliteArguments<'static>> {
        assert_eq!(self.backend, Backend::Sqlite, "a SQLite statement");
        self.sqlite
            .insert(self.sql.clone().build::<Sqlite>())
            .build()
    }

    /// The statement, to run on a connection of its backend.
    pub(crate) fn into_sql(self) -> Sql {
        self.sql
    }
}

/// A condition that holds (`1` on SQLite, `TRUE` on PostgreSQL), or not.
fn truth(qb: &mut Qb, holds: bool) {
    qb.push(match (qb.backend, holds) {
        (Backend::Sqlite, true) => "1",
        (Backend::Sqlite, false) => "0",
        (Backend::Postgres, true) => "TRUE",
        (Backend::Postgres, false) => "FALSE",
    });
}

/// `SELECT <select> FROM <table> WHERE … ORDER BY … LIMIT ? OFFSET ?`.
pub fn select(q: &Query, access: impl Into<Access>) -> Result<Qb, IrError> {
    let access = access.into();
    let mut qb = Qb::on(access.backend, "SELECT ");
    select_list(&mut qb, q)?;
    window(qb, q, access)
}

/// [`select`] returning only each row's `rowid` (tables with one): the rows
/// of the window are found without reading the selected columns, which
/// [`select_by_rowids`] then reads for those rows alone.
pub fn select_rowids(q: &Query, access: impl Into<Access>) -> Result<Qb, IrError> {
    let access = access.into();
    window(Qb::on(access.backend, "SELECT rowid"), q, access)
}

/// `SELECT rowid, <select> FROM <table> WHERE rowid IN (<rowids>)`, the
/// rowids bound as one JSON array (rows in no particular order).
pub fn select_by_rowids(q: &Query, rowids: &[i64]) -> Result<Qb, IrError> {
    let mut qb = Qb::new("SELECT rowid, ");
    select_list(&mut qb, q)?;
    qb.push(" FROM ");
    qb.push(q.table.name);
    qb.push(" WHERE rowid IN (SELECT value FROM json_each(");
    qb.push_bind(serde_json::to_string(rowids).unwrap_or_else(|_| "[]".into()));
    qb.push("))");
    Ok(qb)
}

/// [`select`] packed into one result row (SQLite): `COUNT(*)` of the
/// window's rows, then every selected value of them, row after row in the
/// window's order, each written by [`pack`] (NULL when there are no rows),
/// as a blob. The page then crosses from SQLite's thread to the caller as one
/// row instead of one per page row. On a table with rowids, the window's
/// rowids are found first (as [`select_rowids`] does, often from an index
/// alone) and only those rows' columns are read (`CROSS JOIN` keeps the
/// window as the outer loop). The concatenation is ordered by the window's
/// own sort keys (`group_concat(… ORDER BY k0, …)`, SQLite 3.44+), so the
/// page order never rests on the order SQLite happens to feed an aggregate.
pub fn select_packed(q: &Query, access: Access) -> Result<Qb, IrError> {
    let mut qb = Qb::new("SELECT COUNT(*), CAST(group_concat(");
    if q.select.is_empty() {
        qb.push("''");
    }
    for i in 0..q.select.len() {
        if i > 0 {
            qb.push(" || ");
        }
        pack(&mut qb, &format!("v{i}"));
    }
    qb.push(", ''");
    let keys: Vec<&SortKey> = q.sort_keys().collect();
    for (i, k) in keys.iter().enumerate() {
        qb.push(if i == 0 { " ORDER BY " } else { ", " });
        qb.push(format!("k{i} COLLATE BINARY"));
        push_direction(&mut qb, k);
    }
    qb.push(") AS BLOB) FROM (SELECT ");
    if q.select.is_empty() {
        qb.push("1");
    }
    for (i, c) in q.select.iter().enumerate() {
        if i > 0 {
            qb.push(", ");
        }
        qb.push("(");
        qb.push(column(Backend::Sqlite, q.table, *c)?);
        qb.push(format!(") AS v{i}"));
    }
    for (i, k) in keys.iter().enumerate() {
        qb.push(", (");
        qb.push(column(Backend::Sqlite, q.table, k.col)?);
        qb.push(format!(") AS k{i}"));
    }
    let access = Access {
        backend: Backend::Sqlite,
        ..access
    };
    if q.table.has_rowid {
        qb.push(" FROM (SELECT rowid AS page_rowid");
        let mut qb = window(qb, q, access)?;
        qb.push(") AS page CROSS JOIN ");
        qb.push(q.table.name);
        qb.push(" ON ");
        qb.push(q.table.name);
        qb.push(".rowid = page.page_rowid)");
        Ok(qb)
    } else {
        let mut qb = window(qb, q, access)?;
        qb.push(")");
        Ok(qb)
    }
}

/// One value `v` as text that [`super::packed::unpack`] reads back exactly,
/// by its type: `N` (NULL), `I<integer>;`, `T<length in bytes>:<text>`,
/// `B<hex>;` (a blob), `R` (a real: not packed, the page is read row by row).
fn pack(qb: &mut Qb, v: &str) {
    qb.push(format!(
        "CASE typeof({v}) WHEN 'null' THEN 'N' \
         WHEN 'integer' THEN 'I' || {v} || ';' \
         WHEN 'text' THEN 'T' || length(CAST({v} AS BLOB)) || ':' || {v} \
         WHEN 'blob' THEN 'B' || hex({v}) || ';' ELSE 'R' END"
    ));
}

fn select_list(qb: &mut Qb, q: &Query) -> Result<(), IrError> {
    for (i, c) in q.select.iter().enumerate() {
        if i > 0 {
            qb.push(", ");
        }
        qb.push(column(qb.backend, q.table, *c)?);
    }
    Ok(())
}

/// A [`Filter::Sql`] text that a side table keyed by rowid answers (SQLite):
/// its form as `rowid IN (…)` look-ups, and a `SELECT` of its candidates (the
/// executor counts them up to a cap), both with the same placeholders.
#[derive(Debug, Clone, Copy)]
pub struct Keyed {
    pub rowids: &'static str,
    pub candidates: &'static str,
}

/// The rowid forms of `sql`, if it has them.
pub fn keyed(sql: &str) -> Option<Keyed> {
    use super::dialects::modzy_jobs as mz;
    (sql == mz::ACCESS_KEY_SQL).then_some(Keyed {
        rowids: mz::ACCESS_KEY_ROWIDS,
        candidates: mz::ACCESS_KEY_CANDIDATES,
    })
}

/// `FROM … WHERE … ORDER BY … LIMIT ? OFFSET ?` after a select list.
fn window(mut qb: Qb, q: &Query, access: Access) -> Result<Qb, IrError> {
    from(&mut qb, q.table, access.path);
    where_clause(&mut qb, q, access, true)?;
    let keys: Vec<&SortKey> = q.sort_keys().collect();
    // A view cannot be read NOT INDEXED: its name candidates are sorted
    // instead of an index being walked in order by writing the order terms
    // `+expr` (the same values, no index serves them).
    let unordered = access.path == PathHint::RowidOnly
        && !q.table.has_rowid
        && access.backend == Backend::Sqlite;
    if !keys.is_empty() {
        qb.push(" ORDER BY ");
        for (i, k) in keys.iter().enumerate() {
            if i > 0 {
                qb.push(", ");
            }
            if unordered {
                qb.push("+");
            }
            order_term(&mut qb, q.table, k)?;
        }
    }
    qb.push(" LIMIT ");
    match access.backend {
        Backend::Sqlite => qb.push_bind(q.limit.map_or(-1, clamp_i64)),
        // NULL: no limit.
        Backend::Postgres => qb.push_bind(q.limit.map(clamp_i64)),
    };
    qb.push(" OFFSET ");
    qb.push_bind(clamp_i64(q.offset));
    Ok(qb)
}

/// `SELECT COUNT(*) FROM <table> WHERE …` (order, window and keyset ignored).
pub fn count(q: &Query, access: impl Into<Access>) -> Result<Qb, IrError> {
    let access = access.into();
    let mut qb = Qb::on(access.backend, "SELECT COUNT(*)");
    from(&mut qb, q.table, access.path);
    where_clause(&mut qb, q, access, false)?;
    Ok(qb)
}

/// The count from the table's trigger-kept count table, when the filters are
/// only equalities on `source` and the count table's column.
pub fn count_from_counts(q: &Query) -> Option<Result<Qb, IrError>> {
    count_from_counts_on(q, Backend::Sqlite)
}

/// [`count_from_counts`] for `backend`.
pub fn count_from_counts_on(q: &Query, backend: Backend) -> Option<Result<Qb, IrError>> {
    let ct = q.table.counts?;
    let servable = |c: &Col| c.0 == SOURCE.0 || c.0 == ct.by;
    let keyed = |v: &SqlValue| ct.null_key.keeps_apart(v);
    let eligible = q.filters.iter().all(|f| match f {
        Filter::Eq(c, v) => servable(c) && keyed(v),
        Filter::In(c, vs) => servable(c) && vs.iter().all(keyed),
        _ => false,
    });
    if !eligible {
        return None;
    }
    let build = || {
        let mut qb = sum_of_n(backend, ct.table);
        let mut first = true;
        for f in &q.filters {
            qb.push(if first { " WHERE " } else { " AND " });
            first = false;
            let access = Access {
                backend,
                ..Access::default()
            };
            filter(&mut qb, q.table, f, access)?;
        }
        if !q.include_deleted {
            qb.push(if first { " WHERE " } else { " AND " });
            qb.push("deleted = 0");
        }
        Ok(qb)
    };
    Some(build())
}

/// `SELECT <sum of n as an integer> FROM <count table>` (0 when no row).
fn sum_of_n(backend: Backend, table: &'static str) -> Qb {
    let mut qb = Qb::on(
        backend,
        match backend {
            Backend::Sqlite => "SELECT COALESCE(SUM(n), 0) FROM ",
            // SUM of BIGINT is NUMERIC there.
            Backend::Postgres => "SELECT CAST(COALESCE(SUM(n), 0) AS BIGINT) FROM ",
        },
    );
    qb.push(table);
    qb
}

/// A count over a range of a [`Buckets`](super::ir::Buckets) column, split (see
/// [`range_count_split`]).
pub struct RangeSplit {
    /// The sum of the buckets wholly inside the range.
    pub buckets: Qb,
    /// `q` restricted to the range's partial buckets at either end (counted
    /// like any query; each holds at most one bucket's rows).
    pub edges: Vec<Query>,
}

/// The first `prefix` bytes of a range bound, when they are ASCII (so they
/// are also its first `prefix` characters, as SQL `substr` counts them) and
/// their last byte can be incremented.
fn bucket_of(b: &Bound, prefix: usize) -> Option<&str> {
    let SqlValue::Text(t) = &b.value else {
        return None;
    };
    let head = t.as_bytes().get(..prefix)?;
    (head.is_ascii() && head.last().is_some_and(|c| *c < 0x7e)).then(|| &t[..prefix])
}

/// The smallest text above every text starting with `bucket` (ASCII, last
/// byte below `~`, see [`bucket_of`]).
fn next_bucket(bucket: &str) -> String {
    let mut b = bucket.as_bytes().to_vec();
    if let Some(last) = b.last_mut() {
        *last += 1;
    }
    String::from_utf8(b).unwrap_or_default()
}

/// When `q`'s table has a bucketed count table and `q`'s filters are its
/// source, equalities on the count table's `by` column and one range of the
/// bucketed column spanning more than one bucket:
/// the range's whole buckets as a sum from the count table, and `q` on the
/// two partial buckets. With `L` in bucket `bl` and `U` in bucket `bu`
/// (`bl < bu`), `[L, U]` is `[L, next(bl))` ∪ `[next(bl), bu)` ∪ `[bu, U]`,
/// and the middle part holds exactly the rows of the buckets strictly
/// between `bl` and `bu` (text compares byte-wise on both backends).
pub fn range_count_split(q: &Query, backend: Backend) -> Option<Result<RangeSplit, IrError>> {
    let ct = q.table.counts?;
    let rc = ct.buckets?;
    if q.after.is_some() {
        return None;
    }
    let keyed = |v: &SqlValue| ct.null_key.keeps_apart(v);
    let mut range = None;
    for (i, f) in q.filters.iter().enumerate() {
        match f {
            Filter::Eq(c, v) if (c.0 == SOURCE.0 || c.0 == ct.by) && keyed(v) => {}
            Filter::In(c, vs) if c.0 == ct.by && vs.iter().all(keyed) => {}
            Filter::Range { col, lower, upper } if col.0 == rc.col && range.is_none() => {
                range = Some((i, lower.as_ref(), upper.as_ref()));
            }
            _ => return None,
        }
    }
    let (at, lower, upper) = range?;
    let bl = match lower {
        Some(b) => Some(bucket_of(b, rc.prefix)?),
        None => None,
    };
    let bu = match upper {
        Some(b) => Some(bucket_of(b, rc.prefix)?),
        None => None,
    };
    if let (Some(l), Some(u)) = (bl, bu) {
        if l >= u {
            return None;
        }
    }
    if bl.is_none() && bu.is_none() {
        return None;
    }
    let build = || {
        let mut qb = sum_of_n(backend, ct.table);
        qb.push(" WHERE dated = 1");
        let access = Access {
            backend,
            ..Access::default()
        };
        for f in q
            .filters
            .iter()
            .filter(|f| !matches!(f, Filter::Range { .. }))
        {
            qb.push(" AND ");
            filter(&mut qb, q.table, f, access)?;
        }
        if !q.include_deleted {
            qb.push(" AND deleted = 0");
        }
        if let Some(l) = bl {
            qb.push(" AND ");
            qb.push(rc.column);
            qb.push(" > ");
            qb.push_bind(l.to_string());
        }
        if let Some(u) = bu {
            qb.push(" AND ");
            qb.push(rc.column);
            qb.push(" < ");
            qb.push_bind(u.to_string());
        }
        let with_range = |lower: Option<Bound>, upper: Option<Bound>| {
            let mut e = q.clone();
            e.filters[at] = Filter::Range {
                col: Col(rc.col),
                lower,
                upper,
            };
            e
        };
        let mut edges = Vec::new();
        if let Some(l) = bl {
            let next = SqlValue::Text(next_bucket(l));
            edges.push(with_range(lower.cloned(), Some(Bound::exclusive(next))));
        }
        if let Some(u) = bu {
            let from = SqlValue::Text(u.to_string());
            edges.push(with_range(Some(Bound::inclusive(from)), upper.cloned()));
        }
        Ok(RangeSplit { buckets: qb, edges })
    };
    Some(build())
}

/// The FTS5 table and `MATCH` expression whose rows are the candidates of a
/// name search (a superset of the rows whose name contains the needle).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FtsMatch {
    pub table: &'static str,
    pub expr: String,
}

/// When `q` has a [`Filter::ContainsCi`] the table's trigram index can serve
/// (present rows only, needle without NUL, of at least 3 characters, or of 1–2
/// where the index has its short-needle table): the FTS5 match to run.
pub fn trigram_phrase(q: &Query) -> Option<FtsMatch> {
    let tg = q.table.trigram?;
    if q.include_deleted {
        return None;
    }
    q.filters.iter().find_map(|f| match f {
        Filter::ContainsCi(c, needle) if c.0 == tg.column => fts_match(&tg, needle),
        _ => None,
    })
}

/// `SELECT COUNT(*) FROM <fts> WHERE <fts> MATCH ?`: rows of every source whose
/// name contains the needle (an upper bound of the matching rows, exact when
/// the other filters are the source alone and it holds every present row).
pub fn trigram_count(q: &Query, m: &FtsMatch) -> Option<Qb> {
    q.table.trigram?;
    let mut qb = Qb::new("SELECT COUNT(*) FROM ");
    qb.push(m.table);
    qb.push(" WHERE ");
    qb.push(m.table);
    qb.push(" MATCH ");
    qb.push_bind(m.expr.clone());
    Some(qb)
}

/// [`trigram_count`] counting at most `cap + 1` candidates: enough to tell
/// whether there are more than `cap` without visiting every match of a
/// common needle.
pub fn trigram_count_upto(q: &Query, m: &FtsMatch, cap: i64) -> Option<Qb> {
    q.table.trigram?;
    let mut qb = Qb::new("SELECT COUNT(*) FROM (SELECT 1 FROM ");
    qb.push(m.table);
    qb.push(" WHERE ");
    qb.push(m.table);
    qb.push(" MATCH ");
    qb.push_bind(m.expr.clone());
    qb.push(" LIMIT ");
    qb.push_bind(cap.saturating_add(1));
    qb.push(")");
    Some(qb)
}

/// When the filters are exactly `source = S` and one trigram-servable
/// `ContainsCi`: S. Then, if S holds every present row of the table (see
/// [`source_holds_all`]), the trigram count is the exact count.
pub fn trigram_only_source(q: &Query) -> Option<&str> {
    trigram_phrase(q)?;
    q.table.counts?;
    if q.filters.len() != 2 {
        return None;
    }
    let mut source = None;
    for f in &q.filters {
        match f {
            Filter::Eq(c, SqlValue::Text(s)) if c.0 == SOURCE.0 => source = Some(s.as_str()),
            Filter::ContainsCi(..) => {}
            _ => return None,
        }
    }
    source
}

/// `SELECT <source's present rows> = <all present rows>` from the count table.
pub fn source_holds_all(q: &Query, source: &str) -> Option<Qb> {
    let ct = q.table.counts?;
    let mut qb = Qb::new("SELECT COALESCE(SUM(CASE WHEN source = ");
    qb.push_bind(source);
    qb.push(" THEN n ELSE 0 END), 0) = COALESCE(SUM(n), 0) FROM ");
    qb.push(ct.table);
    qb.push(" WHERE deleted = 0");
    Some(qb)
}

/// The FTS5 match finding the rows whose `lower(column)` contains the needle
/// folded the same way (ASCII letters only): a trigram phrase for 3 or more
/// characters, else the hex token of the short-needle table.
fn fts_match(tg: &TrigramIndex, needle: &str) -> Option<FtsMatch> {
    if needle.is_empty() || needle.contains('\0') {
        return None;
    }
    let folded = needle.to_ascii_lowercase();
    if folded.chars().count() >= 3 {
        return Some(FtsMatch {
            table: tg.table,
            expr: format!("\"{}\"", folded.replace('"', "\"\"")),
        });
    }
    let hex: String = folded.bytes().map(|b| format!("{b:02X}")).collect();
    Some(FtsMatch {
        table: tg.short?,
        expr: format!("\"{hex}\""),
    })
}

/// The `LIKE` pattern matching `needle` anywhere, with `\` as the escape.
pub fn like_pattern(needle: &str) -> String {
    let mut p = String::with_capacity(needle.len() + 2);
    p.push('%');
    for ch in needle.chars() {
        if matches!(ch, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(ch);
    }
    p.push('%');
    p
}

fn clamp_i64(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

fn column(backend: Backend, table: &Table, c: Col) -> Result<&'static str, IrError> {
    if let Some((_, expr)) = table.computed.iter().find(|(n, _)| *n == c.0) {
        match backend {
            Backend::Sqlite => Ok(expr),
            Backend::Postgres => super::pg::spelling(expr).ok_or(IrError::NoPostgres(expr)),
        }
    } else if table.columns.contains(&c.0) {
        Ok(c.0)
    } else {
        Err(IrError::UnknownColumn {
            table: table.name,
            column: c.0,
        })
    }
}

/// Pushes `sql`, binding `values` in place of its `?`s in order (NULL for a
/// `?` without a value).
pub(crate) fn push_with_values(qb: &mut Qb, sql: &str, values: &[SqlValue]) {
    let mut parts = sql.split('?');
    qb.push(parts.next().unwrap_or_default());
    let mut values = values.iter();
    for part in parts {
        match values.next() {
            Some(v) => bind(qb, v),
            None => {
                qb.push("NULL");
            }
        }
        qb.push(part);
    }
}

fn bind(qb: &mut Qb, v: &SqlValue) {
    match v {
        SqlValue::Null => qb.push_bind(Option::<String>::None),
        SqlValue::Int(i) => qb.push_bind(*i),
        SqlValue::Real(f) => qb.push_bind(*f),
        SqlValue::Text(s) => qb.push_bind(s.clone()),
    };
}

fn from(qb: &mut Qb, table: &Table, path: PathHint) {
    qb.push(" FROM ");
    qb.push(table.name);
    if qb.backend == Backend::Postgres {
        // The planner chooses alone; no hints there.
        return;
    }
    match path {
        PathHint::Index(name) if table.indexes.iter().any(|ix| ix.name == name) => {
            qb.push(" INDEXED BY ");
            qb.push(name);
        }
        PathHint::RowidOnly if table.has_rowid => {
            qb.push(" NOT INDEXED");
        }
        _ => {}
    }
}

fn where_clause(qb: &mut Qb, q: &Query, access: Access, seek: bool) -> Result<(), IrError> {
    let mut first = true;
    let mut and = |qb: &mut Qb| {
        qb.push(if first { " WHERE " } else { " AND " });
        first = false;
    };
    if !q.include_deleted {
        and(qb);
        qb.push(column(qb.backend, q.table, DELETED_AT)?);
        qb.push(" IS NULL");
    }
    for f in &q.filters {
        and(qb);
        qb.push("(");
        filter(qb, q.table, f, access)?;
        qb.push(")");
    }
    if seek {
        if let Some(values) = &q.after {
            let keys: Vec<&SortKey> = q.sort_keys().collect();
            if keys.len() != values.len() {
                return Err(IrError::KeysetArity {
                    got: values.len(),
                    want: keys.len(),
                });
            }
            and(qb);
            after(qb, q.table, &keys, values)?;
        }
    }
    Ok(())
}

fn filter(qb: &mut Qb, table: &Table, f: &Filter, access: Access) -> Result<(), IrError> {
    let search = access.search;
    // `+col` keeps an equality from being served by an index.
    let unindexed = |c: &Col| {
        access.path == PathHint::WalkOrder && c.0 != SOURCE.0 && access.backend == Backend::Sqlite
    };
    let pg = access.backend == Backend::Postgres;
    match f {
        Filter::Eq(c, SqlValue::Null) => {
            qb.push(column(qb.backend, table, *c)?);
            qb.push(" IS NULL");
        }
        Filter::Eq(c, v) => {
            let name = column(qb.backend, table, *c)?;
            if unindexed(c) {
                qb.push("+");
            }
            qb.push(name);
            qb.push(" = ");
            bind(qb, v);
        }
        Filter::In(c, values) => {
            let name = column(qb.backend, table, *c)?;
            let values: Vec<&SqlValue> = values.iter().filter(|v| **v != SqlValue::Null).collect();
            if values.is_empty() {
                truth(qb, false);
            } else {
                if unindexed(c) {
                    qb.push("+");
                }
                qb.push(name);
                qb.push(" IN (");
                for (i, v) in values.iter().enumerate() {
                    if i > 0 {
                        qb.push(", ");
                    }
                    bind(qb, v);
                }
                qb.push(")");
            }
        }
        Filter::ContainsCi(c, needle) => {
            let name = column(qb.backend, table, *c)?;
            if needle.is_empty() {
                truth(qb, true);
            } else if pg && needle.contains('\0') {
                // PostgreSQL text never holds NUL.
                truth(qb, false);
            } else if pg {
                // LIKE is case-sensitive there: compare lower() of both, in
                // byte order ("C"), which folds ASCII letters only.
                qb.push("lower((");
                qb.push(name);
                qb.push(") COLLATE \"C\") LIKE ");
                qb.push_bind(like_pattern(&needle.to_ascii_lowercase()));
                qb.push(" ESCAPE '\\'");
            } else if needle.contains('\0') {
                qb.push("instr(lower(");
                qb.push(name);
                qb.push("), ");
                qb.push_bind(needle.to_ascii_lowercase());
                qb.push(") > 0");
            } else {
                let fts = table
                    .trigram
                    .filter(|tg| tg.column == name && (table.has_rowid || tg.base.is_some()))
                    .and_then(|tg| fts_match(&tg, needle).map(|m| (tg, m)));
                if let (NameSearch::Trigram, Some((tg, m))) = (search, fts) {
                    match tg.base {
                        None => {
                            qb.push("rowid IN (SELECT rowid FROM ");
                        }
                        // A view: its rows are named by its table's key.
                        Some(base) => {
                            qb.push("(");
                            qb.push(base.view_key);
                            qb.push(") IN (SELECT ");
                            qb.push(base.table_key);
                            qb.push(" FROM ");
                            qb.push(base.table);
                            qb.push(" WHERE rowid IN (SELECT rowid FROM ");
                        }
                    }
                    qb.push(m.table);
                    qb.push(" WHERE ");
                    qb.push(m.table);
                    qb.push(" MATCH ");
                    qb.push_bind(m.expr);
                    qb.push(if tg.base.is_some() {
                        ")) AND "
                    } else {
                        ") AND "
                    });
                }
                qb.push(name);
                qb.push(" LIKE ");
                qb.push_bind(like_pattern(needle));
                qb.push(" ESCAPE '\\'");
            }
        }
        Filter::EqCi(c, text) => {
            if pg {
                qb.push("lower((");
                qb.push(column(qb.backend, table, *c)?);
                qb.push(") COLLATE \"C\") = ");
            } else {
                qb.push("lower(");
                qb.push(column(qb.backend, table, *c)?);
                qb.push(") = ");
            }
            qb.push_bind(text.to_ascii_lowercase());
        }
        Filter::Sql { sql, values } => {
            let sql = if pg {
                super::pg::spelling(sql).ok_or(IrError::NoPostgres(sql))?
            } else if access.path == PathHint::RowidOnly && table.has_rowid {
                keyed(sql).map_or(*sql, |k| k.rowids)
            } else {
                sql
            };
            push_with_values(qb, sql, values);
        }
        Filter::Range { col, lower, upper } => {
            let name = column(qb.backend, table, *col)?;
            let plus = if unindexed(col) { "+" } else { "" };
            if lower.is_none() && upper.is_none() {
                truth(qb, true);
            }
            if let Some(b) = lower {
                qb.push(plus);
                qb.push(name);
                qb.push(if b.inclusive { " >= " } else { " > " });
                bind(qb, &b.value);
            }
            if let Some(b) = upper {
                if lower.is_some() {
                    qb.push(" AND ");
                }
                qb.push(plus);
                qb.push(name);
                qb.push(if b.inclusive { " <= " } else { " < " });
                bind(qb, &b.value);
            }
        }
        Filter::Any(filters) => {
            if filters.is_empty() {
                truth(qb, false);
            }
            for (i, f) in filters.iter().enumerate() {
                if i > 0 {
                    qb.push(" OR ");
                }
                qb.push("(");
                filter(qb, table, f, access)?;
                qb.push(")");
            }
        }
        Filter::Not(inner) => {
            qb.push("NOT (");
            filter(qb, table, inner, access)?;
            qb.push(")");
        }
    }
    Ok(())
}

fn order_term(qb: &mut Qb, table: &Table, k: &SortKey) -> Result<(), IrError> {
    qb.push(column(qb.backend, table, k.col)?);
    // PostgreSQL: every text column (views too) is declared COLLATE "C".
    if qb.backend == Backend::Sqlite {
        qb.push(" COLLATE BINARY");
    }
    push_direction(qb, k);
    Ok(())
}

/// ` ASC|DESC NULLS FIRST|LAST` of a sort key.
fn push_direction(qb: &mut Qb, k: &SortKey) {
    qb.push(match k.dir {
        Direction::Asc => " ASC",
        Direction::Desc => " DESC",
    });
    qb.push(match k.nulls {
        Nulls::First => " NULLS FIRST",
        Nulls::Last => " NULLS LAST",
    });
}

/// Rows strictly after the position `values` in the order `keys`:
/// `OR` over i of (keys before i equal AND key i after its value).
fn after(
    qb: &mut Qb,
    table: &Table,
    keys: &[&SortKey],
    values: &[SqlValue],
) -> Result<(), IrError> {
    qb.push("(");
    let mut terms = 0;
    for i in 0..keys.len() {
        let (k, v) = (keys[i], &values[i]);
        // Nothing sorts after NULL when NULLs are last.
        if *v == SqlValue::Null && k.nulls == Nulls::Last {
            continue;
        }
        if terms > 0 {
            qb.push(" OR ");
        }
        terms += 1;
        qb.push("(");
        for j in 0..i {
            let name = column(qb.backend, table, keys[j].col)?;
            qb.push(name);
            if values[j] == SqlValue::Null {
                qb.push(" IS NULL");
            } else {
                qb.push(" = ");
                bind(qb, &values[j]);
            }
            qb.push(" AND ");
        }
        let name = column(qb.backend, table, k.col)?;
        if *v == SqlValue::Null {
            // NULLs first: every non-NULL value comes after.
            qb.push(name);
            qb.push(" IS NOT NULL");
        } else {
            let op = match k.dir {
                Direction::Asc => " > ",
                Direction::Desc => " < ",
            };
            if k.nulls == Nulls::Last {
                qb.push("(");
            }
            qb.push(name);
            qb.push(op);
            bind(qb, v);
            if k.nulls == Nulls::Last {
                qb.push(" OR ");
                qb.push(name);
                qb.push(" IS NULL)");
            }
        }
        qb.push(")");
    }
    if terms == 0 {
        truth(qb, false);
    }
    qb.push(")");
    Ok(())
}
