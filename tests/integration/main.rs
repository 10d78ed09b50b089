//! Integration tests: the real collector, store, dispatcher and binary against the
//! simulated providers and a webhook receiver over loopback, each test with its
//! own SQLite file; one module per area, in one test binary.

mod algorithms;
mod harness;
mod jobs_view;
mod modelarts;
mod modzy;
mod pai_dlc;
mod process;
mod swr;
mod webhooks;
