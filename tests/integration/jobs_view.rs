//! The unified `jobs` view over the four job kinds, filled by real syncs.

use jobmirror::collect::{ModeRequest, SourceWorker};
use jobmirror::config::Config;
use jobmirror::sim::{self, ModelArtsSimConfig, ModzySimConfig, PaiDlcSimConfig, SimConfig};
use rand::SeedableRng;

use crate::harness::{step_ok, Scratch, AK, PROJECT, SK};

const MODZY_KEY: &str = "DEMOPREFIX.demo-api-key";

fn contract_time(t: &str) -> bool {
    let b = t.as_bytes();
    t.len() == 24
        && t.ends_with('Z')
        && b[4] == b'-'
        && b[10] == b'T'
        && b[19] == b'.'
        && jobmirror::clock::parse(t).is_some()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jobs_view_covers_every_job_kind_in_the_contract_time_form() {
    let huawei = ModelArtsSimConfig::new(PROJECT, AK, SK);
    let sim = sim::start(SimConfig {
        modelarts: Some(huawei.clone()),
        swr: Some(huawei.clone()),
        algorithms: Some(huawei),
        pai_dlc: Some(PaiDlcSimConfig::new(AK, SK)),
        modzy: Some(ModzySimConfig::new(MODZY_KEY)),
        ..SimConfig::default()
    })
    .await
    .unwrap();
    let mut rng = rand::rngs::StdRng::seed_from_u64(3);
    sim.modelarts().seed(300, &mut rng);
    sim.pai_dlc().seed(300, &mut rng);
    sim.modzy().seed(300, &mut rng);
    sim.swr().seed(300, &mut rng);
    sim.algorithms().seed(30, &mut rng);

    let s = Scratch::new();
    let ep = sim.base_url();
    let huawei = format!("endpoint = \"{ep}\"\nproject_id = \"{PROJECT}\"\naccess_key = \"{AK}\"\nsecret_key = \"{SK}\"");
    let text = format!(
        r#"
[database]
url = "{db}"
[sources.ma]
kind = "modelarts-training-jobs"
{huawei}
[sources.swr]
kind = "swr-instance-jobs"
{huawei}
[sources.algos]
kind = "modelarts-algorithms"
{huawei}
[sources.pai]
kind = "pai-dlc-jobs"
endpoint = "{ep}"
access_key = "{AK}"
secret_key = "{SK}"
[sources.modzy]
kind = "modzy-jobs"
endpoint = "{ep}"
api_key = "{MODZY_KEY}"
"#,
        db = s.db_url()
    );
    let config = Config::from_toml(&text).unwrap();
    let store = s.store().await;
    for source in config.sources.values() {
        let w = SourceWorker::new(source.clone(), store.clone()).unwrap();
        step_ok(&w, ModeRequest::Auto).await;
    }

    let pool = crate::harness::pool(&s.db_url()).await;
    let kinds: Vec<(String, i64)> =
        sqlx::query_as("SELECT kind, COUNT(*) FROM jobs GROUP BY kind ORDER BY kind")
            .fetch_all(&pool)
            .await
            .unwrap();
    let names: Vec<&str> = kinds.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        names,
        [
            "modelarts-training-jobs",
            "modzy-jobs",
            "pai-dlc-jobs",
            "swr-instance-jobs"
        ],
        "algorithms stay in their own table"
    );
    assert!(kinds.iter().all(|(_, n)| *n > 0));
    type Row = (
        String,
        String,
        Option<String>,
        String,
        Option<String>,
        Option<String>,
        Option<i64>,
    );
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT kind, job_id, name, state, created_at, finished_at, duration_ms FROM jobs",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    for (kind, id, _name, state, created, finished, duration) in &rows {
        let created = created.as_deref().unwrap_or_default();
        assert!(
            contract_time(created),
            "{kind} {id}: created_at {created:?}"
        );
        if let Some(f) = finished {
            assert!(contract_time(f), "{kind} {id}: finished_at {f:?}");
            assert!(
                f.as_str() >= created,
                "{kind} {id}: finished before created"
            );
        }
        assert!(
            [
                "pending",
                "running",
                "succeeded",
                "failed",
                "stopped",
                "unknown"
            ]
            .contains(&state.as_str()),
            "{kind} {id}: state {state}"
        );
        if let Some(d) = duration {
            assert!(*d >= 0, "{kind} {id}: duration {d}");
        }
    }
    let finished: i64 =
        sqlx::query_scalar("SELECT COUNT(DISTINCT kind) FROM jobs WHERE finished_at IS NOT NULL")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(
        finished, 4,
        "every kind reports finish times of finished jobs"
    );
    let named: i64 =
        sqlx::query_scalar("SELECT COUNT(DISTINCT kind) FROM jobs WHERE name IS NOT NULL")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(named, 4);
    sim.stop().await;
}
