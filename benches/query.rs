//! Query latency on big mirrors, per kind: builds (once, then reuses) a mirror
//! of N objects of each kind through the store's own page writes, then times
//! representative native queries (`jobmirror::query::answer_text`: parameters,
//! counts, page, the served body) and `/api/jobs` pages, and prints p50/p99
//! per query with its class (indexed: p99 < 20 ms; fuzzy: p99 < 100 ms) and
//! whether it meets its target.
//!
//! `cargo bench --bench query -- [--kinds all|K1,K2] [--jobs 1000000]
//! [--iterations 200] [--rebuild] [--build-only] [--only TEXT] [--smoke]` prints one table per kind and
//! writes `target/tmp/bench-query.json`. Mirrors are kept in
//! `target/tmp/bench-query-<kind>-<N>.db`. `--smoke` runs every kind at 2,000
//! objects and 5 runs per query (a quick check that every query answers).

#[path = "query/build.rs"]
mod build;
#[path = "query/kinds.rs"]
mod kinds;

use std::path::PathBuf;
use std::time::{Duration, Instant};

use jobmirror::providers::Kind;
use jobmirror::query::{self, jobs};
use jobmirror::store::Store;
use kinds::{Class, SOURCE};
use serde_json::json;

/// Each query stops after this much measuring time (at least 20 runs).
const BUDGET: Duration = Duration::from_secs(15);

struct Args {
    kinds: Vec<Kind>,
    jobs: usize,
    iterations: usize,
    rebuild: bool,
    /// Only build (or migrate) the mirrors.
    build_only: bool,
    /// Only the queries whose text contains this (for profiling one).
    only: Option<String>,
}

fn parse_args() -> Args {
    let mut args = Args {
        kinds: vec![Kind::ModelartsTrainingJobs],
        jobs: 1_000_000,
        iterations: 200,
        rebuild: false,
        build_only: false,
        only: None,
    };
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let mut smoke = false;
    let mut i = 0;
    while i < argv.len() {
        match argv[i].as_str() {
            "--jobs" => {
                args.jobs = argv[i + 1].replace('_', "").parse().expect("--jobs N");
                i += 1;
            }
            "--iterations" => {
                args.iterations = argv[i + 1].parse().expect("--iterations N");
                i += 1;
            }
            "--kinds" => {
                args.kinds = if argv[i + 1] == "all" {
                    Kind::ALL.to_vec()
                } else {
                    argv[i + 1]
                        .split(',')
                        .map(|k| k.trim().parse().expect("--kinds all|K1,K2"))
                        .collect()
                };
                i += 1;
            }
            "--rebuild" => args.rebuild = true,
            "--build-only" => args.build_only = true,
            "--only" => {
                args.only = Some(argv[i + 1].clone());
                i += 1;
            }
            "--smoke" => smoke = true,
            _ => {} // cargo passes --bench
        }
        i += 1;
    }
    if smoke {
        args.kinds = Kind::ALL.to_vec();
        args.jobs = 2_000;
        args.iterations = 5;
    }
    args
}

fn params(q: &str) -> Vec<(String, String)> {
    url::form_urlencoded::parse(q.as_bytes())
        .into_owned()
        .collect()
}

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let idx = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[idx].as_secs_f64() * 1000.0
}

struct Row {
    kind: Kind,
    class: Class,
    what: String,
    runs: usize,
    p50: f64,
    p99: f64,
    max: f64,
    items: usize,
    total: Option<u64>,
}

impl Row {
    fn meets(&self) -> Option<bool> {
        self.class.target_ms().map(|t| self.p99 < t)
    }
}

/// Runs `f` 3 times to warm up, then up to `iterations` times (within
/// [`BUDGET`], at least 20), and returns the sorted timings.
async fn time<F, Fut, T>(iterations: usize, mut f: F) -> (Vec<Duration>, T)
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = T>,
{
    let mut last = None;
    for _ in 0..3 {
        last = Some(f().await);
    }
    let started = Instant::now();
    let mut times = Vec::with_capacity(iterations);
    while times.len() < iterations && (times.len() < 20 || started.elapsed() < BUDGET) {
        let t = Instant::now();
        last = Some(f().await);
        times.push(t.elapsed());
    }
    times.sort();
    (times, last.expect("ran"))
}

async fn bench_kind(kind: Kind, args: &Args, dir: &std::path::Path) -> (Vec<Row>, Option<f64>) {
    let db = dir.join(format!("bench-query-{kind}-{}.db", args.jobs));
    if args.rebuild {
        for ext in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{ext}", db.display()));
        }
    }
    let fresh = !db.exists();
    let url = format!("sqlite://{}", db.display());
    let opened = Instant::now();
    let store = Store::open(&url).await.expect("store");
    let built = if fresh {
        eprintln!(
            "{kind}: building a mirror of {} in {}",
            args.jobs,
            db.display()
        );
        Some(build::build(&store, kind, SOURCE, args.jobs).await)
    } else {
        eprintln!(
            "{kind}: reusing {} (opened and migrated in {:.1} s; --rebuild to start over)",
            db.display(),
            opened.elapsed().as_secs_f64()
        );
        None
    };
    if args.build_only {
        store.close().await;
        return (Vec::new(), built);
    }
    let source = kinds::source_config(kind, &url);
    let d = query::dialect(kind).expect("every kind has a dialect");
    let route = d.route().replace("{project_id}", "{project}");

    let mut rows = Vec::new();
    let wanted = |q: &str| args.only.as_deref().is_none_or(|o| q.contains(o));
    for (class, q) in kinds::native_queries(kind) {
        if !wanted(&q) {
            continue;
        }
        let p = params(&q);
        let (times, a) = time(args.iterations, || query::answer_text(&store, &source, &p)).await;
        let a = a.expect("query");
        assert_eq!(a.status, 200, "{kind} {q}: {}", a.body);
        let body: serde_json::Value = serde_json::from_str(&a.body).expect("JSON body");
        let (items, total) = kinds::page_facts(kind, &body);
        rows.push(Row {
            kind,
            class,
            what: format!("GET {route}?{q}"),
            runs: times.len(),
            p50: percentile(&times, 0.5),
            p99: percentile(&times, 0.99),
            max: times.last().unwrap().as_secs_f64() * 1000.0,
            items,
            total,
        });
    }
    if kind != Kind::ModelartsAlgorithms {
        for (class, q) in kinds::API_JOBS.iter().filter(|(_, q)| wanted(q)) {
            for follow in [false, true] {
                let mut p = params(q);
                if follow {
                    let first = jobs::list(&store, &p).await.expect("first page");
                    let Some(cursor) = first.next_cursor else {
                        continue;
                    };
                    p.push(("cursor".into(), cursor));
                }
                let (times, page) = time(args.iterations, || jobs::list(&store, &p)).await;
                let page = page.expect("api/jobs");
                rows.push(Row {
                    kind,
                    class: *class,
                    what: format!(
                        "GET /api/jobs?{q}{}",
                        if follow { "&cursor=<page 2>" } else { "" }
                    ),
                    runs: times.len(),
                    p50: percentile(&times, 0.5),
                    p99: percentile(&times, 0.99),
                    max: times.last().unwrap().as_secs_f64() * 1000.0,
                    items: page.items.len(),
                    total: None,
                });
            }
        }
    }
    store.close().await;
    (rows, built)
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let args = parse_args();
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    std::fs::create_dir_all(&dir).unwrap();
    let mut all = Vec::new();
    let mut builds = serde_json::Map::new();
    for kind in args.kinds.clone() {
        let (rows, built) = bench_kind(kind, &args, &dir).await;
        if let Some(secs) = built {
            builds.insert(kind.to_string(), json!(secs));
        }
        println!(
            "\n{kind}: {} objects mirrored, up to {} runs per query (after 3 warm-up runs)\n",
            args.jobs, args.iterations
        );
        println!("| query | class | p50 ms | p99 ms | max ms | rows | total | meets |");
        println!("|---|---|---:|---:|---:|---:|---:|---|");
        for r in &rows {
            println!(
                "| `{}` | {} | {:.2} | {:.2} | {:.2} | {} | {} | {} |",
                r.what,
                r.class.label(),
                r.p50,
                r.p99,
                r.max,
                r.items,
                r.total.map_or("-".to_string(), |t| t.to_string()),
                match r.meets() {
                    Some(true) => "yes",
                    Some(false) => "**no**",
                    None => "-",
                }
            );
        }
        all.extend(rows);
    }
    let json_rows: Vec<_> = all
        .iter()
        .map(|r| {
            json!({
                "kind": r.kind.as_str(), "query": r.what, "class": r.class.label(),
                "target_ms": r.class.target_ms(), "meets": r.meets(), "runs": r.runs,
                "p50_ms": r.p50, "p99_ms": r.p99, "max_ms": r.max, "rows": r.items, "total": r.total,
            })
        })
        .collect();
    let out = dir.join("bench-query.json");
    let doc = json!({
        "jobs_per_kind": args.jobs, "iterations": args.iterations,
        "build_seconds": builds, "results": json_rows,
    });
    if std::fs::write(&out, format!("{doc:#}\n")).is_ok() {
        println!("\nwritten: {}", out.display());
    }
    let misses: Vec<String> = all
        .iter()
        .filter(|r| r.meets() == Some(false))
        .map(|r| format!("{} {} (p99 {:.1} ms)", r.kind, r.what, r.p99))
        .collect();
    if misses.is_empty() {
        println!("every query within its target");
    } else {
        println!("over target:\n  {}", misses.join("\n  "));
    }
}
