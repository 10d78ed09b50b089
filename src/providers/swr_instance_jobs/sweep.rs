//! Forward offset paging that proves it skipped nothing, for a list with no sort
//! parameter whose order is stable except that new jobs appear at one end and
//! jobs may vanish anywhere.
//!
//! Each page after the first starts `overlap` objects before the end of the
//! previous one. A page is *continuous* when it contains an object already read
//! in this pass: objects never change places relative to each other, so
//! everything between that object and the page's end is on the page, and
//! everything before it was read earlier. New objects at the front push the
//! list back (the page repeats objects: harmless); deletions before the page
//! pull it forward, and as long as fewer than `overlap` vanished between two
//! requests an already-read object is still on the page. When none is, the page
//! is committed (its objects are real) but not trusted: the pager steps back,
//! doubles its overlap (up to half a page) and reads again from earlier.

use std::collections::HashSet;

use serde_json::Value;

use super::wire;
use crate::collect::{CollectError, Cycle, Window};
use crate::providers::{ApiRequest, ResponseError};
use crate::store::PageOutcome;

/// Step-backs allowed in one pass before the cycle gives up (the next resumes).
const MAX_STEPBACKS: u32 = 64;

/// Objects each page re-reads from the previous one, for pages of `size`.
pub fn overlap_for(size: u32) -> u32 {
    if size < 2 {
        0
    } else {
        (size / 20).clamp(1, 10)
    }
}

/// Number of requests a pass over `n` unchanging objects takes with pages of `size`.
pub fn requests_for(n: u64, size: u32) -> u64 {
    let size = size.max(1) as u64;
    let step = size - overlap_for(size as u32) as u64;
    if n < size {
        1
    } else {
        (n - size) / step + 2
    }
}

/// One page read by [`Anchored::next`].
#[derive(Debug)]
pub struct SweepPage {
    /// Ids on the page, in list order.
    pub ids: Vec<String>,
    /// The provider's `total` on that page.
    pub total: Option<u64>,
    /// What committing the page changed.
    pub outcome: PageOutcome,
    /// Whether the page was proven contiguous with the pages before it.
    pub continuous: bool,
}

/// Where to resume a pass: the next offset and the ids read just before it.
pub type Resume = (u64, Vec<String>);

/// A forward pass over the list.
pub struct Anchored {
    size: u32,
    overlap: u32,
    offset: u64,
    seen: HashSet<String>,
    done: bool,
    stepbacks: u32,
}

impl Anchored {
    /// A pass with pages of `size` starting at `offset`, where `anchors` are ids
    /// already read (empty when starting at 0).
    pub fn new(size: u32, offset: u64, anchors: impl IntoIterator<Item = String>) -> Self {
        Anchored {
            size: size.max(1),
            overlap: overlap_for(size.max(1)),
            offset,
            seen: anchors.into_iter().collect(),
            done: false,
            stepbacks: 0,
        }
    }

    /// Whether the pass reached the end of the list.
    pub fn is_done(&self) -> bool {
        self.done
    }

    /// Reads and commits the next page. `cursor` gives the value to store with a
    /// continuous page: `Some((next offset, anchors))`, or `None` at the end.
    /// Returns `None` once the pass is done.
    pub async fn next(
        &mut self,
        c: &mut Cycle<'_>,
        build: &(dyn Fn(Window) -> ApiRequest + Sync),
        cursor: &(dyn Fn(Option<Resume>) -> Option<Value> + Sync),
    ) -> Result<Option<SweepPage>, CollectError> {
        if self.done {
            return Ok(None);
        }
        let req = build(Window::Offset {
            offset: self.offset,
            limit: self.size,
        });
        let page = c.fetch(&req, wire::parse_list).await?;
        let ids: Vec<String> = page.records.iter().map(|r| r.id.clone()).collect();
        let total = page.total;
        let continuous =
            self.offset == 0 || self.overlap == 0 || ids.iter().any(|id| self.seen.contains(id));
        if !continuous {
            let outcome = c.commit(page.records, None).await?;
            self.stepbacks += 1;
            if self.stepbacks > MAX_STEPBACKS {
                return Err(CollectError::Response(ResponseError::Malformed(format!(
                    "the job list kept shifting while paging ({MAX_STEPBACKS} step-backs); the next cycle resumes"
                ))));
            }
            tracing::info!(
                source = %c.source.name,
                offset = self.offset,
                "no job of this page was read before: objects vanished ahead; stepping back"
            );
            self.offset = self
                .offset
                .saturating_sub((self.size - self.overlap) as u64);
            // More vanished between two requests than the overlap absorbs: overlap more.
            if self.size >= 2 {
                self.overlap = (self.overlap * 2).clamp(1, self.size / 2);
            }
            return Ok(Some(SweepPage {
                ids,
                total,
                outcome,
                continuous: false,
            }));
        }
        self.seen.extend(ids.iter().cloned());
        let next = if ids.len() < self.size as usize {
            self.done = true;
            None
        } else {
            let next_offset = self.offset + ids.len() as u64 - self.overlap as u64;
            let keep = (2 * self.overlap as usize).max(1).min(ids.len());
            let anchors = ids[ids.len() - keep..].to_vec();
            Some((next_offset, anchors))
        };
        let cursor_value = cursor(next.clone());
        let outcome = c.commit(page.records, cursor_value.as_ref()).await?;
        if let Some((next_offset, _)) = next {
            self.offset = next_offset;
        }
        Ok(Some(SweepPage {
            ids,
            total,
            outcome,
            continuous: true,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn overlap_and_request_counts() {
        assert_eq!(overlap_for(1), 0);
        assert_eq!(overlap_for(2), 1);
        assert_eq!(overlap_for(100), 5);
        assert_eq!(overlap_for(1000), 10);
        // 100 per page, 95 new per page after the first.
        assert_eq!(requests_for(0, 100), 1);
        assert_eq!(requests_for(99, 100), 1);
        assert_eq!(requests_for(100, 100), 2, "a full last page needs one more");
        assert_eq!(requests_for(195, 100), 3);
        assert_eq!(requests_for(194, 100), 2);
        assert_eq!(requests_for(10_000, 100), 106);
        assert_eq!(requests_for(5, 1), 6);
    }
}
