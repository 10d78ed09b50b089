//! Modzy job history (`modzy-jobs`, seed 002): wire format (bare JSON array,
//! hyphenated parameter names, `ApiKey` authentication added by the client), the
//! two timestamp styles, the status table, and the incremental strategy (an
//! `updatedAt` watermark walk; a keyset sweep by `createdAt` for the reconcile).

mod status;
mod strategy;
pub mod time;
mod wire;

pub use status::{is_terminal, state_of, terminal_statuses, MISSING_STATUS, STATUSES};
pub use strategy::run_cycle;
pub use wire::{
    api_prefix, detail_request, list_request, parse_detail, parse_error, parse_list, Direction,
    HistoryParams, DETAIL_ONLY_FIELDS, LIST_FIELDS, TABLE,
};
