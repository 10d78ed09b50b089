//! How an SWR instance-job source is kept exact at low cost. The list has no
//! sort, no date filter and no id filter; it can only be filtered by `status`
//! and paged by `offset`/`limit`. So an incremental cycle:
//! 1. reads the unfiltered list with `limit=1` for its `total` (and the newest job);
//! 2. re-lists each non-terminal status (`Creating`, `Initializing`, `Running`),
//!    in lifecycle order: every unfinished job, and every new job, is in one;
//! 3. only when an unfinished job left all three lists (it finished, or was
//!    deleted) or `total` disagrees with the mirror's count (a job created and
//!    finished between two cycles, or deleted) does it sweep the unfiltered list,
//!    with overlapping anchored pages (see [`super::sweep`]), stopping as soon as
//!    every missing job was found and the counts agree. A sweep that reaches the
//!    end has seen every job, so the rows it did not see are deletion candidates:
//!    they are marked deleted only if the mirror then holds exactly the
//!    provider's `total` (after re-reading the head for jobs created meanwhile).
//!
//! The full reconcile is the same sweep from the start (resumable from the
//! stored offset and anchors), then the same confirmed marking.
//!
//! No-change cost: 1 + 3 requests (+ one per extra page of a status with more
//! unfinished jobs than fit on a page), whatever the number of finished jobs.

use std::collections::HashSet;

use serde_json::{json, Value};

use super::status::NON_TERMINAL;
use super::sweep::{Anchored, Resume};
use super::wire;
use crate::collect::{Addressing, CollectError, Cycle, Flow, Window};
use crate::providers::finished_statuses;
use crate::providers::{ApiRequest, ListPage, ResponseError};
use crate::store::RunMode;

/// Runs one cycle of an SWR instance-job source.
pub async fn run_cycle(c: &mut Cycle<'_>) -> Result<(), CollectError> {
    match c.mode {
        RunMode::Full => full(c).await,
        RunMode::Incremental => incremental(c).await,
    }
}

fn project_id(c: &Cycle<'_>) -> String {
    c.source.project_id.clone().unwrap_or_default()
}

fn builder(c: &Cycle<'_>, status: Option<&'static str>) -> impl Fn(Window) -> ApiRequest {
    let pid = project_id(c);
    move |w| {
        let (offset, limit) = match w {
            Window::Offset { offset, limit } => (offset, limit),
            Window::Page { number, size } => ((number.max(1) as u64 - 1) * size as u64, size),
        };
        wire::list_request(&pid, status, offset, limit)
    }
}

fn missing_total() -> CollectError {
    CollectError::Response(ResponseError::Malformed("the job list has no total".into()))
}

fn full_cursor(started_run: i64, page_size: u32, next: Option<Resume>) -> Value {
    match next {
        Some((offset, anchors)) => json!({"full": {
            "started_run": started_run,
            "offset": offset,
            "anchors": anchors,
            "page_size": page_size,
        }}),
        None => json!({"full": null}),
    }
}

/// The stored position of an interrupted full sweep with pages of `ps`.
fn resume_point(c: &Cycle<'_>, ps: u32) -> Option<(i64, u64, Vec<String>)> {
    let f = c.state.cursor.get("full")?;
    if f.get("page_size").and_then(Value::as_u64) != Some(ps as u64) {
        return None;
    }
    let started = f.get("started_run")?.as_i64()?;
    let offset = f.get("offset")?.as_u64()?;
    let anchors = f
        .get("anchors")?
        .as_array()?
        .iter()
        .filter_map(|a| a.as_str().map(str::to_string))
        .collect();
    Some((started, offset, anchors))
}

/// The full reconcile: one anchored pass over the whole list (resumed after an
/// interruption), then confirmed marking of the rows it did not see.
async fn full(c: &mut Cycle<'_>) -> Result<(), CollectError> {
    let ps = c.page_size();
    let (started_run, mut pager) = match resume_point(c, ps) {
        Some((started, offset, anchors)) => {
            tracing::info!(source = %c.source.name, started_run = started, offset, "resuming full sweep");
            (started, Anchored::new(ps, offset, anchors))
        }
        None => (c.run_id, Anchored::new(ps, 0, Vec::new())),
    };
    let build = builder(c, None);
    let cursor = move |next: Option<Resume>| Some(full_cursor(started_run, ps, next));
    while pager.next(c, &build, &cursor).await?.is_some() {
        if c.is_cancelled() && !pager.is_done() {
            return Err(CollectError::Cancelled);
        }
    }
    settle_deletions(c, started_run).await
}

/// After a pass that reached the end: marks the rows not seen since `since_run`
/// deleted, if the mirror then holds exactly the provider's total. Jobs created
/// while the pass ran are at the head of the list, so the head is re-read first.
async fn settle_deletions(c: &mut Cycle<'_>, since_run: i64) -> Result<(), CollectError> {
    let name = c.source.name.clone();
    if c.store
        .unseen_since(&name, c.spec, since_run)
        .await?
        .is_empty()
    {
        return Ok(());
    }
    let head_req = builder(c, None)(Window::Offset {
        offset: 0,
        limit: c.page_size(),
    });
    let head = c.fetch(&head_req, wire::parse_list).await?;
    let total = head.total.ok_or_else(missing_total)?;
    c.commit(head.records, None).await?;
    let candidates = c.store.unseen_since(&name, c.spec, since_run).await?;
    let present = c.store.count_present(&name, c.spec).await?.max(0) as u64;
    let after = present.saturating_sub(candidates.len() as u64);
    if after == total {
        let marked = c
            .store
            .mark_unseen_deleted(&name, c.spec, since_run)
            .await?;
        if marked > 0 {
            tracing::info!(source = %name, deleted = marked, "marked jobs deleted");
        }
    } else {
        tracing::warn!(
            source = %name,
            candidates = candidates.len(),
            mirror_after = after,
            provider_total = total,
            "not marking jobs deleted: the counts disagree (the list changed meanwhile); the next cycle checks again"
        );
    }
    Ok(())
}

/// Remembers which of the `active` jobs are on `page`.
fn note(active: &HashSet<String>, page: &ListPage, seen: &mut HashSet<String>) {
    for r in &page.records {
        if active.contains(&r.id) {
            seen.insert(r.id.clone());
        }
    }
}

async fn incremental(c: &mut Cycle<'_>) -> Result<(), CollectError> {
    let ps = c.page_size();
    let name = c.source.name.clone();
    let active: HashSet<String> = c
        .store
        .unfinished_rows(&name, c.spec, &finished_statuses(c.spec.kind))
        .await?
        .into_iter()
        .filter(|a| NON_TERMINAL.contains(&a.status.as_str()))
        .map(|a| a.id)
        .collect();
    let mut seen: HashSet<String> = HashSet::new();

    // 1. The total, and the newest job.
    let probe_req = builder(c, None)(Window::Offset {
        offset: 0,
        limit: 1,
    });
    let probe = c.fetch(&probe_req, wire::parse_list).await?;
    note(&active, &probe, &mut seen);
    let total = probe.total.ok_or_else(missing_total)?;
    c.commit(probe.records, None).await?;

    // 2. Every unfinished (and every new) job: one list per non-terminal status.
    for status in NON_TERMINAL {
        let build = builder(c, Some(status));
        c.page_forward(
            Addressing::Offset,
            ps,
            build,
            wire::parse_list,
            |p: &ListPage| {
                note(&active, p, &mut seen);
                Flow::Continue
            },
        )
        .await?;
    }

    // 3. A sweep only when a job left the lists or the counts disagree.
    let missing: HashSet<String> = active.difference(&seen).cloned().collect();
    let present = c.store.count_present(&name, c.spec).await?.max(0) as u64;
    if missing.is_empty() && present == total {
        return Ok(());
    }
    let need_complete = present > total;
    tracing::info!(
        source = %name,
        finished_or_gone = missing.len(),
        mirror = present,
        provider_total = total,
        "sweeping the job list"
    );
    let mut found: HashSet<String> = HashSet::new();
    let mut pager = Anchored::new(ps, 0, Vec::new());
    let build = builder(c, None);
    let no_cursor = |_: Option<Resume>| None;
    while let Some(page) = pager.next(c, &build, &no_cursor).await? {
        found.extend(page.ids.iter().filter(|id| missing.contains(*id)).cloned());
        if pager.is_done() {
            break;
        }
        if c.is_cancelled() {
            return Err(CollectError::Cancelled);
        }
        if !need_complete && page.continuous && found.len() == missing.len() {
            let present = c.store.count_present(&name, c.spec).await?.max(0) as u64;
            if page.total == Some(present) {
                return Ok(());
            }
        }
    }
    if pager.is_done() {
        settle_deletions(c, c.run_id).await?;
    }
    Ok(())
}
