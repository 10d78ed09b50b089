//! The provider-neutral query IR: which table, which rows (filters), in which
//! order (sort keys with an explicit tie-break), which window (offset/limit or a
//! keyset position), deleted rows or not. Dialects build it from a provider's
//! native parameters; [`super::sql`] compiles it to SQL with bound values only.
//!
//! Column names are `&'static str` taken from static [`Table`] descriptions
//! (never from input), and the compiler refuses a column its table does not
//! list. Values are [`SqlValue`]s and are always bound, never spliced.
//!
//! Comparison rules, the same for every kind (and to be kept by any other SQL
//! backend): text compares byte-wise (UTF-8 code point order: SQLite's `BINARY`,
//! PostgreSQL's `COLLATE "C"`); `NULL` is the smallest value (first ascending,
//! last descending); [`Filter::ContainsCi`] folds ASCII letters only.

use crate::store::SqlValue;

/// The column every native table is scoped by.
pub const SOURCE: Col = Col("source");
/// The column that marks a row deleted (NULL while present).
pub const DELETED_AT: Col = Col("deleted_at");

/// A table or view a query may read, with every column a query may name.
#[derive(Debug)]
pub struct Table {
    pub name: &'static str,
    pub columns: &'static [&'static str],
    /// Named SQL expressions over the columns (e.g. a JSON field), usable like
    /// columns in filters and sort keys: `(name, static SQL expression)`.
    pub computed: &'static [(&'static str, &'static str)],
    /// Whether the table has SQLite's `rowid` (views have none).
    pub has_rowid: bool,
    /// A trigger-maintained count table, when the table has one.
    pub counts: Option<CountsTable>,
    /// A trigram (FTS5) index of one text column, when the table has one.
    pub trigram: Option<TrigramIndex>,
    /// The table's query indexes (partial: present rows, led by `source`),
    /// which the executor may steer SQLite towards (see `exec::plan`).
    pub indexes: &'static [Index],
}

/// A query index: `(source, columns...) WHERE deleted_at IS NULL`.
#[derive(Debug, Clone, Copy)]
pub struct Index {
    pub name: &'static str,
    pub columns: &'static [&'static str],
}

impl PartialEq for Table {
    fn eq(&self, other: &Table) -> bool {
        self.name == other.name
    }
}

impl Table {
    pub fn has_column(&self, name: &str) -> bool {
        self.columns.contains(&name) || self.computed.iter().any(|(n, _)| *n == name)
    }
}

/// `<table>_counts (source, <by>, deleted, n)`: rows per source, value of `by`
/// (NULL counted under `null_key`) and deleted flag, kept exact by triggers.
/// Equalities on `by` with NULL or the `null_key` value are never served by
/// it. With `buckets`, the rows are also split by bucket of a text column.
#[derive(Debug, Clone, Copy)]
pub struct CountsTable {
    pub table: &'static str,
    pub by: &'static str,
    pub null_key: NullKey,
    pub buckets: Option<Buckets>,
}

/// The value a [`CountsTable`] counts a NULL `by` under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NullKey {
    Int(i64),
    Text(&'static str),
}

impl NullKey {
    /// Whether rows whose `by` equals `v` are counted under `v` alone: `v`
    /// is neither NULL nor the value NULL is counted under.
    pub fn keeps_apart(self, v: &SqlValue) -> bool {
        match (self, v) {
            (_, SqlValue::Null) => false,
            (NullKey::Int(k), SqlValue::Int(i)) => k != *i,
            (NullKey::Text(k), SqlValue::Text(t)) => k != t,
            _ => true,
        }
    }
}

/// A count table's split by bucket of the text column `col`: its rows are
/// `(source, deleted, dated, <column>, <by>, n)`, where `column` holds the
/// first `prefix` characters of `col` (`dated` 0 and bucket `''` when `col`
/// is NULL). A count over a range of `col` is then the sum of the buckets
/// that lie wholly inside it plus counts of the two partial buckets at its
/// ends.
#[derive(Debug, Clone, Copy)]
pub struct Buckets {
    pub col: &'static str,
    pub column: &'static str,
    pub prefix: usize,
}

/// A contentless FTS5 `trigram case_sensitive 1` table holding `lower(column)`
/// of the present rows, keyed by the table's rowid (needles of 3 or more
/// characters).
#[derive(Debug, Clone, Copy)]
pub struct TrigramIndex {
    pub table: &'static str,
    pub column: &'static str,
    /// For needles of 1 or 2 characters, which trigrams cannot serve: a
    /// contentless FTS5 table (`detail=none`) whose tokens are the upper-case
    /// hex of the UTF-8 of every 1- and 2-character substring of
    /// `lower(column)` of the present rows, keyed by the table's rowid.
    pub short: Option<&'static str>,
    /// For a view (no rowid) over one table whose rowids key the FTS5
    /// tables: how a view row names its table row.
    pub base: Option<BaseRows>,
}

/// How the rows of a simple view over one table are found from that table's
/// rowids: `(<view_key>) IN (SELECT <table_key> FROM <table> WHERE rowid IN …)`.
/// The keys name a row of the table uniquely (its primary key).
#[derive(Debug, Clone, Copy)]
pub struct BaseRows {
    pub table: &'static str,
    pub view_key: &'static str,
    pub table_key: &'static str,
}

/// A column name (from a static table description).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Col(pub &'static str);

/// One inclusive or exclusive end of a range.
#[derive(Debug, Clone, PartialEq)]
pub struct Bound {
    pub value: SqlValue,
    pub inclusive: bool,
}

impl Bound {
    pub fn inclusive(value: SqlValue) -> Bound {
        Bound {
            value,
            inclusive: true,
        }
    }

    pub fn exclusive(value: SqlValue) -> Bound {
        Bound {
            value,
            inclusive: false,
        }
    }
}

/// A condition on rows. All filters of a [`Query`] must hold.
#[derive(Debug, Clone, PartialEq)]
pub enum Filter {
    /// The column equals the value (`Null`: the column is NULL).
    Eq(Col, SqlValue),
    /// The column equals one of the values (none: no row matches; `Null`s never match).
    In(Col, Vec<SqlValue>),
    /// The column contains the text, folding ASCII letters only, with no
    /// wildcards (`%`, `_` are plain characters). Empty text: every row.
    ContainsCi(Col, String),
    /// The column equals the text, folding ASCII letters only.
    EqCi(Col, String),
    /// A static SQL predicate of the dialect, its `?` bound to `values` in
    /// order (for what the other filters cannot say, e.g. membership in a JSON
    /// array). The text never comes from input.
    Sql {
        sql: &'static str,
        values: Vec<SqlValue>,
    },
    /// The column lies between the bounds (either may be open).
    Range {
        col: Col,
        lower: Option<Bound>,
        upper: Option<Bound>,
    },
    /// At least one holds (none: no row matches).
    Any(Vec<Filter>),
    /// The filter does not hold (a NULL comparison holds neither way).
    Not(Box<Filter>),
}

/// Sort direction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    Asc,
    Desc,
}

/// Where NULLs sort.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Nulls {
    First,
    Last,
}

/// One sort key: column, direction, NULL placement. Text sorts byte-wise.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SortKey {
    pub col: Col,
    pub dir: Direction,
    pub nulls: Nulls,
}

impl SortKey {
    /// Ascending, NULL first (NULL is the smallest value).
    pub fn asc(col: Col) -> SortKey {
        SortKey {
            col,
            dir: Direction::Asc,
            nulls: Nulls::First,
        }
    }

    /// Descending, NULL last (NULL is the smallest value).
    pub fn desc(col: Col) -> SortKey {
        SortKey {
            col,
            dir: Direction::Desc,
            nulls: Nulls::Last,
        }
    }

    pub fn new(col: Col, dir: Direction) -> SortKey {
        match dir {
            Direction::Asc => SortKey::asc(col),
            Direction::Desc => SortKey::desc(col),
        }
    }
}

/// A query on one table.
#[derive(Debug, Clone, PartialEq)]
pub struct Query {
    pub table: &'static Table,
    /// Columns returned, in order.
    pub select: Vec<Col>,
    pub filters: Vec<Filter>,
    /// Rows with `deleted_at` set are left out unless this is true.
    pub include_deleted: bool,
    /// The requested order.
    pub order: Vec<SortKey>,
    /// Keys that follow `order` and make it total (together unique per row).
    pub tie_break: Vec<SortKey>,
    /// Keyset position: the values of `order` then `tie_break` of the last row
    /// already returned; only rows strictly after it are returned.
    pub after: Option<Vec<SqlValue>>,
    /// Rows skipped (after the keyset position, if any).
    pub offset: u64,
    /// At most this many rows (None: to the end).
    pub limit: Option<u64>,
}

impl Query {
    /// All rows of `table` (present only), returning `select`, in tie-break order.
    pub fn new(table: &'static Table, select: &[Col], tie_break: Vec<SortKey>) -> Query {
        Query {
            table,
            select: select.to_vec(),
            filters: Vec::new(),
            include_deleted: false,
            order: Vec::new(),
            tie_break,
            after: None,
            offset: 0,
            limit: None,
        }
    }

    /// Every sort key: `order` then `tie_break`.
    pub fn sort_keys(&self) -> impl Iterator<Item = &SortKey> {
        self.order.iter().chain(self.tie_break.iter())
    }

    pub fn filter(mut self, f: Filter) -> Query {
        self.filters.push(f);
        self
    }
}
