//! Webhook delivery: Standard Webhooks signing ([`sign`]), the retry schedule
//! ([`schedule`]), one signed POST and its answer ([`send`]), and the
//! [`Dispatcher`] that drains the outbox the store fills inside each change's
//! transaction: concurrent across endpoints, in order per job and endpoint,
//! retried with backoff until delivered or dead.

mod dispatcher;
mod error;
pub mod schedule;
mod send;
pub mod sign;

pub use dispatcher::{DeliveryOutcome, Dispatcher, TestDelivery};
pub use error::WebhookError;
pub use send::{Answer, MAX_STORED_BODY};
pub use sign::{SignError, SigningKey};
