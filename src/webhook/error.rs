//! Errors of the webhook boundary.

use crate::store::StoreError;

/// A webhook failure that is not a receiver's answer (those are recorded as attempts).
#[derive(Debug, thiserror::Error)]
pub enum WebhookError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("webhooks.{endpoint}.secret: {reason}")]
    Secret { endpoint: String, reason: String },
    #[error("cannot build the webhook HTTP client: {0}")]
    Client(String),
    #[error("no webhook named {name:?}; configured: {known}")]
    UnknownEndpoint { name: String, known: String },
}
