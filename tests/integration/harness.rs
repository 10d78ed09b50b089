//! Shared test plumbing: a simulator per test, a config pointing at it, a fresh
//! database file, and readers of the simulator's truth and of the mirror.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use jobmirror::collect::{ModeRequest, SourceWorker, StepOutcome};
use jobmirror::config::Config;
use jobmirror::sim::{self, ModelArtsSimConfig, SimConfig, SimHandle};
use jobmirror::store::testdb::{TestDb, TEST_DATABASE_ENV};
use jobmirror::store::Store;
use rand::SeedableRng;
use tokio_util::sync::CancellationToken;

pub const PROJECT: &str = "0123456789abcdef0123456789abcdef";
pub const AK: &str = "HPUAEXAMPLEAK0000001";
pub const SK: &str = "hwExampleSecretKey0000000000000000000001";
pub const TOKEN: &str = "iam-token-for-tests";

/// A simulator with a seeded ModelArts world of `jobs` jobs.
pub async fn modelarts_sim(jobs: usize) -> SimHandle {
    let sim = sim::start(SimConfig {
        modelarts: Some(ModelArtsSimConfig::new(PROJECT, AK, SK).with_token(TOKEN)),
        ..SimConfig::default()
    })
    .await
    .expect("simulator starts");
    let mut rng = rand::rngs::StdRng::seed_from_u64(jobs as u64);
    sim.modelarts().seed(jobs, &mut rng);
    sim
}

/// A scratch directory holding the config of one test, and its database: a
/// SQLite file in the directory, or, when `TEST_DATABASE_URL` names
/// a PostgreSQL server, a fresh database there (dropped with the scratch).
pub struct Scratch {
    pub dir: tempfile::TempDir,
    db: TestDb,
}

impl Scratch {
    pub fn new() -> Self {
        let dir = tempfile::tempdir().expect("tempdir");
        let db = match std::env::var(TEST_DATABASE_ENV) {
            Ok(server) if !server.is_empty() => {
                // Scratch::new is sync; the database is created on a thread of its own.
                std::thread::spawn(move || {
                    tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                        .expect("runtime")
                        .block_on(TestDb::postgres_on(&server))
                })
                .join()
                .expect("test database")
            }
            _ => TestDb::sqlite(),
        };
        Scratch { dir, db }
    }

    /// The test's database URL (SQLite or PostgreSQL, see [`Scratch`]).
    pub fn db_url(&self) -> String {
        self.db.url.clone()
    }

    /// Config TOML for one ModelArts source `ma` against `sim`; `extra` lines are
    /// appended to the source table.
    pub fn config_text(&self, sim: &SimHandle, extra: &str) -> String {
        format!(
            r#"
[database]
url = "{db}"

[sources.ma]
kind = "modelarts-training-jobs"
endpoint = "{endpoint}"
project_id = "{PROJECT}"
access_key = "{AK}"
secret_key = "{SK}"
page_size = 100
retry_base = "20ms"
timeout = "5s"
{extra}
"#,
            db = self.db_url(),
            endpoint = sim.base_url(),
        )
    }

    pub fn config(&self, sim: &SimHandle, extra: &str) -> Config {
        Config::from_toml(&self.config_text(sim, extra)).expect("valid test config")
    }

    /// Writes the config to `config.toml` in the scratch dir and returns its path.
    pub fn write_config(&self, text: &str) -> PathBuf {
        let path = self.dir.path().join("config.toml");
        std::fs::write(&path, text).expect("write config");
        path
    }

    pub async fn store(&self) -> Store {
        Store::open(&self.db_url()).await.expect("store opens")
    }
}

/// A worker for source `ma` of `config`.
pub fn worker(config: &Config, store: &Store) -> SourceWorker {
    SourceWorker::new(config.sources["ma"].clone(), store.clone()).expect("worker")
}

/// Runs one step and insists that it succeeded.
pub async fn step_ok(w: &SourceWorker, mode: ModeRequest) -> jobmirror::store::RunStats {
    match w
        .step(mode, &CancellationToken::new())
        .await
        .expect("step recorded")
    {
        StepOutcome::Synced { stats, .. } => stats,
        other => panic!("cycle did not succeed: {other:?}"),
    }
}

/// A job as compared between the simulator and the mirror.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JobRow {
    pub name: String,
    pub status: i64,
    pub create_time: i64,
    pub duration: i64,
    pub desc: String,
    pub version_id: i64,
    pub version_count: i64,
}

/// The simulator's live jobs in the default workspace (what a source without
/// `workspace_id` sees).
pub fn truth(sim: &SimHandle) -> BTreeMap<i64, JobRow> {
    sim.modelarts()
        .jobs()
        .filter(|j| j.workspace_id == "0")
        .map(|j| {
            (
                j.job_id,
                JobRow {
                    name: j.job_name.clone(),
                    status: j.status as i64,
                    create_time: j.create_time,
                    duration: j.duration,
                    desc: j.job_desc.clone(),
                    version_id: j.version_id,
                    version_count: j.version_count,
                },
            )
        })
        .collect()
}

type MirrorTuple = (i64, String, i64, i64, i64, String, i64, i64);

/// The mirror's present (not deleted) jobs of source `ma`.
pub async fn mirror(store_url: &str) -> BTreeMap<i64, JobRow> {
    let pool = pool(store_url).await;
    let rows: Vec<MirrorTuple> = sqlx::query_as(
        "SELECT job_id, job_name, status, create_time, duration, job_desc, version_id, version_count \
         FROM modelarts_training_jobs WHERE source = 'ma' AND deleted_at IS NULL",
    )
    .fetch_all(&pool)
    .await
    .expect("read mirror");
    pool.close().await;
    rows.into_iter()
        .map(|(id, name, status, ct, dur, desc, vid, vc)| {
            (
                id,
                JobRow {
                    name,
                    status,
                    create_time: ct,
                    duration: dur,
                    desc,
                    version_id: vid,
                    version_count: vc,
                },
            )
        })
        .collect()
}

/// A pool on the test database, whichever the backend. Statements bind with
/// `$1`, `$2`, ... (both backends read them).
pub async fn pool(url: &str) -> sqlx::AnyPool {
    sqlx::any::install_default_drivers();
    sqlx::AnyPool::connect(url).await.expect("connect")
}

/// [`pool`], or why it could not connect (e.g. the file does not exist yet).
pub async fn pool_result(url: &str) -> Result<sqlx::AnyPool, sqlx::Error> {
    sqlx::any::install_default_drivers();
    sqlx::AnyPool::connect(url).await
}

/// One scalar from the test database.
pub async fn scalar_i64(store_url: &str, sql: &str) -> i64 {
    let pool = pool(store_url).await;
    let v: i64 = sqlx::query_scalar(sql).fetch_one(&pool).await.expect(sql);
    pool.close().await;
    v
}

/// Polls `check` until it is true or `timeout` passes.
pub async fn wait_for<F, Fut>(timeout: Duration, mut check: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    let start = Instant::now();
    while start.elapsed() < timeout {
        if check().await {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    false
}

/// List requests the simulator answered since `before`.
pub fn list_requests_since(sim: &SimHandle, before: &jobmirror::sim::Stats) -> u64 {
    sim.stats()
        .since(before)
        .kind_requests(jobmirror::sim::modelarts_training::KIND)
}

/// Asserts the mirror equals the truth, reporting differences briefly.
pub fn assert_same(got: &BTreeMap<i64, JobRow>, want: &BTreeMap<i64, JobRow>) {
    let missing: Vec<&i64> = want
        .keys()
        .filter(|k| !got.contains_key(k))
        .take(10)
        .collect();
    let extra: Vec<&i64> = got
        .keys()
        .filter(|k| !want.contains_key(k))
        .take(10)
        .collect();
    let differ: Vec<(&i64, &JobRow, &JobRow)> = want
        .iter()
        .filter_map(|(k, w)| got.get(k).filter(|g| *g != w).map(|g| (k, g, w)))
        .take(5)
        .collect();
    assert!(
        missing.is_empty() && extra.is_empty() && differ.is_empty(),
        "mirror {} rows vs truth {}: missing {missing:?}, extra {extra:?}, differ (id, mirror, truth) {differ:?}",
        got.len(),
        want.len()
    );
}
