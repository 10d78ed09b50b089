//! The two database backends behind one [`super::Store`]: SQLite (a writer
//! connection and a read pool on one file) or PostgreSQL (one pool), chosen by
//! the URL scheme. Store modules write each statement once as [`Sql`] (text
//! and bound values, never spliced) and run it on a [`Db`] or a [`Tx`]; the
//! statement becomes a `sqlx::QueryBuilder` of the backend, which numbers the
//! placeholders its own way (`?` or `$n`). Where the SQL itself differs, the
//! store module keeps both spellings side by side, chosen by [`Backend`].

use std::fmt;

use sqlx::postgres::{PgPool, PgRow};
use sqlx::sqlite::{SqlitePool, SqliteRow};
use sqlx::{ColumnIndex, Database, Decode, Encode, Postgres, QueryBuilder, Row, Sqlite, Type};

/// Which database a URL names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Backend {
    #[default]
    Sqlite,
    Postgres,
}

impl Backend {
    /// The backend of `url` by its scheme (`sqlite:`, `postgres://`, `postgresql://`).
    pub fn of_url(url: &str) -> Option<Backend> {
        if url.starts_with("sqlite:") {
            Some(Backend::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Some(Backend::Postgres)
        } else {
            None
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// A URL fit for logs and errors: any password in it replaced by `[redacted]`.
pub fn redact_url(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("REDACTED"));
            u.to_string().replacen(":REDACTED@", ":[redacted]@", 1)
        }
        _ => url.to_string(),
    }
}

/// The open pools of a store.
#[derive(Clone)]
pub(crate) enum Pools {
    Sqlite {
        writer: SqlitePool,
        reader: SqlitePool,
    },
    Postgres(PgPool),
}

impl Pools {
    pub(crate) fn backend(&self) -> Backend {
        match self {
            Pools::Sqlite { .. } => Backend::Sqlite,
            Pools::Postgres(_) => Backend::Postgres,
        }
    }

    /// Where writes (and reads that must see them) run.
    pub(crate) fn writer(&self) -> Db<'_> {
        match self {
            Pools::Sqlite { writer, .. } => Db::Sqlite(writer),
            Pools::Postgres(p) => Db::Postgres(p),
        }
    }

    /// Where plain reads run.
    pub(crate) fn reader(&self) -> Db<'_> {
        match self {
            Pools::Sqlite { reader, .. } => Db::Sqlite(reader),
            Pools::Postgres(p) => Db::Postgres(p),
        }
    }

    pub(crate) async fn close(&self) {
        match self {
            Pools::Sqlite { writer, reader } => {
                reader.close().await;
                writer.close().await;
            }
            Pools::Postgres(p) => p.close().await,
        }
    }
}

/// A value bound into a statement. NULLs are typed: PostgreSQL checks the type
/// of every parameter, even a NULL one.
#[derive(Debug, Clone, PartialEq)]
pub enum Arg {
    Int(Option<i64>),
    Real(Option<f64>),
    Text(Option<String>),
    Bool(bool),
}

impl From<i64> for Arg {
    fn from(v: i64) -> Arg {
        Arg::Int(Some(v))
    }
}
impl From<Option<i64>> for Arg {
    fn from(v: Option<i64>) -> Arg {
        Arg::Int(v)
    }
}
impl From<f64> for Arg {
    fn from(v: f64) -> Arg {
        Arg::Real(Some(v))
    }
}
impl From<bool> for Arg {
    fn from(v: bool) -> Arg {
        Arg::Bool(v)
    }
}
impl From<&str> for Arg {
    fn from(v: &str) -> Arg {
        Arg::Text(Some(v.to_string()))
    }
}
impl From<&String> for Arg {
    fn from(v: &String) -> Arg {
        Arg::Text(Some(v.clone()))
    }
}
impl From<String> for Arg {
    fn from(v: String) -> Arg {
        Arg::Text(Some(v))
    }
}
impl From<Option<&str>> for Arg {
    fn from(v: Option<&str>) -> Arg {
        Arg::Text(v.map(str::to_string))
    }
}
impl From<Option<String>> for Arg {
    fn from(v: Option<String>) -> Arg {
        Arg::Text(v)
    }
}

#[derive(Debug, Clone)]
enum Part {
    Text(String),
    Arg(Arg),
}

/// One statement: SQL text with bound values in between.
#[derive(Debug, Clone, Default)]
pub struct Sql {
    parts: Vec<Part>,
}

impl Sql {
    pub(crate) fn new(text: impl Into<String>) -> Sql {
        Sql {
            parts: vec![Part::Text(text.into())],
        }
    }

    /// `text` with each `?` bound to the next of `args` (the text is static
    /// SQL holding no `?` of its own).
    pub(crate) fn with(text: &str, args: impl IntoIterator<Item = Arg>) -> Sql {
        let mut sql = Sql::default();
        let mut args = args.into_iter();
        let mut pieces = text.split('?');
        sql.push(pieces.next().unwrap_or_default());
        for piece in pieces {
            let arg = args.next().expect("a value for every ?");
            sql.bind(arg).push(piece);
        }
        assert!(args.next().is_none(), "more values than ? in {text}");
        sql
    }

    pub(crate) fn push(&mut self, text: impl AsRef<str>) -> &mut Sql {
        self.parts.push(Part::Text(text.as_ref().to_string()));
        self
    }

    pub(crate) fn bind(&mut self, v: impl Into<Arg>) -> &mut Sql {
        self.parts.push(Part::Arg(v.into()));
        self
    }

    /// Binds `values` separated by `, ` (for `IN (...)` lists).
    pub(crate) fn bind_list<A: Into<Arg>>(
        &mut self,
        values: impl IntoIterator<Item = A>,
    ) -> &mut Sql {
        for (i, v) in values.into_iter().enumerate() {
            if i > 0 {
                self.push(", ");
            }
            self.bind(v);
        }
        self
    }

    /// The statement as a query builder of `DB`, its values bound in order.
    pub(crate) fn build<DB: Database>(self) -> QueryBuilder<'static, DB>
    where
        Option<i64>: Encode<'static, DB> + Type<DB>,
        Option<f64>: Encode<'static, DB> + Type<DB>,
        Option<String>: Encode<'static, DB> + Type<DB>,
        bool: Encode<'static, DB> + Type<DB>,
    {
        let mut qb = QueryBuilder::<DB>::new("");
        for part in self.parts {
            match part {
                Part::Text(t) => {
                    qb.push(t);
                }
                Part::Arg(Arg::Int(v)) => {
                    qb.push_bind(v);
                }
                Part::Arg(Arg::Real(v)) => {
                    qb.push_bind(v);
                }
                Part::Arg(Arg::Text(v)) => {
                    qb.push_bind(v);
                }
                Part::Arg(Arg::Bool(v)) => {
                    qb.push_bind(v);
                }
            }
        }
        qb
    }
}

impl fmt::Display for Sql {
    /// The text with `?` for each bound value (for messages, never for running).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for p in &self.parts {
            match p {
                Part::Text(t) => f.write_str(t)?,
                Part::Arg(_) => f.write_str("?")?,
            }
        }
        Ok(())
    }
}

/// A result row of either backend.
pub enum DbRow {
    Sqlite(SqliteRow),
    Postgres(PgRow),
}

impl DbRow {
    /// Column `i` (a name or a position) decoded as `T`.
    pub(crate) fn get<'r, T, I>(&'r self, i: I) -> Result<T, sqlx::Error>
    where
        I: ColumnIndex<SqliteRow> + ColumnIndex<PgRow>,
        T: Decode<'r, Sqlite> + Type<Sqlite> + Decode<'r, Postgres> + Type<Postgres>,
    {
        match self {
            DbRow::Sqlite(r) => r.try_get(i),
            DbRow::Postgres(r) => r.try_get(i),
        }
    }
}

/// A value decodable from a result column of either backend.
pub(crate) trait Column:
    for<'r> Decode<'r, Sqlite> + Type<Sqlite> + for<'r> Decode<'r, Postgres> + Type<Postgres>
{
}

impl<T> Column for T where
    T: for<'r> Decode<'r, Sqlite> + Type<Sqlite> + for<'r> Decode<'r, Postgres> + Type<Postgres>
{
}

/// A tuple made of a row's first columns, in order.
pub(crate) trait FromDbRow: Sized {
    fn from_row(row: &DbRow) -> Result<Self, sqlx::Error>;
}

macro_rules! tuple_from_row {
    ($($t:ident $i:tt),+) => {
        impl<$($t: Column),+> FromDbRow for ($($t,)+) {
            fn from_row(row: &DbRow) -> Result<Self, sqlx::Error> {
                Ok(($(row.get::<$t, _>($i)?,)+))
            }
        }
    };
}

tuple_from_row!(A 0);
tuple_from_row!(A 0, B 1);
tuple_from_row!(A 0, B 1, C 2);
tuple_from_row!(A 0, B 1, C 2, D 3);
tuple_from_row!(A 0, B 1, C 2, D 3, E 4);
tuple_from_row!(A 0, B 1, C 2, D 3, E 4, F 5);

/// A pool to run one statement on.
#[derive(Clone, Copy)]
pub(crate) enum Db<'a> {
    Sqlite(&'a SqlitePool),
    Postgres(&'a PgPool),
}

/// One connection of either backend (e.g. inside a transaction).
pub enum Conn<'c> {
    Sqlite(&'c mut sqlx::SqliteConnection),
    Postgres(&'c mut sqlx::PgConnection),
}

/// Anything that lends a [`Conn`]: a connection or a transaction of either backend.
pub trait AsConn {
    fn conn(&mut self) -> Conn<'_>;
}

impl AsConn for sqlx::SqliteConnection {
    fn conn(&mut self) -> Conn<'_> {
        Conn::Sqlite(self)
    }
}
impl AsConn for sqlx::PgConnection {
    fn conn(&mut self) -> Conn<'_> {
        Conn::Postgres(self)
    }
}
impl AsConn for sqlx::pool::PoolConnection<Sqlite> {
    fn conn(&mut self) -> Conn<'_> {
        Conn::Sqlite(self)
    }
}
impl AsConn for sqlx::pool::PoolConnection<Postgres> {
    fn conn(&mut self) -> Conn<'_> {
        Conn::Postgres(self)
    }
}
impl AsConn for sqlx::Transaction<'_, Sqlite> {
    fn conn(&mut self) -> Conn<'_> {
        Conn::Sqlite(self)
    }
}
impl AsConn for sqlx::Transaction<'_, Postgres> {
    fn conn(&mut self) -> Conn<'_> {
        Conn::Postgres(self)
    }
}
impl AsConn for Tx {
    fn conn(&mut self) -> Conn<'_> {
        match self {
            Tx::Sqlite(t) => Conn::Sqlite(t),
            Tx::Postgres(t) => Conn::Postgres(t),
        }
    }
}

/// A transaction of either backend.
pub enum Tx {
    Sqlite(sqlx::Transaction<'static, Sqlite>),
    Postgres(sqlx::Transaction<'static, Postgres>),
}

/// `execute`, `fetch_all`, `fetch_as`, `fetch_optional` and `fetch_one` on one
/// executor expression per backend (`$s` for SQLite, `$p` for PostgreSQL).
/// Not every executor uses every call.
macro_rules! run_on {
    ($recv:ty, $sql:ident, $s:ident => $se:expr, $p:ident => $pe:expr) => {
        /// Runs the statement; returns the rows it changed.
        pub(crate) async fn execute(self: $recv, $sql: Sql) -> Result<u64, sqlx::Error> {
            match self {
                Self::Sqlite($s) => Ok($sql
                    .build::<Sqlite>()
                    .build()
                    .execute($se)
                    .await?
                    .rows_affected()),
                Self::Postgres($p) => Ok($sql
                    .build::<Postgres>()
                    .build()
                    .execute($pe)
                    .await?
                    .rows_affected()),
            }
        }

        pub(crate) async fn fetch_all(self: $recv, $sql: Sql) -> Result<Vec<DbRow>, sqlx::Error> {
            match self {
                Self::Sqlite($s) => Ok($sql
                    .build::<Sqlite>()
                    .build()
                    .fetch_all($se)
                    .await?
                    .into_iter()
                    .map(DbRow::Sqlite)
                    .collect()),
                Self::Postgres($p) => Ok($sql
                    .build::<Postgres>()
                    .build()
                    .fetch_all($pe)
                    .await?
                    .into_iter()
                    .map(DbRow::Postgres)
                    .collect()),
            }
        }

        /// Runs the statement; returns its rows as tuples.
        pub(crate) async fn fetch_as<T: FromDbRow>(
            self: $recv,
            $sql: Sql,
        ) -> Result<Vec<T>, sqlx::Error> {
            self.fetch_all($sql)
                .await?
                .iter()
                .map(T::from_row)
                .collect()
        }

        pub(crate) async fn fetch_optional(
            self: $recv,
            $sql: Sql,
        ) -> Result<Option<DbRow>, sqlx::Error> {
            match self {
                Self::Sqlite($s) => Ok($sql
                    .build::<Sqlite>()
                    .build()
                    .fetch_optional($se)
                    .await?
                    .map(DbRow::Sqlite)),
                Self::Postgres($p) => Ok($sql
                    .build::<Postgres>()
                    .build()
                    .fetch_optional($pe)
                    .await?
                    .map(DbRow::Postgres)),
            }
        }

        pub(crate) async fn fetch_one(self: $recv, $sql: Sql) -> Result<DbRow, sqlx::Error> {
            match self {
                Self::Sqlite($s) => Ok(DbRow::Sqlite(
                    $sql.build::<Sqlite>().build().fetch_one($se).await?,
                )),
                Self::Postgres($p) => Ok(DbRow::Postgres(
                    $sql.build::<Postgres>().build().fetch_one($pe).await?,
                )),
            }
        }
    };
}

#[allow(dead_code)]
impl Db<'_> {
    run_on!(Self, sql, p => p, p => p);

    /// Starts a transaction.
    pub(crate) async fn begin(self) -> Result<Tx, sqlx::Error> {
        Ok(match self {
            Db::Sqlite(p) => Tx::Sqlite(p.begin().await?),
            Db::Postgres(p) => Tx::Postgres(p.begin().await?),
        })
    }
}

#[allow(dead_code)]
impl Conn<'_> {
    run_on!(&mut Self, sql, c => &mut **c, c => &mut **c);

    pub(crate) fn backend(&self) -> Backend {
        match self {
            Conn::Sqlite(_) => Backend::Sqlite,
            Conn::Postgres(_) => Backend::Postgres,
        }
    }
}

#[allow(dead_code)]
impl Tx {
    run_on!(&mut Self, sql, t => &mut **t, t => &mut **t);

    pub(crate) fn backend(&self) -> Backend {
        match self {
            Tx::Sqlite(_) => Backend::Sqlite,
            Tx::Postgres(_) => Backend::Postgres,
        }
    }

    pub async fn rollback(self) -> Result<(), sqlx::Error> {
        match self {
            Tx::Sqlite(t) => t.rollback().await,
            Tx::Postgres(t) => t.rollback().await,
        }
    }

    pub(crate) async fn commit(self) -> Result<(), sqlx::Error> {
        match self {
            Tx::Sqlite(t) => t.commit().await,
            Tx::Postgres(t) => t.commit().await,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binds_each_question_mark_and_redacts_passwords() {
        let sql = Sql::with(
            "UPDATE t SET a = ? WHERE b = ? AND c IN (",
            [Arg::from(1), Arg::from("x")],
        );
        assert_eq!(sql.to_string(), "UPDATE t SET a = ? WHERE b = ? AND c IN (");
        assert_eq!(
            sql.build::<Postgres>().sql(),
            "UPDATE t SET a = $1 WHERE b = $2 AND c IN ("
        );
        assert_eq!(
            redact_url("postgres://jm:hunter2@db.example:5432/mirror"),
            "postgres://jm:[redacted]@db.example:5432/mirror"
        );
        assert_eq!(redact_url("sqlite://x.db"), "sqlite://x.db");
        assert_eq!(
            Backend::of_url("postgresql://h/db"),
            Some(Backend::Postgres)
        );
        assert_eq!(Backend::of_url("mysql://h/db"), None);
    }
}
