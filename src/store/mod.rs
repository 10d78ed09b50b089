//! The store: connection pools, migrations, and every SQL statement the
//! collector, the webhook dispatcher and the CLI run (pages with change
//! detection, deletions, the webhook outbox, sync runs, sync state), on SQLite
//! (the embedded default) or PostgreSQL, chosen by the URL scheme. Callers
//! never see SQL; [`db`] is the thin layer both backends share.

mod analyze;
mod bulk;
mod changes;
pub mod db;
mod error;
mod jobs;
pub mod leases;
mod list_meta;
mod outbox;
mod pages;
mod raw_hash;
pub mod record;
pub mod record_raw;
mod runs;
mod sync_state;
#[doc(hidden)]
pub mod testdb;
mod unfinished;

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};

use crate::config::{DatabaseConfig, Secret};
pub use db::Backend;
pub(crate) use db::{Db, Pools, Sql};

pub use bulk::BulkInsert;
pub use changes::StatusChange;
pub use error::StoreError;
pub use jobs::{ActiveRow, SourceCounts};
pub use leases::{check_lease_period, replica_id, Lease, LEASE_PERIOD};
pub use outbox::{
    new_webhook_id, AttemptRecord, AttemptResolution, EndpointStats, EventStatus, EventSummary,
    OutboxEvent, Requeued,
};
pub use pages::{PageContext, PageOutcome};
pub use record::{ColType, Column, Record, SqlValue, TableSpec};
pub use runs::{RunMode, RunStats, RunSummary};
pub use sync_state::SyncState;

/// The mirror database (SQLite: one writer connection and a small pool of
/// readers; PostgreSQL: one pool), and the webhook endpoints whose filters
/// decide which events the outbox records.
#[derive(Clone)]
pub struct Store {
    pools: Pools,
    outbox: Arc<outbox::OutboxShared>,
    /// New rows per table since its last ANALYZE (PostgreSQL).
    growth: Arc<analyze::GrowthByTable>,
    /// How long a source lease taken through this store lasts unless renewed.
    lease_period: Duration,
}

fn sqlite_migrator() -> sqlx::migrate::Migrator {
    sqlx::migrate!("./migrations/sqlite")
}

fn postgres_migrator() -> sqlx::migrate::Migrator {
    sqlx::migrate!("./migrations/postgres")
}

/// Connections a PostgreSQL store opens at most (writers and readers share them).
const PG_MAX_CONNECTIONS: u32 = 10;

impl Store {
    /// Opens (creating if missing) the database at `url`, and applies the
    /// migrations: SQLite (`sqlite://PATH`, in WAL mode) or PostgreSQL
    /// (`postgres://USER@HOST[:PORT]/DB`, password from `password`).
    pub async fn open(url: &str) -> Result<Store, StoreError> {
        Store::open_with(url, None).await
    }

    /// [`Store::open`] with the database password kept out of the URL.
    pub async fn open_with(url: &str, password: Option<&Secret>) -> Result<Store, StoreError> {
        let pools = match Backend::of_url(url) {
            Some(Backend::Sqlite) => open_sqlite(url).await?,
            Some(Backend::Postgres) => open_postgres(url, password, false).await?,
            None => return Err(open_err(url, "not a sqlite:// or postgres:// URL".into())),
        };
        Ok(Store::with_pools(pools))
    }

    /// Opens the database of a configuration (URL and password).
    pub async fn open_config(db: &DatabaseConfig) -> Result<Store, StoreError> {
        Ok(Store::open_with(&db.url, db.password.as_ref())
            .await?
            .with_lease_period(db.lease_period))
    }

    /// The same store, taking source leases for `period` (renewed every third
    /// of it); [`LEASE_PERIOD`] unless set.
    pub fn with_lease_period(mut self, period: Duration) -> Store {
        self.lease_period = period;
        self
    }

    /// How long this store's source leases last unless renewed.
    pub fn lease_period(&self) -> Duration {
        self.lease_period
    }

    /// [`Store::open_read_only`] for a configuration.
    pub async fn open_config_read_only(db: &DatabaseConfig) -> Result<Store, StoreError> {
        Store::open_read_only_with(&db.url, db.password.as_ref()).await
    }

    /// Opens an existing, already migrated database for reading only (`serve`,
    /// next to another process that writes it). Every statement of this store
    /// runs on read-only connections: any write fails.
    pub async fn open_read_only(url: &str) -> Result<Store, StoreError> {
        Store::open_read_only_with(url, None).await
    }

    /// [`Store::open_read_only`] with the database password kept out of the URL.
    pub async fn open_read_only_with(
        url: &str,
        password: Option<&Secret>,
    ) -> Result<Store, StoreError> {
        let (pools, migrator) = match Backend::of_url(url) {
            Some(Backend::Sqlite) => {
                let options = SqliteConnectOptions::from_str(url)
                    .map_err(|e| open_err(url, e.to_string()))?
                    .create_if_missing(false)
                    .busy_timeout(Duration::from_secs(30))
                    .read_only(true);
                let reader = SqlitePoolOptions::new()
                    .max_connections(4)
                    .connect_with(options)
                    .await
                    .map_err(|e| open_err(url, e.to_string()))?;
                let pools = Pools::Sqlite {
                    writer: reader.clone(),
                    reader,
                };
                (pools, sqlite_migrator())
            }
            Some(Backend::Postgres) => (
                open_postgres(url, password, true).await?,
                postgres_migrator(),
            ),
            None => return Err(open_err(url, "not a sqlite:// or postgres:// URL".into())),
        };
        let applied = pools
            .reader()
            .fetch_all(Sql::new(
                "SELECT version FROM _sqlx_migrations WHERE success",
            ))
            .await
            .and_then(|rows| rows.iter().map(|r| r.get::<i64, _>(0)).collect());
        let applied: Vec<i64> = match applied {
            Ok(v) => v,
            Err(e) => {
                pools.close().await;
                return Err(open_err(url, format!("not a jobmirror database ({e})")));
            }
        };
        if let Some(m) = migrator.iter().find(|m| !applied.contains(&m.version)) {
            pools.close().await;
            return Err(open_err(
                url,
                format!(
                    "migration {} ({}) is not applied yet; run `jobmirror sync` or `jobmirror run` once",
                    m.version, m.description
                ),
            ));
        }
        Ok(Store::with_pools(pools))
    }

    fn with_pools(pools: Pools) -> Store {
        Store {
            pools,
            outbox: Arc::new(outbox::OutboxShared::new()),
            growth: Arc::default(),
            lease_period: LEASE_PERIOD,
        }
    }

    /// Which database this store is on.
    pub fn backend(&self) -> Backend {
        self.pools.backend()
    }

    /// Closes the pools (checkpointing SQLite's WAL).
    pub async fn close(&self) {
        self.pools.close().await;
    }

    /// The SQLite read pool (SQLite-only tests).
    #[cfg(test)]
    pub(crate) fn sqlite_reader(&self) -> Result<&sqlx::SqlitePool, StoreError> {
        match &self.pools {
            Pools::Sqlite { reader, .. } => Ok(reader),
            Pools::Postgres(_) => Err(StoreError::Unsupported("a SQLite pool on PostgreSQL")),
        }
    }

    /// A read-only transaction seeing one snapshot (the query module's: a
    /// count and its page agree). End it with `rollback`.
    pub(crate) async fn read_snapshot(&self) -> Result<db::Tx, StoreError> {
        let mut tx = self.reader().begin().await?;
        if tx.backend() == Backend::Postgres {
            tx.execute(Sql::new(
                "SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY",
            ))
            .await?;
        }
        Ok(tx)
    }

    pub(crate) fn writer(&self) -> Db<'_> {
        self.pools.writer()
    }

    pub(crate) fn reader(&self) -> Db<'_> {
        self.pools.reader()
    }
}

fn open_err(url: &str, reason: String) -> StoreError {
    StoreError::Open {
        url: db::redact_url(url),
        reason,
    }
}

async fn open_sqlite(url: &str) -> Result<Pools, StoreError> {
    let options = SqliteConnectOptions::from_str(url)
        .map_err(|e| open_err(url, e.to_string()))?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .busy_timeout(Duration::from_secs(30))
        .foreign_keys(true);
    let writer = SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(options.clone())
        .await
        .map_err(|e| open_err(url, e.to_string()))?;
    sqlite_migrator()
        .run(&writer)
        .await
        .map_err(|e| StoreError::Migrate(e.to_string()))?;
    let reader = SqlitePoolOptions::new()
        .max_connections(4)
        .connect_with(options.read_only(true))
        .await
        .map_err(|e| open_err(url, e.to_string()))?;
    Ok(Pools::Sqlite { writer, reader })
}

/// A PostgreSQL pool; `read_only` makes every transaction read-only (and skips
/// migrating). sqlx's migrator holds an advisory lock while it migrates, so
/// replicas starting together migrate once.
async fn open_postgres(
    url: &str,
    password: Option<&Secret>,
    read_only: bool,
) -> Result<Pools, StoreError> {
    let mut options = PgConnectOptions::from_str(url).map_err(|e| open_err(url, e.to_string()))?;
    if let Some(p) = password {
        options = options.password(p.expose());
    }
    options = options.application_name("jobmirror");
    // JIT compiles a plan whose *estimated* cost is high (e.g. on a table not
    // yet analyzed) for ~200 ms: far more than any statement of ours runs.
    options = options.options([("jit", "off")]);
    if read_only {
        options = options.options([("default_transaction_read_only", "on")]);
    }
    let pool = PgPoolOptions::new()
        .max_connections(PG_MAX_CONNECTIONS)
        .acquire_timeout(Duration::from_secs(30))
        .connect_with(options)
        .await
        .map_err(|e| open_err(url, e.to_string()))?;
    if !read_only {
        postgres_migrator()
            .run(&pool)
            .await
            .map_err(|e| StoreError::Migrate(e.to_string()))?;
    }
    Ok(Pools::Postgres(pool))
}

#[cfg(test)]
mod outbox_tests;
#[cfg(test)]
mod tests;

/// Plain statements for tests, on the store's own connections.
#[cfg(test)]
impl Store {
    pub(crate) async fn test_rows<T: db::FromDbRow>(&self, sql: &str) -> Vec<T> {
        self.writer().fetch_as(Sql::new(sql)).await.expect(sql)
    }

    /// The first column of the first row.
    pub(crate) async fn test_one<T: db::Column>(&self, sql: &str) -> T {
        self.writer()
            .fetch_one(Sql::new(sql))
            .await
            .and_then(|r| r.get(0))
            .expect(sql)
    }

    pub(crate) async fn test_exec(&self, sql: &str) {
        self.writer().execute(Sql::new(sql)).await.expect(sql);
    }
}
