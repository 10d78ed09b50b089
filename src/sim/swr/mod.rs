//! Simulated Huawei SWR Enterprise Edition instance-job API (`swr-instance-jobs`,
//! `ListInstanceJobs`): `GET /v2/{project_id}/jobs`.
//!
//! - [`world`]: the jobs ([`SwrJob`], [`SwrWorld`]), seeding and the demo's
//!   lifecycle steps.
//! - [`list`](mod@list): the list semantics as a pure function ([`list::list`]),
//!   with the order and parameter rules documented there.
//! - [`routes`]: the axum route (auth, project check, faults, shift mode).

pub mod list;
pub mod routes;
pub mod world;

#[cfg(test)]
mod http_tests;

pub use list::{list, ListQuery};
pub use routes::router;
pub use world::{Change, SwrJob, SwrWorld};

/// The config `kind` of this API, used as the route label in [`Stats`](super::Stats).
pub const KIND: &str = "swr-instance-jobs";

/// Project and credentials the simulated SWR endpoint accepts: the same shape
/// as every simulated Huawei service (project id, AK/SK, optional IAM token).
pub type SwrSimConfig = super::ModelArtsSimConfig;
