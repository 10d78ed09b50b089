//! PAI-DLC job `Status` values: the normalized state of each, and which are final.
//! This table is the single place the mapping is written down (docs/pai-dlc-jobs.md
//! copies it).

use crate::state::State;

/// `(status, state, final)` for every documented job status.
pub const STATUSES: &[(&str, State, bool)] = &[
    ("Creating", State::Pending, false),
    ("Queuing", State::Pending, false),
    // Lingjun spot jobs bid for resources before they are queued.
    ("Bidding", State::Pending, false),
    ("EnvPreparing", State::Pending, false),
    ("SanityChecking", State::Pending, false),
    ("Running", State::Running, false),
    // A restart or a stop in progress: the job still holds (or re-acquires) its
    // resources and is not over.
    ("Restarting", State::Running, false),
    ("Stopping", State::Running, false),
    // The job's work is over (with that outcome) but its resources are still held
    // for `JobReservedMinutes`; it later becomes Succeeded / Failed, so it is NOT
    // final and stays polled.
    ("SucceededReserving", State::Succeeded, false),
    ("FailedReserving", State::Failed, false),
    ("Succeeded", State::Succeeded, true),
    ("Failed", State::Failed, true),
    ("Stopped", State::Stopped, true),
];

fn entry(status: &str) -> Option<&'static (&'static str, State, bool)> {
    STATUSES.iter().find(|e| e.0 == status)
}

/// The normalized state of a status (`unknown` for values the vendor does not list;
/// matching is exact, as the API spells them).
pub fn state_of(status: &str) -> State {
    entry(status).map(|e| e.1).unwrap_or(State::Unknown)
}

/// Whether a job in this status never changes again. Unlisted statuses are not
/// final, so such jobs keep being polled.
pub fn is_terminal(status: &str) -> bool {
    entry(status).is_some_and(|e| e.2)
}

/// The final statuses, as stored in the mirror.
pub fn terminal_statuses() -> Vec<String> {
    STATUSES
        .iter()
        .filter(|e| e.2)
        .map(|e| e.0.to_string())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mapping_covers_every_documented_status_once() {
        for (s, _, _) in STATUSES {
            assert_eq!(STATUSES.iter().filter(|e| e.0 == *s).count(), 1, "{s}");
        }
        assert_eq!(STATUSES.len(), 13);
        assert_eq!(state_of("Queuing"), State::Pending);
        assert_eq!(state_of("Stopping"), State::Running);
        assert_eq!(state_of("SucceededReserving"), State::Succeeded);
        assert_eq!(state_of("Stopped"), State::Stopped);
        assert_eq!(state_of("running"), State::Unknown, "exact spelling");
        assert_eq!(state_of("Hibernating"), State::Unknown);
        assert!(is_terminal("Failed") && !is_terminal("FailedReserving"));
        assert!(!is_terminal("Hibernating"));
        assert_eq!(terminal_statuses(), ["Succeeded", "Failed", "Stopped"]);
    }
}
