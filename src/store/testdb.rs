//! Test databases: a fresh SQLite file, or — when `TEST_DATABASE_URL`
//! names a PostgreSQL server — a fresh database on it (`CREATE DATABASE
//! jm_test_<random>`), dropped when the [`TestDb`] is. Used by the unit tests
//! and the integration harness, so the same tests run on both backends.

use sqlx::{Connection, Executor, PgConnection};

use super::db::Backend;

/// The PostgreSQL server the tests use (a URL of an existing database there,
/// e.g. `postgres://jobmirror@127.0.0.1:5433/postgres`); unset: SQLite only.
/// Not `JOBMIRROR_*`: every such variable is a config key to the binary.
pub const TEST_DATABASE_ENV: &str = "TEST_DATABASE_URL";

/// One test's database.
pub struct TestDb {
    pub url: String,
    pub backend: Backend,
    dir: Option<tempfile::TempDir>,
    /// (server URL, database name) of a PostgreSQL test database.
    pg: Option<(String, String)>,
}

impl TestDb {
    /// A database of the backend the tests run on: PostgreSQL when
    /// `TEST_DATABASE_URL` is set, else SQLite.
    pub async fn current() -> TestDb {
        match std::env::var(TEST_DATABASE_ENV) {
            Ok(server) if !server.is_empty() => TestDb::postgres_on(&server).await,
            _ => TestDb::sqlite(),
        }
    }

    /// SQLite, and PostgreSQL too when `TEST_DATABASE_URL` is set.
    pub async fn all() -> Vec<TestDb> {
        let mut out = vec![TestDb::sqlite()];
        if let Ok(server) = std::env::var(TEST_DATABASE_ENV) {
            if !server.is_empty() {
                out.push(TestDb::postgres_on(&server).await);
            }
        }
        out
    }

    /// A fresh SQLite file in its own temporary directory.
    pub fn sqlite() -> TestDb {
        let dir = tempfile::tempdir().expect("tempdir");
        TestDb {
            url: format!("sqlite://{}", dir.path().join("mirror.db").display()),
            backend: Backend::Sqlite,
            dir: Some(dir),
            pg: None,
        }
    }

    /// A fresh database on the PostgreSQL server at `server`.
    pub async fn postgres_on(server: &str) -> TestDb {
        let name = format!("jm_test_{}", uuid::Uuid::new_v4().simple());
        let mut admin = PgConnection::connect(server)
            .await
            .unwrap_or_else(|e| panic!("{TEST_DATABASE_ENV}: cannot connect: {e}"));
        admin
            .execute(format!("CREATE DATABASE {name}").as_str())
            .await
            .expect("create test database");
        let _ = admin.close().await;
        let mut url = url::Url::parse(server).expect("test server URL");
        url.set_path(&format!("/{name}"));
        TestDb {
            url: url.to_string(),
            backend: Backend::Postgres,
            dir: None,
            pg: Some((server.to_string(), name)),
        }
    }

    /// A directory for the test's other files (the SQLite file's own, or a new one).
    pub fn dir(&mut self) -> &std::path::Path {
        self.dir
            .get_or_insert_with(|| tempfile::tempdir().expect("tempdir"))
            .path()
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let Some((server, name)) = self.pg.take() else {
            return;
        };
        // Drop runs outside async; a thread of its own may block on a runtime.
        let dropped = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()?;
            rt.block_on(async {
                let mut admin = PgConnection::connect(&server).await?;
                admin
                    .execute(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)").as_str())
                    .await?;
                admin.close().await?;
                Ok::<_, sqlx::Error>(())
            })
            .map_err(std::io::Error::other)
        });
        let _ = dropped.join();
    }
}
