//! jobmirror against its limits, in one run (issue 6): first sync throughput of
//! 1,000,000 ModelArts and 200,000 PAI-DLC jobs from the loopback simulators
//! into a fresh file, compared with the raw storage and raw transport limits;
//! no-change and change cycles at that size; peak RSS of the sync process;
//! query latency on the mirror; webhook throughput and latency; and what a
//! naive full re-listing would cost per cycle.
//!
//! `cargo bench --bench mirror [-- --smoke] [--json PATH] [--ma-jobs N] [--pai-jobs N]`
//! prints one table and writes it as JSON (default
//! `target/tmp/bench-mirror.json`). `--smoke` runs tiny sizes in seconds and
//! checks only that every change is caught (CI runs it, so it never rots).

mod cycles;
mod first_sync;
mod hooks;
mod limits;
mod queries;
mod report;
mod setup;
mod world;

use std::time::Instant;

use jobmirror::providers::{modelarts_training_jobs as ma, pai_dlc_jobs as pai};
use jobmirror::store::Store;
use rand::SeedableRng;

use report::{Results, SourceResults};
use setup::{MA, PAI};

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let args = setup::parse_args();
    let s = &args.sizes;
    let run_started = Instant::now();
    let dir = tempfile::tempdir().expect("tempdir");
    let note = |what: &str| {
        eprintln!("[{:>6.1} s] {what}", run_started.elapsed().as_secs_f64());
    };

    note("seeding the simulators");
    let sim = world::start().await;
    let mut rng = rand::rngs::StdRng::seed_from_u64(6);
    world::seed_modelarts(&sim, s.ma_jobs, s.unfinished, &mut rng);
    world::seed_pai(&sim, s.pai_jobs, s.unfinished, &mut rng);

    let db = dir.path().join("mirror.db");
    let base = setup::config_text(&db, &sim.base_url(), s);
    let config_path = dir.path().join("config.toml");
    std::fs::write(&config_path, &base).expect("write config");
    let receiver = hooks::Receiver::start().await;
    let config = setup::with_webhook(&base, &receiver.url);
    let (ma_src, pai_src) = (setup::source(&config, MA), setup::source(&config, PAI));

    let (transport, storage) = if args.skip_limits {
        note("raw limits skipped (--skip-limits)");
        (
            (limits::Rate::NONE, limits::Rate::NONE),
            (limits::Rate::NONE, limits::Rate::NONE),
        )
    } else {
        note("raw transport limit");
        let transport = (
            limits::transport_modelarts(&ma_src).await,
            limits::transport_pai(&pai_src).await,
        );
        note("raw storage limit");
        let storage = (
            limits::storage(&dir.path().join("raw-ma.db"), &sim, &ma::TABLE).await,
            limits::storage(&dir.path().join("raw-pai.db"), &sim, &pai::TABLE).await,
        );
        (transport, storage)
    };
    for f in ["raw-ma.db", "raw-pai.db"] {
        for ext in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(dir.path().join(format!("{f}{ext}")));
        }
    }

    note("first sync (jobmirror sync, one process per source)");
    let first = (
        first_sync::sync(&config_path, MA),
        first_sync::sync(&config_path, PAI),
    );
    let store = Store::open(&format!("sqlite://{}", db.display()))
        .await
        .expect("open the mirror");
    let first_requests = (
        store
            .last_run(MA)
            .await
            .expect("run")
            .expect("ma run")
            .requests,
        store
            .last_run(PAI)
            .await
            .expect("run")
            .expect("pai run")
            .requests,
    );
    let mirrored = (
        cycles::counts(&store, &ma_src).await,
        cycles::counts(&store, &pai_src).await,
    );
    assert_eq!(
        mirrored.0,
        (s.ma_jobs as i64, s.unfinished as i64),
        "ModelArts mirror"
    );
    assert_eq!(
        mirrored.1,
        (s.pai_jobs as i64, s.unfinished as i64),
        "PAI-DLC mirror"
    );

    note("no-change cycles (ModelArts)");
    let ma_no_change = cycles::no_change(&store, &ma_src, args.cycles).await;
    note("no-change cycles (PAI-DLC)");
    let no_change = (
        ma_no_change,
        cycles::no_change(&store, &pai_src, args.cycles).await,
    );

    note("change cycles (webhook events queued)");
    store.set_webhooks(config.webhooks.values().cloned().collect());
    let round = (
        world::change_modelarts(&sim, s.changes, s.changes),
        world::change_pai(&sim, s.changes, s.changes),
    );
    let change = (
        cycles::change(&store, &ma_src).await,
        cycles::change(&store, &pai_src).await,
    );

    note("webhook throughput (the queued backlog)");
    let queued =
        round.0.status_changes + round.0.new_jobs + round.1.status_changes + round.1.new_jobs;
    let throughput = hooks::throughput(&store, &config, &receiver, queued).await;

    note("webhook latency (changes delivered while the cycles run)");
    let from = receiver.count();
    let running = hooks::start_dispatcher(&store, &config);
    let round2 = (
        world::change_modelarts(&sim, s.changes, s.changes),
        world::change_pai(&sim, s.changes, s.changes),
    );
    cycles::change(&store, &ma_src).await;
    cycles::change(&store, &pai_src).await;
    let expected =
        round2.0.status_changes + round2.0.new_jobs + round2.1.status_changes + round2.1.new_jobs;
    let all = receiver
        .wait_for(from + expected, std::time::Duration::from_secs(120))
        .await;
    running.stop().await;
    assert!(all, "webhook events of the second round missing");
    let latency = hooks::latency_percentiles(&receiver, from);

    note("query latency");
    let query = queries::measure(&store, &ma_src, s.query_iterations).await;
    store.close().await;
    sim.stop().await;

    let results = Results {
        smoke: args.smoke,
        ma: SourceResults {
            name: "ModelArts",
            jobs: s.ma_jobs,
            unfinished: s.unfinished,
            page_size: s.ma_page,
            transport: transport.0,
            storage: storage.0,
            first: first.0,
            first_requests: first_requests.0,
            no_change: no_change.0,
            round: round.0,
            change: change.0,
        },
        pai: SourceResults {
            name: "PAI-DLC",
            jobs: s.pai_jobs,
            unfinished: s.unfinished,
            page_size: s.pai_page,
            transport: transport.1,
            storage: storage.1,
            first: first.1,
            first_requests: first_requests.1,
            no_change: no_change.1,
            round: round.1,
            change: change.1,
        },
        webhook_throughput: throughput,
        webhook_latency: latency,
        query,
        total: run_started.elapsed(),
    };
    report::print(&results);
    report::write_json(&results, &args.json);
    let missed = report::check_caught(&results);
    assert!(missed.is_empty(), "changes missed: {missed:?}");
}
