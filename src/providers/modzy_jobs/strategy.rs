//! How a Modzy source is kept exact at low cost. The job history can be sorted by
//! `updatedAt` and filtered by creation time (`startDate`), but it has no total
//! and no id filter. So:
//!
//! - An **incremental cycle** walks the list most recently updated first
//!   (`sort-by=updatedAt,identifier&direction=DESC`) until a page holds a job not
//!   updated since the watermark (minus [`OVERLAP`]): new jobs and every change of
//!   any job since the last cycle, usually in one request. Consecutive pages
//!   overlap (page `j` is asked with `per-page = page_size - (j-1)`, so it repeats
//!   the last `j-1` jobs of page `j-1`); a page that shares no job with the one
//!   before means the list shifted under the walk (deletions), and the walk starts
//!   again. The watermark moves to the newest update of a complete walk's first
//!   page, so a job updated while the walk runs (it jumps to the front, already
//!   read) is read by the next cycle.
//! - A **full reconcile** reads every job oldest created first, by keyset:
//!   `sort-by=createdAt,identifier&direction=ASC` from `startDate` = the creation
//!   time of the last job read (page 1 each time; page numbers only inside a run
//!   of more than a page of jobs created in the same millisecond), so deletions
//!   while paging cannot shift unread jobs past the reader. The position is stored
//!   with every page (resumable). Rows the sweep did not see are confirmed one by
//!   one with `GET /api/jobs/{jobIdentifier}` (404: gone, marked deleted; 200: the
//!   row is refreshed), so a shift can never mark a present job deleted.

use std::collections::HashSet;

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use super::wire::{self, HistoryParams, TABLE};
use crate::clock;
use crate::collect::{CollectError, Cycle};
use crate::providers::{ListPage, RawResponse, ResponseError};
use crate::store::{Record, RunMode, SqlValue};

/// How far before the watermark a walk reads again: updates that the provider
/// timestamps slightly out of commit order (or on servers whose clocks differ)
/// are not missed.
pub const OVERLAP: Duration = Duration::seconds(10);

/// Walks started per cycle when the list keeps shifting under them.
const MAX_WALKS: u32 = 3;

/// Cursor key of the update watermark (jobmirror's time form, provider clock).
const WATERMARK: &str = "updated_watermark";
/// Cursor key of the full sweep's position (null when none is under way).
const FULL: &str = "full";

/// Runs one cycle of a Modzy source.
pub async fn run_cycle(c: &mut Cycle<'_>) -> Result<(), CollectError> {
    match c.mode {
        RunMode::Full => full(c).await,
        RunMode::Incremental => incremental(c).await,
    }
}

/// Where a full sweep is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct FullState {
    /// The run that started the sweep (rows not seen since are deletion candidates).
    started_run: i64,
    page_size: u32,
    /// `startDate` of the next request (None: from the beginning).
    start_date: Option<String>,
    /// `page` of the next request.
    page: u32,
    /// The listing is done; deletion candidates are being confirmed.
    confirm: bool,
}

fn prefix(c: &Cycle<'_>) -> &'static str {
    wire::api_prefix(&c.source.endpoint)
}

fn parse(r: &RawResponse) -> Result<ListPage, ResponseError> {
    wire::parse_list(r)
}

fn column_text(r: &Record, column: &str) -> Option<String> {
    let i = TABLE.columns.iter().position(|c| c.name == column)?;
    match r.values.get(i)? {
        SqlValue::Text(s) => Some(s.clone()),
        _ => None,
    }
}

/// A job's `updatedAt` as an instant.
fn updated(r: &Record) -> Option<DateTime<Utc>> {
    column_text(r, "updated_at_utc").and_then(|t| clock::parse(&t))
}

fn cursor_of(c: &Cycle<'_>) -> Map<String, Value> {
    c.state.cursor.as_object().cloned().unwrap_or_default()
}

async fn save_cursor(c: &Cycle<'_>, cursor: &Map<String, Value>) -> Result<(), CollectError> {
    c.store
        .set_cursor(
            &c.source.name,
            c.source.kind,
            &Value::Object(cursor.clone()).to_string(),
        )
        .await?;
    Ok(())
}

/// The full reconcile: an update watermark if there is none yet, the keyset sweep,
/// then the confirmation of deletion candidates and their marking.
async fn full(c: &mut Cycle<'_>) -> Result<(), CollectError> {
    let ps = c.page_size();
    let mut cursor = cursor_of(c);
    let resumed = cursor
        .get(FULL)
        .and_then(|f| serde_json::from_value::<FullState>(f.clone()).ok())
        .filter(|f| f.page_size == ps);
    let mut fs = match resumed {
        Some(f) => {
            tracing::info!(source = %c.source.name, started_run = f.started_run, page = f.page,
                start_date = ?f.start_date, confirm = f.confirm, "resuming full sweep");
            f
        }
        None => FullState {
            started_run: c.run_id,
            page_size: ps,
            start_date: None,
            page: 1,
            confirm: false,
        },
    };
    cursor.insert(
        FULL.into(),
        serde_json::to_value(&fs).unwrap_or(Value::Null),
    );
    if cursor.get(WATERMARK).is_none_or(Value::is_null) {
        // The newest update now: every later update is newer, so the first
        // incremental walk finds what changes while this sweep runs.
        let req = wire::list_request(prefix(c), &HistoryParams::updated_desc(1, 1));
        let page = c.fetch(&req, parse).await?;
        if let Some(top) = page.records.iter().filter_map(updated).max() {
            cursor.insert(WATERMARK.into(), Value::String(clock::format(top)));
        }
        c.commit(page.records, Some(&Value::Object(cursor.clone())))
            .await?;
    }
    if !fs.confirm {
        sweep(c, &mut fs, Some(&mut cursor)).await?;
    }
    let deleted = confirm_and_mark(c, fs.started_run).await?;
    if deleted > 0 {
        tracing::info!(source = %c.source.name, deleted, "marked jobs deleted");
    }
    cursor.insert(FULL.into(), Value::Null);
    save_cursor(c, &cursor).await
}

/// Reads every job oldest created first, by keyset on `startDate`, from the
/// position in `fs`; with `cursor`, stores the position with every page.
async fn sweep(
    c: &mut Cycle<'_>,
    fs: &mut FullState,
    mut cursor: Option<&mut Map<String, Value>>,
) -> Result<(), CollectError> {
    let ps = fs.page_size;
    loop {
        let req = wire::list_request(
            prefix(c),
            &HistoryParams::created_asc(fs.start_date.clone(), fs.page, ps),
        );
        let page = c.fetch(&req, parse).await?;
        let done = page.records.len() < ps as usize;
        if done {
            fs.confirm = true;
        } else {
            let last = page
                .records
                .last()
                .and_then(|r| column_text(r, "created_at_utc"));
            match last {
                // Forward progress: the next page starts at the last job's
                // creation time (the jobs created in that millisecond are read
                // again and de-duplicated).
                Some(t) if fs.start_date.as_ref().is_none_or(|s| t > *s) => {
                    fs.start_date = Some(t);
                    fs.page = 1;
                }
                // A whole page created in one millisecond (or without a
                // readable creation time): the next page of the same query.
                _ => fs.page += 1,
            }
        }
        let saved = cursor.as_deref_mut().map(|m| {
            m.insert(
                FULL.into(),
                serde_json::to_value(&*fs).unwrap_or(Value::Null),
            );
            Value::Object(m.clone())
        });
        c.commit(page.records, saved.as_ref()).await?;
        if done {
            return Ok(());
        }
        if c.is_cancelled() {
            return Err(CollectError::Cancelled);
        }
    }
}

/// Confirms each present row the sweep started by `started_run` did not see with
/// a detail GET (refreshing it when it still exists), then marks the rest deleted.
async fn confirm_and_mark(c: &mut Cycle<'_>, started_run: i64) -> Result<u64, CollectError> {
    let candidates = c
        .store
        .unseen_since(&c.source.name, c.spec, started_run)
        .await?;
    for id in candidates {
        let req = wire::detail_request(prefix(c), &id);
        match c.fetch(&req, wire::parse_detail).await {
            Ok(record) => {
                tracing::info!(source = %c.source.name, job = %id,
                    "job missing from the sweep still exists; refreshed from its details");
                c.commit(vec![record], None).await?;
            }
            Err(CollectError::Response(ResponseError::Provider(e)))
                if matches!(e.http_status, 403 | 404 | 410) => {}
            Err(e) => return Err(e),
        }
        if c.is_cancelled() {
            return Err(CollectError::Cancelled);
        }
    }
    Ok(c.store
        .mark_unseen_deleted(&c.source.name, c.spec, started_run)
        .await?)
}

/// How a walk ended.
enum Walk {
    /// It reached jobs older than the cutoff (or the end of the list) with every
    /// page joined to the one before. `top`: the newest update on its first page.
    Complete { top: Option<DateTime<Utc>> },
    /// A page shared no job with the one before: jobs may have been skipped.
    Gap,
    /// More changes than overlapping pages of this size can cover.
    TooLong { top: Option<DateTime<Utc>> },
}

async fn incremental(c: &mut Cycle<'_>) -> Result<(), CollectError> {
    let ps = c.page_size();
    let mut cursor = cursor_of(c);
    let cutoff = cursor
        .get(WATERMARK)
        .and_then(Value::as_str)
        .and_then(clock::parse)
        .map(|w| w - OVERLAP);
    for attempt in 1..=MAX_WALKS {
        let top = match walk(c, ps, cutoff).await? {
            Walk::Complete { top } => top,
            Walk::Gap => {
                tracing::warn!(source = %c.source.name, attempt,
                    "the job list shifted under the walk (jobs deleted); walking again");
                continue;
            }
            Walk::TooLong { top } => {
                tracing::info!(source = %c.source.name,
                    "more changes than an overlapping walk covers; reading every job by creation time");
                let mut fs = FullState {
                    started_run: c.run_id,
                    page_size: ps,
                    start_date: None,
                    page: 1,
                    confirm: false,
                };
                sweep(c, &mut fs, None).await?;
                top
            }
        };
        if let Some(top) = top {
            cursor.insert(WATERMARK.into(), Value::String(clock::format(top)));
            save_cursor(c, &cursor).await?;
        }
        return Ok(());
    }
    tracing::warn!(source = %c.source.name,
        "the job list kept shifting; the watermark stays, so the next cycle reads these changes again");
    Ok(())
}

/// One walk, most recently updated first, down to `cutoff` (None: to the end).
async fn walk(
    c: &mut Cycle<'_>,
    ps: u32,
    cutoff: Option<DateTime<Utc>>,
) -> Result<Walk, CollectError> {
    // Page j has size ps-(j-1) and starts j-1 jobs before the end of page j-1;
    // past ps/4 pages each request would advance less than half a page.
    let max_page = ps / 4 + 1;
    let mut previous: HashSet<String> = HashSet::new();
    let mut top = None;
    let mut j: u32 = 1;
    loop {
        let size = ps - (j - 1);
        let req = wire::list_request(prefix(c), &HistoryParams::updated_desc(j, size));
        let page = c.fetch(&req, parse).await?;
        if j == 1 {
            top = page.records.iter().filter_map(updated).max();
        }
        let joined = j == 1 || page.records.iter().any(|r| previous.contains(&r.id));
        let reached = cutoff.is_some_and(|cut| {
            page.records
                .iter()
                .any(|r| updated(r).is_none_or(|u| u < cut))
        });
        let short = page.records.len() < size as usize;
        previous = page.records.iter().map(|r| r.id.clone()).collect();
        c.commit(page.records, None).await?;
        if !joined {
            return Ok(Walk::Gap);
        }
        if reached || short {
            return Ok(Walk::Complete { top });
        }
        if j >= max_page {
            return Ok(Walk::TooLong { top });
        }
        if c.is_cancelled() {
            return Err(CollectError::Cancelled);
        }
        j += 1;
    }
}
