//! Alibaba Cloud API-gateway behaviour of the simulated PAI-DLC endpoint: request
//! authentication (`ACS3-HMAC-SHA256`, and legacy ROA v2 `HMAC-SHA1`), STS security
//! tokens, nonce replay, the action/version headers, and the gateway's error bodies.

use super::list::alibaba_error;
use crate::signing::{alibaba, AuthError};
use crate::sim::auth::Authenticator;
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use std::collections::HashSet;
use std::sync::Mutex;

/// Clock skew tolerated between a request's date and the server (Alibaba: 15 min).
pub const MAX_SKEW: chrono::Duration = chrono::Duration::minutes(15);
/// The action and version of the simulated API.
pub const ACTION: &str = "ListJobs";
pub const VERSION: &str = "2020-12-03";
/// Nonces remembered for replay detection (the set is cleared when full).
const NONCE_MEMORY: usize = 200_000;

/// One AccessKey pair the endpoint accepts; with `security_token` it is an STS
/// credential and requests must carry that token in `x-acs-security-token`.
#[derive(Clone)]
pub struct Credential {
    pub access_key: String,
    pub secret_key: String,
    pub security_token: Option<String>,
}

impl std::fmt::Debug for Credential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credential")
            .field("access_key", &self.access_key)
            .field("secret_key", &"<redacted>")
            .field(
                "security_token",
                &self.security_token.as_ref().map(|_| "<redacted>"),
            )
            .finish()
    }
}

/// The gateway's check of every request.
#[derive(Debug)]
pub struct AlibabaAuth {
    pub credentials: Vec<Credential>,
    nonces: Mutex<HashSet<String>>,
}

impl AlibabaAuth {
    pub fn new(credentials: Vec<Credential>) -> Self {
        AlibabaAuth {
            credentials,
            nonces: Mutex::new(HashSet::new()),
        }
    }

    fn credential(&self, ak: &str) -> Option<&Credential> {
        self.credentials.iter().find(|c| c.access_key == ak)
    }
}

fn reject(status: StatusCode, code: &str, message: impl Into<String>) -> Box<Response> {
    Box::new(alibaba_error(status, code, message).into_response())
}

/// The gateway's answer to a failed signature check.
fn auth_error(e: &AuthError) -> Box<Response> {
    match e {
        AuthError::UnknownAccessKey(_) => reject(
            StatusCode::NOT_FOUND,
            "InvalidAccessKeyId.NotFound",
            "Specified access key is not found.",
        ),
        AuthError::ClockSkew { .. } | AuthError::InvalidDate(_) => reject(
            StatusCode::BAD_REQUEST,
            "InvalidTimeStamp.Expired",
            format!("Specified time stamp or date value is expired: {e}."),
        ),
        AuthError::SignatureMismatch | AuthError::ContentHashMismatch => reject(
            StatusCode::BAD_REQUEST,
            "SignatureDoesNotMatch",
            "Specified signature does not match our calculation.",
        ),
        AuthError::MissingHeader(_)
        | AuthError::InvalidHeaderValue(_)
        | AuthError::DuplicateHeader(_)
        | AuthError::MalformedAuthorization(_)
        | AuthError::HeaderNotSigned(_) => reject(
            StatusCode::BAD_REQUEST,
            "IncompleteSignature",
            format!("The request signature does not conform to Aliyun standards: {e}."),
        ),
    }
}

fn header<'a>(parts: &'a Parts, name: &str) -> Option<&'a str> {
    parts.headers.get(name).and_then(|v| v.to_str().ok())
}

impl Authenticator for AlibabaAuth {
    /// ACS3 (`Authorization: ACS3-HMAC-SHA256 ...`) or ROA v2 (`acs AK:sig`) by a known
    /// AccessKey, dated within [`MAX_SKEW`], with a fresh nonce, the STS token its
    /// credential requires (and none otherwise), and `x-acs-action`/`x-acs-version`
    /// naming this API when sent (ACS3 must send both).
    fn check(&self, parts: &Parts, body: &[u8]) -> Result<(), Box<Response>> {
        let Some(authorization) = header(parts, "authorization") else {
            return Err(reject(
                StatusCode::BAD_REQUEST,
                "MissingAuthorization",
                "Authorization is mandatory for this action.",
            ));
        };
        let acs3 = authorization.starts_with(alibaba::ACS3_ALGORITHM);
        let lookup = |ak: &str| self.credential(ak).map(|c| c.secret_key.clone());
        let path = parts.uri.path();
        let query = parts.uri.query();
        let method = parts.method.as_str();
        let verified = if acs3 {
            alibaba::verify_acs3(
                method,
                path,
                query,
                &parts.headers,
                body,
                lookup,
                Utc::now(),
                MAX_SKEW,
            )
        } else {
            alibaba::verify_roa_v2(
                method,
                path,
                query,
                &parts.headers,
                lookup,
                Utc::now(),
                MAX_SKEW,
            )
        }
        .map_err(|e| auth_error(&e))?;

        match (header(parts, "x-acs-action"), acs3) {
            (Some(a), _) if a != ACTION => {
                return Err(reject(
                    StatusCode::NOT_FOUND,
                    "InvalidAction.NotFound",
                    format!("Specified api {a} is not found, please check your url and method."),
                ))
            }
            (None, true) => {
                return Err(reject(
                    StatusCode::BAD_REQUEST,
                    "MissingParameter",
                    "x-acs-action is mandatory for this action.",
                ))
            }
            _ => {}
        }
        match (header(parts, "x-acs-version"), acs3) {
            (Some(v), _) if v != VERSION => {
                return Err(reject(
                    StatusCode::BAD_REQUEST,
                    "InvalidVersion",
                    format!("Specified parameter Version {v} is not valid."),
                ))
            }
            (None, true) => {
                return Err(reject(
                    StatusCode::BAD_REQUEST,
                    "MissingParameter",
                    "x-acs-version is mandatory for this action.",
                ))
            }
            _ => {}
        }

        let wanted = self
            .credential(&verified.access_key_id)
            .and_then(|c| c.security_token.as_deref());
        match (wanted, verified.security_token.as_deref()) {
            (None, None) => {}
            (Some(w), Some(got)) if w == got => {}
            (Some(_), None) => {
                return Err(reject(
                    StatusCode::BAD_REQUEST,
                    "MissingSecurityToken",
                    "SecurityToken is mandatory for this access key.",
                ))
            }
            (Some(_), Some(_)) => {
                return Err(reject(
                    StatusCode::BAD_REQUEST,
                    "InvalidSecurityToken.Mismatch",
                    "Specified SecurityToken is invalid.",
                ))
            }
            (None, Some(_)) => {
                return Err(reject(
                    StatusCode::BAD_REQUEST,
                    "InvalidSecurityToken.MismatchWithAccessKey",
                    "Specified SecurityToken mismatch with the AccessKey.",
                ))
            }
        }

        if let Some(nonce) = verified.signature_nonce {
            let mut seen = crate::sim::lock(&self.nonces);
            if seen.len() >= NONCE_MEMORY {
                seen.clear();
            }
            if !seen.insert(nonce) {
                return Err(reject(
                    StatusCode::BAD_REQUEST,
                    "SignatureNonceUsed",
                    "Specified signature nonce was used already.",
                ));
            }
        }
        Ok(())
    }
}
