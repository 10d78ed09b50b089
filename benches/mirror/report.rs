//! The results of a run: the table on stdout (figure, result, target,
//! met) and the same figures as JSON for later comparison.

use std::path::Path;
use std::time::Duration;

use serde_json::json;

use crate::cycles::{Caught, CycleRun};
use crate::first_sync::Measured;
use crate::limits::Rate;
use crate::queries::ClassLatency;
use crate::world::Round;

pub struct SourceResults {
    pub name: &'static str,
    pub jobs: usize,
    pub unfinished: usize,
    pub page_size: u32,
    pub transport: Rate,
    pub storage: Rate,
    pub first: Measured,
    pub first_requests: i64,
    pub no_change: Vec<CycleRun>,
    pub round: Round,
    pub change: (CycleRun, Caught),
}

pub struct Results {
    pub smoke: bool,
    pub ma: SourceResults,
    pub pai: SourceResults,
    pub webhook_throughput: (usize, Duration),
    pub webhook_latency: (Duration, Duration, usize),
    pub query: (ClassLatency, ClassLatency),
    pub total: Duration,
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn int(n: f64) -> String {
    let s = format!("{:.0}", n);
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

impl SourceResults {
    pub fn first_rate(&self) -> f64 {
        self.jobs as f64 / self.first.wall.as_secs_f64()
    }

    /// The binding raw limit: the slower of storage and transport.
    pub fn raw_limit(&self) -> f64 {
        self.storage.per_sec().min(self.transport.per_sec())
    }

    pub fn share_of_limit(&self) -> f64 {
        self.first_rate() / self.raw_limit()
    }

    /// `2 + ceil(unfinished / page size)`.
    pub fn request_budget(&self) -> u64 {
        2 + (self.unfinished as u64).div_ceil(self.page_size as u64)
    }

    /// The median no-change cycle (by wall time) and the slowest.
    pub fn no_change_median_max(&self) -> (CycleRun, CycleRun) {
        let mut v = self.no_change.clone();
        v.sort_by_key(|c| c.wall);
        (v[v.len() / 2], v[v.len() - 1])
    }

    fn caught_all(&self) -> bool {
        let (_, c) = self.change;
        c.status_changes == self.round.status_changes && c.new_rows == self.round.new_jobs as i64
    }
}

fn mark(ok: bool) -> &'static str {
    if ok {
        "yes"
    } else {
        "**no**"
    }
}

pub fn print(r: &Results) {
    let (ma, pai) = (&r.ma, &r.pai);
    let mut rows: Vec<[String; 4]> = Vec::new();
    let first = |s: &SourceResults| {
        format!(
            "{}: {} jobs in {:.1} s = {} jobs/s ({:.0} % of its raw limit, {} requests)",
            s.name,
            int(s.jobs as f64),
            s.first.wall.as_secs_f64(),
            int(s.first_rate()),
            100.0 * s.share_of_limit(),
            s.first_requests
        )
    };
    rows.push([
        "first sync throughput".into(),
        format!("{}; {}", first(ma), first(pai)),
        ">= 50 % of the raw limit (the slower of storage and transport)".into(),
        mark(ma.share_of_limit() >= 0.5 && pai.share_of_limit() >= 0.5).into(),
    ]);
    let lim =
        |s: &SourceResults, rate: &Rate| format!("{}: {} jobs/s", s.name, int(rate.per_sec()));
    rows.push([
        "raw storage limit".into(),
        format!("{}; {}", lim(ma, &ma.storage), lim(pai, &pai.storage)),
        "(the reference)".into(),
        "".into(),
    ]);
    rows.push([
        "raw transport limit".into(),
        format!(
            "{} ({} requests); {} ({} requests)",
            lim(ma, &ma.transport),
            ma.transport.requests,
            lim(pai, &pai.transport),
            pai.transport.requests
        ),
        "(the reference)".into(),
        "".into(),
    ]);
    let nc = |s: &SourceResults| {
        let (med, max) = s.no_change_median_max();
        format!(
            "{} ({} jobs, {} unfinished): {} requests, {:.0} ms (slowest of {}: {:.0} ms)",
            s.name,
            int(s.jobs as f64),
            s.unfinished,
            med.requests,
            ms(med.wall),
            s.no_change.len(),
            ms(max.wall)
        )
    };
    let nc_ok = |s: &SourceResults| {
        let (med, _) = s.no_change_median_max();
        s.no_change.iter().all(|c| c.requests <= s.request_budget()) && ms(med.wall) < 200.0
    };
    rows.push([
        "no-change cycle".into(),
        format!("{}; {}", nc(ma), nc(pai)),
        format!(
            "<= 2 + ceil(unfinished / page size) requests ({} / {}); < 200 ms",
            ma.request_budget(),
            pai.request_budget()
        ),
        mark(nc_ok(ma) && nc_ok(pai)).into(),
    ]);
    let ch = |s: &SourceResults| {
        let (run, c) = s.change;
        format!(
            "{}: {} requests, {:.0} ms, {}/{} changes and {}/{} new jobs caught",
            s.name,
            run.requests,
            ms(run.wall),
            c.status_changes,
            s.round.status_changes,
            c.new_rows,
            s.round.new_jobs
        )
    };
    rows.push([
        "change cycle".into(),
        format!("{}; {}", ch(ma), ch(pai)),
        "all caught in one cycle".into(),
        mark(ma.caught_all() && pai.caught_all()).into(),
    ]);
    let mib = |s: &SourceResults| s.first.peak_rss_kib as f64 / 1024.0;
    rows.push([
        "peak RSS".into(),
        format!(
            "{:.1} MiB (`jobmirror sync` of {} ModelArts jobs); PAI-DLC sync: {:.1} MiB",
            mib(ma),
            int(ma.jobs as f64),
            mib(pai)
        ),
        "< 100 MiB".into(),
        mark(mib(ma) < 100.0 && mib(pai) < 100.0).into(),
    ]);
    let (idx, fuzzy) = &r.query;
    rows.push([
        "query latency".into(),
        format!(
            "{} ModelArts rows: indexed ({} queries) p50 {:.2} ms, p99 {:.2} ms (worst query p99 {:.2} ms: `{}`); fuzzy ({}) p50 {:.2} ms, p99 {:.2} ms (worst {:.2} ms: `{}`)",
            int(ma.jobs as f64),
            idx.queries,
            ms(idx.p50),
            ms(idx.p99),
            ms(idx.worst_query_p99),
            idx.worst_query,
            fuzzy.queries,
            ms(fuzzy.p50),
            ms(fuzzy.p99),
            ms(fuzzy.worst_query_p99),
            fuzzy.worst_query
        ),
        "p99 < 20 ms indexed, < 100 ms fuzzy".into(),
        mark(ms(idx.p99) < 20.0 && ms(fuzzy.p99) < 100.0).into(),
    ]);
    let (n, took) = r.webhook_throughput;
    let rate = n as f64 / took.as_secs_f64().max(1e-9);
    let (p50, p99, samples) = r.webhook_latency;
    rows.push([
        "webhook throughput".into(),
        format!(
            "{} events in {:.2} s = {} events/s; change-to-delivery latency ({} events) p50 {:.0} ms, p99 {:.0} ms",
            n,
            took.as_secs_f64(),
            int(rate),
            samples,
            ms(p50),
            ms(p99)
        ),
        ">= 1,000/s; p99 < 1 s".into(),
        mark(rate >= 1000.0 && ms(p99) < 1000.0).into(),
    ]);
    let naive = |s: &SourceResults| {
        let (med, _) = s.no_change_median_max();
        format!(
            "{}: {} requests per cycle = {:.0}x the no-change cycle",
            s.name,
            s.first_requests,
            s.first_requests as f64 / med.requests.max(1) as f64
        )
    };
    rows.push([
        "naive re-page".into(),
        format!("{}; {}", naive(ma), naive(pai)),
        "(the ratio to the no-change cycle)".into(),
        "".into(),
    ]);

    println!(
        "\njobmirror benchmark{}: {:.0} s in all\n",
        if r.smoke {
            " (--smoke: tiny sizes, timings meaningless)"
        } else {
            ""
        },
        r.total.as_secs_f64()
    );
    println!("| figure | result | target | met |\n|---|---|---|---|");
    for row in rows {
        println!("| {} | {} | {} | {} |", row[0], row[1], row[2], row[3]);
    }
}

fn source_json(s: &SourceResults) -> serde_json::Value {
    let (med, max) = s.no_change_median_max();
    let (run, caught) = s.change;
    json!({
        "jobs": s.jobs, "unfinished": s.unfinished, "page_size": s.page_size,
        "first_sync": {"seconds": s.first.wall.as_secs_f64(), "jobs_per_s": s.first_rate(),
            "requests": s.first_requests, "peak_rss_kib": s.first.peak_rss_kib,
            "share_of_raw_limit": s.share_of_limit()},
        "raw_storage": {"jobs_per_s": s.storage.per_sec(), "seconds": s.storage.elapsed.as_secs_f64()},
        "raw_transport": {"jobs_per_s": s.transport.per_sec(), "seconds": s.transport.elapsed.as_secs_f64(),
            "requests": s.transport.requests},
        "no_change": {"requests": med.requests, "median_ms": ms(med.wall), "max_ms": ms(max.wall),
            "all_ms": s.no_change.iter().map(|c| ms(c.wall)).collect::<Vec<_>>(),
            "request_budget": s.request_budget()},
        "change": {"requests": run.requests, "ms": ms(run.wall),
            "status_changes": s.round.status_changes, "status_changes_caught": caught.status_changes,
            "new_jobs": s.round.new_jobs, "new_jobs_caught": caught.new_rows},
        "naive_repage_requests": s.first_requests,
    })
}

pub fn write_json(r: &Results, path: &Path) {
    let (idx, fuzzy) = &r.query;
    let class = |c: &ClassLatency| {
        json!({"p50_ms": ms(c.p50), "p99_ms": ms(c.p99), "worst_query_p99_ms": ms(c.worst_query_p99),
               "worst_query": c.worst_query, "queries": c.queries})
    };
    let (n, took) = r.webhook_throughput;
    let (p50, p99, samples) = r.webhook_latency;
    let doc = json!({
        "smoke": r.smoke,
        "total_seconds": r.total.as_secs_f64(),
        "modelarts": source_json(&r.ma),
        "pai_dlc": source_json(&r.pai),
        "query_latency": {"indexed": class(idx), "fuzzy": class(fuzzy)},
        "webhooks": {"events": n, "seconds": took.as_secs_f64(),
            "events_per_s": n as f64 / took.as_secs_f64().max(1e-9),
            "latency_p50_ms": ms(p50), "latency_p99_ms": ms(p99), "latency_samples": samples},
    });
    if let Some(dir) = path.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    std::fs::write(path, format!("{doc:#}\n")).expect("write the JSON results");
    println!("\nwritten: {}", path.display());
}

/// Sources whose change cycle missed something.
pub fn check_caught(r: &Results) -> Vec<&'static str> {
    [&r.ma, &r.pai]
        .into_iter()
        .filter(|s| !s.caught_all())
        .map(|s| s.name)
        .collect()
}
