//! Retry timing as pure functions: capped exponential backoff with equal jitter,
//! overridden by the provider's own Retry-After (itself capped).

use std::time::Duration;

/// Backoff settings of one source.
#[derive(Debug, Clone, Copy)]
pub struct Backoff {
    /// Delay before the first retry (before jitter).
    pub base: Duration,
    /// Largest computed delay.
    pub cap: Duration,
    /// Largest Retry-After honoured (longer requests are clamped to this).
    pub max_retry_after: Duration,
}

impl Default for Backoff {
    fn default() -> Self {
        Backoff {
            base: Duration::from_millis(500),
            cap: Duration::from_secs(30),
            max_retry_after: Duration::from_secs(300),
        }
    }
}

/// The delay before retry number `attempt` (0 = first retry). `jitter` is a
/// uniform random number in `[0, 1)`: the delay is between half and all of the
/// exponential step. A provider's `retry_after` wins (clamped to
/// `max_retry_after`), so a throttled client never comes back early.
pub fn retry_delay(
    b: &Backoff,
    attempt: u32,
    retry_after: Option<Duration>,
    jitter: f64,
) -> Duration {
    if let Some(ra) = retry_after {
        return ra.min(b.max_retry_after);
    }
    let factor = 2u32.saturating_pow(attempt.min(20));
    let step = b.base.saturating_mul(factor).min(b.cap);
    let jitter = jitter.clamp(0.0, 1.0);
    step / 2 + step.mul_f64(jitter / 2.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grows_exponentially_with_jitter_and_cap() {
        let b = Backoff::default();
        assert_eq!(retry_delay(&b, 0, None, 0.0), Duration::from_millis(250));
        assert_eq!(retry_delay(&b, 0, None, 1.0), Duration::from_millis(500));
        assert_eq!(retry_delay(&b, 3, None, 1.0), Duration::from_secs(4));
        assert_eq!(retry_delay(&b, 30, None, 1.0), Duration::from_secs(30));
        assert_eq!(retry_delay(&b, 30, None, 0.0), Duration::from_secs(15));
    }

    #[test]
    fn retry_after_wins_but_is_capped() {
        let b = Backoff::default();
        assert_eq!(
            retry_delay(&b, 5, Some(Duration::from_secs(2)), 0.9),
            Duration::from_secs(2)
        );
        assert_eq!(
            retry_delay(&b, 0, Some(Duration::from_secs(3600)), 0.0),
            Duration::from_secs(300)
        );
    }
}
