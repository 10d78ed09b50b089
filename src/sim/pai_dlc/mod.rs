//! Simulated Alibaba PAI-DLC `ListJobs` API (`pai-dlc-jobs`, version 2020-12-03):
//! `GET /api/v1/jobs`.
//!
//! - [`world`]: the jobs ([`PaiJob`], [`PaiWorld`]), seeding and the demo's
//!   lifecycle steps.
//! - [`list`](mod@list): the list semantics as a pure function ([`list::list`]); the
//!   filter, sort and tie-break rules are documented there and must be reproduced
//!   by the query module.
//! - [`gateway`]: Alibaba request authentication (ACS3 and ROA v2, STS tokens) and
//!   error bodies.
//! - [`routes`]: the axum route (auth, faults, shift mode).

pub mod gateway;
pub mod list;
pub mod routes;
pub mod world;

#[cfg(test)]
mod http_tests;

pub use gateway::Credential;
pub use list::{list, ListQuery, SortBy};
pub use routes::router;
pub use world::{Change, NewJob, PaiJob, PaiWorld};

/// The config `kind` of this API, used as the route label in [`Stats`](super::Stats).
pub const KIND: &str = "pai-dlc-jobs";

/// The credentials the simulated PAI-DLC endpoint accepts.
#[derive(Clone, Debug)]
pub struct PaiDlcSimConfig {
    pub credentials: Vec<Credential>,
}

impl PaiDlcSimConfig {
    /// One permanent AccessKey pair.
    pub fn new(access_key: impl Into<String>, secret_key: impl Into<String>) -> Self {
        PaiDlcSimConfig {
            credentials: vec![Credential {
                access_key: access_key.into(),
                secret_key: secret_key.into(),
                security_token: None,
            }],
        }
    }

    /// Also accept an STS credential: its AccessKey pair plus its security token.
    pub fn with_sts(
        mut self,
        access_key: impl Into<String>,
        secret_key: impl Into<String>,
        security_token: impl Into<String>,
    ) -> Self {
        self.credentials.push(Credential {
            access_key: access_key.into(),
            secret_key: secret_key.into(),
            security_token: Some(security_token.into()),
        });
        self
    }
}

/// The job `Status` values, as documented.
pub mod status {
    /// Every documented status.
    pub const ALL: [&str; 13] = [
        "Creating",
        "Queuing",
        "Bidding",
        "EnvPreparing",
        "SanityChecking",
        "Running",
        "Restarting",
        "Stopping",
        "SucceededReserving",
        "FailedReserving",
        "Succeeded",
        "Failed",
        "Stopped",
    ];

    /// Whether the simulator never moves a job out of `status` on its own.
    pub fn is_terminal(status: &str) -> bool {
        matches!(status, "Succeeded" | "Failed" | "Stopped")
    }
}
