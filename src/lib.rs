//! jobmirror keeps an exact, always-fresh SQLite mirror of the job lists of
//! several ML/cloud platform APIs and reports status changes.
//!
//! Architecture (data flows left to right):
//!
//! ```text
//! scheduler (cron per source) ─► collect (paging engine + provider strategy)
//!                                   │ one transaction per page
//!                                   ▼
//!                                store (SQLite) ─► query (IR → SQL, per-kind dialects)
//!                                   │                  ├─► CLI `query`
//!                                   │                  └─► HTTP (drop-in lists, /api/jobs)
//!                                   │ outbox rows, written in the page's transaction
//!                                   ▼
//!                                webhook dispatcher ─► signed POSTs to [webhooks.NAME]
//! ```
//!
//! - [`config`]: figment layering of `config.toml` and `JOBMIRROR_*`, validation, redaction.
//! - [`providers`]: one folder per kind: wire format, auth family, status table,
//!   incremental strategy. [`providers::Kind`] is the closed set of kinds.
//! - [`signing`]: Huawei `SDK-HMAC-SHA256` and Alibaba `ACS3-HMAC-SHA256` signers/verifiers.
//! - [`collect`]: the shared paging engine ([`collect::Cycle`]), retry/backoff, the
//!   per-source [`collect::SourceWorker`] with its `step`, and the daemon scheduler.
//! - [`store`]: every SQL statement: migrations, page upserts with status-change
//!   detection, deletions, the webhook outbox, `sync_runs`, `sync_state`.
//! - [`query`]: each provider's list semantics on the mirror: a provider-neutral
//!   IR compiled to SQL with bound values, one [`query::Dialect`] per kind
//!   (native parameters → IR or the provider's error; rows → the provider's body),
//!   and the unified `/api/jobs` list.
//! - [`http`]: the axum API served by `run` and `serve`: drop-in list endpoints,
//!   `/api/jobs`, `/healthz`, `/metrics`, with bearer or provider authentication.
//! - [`metrics`]: the Prometheus registry fed by the collector and the dispatcher.
//! - [`webhook`]: Standard Webhooks signing, the retry schedule, and the
//!   [`webhook::Dispatcher`] (a step for `sync`, a loop for `run`).
//! - [`sim`]: simulated providers on loopback for `demo`, tests and benchmarks.
//! - [`cli`]: the `jobmirror` commands; `main.rs` only calls [`cli::main`].

pub mod cli;
pub mod clock;
pub mod collect;
pub mod config;
pub mod http;
pub mod metrics;
pub mod providers;
pub mod query;
pub mod signing;
pub mod sim;
pub mod state;
pub mod store;
pub mod webhook;
