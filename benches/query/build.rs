//! Builds a bench mirror of one kind: the kind's simulator world generates the
//! objects, the provider's own `parse_list` reads them as list pages, and
//! `Store::apply_page` writes them (big pages, so few transactions), exactly as
//! the collector would. Generation and parsing run on a second thread while the
//! store writes. Every 100th object is last seen by an older run, so the final
//! sweep marks 1% of the rows deleted.

use std::time::Instant;

use chrono::{DateTime, Utc};
use jobmirror::providers::{self, Kind, ListPage, RawResponse};
use jobmirror::sim::{AlgorithmsWorld, Clock, ModelArtsWorld, ModzyWorld, PaiWorld, SwrWorld};
use jobmirror::store::{PageContext, Record, RunMode, Store, TableSpec};
use rand::rngs::StdRng;
use rand::SeedableRng;
use serde_json::{json, Value};

/// Objects per written page (one transaction each).
const PAGE: usize = 5_000;
/// PAI-DLC jobs are generated in slices of this many, then dropped from the world.
const PAI_SLICE: usize = 50_000;

/// One list page of provider objects, and the list-level fields to record.
enum Msg {
    Page(Vec<Record>),
    Meta(Value),
}

type Sender = tokio::sync::mpsc::Sender<Msg>;

/// The fixed "now" of the worlds whose queries do not depend on the real clock.
fn fixed_now() -> DateTime<Utc> {
    DateTime::from_timestamp_millis(1_780_000_000_000).unwrap()
}

pub fn spec(kind: Kind) -> &'static TableSpec {
    match kind {
        Kind::ModelartsTrainingJobs => &providers::modelarts_training_jobs::TABLE,
        Kind::PaiDlcJobs => &providers::pai_dlc_jobs::TABLE,
        Kind::ModzyJobs => &providers::modzy_jobs::TABLE,
        Kind::ModelartsAlgorithms => &providers::modelarts_algorithms::TABLE,
        Kind::SwrInstanceJobs => &providers::swr_instance_jobs::TABLE,
    }
}

/// The kind's list body around `items`, as its provider would send it.
fn body(kind: Kind, items: Vec<Value>, total: usize) -> Value {
    match kind {
        Kind::ModelartsTrainingJobs => {
            json!({"is_success": true, "job_total_count": total, "jobs": items})
        }
        Kind::PaiDlcJobs => json!({"Jobs": items, "TotalCount": total, "RequestId": "BENCH"}),
        Kind::ModzyJobs => Value::Array(items),
        Kind::ModelartsAlgorithms => json!({
            "total": total, "count": total, "limit": items.len(), "offset": 0,
            "sort_by": "create_time", "order": "asc", "group_by": null, "items": items,
        }),
        Kind::SwrInstanceJobs => json!({"total": total, "jobs": items}),
    }
}

fn parse(kind: Kind, body: Value) -> ListPage {
    let resp = RawResponse {
        status: 200,
        headers: Default::default(),
        body: body.to_string().into(),
    };
    match kind {
        Kind::ModelartsTrainingJobs => providers::modelarts_training_jobs::parse_list(&resp),
        Kind::PaiDlcJobs => providers::pai_dlc_jobs::parse_list(&resp),
        Kind::ModzyJobs => providers::modzy_jobs::parse_list(&resp),
        Kind::ModelartsAlgorithms => providers::modelarts_algorithms::parse_list(&resp),
        Kind::SwrInstanceJobs => providers::swr_instance_jobs::parse_list(&resp),
    }
    .expect("the provider's parser reads the simulator's page")
}

/// Sends `items` as parsed pages of [`PAGE`].
fn send_pages(kind: Kind, items: Vec<Value>, total: usize, tx: &Sender) {
    let mut items = items.into_iter().peekable();
    while items.peek().is_some() {
        let page: Vec<Value> = items.by_ref().take(PAGE).collect();
        let parsed = parse(kind, body(kind, page, total));
        tx.blocking_send(Msg::Page(parsed.records))
            .expect("writer gone");
    }
}

/// Generates `n` objects of `kind` and sends them, then the list meta.
fn generate(kind: Kind, n: usize, tx: Sender) {
    let mut rng = StdRng::seed_from_u64(7);
    match kind {
        Kind::ModelartsTrainingJobs => {
            let (clock, _) = Clock::manual(fixed_now());
            let mut world = ModelArtsWorld::new(clock);
            // About 1 in 10 seeded jobs is in another workspace, which the source does not mirror.
            world.seed(n + n / 8, &mut rng);
            let quota = world.quota;
            let limit = (quota - world.len() as i64).max(0);
            let mut visible = world.jobs().filter(|j| j.workspace_id == "0").take(n);
            loop {
                let page: Vec<Value> = visible.by_ref().take(PAGE).map(|j| j.list_json()).collect();
                if page.is_empty() {
                    break;
                }
                let parsed = parse(kind, body(kind, page, n));
                tx.blocking_send(Msg::Page(parsed.records))
                    .expect("writer gone");
            }
            tx.blocking_send(Msg::Meta(
                json!({"job_count_limit": limit, "quotas": quota}),
            ))
            .expect("writer gone");
        }
        Kind::PaiDlcJobs => {
            // Created over the 180 days before the real now (the dialect's default
            // 7-day window is relative to it), generated in slices, each dropped
            // once sent (jobs are ~5 KB). The simulator's seeding covers only a
            // share of the time it is given (bursts of same-second jobs), so each
            // slice's clock is set from the share the previous slice covered.
            let end = Utc::now().timestamp();
            let mut last = end - 180 * 24 * 3600;
            let (clock, manual) = Clock::manual(DateTime::from_timestamp(last, 0).unwrap());
            let mut world = PaiWorld::new(clock);
            let first = world.create("bench-start", "Succeeded");
            world.delete(&first);
            let slices = n.div_ceil(PAI_SLICE).max(1);
            let mut covered = 0.85;
            let mut sent = 0;
            for s in 0..slices {
                let share = (end - last) / (slices - s) as i64;
                let until = last + (share as f64 / covered) as i64;
                manual.set(DateTime::from_timestamp(until, 0).unwrap());
                let want = PAI_SLICE.min(n - sent);
                // About 1 in 10 seeded jobs is in another workspace; the few
                // extra default-workspace jobs dropped are the slice's oldest.
                world.seed(want + want / 9 + 400, &mut rng);
                let ws = world.default_workspace.clone();
                let mine: Vec<&jobmirror::sim::pai_dlc::PaiJob> =
                    world.jobs().filter(|j| j.workspace_id == ws).collect();
                let items: Vec<Value> = mine[mine.len().saturating_sub(want)..]
                    .iter()
                    .map(|j| world.job_json(j))
                    .collect();
                sent += items.len();
                let newest = world.jobs().map(|j| j.created).max().unwrap_or(last);
                covered = ((newest - last) as f64 / (until - last).max(1) as f64).clamp(0.3, 1.0);
                last = newest;
                let ids: Vec<String> = world.jobs().map(|j| j.job_id.clone()).collect();
                for id in ids {
                    world.delete(&id);
                }
                send_pages(kind, items, n, &tx);
            }
        }
        Kind::ModzyJobs => {
            let (clock, _) = Clock::manual(fixed_now());
            let mut world = ModzyWorld::new(clock);
            world.seed(n, &mut rng);
            let items: Vec<Value> = world.jobs().map(|j| j.list_json()).collect();
            drop(world);
            send_pages(kind, items, n, &tx);
        }
        Kind::ModelartsAlgorithms => {
            let (clock, _) = Clock::manual(fixed_now());
            let mut world = AlgorithmsWorld::new(clock);
            world.seed(n, &mut rng);
            let items: Vec<Value> = world.algorithms().map(|a| a.to_json()).collect();
            drop(world);
            send_pages(kind, items, n, &tx);
            tx.blocking_send(Msg::Meta(json!({"total": n})))
                .expect("writer gone");
        }
        Kind::SwrInstanceJobs => {
            let (clock, _) = Clock::manual(fixed_now());
            let mut world = SwrWorld::new(clock);
            world.seed(n, &mut rng);
            let items: Vec<Value> = world.jobs().map(|j| j.list_json()).collect();
            drop(world);
            send_pages(kind, items, n, &tx);
        }
    }
}

/// Writes a mirror of `n` objects of `kind` for source `source`; returns the
/// build time in seconds.
pub async fn build(store: &Store, kind: Kind, source: &str, n: usize) -> f64 {
    let started = Instant::now();
    let spec = spec(kind);
    let old_run = store
        .start_run(source, kind.as_str(), RunMode::Full)
        .await
        .unwrap();
    let new_run = store
        .start_run(source, kind.as_str(), RunMode::Full)
        .await
        .unwrap();
    let (tx, mut rx) = tokio::sync::mpsc::channel(4);
    let generator = std::thread::spawn(move || generate(kind, n, tx));
    let mut written = 0usize;
    let mut meta = None;
    while let Some(msg) = rx.recv().await {
        let records = match msg {
            Msg::Page(r) => r,
            Msg::Meta(m) => {
                meta = Some(m);
                continue;
            }
        };
        let (mut gone, mut keep) = (Vec::new(), Vec::new());
        for (k, r) in records.into_iter().enumerate() {
            if (written + k) % 100 == 99 {
                gone.push(r);
            } else {
                keep.push(r);
            }
        }
        let before = written;
        written += gone.len() + keep.len();
        for (records, run_id) in [(gone, old_run), (keep, new_run)] {
            let ctx = PageContext {
                source,
                spec,
                run_id,
                announce_new: false,
            };
            store.apply_page(&ctx, records, None).await.unwrap();
        }
        if written / 100_000 != before / 100_000 {
            eprintln!(
                "  {kind}: {written} rows written ({:.0} s)",
                started.elapsed().as_secs_f64()
            );
        }
    }
    generator.join().expect("generator panicked");
    let deleted = store
        .mark_unseen_deleted(source, spec, new_run)
        .await
        .unwrap();
    if let Some(m) = meta {
        store.set_list_meta(source, kind, &m).await.unwrap();
    }
    let secs = started.elapsed().as_secs_f64();
    eprintln!(
        "  {kind}: built {} present + {deleted} deleted rows in {secs:.1} s",
        written as u64 - deleted
    );
    secs
}
