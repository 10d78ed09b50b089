//! The two references the first sync is compared with: the raw transport limit
//! (the simulator's pages fetched over loopback with the source's signed client
//! and parsed into records, nothing stored) and the raw storage limit (the same
//! records inserted straight into the same native table of a fresh file, in
//! 50,000-row transactions: no HTTP, no parsing, no change detection).

use std::collections::HashSet;
use std::path::Path;
use std::time::{Duration, Instant};

use jobmirror::collect::ApiClient;
use jobmirror::config::SourceConfig;
use jobmirror::providers::{modelarts_training_jobs as ma, pai_dlc_jobs as pai};
use jobmirror::providers::{ListPage, RawResponse};
use jobmirror::sim::SimHandle;
use jobmirror::store::{Record, RunMode, SqlValue, Store, TableSpec};
use serde_json::{json, Value};

/// Rows per transaction of the storage limit.
const ROWS_PER_TX: usize = 50_000;

/// Objects per second over a measured span.
#[derive(Debug, Clone, Copy)]
pub struct Rate {
    pub objects: usize,
    pub requests: usize,
    pub elapsed: Duration,
}

impl Rate {
    /// Not measured (`--skip-limits`).
    pub const NONE: Rate = Rate {
        objects: 0,
        requests: 0,
        elapsed: Duration::ZERO,
    };

    pub fn per_sec(&self) -> f64 {
        self.objects as f64 / self.elapsed.as_secs_f64().max(1e-9)
    }
}

async fn get(client: &ApiClient, req: &jobmirror::providers::ApiRequest) -> RawResponse {
    client.send(req).await.expect("simulator answers")
}

/// Every ModelArts page, oldest first, fetched and parsed.
pub async fn transport_modelarts(src: &SourceConfig) -> Rate {
    let client = ApiClient::new(src).expect("client");
    let ps = src.page_size;
    let started = Instant::now();
    let (mut objects, mut requests, mut page) = (0, 0, 1);
    loop {
        let req = ma::list_request(
            ma_project(src),
            None,
            &ma::ListParams {
                status: None,
                page,
                per_page: ps,
                order: ma::Order::Asc,
            },
        );
        let p = ma::parse_list(&get(&client, &req).await).expect("a ModelArts page");
        requests += 1;
        objects += p.records.len();
        if p.records.len() < ps as usize {
            break;
        }
        page += 1;
    }
    Rate {
        objects,
        requests,
        elapsed: started.elapsed(),
    }
}

fn ma_project(src: &SourceConfig) -> &str {
    src.project_id.as_deref().unwrap_or_default()
}

fn pai_create_secs(r: &Record) -> i64 {
    let idx = pai::TABLE
        .columns
        .iter()
        .position(|c| c.name == "gmt_create_time")
        .expect("column");
    match &r.values[idx] {
        SqlValue::Text(t) => pai::parse_time(t).expect("a creation time"),
        other => panic!("GmtCreateTime {other:?}"),
    }
}

/// Every PAI-DLC job by creation-time keyset (as the collector pages), parsed.
pub async fn transport_pai(src: &SourceConfig) -> Rate {
    let client = ApiClient::new(src).expect("client");
    let ps = src.page_size;
    let mut start = pai::parse_time(pai::DEFAULT_HISTORY_START).expect("history start");
    let mut seen: HashSet<String> = HashSet::new();
    let started = Instant::now();
    let mut requests = 0;
    loop {
        let req = pai::list_request(&pai::ListParams {
            workspace_id: None,
            start,
            end: None,
            job_ids: Vec::new(),
            page_number: 1,
            page_size: ps,
        });
        let p: ListPage = pai::parse_list(&get(&client, &req).await).expect("a PAI-DLC page");
        requests += 1;
        let len = p.records.len();
        let last = p.records.iter().map(pai_create_secs).max();
        seen.extend(p.records.into_iter().map(|r| r.id));
        match last {
            Some(last) if len == ps as usize => {
                assert!(last > start, "more than a page of jobs in one second");
                start = last;
            }
            _ => break,
        }
    }
    Rate {
        objects: seen.len(),
        requests,
        elapsed: started.elapsed(),
    }
}

/// The records of one list page built from the world's objects, as the wire parser
/// builds them.
fn records_of(spec: &TableSpec, items: Vec<Value>) -> Vec<Record> {
    let n = items.len();
    let body = if is_ma(spec) {
        json!({"is_success": true, "job_total_count": n, "jobs": items})
    } else {
        json!({"Jobs": items, "TotalCount": n, "RequestId": "bench"})
    };
    let resp = RawResponse {
        status: 200,
        headers: Default::default(),
        body: body.to_string().into(),
    };
    let page = if is_ma(spec) {
        ma::parse_list(&resp)
    } else {
        pai::parse_list(&resp)
    };
    page.expect("records").records
}

fn is_ma(spec: &TableSpec) -> bool {
    std::ptr::eq(spec, &ma::TABLE)
}

/// The ids of the world's visible objects, in creation order.
fn visible_ids(h: &SimHandle, spec: &TableSpec) -> Vec<String> {
    if is_ma(spec) {
        h.modelarts()
            .jobs()
            .filter(|j| j.workspace_id == "0")
            .map(|j| j.job_id.to_string())
            .collect()
    } else {
        let w = h.pai_dlc();
        let ws = w.default_workspace.clone();
        w.jobs()
            .filter(|j| j.workspace_id == ws)
            .map(|j| j.job_id.clone())
            .collect()
    }
}

/// The list objects of `ids`.
fn list_objects(h: &SimHandle, spec: &TableSpec, ids: &[String]) -> Vec<Value> {
    if is_ma(spec) {
        let w = h.modelarts();
        ids.iter()
            .filter_map(|id| w.get(id.parse().ok()?).map(|j| j.list_json()))
            .collect()
    } else {
        let w = h.pai_dlc();
        ids.iter()
            .filter_map(|id| w.get(id).map(|j| w.job_json(j)))
            .collect()
    }
}

/// Inserts the world's visible objects into a fresh mirror file at `db`; only
/// the inserts and commits are timed.
pub async fn storage(db: &Path, h: &SimHandle, spec: &'static TableSpec) -> Rate {
    let store = Store::open(&format!("sqlite://{}", db.display()))
        .await
        .expect("store");
    let run = store
        .start_run("raw", spec.kind.as_str(), RunMode::Full)
        .await
        .expect("run");
    let mut elapsed = Duration::ZERO;
    let mut objects = 0;
    let mut tx = None;
    let mut in_tx = 0;
    for ids in visible_ids(h, spec).chunks(1000) {
        let records = records_of(spec, list_objects(h, spec, ids));
        let t = Instant::now();
        if tx.is_none() {
            tx = Some(
                store
                    .begin_bulk_insert("raw", spec, run)
                    .await
                    .expect("begin"),
            );
        }
        let open = tx.as_mut().expect("open transaction");
        open.insert(&records).await.expect("insert");
        in_tx += records.len();
        objects += records.len();
        if in_tx >= ROWS_PER_TX {
            tx.take().expect("open").commit().await.expect("commit");
            in_tx = 0;
        }
        elapsed += t.elapsed();
    }
    if let Some(open) = tx {
        let t = Instant::now();
        open.commit().await.expect("commit");
        elapsed += t.elapsed();
    }
    store.close().await;
    Rate {
        objects,
        requests: 0,
        elapsed,
    }
}
