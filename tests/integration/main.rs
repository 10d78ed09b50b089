//! Integration tests: the real collector, store, dispatcher and binary against the
//! simulated providers and a webhook receiver over loopback, each test with its
//! own SQLite file; one module per area, in one test binary.

mod algorithms;
mod harness;
mod http;
mod jobs_view;
mod modelarts;
mod modzy;
mod pai_dlc;
mod process;
mod query_agreement;
mod query_agreement_kinds;
mod query_cli;
mod replicas;
mod swr;
mod webhooks;
