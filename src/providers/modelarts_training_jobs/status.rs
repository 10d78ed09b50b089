//! ModelArts v1 `JOBSTAT_*` codes: their names, the normalized state of each, and
//! which are final. This table is the single place the mapping is written down
//! (README "State mapping" copies it).

use crate::state::State;

/// `(code, name, state, terminal)` for every documented code.
pub const STATUSES: &[(i64, &str, State, bool)] = &[
    (0, "JOBSTAT_UNKNOWN", State::Unknown, false),
    (1, "JOBSTAT_INIT", State::Pending, false),
    (2, "JOBSTAT_IMAGE_CREATING", State::Pending, false),
    (3, "JOBSTAT_IMAGE_FAILED", State::Failed, true),
    (4, "JOBSTAT_SUBMIT_TRYING", State::Pending, false),
    (5, "JOBSTAT_SUBMIT_FAILED", State::Failed, true),
    // The vendor lists 6 among "failed" statuses, but a deletion may be retried:
    // it stays polled.
    (6, "JOBSTAT_DELETE_FAILED", State::Failed, false),
    (7, "JOBSTAT_WAITING", State::Pending, false),
    (8, "JOBSTAT_RUNNING", State::Running, false),
    (9, "JOBSTAT_KILLING", State::Running, false),
    (10, "JOBSTAT_COMPLETED", State::Succeeded, true),
    (11, "JOBSTAT_FAILED", State::Failed, true),
    (12, "JOBSTAT_KILLED", State::Stopped, true),
    // The vendor's own example of failed statuses is 3, 5, 6 and 13.
    (13, "JOBSTAT_CANCELED", State::Failed, true),
    (14, "JOBSTAT_LOST", State::Failed, true),
    (15, "JOBSTAT_SCALING", State::Running, false),
    (16, "JOBSTAT_SUBMIT_MODEL_FAILED", State::Failed, true),
    (17, "JOBSTAT_DEPLOY_SERVICE_FAILED", State::Failed, true),
    (18, "JOBSTAT_CHECK_INIT", State::Pending, false),
    (19, "JOBSTAT_CHECK_RUNNING", State::Running, false),
    (20, "JOBSTAT_CHECK_RUNNING_COMPLETED", State::Running, false),
    (21, "JOBSTAT_CHECK_FAILED", State::Failed, true),
];

fn entry(code: i64) -> Option<&'static (i64, &'static str, State, bool)> {
    STATUSES.iter().find(|e| e.0 == code)
}

/// The normalized state of a code (`unknown` for codes the vendor does not list).
pub fn state_of(code: i64) -> State {
    entry(code).map(|e| e.2).unwrap_or(State::Unknown)
}

/// Whether a job with this code has finished for good. Unlisted codes are not
/// final, so such jobs keep being polled.
pub fn is_terminal(code: i64) -> bool {
    entry(code).map(|e| e.3).unwrap_or(false)
}

/// The final codes, as the text stored in the mirror.
pub fn terminal_codes() -> Vec<String> {
    STATUSES
        .iter()
        .filter(|e| e.3)
        .map(|e| e.0.to_string())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mapping_covers_every_documented_code_once() {
        for code in 0..=21 {
            assert_eq!(STATUSES.iter().filter(|e| e.0 == code).count(), 1, "{code}");
        }
        assert_eq!(state_of(8), State::Running);
        assert_eq!(state_of(10), State::Succeeded);
        assert_eq!(state_of(12), State::Stopped);
        assert_eq!(state_of(99), State::Unknown);
        assert!(is_terminal(11) && !is_terminal(8) && !is_terminal(99));
        assert_eq!(terminal_codes().len(), 10);
    }
}
