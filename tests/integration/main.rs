//! Integration tests: the real collector, store and binary against the simulated
//! providers over loopback, each test with its own SQLite file.

mod algorithms;
mod harness;
mod modelarts;
mod process;
mod swr;
