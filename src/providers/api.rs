//! The provider-neutral shapes adapters exchange with the paging engine: a request
//! to send, a parsed list page, and a parsed provider error.

use std::time::Duration;

use crate::store::Record;

/// One GET the engine sends for an adapter (auth headers are added by the client).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiRequest {
    /// Path below the source's endpoint, starting with `/`.
    pub path: String,
    /// Query parameters, in the provider's names.
    pub query: Vec<(String, String)>,
    /// Headers the provider needs besides authentication (e.g. `x-acs-action`).
    pub headers: Vec<(String, String)>,
}

impl ApiRequest {
    pub fn get(path: impl Into<String>) -> Self {
        ApiRequest {
            path: path.into(),
            query: Vec::new(),
            headers: Vec::new(),
        }
    }

    pub fn param(mut self, key: &str, value: impl ToString) -> Self {
        self.query.push((key.to_string(), value.to_string()));
        self
    }

    pub fn param_opt(self, key: &str, value: Option<impl ToString>) -> Self {
        match value {
            Some(v) => self.param(key, v),
            None => self,
        }
    }
}

/// One page of a list, parsed.
#[derive(Debug, Clone, Default)]
pub struct ListPage {
    pub records: Vec<Record>,
    /// The provider's count of matching objects, when it reports one.
    pub total: Option<u64>,
}

/// An error answer of a provider (HTTP status ≥ 400, or an error shape on 200).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("HTTP {http_status}{}: {message}", .code.as_deref().map(|c| format!(" {c}")).unwrap_or_default())]
pub struct ProviderError {
    pub http_status: u16,
    /// The provider's error code (e.g. `ModelArts.0105`), when it gave one.
    pub code: Option<String>,
    pub message: String,
    /// A throttling delay the provider asked for (Retry-After, x-acs-retry-after).
    pub retry_after: Option<Duration>,
}

impl ProviderError {
    /// Whether retrying the same request may succeed (throttling, server trouble).
    pub fn is_retryable(&self) -> bool {
        matches!(self.http_status, 408 | 429 | 500..=599) || self.http_status < 400
    }
}

/// A provider's answer as received.
#[derive(Debug, Clone)]
pub struct RawResponse {
    pub status: u16,
    pub headers: reqwest::header::HeaderMap,
    pub body: bytes::Bytes,
}

/// Why an answer could not be turned into data.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ResponseError {
    /// The provider answered with an error.
    #[error("{0}")]
    Provider(ProviderError),
    /// The answer is not what the provider documents (bad JSON, wrong shape).
    #[error("malformed response: {0}")]
    Malformed(String),
}

impl ResponseError {
    pub fn is_retryable(&self) -> bool {
        match self {
            ResponseError::Provider(e) => e.is_retryable(),
            // Truncated or garbled bodies are usually transient (proxies, overload).
            ResponseError::Malformed(_) => true,
        }
    }
}

/// `Retry-After` as seconds or an HTTP date, when present and sensible.
pub fn retry_after_header(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let v = headers
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let when = chrono::DateTime::parse_from_rfc2822(v).ok()?;
    let delta = when.with_timezone(&chrono::Utc) - chrono::Utc::now();
    Some(delta.to_std().unwrap_or(Duration::ZERO))
}
