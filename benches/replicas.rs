//! Replicas on one PostgreSQL (issue 8), in one run:
//! (i) first-sync throughput and no-change cycle time of 100,000 ModelArts
//! jobs on PostgreSQL next to SQLite (`jobmirror sync` as its own process,
//! then the real `SourceWorker` in this process, as `--bench mirror` does);
//! (ii) webhook throughput with one and with two `jobmirror run` replicas
//! delivering the same queued backlog to a loopback receiver;
//! (iii) takeover time after `kill -9` of the replica holding a source's
//! lease in the middle of a cycle: on the same host (the survivor sees the
//! pid is gone) and as if the holder ran on another host (its lease must run
//! out: the holder row is renamed to another host right after the kill).
//!
//! `cargo bench --bench replicas [-- --smoke] [--database-url URL] [--jobs N]
//! [--lease SECS] [--json PATH]` prints one table and writes it as JSON
//! (default `target/tmp/bench-replicas.json`). The PostgreSQL server is
//! `--database-url`, else `TEST_DATABASE_URL`, else a throw-away one started
//! with `scripts/pg-server.sh` (stopped at the end); every measurement gets a
//! fresh database on it. `--smoke` runs tiny sizes in seconds (CI).

#[allow(dead_code)]
#[path = "mirror/cycles.rs"]
mod cycles;
#[allow(dead_code)]
#[path = "mirror/first_sync.rs"]
mod first_sync;
#[allow(dead_code)]
#[path = "mirror/hooks.rs"]
mod hooks;
#[allow(dead_code)]
#[path = "mirror/world.rs"]
mod world;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use jobmirror::config::Config;
use jobmirror::sim::{Fault, SimHandle};
use jobmirror::store::testdb::{TestDb, TEST_DATABASE_ENV};
use jobmirror::store::Store;
use rand::SeedableRng;
use serde_json::{json, Value};

const BIN: &str = env!("CARGO_BIN_EXE_jobmirror");
const SOURCE: &str = "ma";
const WEBHOOK_SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

struct Args {
    smoke: bool,
    jobs: usize,
    unfinished: usize,
    /// Status changes and new jobs per webhook backlog (2 × this events).
    changes: usize,
    takeovers: usize,
    lease_secs: u64,
    database_url: Option<String>,
    json: PathBuf,
}

fn parse_args() -> Args {
    let mut a = Args {
        smoke: false,
        jobs: 100_000,
        unfinished: 1_000,
        changes: 1_000,
        takeovers: 3,
        lease_secs: 5,
        database_url: std::env::var(TEST_DATABASE_ENV)
            .ok()
            .filter(|u| !u.is_empty()),
        json: PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("bench-replicas.json"),
    };
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let value = |i: usize, flag: &str| -> String {
        argv.get(i + 1)
            .cloned()
            .unwrap_or_else(|| panic!("{flag} needs a value"))
    };
    let num = |v: String, flag: &str| -> usize {
        v.replace('_', "")
            .parse()
            .unwrap_or_else(|_| panic!("{flag} N"))
    };
    let mut i = 0;
    while i < argv.len() {
        match argv[i].as_str() {
            "--smoke" => {
                a.smoke = true;
                a.jobs = 3_000;
                a.unfinished = 30;
                a.changes = 20;
                a.takeovers = 1;
                a.lease_secs = 3;
            }
            "--jobs" => {
                a.jobs = num(value(i, "--jobs"), "--jobs");
                i += 1;
            }
            "--lease" => {
                a.lease_secs = num(value(i, "--lease"), "--lease") as u64;
                i += 1;
            }
            "--database-url" => {
                a.database_url = Some(value(i, "--database-url"));
                i += 1;
            }
            "--json" => {
                a.json = PathBuf::from(value(i, "--json"));
                i += 1;
            }
            _ => {} // cargo passes --bench
        }
        i += 1;
    }
    a
}

/// A throw-away PostgreSQL server (scripts/pg-server.sh), stopped when dropped.
struct PgServer(PathBuf);

impl PgServer {
    fn start() -> (PgServer, String) {
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("pg-bench-replicas");
        let out = Command::new(concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/pg-server.sh"))
            .arg("start")
            .arg(&dir)
            .stderr(Stdio::inherit())
            .output()
            .expect("scripts/pg-server.sh");
        assert!(out.status.success(), "scripts/pg-server.sh start failed");
        let url = String::from_utf8(out.stdout)
            .expect("URL")
            .trim()
            .to_string();
        (PgServer(dir), url)
    }
}

impl Drop for PgServer {
    fn drop(&mut self) {
        let _ = Command::new(concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/pg-server.sh"))
            .arg("stop")
            .arg(&self.0)
            .status();
    }
}

/// `[database]` (and `extra` lines in it), `[log]`, `[http]`, then `rest`.
fn config_text(db_url: &str, extra_db: &str, rest: &str) -> String {
    format!(
        "[database]\nurl = \"{db_url}\"\n{extra_db}\n[log]\nlevel = \"warn\"\n\n\
         [http]\nlisten = \"127.0.0.1:0\"\n\n{rest}"
    )
}

fn source_table(sim: &SimHandle, page_size: u32, extra: &str) -> String {
    format!(
        "[sources.{SOURCE}]\nkind = \"modelarts-training-jobs\"\nendpoint = \"{}\"\n\
         project_id = \"{}\"\naccess_key = \"{}\"\nsecret_key = \"{}\"\npage_size = {page_size}\n{extra}\n",
        sim.base_url(),
        world::PROJECT,
        world::ACCESS_KEY,
        world::SECRET_KEY,
    )
}

fn webhook_table(receiver_url: &str) -> String {
    format!(
        "[delivery]\nretry_schedule = [\"1s\"]\ntimeout = \"10s\"\n\n[webhooks.bench]\n\
         url = \"{receiver_url}\"\nsecret = \"{WEBHOOK_SECRET}\"\n\
         events = [\"job.status_changed\", \"job.created\"]\n"
    )
}

fn write(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).expect("write config");
    path
}

fn spawn_run(config: &Path) -> Child {
    Command::new(BIN)
        .arg("--config")
        .arg(config)
        .arg("run")
        .env_remove("JOBMIRROR_CONFIG")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("spawn jobmirror run")
}

/// SIGTERM, then wait (SIGKILL after 15 s).
fn stop(mut child: Child) {
    // SAFETY: a signal to our own child.
    unsafe { libc::kill(child.id() as i32, libc::SIGTERM) };
    let started = Instant::now();
    while child.try_wait().expect("wait").is_none() {
        if started.elapsed() > Duration::from_secs(15) {
            let _ = child.kill();
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn secs(d: Duration) -> f64 {
    d.as_secs_f64()
}

// ---------------------------------------------------------------- (i)

struct FirstSync {
    backend: &'static str,
    wall: Duration,
    peak_rss_kib: i64,
    requests: i64,
    no_change: Vec<cycles::CycleRun>,
}

async fn first_sync_and_cycles(
    backend: &'static str,
    db: &TestDb,
    sim: &SimHandle,
    dir: &Path,
    a: &Args,
) -> FirstSync {
    let text = config_text(&db.url, "", &source_table(sim, 1000, ""));
    let path = write(dir, &format!("first-{backend}.toml"), &text);
    let m = first_sync::sync(&path, SOURCE);
    let src = Config::from_toml(&text).expect("config").sources[SOURCE].clone();
    let store = Store::open(&db.url).await.expect("open the mirror");
    let requests = store
        .last_run(SOURCE)
        .await
        .expect("run")
        .expect("a run")
        .requests;
    assert_eq!(
        cycles::counts(&store, &src).await,
        (a.jobs as i64, a.unfinished as i64),
        "{backend} mirror"
    );
    let no_change = cycles::no_change(&store, &src, 3).await;
    store.close().await;
    FirstSync {
        backend,
        wall: m.wall,
        peak_rss_kib: m.peak_rss_kib,
        requests,
        no_change,
    }
}

// ---------------------------------------------------------------- (ii)

struct Delivery {
    replicas: usize,
    events: usize,
    received: usize,
    /// Spawn of the replicas to the last event's arrival.
    wall: Duration,
    /// First to last arrival.
    span: Duration,
}

async fn webhook_throughput(
    replicas: usize,
    db: &TestDb,
    sim: &SimHandle,
    dir: &Path,
    receiver: &hooks::Receiver,
    a: &Args,
) -> Delivery {
    // Queue a backlog: one change cycle in this process, replicas not running.
    let text = config_text(
        &db.url,
        "",
        &format!(
            "{}\n{}",
            source_table(sim, 1000, ""),
            webhook_table(&receiver.url)
        ),
    );
    let config = Config::from_toml(&text).expect("config");
    let store = Store::open(&db.url).await.expect("open");
    store.set_webhooks(config.webhooks.values().cloned().collect());
    let round = world::change_modelarts(sim, a.changes, a.changes);
    let (_, caught) = cycles::change(&store, &config.sources[SOURCE]).await;
    assert_eq!(
        caught.status_changes, round.status_changes,
        "changes caught"
    );
    assert_eq!(caught.new_rows as usize, round.new_jobs, "new jobs caught");
    let events = round.status_changes + round.new_jobs;

    // Deliver it with `replicas` daemons (no sources: they only deliver).
    let path = write(
        dir,
        &format!("deliver-{replicas}.toml"),
        &config_text(&db.url, "", &webhook_table(&receiver.url)),
    );
    let base = receiver.count();
    let started = Instant::now();
    let children: Vec<Child> = (0..replicas).map(|_| spawn_run(&path)).collect();
    let all = receiver
        .wait_for(base + events, Duration::from_secs(600))
        .await;
    // Redeliveries, if any, would arrive now.
    tokio::time::sleep(Duration::from_millis(300)).await;
    children.into_iter().for_each(stop);
    assert!(
        all,
        "only {} of {events} events delivered",
        receiver.count() - base
    );
    let hits = receiver.hits_from(base);
    let (first, last) = (hits[0].at, hits[events - 1].at);
    let pending: i64 = {
        let pool = sqlx::PgPool::connect(&db.url).await.expect("connect");
        let n =
            sqlx::query_scalar("SELECT COUNT(*) FROM webhook_events WHERE status <> 'delivered'")
                .fetch_one(&pool)
                .await
                .expect("count");
        pool.close().await;
        n
    };
    assert_eq!(pending, 0, "events left undelivered");
    store.close().await;
    Delivery {
        replicas,
        events,
        received: hits.len(),
        wall: last.saturating_duration_since(started),
        span: last.saturating_duration_since(first),
    }
}

// ---------------------------------------------------------------- (iii)

struct Takeover {
    other_host: bool,
    /// Lease time left when the holder was killed.
    lease_left: Duration,
    /// Kill to the survivor's first cycle start.
    takeover: Duration,
    /// Kill to the end of that cycle (it resumes the killed sweep).
    finished: Duration,
}

type OpenRun = Option<(String, String, String)>;

/// The open cycle of the source and its lease: (run start, holder, lease expiry).
async fn open_run(pool: &sqlx::PgPool) -> OpenRun {
    sqlx::query_as(
        "SELECT r.started_at, l.holder, l.expires_at FROM sync_runs r, source_leases l \
         WHERE r.source = $1 AND l.source = r.source AND r.finished_at IS NULL \
         ORDER BY r.id DESC LIMIT 1",
    )
    .bind(SOURCE)
    .fetch_optional(pool)
    .await
    .expect("open run")
}

fn since(t: &str) -> Duration {
    let t = jobmirror::clock::parse(t).expect("time");
    (chrono::Utc::now() - t).to_std().unwrap_or_default()
}

fn between(from: &str, to: &str) -> Duration {
    let (a, b) = (
        jobmirror::clock::parse(from).expect("time"),
        jobmirror::clock::parse(to).expect("time"),
    );
    (b - a).to_std().unwrap_or_default()
}

async fn takeover(
    other_host: bool,
    db: &TestDb,
    sim: &SimHandle,
    dir: &Path,
    a: &Args,
) -> Takeover {
    // Every cycle a full sweep, so a cycle is long enough to be killed in.
    let page = if a.smoke { 100 } else { 1000 };
    let text = config_text(
        &db.url,
        &format!("lease_period = \"{}s\"", a.lease_secs),
        &source_table(sim, page, "schedule = \"* * * * * *\"\nfull_every = \"1s\""),
    );
    let path = write(dir, "takeover.toml", &text);
    let pool = sqlx::PgPool::connect(&db.url).await.expect("connect");
    let spawned = jobmirror::clock::now_text();
    let mut children: Vec<Child> = (0..2).map(|_| spawn_run(&path)).collect();
    let old_enough = Duration::from_millis(if a.smoke { 700 } else { 2000 });
    let deadline = Instant::now() + Duration::from_secs(300);
    let (victim, expires) = loop {
        assert!(Instant::now() < deadline, "no cycle to kill");
        tokio::time::sleep(Duration::from_millis(20)).await;
        let Some((started, holder, expires)) = open_run(&pool).await else {
            continue;
        };
        if started < spawned || since(&started) < old_enough {
            continue;
        }
        // The cron ticks on whole seconds: kill early in a second, so that the
        // rename below is done long before the survivor's next tick.
        let frac = chrono::Utc::now().timestamp_subsec_millis();
        if other_host && !(50..400).contains(&frac) {
            continue;
        }
        let pid = holder.split(':').nth(1).and_then(|p| p.parse::<u32>().ok());
        if let Some(i) = children.iter().position(|c| Some(c.id()) == pid) {
            break (i, expires);
        }
    };
    let mut dead = children.remove(victim);
    dead.kill().expect("kill -9");
    let killed_at = jobmirror::clock::now_text();
    if other_host {
        sqlx::query(
            "UPDATE source_leases SET holder = 'another-host.example:' || holder WHERE source = $1",
        )
        .bind(SOURCE)
        .execute(&pool)
        .await
        .expect("rename the holder");
    }
    dead.wait().expect("wait");
    let lease_left = between(&killed_at, &expires);
    let (takeover, finished) = loop {
        assert!(Instant::now() < deadline, "no takeover");
        tokio::time::sleep(Duration::from_millis(10)).await;
        let next: Option<(String, Option<String>, Option<String>)> = sqlx::query_as(
            "SELECT started_at, finished_at, error FROM sync_runs WHERE source = $1 AND started_at > $2 \
             ORDER BY id LIMIT 1",
        )
        .bind(SOURCE)
        .bind(&killed_at)
        .fetch_optional(&pool)
        .await
        .expect("runs");
        if let Some((started, Some(finished), error)) = next {
            assert_eq!(error, None, "the survivor's cycle failed");
            break (
                between(&killed_at, &started),
                between(&killed_at, &finished),
            );
        }
    };
    children.into_iter().for_each(stop);
    pool.close().await;
    Takeover {
        other_host,
        lease_left,
        takeover,
        finished,
    }
}

// ---------------------------------------------------------------- main

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let a = parse_args();
    let run_started = Instant::now();
    let note = |what: &str| eprintln!("[{:>6.1} s] {what}", run_started.elapsed().as_secs_f64());
    let (_server, server_url) = match a.database_url.clone() {
        Some(url) => (None, url),
        None => {
            note("starting a throw-away PostgreSQL (scripts/pg-server.sh)");
            let (s, url) = PgServer::start();
            (Some(s), url)
        }
    };
    let dir = tempfile::tempdir().expect("tempdir");

    note(&format!("seeding {} ModelArts jobs", a.jobs));
    let sim = world::start().await;
    let mut rng = rand::rngs::StdRng::seed_from_u64(8);
    world::seed_modelarts(&sim, a.jobs, a.unfinished, &mut rng);

    note("(i) first sync and no-change cycles, SQLite");
    let sqlite_db = TestDb::sqlite();
    let sqlite = first_sync_and_cycles("SQLite", &sqlite_db, &sim, dir.path(), &a).await;
    drop(sqlite_db);
    note("(i) first sync and no-change cycles, PostgreSQL");
    let pg_db = TestDb::postgres_on(&server_url).await;
    let pg = first_sync_and_cycles("PostgreSQL", &pg_db, &sim, dir.path(), &a).await;

    let receiver = hooks::Receiver::start().await;
    let mut deliveries = Vec::new();
    for replicas in [1, 2] {
        note(&format!(
            "(ii) webhook backlog delivered by {replicas} replica(s)"
        ));
        deliveries
            .push(webhook_throughput(replicas, &pg_db, &sim, dir.path(), &receiver, &a).await);
    }

    let mut takeovers = Vec::new();
    if a.smoke {
        // Tiny sweeps: slow pages make a cycle long enough to be killed in.
        sim.faults()
            .every(1, Fault::Slow(Duration::from_millis(50)));
    }
    for other_host in [false, true] {
        for n in 0..a.takeovers {
            note(&format!(
                "(iii) takeover after kill -9, {} host, {}/{}",
                if other_host { "other" } else { "same" },
                n + 1,
                a.takeovers
            ));
            takeovers.push(takeover(other_host, &pg_db, &sim, dir.path(), &a).await);
        }
    }
    sim.faults().clear();
    drop(pg_db);
    sim.stop().await;

    let total = run_started.elapsed();
    print_table(&a, &[&sqlite, &pg], &deliveries, &takeovers, total);
    write_json(&a, &[&sqlite, &pg], &deliveries, &takeovers, total);
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v.get(v.len() / 2).copied().unwrap_or(0.0)
}

fn print_table(a: &Args, first: &[&FirstSync], d: &[Delivery], t: &[Takeover], total: Duration) {
    println!(
        "\njobmirror replicas benchmark{} — {} ModelArts jobs ({} unfinished), lease_period {} s, {:.0} s in all\n",
        if a.smoke { " (SMOKE: tiny sizes, figures meaningless)" } else { "" },
        a.jobs,
        a.unfinished,
        a.lease_secs,
        secs(total)
    );
    println!("{:<58} {:>14} {:>12}", "figure", "value", "unit");
    for f in first {
        let nc: Vec<f64> = f.no_change.iter().map(|c| secs(c.wall) * 1000.0).collect();
        println!(
            "{:<58} {:>14.0} {:>12}",
            format!(
                "(i) first sync, {} ({:.1} s, {} requests)",
                f.backend,
                secs(f.wall),
                f.requests
            ),
            a.jobs as f64 / secs(f.wall),
            "jobs/s"
        );
        println!(
            "{:<58} {:>14.0} {:>12}",
            format!("    peak RSS of `jobmirror sync`, {}", f.backend),
            f.peak_rss_kib as f64 / 1024.0,
            "MiB"
        );
        println!(
            "{:<58} {:>14.1} {:>12}",
            format!(
                "    no-change cycle, {} (median of {}, {} requests)",
                f.backend,
                nc.len(),
                f.no_change.first().map_or(0, |c| c.requests)
            ),
            median(nc),
            "ms"
        );
    }
    for x in d {
        println!(
            "{:<58} {:>14.0} {:>12}",
            format!(
                "(ii) webhooks, {} replica(s): {} events ({} received, {:.2} s)",
                x.replicas,
                x.events,
                x.received,
                secs(x.wall)
            ),
            x.events.saturating_sub(1) as f64 / secs(x.span).max(1e-9),
            "events/s"
        );
    }
    for other in [false, true] {
        let runs: Vec<&Takeover> = t.iter().filter(|x| x.other_host == other).collect();
        if runs.is_empty() {
            continue;
        }
        let med =
            |f: &dyn Fn(&Takeover) -> Duration| median(runs.iter().map(|x| secs(f(x))).collect());
        let all: Vec<String> = runs
            .iter()
            .map(|x| format!("{:.2}", secs(x.takeover)))
            .collect();
        println!(
            "{:<58} {:>14.2} {:>12}",
            format!(
                "(iii) takeover after kill -9, {} host [{}]",
                if other { "other" } else { "same" },
                all.join(", ")
            ),
            med(&|x| x.takeover),
            "s (median)"
        );
        println!(
            "{:<58} {:>14.2} {:>12}",
            format!(
                "    lease left at the kill / resumed sweep done ({:.2} s)",
                med(&|x| x.finished)
            ),
            med(&|x| x.lease_left),
            "s (median)"
        );
    }
}

fn write_json(a: &Args, first: &[&FirstSync], d: &[Delivery], t: &[Takeover], total: Duration) {
    let v: Value = json!({
        "smoke": a.smoke,
        "jobs": a.jobs,
        "unfinished": a.unfinished,
        "lease_period_s": a.lease_secs,
        "total_s": secs(total),
        "first_sync": first.iter().map(|f| json!({
            "backend": f.backend,
            "wall_s": secs(f.wall),
            "jobs_per_s": a.jobs as f64 / secs(f.wall),
            "requests": f.requests,
            "peak_rss_kib": f.peak_rss_kib,
            "no_change_ms": f.no_change.iter().map(|c| secs(c.wall) * 1000.0).collect::<Vec<_>>(),
            "no_change_requests": f.no_change.iter().map(|c| c.requests).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
        "webhooks": d.iter().map(|x| json!({
            "replicas": x.replicas,
            "events": x.events,
            "received": x.received,
            "wall_s": secs(x.wall),
            "first_to_last_s": secs(x.span),
            "events_per_s": x.events.saturating_sub(1) as f64 / secs(x.span).max(1e-9),
        })).collect::<Vec<_>>(),
        "takeover": t.iter().map(|x| json!({
            "host": if x.other_host { "other" } else { "same" },
            "takeover_s": secs(x.takeover),
            "lease_left_s": secs(x.lease_left),
            "resumed_sweep_done_s": secs(x.finished),
        })).collect::<Vec<_>>(),
    });
    if let Some(parent) = a.json.parent() {
        let _ = std::fs::create_dir_all(parent);
    }
    std::fs::write(&a.json, serde_json::to_string_pretty(&v).expect("json")).expect("write JSON");
    println!("\nJSON: {}", a.json.display());
}
