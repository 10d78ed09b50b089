//! The query module: each provider's list semantics reimplemented on the
//! mirror, for `jobmirror query`, the drop-in HTTP endpoints and `/api/jobs`.
//!
//! - [`ir`]: the provider-neutral IR (filters, sort keys with an explicit
//!   tie-break, offset/limit or keyset window, deleted rows or not).
//! - [`sql`]: IR → SQL with `sqlx::QueryBuilder`, bound values only.
//! - [`exec`]: runs it on a read connection, choosing the cheapest exact count
//!   (trigger-kept count tables, the trigram index) and name-search strategy;
//!   [`packed`] reads back a page read as one result row.
//! - [`dialect`]: the [`Dialect`] trait; [`dialects`]: one file per kind.
//! - [`native`]: answering a native query on one source (with jobmirror's
//!   `include_deleted` extension), also streamed to the end (`--all`).
//! - [`jobs`]: the unified `/api/jobs` list with its keyset cursor.
//!
//! Adding a kind: write `dialects/<kind>.rs` (a static [`ir::Table`] for its
//! native table, a `Dialect` impl) and add its arm to [`dialect`]; the CLI and
//! the HTTP drop-in route (from [`Dialect::route`]) pick it up.

pub mod dialect;
pub mod dialects;
pub mod exec;
pub mod ir;
pub mod jobs;
pub mod native;
mod packed;
mod pg;
pub mod sql;

#[cfg(test)]
mod range_count_tests;
#[cfg(test)]
mod test_mirror;
#[cfg(test)]
mod tests;

pub use dialect::{Counts, Dialect, Facts, NativeError, Params, Request};
pub use ir::{Bound, Col, Direction, Filter, Nulls, Query, SortKey, Table};
pub use native::{
    answer, answer_all, answer_text, NativeAnswer, NativeText, Streamed, INCLUDE_DELETED,
};

use crate::providers::Kind;
use crate::store::StoreError;

/// Why a query could not be answered (not a provider error: those are answers).
#[derive(Debug, thiserror::Error)]
pub enum QueryError {
    #[error(transparent)]
    Ir(#[from] sql::IrError),
    #[error("database error: {0}")]
    Sql(#[from] sqlx::Error),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{0}")]
    Unsupported(String),
    #[error("cannot write the answer: {0}")]
    Io(#[from] std::io::Error),
}

/// The dialect of a kind (None for kinds without one yet).
pub fn dialect(kind: Kind) -> Option<&'static dyn Dialect> {
    Some(match kind {
        Kind::ModelartsTrainingJobs => &dialects::modelarts_training_jobs::ModelartsTrainingJobs,
        Kind::ModelartsAlgorithms => &dialects::modelarts_algorithms::ModelartsAlgorithms,
        Kind::SwrInstanceJobs => &dialects::swr_instance_jobs::SwrInstanceJobs,
        Kind::ModzyJobs => &dialects::modzy_jobs::ModzyJobs,
        Kind::PaiDlcJobs => &dialects::pai_dlc_jobs::PaiDlcJobs,
    })
}
