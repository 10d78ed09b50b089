//! One dialect per kind: the provider's native list parameters → IR, rows →
//! the provider's response body. A new kind adds one file here and one arm in
//! [`super::dialect`].

pub mod modelarts_algorithms;
pub mod modelarts_training_jobs;
pub mod modzy_jobs;
pub mod swr_instance_jobs;
