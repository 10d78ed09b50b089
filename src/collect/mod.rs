//! The collector: the shared paging engine (retrying fetch, per-page commit,
//! forward and last-page-first paging), the per-source worker with its `step`,
//! and the daemon's scheduler.

mod client;
mod cycle;
mod error;
mod retry;
mod scheduler;
mod worker;

pub use client::{user_agent, ApiClient};
pub use cycle::{pages_for, Addressing, Cycle, Flow, Window};
pub use error::CollectError;
pub use retry::{retry_delay, Backoff};
pub use scheduler::{Schedule, SchedulerError};
pub use worker::{ModeRequest, SourceWorker, StepOutcome};
