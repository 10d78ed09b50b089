//! Modzy job statuses: the normalized state of each and which are final. This
//! table is the single place the mapping is written down (docs/modzy-jobs.md
//! copies it).

use crate::state::State;

/// What a job without a `status` is taken to be (the Python SDK fills it in).
pub const MISSING_STATUS: &str = "SUBMITTED";

/// `(status, state, terminal)` for every status the SDKs and docs name.
pub const STATUSES: &[(&str, State, bool)] = &[
    ("SUBMITTED", State::Pending, false),
    // An open job still accepts input chunks (Go SDK); it has not started.
    ("OPEN", State::Pending, false),
    ("IN_PROGRESS", State::Running, false),
    ("COMPLETED", State::Succeeded, true),
    ("CANCELED", State::Stopped, true),
    // The spelling of the vendor's own JSON schema (seed 002); same meaning.
    ("CANCELLED", State::Stopped, true),
    // The job ran out of time: it did not finish its work.
    ("TIMEDOUT", State::Failed, true),
];

fn entry(status: &str) -> Option<&'static (&'static str, State, bool)> {
    STATUSES.iter().find(|e| e.0 == status)
}

/// The normalized state of a status (`unknown` for statuses nobody documents).
pub fn state_of(status: &str) -> State {
    entry(status).map(|e| e.1).unwrap_or(State::Unknown)
}

/// Whether a job in this status has finished for good. Undocumented statuses are
/// not final.
pub fn is_terminal(status: &str) -> bool {
    entry(status).map(|e| e.2).unwrap_or(false)
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
    fn mapping_is_complete_and_consistent() {
        assert_eq!(state_of("SUBMITTED"), State::Pending);
        assert_eq!(state_of("OPEN"), State::Pending);
        assert_eq!(state_of("IN_PROGRESS"), State::Running);
        assert_eq!(state_of("COMPLETED"), State::Succeeded);
        assert_eq!(state_of("CANCELED"), State::Stopped);
        assert_eq!(state_of("TIMEDOUT"), State::Failed);
        assert_eq!(state_of("ERROR"), State::Unknown);
        assert_eq!(state_of(MISSING_STATUS), State::Pending);
        assert!(is_terminal("COMPLETED") && is_terminal("CANCELED") && is_terminal("TIMEDOUT"));
        assert!(!is_terminal("SUBMITTED") && !is_terminal("OPEN") && !is_terminal("IN_PROGRESS"));
        assert!(!is_terminal("WHATEVER"));
        assert_eq!(
            terminal_statuses(),
            ["COMPLETED", "CANCELED", "CANCELLED", "TIMEDOUT"]
        );
        for (i, e) in STATUSES.iter().enumerate() {
            assert!(STATUSES[i + 1..].iter().all(|o| o.0 != e.0), "{} once", e.0);
        }
    }
}
