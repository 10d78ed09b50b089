//! One sync cycle of one source: the retrying fetch, the per-page commit, and the
//! shared paging loops (forward, and last-page-first) that every kind's strategy
//! is built from.

use tokio_util::sync::CancellationToken;

use super::client::ApiClient;
use super::retry::{retry_delay, Backoff};
use super::CollectError;
use crate::config::SourceConfig;
use crate::providers::{ApiRequest, ListPage, RawResponse, ResponseError};
use crate::store::{
    PageContext, PageOutcome, Record, RunMode, RunStats, Store, SyncState, TableSpec,
};

/// How pages are addressed by a list API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Addressing {
    /// `page` numbers starting at 1, with a page size.
    PageNumber,
    /// A 0-based `offset` and a `limit`.
    Offset,
}

/// Which window of a list to ask for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Window {
    Page { number: u32, size: u32 },
    Offset { offset: u64, limit: u32 },
}

impl Addressing {
    /// The window of the 0-based page `index` for pages of `size`.
    pub fn window(self, index: u64, size: u32) -> Window {
        match self {
            Addressing::PageNumber => Window::Page {
                number: u32::try_from(index + 1).unwrap_or(u32::MAX),
                size,
            },
            Addressing::Offset => Window::Offset {
                offset: index * size as u64,
                limit: size,
            },
        }
    }
}

/// What a paging loop does after committing a page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flow {
    Continue,
    Stop,
}

/// Everything one cycle needs, and its counters.
pub struct Cycle<'a> {
    pub source: &'a SourceConfig,
    pub spec: &'static TableSpec,
    pub store: &'a Store,
    pub run_id: i64,
    pub mode: RunMode,
    /// The source's persisted state as it was when the cycle began.
    pub state: SyncState,
    pub stats: RunStats,
    client: &'a ApiClient,
    backoff: Backoff,
    cancel: &'a CancellationToken,
}

impl<'a> Cycle<'a> {
    #[allow(clippy::too_many_arguments)]
    pub(super) fn new(
        source: &'a SourceConfig,
        spec: &'static TableSpec,
        store: &'a Store,
        run_id: i64,
        mode: RunMode,
        state: SyncState,
        client: &'a ApiClient,
        backoff: Backoff,
        cancel: &'a CancellationToken,
    ) -> Self {
        Cycle {
            source,
            spec,
            store,
            run_id,
            mode,
            state,
            stats: RunStats::default(),
            client,
            backoff,
            cancel,
        }
    }

    /// The page size to ask for (config, already clamped to the provider maximum).
    pub fn page_size(&self) -> u32 {
        self.source.page_size
    }

    pub fn is_cancelled(&self) -> bool {
        self.cancel.is_cancelled()
    }

    /// Sends `req` and parses the answer, retrying retryable failures with backoff
    /// (Retry-After honoured) up to the source's `max_retries`.
    pub async fn fetch<T>(
        &mut self,
        req: &ApiRequest,
        parse: impl Fn(&RawResponse) -> Result<T, ResponseError>,
    ) -> Result<T, CollectError> {
        let mut attempt: u32 = 0;
        loop {
            if self.cancel.is_cancelled() {
                return Err(CollectError::Cancelled);
            }
            self.stats.requests += 1;
            let sent = tokio::select! {
                r = self.client.send(req) => r,
                _ = self.cancel.cancelled() => return Err(CollectError::Cancelled),
            };
            let err = match sent {
                Ok(resp) => match parse(&resp) {
                    Ok(v) => return Ok(v),
                    Err(e) => CollectError::Response(e),
                },
                Err(e) => e,
            };
            if !err.is_retryable() {
                return Err(err);
            }
            if attempt >= self.source.max_retries {
                return Err(if attempt == 0 {
                    err
                } else {
                    CollectError::Exhausted {
                        attempts: attempt + 1,
                        last: Box::new(err),
                    }
                });
            }
            let delay = retry_delay(&self.backoff, attempt, err.retry_after(), rand::random());
            tracing::warn!(
                source = %self.source.name,
                path = %req.path,
                attempt = attempt + 1,
                delay_ms = delay.as_millis() as u64,
                error = %err,
                "request failed; retrying"
            );
            tokio::select! {
                _ = tokio::time::sleep(delay) => {}
                _ = self.cancel.cancelled() => return Err(CollectError::Cancelled),
            }
            attempt += 1;
        }
    }

    /// Records the list-level fields of a list answer (e.g. ModelArts `quotas`)
    /// that the query module answers as last reported; an empty object is ignored.
    pub async fn record_list_meta(&self, meta: &serde_json::Value) -> Result<(), CollectError> {
        if meta.as_object().is_some_and(|m| !m.is_empty()) {
            self.store
                .set_list_meta(&self.source.name, self.spec.kind, meta)
                .await?;
        }
        Ok(())
    }

    /// Commits one page (and optionally the new cursor) in one transaction.
    pub async fn commit(
        &mut self,
        records: Vec<Record>,
        cursor: Option<&serde_json::Value>,
    ) -> Result<PageOutcome, CollectError> {
        let ctx = PageContext {
            source: &self.source.name,
            spec: self.spec,
            run_id: self.run_id,
            announce_new: self.state.initial_done_at.is_some() || self.source.initial_events,
        };
        let cursor_text = cursor.map(|c| c.to_string());
        let outcome = self
            .store
            .apply_page(&ctx, records, cursor_text.as_deref())
            .await?;
        self.stats.rows_seen += outcome.seen as u64;
        self.stats.rows_changed += (outcome.new + outcome.changed) as u64;
        Ok(outcome)
    }

    /// Pages forward from the first page until a short page, the reported total,
    /// or `on_page` says stop. Every page is committed before the next is asked
    /// for. `on_page` sees each page before it is committed.
    pub async fn page_forward(
        &mut self,
        addressing: Addressing,
        size: u32,
        build: impl Fn(Window) -> ApiRequest,
        parse: impl Fn(&RawResponse) -> Result<ListPage, ResponseError> + Copy,
        mut on_page: impl FnMut(&ListPage) -> Flow,
    ) -> Result<(), CollectError> {
        let mut index: u64 = 0;
        loop {
            let page = self
                .fetch(&build(addressing.window(index, size)), parse)
                .await?;
            let flow = on_page(&page);
            let len = page.records.len() as u64;
            let total = page.total;
            self.commit(page.records, None).await?;
            let reached_total = total.is_some_and(|t| (index + 1) * size as u64 >= t);
            if flow == Flow::Stop || len < size as u64 || reached_total || len == 0 {
                return Ok(());
            }
            if self.cancel.is_cancelled() {
                return Err(CollectError::Cancelled);
            }
            index += 1;
        }
    }

    /// Pages from page index `from` down to the first page (index 0), committing
    /// each page together with `cursor(next_index)`. Listing sorted oldest first
    /// and read last page first, an object deleted while paging shifts the unread
    /// (earlier) pages by one towards the front, which only repeats an object
    /// already read; new objects append after the pages being read. So nothing
    /// present throughout is missed. `on_page` may stop early.
    #[allow(clippy::too_many_arguments)]
    pub async fn page_reverse(
        &mut self,
        addressing: Addressing,
        size: u32,
        from: u64,
        build: impl Fn(Window) -> ApiRequest,
        parse: impl Fn(&RawResponse) -> Result<ListPage, ResponseError> + Copy,
        cursor: impl Fn(Option<u64>) -> Option<serde_json::Value>,
        mut on_page: impl FnMut(&ListPage) -> Flow,
    ) -> Result<(), CollectError> {
        let mut index = from;
        loop {
            let page = self
                .fetch(&build(addressing.window(index, size)), parse)
                .await?;
            let flow = on_page(&page);
            let next = index.checked_sub(1);
            self.commit(page.records, cursor(next).as_ref()).await?;
            match next {
                Some(n) if flow == Flow::Continue => index = n,
                _ => return Ok(()),
            }
            if self.cancel.is_cancelled() {
                return Err(CollectError::Cancelled);
            }
        }
    }
}

/// Number of pages of `size` needed for `total` objects.
pub fn pages_for(total: u64, size: u32) -> u64 {
    total.div_ceil(size.max(1) as u64)
}
