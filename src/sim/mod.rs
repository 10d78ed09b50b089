//! Simulated cloud providers: a loopback HTTP server that answers the providers' own
//! list APIs from in-memory "worlds", with injectable faults, request statistics and a
//! controllable clock. Used by integration tests, `jobmirror demo` and benchmarks.
//!
//! # Layout
//!
//! Shared, kind-independent parts:
//! - [`server`]: [`SimConfig`], [`start`], [`SimHandle`]; composes the kinds' routers,
//!   answers unknown paths, counts requests.
//! - [`faults`]: [`Faults`] (one-shot queue, every-Nth rules, [`Shift`] mode) and the
//!   [`FaultShapes`] trait through which a kind renders its own error shapes.
//! - [`stats`]: [`Stats`] snapshots (requests per route, per status).
//! - [`auth`]: the generic per-request authentication hook ([`Authenticator`]).
//! - [`clock`]: [`Clock`] (system or manual) used by the worlds.
//! - [`util`]: helpers shared by the kinds (weighted picks, ASCII-folding substring).
//! - [`error`]: [`SimError`], a provider error answer (status + JSON body).
//! - [`huawei_gateway`]: Huawei API-gateway behaviour shared by the Huawei kinds
//!   (`APIGW.*` error bodies, AK/SK signature or `X-Auth-Token` check).
//!
//! One module per simulated API kind:
//! - [`modelarts_training`]: Huawei ModelArts v1 `GET /v1/{project_id}/training-jobs`.
//! - [`modelarts_algorithms`]: Huawei ModelArts `GET /v2/{project_id}/algorithms` (+ detail).
//! - [`swr`]: Huawei SWR `ListInstanceJobs` `GET /v2/{project_id}/jobs`.
//! - [`pai_dlc`]: Alibaba PAI-DLC `ListJobs` `GET /api/v1/jobs`.
//! - [`modzy`]: Modzy job history `GET /api/jobs/history` (+ job details, SDK probes).
//!
//! # Adding a kind
//!
//! Write `src/sim/<kind>.rs` (or a directory) with a world type, a pure list function
//! and a `router(shared, cfg) -> axum::Router`; in its handlers call
//! [`faults::intercept`] with the kind's [`FaultShapes`] before answering, and label
//! routes with [`stats::label`]. Then wire it in [`server`]: a config field, a world
//! field on the shared state, a handle accessor and one `merge` line.
//!
//! # Example
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use jobmirror::sim::{self, Fault, ModelArtsSimConfig, SimConfig};
//! let sim = sim::start(SimConfig {
//!     modelarts: Some(ModelArtsSimConfig::new("p1", "AK", "SK").with_token("tok")),
//!     ..SimConfig::default()
//! })
//! .await?;
//! sim.modelarts().seed(100, &mut rand::thread_rng());
//! sim.faults().push(Fault::TooManyRequests { retry_after_secs: Some(1) });
//! let before = sim.stats();
//! // ... run the client against sim.base_url() ...
//! let cost = sim.stats().since(&before);
//! println!("{} list requests", cost.list_requests(sim::modelarts_training::KIND));
//! sim.stop().await;
//! # Ok(()) }
//! ```

pub mod auth;
pub mod clock;
pub mod error;
pub mod faults;
pub mod huawei_gateway;
pub mod modelarts_algorithms;
pub mod modelarts_training;
pub mod modzy;
pub mod pai_dlc;
pub mod server;
pub mod stats;
pub mod swr;
pub mod util;

pub use auth::Authenticator;
pub use clock::{Clock, ManualClock};
pub use error::SimError;
pub use faults::{Fault, FaultShapes, Faults, Shift, ShiftEvent};
pub use modelarts_algorithms::{Algorithm, AlgorithmsSimConfig, AlgorithmsWorld};
pub use modelarts_training::{ModelArtsSimConfig, ModelArtsWorld, TrainingJob};
pub use modzy::{ModzyJob, ModzySimConfig, ModzyWorld};
pub use pai_dlc::{PaiDlcSimConfig, PaiWorld};
pub use server::{start, SimConfig, SimHandle};
pub use stats::{RouteLabel, RouteOp, Stats};
pub use swr::{SwrJob, SwrSimConfig, SwrWorld};

use std::sync::{Mutex, MutexGuard};

/// Locks a simulator mutex, recovering the data if a panicking thread poisoned it:
/// the worlds hold plain data, so a half-finished test must not wedge the server.
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}
