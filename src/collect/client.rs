//! The HTTP client of one source: builds the wire URL, adds the provider's
//! authentication (Huawei AK/SK or token, Alibaba ACS3, Modzy ApiKey) and sends
//! one attempt. Retrying is the cycle's business.

use std::time::Duration;

use chrono::Utc;
use futures::StreamExt;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};

use super::CollectError;
use crate::config::{Auth, SourceConfig};
use crate::providers::{ApiRequest, RawResponse};
use crate::signing::{alibaba, huawei};

/// Largest response body accepted (a guard against runaway answers).
const MAX_BODY: usize = 64 * 1024 * 1024;

/// `User-Agent` of every provider request.
pub fn user_agent() -> String {
    format!("jobmirror/{}", env!("CARGO_PKG_VERSION"))
}

/// Sends signed requests for one source.
pub struct ApiClient {
    http: reqwest::Client,
    endpoint: String,
    host: String,
    project_id: Option<String>,
    auth: Auth,
    timeout: Duration,
}

impl ApiClient {
    pub fn new(source: &SourceConfig) -> Result<ApiClient, CollectError> {
        let url = url::Url::parse(&source.endpoint)
            .map_err(|e| CollectError::Config(format!("sources.{}.endpoint: {e}", source.name)))?;
        let host = match (url.host_str(), url.port()) {
            (Some(h), Some(p)) => format!("{h}:{p}"),
            (Some(h), None) => h.to_string(),
            (None, _) => {
                return Err(CollectError::Config(format!(
                    "sources.{}.endpoint has no host",
                    source.name
                )))
            }
        };
        let http = reqwest::Client::builder()
            .timeout(source.timeout)
            .connect_timeout(source.timeout.min(Duration::from_secs(10)))
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .map_err(|e| CollectError::Config(format!("HTTP client: {e}")))?;
        Ok(ApiClient {
            http,
            endpoint: source.endpoint.trim_end_matches('/').to_string(),
            host,
            project_id: source.project_id.clone(),
            auth: source.auth.clone(),
            timeout: source.timeout,
        })
    }

    /// The query string to send: RFC 3986-encoded, sorted (the form every signer
    /// here canonicalizes to, so the wire and the signature agree byte for byte).
    fn wire_query(&self, req: &ApiRequest) -> String {
        huawei::canonical_query(&req.query)
    }

    fn headers(&self, req: &ApiRequest) -> Vec<(String, String)> {
        let mut h: Vec<(String, String)> = req.headers.clone();
        let now = Utc::now();
        match &self.auth {
            Auth::HuaweiAkSk {
                access_key,
                secret_key,
                security_token,
            } => {
                h.push(("Content-Type".into(), "application/json".into()));
                h.push(("Host".into(), self.host.clone()));
                h.push(("User-Agent".into(), user_agent()));
                h.push((huawei::DATE_HEADER.into(), huawei::sdk_date(now)));
                if let Some(pid) = &self.project_id {
                    h.push(("X-Project-Id".into(), pid.clone()));
                }
                if let Some(t) = security_token {
                    h.push(("X-Security-Token".into(), t.expose().to_string()));
                }
                let sig = huawei::sign(
                    access_key,
                    secret_key.expose(),
                    "GET",
                    &req.path,
                    &req.query,
                    &h,
                    b"",
                );
                h.push(("Authorization".into(), sig.authorization));
            }
            Auth::HuaweiToken { token } => {
                h.push(("Content-Type".into(), "application/json".into()));
                h.push(("User-Agent".into(), user_agent()));
                h.push(("X-Auth-Token".into(), token.expose().to_string()));
            }
            Auth::AlibabaAk {
                access_key,
                secret_key,
                security_token,
            } => {
                let find = |name: &str| {
                    req.headers
                        .iter()
                        .find(|(k, _)| k.eq_ignore_ascii_case(name))
                        .map(|(_, v)| v.clone())
                        .unwrap_or_default()
                };
                let nonce = uuid::Uuid::new_v4().simple().to_string();
                let mut signed = alibaba::client_headers(
                    &self.host,
                    &find("x-acs-action"),
                    &find("x-acs-version"),
                    now,
                    &nonce,
                    security_token.as_ref().map(|t| t.expose()),
                    access_key,
                );
                signed.push(("user-agent".into(), user_agent()));
                let sig = alibaba::sign_acs3(
                    access_key,
                    secret_key.expose(),
                    "GET",
                    &req.path,
                    &req.query,
                    &signed,
                    b"",
                );
                signed.push(("Authorization".into(), sig.authorization));
                h = signed;
            }
            Auth::ModzyApiKey { api_key } => {
                h.push(("Accept".into(), "application/json".into()));
                h.push(("User-Agent".into(), user_agent()));
                h.push((
                    "Authorization".into(),
                    format!("ApiKey {}", api_key.expose()),
                ));
            }
        }
        h
    }

    /// Sends one GET and reads the whole answer.
    pub async fn send(&self, req: &ApiRequest) -> Result<RawResponse, CollectError> {
        let query = self.wire_query(req);
        let url = if query.is_empty() {
            format!("{}{}", self.endpoint, req.path)
        } else {
            format!("{}{}?{}", self.endpoint, req.path, query)
        };
        let mut headers = HeaderMap::new();
        for (k, v) in self.headers(req) {
            let name = HeaderName::from_bytes(k.as_bytes())
                .map_err(|e| CollectError::Config(format!("header name {k:?}: {e}")))?;
            let value = HeaderValue::from_str(&v)
                .map_err(|_| CollectError::Config(format!("header {k} has an invalid value")))?;
            headers.append(name, value);
        }
        let resp = self
            .http
            .get(&url)
            .headers(headers)
            .send()
            .await
            .map_err(|e| self.transport_error(e))?;
        let status = resp.status().as_u16();
        let headers = resp.headers().clone();
        let mut body = Vec::new();
        let mut stream = resp.bytes_stream();
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|e| self.transport_error(e))?;
            if body.len() + chunk.len() > MAX_BODY {
                return Err(CollectError::Transport(format!(
                    "answer larger than {MAX_BODY} bytes"
                )));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(RawResponse {
            status,
            headers,
            body: body.into(),
        })
    }

    fn transport_error(&self, e: reqwest::Error) -> CollectError {
        if e.is_timeout() {
            CollectError::Timeout(self.timeout)
        } else {
            // Without the URL: it is ours, and error chains stay free of query data.
            CollectError::Transport(error_chain(&e.without_url()))
        }
    }
}

fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        s.push_str(": ");
        s.push_str(&c.to_string());
        cur = c.source();
    }
    s
}
