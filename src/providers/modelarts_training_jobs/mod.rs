//! Huawei ModelArts v1 training jobs (`modelarts-training-jobs`, seed 000):
//! wire format, status table, and the incremental strategy.

mod status;
mod strategy;
mod wire;

pub use status::{is_terminal, state_of, terminal_codes, STATUSES};
pub use strategy::run_cycle;
pub use wire::{
    detail_request, list_request, parse_detail, parse_list, parse_list_with_meta, ListParams,
    Order, LIST_META_FIELDS, TABLE,
};
