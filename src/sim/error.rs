//! `SimError`: a provider's error answer (HTTP status + JSON body in that provider's own
//! shape), returned by the pure list functions and rendered as-is over HTTP.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::Value;

/// An error exactly as the simulated provider would send it.
#[derive(Clone, Debug, PartialEq)]
pub struct SimError {
    /// HTTP status code.
    pub status: StatusCode,
    /// The JSON body, in the provider's error shape.
    pub body: Value,
}

impl SimError {
    /// An error with the given status and body.
    pub fn new(status: StatusCode, body: Value) -> Self {
        SimError { status, body }
    }
}

impl std::fmt::Display for SimError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} {}", self.status.as_u16(), self.body)
    }
}

impl std::error::Error for SimError {}

impl IntoResponse for SimError {
    fn into_response(self) -> Response {
        (self.status, Json(self.body)).into_response()
    }
}
