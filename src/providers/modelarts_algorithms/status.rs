//! An algorithm has no lifecycle status, only `metadata.is_valid` (a boolean)
//! and `metadata.state` (a free string, empty in the vendor's sample). The
//! mirrored `status` is `valid` / `invalid` from `is_valid` (a flip is a status
//! change with its event); the normalized `state` is derived from both. This is
//! the single place the rule is written down (docs/modelarts-algorithms.md copies it).

use crate::state::State;

/// `status` of an algorithm whose `is_valid` is true.
pub const VALID: &str = "valid";
/// `status` of an algorithm whose `is_valid` is false.
pub const INVALID: &str = "invalid";
/// `status` when `is_valid` is missing, null or not a boolean.
pub const UNKNOWN: &str = "unknown";

/// `metadata.state` values (compared trimmed and case-insensitively) meaning the
/// algorithm is still being created or imported.
pub const IN_PROGRESS: &[&str] = &[
    "creating",
    "pending",
    "init",
    "initializing",
    "building",
    "importing",
    "uploading",
    "processing",
    "queuing",
    "waiting",
];

/// `metadata.state` values meaning creation failed.
pub const FAILED: &[&str] = &["failed", "error", "create_failed", "creation_failed"];

/// `is_valid` as the provider sends it: a JSON boolean (the SDK's type) or the
/// strings `"true"`/`"false"` (the documentation's type).
pub fn parse_is_valid(v: Option<&serde_json::Value>) -> Option<bool> {
    match v? {
        serde_json::Value::Bool(b) => Some(*b),
        serde_json::Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
            "true" => Some(true),
            "false" => Some(false),
            _ => None,
        },
        _ => None,
    }
}

/// The mirrored `status`.
pub fn status_of(is_valid: Option<bool>) -> &'static str {
    match is_valid {
        Some(true) => VALID,
        Some(false) => INVALID,
        None => UNKNOWN,
    }
}

/// The normalized state: `pending` while `state` says the algorithm is being
/// created, `failed` when `state` says creation failed, else `succeeded` if
/// valid and `failed` if invalid (`unknown` when `is_valid` is missing).
pub fn state_of(is_valid: Option<bool>, state: &str) -> State {
    let s = state.trim().to_ascii_lowercase();
    if IN_PROGRESS.contains(&s.as_str()) {
        return State::Pending;
    }
    if FAILED.contains(&s.as_str()) {
        return State::Failed;
    }
    match is_valid {
        Some(true) => State::Succeeded,
        Some(false) => State::Failed,
        None => State::Unknown,
    }
}

/// The statuses of the mirror (none is "unfinished": algorithms have no lifecycle).
pub fn final_statuses() -> Vec<String> {
    vec![VALID.to_string(), INVALID.to_string()]
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn rule() {
        assert_eq!(state_of(Some(true), ""), State::Succeeded);
        assert_eq!(state_of(Some(false), ""), State::Failed);
        assert_eq!(state_of(Some(false), " Creating "), State::Pending);
        assert_eq!(state_of(Some(true), "PENDING"), State::Pending);
        assert_eq!(state_of(Some(true), "failed"), State::Failed);
        assert_eq!(state_of(Some(true), "something new"), State::Succeeded);
        assert_eq!(state_of(None, ""), State::Unknown);
        assert_eq!(status_of(Some(true)), "valid");
        assert_eq!(status_of(Some(false)), "invalid");
        assert_eq!(status_of(None), "unknown");
        assert_eq!(parse_is_valid(Some(&json!(true))), Some(true));
        assert_eq!(parse_is_valid(Some(&json!("False"))), Some(false));
        assert_eq!(parse_is_valid(Some(&json!(null))), None);
        assert_eq!(parse_is_valid(Some(&json!(1))), None);
        assert_eq!(parse_is_valid(None), None);
    }
}
