//! How a PAI-DLC source is kept exact at low cost. `ListJobs` filters by a creation
//! time range (`StartTime`/`EndTime`, whole seconds, inclusive), sorts by
//! `GmtCreateTime`, and looks jobs up in bulk with `JobIds`; it has no modified-time
//! sort. So:
//!
//! - **New jobs** are read by *creation-time keyset paging*: `StartTime = T`,
//!   `SortBy=GmtCreateTime&Order=asc`, always `PageNumber=1`; the next request starts
//!   at the creation second of the page's last job (re-reading that second, which
//!   the per-page upsert de-duplicates). Every request is a fresh first page, so jobs
//!   deleted or created while paging never shift a page. When a whole page falls in
//!   one second (more than `page_size` jobs created in the same second), that second
//!   is read as a one-second window (`StartTime = EndTime = T`) by page number, last
//!   page first (a deletion then only moves unread jobs onto pages still to be read),
//!   and the sweep goes on at `T + 1`.
//! - An **incremental cycle** starts that sweep at the newest mirrored creation time
//!   minus one second (the overlap catches a job made visible late within the same
//!   second, and an exclusive `StartTime`), then re-checks every unfinished mirrored
//!   job it did not just see with `JobIds=a,b,c` (`page_size` ids a request; `JobId`
//!   is never sent, it would override `JobIds`). Every request carries an explicit
//!   `StartTime`: without one the API silently returns only the last 7 days.
//! - A **full reconcile** sweeps from `history_start` (default 2015-01-01), storing
//!   its position with every page (resumable after a crash), then marks rows it did
//!   not see as deleted.
//! - A job the API flags `IsDeleted: true` is treated as gone: it is not (re)written,
//!   and if mirrored it is marked `deleted_at` at once.

use std::collections::HashSet;

use serde_json::{json, Value};

use super::wire::{self, ListParams};
use crate::collect::{pages_for, CollectError, Cycle};
use crate::providers::{finished_statuses, ListPage, RawResponse, ResponseError};
use crate::store::{Record, RunMode};

/// `StartTime` of full sweeps when the source sets no `history_start`.
pub const DEFAULT_HISTORY_START: &str = "2015-01-01T00:00:00Z";
/// How far before the newest mirrored creation time new-job discovery starts.
const OVERLAP_SECS: i64 = 1;
/// Most page-by-page passes over one creation second in one sweep.
const SECOND_PASSES: u32 = 3;

/// Runs one cycle of a PAI-DLC source.
pub async fn run_cycle(c: &mut Cycle<'_>) -> Result<(), CollectError> {
    match c.mode {
        RunMode::Full => full(c).await,
        RunMode::Incremental => incremental(c).await,
    }
}

fn history_start(c: &Cycle<'_>) -> i64 {
    c.source
        .history_start
        .as_deref()
        .and_then(wire::parse_time)
        .or_else(|| wire::parse_time(DEFAULT_HISTORY_START))
        .unwrap_or_default()
}

fn parse(r: &RawResponse) -> Result<ListPage, ResponseError> {
    wire::parse_list(r)
}

fn request(
    c: &Cycle<'_>,
    start: i64,
    end: Option<i64>,
    job_ids: &[String],
    page_number: u32,
    page_size: u32,
) -> crate::providers::ApiRequest {
    wire::list_request(&ListParams {
        workspace_id: c.source.workspace_id.clone(),
        start,
        end,
        job_ids: job_ids.to_vec(),
        page_number,
        page_size,
    })
}

/// Commits one page: live jobs are upserted (with `cursor`, in one transaction);
/// jobs flagged `IsDeleted` are not written, and marked deleted if mirrored.
async fn commit(
    c: &mut Cycle<'_>,
    records: Vec<Record>,
    cursor: Option<&Value>,
) -> Result<(), CollectError> {
    let (gone, live): (Vec<Record>, Vec<Record>) = records.into_iter().partition(wire::is_deleted);
    c.commit(live, cursor).await?;
    if !gone.is_empty() {
        let ids: Vec<String> = gone.into_iter().map(|r| r.id).collect();
        let marked = c
            .store
            .mark_ids_deleted(&c.source.name, c.spec, &ids)
            .await?;
        if marked > 0 {
            tracing::info!(source = %c.source.name, marked, "jobs flagged IsDeleted marked deleted");
        }
    }
    Ok(())
}

fn note(seen: &mut HashSet<String>, page: &ListPage) {
    seen.extend(page.records.iter().map(|r| r.id.clone()));
}

fn check_cancel(c: &Cycle<'_>) -> Result<(), CollectError> {
    if c.is_cancelled() {
        Err(CollectError::Cancelled)
    } else {
        Ok(())
    }
}

/// Reads every job created at or after `start`, oldest first, by creation-time
/// keyset paging (see the module doc), committing each page with
/// `cursor(next start)` (`None` once the end is reached); `seen` collects the ids read.
async fn sweep_from(
    c: &mut Cycle<'_>,
    start: i64,
    seen: &mut HashSet<String>,
    cursor: &(dyn Fn(Option<i64>) -> Option<Value> + Sync),
) -> Result<(), CollectError> {
    let ps = c.page_size();
    let mut t = start;
    loop {
        let page = c.fetch(&request(c, t, None, &[], 1, ps), parse).await?;
        note(seen, &page);
        let len = page.records.len() as u64;
        let last = page.records.iter().filter_map(wire::create_secs).max();
        if len < ps as u64 || page.total.is_some_and(|n| n <= len) {
            return commit(c, page.records, cursor(None).as_ref()).await;
        }
        let last = last.ok_or_else(|| {
            CollectError::Response(ResponseError::Malformed(
                "a full page of jobs without GmtCreateTime".into(),
            ))
        })?;
        if last > t {
            commit(c, page.records, cursor(Some(last)).as_ref()).await?;
            t = last;
        } else if last == t {
            commit(c, page.records, cursor(Some(t)).as_ref()).await?;
            one_second(c, t, len, seen, cursor(Some(t)).as_ref()).await?;
            t += 1;
            if let Some(next) = cursor(Some(t)) {
                c.commit(Vec::new(), Some(&next)).await?;
            }
        } else {
            // Paging would not advance: refuse rather than loop.
            return Err(CollectError::Response(ResponseError::Malformed(format!(
                "ListJobs answered StartTime={} with jobs created before it",
                wire::format_time(t)
            ))));
        }
        check_cancel(c)?;
    }
}

/// Reads every job created in second `t` (`StartTime = EndTime = t`): a one-job
/// probe for the count, then the pages from the last to the first, then the probe
/// again. Reading last page first, a deletion only moves unread jobs onto pages still
/// to be read; if the second gained jobs meanwhile (it is the current second) and
/// the count exceeds the jobs read, the pass is repeated (at most [`SECOND_PASSES`]
/// times; the next cycle's overlap re-reads that second anyway). `at_least` jobs
/// of that second were just listed: a smaller count means the window was not read
/// as inclusive, an error rather than a silent gap.
async fn one_second(
    c: &mut Cycle<'_>,
    t: i64,
    at_least: u64,
    seen: &mut HashSet<String>,
    cursor: Option<&Value>,
) -> Result<(), CollectError> {
    let ps = c.page_size();
    let mut read: HashSet<String> = HashSet::new();
    let mut passes = 0;
    loop {
        let probe = c.fetch(&request(c, t, Some(t), &[], 1, 1), parse).await?;
        let total = probe.total.ok_or_else(|| {
            CollectError::Response(ResponseError::Malformed("TotalCount is missing".into()))
        })?;
        if passes == 0 && total < at_least {
            return Err(CollectError::Response(ResponseError::Malformed(format!(
                "ListJobs counts {total} jobs with StartTime = EndTime = {} but listed {at_least} created then",
                wire::format_time(t)
            ))));
        }
        note(seen, &probe);
        note(&mut read, &probe);
        commit(c, probe.records, cursor).await?;
        if (passes > 0 && total <= read.len() as u64) || passes == SECOND_PASSES {
            return Ok(());
        }
        passes += 1;
        tracing::debug!(source = %c.source.name, second = %wire::format_time(t), total, passes, "reading one creation second by pages");
        for index in (0..pages_for(total, ps)).rev() {
            check_cancel(c)?;
            let number = u32::try_from(index + 1).unwrap_or(u32::MAX);
            let page = c
                .fetch(&request(c, t, Some(t), &[], number, ps), parse)
                .await?;
            note(seen, &page);
            note(&mut read, &page);
            commit(c, page.records, cursor).await?;
        }
    }
}

/// The full reconcile: every job since `history_start`, resumable; then marks rows
/// not seen since the sweep began as deleted.
async fn full(c: &mut Cycle<'_>) -> Result<(), CollectError> {
    let resume = c.state.cursor.get("full").and_then(|f| {
        let started = f.get("started_run")?.as_i64()?;
        let next = wire::parse_time(f.get("next_start")?.as_str()?)?;
        Some((started, next))
    });
    let (started_run, from) = match resume {
        Some((started, next)) => {
            tracing::info!(source = %c.source.name, started_run = started, next_start = %wire::format_time(next), "resuming full sweep");
            (started, next)
        }
        None => (c.run_id, history_start(c)),
    };
    let cursor = move |next: Option<i64>| {
        Some(match next {
            Some(t) => {
                json!({"full": {"started_run": started_run, "next_start": wire::format_time(t)}})
            }
            None => json!({"full": null}),
        })
    };
    sweep_from(c, from, &mut HashSet::new(), &cursor).await?;
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
    let active = c
        .store
        .unfinished_rows(&c.source.name, c.spec, &finished_statuses(c.spec.kind))
        .await?;
    // 1. New jobs: from the newest mirrored creation time, minus the overlap.
    let watermark = c
        .store
        .max_text(&c.source.name, c.spec, "gmt_create_time")
        .await?
        .as_deref()
        .and_then(wire::parse_time);
    let start = match watermark {
        Some(w) => w - OVERLAP_SECS,
        None => history_start(c),
    };
    let mut seen = HashSet::new();
    sweep_from(c, start, &mut seen, &|_| None).await?;

    // 2. Unfinished jobs not on those pages: by id, in bulk.
    let ps = c.page_size();
    let ids: Vec<String> = active
        .into_iter()
        .map(|a| a.id)
        .filter(|id| !seen.contains(id))
        .collect();
    let from = history_start(c);
    let mut missing = 0;
    for chunk in ids.chunks(ps as usize) {
        check_cancel(c)?;
        let page = c
            .fetch(&request(c, from, None, chunk, 1, ps), parse)
            .await?;
        let got: HashSet<&str> = page.records.iter().map(|r| r.id.as_str()).collect();
        missing += chunk.iter().filter(|id| !got.contains(id.as_str())).count();
        commit(c, page.records, None).await?;
    }
    if missing > 0 {
        // Gone from the provider (or moved out of the workspace): the next full
        // reconcile marks them deleted.
        tracing::info!(source = %c.source.name, missing, "unfinished jobs not found by JobIds");
    }
    Ok(())
}
