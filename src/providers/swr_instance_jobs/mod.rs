//! Huawei SWR Enterprise Edition instance jobs (`swr-instance-jobs`, seed 004,
//! `ListInstanceJobs`: `GET /v2/{project_id}/jobs` on the `swr-api` host): wire
//! format, status table, anchored sweep, and the incremental strategy.

mod status;
mod strategy;
pub mod sweep;
mod wire;

pub use status::{is_listable, is_terminal, state_of, terminal_statuses, NON_TERMINAL, STATUSES};
pub use strategy::run_cycle;
pub use wire::{list_request, parse_list, record, MAX_LIMIT, TABLE};
