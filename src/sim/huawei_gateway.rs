//! Huawei Cloud API-gateway behaviour shared by the simulated Huawei kinds: the `APIGW.*`
//! error bodies (`error_code` + `error_msg`) and the per-request AK/SK
//! (`SDK-HMAC-SHA256`) or `X-Auth-Token` authentication.

use super::auth::Authenticator;
use crate::signing::huawei;
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::Utc;
use serde_json::json;

/// Clock skew tolerated between the `X-Sdk-Date` of a signed request and the server.
pub const MAX_SKEW: chrono::Duration = chrono::Duration::minutes(15);

/// An API-gateway error: `{"error_code": code, "error_msg": msg}` with `status`.
pub fn apigw_error(status: StatusCode, code: &str, msg: &str) -> Response {
    (
        status,
        Json(json!({ "error_code": code, "error_msg": msg })),
    )
        .into_response()
}

/// 404 `APIGW.0101`: no such API (unknown path, method or project id).
pub fn api_not_found() -> Response {
    apigw_error(
        StatusCode::NOT_FOUND,
        "APIGW.0101",
        "The API does not exist or has not been published in the environment",
    )
}

/// 401 `APIGW.0301`: the IAM authentication failed, for `reason`.
pub fn unauthorized(reason: &str) -> Response {
    apigw_error(
        StatusCode::UNAUTHORIZED,
        "APIGW.0301",
        &format!("Incorrect IAM authentication information: {reason}"),
    )
}

/// 429 `APIGW.0308`: throttled, with `Retry-After` when given.
pub fn throttled(retry_after_secs: Option<u64>) -> Response {
    super::faults::with_retry_after(
        apigw_error(
            StatusCode::TOO_MANY_REQUESTS,
            "APIGW.0308",
            "The request is throttled",
        ),
        retry_after_secs,
    )
}

/// Credentials a simulated Huawei service accepts.
#[derive(Clone)]
pub struct HuaweiAuth {
    /// Access key id (`Access=` in the Authorization header).
    pub access_key: String,
    /// Secret key the signature is checked with.
    pub secret_key: String,
    /// IAM token accepted in `X-Auth-Token`, if any.
    pub token: Option<String>,
}

impl std::fmt::Debug for HuaweiAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HuaweiAuth")
            .field("access_key", &self.access_key)
            .field("secret_key", &"<redacted>")
            .field("token", &self.token.as_ref().map(|_| "<redacted>"))
            .finish()
    }
}

impl Authenticator for HuaweiAuth {
    /// `X-Auth-Token` (when present) must equal the configured token; otherwise the
    /// request must carry a valid `SDK-HMAC-SHA256` signature by the configured AK/SK,
    /// dated within [`MAX_SKEW`] of the wall clock.
    fn check(&self, parts: &Parts, body: &[u8]) -> Result<(), Box<Response>> {
        let reason = if let Some(given) = parts.headers.get("x-auth-token") {
            match &self.token {
                Some(token) if given.as_bytes() == token.as_bytes() => return Ok(()),
                Some(_) => "the token is invalid".to_string(),
                None => "token authentication is not enabled for this project".to_string(),
            }
        } else if !parts.headers.contains_key("authorization") {
            "no Authorization or X-Auth-Token header".to_string()
        } else {
            match verify_huawei_signature(parts, body, &self.access_key, &self.secret_key) {
                Ok(()) => return Ok(()),
                Err(reason) => reason,
            }
        };
        Err(Box::new(unauthorized(&reason)))
    }
}

/// Checks the request's `SDK-HMAC-SHA256` signature with the project's AK/SK (dated
/// within [`MAX_SKEW`] of the wall clock), using the shared verifier.
fn verify_huawei_signature(
    parts: &Parts,
    body: &[u8],
    access_key: &str,
    secret_key: &str,
) -> Result<(), String> {
    huawei::verify(
        parts.method.as_str(),
        parts.uri.path(),
        parts.uri.query(),
        &parts.headers,
        body,
        |ak| (ak == access_key).then(|| secret_key.to_string()),
        Utc::now(),
        MAX_SKEW,
    )
    .map(|_| ())
    .map_err(|e| e.to_string())
}
