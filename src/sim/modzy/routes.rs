//! HTTP routes of the simulated Modzy API. Per request: `ApiKey` authentication →
//! fault gate (job routes) → shift mode (history windows not at the list start) →
//! the pure list/detail function. Full history pages carry an RFC 5988
//! `Link: <...page=N+1...>; rel="next"` header, which the Go SDK requires.

use super::list::{self, apply_shift, HistoryQuery};
use super::{modzy_error, ModzySimConfig, KIND};
use crate::sim::auth::{self, Authenticator};
use crate::sim::faults::{self, json_text, with_retry_after, FaultShapes};
use crate::sim::server::SimShared;
use crate::sim::stats::{self, RouteLabel, RouteOp};
use axum::extract::{Path, RawQuery, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;
use std::sync::Arc;

const LIST: RouteLabel = RouteLabel {
    kind: KIND,
    op: RouteOp::List,
};
const DETAIL: RouteLabel = RouteLabel {
    kind: KIND,
    op: RouteOp::Detail,
};

/// `Authorization: ApiKey <key>` (scheme in any case, key exact).
struct ApiKeyAuth {
    api_key: String,
}

impl Authenticator for ApiKeyAuth {
    fn check(&self, parts: &Parts, _body: &[u8]) -> Result<(), Box<Response>> {
        let given = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok());
        let reason = match given {
            None => "the Authorization header is missing",
            Some(v) => match v.split_once(' ') {
                Some((scheme, key)) if scheme.eq_ignore_ascii_case("ApiKey") => {
                    if key.trim() == self.api_key {
                        return Ok(());
                    }
                    "the API key is not valid"
                }
                _ => "the Authorization header must be \"ApiKey <api-key>\"",
            },
        };
        Err(Box::new(
            modzy_error(StatusCode::UNAUTHORIZED, format!("Unauthorized: {reason}"))
                .into_response(),
        ))
    }
}

/// The routes of one simulated Modzy account.
pub fn router(shared: Arc<SimShared>, cfg: ModzySimConfig) -> Router {
    let rec = shared.stats.clone();
    let authn: Arc<dyn Authenticator> = Arc::new(ApiKeyAuth {
        api_key: cfg.api_key,
    });
    Router::new()
        .route(
            "/api/jobs/history",
            stats::label(auth::require(get(list_handler), authn.clone()), &rec, LIST),
        )
        .route(
            "/api/jobs/{job_identifier}",
            stats::label(
                auth::require(get(detail_handler), authn.clone()),
                &rec,
                DETAIL,
            ),
        )
        .route(
            "/api/models",
            auth::require(get(models_handler), authn.clone()),
        )
        .route(
            "/api/models/requirements/account",
            auth::require(get(requirements_handler), authn),
        )
        .with_state(shared)
}

/// The Modzy renderings of the injected faults.
struct Shapes(RouteOp);

impl FaultShapes for Shapes {
    fn throttled(&self, retry_after_secs: Option<u64>) -> Response {
        with_retry_after(
            modzy_error(
                StatusCode::TOO_MANY_REQUESTS,
                "Too many requests: the rate limit of this API key was exceeded",
            )
            .into_response(),
            retry_after_secs,
        )
    }

    fn server_error(&self) -> Response {
        modzy_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Something went wrong on the server",
        )
        .into_response()
    }

    fn wrong_shape(&self) -> Response {
        match self.0 {
            // A paged envelope instead of the bare array.
            RouteOp::List => Json(json!({
                "content": [{"jobIdentifier": "14856eb1-0ad8-49e7-9da3-887acb80fea5"}],
                "totalElements": 1,
            }))
            .into_response(),
            RouteOp::Detail => {
                Json(json!(["14856eb1-0ad8-49e7-9da3-887acb80fea5"])).into_response()
            }
        }
    }

    fn error_on_200(&self) -> Response {
        let mut e = modzy_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Something went wrong on the server",
        );
        e.status = StatusCode::OK;
        e.into_response()
    }

    fn garbage(&self) -> Response {
        json_text(
            StatusCode::OK,
            match self.0 {
                RouteOp::List => {
                    r#"[{"jobIdentifier": "14856eb1-0ad8-49e7-9da3-887acb80fea5", "submittedBy": "Sarah Con"#
                }
                RouteOp::Detail => {
                    r#"{"jobIdentifier": "14856eb1-0ad8-49e7-9da3-887acb80fea5", "sta"#
                }
            },
        )
    }
}

async fn list_handler(State(shared): State<Arc<SimShared>>, RawQuery(raw): RawQuery) -> Response {
    if let Some(resp) = faults::intercept(&shared.faults, &Shapes(RouteOp::List)).await {
        return resp;
    }
    let params: Vec<(String, String)> =
        url::form_urlencoded::parse(raw.unwrap_or_default().as_bytes())
            .into_owned()
            .collect();
    let q = match HistoryQuery::parse(&params) {
        Ok(q) => q,
        Err(e) => return e.into_response(),
    };
    let shift = crate::sim::lock(&shared.faults).shift();
    if let Some(shift) = shift {
        let event = apply_shift(&mut crate::sim::lock(&shared.modzy), &q, shift);
        if let Some(event) = event {
            crate::sim::lock(&shared.faults).record_shift(event);
        }
    }
    let body = list::list_query(&crate::sim::lock(&shared.modzy), &q);
    let full = body
        .as_array()
        .is_some_and(|a| a.len() == q.per_page as usize);
    let mut resp = Json(body).into_response();
    if full {
        if let Ok(v) = HeaderValue::from_str(&next_link(&params, q.page)) {
            resp.headers_mut().insert(header::LINK, v);
        }
    }
    resp
}

/// `</api/jobs/history?...&page=N+1>; rel="next"`: the same query, next page.
fn next_link(params: &[(String, String)], page: u32) -> String {
    let mut q = url::form_urlencoded::Serializer::new(String::new());
    for (k, v) in params.iter().filter(|(k, _)| k != "page") {
        q.append_pair(k, v);
    }
    q.append_pair("page", &(page + 1).to_string());
    format!("</api/jobs/history?{}>; rel=\"next\"", q.finish())
}

async fn detail_handler(
    State(shared): State<Arc<SimShared>>,
    Path(job_identifier): Path<String>,
) -> Response {
    if let Some(resp) = faults::intercept(&shared.faults, &Shapes(RouteOp::Detail)).await {
        return resp;
    }
    match list::detail(&crate::sim::lock(&shared.modzy), &job_identifier) {
        Ok(body) => Json(body).into_response(),
        Err(e) => e.into_response(),
    }
}

async fn models_handler(State(shared): State<Arc<SimShared>>) -> Response {
    Json(list::models(&crate::sim::lock(&shared.modzy))).into_response()
}

async fn requirements_handler() -> Response {
    Json(list::requirements()).into_response()
}
