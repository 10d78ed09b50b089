//! How a ModelArts algorithm source is kept exact at low cost. Algorithms have
//! no lifecycle filter; the list sorts by `create_time` (documented) and, on
//! endpoints that accept it, by `update_time` (undocumented: detected at run
//! time). An incremental cycle:
//! 1. new algorithms: the newest page by `create_time` desc; only if all of it
//!    is newer than the watermark does it read the ascending list from its last
//!    page back to the watermark;
//! 2. changes (an `is_valid` flip, an edit): the same by `update_time` (0 =
//!    never updated, so such algorithms are caught by step 1). An endpoint that
//!    rejects `sort_by=update_time` with HTTP 400 is remembered (`update_sort:
//!    false` in the source's cursor, re-probed at every full reconcile);
//!    changes then wait for the next full reconcile.
//!
//! The watermarks are the newest `create_time` / `update_time` the previous
//! scans started from (the top of their first page, kept in the cursor), not
//! the newest values mirrored: an algorithm committed out of order (by another
//! scan, a probe, a detail) cannot hide older unseen ones.
//!
//! The full reconcile lists everything by `create_time` ascending, last page
//! first (resumable), then confirms each vanished algorithm with
//! `GET /v2/{project_id}/algorithms/{id}` before marking it deleted (beyond
//! [`MAX_CONFIRM`] vanished ones, the sweep's word is taken). A fresh one starts
//! by probing `update_time` sorting and the newest values, which become the
//! watermarks once it completes.
//!
//! No-change cost: 2 requests (1 without `update_time` sorting).

use serde_json::{json, Value};

use super::wire::{self, int_value, ListParams, Order, SortBy};
use crate::collect::{pages_for, Addressing, CollectError, Cycle, Flow, Window};
use crate::providers::{ApiRequest, ListPage, ResponseError};
use crate::store::RunMode;

/// Vanished algorithms confirmed one by one before being marked deleted.
pub const MAX_CONFIRM: usize = 20;

/// Cursor key remembering whether `sort_by=update_time` is accepted.
const UPDATE_SORT: &str = "update_sort";
/// Cursor key of the incremental watermarks.
const WATERMARKS: &str = "watermarks";

/// Runs one cycle of a ModelArts algorithm source.
pub async fn run_cycle(c: &mut Cycle<'_>) -> Result<(), CollectError> {
    match c.mode {
        RunMode::Full => full(c).await,
        RunMode::Incremental => incremental(c).await,
    }
}

fn project_id(c: &Cycle<'_>) -> String {
    c.source.project_id.clone().unwrap_or_default()
}

fn builder(c: &Cycle<'_>, sort_by: SortBy, order: Order) -> impl Fn(Window) -> ApiRequest {
    let pid = project_id(c);
    let ws = c.source.workspace_id.clone();
    move |w| {
        let (offset, limit) = match w {
            Window::Offset { offset, limit } => (offset, limit),
            Window::Page { number, size } => ((number.max(1) as u64 - 1) * size as u64, size),
        };
        wire::list_request(
            &pid,
            ws.as_deref(),
            &ListParams {
                offset,
                limit,
                sort_by,
                order,
            },
        )
    }
}

fn missing_count() -> CollectError {
    CollectError::Response(ResponseError::Malformed(
        "the algorithm list has no count".into(),
    ))
}

/// Whether `sort_by=update_time` is known to work (`None`: not probed yet).
fn update_sort(c: &Cycle<'_>) -> Option<bool> {
    c.state.cursor.get(UPDATE_SORT).and_then(Value::as_bool)
}

/// `base` (the source's cursor) with `key` set, other keys kept.
fn cursor_with(base: &Value, key: &str, value: Value) -> Value {
    let mut obj = base.as_object().cloned().unwrap_or_default();
    obj.insert(key.to_string(), value);
    Value::Object(obj)
}

/// Stores whether `sort_by=update_time` works, keeping the rest of the cursor.
async fn remember_update_sort(c: &mut Cycle<'_>, works: bool) -> Result<(), CollectError> {
    remember(c, UPDATE_SORT, Value::Bool(works)).await
}

/// Where the last scans started: the newest `create_time` and `update_time`
/// they saw. Anything created or changed later has a larger value; anything
/// before was read by them (or by the full reconcile they follow).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Watermarks {
    create: Option<i64>,
    update: Option<i64>,
}

impl Watermarks {
    fn from_json(v: Option<&Value>) -> Option<Watermarks> {
        let v = v?.as_object()?;
        Some(Watermarks {
            create: v.get("create_time").and_then(Value::as_i64),
            update: v.get("update_time").and_then(Value::as_i64),
        })
    }

    fn to_json(self) -> Value {
        json!({"create_time": self.create, "update_time": self.update})
    }
}

/// Reads algorithms sorted by `sort_by`, newest first, down to `watermark`:
/// the newest page, and when all of it is past the watermark, the ascending
/// list from its last page back (robust to shifts: new and changed algorithms
/// move to the end, behind the pages still to read). An algorithm with
/// `update_time` 0 (never updated) counts as reached for the `update_time` scan.
/// Returns the newest value seen (the top of the first page).
async fn scan(
    c: &mut Cycle<'_>,
    sort_by: SortBy,
    watermark: Option<i64>,
) -> Result<Option<i64>, CollectError> {
    let ps = c.page_size();
    let field = sort_by.as_str();
    let reaches_known = move |p: &ListPage| {
        p.records.iter().any(|r| match int_value(r, field) {
            Some(v) => {
                watermark.is_some_and(|w| v < w) || (sort_by == SortBy::UpdateTime && v <= 0)
            }
            None => false,
        })
    };
    let first_req = builder(c, sort_by, Order::Desc)(Window::Offset {
        offset: 0,
        limit: ps,
    });
    let (first, meta) = c.fetch(&first_req, wire::parse_list_with_meta).await?;
    c.record_list_meta(&meta).await?;
    let top = first.records.first().and_then(|r| int_value(r, field));
    let all_new = first.records.len() >= ps as usize && !reaches_known(&first);
    let count = first.total;
    c.commit(first.records, None).await?;
    if !all_new {
        return Ok(top);
    }
    let pages = pages_for(count.ok_or_else(missing_count)?, ps);
    if let Some(from) = pages.checked_sub(1) {
        let build = builder(c, sort_by, Order::Asc);
        c.page_reverse(
            Addressing::Offset,
            ps,
            from,
            build,
            wire::parse_list,
            |_| None,
            |p| {
                if reaches_known(p) {
                    Flow::Stop
                } else {
                    Flow::Continue
                }
            },
        )
        .await?;
    }
    Ok(top)
}

/// Stores a cursor key, keeping the rest of the cursor.
async fn remember(c: &mut Cycle<'_>, key: &str, value: Value) -> Result<(), CollectError> {
    let current = c.store.sync_state(&c.source.name).await?.cursor;
    let next = cursor_with(&current, key, value);
    c.store
        .set_cursor(&c.source.name, c.spec.kind, &next.to_string())
        .await?;
    c.state.cursor = next;
    Ok(())
}

async fn incremental(c: &mut Cycle<'_>) -> Result<(), CollectError> {
    let name = c.source.name.clone();
    let stored = Watermarks::from_json(c.state.cursor.get(WATERMARKS));
    let before = match stored {
        Some(w) => w,
        None => Watermarks {
            create: c.store.max_int(&name, c.spec, "create_time").await?,
            update: c.store.max_int(&name, c.spec, "update_time").await?,
        },
    };
    let mut after = before;
    if let Some(top) = scan(c, SortBy::CreateTime, before.create).await? {
        after.create = Some(top);
    }
    match update_sort(c) {
        Some(false) => {}
        known => match scan(c, SortBy::UpdateTime, before.update).await {
            Ok(top) => {
                if let Some(top) = top {
                    after.update = Some(top);
                }
                if known.is_none() {
                    remember_update_sort(c, true).await?;
                }
            }
            Err(CollectError::Response(ResponseError::Provider(e))) if e.http_status == 400 => {
                tracing::warn!(
                    source = %name, error = %e,
                    "the endpoint rejects sort_by=update_time: changes to existing algorithms are found by the full reconcile"
                );
                remember_update_sort(c, false).await?;
            }
            Err(e) => return Err(e),
        },
    }
    if stored != Some(after) {
        remember(c, WATERMARKS, after.to_json()).await?;
    }
    Ok(())
}

/// The full reconcile: every algorithm by `create_time` ascending, last page
/// first (resumable from the stored cursor), then confirmed deletions. A fresh
/// one first probes `update_time` sorting and notes the newest `create_time`
/// and `update_time`: the watermarks the next incremental cycle starts from.
async fn full(c: &mut Cycle<'_>) -> Result<(), CollectError> {
    let ps = c.page_size();
    let resume = c.state.cursor.get("full").cloned().filter(|f| {
        f.get("page_size").and_then(Value::as_u64) == Some(ps as u64)
            && f.get("started_run").and_then(Value::as_i64).is_some()
            && f.get("next_index").and_then(Value::as_u64).is_some()
    });
    let (started_run, from, marks) = match resume {
        Some(f) => {
            let started = f["started_run"].as_i64().unwrap_or(c.run_id);
            let next = f["next_index"].as_u64().unwrap_or(0);
            let marks = Watermarks::from_json(f.get(WATERMARKS)).unwrap_or_default();
            tracing::info!(source = %c.source.name, started_run = started, next_index = next, "resuming full sweep");
            (started, Some(next), marks)
        }
        None => {
            let update = probe_update_sort(c).await?;
            let probe_req = builder(c, SortBy::CreateTime, Order::Desc)(Window::Offset {
                offset: 0,
                limit: 1,
            });
            let (probe, meta) = c.fetch(&probe_req, wire::parse_list_with_meta).await?;
            c.record_list_meta(&meta).await?;
            let count = probe.total.ok_or_else(missing_count)?;
            let marks = Watermarks {
                create: probe
                    .records
                    .first()
                    .and_then(|r| int_value(r, "create_time")),
                update,
            };
            let pages = pages_for(count, ps);
            let started = c.run_id;
            let cursor = (pages > 0).then(|| {
                cursor_with(
                    &c.state.cursor,
                    "full",
                    json!({"started_run": started, "next_index": pages - 1, "page_size": ps,
                           "watermarks": marks.to_json()}),
                )
            });
            c.commit(probe.records, cursor.as_ref()).await?;
            (started, pages.checked_sub(1), marks)
        }
    };
    match from {
        Some(from) => {
            let base = c.state.cursor.clone();
            let cursor = move |next: Option<u64>| {
                Some(match next {
                    Some(n) => cursor_with(
                        &base,
                        "full",
                        json!({"started_run": started_run, "next_index": n, "page_size": ps,
                               "watermarks": marks.to_json()}),
                    ),
                    None => cursor_with(
                        &cursor_with(&base, "full", Value::Null),
                        WATERMARKS,
                        marks.to_json(),
                    ),
                })
            };
            let build = builder(c, SortBy::CreateTime, Order::Asc);
            c.page_reverse(
                Addressing::Offset,
                ps,
                from,
                build,
                wire::parse_list,
                cursor,
                |_| Flow::Continue,
            )
            .await?;
        }
        None => remember(c, WATERMARKS, marks.to_json()).await?,
    }
    settle_deletions(c, started_run).await
}

/// Marks the algorithms the sweep did not see deleted, each confirmed gone by
/// its detail answering 404 (up to [`MAX_CONFIRM`]; beyond, all are marked).
async fn settle_deletions(c: &mut Cycle<'_>, since_run: i64) -> Result<(), CollectError> {
    let name = c.source.name.clone();
    let candidates = c.store.unseen_since(&name, c.spec, since_run).await?;
    if candidates.is_empty() {
        return Ok(());
    }
    let marked = if candidates.len() > MAX_CONFIRM {
        c.store
            .mark_unseen_deleted(&name, c.spec, since_run)
            .await?
    } else {
        let pid = project_id(c);
        let mut gone = Vec::new();
        for id in candidates {
            match c
                .fetch(&wire::detail_request(&pid, &id), wire::parse_detail)
                .await
            {
                Ok(record) => {
                    tracing::info!(source = %name, algorithm = %id, "missed by the sweep but present");
                    c.commit(vec![record], None).await?;
                }
                Err(CollectError::Response(ResponseError::Provider(e))) if e.http_status == 404 => {
                    gone.push(id);
                }
                Err(CollectError::Response(ResponseError::Provider(e))) if !e.is_retryable() => {
                    tracing::warn!(source = %name, algorithm = %id, error = %e, "cannot confirm the deletion; kept");
                }
                Err(e) => return Err(e),
            }
        }
        c.store.mark_ids_deleted(&name, c.spec, &gone).await?
    };
    if marked > 0 {
        tracing::info!(source = %name, deleted = marked, "marked algorithms deleted");
    }
    Ok(())
}

/// Probes `sort_by=update_time` (one request, newest first) and remembers
/// whether it works (a 400 says it does not); returns the newest `update_time`
/// when it does. Other errors fail the cycle like any request's.
async fn probe_update_sort(c: &mut Cycle<'_>) -> Result<Option<i64>, CollectError> {
    let req = builder(c, SortBy::UpdateTime, Order::Desc)(Window::Offset {
        offset: 0,
        limit: 1,
    });
    let (works, top) = match c.fetch(&req, wire::parse_list).await {
        Ok(page) => {
            let top = page
                .records
                .first()
                .map(|r| int_value(r, "update_time").unwrap_or(0))
                .or(Some(0));
            c.commit(page.records, None).await?;
            (true, top)
        }
        Err(CollectError::Response(ResponseError::Provider(e))) if e.http_status == 400 => {
            (false, None)
        }
        Err(e) => return Err(e),
    };
    if update_sort(c) != Some(works) {
        tracing::info!(source = %c.source.name, works, "sort_by=update_time probed");
        remember_update_sort(c, works).await?;
    }
    Ok(top)
}
