//! PostgreSQL planner statistics kept fresh while a mirror grows: a table that
//! has taken as many new rows as it held at its last `ANALYZE` (at least
//! [`FIRST`]) is analyzed right after the page that crossed the line.
//!
//! Why: until autovacuum gets to a fresh table (a minute or more), the planner
//! assumes it is nearly empty, and the page statements' cached generic plans
//! then filtered every row of the source against the page's 500 ids (0.2–1.3 s
//! a page at 100,000 rows instead of 2 ms by the unique index). `ANALYZE`
//! invalidates those plans. SQLite needs none of this.

use std::collections::HashMap;
use std::sync::Mutex;

use super::{Backend, Sql, Store};

/// New rows after which a table is first analyzed.
pub(crate) const FIRST: u64 = 1000;

/// Rows a table took since its last `ANALYZE`, and rows it took before that
/// (both as seen by this process).
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Growth {
    since: u64,
    before: u64,
}

impl Growth {
    /// Counts `new_rows`; true when the table is due (the count then restarts):
    /// at 1,000 new rows, then each time the table has doubled.
    pub(crate) fn note(&mut self, new_rows: u64) -> bool {
        self.since += new_rows;
        if self.since >= FIRST.max(self.before) {
            self.before += self.since;
            self.since = 0;
            true
        } else {
            false
        }
    }
}

/// Growth per table, shared by a store's clones.
#[derive(Default)]
pub(crate) struct GrowthByTable(Mutex<HashMap<&'static str, Growth>>);

impl GrowthByTable {
    fn note(&self, table: &'static str, new_rows: u64) -> bool {
        let mut map = match self.0.lock() {
            Ok(g) => g,
            Err(poisoned) => poisoned.into_inner(),
        };
        map.entry(table).or_default().note(new_rows)
    }
}

impl Store {
    /// After a committed page: on PostgreSQL, analyzes `table` when its new rows
    /// make it due. A failure only costs plan quality, so it is logged, not returned.
    pub(crate) async fn note_new_rows(&self, table: &'static str, new_rows: usize) {
        if self.backend() != Backend::Postgres
            || new_rows == 0
            || !self.growth.note(table, new_rows as u64)
        {
            return;
        }
        // `table` is a static name from a TableSpec, never input.
        if let Err(e) = self
            .writer()
            .execute(Sql::new(format!("ANALYZE {table}")))
            .await
        {
            tracing::warn!(table, error = %e, "ANALYZE failed; plans may stay poor until autovacuum");
        } else {
            tracing::debug!(table, "analyzed");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_at_a_thousand_rows_then_each_doubling() {
        let mut g = Growth::default();
        let mut due_at = Vec::new();
        let mut total = 0;
        for _ in 0..400 {
            total += 100;
            if g.note(100) {
                due_at.push(total);
            }
        }
        assert_eq!(due_at, [1000, 2000, 4000, 8000, 16000, 32000]);
    }

    #[test]
    fn a_big_page_counts_at_once_and_nothing_new_is_never_due() {
        let mut g = Growth::default();
        assert!(!g.note(0));
        assert!(g.note(5000));
        assert!(!g.note(4999));
        assert!(g.note(1));
        assert_eq!(
            g,
            Growth {
                since: 0,
                before: 10_000
            }
        );
    }
}
