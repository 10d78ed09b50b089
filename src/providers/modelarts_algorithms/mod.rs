//! Huawei ModelArts algorithms (`modelarts-algorithms`, seed 003, `ListAlgorithms`:
//! `GET /v2/{project_id}/algorithms`): wire format, the valid/invalid status and
//! state rule, and the incremental strategy.

mod status;
mod strategy;
mod wire;

pub use status::{
    final_statuses, parse_is_valid, state_of, status_of, FAILED, INVALID, IN_PROGRESS, UNKNOWN,
    VALID,
};
pub use strategy::{run_cycle, MAX_CONFIRM};
pub use wire::{
    detail_request, list_request, parse_detail, parse_list, record, ListParams, Order, SortBy,
    MAX_LIMIT, TABLE,
};
