//! The query module agrees with the simulators of the other kinds, as
//! `query_agreement` does for ModelArts training jobs: random worlds are
//! mirrored by the real collector (two full cycles, the second after changes
//! and deletions), then random native parameter sets, valid and invalid, are
//! answered by the mirror (SQL) and by the simulator's pure `list` (in memory),
//! and the bodies must be identical text.
//!
//! `PROPTEST_CASES` overrides the number of worlds per kind (default 100, each
//! asked 10 parameter sets).

use std::sync::OnceLock;

use jobmirror::collect::{ModeRequest, SourceWorker};
use jobmirror::config::Config;
use jobmirror::query;
use jobmirror::sim::error::SimError;
use jobmirror::sim::{
    self, AlgorithmsSimConfig, Clock, ManualClock, SimConfig, SimHandle, SwrSimConfig,
};
use proptest::prelude::*;
use proptest::test_runner::{Config as PtConfig, TestCaseError, TestRunner};
use serde_json::Value;

use crate::harness::*;

type Params = Vec<(String, String)>;

fn runtime() -> &'static tokio::runtime::Runtime {
    static RT: OnceLock<tokio::runtime::Runtime> = OnceLock::new();
    RT.get_or_init(|| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime")
    })
}

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(100)
}

fn source_toml(s: &Scratch, sim: &SimHandle, name: &str, kind: &str, auth: &str) -> Config {
    let text = format!(
        r#"
[database]
url = "{db}"

[sources.{name}]
kind = "{kind}"
endpoint = "{endpoint}"
page_size = 50
retry_base = "20ms"
timeout = "5s"
{auth}
"#,
        db = s.db_url(),
        endpoint = sim.base_url(),
    );
    Config::from_toml(&text).expect("valid test config")
}

fn huawei_auth() -> String {
    format!("project_id = \"{PROJECT}\"\naccess_key = \"{AK}\"\nsecret_key = \"{SK}\"")
}

fn manual_clock() -> (Clock, ManualClock) {
    Clock::manual(chrono::DateTime::from_timestamp_millis(1_700_000_000_000).unwrap())
}

/// Mirrors (full), runs `change`, mirrors again (full), then compares every
/// parameter set's answers.
async fn agree(
    sim: &SimHandle,
    config: &Config,
    name: &str,
    change: impl FnOnce(&SimHandle),
    param_sets: Vec<Params>,
    want: impl Fn(&SimHandle, &Params) -> Result<Value, SimError>,
    stats: &Stats,
) -> Result<(), TestCaseError> {
    let s_store = jobmirror::store::Store::open(&config.database.url)
        .await
        .expect("store");
    let w = SourceWorker::new(config.sources[name].clone(), s_store.clone()).expect("worker");
    step_ok(&w, ModeRequest::Full).await;
    change(sim);
    step_ok(&w, ModeRequest::Full).await;
    let source = &config.sources[name];
    for params in param_sets {
        let want = match want(sim, &params) {
            Ok(body) => (200u16, body),
            Err(e) => (e.status.as_u16(), e.body),
        };
        stats.note(&want);
        let got = query::answer(&s_store, source, &params)
            .await
            .map_err(|e| TestCaseError::fail(format!("query failed: {e}")))?;
        prop_assert_eq!(
            (got.status, got.body.to_string()),
            (want.0, want.1.to_string()),
            "params {:?}",
            params
        );
    }
    s_store.close().await;
    Ok(())
}

/// Answers seen, to show a test is not vacuous: (lists with items, empty, errors).
#[derive(Default)]
struct Stats(std::sync::Mutex<(usize, usize, usize)>);

impl Stats {
    fn note(&self, want: &(u16, Value)) {
        let mut s = self.0.lock().unwrap();
        let list = match &want.1 {
            Value::Array(a) => Some(a.len()),
            Value::Object(m) => m.values().find_map(|v| v.as_array().map(Vec::len)),
            _ => None,
        };
        match (want.0, list) {
            (200, Some(0)) => s.1 += 1,
            (200, _) => s.0 += 1,
            _ => s.2 += 1,
        }
    }

    fn check(&self, kind: &str, asked: usize) {
        let (lists, empty, errors) = *self.0.lock().unwrap();
        eprintln!("{kind}: {lists} lists with items, {empty} empty lists, {errors} errors");
        assert!(
            lists > asked / 4 && errors > asked / 20 && empty > 0,
            "{kind}: {lists}/{empty}/{errors}"
        );
    }
}

fn run<S: Strategy>(
    strategy: S,
    stats: &Stats,
    kind: &str,
    sets: usize,
    check: impl Fn(S::Value) -> Result<(), TestCaseError>,
) where
    S::Value: std::fmt::Debug,
{
    let cases = cases();
    let mut runner = TestRunner::new(PtConfig {
        cases,
        failure_persistence: None,
        ..PtConfig::default()
    });
    runner.run(&strategy, check).unwrap();
    stats.check(kind, cases as usize * sets);
}

fn odd(v: &'static [&'static str]) -> impl Strategy<Value = String> {
    prop::sample::select(v).prop_map(str::to_string)
}

fn int(lo: i64, hi: i64) -> impl Strategy<Value = String> {
    (lo..=hi).prop_map(|v| v.to_string())
}

fn unknown() -> impl Strategy<Value = (String, String)> {
    odd(&["foo", "Status", "sortby", "LIMIT"]).prop_map(|k| (k, "nonsense".to_string()))
}

// ---------------------------------------------------------------- SWR

const SWR_STATUSES: &[&str] = &["Creating", "Initializing", "Running", "Failed", "Success"];

#[derive(Debug, Clone)]
struct SwrSpec {
    status: usize,
    later: Option<usize>,
    deleted: bool,
    gap_ms: i64,
}

fn swr_param() -> impl Strategy<Value = (String, String)> {
    prop_oneof![
        4 => prop_oneof![5 => odd(SWR_STATUSES), 1 => odd(&["running", "", "Done"])]
            .prop_map(|v| ("status".to_string(), v)),
        3 => prop_oneof![5 => int(0, 12), 1 => odd(&["-1", "x", "2147483648", "+3"])]
            .prop_map(|v| ("offset".to_string(), v)),
        3 => prop_oneof![5 => int(1, 8), 1 => int(9, 100), 1 => odd(&["0", "101", "abc", ""])]
            .prop_map(|v| ("limit".to_string(), v)),
        1 => unknown(),
    ]
}

#[test]
fn swr_mirror_answers_like_the_simulator() {
    let stats = Stats::default();
    let world = prop::collection::vec(
        (
            0usize..5,
            prop::option::weighted(0.3, 0usize..5),
            prop::bool::weighted(0.15),
            0i64..3000,
        )
            .prop_map(|(status, later, deleted, gap_ms)| SwrSpec {
                status,
                later,
                deleted,
                gap_ms,
            }),
        0..40,
    );
    let sets = prop::collection::vec(prop::collection::vec(swr_param(), 0..4), 10);
    run((world, sets), &stats, "swr", 10, |(jobs, sets)| {
        runtime().block_on(async {
            let sim = sim::start(SimConfig {
                swr: Some(SwrSimConfig::new(PROJECT, AK, SK)),
                ..SimConfig::default()
            })
            .await
            .expect("sim");
            let (clock, manual) = manual_clock();
            let mut ids = Vec::new();
            {
                let mut w = sim.swr();
                *w = jobmirror::sim::swr::SwrWorld::new(clock);
                for j in &jobs {
                    manual.advance(chrono::Duration::milliseconds(j.gap_ms));
                    ids.push(w.create(
                        "CreateNamespace",
                        format!("ns-{}", j.gap_ms % 7),
                        SWR_STATUSES[j.status],
                    ));
                }
            }
            let s = Scratch::new();
            let config = source_toml(&s, &sim, "swr", "swr-instance-jobs", &huawei_auth());
            let r = agree(
                &sim,
                &config,
                "swr",
                |sim| {
                    let mut w = sim.swr();
                    for (j, id) in jobs.iter().zip(&ids) {
                        manual.advance(chrono::Duration::milliseconds(500));
                        if let Some(st) = j.later {
                            w.set_status(id, SWR_STATUSES[st]);
                        }
                        if j.deleted {
                            w.delete(id);
                        }
                    }
                },
                sets,
                |sim, p| jobmirror::sim::swr::list(&sim.swr(), p),
                &stats,
            )
            .await;
            sim.stop().await;
            r
        })
    });
}

// ------------------------------------------------------- ModelArts algorithms

const ALGO_NAMES: &[&str] = &[
    "res", "ResNet", "bert", "BERT", "a_b", "50%", "été", "ÉTÉ", "x:y", "",
];

#[derive(Debug, Clone)]
struct AlgoSpec {
    name: String,
    other_workspace: bool,
    gap_ms: i64,
    edit: bool,
    invalid: bool,
    deleted: bool,
}

fn algo_param() -> impl Strategy<Value = (String, String)> {
    prop_oneof![
        3 => prop_oneof![5 => int(0, 12), 1 => odd(&["-1", "x", "2147483648", ""])]
            .prop_map(|v| ("offset".to_string(), v)),
        3 => prop_oneof![5 => int(1, 8), 1 => int(9, 50), 1 => odd(&["0", "51", "abc"])]
            .prop_map(|v| ("limit".to_string(), v)),
        3 => prop_oneof![5 => odd(&["create_time", "update_time", "name"]), 1 => odd(&["id", "NAME", ""])]
            .prop_map(|v| ("sort_by".to_string(), v)),
        2 => prop_oneof![5 => odd(&["asc", "desc"]), 1 => odd(&["ASC", ""])]
            .prop_map(|v| ("order".to_string(), v)),
        1 => odd(&["", "g", "name"]).prop_map(|v| ("group_by".to_string(), v)),
        3 => prop_oneof![
                5 => (prop::sample::select(ALGO_NAMES), any::<bool>())
                    .prop_map(|(n, up)| format!("name:{}", if up { n.to_uppercase() } else { n.to_string() })),
                1 => odd(&["", "name:", "id:x", "name", ":res", "name:%", "name:_"]),
            ]
            .prop_map(|v| ("searches".to_string(), v)),
        1 => odd(&["0"]).prop_map(|v| ("workspace_id".to_string(), v)),
        1 => unknown(),
    ]
}

#[test]
fn algorithms_mirror_answers_like_the_simulator() {
    let stats = Stats::default();
    let spec = (
        prop::collection::vec(prop::sample::select(ALGO_NAMES), 1..3),
        prop::bool::weighted(0.15),
        prop_oneof![Just(0i64), 1i64..3000],
        prop::bool::weighted(0.3),
        prop::bool::weighted(0.2),
        prop::bool::weighted(0.15),
    )
        .prop_map(
            |(parts, other_workspace, gap_ms, edit, invalid, deleted)| AlgoSpec {
                name: parts.join("-"),
                other_workspace,
                gap_ms,
                edit,
                invalid,
                deleted,
            },
        );
    let world = prop::collection::vec(spec, 0..30);
    let sets = prop::collection::vec(prop::collection::vec(algo_param(), 0..5), 10);
    run((world, sets), &stats, "algorithms", 10, |(algos, sets)| {
        runtime().block_on(async {
            let sim = sim::start(SimConfig {
                algorithms: Some(AlgorithmsSimConfig::new(PROJECT, AK, SK)),
                ..SimConfig::default()
            })
            .await
            .expect("sim");
            let (clock, manual) = manual_clock();
            let mut ids = Vec::new();
            {
                let mut w = sim.algorithms();
                *w = jobmirror::sim::modelarts_algorithms::AlgorithmsWorld::new(clock);
                for a in &algos {
                    manual.advance(chrono::Duration::milliseconds(a.gap_ms));
                    let ws = if a.other_workspace { "ws1" } else { "0" };
                    ids.push(w.create_in_workspace(ws, a.name.clone()));
                }
            }
            let s = Scratch::new();
            let config = source_toml(&s, &sim, "algos", "modelarts-algorithms", &huawei_auth());
            let r = agree(
                &sim,
                &config,
                "algos",
                |sim| {
                    let mut w = sim.algorithms();
                    for (a, id) in algos.iter().zip(&ids) {
                        manual.advance(chrono::Duration::milliseconds(700));
                        if a.edit {
                            w.edit(id, "edited");
                        }
                        if a.invalid {
                            w.set_valid(id, false);
                        }
                        if a.deleted {
                            w.delete(id);
                        }
                    }
                },
                sets,
                |sim, p| jobmirror::sim::modelarts_algorithms::list(&sim.algorithms(), p),
                &stats,
            )
            .await;
            sim.stop().await;
            r
        })
    });
}

// ---------------------------------------------------------------- Modzy

const MODZY_KEY: &str = "SIMKEYPREFIX.integration-secret-0001";
const MODZY_STATUSES: &[&str] = &[
    "SUBMITTED",
    "OPEN",
    "IN_PROGRESS",
    "COMPLETED",
    "CANCELED",
    "TIMEDOUT",
];

#[derive(Debug, Clone)]
struct ModzySpec {
    status: usize,
    model: usize,
    user: usize,
    inputs: i64,
    gap_ms: i64,
    later: Option<usize>,
    progress: Option<(i64, i64)>,
    deleted: bool,
}

fn modzy_param() -> impl Strategy<Value = (String, String)> {
    let date = prop_oneof![
        (0i64..400_000).prop_map(|ms| {
            let t = chrono::DateTime::from_timestamp_millis(1_700_000_000_000 + ms).unwrap();
            t.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
        }),
        (0i64..400_000).prop_map(|ms| {
            let t = chrono::DateTime::from_timestamp_millis(1_700_000_000_000 + ms).unwrap();
            t.format("%Y-%m-%dT%H:%M:%S%.3f+0000").to_string()
        }),
        odd(&["yesterday", "", "2023-13-01T00:00:00Z"]),
    ];
    prop_oneof![
        2 => prop_oneof![odd(&["Sarah", "doe", "A", "ADA LOVE", "x"]), odd(&["john,grace", "a;o", ";", "n, ;t"])]
            .prop_map(|v| ("user".to_string(), v)),
        1 => odd(&["SIMKEY00DEFAULT000000", "SIMKEY01DEFAULT007919", "SIMKEY02SPARE00209458", "simkey00default000000", "nope", "SIMKEY03DEFAULT023757,SIMKEY04DEFAULT031676"])
            .prop_map(|v| ("accessKey".to_string(), v)),
        2 => odd(&["ed542963de", "sentiment analysis", "Object Detection", "OBJECT", "4tqcmfyl87,c60c8dbd79", "x"])
            .prop_map(|v| ("model".to_string(), v)),
        2 => prop_oneof![5 => odd(&["all", "pending", "terminated", "PENDING", "Terminated", "pending,terminated", "pending;terminated", ""]), 1 => odd(&["done", "all;x"])]
            .prop_map(|v| ("status".to_string(), v)),
        3 => prop_oneof![
                8 => prop::collection::vec(odd(&["identifier", "submittedBy", "submittedJobs", "status", "createdAt", "updatedAt", "submittedAt", "total", "completed", "fail", "model"]), 1..3)
                    .prop_map(|v| v.join(",")),
                1 => odd(&["CreatedAt", "createdAt,", "", "name"]),
            ]
            .prop_map(|v| ("sort-by".to_string(), v)),
        2 => prop_oneof![5 => odd(&["ASC", "DESC", "asc", "Desc"]), 1 => odd(&["up", ""])]
            .prop_map(|v| ("direction".to_string(), v)),
        3 => prop_oneof![5 => int(0, 5), 1 => odd(&["-1", "x", "2147483648"])]
            .prop_map(|v| ("page".to_string(), v)),
        3 => prop_oneof![5 => int(1, 8), 1 => odd(&["0", "1001", "x", "1000"])]
            .prop_map(|v| ("per-page".to_string(), v)),
        1 => date.clone().prop_map(|v| ("startDate".to_string(), v)),
        1 => date.prop_map(|v| ("endDate".to_string(), v)),
        1 => unknown(),
    ]
}

#[test]
fn modzy_mirror_answers_like_the_simulator() {
    let stats = Stats::default();
    let spec = (
        (0usize..6, 0usize..7, 0usize..6, 1i64..5, 0i64..20_000),
        (
            prop::option::weighted(0.3, 0usize..6),
            prop::option::weighted(0.2, (0i64..5, 0i64..3)),
            prop::bool::weighted(0.15),
        ),
    )
        .prop_map(
            |((status, model, user, inputs, gap_ms), (later, progress, deleted))| ModzySpec {
                status,
                model,
                user,
                inputs,
                gap_ms,
                later,
                progress,
                deleted,
            },
        );
    let world = prop::collection::vec(spec, 0..30);
    let sets = prop::collection::vec(prop::collection::vec(modzy_param(), 0..5), 10);
    run((world, sets), &stats, "modzy", 10, |(jobs, sets)| {
        runtime().block_on(async {
            let sim = sim::start(SimConfig {
                modzy: Some(jobmirror::sim::ModzySimConfig::new(MODZY_KEY)),
                ..SimConfig::default()
            })
            .await
            .expect("sim");
            let (clock, manual) = manual_clock();
            let mut ids = Vec::new();
            {
                let mut w = sim.modzy();
                *w = jobmirror::sim::ModzyWorld::new(clock);
                for j in &jobs {
                    manual.advance(chrono::Duration::milliseconds(j.gap_ms));
                    ids.push(w.create_with(jobmirror::sim::modzy::JobSpec {
                        status: Some(MODZY_STATUSES[j.status].to_string()),
                        model: Some(j.model),
                        user: Some(j.user),
                        inputs: Some(j.inputs),
                    }));
                }
            }
            let s = Scratch::new();
            let config = source_toml(
                &s,
                &sim,
                "mz",
                "modzy-jobs",
                &format!("api_key = \"{MODZY_KEY}\""),
            );
            let r = agree(
                &sim,
                &config,
                "mz",
                |sim| {
                    let mut w = sim.modzy();
                    for (j, id) in jobs.iter().zip(&ids) {
                        manual.advance(chrono::Duration::milliseconds(900));
                        if let Some(st) = j.later {
                            w.set_status(id, MODZY_STATUSES[st]);
                        }
                        if let Some((c, f)) = j.progress {
                            w.set_progress(id, c, f);
                        }
                        if j.deleted {
                            w.delete(id);
                        }
                    }
                },
                sets,
                |sim, p| jobmirror::sim::modzy::list(&sim.modzy(), p),
                &stats,
            )
            .await;
            sim.stop().await;
            r
        })
    });
}
