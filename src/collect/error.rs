//! Errors of a sync cycle, with an exhaustive `is_retryable()` that the retry
//! loop and the scheduler rely on.

use std::time::Duration;

use crate::providers::{ProviderError, ResponseError};
use crate::store::StoreError;

#[derive(Debug, thiserror::Error)]
pub enum CollectError {
    /// The provider answered, but with an error or an undocumented shape.
    #[error("{0}")]
    Response(#[from] ResponseError),
    /// The request did not complete (connection refused/reset, body cut off).
    #[error("request failed: {0}")]
    Transport(String),
    /// No complete answer within the source's `timeout`.
    #[error("no answer within {0:?}")]
    Timeout(Duration),
    /// Retries ran out; the last error is kept.
    #[error("gave up after {attempts} attempts; last error: {last}")]
    Exhausted {
        attempts: u32,
        last: Box<CollectError>,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The cycle was asked to stop (SIGTERM/SIGINT); committed pages stay.
    #[error("cancelled")]
    Cancelled,
    /// The source's configuration cannot be used (e.g. a kind this build lacks).
    #[error("{0}")]
    Config(String),
}

impl CollectError {
    /// Whether the same request may succeed if tried again.
    pub fn is_retryable(&self) -> bool {
        match self {
            CollectError::Response(e) => e.is_retryable(),
            CollectError::Transport(_) | CollectError::Timeout(_) => true,
            CollectError::Exhausted { .. }
            | CollectError::Store(_)
            | CollectError::Cancelled
            | CollectError::Config(_) => false,
        }
    }

    /// The delay the provider asked for, if any.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            CollectError::Response(ResponseError::Provider(ProviderError {
                retry_after, ..
            })) => *retry_after,
            _ => None,
        }
    }
}
