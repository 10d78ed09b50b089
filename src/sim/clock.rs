//! The simulator's notion of "now": the system clock, or a manual clock that tests set
//! and advance, so job timestamps and durations are deterministic.

use chrono::{DateTime, Duration, Utc};
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

/// Where the simulated worlds read the current time from.
///
/// Request authentication (signature skew) always uses the real wall clock, because the
/// client under test signs with it; the `Clock` only drives the worlds' timestamps.
#[derive(Clone, Debug, Default)]
pub enum Clock {
    /// `Utc::now()`.
    #[default]
    System,
    /// A clock that only moves when told to; clones share the same time.
    Manual(ManualClock),
}

impl Clock {
    /// A manual clock starting at `start`, plus its handle (the same clock).
    pub fn manual(start: DateTime<Utc>) -> (Clock, ManualClock) {
        let m = ManualClock::new(start);
        (Clock::Manual(m.clone()), m)
    }

    /// The current time.
    pub fn now(&self) -> DateTime<Utc> {
        match self {
            Clock::System => Utc::now(),
            Clock::Manual(m) => m.now(),
        }
    }

    /// The current time in epoch milliseconds.
    pub fn now_ms(&self) -> i64 {
        match self {
            Clock::System => Utc::now().timestamp_millis(),
            Clock::Manual(m) => m.now_ms(),
        }
    }
}

/// A shared, settable clock with millisecond resolution.
#[derive(Clone, Debug)]
pub struct ManualClock(Arc<AtomicI64>);

impl ManualClock {
    /// A clock showing `start` (truncated to milliseconds).
    pub fn new(start: DateTime<Utc>) -> Self {
        ManualClock(Arc::new(AtomicI64::new(start.timestamp_millis())))
    }

    /// The current time in epoch milliseconds.
    pub fn now_ms(&self) -> i64 {
        self.0.load(Ordering::SeqCst)
    }

    /// The current time.
    pub fn now(&self) -> DateTime<Utc> {
        DateTime::from_timestamp_millis(self.now_ms()).unwrap_or_default()
    }

    /// Moves the clock forward (or backward, for a negative `by`).
    pub fn advance(&self, by: Duration) {
        self.0.fetch_add(by.num_milliseconds(), Ordering::SeqCst);
    }

    /// Sets the clock to `to`.
    pub fn set(&self, to: DateTime<Utc>) {
        self.0.store(to.timestamp_millis(), Ordering::SeqCst);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manual_clock_moves_only_when_told() {
        let start = DateTime::from_timestamp_millis(1_700_000_000_123).unwrap();
        let (clock, handle) = Clock::manual(start);
        assert_eq!(clock.now(), start);
        handle.advance(Duration::seconds(90));
        assert_eq!(clock.now_ms(), 1_700_000_090_123);
        handle.set(start);
        assert_eq!(clock.now_ms(), 1_700_000_000_123);
    }

    #[test]
    fn system_clock_is_close_to_now() {
        let d = Clock::System.now_ms() - Utc::now().timestamp_millis();
        assert!(d.abs() < 1_000);
    }
}
