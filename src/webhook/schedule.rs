//! When a failed delivery is tried again: the configured `[delivery]
//! retry_schedule` step for this try, ±20% jitter, a receiver's `Retry-After`
//! winning (capped at a day); past the last step the event is dead.

use std::time::Duration;

/// The longest `Retry-After` honoured; longer requests are clamped to it.
pub const MAX_RETRY_AFTER: Duration = Duration::from_secs(24 * 3600);

/// The delay before the next try after `attempts` failed tries (1 = the first
/// try failed), or None when the schedule is used up and the event is dead.
/// `jitter` is uniform in `[0, 1)` and scales the step by 0.8..1.2, except the
/// last step, which is only ever lengthened (1.0..1.2): the time an event is
/// given before it is declared dead is then at least 80% of the earlier steps
/// plus the whole last one (with the default schedule: more than 24 h).
/// `retry_after` (from a 429/503) replaces the step, capped at [`MAX_RETRY_AFTER`];
/// it never revives an event whose schedule is used up.
pub fn next_delay(
    attempts: u32,
    schedule: &[Duration],
    retry_after: Option<Duration>,
    jitter: f64,
) -> Option<Duration> {
    let index = usize::try_from(attempts.checked_sub(1)?).ok()?;
    let step = *schedule.get(index)?;
    if let Some(ra) = retry_after {
        return Some(ra.min(MAX_RETRY_AFTER));
    }
    let jitter = if jitter.is_finite() {
        jitter.clamp(0.0, 1.0)
    } else {
        0.5
    };
    let last = index + 1 == schedule.len();
    let factor = if last {
        1.0 + 0.2 * jitter
    } else {
        0.8 + 0.4 * jitter
    };
    Some(step.mul_f64(factor))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(secs: &[u64]) -> Vec<Duration> {
        secs.iter().map(|s| Duration::from_secs(*s)).collect()
    }

    #[test]
    fn follows_the_schedule_with_twenty_percent_jitter() {
        let sched = s(&[5, 60, 300]);
        assert_eq!(
            next_delay(1, &sched, None, 0.5),
            Some(Duration::from_secs(5))
        );
        assert_eq!(
            next_delay(1, &sched, None, 0.0),
            Some(Duration::from_secs(4))
        );
        assert_eq!(
            next_delay(1, &sched, None, 1.0),
            Some(Duration::from_secs(6))
        );
        assert_eq!(
            next_delay(2, &sched, None, 0.0),
            Some(Duration::from_secs(48))
        );
        assert_eq!(
            next_delay(3, &sched, None, 1.0),
            Some(Duration::from_secs(360))
        );
        assert_eq!(
            next_delay(2, &sched, None, f64::NAN),
            Some(Duration::from_secs(60))
        );
    }

    #[test]
    fn the_last_step_is_never_shortened_so_the_default_schedule_exceeds_a_day() {
        let sched = s(&[5, 60, 300]);
        assert_eq!(
            next_delay(3, &sched, None, 0.0),
            Some(Duration::from_secs(300))
        );
        assert_eq!(
            next_delay(3, &sched, None, 1.0),
            Some(Duration::from_secs(360))
        );
        let default: Vec<Duration> = ["5s", "1m", "5m", "30m", "2h", "5h", "10h", "10h"]
            .iter()
            .map(|d| humantime::parse_duration(d).unwrap())
            .collect();
        let shortest: Duration = (1..=default.len() as u32)
            .map(|n| next_delay(n, &default, None, 0.0).unwrap())
            .sum();
        assert!(shortest > Duration::from_secs(24 * 3600), "{shortest:?}");
    }

    #[test]
    fn past_the_last_step_is_dead() {
        let sched = s(&[5, 60]);
        assert_eq!(next_delay(3, &sched, None, 0.5), None);
        assert_eq!(
            next_delay(3, &sched, Some(Duration::from_secs(1)), 0.5),
            None
        );
        assert_eq!(next_delay(1, &[], None, 0.5), None);
        assert_eq!(
            next_delay(0, &sched, None, 0.5),
            None,
            "no failure, no retry"
        );
    }

    #[test]
    fn retry_after_wins_but_is_capped() {
        let sched = s(&[5, 60]);
        assert_eq!(
            next_delay(1, &sched, Some(Duration::from_secs(30)), 0.0),
            Some(Duration::from_secs(30))
        );
        assert_eq!(
            next_delay(2, &sched, Some(Duration::from_secs(1)), 1.0),
            Some(Duration::from_secs(1))
        );
        assert_eq!(
            next_delay(1, &sched, Some(Duration::from_secs(10 * 24 * 3600)), 0.0),
            Some(MAX_RETRY_AFTER)
        );
    }

    #[test]
    fn the_default_schedule_lasts_more_than_a_day() {
        let sched: Vec<Duration> = ["5s", "1m", "5m", "30m", "2h", "5h", "10h", "10h"]
            .iter()
            .map(|t| humantime::parse_duration(t).unwrap())
            .collect();
        let least: Duration = (1..=8)
            .map(|n| next_delay(n, &sched, None, 0.0).unwrap())
            .sum();
        assert!(least > Duration::from_secs(24 * 3600), "{least:?}");
        assert_eq!(next_delay(9, &sched, None, 0.0), None);
    }
}
