//! Query latency on the mirror the first sync wrote: the representative native
//! ModelArts queries of `benches/query.rs` (documented filters and sorts: the
//! "indexed" class; `search_content`: the "fuzzy" class) answered with
//! `jobmirror::query::answer` (parse, counts, page, body), p50/p99 per class.

use std::time::{Duration, Instant};

use jobmirror::config::SourceConfig;
use jobmirror::query;
use jobmirror::store::Store;

const INDEXED: &[&str] = &[
    "",
    "per_page=1000",
    "sortBy=create_time&order=desc&per_page=100",
    "sortBy=create_time&page=200&per_page=50",
    "status=8",
    "status=10&sortBy=create_time&order=desc&per_page=50",
    "status=11&order=desc",
    "status=12&sortBy=duration&order=desc",
    "sortBy=duration&order=desc",
    "sortBy=status&order=desc&page=50",
    "sortBy=version_count&page=1000",
    "sortBy=job_desc&order=desc",
];

const FUZZY: &[&str] = &[
    "search_content=resnet",
    "search_content=BERT-large-eval&sortBy=create_time&order=desc",
    "search_content=12345",
    "search_content=ne",
    "search_content=bert&status=11&sortBy=create_time&order=desc",
    "search_content=train&sortBy=duration&order=desc",
];

/// Latencies of one class: p50 and p99 over every run of every query, and the
/// worst per-query p99 with its query.
pub struct ClassLatency {
    pub p50: Duration,
    pub p99: Duration,
    pub worst_query_p99: Duration,
    pub worst_query: String,
    pub queries: usize,
}

fn pct(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

async fn class(store: &Store, src: &SourceConfig, qs: &[&str], iterations: usize) -> ClassLatency {
    let mut all = Vec::new();
    let (mut worst, mut worst_query) = (Duration::ZERO, String::new());
    for q in qs {
        let params: Vec<(String, String)> = url::form_urlencoded::parse(q.as_bytes())
            .into_owned()
            .collect();
        let mut times = Vec::with_capacity(iterations);
        for i in 0..iterations + 2 {
            let t = Instant::now();
            let a = query::answer(store, src, &params).await.expect("query");
            let took = t.elapsed();
            assert_eq!(a.status, 200, "{q}: {}", a.body);
            if i >= 2 {
                times.push(took);
            }
        }
        times.sort();
        let p99 = pct(&times, 0.99);
        if p99 >= worst {
            worst = p99;
            worst_query = q.to_string();
        }
        all.extend(times);
    }
    all.sort();
    ClassLatency {
        p50: pct(&all, 0.5),
        p99: pct(&all, 0.99),
        worst_query_p99: worst,
        worst_query,
        queries: qs.len(),
    }
}

/// (indexed, fuzzy) latencies.
pub async fn measure(
    store: &Store,
    src: &SourceConfig,
    iterations: usize,
) -> (ClassLatency, ClassLatency) {
    (
        class(store, src, INDEXED, iterations).await,
        class(store, src, FUZZY, iterations).await,
    )
}
