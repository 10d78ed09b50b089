//! The query module agrees with the simulator: random ModelArts worlds are
//! mirrored by the real collector (two full cycles, so the mirror also holds
//! deleted rows and changed statuses), then random native parameter sets,
//! valid and invalid, are answered by the mirror (SQL) and by
//! `sim::modelarts_training::list` (in memory). The bodies must be identical
//! text: same ids in the same order, same totals, same error for bad input.
//!
//! `PROPTEST_CASES` overrides the number of worlds (default 200, each asked
//! 12 parameter sets).

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

use jobmirror::collect::ModeRequest;
use jobmirror::query;
use jobmirror::sim::modelarts_training::{self, status};
use jobmirror::sim::{Clock, ModelArtsWorld};
use proptest::prelude::*;
use proptest::test_runner::{Config as PtConfig, TestCaseError, TestRunner};

use crate::harness::*;

const NAME_PARTS: &[&str] = &[
    "res", "ResNet", "bert", "BERT", "a_b", "50%", "x\\y", "ÉTÉ", "été", "job", "Job", "q\"t", "",
];
const DESCS: &[&str] = &["", "a", "B", "nightly", "a"];

/// One job of a generated world.
#[derive(Debug, Clone)]
struct JobSpec {
    name: String,
    desc: String,
    other_workspace: bool,
    status: i32,
    /// Milliseconds the clock moves before this job is created.
    gap_ms: u64,
    versions: u8,
    /// Finished after the first cycle with this status (changes duration too).
    later_status: Option<i32>,
    deleted_later: bool,
}

fn job_spec() -> impl Strategy<Value = JobSpec> {
    (
        prop::collection::vec(prop::sample::select(NAME_PARTS), 1..4),
        0u32..1000,
        prop::sample::select(DESCS),
        prop::bool::weighted(0.15),
        prop_oneof![4 => Just(status::RUNNING), 4 => Just(status::COMPLETED), 2 => 0i32..=21],
        prop_oneof![Just(0u64), 1u64..5_000],
        0u8..3,
        prop::option::weighted(0.3, 0i32..=21),
        prop::bool::weighted(0.15),
    )
        .prop_map(
            |(
                parts,
                n,
                desc,
                other_workspace,
                status,
                gap_ms,
                versions,
                later_status,
                deleted_later,
            )| {
                let mut name = parts.join("-");
                if n % 3 == 0 {
                    name.push_str(&n.to_string());
                }
                JobSpec {
                    name,
                    desc: desc.to_string(),
                    other_workspace,
                    status,
                    gap_ms,
                    versions,
                    later_status,
                    deleted_later,
                }
            },
        )
}

/// A world: its jobs and its quota.
fn world_spec() -> impl Strategy<Value = (Vec<JobSpec>, i64)> {
    (
        prop::collection::vec(job_spec(), 0..45),
        prop_oneof![Just(10_000i64), 0i64..60],
    )
}

/// One parameter value, valid or not.
fn param() -> impl Strategy<Value = (String, String)> {
    let int = |lo: i64, hi: i64| (lo..=hi).prop_map(|v| v.to_string());
    let odd = |v: &'static [&'static str]| prop::sample::select(v).prop_map(str::to_string);
    prop_oneof![
        3 => prop_oneof![4 => int(0, 21), 1 => odd(&["abc", "", "22", "-1", "+8", "08", "-0", "8.0", " 8"])]
            .prop_map(|v| ("status".to_string(), v)),
        4 => prop_oneof![6 => int(1, 12), 1 => int(13, 1000), 1 => odd(&["0", "1001", "abc", "+2", "", "99999999999999999999"])]
            .prop_map(|v| ("per_page".to_string(), v)),
        4 => prop_oneof![6 => int(1, 6), 1 => odd(&["0", "65535", "65536", "-1", "x"])]
            .prop_map(|v| ("page".to_string(), v)),
        4 => prop_oneof![8 => odd(&["job_name", "job_desc", "status", "duration", "version_count", "create_time"]),
                         1 => odd(&["JOB_NAME", "job_id", ""])]
            .prop_map(|v| ("sortBy".to_string(), v)),
        3 => prop_oneof![6 => odd(&["asc", "desc"]), 1 => odd(&["ASC", "up", ""])]
            .prop_map(|v| ("order".to_string(), v)),
        4 => prop_oneof![
                6 => (prop::sample::select(NAME_PARTS), any::<bool>(), 0usize..3).prop_map(|(p, upper, cut)| {
                    let s: String = p.chars().skip(cut.min(p.chars().count())).collect();
                    if upper { s.to_uppercase() } else { s }
                }),
                1 => odd(&["%", "_", "-", "\\", "S-B", "1", "zzz", "é", "É"]),
                1 => Just("x".repeat(64)),
                1 => Just("x".repeat(65)),
            ]
            .prop_map(|v| ("search_content".to_string(), v)),
        1 => odd(&["0"]).prop_map(|v| ("workspace_id".to_string(), v)),
        1 => odd(&["sortby", "foo", "Status", "per-page"]).prop_map(|k| (k.to_string(), "nonsense".to_string())),
    ]
}

fn params() -> impl Strategy<Value = Vec<(String, String)>> {
    prop::collection::vec(param(), 0..7)
}

/// Answers seen: (lists with jobs, empty lists, errors), to show the test is not vacuous.
static LISTS: AtomicUsize = AtomicUsize::new(0);
static EMPTY: AtomicUsize = AtomicUsize::new(0);
static ERRORS: AtomicUsize = AtomicUsize::new(0);

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

fn build_world(jobs: &[JobSpec], quota: i64) -> (ModelArtsWorld, jobmirror::sim::ManualClock) {
    let start = chrono::DateTime::from_timestamp_millis(1_700_000_000_000).unwrap();
    let (clock, manual) = Clock::manual(start);
    let mut w = ModelArtsWorld::new(clock);
    w.quota = quota;
    for j in jobs {
        manual.advance(chrono::Duration::milliseconds(j.gap_ms as i64));
        let ws = if j.other_workspace { "ws1" } else { "0" };
        let id = w.create_in_workspace(ws, j.name.clone(), j.desc.clone(), status::INIT);
        for _ in 0..j.versions {
            w.new_version(id);
        }
        manual.advance(chrono::Duration::milliseconds(j.gap_ms as i64 / 2 + 1));
        w.set_status(id, j.status);
    }
    (w, manual)
}

/// Mirrors the world (full cycle), changes it (statuses, deletions), mirrors
/// again (full cycle), then compares answers for every parameter set.
async fn check_world(
    jobs: Vec<JobSpec>,
    quota: i64,
    param_sets: Vec<Vec<(String, String)>>,
) -> Result<(), TestCaseError> {
    let sim = modelarts_sim(0).await;
    let (world, clock) = build_world(&jobs, quota);
    *sim.modelarts() = world;
    let s = Scratch::new();
    let config = s.config(&sim, "");
    let store = s.store().await;
    let w = worker(&config, &store);
    step_ok(&w, ModeRequest::Full).await;
    {
        let mut world = sim.modelarts();
        let ids: Vec<i64> = world.jobs().map(|j| j.job_id).collect();
        for (spec, id) in jobs.iter().zip(ids) {
            clock.advance(chrono::Duration::seconds(1));
            if let Some(st) = spec.later_status {
                world.set_status(id, st);
            }
            if spec.deleted_later {
                world.delete(id);
            }
        }
    }
    step_ok(&w, ModeRequest::Full).await;
    let source = &config.sources["ma"];
    for params in param_sets {
        let want = {
            let world = sim.modelarts();
            match modelarts_training::list(&world, &params) {
                Ok(body) => (200u16, body),
                Err(e) => (e.status.as_u16(), e.body),
            }
        };
        let got = query::answer(&store, source, &params)
            .await
            .map_err(|e| TestCaseError::fail(format!("query failed: {e}")))?;
        let counter = match (want.0, want.1["jobs"].as_array().map(Vec::len)) {
            (200, Some(0)) => &EMPTY,
            (200, _) => &LISTS,
            _ => &ERRORS,
        };
        counter.fetch_add(1, Ordering::Relaxed);
        prop_assert_eq!(
            (got.status, got.body.to_string()),
            (want.0, want.1.to_string()),
            "params {:?}",
            params
        );
    }
    store.close().await;
    sim.stop().await;
    Ok(())
}

#[test]
fn the_mirror_answers_like_the_simulator() {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200);
    let mut runner = TestRunner::new(PtConfig {
        cases,
        failure_persistence: None,
        ..PtConfig::default()
    });
    let strategy = (world_spec(), prop::collection::vec(params(), 12));
    runner
        .run(&strategy, |((jobs, quota), param_sets)| {
            runtime().block_on(check_world(jobs, quota, param_sets))
        })
        .unwrap();
    let (lists, empty, errors) = (
        LISTS.load(Ordering::Relaxed),
        EMPTY.load(Ordering::Relaxed),
        ERRORS.load(Ordering::Relaxed),
    );
    eprintln!("{lists} lists with jobs, {empty} empty lists, {errors} errors");
    let asked = cases as usize * 12;
    assert!(
        lists > asked / 4 && errors > asked / 10 && empty > 0,
        "{lists}/{empty}/{errors}"
    );
}

/// The mirror knows one workspace per source: another gets jobmirror's error
/// (never a silently empty or different list); `include_deleted=true` adds the
/// deleted rows, in the same order rules.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn other_workspaces_are_refused_and_deleted_rows_are_an_extension() {
    let sim = modelarts_sim(0).await;
    let ids: Vec<i64> = {
        let mut w = sim.modelarts();
        w.create_in_workspace("ws1", "elsewhere", "", status::RUNNING);
        (0..5)
            .map(|i| w.create(format!("job-{i}"), "", status::RUNNING))
            .collect()
    };
    let s = Scratch::new();
    let config = s.config(&sim, "");
    let store = s.store().await;
    let w = worker(&config, &store);
    step_ok(&w, ModeRequest::Full).await;
    sim.modelarts().delete(ids[1]);
    step_ok(&w, ModeRequest::Full).await;
    let source = &config.sources["ma"];
    let ask = |pairs: &[(&str, &str)]| {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect::<Vec<_>>()
    };
    let a = query::answer(&store, source, &ask(&[("workspace_id", "ws1")]))
        .await
        .unwrap();
    assert_eq!(a.status, 400);
    assert_eq!(a.body["error_code"], "JobMirror.0002");
    assert!(a.body["error_message"].as_str().unwrap().contains("'ws1'"));

    let ids_of = |body: &serde_json::Value| -> Vec<i64> {
        body["jobs"]
            .as_array()
            .unwrap()
            .iter()
            .map(|j| j["job_id"].as_i64().unwrap())
            .collect()
    };
    let present = query::answer(&store, source, &[]).await.unwrap();
    assert_eq!(present.body["job_total_count"], 4);
    assert!(!ids_of(&present.body).contains(&ids[1]));
    let all = query::answer(&store, source, &ask(&[("include_deleted", "true")]))
        .await
        .unwrap();
    assert_eq!(all.body["job_total_count"], 5);
    assert_eq!(ids_of(&all.body), ids);
    let searched = query::answer(
        &store,
        source,
        &ask(&[("include_deleted", "true"), ("search_content", "JOB-1")]),
    )
    .await
    .unwrap();
    assert_eq!(ids_of(&searched.body), [ids[1]]);
    let bad = query::answer(&store, source, &ask(&[("include_deleted", "yes")]))
        .await
        .unwrap();
    assert_eq!(bad.status, 400);
    assert_eq!(bad.body["error_code"], "ModelArts.0105");
    assert_eq!(
        bad.body["error_message"],
        "Invalid parameter include_deleted: 'yes' (must be true or false (a jobmirror extension))"
    );
    store.close().await;
    sim.stop().await;
}
