//! Provider adapters, one folder per kind: wire types, request building, response
//! and error parsing, native status → normalized state, and the kind's incremental
//! strategy built on the shared paging engine (`crate::collect`).

mod api;
mod huawei_error;
mod kind;
pub mod modelarts_algorithms;
pub mod modelarts_training_jobs;
pub mod modzy_jobs;
pub mod pai_dlc_jobs;
pub mod swr_instance_jobs;

pub use api::{
    retry_after_header, ApiRequest, ListPage, ProviderError, RawResponse, ResponseError,
};
pub use kind::{AuthFamily, Kind};

use crate::store::TableSpec;

/// The native table description of a kind.
pub fn table_spec(kind: Kind) -> &'static TableSpec {
    match kind {
        Kind::ModelartsTrainingJobs => &modelarts_training_jobs::TABLE,
        Kind::ModelartsAlgorithms => &modelarts_algorithms::TABLE,
        Kind::SwrInstanceJobs => &swr_instance_jobs::TABLE,
        Kind::PaiDlcJobs => &pai_dlc_jobs::TABLE,
        Kind::ModzyJobs => &modzy_jobs::TABLE,
    }
}

/// The native statuses after which a job of `kind` never changes again (as text).
pub fn finished_statuses(kind: Kind) -> Vec<String> {
    match kind {
        Kind::ModelartsTrainingJobs => modelarts_training_jobs::terminal_codes(),
        Kind::ModelartsAlgorithms => modelarts_algorithms::final_statuses(),
        Kind::SwrInstanceJobs => swr_instance_jobs::terminal_statuses(),
        Kind::PaiDlcJobs => pai_dlc_jobs::terminal_statuses(),
        Kind::ModzyJobs => modzy_jobs::terminal_statuses(),
    }
}
