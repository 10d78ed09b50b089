//! `GET /healthz`: per source, when its last successful cycle finished and
//! whether that is fresh. A source is stale when that is older than three of
//! its schedule intervals (the gap between the two scheduled runs after it);
//! a source that never succeeded counts from its first recorded cycle, else
//! from the start of this process. 200 when no source is stale, else 503.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::{DateTime, Utc};
use serde_json::{json, Map, Value};

use super::HttpState;
use crate::clock;
use crate::config::SourceConfig;
use crate::metrics::ScrapeMetrics;
use crate::store::StoreError;

/// How many schedule intervals without a successful cycle make a source stale.
pub const STALE_AFTER_INTERVALS: i32 = 3;

/// The gap between the two scheduled runs that follow `after`.
pub fn schedule_interval(source: &SourceConfig, after: DateTime<Utc>) -> Option<chrono::Duration> {
    let cron = crate::config::parse_cron(&source.schedule).ok()?;
    let first = cron.find_next_occurrence(&after, false).ok()?;
    let second = cron.find_next_occurrence(&first, false).ok()?;
    Some(second - first)
}

/// One source's freshness.
#[derive(Debug, Clone)]
pub struct Freshness {
    pub last_success_at: Option<String>,
    pub age: chrono::Duration,
    pub interval: Option<chrono::Duration>,
    pub stale: bool,
}

/// The freshness of `source` at `now`.
pub async fn freshness(
    state: &HttpState,
    source: &SourceConfig,
    now: DateTime<Utc>,
) -> Result<Freshness, StoreError> {
    let sync = state.store().sync_state(&source.name).await?;
    let last = sync.last_success_at.clone();
    let reference = match last.as_deref().and_then(clock::parse) {
        Some(t) => t,
        None => state
            .store()
            .first_run_started(&source.name)
            .await?
            .as_deref()
            .and_then(clock::parse)
            .unwrap_or(state.inner.started),
    };
    let age = now - reference;
    let interval = schedule_interval(source, reference);
    let stale = interval.is_some_and(|i| age > i * STALE_AFTER_INTERVALS);
    Ok(Freshness {
        last_success_at: last,
        age,
        interval,
        stale,
    })
}

pub async fn healthz(State(s): State<HttpState>) -> Response {
    let now = Utc::now();
    let mut sources = Map::new();
    let mut any_stale = false;
    for source in s.sources().values() {
        match freshness(&s, source, now).await {
            Ok(f) => {
                any_stale |= f.stale;
                sources.insert(
                    source.name.clone(),
                    json!({
                        "kind": source.kind.as_str(),
                        "last_success_at": f.last_success_at,
                        "age_seconds": f.age.num_milliseconds() as f64 / 1000.0,
                        "interval_seconds": f.interval.map(|i| i.num_milliseconds() as f64 / 1000.0),
                        "stale": f.stale,
                    }),
                );
            }
            Err(e) => {
                let body = json!({"status": "error", "error": e.to_string()});
                return (StatusCode::SERVICE_UNAVAILABLE, Json(body)).into_response();
            }
        }
    }
    let (status, word) = if any_stale {
        (StatusCode::SERVICE_UNAVAILABLE, "stale")
    } else {
        (StatusCode::OK, "ok")
    };
    (
        status,
        Json(json!({"status": word, "sources": Value::Object(sources)})),
    )
        .into_response()
}

/// The series `/metrics` reads from the database: last success and mirrored
/// rows per source, webhook queue depth and dead events per endpoint.
pub async fn fill_scrape(state: &HttpState, scrape: &ScrapeMetrics) -> Result<(), String> {
    for source in state.sources().values() {
        let sync = state
            .store()
            .sync_state(&source.name)
            .await
            .map_err(|e| e.to_string())?;
        if let Some(t) = sync.last_success_at.as_deref().and_then(clock::parse) {
            scrape.last_success(&source.name, t.timestamp_millis() as f64 / 1000.0);
        }
        if crate::query::dialect(source.kind).is_some() {
            let (present, deleted) = crate::query::native::row_counts(state.store(), source)
                .await
                .map_err(|e| e.to_string())?;
            scrape.rows(&source.name, source.kind.as_str(), present, deleted);
        }
    }
    let stats = state
        .store()
        .webhook_endpoint_stats(&state.inner.webhooks)
        .await
        .map_err(|e| e.to_string())?;
    for e in stats {
        scrape.webhook_queue(&e.endpoint, e.pending, e.dead);
    }
    Ok(())
}
