//! Simulated Huawei ModelArts algorithm API (`modelarts-algorithms`):
//! `GET /v2/{project_id}/algorithms` (`ListAlgorithms`) and
//! `GET /v2/{project_id}/algorithms/{algorithm_id}` (`ShowAlgorithmByUuid`).
//!
//! - [`world`]: the algorithms ([`Algorithm`], [`AlgorithmsWorld`]), seeding and
//!   the demo's steps; [`AlgorithmsWorld::update_time_sort`] switches the
//!   undocumented `sort_by=update_time` off.
//! - [`list`](mod@list): the list and detail semantics as pure functions, with
//!   the rules documented there.
//! - [`routes`]: the axum routes (auth, project check, faults, shift mode).

pub mod list;
pub mod routes;
pub mod world;

#[cfg(test)]
mod http_tests;

pub use list::{detail, list, ListQuery};
pub use routes::router;
pub use world::{Algorithm, AlgorithmsWorld, Change};

/// The config `kind` of this API, used as the route label in [`Stats`](super::Stats).
pub const KIND: &str = "modelarts-algorithms";

/// Project and credentials the simulated endpoint accepts: the same shape as
/// every simulated Huawei service (project id, AK/SK, optional IAM token).
pub type AlgorithmsSimConfig = super::ModelArtsSimConfig;
