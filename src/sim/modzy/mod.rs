//! Simulated Modzy job history (`modzy-jobs`): `GET /api/jobs/history` (list, a
//! bare JSON array), `GET /api/jobs/{jobIdentifier}` (details), and the two routes
//! the official SDK probes when a client is built (`GET /api/models`,
//! `GET /api/models/requirements/account`), all behind `Authorization: ApiKey`.
//!
//! - [`world`]: the jobs ([`ModzyJob`], [`ModzyWorld`]), seeding and the demo's
//!   lifecycle steps; jobs write their timestamps in both of Modzy's offset styles.
//! - [`list`](mod@list): the list and detail semantics as pure functions
//!   ([`list::list`], [`list::detail`]); the rules the query module must reproduce
//!   are documented there.
//! - [`routes`]: the axum routes (auth, faults, shift mode, `Link` header).

pub mod list;
pub mod routes;
pub mod world;

#[cfg(test)]
mod http_tests;

pub use list::{detail, list, HistoryQuery, SortField};
pub use routes::router;
pub use world::{Change, JobSpec, ModzyJob, ModzyWorld};

use crate::sim::error::SimError;
use axum::http::StatusCode;
use serde_json::json;

/// The config `kind` of this API, used as the route label in [`Stats`](super::Stats).
pub const KIND: &str = "modzy-jobs";

/// The `reportErrorUrl` of every simulated error body.
pub const REPORT_ERROR_URL: &str = "https://support.modzy.com/hc/en-us/requests/new";

/// The API key the simulated Modzy account accepts.
#[derive(Clone)]
pub struct ModzySimConfig {
    /// The whole key (`<prefix>.<secret>`), as sent after `ApiKey `.
    pub api_key: String,
}

impl ModzySimConfig {
    /// Accepts `Authorization: ApiKey <api_key>`.
    pub fn new(api_key: impl Into<String>) -> Self {
        ModzySimConfig {
            api_key: api_key.into(),
        }
    }
}

impl std::fmt::Debug for ModzySimConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ModzySimConfig")
            .field("api_key", &"<redacted>")
            .finish()
    }
}

/// A Modzy error: `{"statusCode", "status", "message", "reportErrorUrl"}`, where
/// `status` is the HTTP reason in upper snake case (`BAD_REQUEST`).
pub fn modzy_error(status: StatusCode, message: impl Into<String>) -> SimError {
    let reason = status
        .canonical_reason()
        .unwrap_or("ERROR")
        .to_ascii_uppercase()
        .replace([' ', '-'], "_");
    SimError::new(
        status,
        json!({
            "statusCode": status.as_u16(),
            "status": reason,
            "message": message.into(),
            "reportErrorUrl": REPORT_ERROR_URL,
        }),
    )
}

/// The job statuses, as the simulator uses them.
pub mod status {
    /// Submitted, waiting to run.
    pub const SUBMITTED: &str = "SUBMITTED";
    /// Open: still accepting input chunks.
    pub const OPEN: &str = "OPEN";
    /// Running.
    pub const IN_PROGRESS: &str = "IN_PROGRESS";
    /// Done.
    pub const COMPLETED: &str = "COMPLETED";
    /// Cancelled by a user.
    pub const CANCELED: &str = "CANCELED";
    /// Ran out of time.
    pub const TIMEDOUT: &str = "TIMEDOUT";

    /// Whether the simulator treats `status` as final (it never leaves it).
    pub fn is_terminal(status: &str) -> bool {
        matches!(status, COMPLETED | CANCELED | TIMEDOUT)
    }
}
