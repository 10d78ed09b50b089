//! Who may ask: jobmirror's bearer token (`[http] token`) and, on the drop-in
//! paths, the provider's own authentication checked against the selected
//! source's configured credentials (so an official SDK given the same
//! credentials keeps working against jobmirror).

use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use chrono::Utc;

use super::{error, HttpState};
use crate::config::{Auth, SourceConfig};
use crate::signing::{alibaba, huawei};

/// Clock skew tolerated between a signed request's date and jobmirror's clock.
pub const MAX_SKEW: chrono::Duration = chrono::Duration::minutes(15);

/// Byte-wise equality whose time does not depend on where the inputs differ.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// Whether the request carries `Authorization: Bearer <token>` with jobmirror's token
/// (true when no token is configured: everything is open).
pub fn bearer_ok(state: &HttpState, headers: &HeaderMap) -> bool {
    let Some(token) = state.token() else {
        return true;
    };
    headers
        .get_all(header::AUTHORIZATION)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| {
            let (scheme, rest) = v.trim().split_once(' ')?;
            scheme.eq_ignore_ascii_case("bearer").then_some(rest.trim())
        })
        .any(|given| constant_time_eq(given.as_bytes(), token.expose().as_bytes()))
}

/// 401 with `WWW-Authenticate: Bearer` unless [`bearer_ok`].
#[allow(clippy::result_large_err)]
pub fn require_bearer(state: &HttpState, headers: &HeaderMap) -> Result<(), Response> {
    if bearer_ok(state, headers) {
        return Ok(());
    }
    let mut resp = error(
        StatusCode::UNAUTHORIZED,
        "this route needs Authorization: Bearer <[http] token>",
    );
    resp.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        HeaderValue::from_static("Bearer realm=\"jobmirror\""),
    );
    Err(resp)
}

fn header_text(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(|v| v.trim().to_string())
}

/// Checks the provider's own authentication of a request against `source`'s
/// credentials; the reason when it fails (never containing a secret).
pub fn provider_auth(source: &SourceConfig, parts: &Parts, body: &[u8]) -> Result<(), String> {
    let headers = &parts.headers;
    let method = parts.method.as_str();
    let path = parts.uri.path();
    let query = parts.uri.query();
    match &source.auth {
        Auth::HuaweiAkSk {
            access_key,
            secret_key,
            ..
        } => {
            if headers.contains_key("x-auth-token") {
                return Err(format!(
                    "source {} is configured with an AK/SK, not a token",
                    source.name
                ));
            }
            if !headers.contains_key(header::AUTHORIZATION) {
                return Err("no Authorization or X-Auth-Token header".into());
            }
            huawei::verify(
                method,
                path,
                query,
                headers,
                body,
                |ak| (ak == access_key).then(|| secret_key.expose().to_string()),
                Utc::now(),
                MAX_SKEW,
            )
            .map(|_| ())
            .map_err(|e| e.to_string())
        }
        Auth::HuaweiToken { token } => match header_text(headers, "x-auth-token") {
            Some(given) if constant_time_eq(given.as_bytes(), token.expose().as_bytes()) => Ok(()),
            Some(_) => Err("the token is invalid".into()),
            None => Err("no X-Auth-Token header".into()),
        },
        Auth::AlibabaAk {
            access_key,
            secret_key,
            ..
        } => alibaba::verify_acs3(
            method,
            path,
            query,
            headers,
            body,
            |ak| (ak == access_key).then(|| secret_key.expose().to_string()),
            Utc::now(),
            MAX_SKEW,
        )
        .map(|_| ())
        .map_err(|e| e.to_string()),
        Auth::ModzyApiKey { api_key } => {
            let given = header_text(headers, "authorization").unwrap_or_default();
            match given.split_once(' ') {
                Some((scheme, key))
                    if scheme.eq_ignore_ascii_case("apikey")
                        && constant_time_eq(key.trim().as_bytes(), api_key.expose().as_bytes()) =>
                {
                    Ok(())
                }
                _ => Err("Authorization is not ApiKey with the source's key".into()),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constant_time_eq_compares_bytes() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"abcd"));
        assert!(constant_time_eq(b"", b""));
    }
}
