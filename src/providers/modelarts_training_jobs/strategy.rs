//! How a ModelArts v1 source is kept exact at low cost. The list can only be
//! sorted by `create_time` and filtered by `status`, so a cycle:
//! 1. reads the newest page (`create_time` desc); only if it is all new does it
//!    read the ascending list from its last page back to the watermark;
//! 2. re-lists each status that unfinished mirrored jobs are in (`status=N`),
//!    or, when fewer requests, reads the newest-first list on down to the oldest
//!    unfinished job;
//! 3. finds jobs that left those lists (they finished) with a newest-first sweep
//!    down to the oldest of them or, when cheaper, one version-detail GET each.
//!
//! A full reconcile lists everything oldest first, last page first (resumable),
//! then marks rows it did not see as deleted.

use std::collections::{BTreeMap, HashSet};

use serde_json::{json, Value};

use super::wire::{self, ListParams, Order, TABLE};
use crate::collect::{pages_for, Addressing, CollectError, Cycle, Flow, Window};
use crate::providers::finished_statuses;
use crate::providers::{ApiRequest, ListPage, ResponseError};
use crate::store::{ActiveRow, Record, RunMode, SqlValue};

/// The highest `page` the API accepts.
const MAX_PAGE: u64 = 65_535;

/// Runs one cycle of a ModelArts training-job source.
pub async fn run_cycle(c: &mut Cycle<'_>) -> Result<(), CollectError> {
    match c.mode {
        RunMode::Full => full(c).await,
        RunMode::Incremental => incremental(c).await,
    }
}

fn project_id(c: &Cycle<'_>) -> String {
    c.source.project_id.clone().unwrap_or_default()
}

fn build(c: &Cycle<'_>, status: Option<i64>, order: Order) -> impl Fn(Window) -> ApiRequest {
    let pid = project_id(c);
    let ws = c.source.workspace_id.clone();
    move |w| {
        let (page, per_page) = match w {
            Window::Page { number, size } => (number, size),
            Window::Offset { offset, limit } => ((offset / limit.max(1) as u64) as u32 + 1, limit),
        };
        wire::list_request(
            &pid,
            ws.as_deref(),
            &ListParams {
                status,
                page,
                per_page,
                order,
            },
        )
    }
}

fn parse(r: &crate::providers::RawResponse) -> Result<ListPage, ResponseError> {
    wire::parse_list(r)
}

/// Fetches the first list request of a cycle and records the answer's
/// list-level fields (`quotas`, `job_count_limit`) for the query module.
async fn fetch_first(c: &mut Cycle<'_>, req: &ApiRequest) -> Result<ListPage, CollectError> {
    let (page, meta) = c.fetch(req, wire::parse_list_with_meta).await?;
    c.record_list_meta(&meta).await?;
    Ok(page)
}

fn create_time(r: &Record) -> Option<i64> {
    let idx = TABLE.columns.iter().position(|c| c.name == "create_time")?;
    match r.values.get(idx)? {
        SqlValue::Int(v) => Some(*v),
        _ => None,
    }
}

fn raw_int(raw: &str, key: &str) -> Option<i64> {
    serde_json::from_str::<Value>(raw).ok()?.get(key)?.as_i64()
}

fn too_many_pages(pages: u64) -> CollectError {
    CollectError::Config(format!(
        "the list has {pages} pages, more than the API's page limit of {MAX_PAGE}; raise page_size"
    ))
}

/// The full reconcile: every job, oldest first, read last page first; resumes
/// from the stored cursor after an interruption; then marks unseen rows deleted.
async fn full(c: &mut Cycle<'_>) -> Result<(), CollectError> {
    let ps = c.page_size();
    let resume = c.state.cursor.get("full").cloned().filter(|f| {
        f.get("page_size").and_then(Value::as_u64) == Some(ps as u64)
            && f.get("started_run").and_then(Value::as_i64).is_some()
            && f.get("next_index").and_then(Value::as_u64).is_some()
    });
    let (started_run, from) = match resume {
        Some(f) => {
            let started = f["started_run"].as_i64().unwrap_or(c.run_id);
            let next = f["next_index"].as_u64().unwrap_or(0);
            tracing::info!(source = %c.source.name, started_run = started, next_index = next, "resuming full sweep");
            (started, Some(next))
        }
        None => {
            let probe_req = build(c, None, Order::Asc)(Window::Page { number: 1, size: 1 });
            let probe = fetch_first(c, &probe_req).await?;
            let total = probe.total.ok_or_else(|| {
                CollectError::Response(ResponseError::Malformed(
                    "job_total_count is missing".into(),
                ))
            })?;
            let pages = pages_for(total, ps);
            if pages > MAX_PAGE {
                return Err(too_many_pages(pages));
            }
            let started = c.run_id;
            let cursor = (pages > 0).then(|| {
                json!({"full": {"started_run": started, "next_index": pages - 1, "page_size": ps}})
            });
            c.commit(probe.records, cursor.as_ref()).await?;
            (started, pages.checked_sub(1))
        }
    };
    if let Some(from) = from {
        let cursor = move |next: Option<u64>| {
            Some(match next {
                Some(n) => {
                    json!({"full": {"started_run": started_run, "next_index": n, "page_size": ps}})
                }
                None => json!({"full": null}),
            })
        };
        let builder = build(c, None, Order::Asc);
        c.page_reverse(
            Addressing::PageNumber,
            ps,
            from,
            builder,
            parse,
            cursor,
            |_| Flow::Continue,
        )
        .await?;
    }
    let deleted = c
        .store
        .mark_unseen_deleted(&c.source.name, c.spec, started_run)
        .await?;
    if deleted > 0 {
        tracing::info!(source = %c.source.name, deleted, "marked jobs deleted");
    }
    Ok(())
}

async fn incremental(c: &mut Cycle<'_>) -> Result<(), CollectError> {
    let ps = c.page_size();
    let active: Vec<ActiveRow> = c
        .store
        .unfinished_rows(&c.source.name, c.spec, &finished_statuses(c.spec.kind))
        .await?;
    let active_ids: HashSet<String> = active.iter().map(|a| a.id.clone()).collect();
    let mut seen: HashSet<String> = HashSet::new();
    let note = |page: &ListPage, seen: &mut HashSet<String>| {
        for r in &page.records {
            if active_ids.contains(&r.id) {
                seen.insert(r.id.clone());
            }
        }
    };

    // 1. New jobs: the newest page, and more only if all of it is newer than the
    //    newest mirrored job. (A job that appears late with an older create_time is
    //    caught when it is on that page, else by the next full reconcile.)
    let threshold = c
        .store
        .max_int(&c.source.name, c.spec, "create_time")
        .await?;
    let first_req = build(c, None, Order::Desc)(Window::Page {
        number: 1,
        size: ps,
    });
    let first = fetch_first(c, &first_req).await?;
    note(&first, &mut seen);
    let reaches_known = |p: &ListPage| {
        threshold.is_some_and(|t| {
            p.records
                .iter()
                .any(|r| create_time(r).is_some_and(|ct| ct < t))
        })
    };
    let all_new = first.records.len() as u64 >= ps as u64 && !reaches_known(&first);
    let total = first.total;
    c.commit(first.records, None).await?;
    if all_new {
        let total = total.ok_or_else(|| {
            CollectError::Response(ResponseError::Malformed(
                "job_total_count is missing".into(),
            ))
        })?;
        let pages = pages_for(total, ps);
        if pages > MAX_PAGE {
            return Err(too_many_pages(pages));
        }
        if let Some(from) = pages.checked_sub(1) {
            let builder = build(c, None, Order::Asc);
            c.page_reverse(
                Addressing::PageNumber,
                ps,
                from,
                builder,
                parse,
                |_| None,
                |p| {
                    note(p, &mut seen);
                    if reaches_known(p) {
                        Flow::Stop
                    } else {
                        Flow::Continue
                    }
                },
            )
            .await?;
        }
    }

    // 2. Unfinished jobs not on those pages: one filtered list per status they
    //    are in or, when that takes fewer requests, the newest-first list read on
    //    from its second page down to the oldest of them (unfinished jobs are
    //    usually recent, so a few pages cover them all).
    let mut per_status: BTreeMap<i64, u64> = BTreeMap::new();
    for a in active.iter().filter(|a| !seen.contains(&a.id)) {
        if let Ok(s) = a.status.parse::<i64>() {
            *per_status.entry(s).or_default() += 1;
        }
    }
    let status_cost: u64 = per_status.values().map(|n| pages_for(*n, ps)).sum();
    let oldest_unseen = active
        .iter()
        .filter(|a| !seen.contains(&a.id))
        .filter_map(|a| raw_int(&a.raw, "create_time"))
        .min();
    let sweep = match oldest_unseen {
        Some(oldest) if !all_new && status_cost > 1 => {
            let newer = c
                .store
                .count_int_at_least(&c.source.name, c.spec, "create_time", oldest)
                .await?;
            let pages = pages_for(newer.max(0) as u64, ps).saturating_sub(1);
            (pages < status_cost).then_some(oldest)
        }
        _ => None,
    };
    if let Some(oldest) = sweep {
        let builder = build(c, None, Order::Desc);
        let from_second = move |w: Window| {
            builder(match w {
                Window::Page { number, size } => Window::Page {
                    number: number.saturating_add(1),
                    size,
                },
                other => other,
            })
        };
        c.page_forward(Addressing::PageNumber, ps, from_second, parse, |p| {
            note(p, &mut seen);
            let past = p
                .records
                .iter()
                .any(|r| create_time(r).is_some_and(|ct| ct < oldest));
            if past {
                Flow::Stop
            } else {
                Flow::Continue
            }
        })
        .await?;
    } else {
        for status in per_status.into_keys() {
            let builder = build(c, Some(status), Order::Asc);
            c.page_forward(Addressing::PageNumber, ps, builder, parse, |p| {
                note(p, &mut seen);
                Flow::Continue
            })
            .await?;
        }
    }

    // 3. Jobs that left every list they were in have finished: find their final status.
    let missing: Vec<&ActiveRow> = active.iter().filter(|a| !seen.contains(&a.id)).collect();
    if missing.is_empty() {
        return Ok(());
    }
    let oldest = missing
        .iter()
        .filter_map(|a| raw_int(&a.raw, "create_time"))
        .min();
    if let Some(oldest) = oldest {
        let newer = c
            .store
            .count_int_at_least(&c.source.name, c.spec, "create_time", oldest)
            .await?;
        let sweep_pages = pages_for(newer.max(0) as u64 + 1, ps);
        if sweep_pages <= missing.len() as u64 {
            let builder = build(c, None, Order::Desc);
            c.page_forward(Addressing::PageNumber, ps, builder, parse, |p| {
                note(p, &mut seen);
                let past = p
                    .records
                    .iter()
                    .any(|r| create_time(r).is_some_and(|ct| ct < oldest));
                if past {
                    Flow::Stop
                } else {
                    Flow::Continue
                }
            })
            .await?;
        }
    }
    let pid = project_id(c);
    for a in missing.iter().filter(|a| !seen.contains(&a.id)) {
        let Some(version) = raw_int(&a.raw, "version_id") else {
            continue;
        };
        let req = wire::detail_request(&pid, &a.id, version);
        let previous = a.raw.clone();
        match c
            .fetch(&req, move |r| wire::parse_detail(r, &previous))
            .await
        {
            Ok(record) => {
                c.commit(vec![record], None).await?;
            }
            Err(CollectError::Response(ResponseError::Provider(e))) if !e.is_retryable() => {
                // Gone or not visible: the next full reconcile settles it.
                tracing::info!(source = %c.source.name, job_id = %a.id, error = %e, "job left the unfinished lists and has no detail");
            }
            Err(e) => return Err(e),
        }
    }
    Ok(())
}
