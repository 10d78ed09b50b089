//! SWR instance-job `status` values: the normalized state of each, which are
//! final, and which the list can be filtered by. This table is the single place
//! the mapping is written down (docs/swr-instance-jobs.md copies it).

use crate::state::State;

/// `(status, state, terminal)` for every documented value, in lifecycle order.
pub const STATUSES: &[(&str, State, bool)] = &[
    ("Creating", State::Pending, false),
    ("Initializing", State::Pending, false),
    ("Running", State::Running, false),
    ("Failed", State::Failed, true),
    ("Success", State::Succeeded, true),
];

/// The non-terminal statuses, in lifecycle order: one filtered list each per
/// cycle re-checks every unfinished job (a new job starts in one of them).
pub const NON_TERMINAL: [&str; 3] = ["Creating", "Initializing", "Running"];

fn entry(status: &str) -> Option<&'static (&'static str, State, bool)> {
    STATUSES.iter().find(|e| e.0 == status)
}

/// The normalized state (`unknown` for a value the provider does not document).
pub fn state_of(status: &str) -> State {
    entry(status).map(|e| e.1).unwrap_or(State::Unknown)
}

/// Whether a job in this status never changes again.
pub fn is_terminal(status: &str) -> bool {
    entry(status).is_some_and(|e| e.2)
}

/// Whether the list accepts this value in its `status` filter.
pub fn is_listable(status: &str) -> bool {
    entry(status).is_some()
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
        for s in ["Creating", "Initializing", "Running", "Failed", "Success"] {
            assert_eq!(STATUSES.iter().filter(|e| e.0 == s).count(), 1, "{s}");
        }
        assert_eq!(state_of("Running"), State::Running);
        assert_eq!(state_of("Success"), State::Succeeded);
        assert_eq!(state_of("Failed"), State::Failed);
        assert_eq!(state_of("Creating"), State::Pending);
        assert_eq!(
            state_of("running"),
            State::Unknown,
            "values are case-sensitive"
        );
        assert!(is_terminal("Failed") && is_terminal("Success") && !is_terminal("Running"));
        assert!(!is_terminal("Deleting"));
        assert_eq!(terminal_statuses(), vec!["Failed", "Success"]);
        for s in NON_TERMINAL {
            assert!(is_listable(s) && !is_terminal(s));
        }
    }
}
