//! Integration tests: the real collector, store and binary against the simulated
//! providers over loopback, each test with its own SQLite file.

mod harness;
mod modelarts;
mod modzy;
mod process;
