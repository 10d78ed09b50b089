//! One signed POST to one endpoint and what came back: the status, how long it
//! took, the start of the body (never more than [`MAX_STORED_BODY`] bytes are
//! read), `Retry-After`, and an error text that names no URL and no secret.

use std::time::{Duration, Instant};

use reqwest::header::{HeaderValue, CONTENT_TYPE};

use super::sign::{signature_header, SigningKey};
use crate::config::WebhookConfig;
use crate::providers::retry_after_header;

/// Bytes of a receiver's answer kept in `webhook_attempts.response_body`.
pub const MAX_STORED_BODY: usize = 1024;

/// A configured endpoint, with its secrets decoded for signing.
pub(super) struct Endpoint {
    pub name: String,
    pub url: String,
    pub keys: Vec<SigningKey>,
}

impl Endpoint {
    pub fn new(cfg: &WebhookConfig) -> Result<Endpoint, super::WebhookError> {
        let keys = cfg
            .secrets
            .iter()
            .map(|s| SigningKey::from_secret(s.expose()))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| super::WebhookError::Secret {
                endpoint: cfg.name.clone(),
                reason: e.to_string(),
            })?;
        if keys.is_empty() {
            return Err(super::WebhookError::Secret {
                endpoint: cfg.name.clone(),
                reason: "is missing; every webhook is signed".into(),
            });
        }
        Ok(Endpoint {
            name: cfg.name.clone(),
            url: cfg.url.clone(),
            keys,
        })
    }
}

/// A receiver's answer to one try (or why there was none).
#[derive(Debug, Clone)]
pub struct Answer {
    /// The HTTP status, when the receiver answered.
    pub status: Option<u16>,
    pub duration: Duration,
    /// The start of the answer's body (lossy UTF-8, at most [`MAX_STORED_BODY`] bytes).
    pub body: Option<String>,
    /// `Retry-After` of a 429 or 503 answer.
    pub retry_after: Option<Duration>,
    /// Why the try failed; None for a 2xx answer.
    pub error: Option<String>,
}

impl Answer {
    pub fn is_success(&self) -> bool {
        self.error.is_none()
    }
}

/// Signs `body` for this try (`webhook-timestamp` = now) and POSTs it.
pub(super) async fn post(
    client: &reqwest::Client,
    ep: &Endpoint,
    webhook_id: &str,
    body: &str,
    timeout: Duration,
) -> Answer {
    let timestamp = chrono::Utc::now().timestamp();
    let signature = signature_header(&ep.keys, webhook_id, timestamp, body.as_bytes());
    let started = Instant::now();
    let sent = client
        .post(&ep.url)
        .header("webhook-id", webhook_id)
        .header("webhook-timestamp", timestamp.to_string())
        .header("webhook-signature", signature)
        .header(CONTENT_TYPE, HeaderValue::from_static("application/json"))
        .body(body.to_string())
        .send()
        .await;
    let mut resp = match sent {
        Ok(r) => r,
        Err(e) => {
            return Answer {
                status: None,
                duration: started.elapsed(),
                body: None,
                retry_after: None,
                error: Some(describe(&e, timeout)),
            }
        }
    };
    let status = resp.status();
    let retry_after = match status.as_u16() {
        429 | 503 => retry_after_header(resp.headers()),
        _ => None,
    };
    let location = resp
        .headers()
        .get(reqwest::header::LOCATION)
        .and_then(|v| v.to_str().ok())
        // The query may carry a token: keep the place, not the parameters.
        .map(|s| truncate(s.split(['?', '#']).next().unwrap_or("").to_string(), 200));
    // Read at most MAX_STORED_BODY bytes, then drop the rest of the answer.
    let mut bytes: Vec<u8> = Vec::new();
    while bytes.len() < MAX_STORED_BODY {
        match resp.chunk().await {
            Ok(Some(c)) => bytes.extend_from_slice(&c),
            Ok(None) | Err(_) => break,
        }
    }
    drop(resp);
    let duration = started.elapsed();
    let body = (!bytes.is_empty()).then(|| {
        bytes.truncate(MAX_STORED_BODY);
        truncate(
            String::from_utf8_lossy(&bytes).into_owned(),
            MAX_STORED_BODY,
        )
    });
    let error = if status.is_success() {
        None
    } else if status.is_redirection() {
        Some(match location {
            Some(l) => format!("HTTP {status}: redirect to {l} not followed"),
            None => format!("HTTP {status}: redirect not followed"),
        })
    } else {
        Some(format!("HTTP {status}"))
    };
    Answer {
        status: Some(status.as_u16()),
        duration,
        body,
        retry_after,
        error,
    }
}

/// A transport error as one line, without the URL (it may hold a token).
fn describe(e: &reqwest::Error, timeout: Duration) -> String {
    if e.is_timeout() {
        return format!("timed out after {}", humantime::format_duration(timeout));
    }
    let head = if e.is_connect() {
        "cannot connect"
    } else {
        "request failed"
    };
    let mut parts: Vec<String> = Vec::new();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        let text = s.to_string();
        if !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        source = s.source();
    }
    if parts.is_empty() {
        head.to_string()
    } else {
        format!("{head}: {}", parts.join(": "))
    }
}

/// Cuts `s` to at most `max` bytes, at a character boundary.
fn truncate(mut s: String, max: usize) -> String {
    if s.len() > max {
        let mut cut = max;
        while !s.is_char_boundary(cut) {
            cut -= 1;
        }
        s.truncate(cut);
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn truncates_at_a_char_boundary() {
        assert_eq!(truncate("héllo".into(), 2), "h");
        assert_eq!(truncate("abc".into(), 10), "abc");
        assert_eq!(
            truncate("x".repeat(5000), MAX_STORED_BODY).len(),
            MAX_STORED_BODY
        );
    }
}
