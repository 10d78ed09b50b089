//! Alibaba PAI-DLC jobs (`pai-dlc-jobs`, seed 001, `ListJobs` version 2020-12-03):
//! wire format, status table, and the incremental strategy.

mod status;
mod strategy;
mod wire;

pub use status::{is_terminal, state_of, terminal_statuses, STATUSES};
pub use strategy::{run_cycle, DEFAULT_HISTORY_START};
pub use wire::{
    format_time, list_request, parse_error, parse_list, parse_time, ListParams, ACTION, PATH,
    TABLE, TIME_FORMAT, VERSION,
};
