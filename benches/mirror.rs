//! Benchmark of the mirror against the simulator, each in its own process: first
//! sync throughput and peak RSS of `jobmirror sync`, and the request cost and wall
//! time of a no-change cycle, for several mirror sizes.
//!
//! `cargo bench --bench mirror -- [--kinds all|K1,K2] [--jobs 10000,100000]
//! [--page-size N] [--smoke]` prints a table and writes `target/bench-mirror.json`.
//! The page size defaults to each kind's maximum.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_jobmirror");
const PROJECT: &str = "0123456789abcdef0123456789abcdef";

struct Args {
    kinds: Vec<&'static str>,
    jobs: Vec<usize>,
    page_size: Option<u32>,
}

const KINDS: [&str; 5] = [
    "modelarts-training-jobs",
    "pai-dlc-jobs",
    "modzy-jobs",
    "modelarts-algorithms",
    "swr-instance-jobs",
];

/// The `jobmirror sim` flag that seeds a kind's world.
fn seed_flag(kind: &str) -> &'static str {
    match kind {
        "modelarts-training-jobs" => "--modelarts-jobs",
        "pai-dlc-jobs" => "--pai-dlc-jobs",
        "modzy-jobs" => "--modzy-jobs",
        "modelarts-algorithms" => "--algorithms",
        _ => "--swr-jobs",
    }
}

/// The source lines of a kind pointing at the simulator.
fn source_lines(kind: &str, url: &str) -> String {
    match kind {
        "modzy-jobs" => format!("endpoint = \"{url}\"\napi_key = \"SIMKEYPREFIX.sim-api-key\"\n"),
        "pai-dlc-jobs" => format!(
            "endpoint = \"{url}\"\naccess_key = \"SIMACCESSKEY\"\nsecret_key = \"sim-secret-key\"\n"
        ),
        _ => format!(
            "endpoint = \"{url}\"\nproject_id = \"{PROJECT}\"\naccess_key = \"SIMACCESSKEY\"\nsecret_key = \"sim-secret-key\"\n"
        ),
    }
}

fn parse_args() -> Args {
    let mut args = Args {
        kinds: vec!["modelarts-training-jobs"],
        jobs: vec![10_000, 100_000],
        page_size: None,
    };
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let mut i = 0;
    while i < argv.len() {
        match argv[i].as_str() {
            "--jobs" => {
                args.jobs = argv[i + 1]
                    .split(',')
                    .map(|n| n.trim().replace('_', "").parse().expect("--jobs N,M"))
                    .collect();
                i += 1;
            }
            "--page-size" => {
                args.page_size = Some(argv[i + 1].parse().expect("--page-size N"));
                i += 1;
            }
            "--kinds" => {
                args.kinds = if argv[i + 1] == "all" {
                    KINDS.to_vec()
                } else {
                    argv[i + 1]
                        .split(',')
                        .map(|k| {
                            *KINDS
                                .iter()
                                .find(|x| **x == k.trim())
                                .unwrap_or_else(|| panic!("unknown kind {k}"))
                        })
                        .collect()
                };
                i += 1;
            }
            "--smoke" => {
                args.kinds = KINDS.to_vec();
                args.jobs = vec![500];
            }
            _ => {} // cargo passes --bench
        }
        i += 1;
    }
    args
}

struct Sim {
    child: Child,
    url: String,
}

impl Sim {
    fn start(kind: &str, jobs: usize) -> Sim {
        let mut cmd = Command::new(BIN);
        cmd.args(["sim", "--listen", "127.0.0.1:0", "--project-id", PROJECT]);
        for k in KINDS {
            let n = if k == kind { jobs } else { 0 };
            cmd.args([seed_flag(k), &n.to_string()]);
        }
        let mut child = cmd
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start jobmirror sim");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("stdout"))
            .read_line(&mut line)
            .expect("sim prints its address");
        let url = line
            .trim()
            .strip_prefix("listening on ")
            .expect("listening line")
            .to_string();
        Sim { child, url }
    }
}

impl Drop for Sim {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs a command to completion; returns wall time and peak RSS (KiB) of the child.
// The child is reaped by wait4 (which also yields its rusage), not Child::wait.
#[allow(clippy::zombie_processes)]
fn run_measured(cmd: &mut Command) -> (Duration, i64) {
    let start = Instant::now();
    let child = cmd
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("spawn");
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: plain libc call on our own child; rusage is a zeroed out-parameter.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    let rc = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    assert_eq!(rc, pid, "wait4");
    assert!(
        libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
        "command failed"
    );
    (start.elapsed(), usage.ru_maxrss)
}

fn write_config(dir: &Path, kind: &str, url: &str, page_size: Option<u32>) -> PathBuf {
    let path = dir.join("config.toml");
    let page = page_size
        .map(|p| format!("page_size = {p}\n"))
        .unwrap_or_default();
    std::fs::write(
        &path,
        format!(
            "[database]\nurl = \"sqlite://{db}\"\n\n[sources.bench]\nkind = \"{kind}\"\n{lines}{page}",
            db = dir.join("mirror.db").display(),
            lines = source_lines(kind, url),
        ),
    )
    .expect("write config");
    path
}

fn last_run(db: &Path) -> (i64, i64) {
    let out = Command::new("sqlite3")
        .arg(db)
        .arg("SELECT requests, rows_seen FROM sync_runs ORDER BY id DESC LIMIT 1")
        .output();
    match out {
        Ok(o) if o.status.success() => {
            let text = String::from_utf8_lossy(&o.stdout);
            let mut it = text.trim().split('|').map(|v| v.parse().unwrap_or(-1));
            (it.next().unwrap_or(-1), it.next().unwrap_or(-1))
        }
        _ => read_with_python(db),
    }
}

/// Fallback reader when the sqlite3 shell is absent.
fn read_with_python(db: &Path) -> (i64, i64) {
    let out = Command::new("python3")
        .args([
            "-c",
            "import sqlite3,sys; r=sqlite3.connect(sys.argv[1]).execute('SELECT requests, rows_seen FROM sync_runs ORDER BY id DESC LIMIT 1').fetchone(); print(r[0], r[1])",
        ])
        .arg(db)
        .output()
        .expect("python3 or sqlite3 is needed to read the results");
    let text = String::from_utf8_lossy(&out.stdout);
    let mut it = text.split_whitespace().map(|v| v.parse().unwrap_or(-1));
    (it.next().unwrap_or(-1), it.next().unwrap_or(-1))
}

fn main() {
    let args = parse_args();
    let mut results = Vec::new();
    println!(
        "{:<23} | {:>9} | {:>10} | {:>12} | {:>11} | {:>9} | {:>14} | {:>12}",
        "kind",
        "mirrored",
        "first sync",
        "jobs/s",
        "peak RSS",
        "requests",
        "no-change reqs",
        "no-change ms"
    );
    for kind in args.kinds.iter().copied() {
        for &jobs in &args.jobs {
            let sim = Sim::start(kind, jobs);
            let dir = tempfile::tempdir().expect("tempdir");
            let config = write_config(dir.path(), kind, &sim.url, args.page_size);
            let db = dir.path().join("mirror.db");
            let sync = || {
                let mut c = Command::new(BIN);
                c.args(["--config", config.to_str().expect("utf-8 path"), "sync"]);
                c
            };
            let (first, rss_kib) = run_measured(&mut sync());
            let (first_requests, rows) = last_run(&db);
            let (again, _) = run_measured(&mut sync());
            let (nochange_requests, _) = last_run(&db);
            let rate = rows as f64 / first.as_secs_f64();
            println!(
                "{:<23} | {:>9} | {:>8.2} s | {:>12.0} | {:>7.1} MiB | {:>9} | {:>14} | {:>12}",
                kind,
                rows,
                first.as_secs_f64(),
                rate,
                rss_kib as f64 / 1024.0,
                first_requests,
                nochange_requests,
                again.as_millis()
            );
            results.push(format!(
            r#"{{"kind": "{kind}", "jobs_seeded": {jobs}, "jobs_mirrored": {rows}, "page_size": {ps}, "first_sync_s": {fs:.3}, "first_sync_jobs_per_s": {rate:.0}, "first_sync_peak_rss_kib": {rss_kib}, "first_sync_requests": {first_requests}, "no_change_requests": {nochange_requests}, "no_change_process_ms": {nc}}}"#,
            ps = args.page_size.map(|p| p.to_string()).unwrap_or_else(|| "\"max\"".into()),
            fs = first.as_secs_f64(),
            nc = again.as_millis()
        ));
            drop(sim);
        }
    }
    let json = format!("[{}]\n", results.join(",\n"));
    let out = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/bench-mirror.json");
    if std::fs::write(&out, json).is_ok() {
        println!("\nwritten: {}", out.display());
    }
    println!("(no-change ms is the whole `jobmirror sync` process: start, open, one cycle, exit)");
}
