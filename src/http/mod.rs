//! The HTTP API (axum), served by `run` on `[http] listen` and by `serve`
//! (read-only, next to another process that writes the mirror):
//!
//! - drop-in list endpoints on the providers' own paths, one per kind with a
//!   query dialect ([`crate::query::Dialect::route`]), answered from the mirror
//!   in the provider's shape ([`dropin`]);
//! - `GET /api/jobs`: the unified `jobs` view ([`api`]);
//! - `GET /healthz`: per-source freshness, 503 when a source is stale ([`health`]);
//! - `GET /metrics`: Prometheus text ([`crate::metrics`]);
//! - `GET /api/models`, `GET /api/models/requirements/account`: `[]`, for the
//!   Modzy SDK's probes.
//!
//! With `[http] token` set, `/api/jobs` and `/metrics` need
//! `Authorization: Bearer <token>`; a drop-in path takes that token or the
//! provider's own authentication checked against the selected source's
//! credentials ([`auth`]); `/healthz` and the probes stay open.

pub mod api;
pub mod auth;
pub mod dropin;
pub mod health;

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Instant;

use axum::extract::{MatchedPath, Path, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use chrono::{DateTime, Utc};
use serde_json::json;
use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;

use crate::config::{Config, Secret, SourceConfig};
use crate::providers::Kind;
use crate::store::Store;

/// What every handler shares.
#[derive(Clone)]
pub struct HttpState {
    inner: Arc<Inner>,
}

struct Inner {
    store: Store,
    sources: BTreeMap<String, SourceConfig>,
    webhooks: Vec<String>,
    token: Option<Secret>,
    started: DateTime<Utc>,
}

impl HttpState {
    /// The state for `config`'s sources, webhooks and token, reading `store`.
    pub fn new(store: Store, config: &Config) -> HttpState {
        let metrics = crate::metrics::global();
        for name in config.sources.keys() {
            metrics.declare_source(name);
        }
        for name in config.webhooks.keys() {
            metrics.declare_endpoint(name);
        }
        HttpState {
            inner: Arc::new(Inner {
                store,
                sources: config.sources.clone(),
                webhooks: config.webhooks.keys().cloned().collect(),
                token: config.http.token.clone(),
                started: Utc::now(),
            }),
        }
    }

    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    pub fn sources(&self) -> &BTreeMap<String, SourceConfig> {
        &self.inner.sources
    }

    pub(crate) fn token(&self) -> Option<&Secret> {
        self.inner.token.as_ref()
    }
}

/// A JSON error `{"error": message}` with `status`.
pub fn error(status: StatusCode, message: impl Into<String>) -> Response {
    (status, Json(json!({ "error": message.into() }))).into_response()
}

/// Every route.
pub fn router(state: HttpState) -> Router {
    let mut app = Router::new()
        .route("/healthz", get(health::healthz))
        .route("/metrics", get(metrics))
        .route("/api/jobs", get(api::jobs))
        .route("/api/models", get(api::empty_list))
        .route("/api/models/requirements/account", get(api::empty_list));
    for kind in Kind::ALL {
        if let Some(d) = crate::query::dialect(kind) {
            app = app.route(
                d.route(),
                get(
                    move |State(s): State<HttpState>,
                          Path(path): Path<HashMap<String, String>>,
                          req: Request| async move {
                        dropin::list(s, kind, path, req).await
                    },
                ),
            );
        }
    }
    app.fallback(|| async { error(StatusCode::NOT_FOUND, "no such route") })
        .layer(middleware::from_fn(observe))
        .with_state(state)
}

/// Counts and times every request by route template and status.
async fn observe(req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string())
        .unwrap_or_else(|| "unmatched".to_string());
    let started = Instant::now();
    let resp = next.run(req).await;
    crate::metrics::global().http(&route, resp.status().as_u16(), started.elapsed());
    resp
}

async fn metrics(State(s): State<HttpState>, req: Request) -> Response {
    if let Err(resp) = auth::require_bearer(&s, req.headers()) {
        return resp;
    }
    let scrape = crate::metrics::ScrapeMetrics::new();
    if let Err(e) = health::fill_scrape(&s, &scrape).await {
        tracing::warn!(error = %e, "metrics: cannot read the database");
    }
    let text = crate::metrics::global().encode(&scrape);
    let mut resp = text.into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/openmetrics-text; version=1.0.0; charset=utf-8"),
    );
    resp
}

/// Serves the API on `listener` until `cancel` fires (then stops accepting,
/// lets requests in flight finish and returns).
pub async fn serve(
    listener: TcpListener,
    state: HttpState,
    cancel: CancellationToken,
) -> std::io::Result<()> {
    axum::serve(listener, router(state))
        .with_graceful_shutdown(cancel.cancelled_owned())
        .await
}
