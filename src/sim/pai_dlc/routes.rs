//! HTTP route of the simulated PAI-DLC API. Per request: authentication (Alibaba
//! gateway) → fault gate → shift mode (pages after the first) → the pure list function.

use super::gateway::AlibabaAuth;
use super::list::{self, alibaba_error, apply_shift, request_id, ListQuery, HOST_ID};
use super::{PaiDlcSimConfig, KIND};
use crate::sim::auth::{self, Authenticator};
use crate::sim::faults::{self, json_text, FaultShapes};
use crate::sim::server::SimShared;
use crate::sim::stats::{self, RouteLabel, RouteOp};
use axum::extract::{RawQuery, State};
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

/// The route of the simulated PAI-DLC endpoint.
pub fn router(shared: Arc<SimShared>, cfg: PaiDlcSimConfig) -> Router {
    let rec = shared.stats.clone();
    let authn: Arc<dyn Authenticator> = Arc::new(AlibabaAuth::new(cfg.credentials));
    Router::new()
        .route(
            "/api/v1/jobs",
            stats::label(auth::require(get(list_handler), authn), &rec, LIST),
        )
        .with_state(shared)
}

/// The PAI-DLC renderings of the injected faults.
struct Shapes;

impl FaultShapes for Shapes {
    /// 429 `Throttling.User` with `x-acs-retry-after` in milliseconds (the only
    /// throttling signal the official SDK reads).
    fn throttled(&self, retry_after_secs: Option<u64>) -> Response {
        let mut resp = alibaba_error(
            StatusCode::TOO_MANY_REQUESTS,
            "Throttling.User",
            "Request was denied due to user flow control.",
        )
        .into_response();
        if let Some(secs) = retry_after_secs {
            resp.headers_mut().insert(
                "x-acs-retry-after",
                HeaderValue::from(secs.saturating_mul(1000)),
            );
        }
        resp
    }

    fn server_error(&self) -> Response {
        alibaba_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            "InternalError",
            "The request processing has failed due to some unknown error, exception or failure.",
        )
        .into_response()
    }

    fn wrong_shape(&self) -> Response {
        Json(json!({ "Jobs": "dlc1,dlc2,dlc3", "TotalCount": "3", "RequestId": request_id() }))
            .into_response()
    }

    fn error_on_200(&self) -> Response {
        Json(json!({
            "RequestId": request_id(),
            "HostId": HOST_ID,
            "Code": "ServiceUnavailable",
            "Message": "The request has failed due to a temporary failure of the server.",
        }))
        .into_response()
    }

    fn garbage(&self) -> Response {
        json_text(
            StatusCode::OK,
            r#"{"RequestId": "6A5C1B2D-0000-4E4E-9F9F-123456789ABC", "TotalCount": 25, "Jobs": [{"JobId": "dlc1a2b3c4d5e6f70", "DisplayName": "tf-mn"#,
        )
    }
}

async fn list_handler(State(shared): State<Arc<SimShared>>, RawQuery(raw): RawQuery) -> Response {
    if let Some(resp) = faults::intercept(&shared.faults, &Shapes).await {
        return resp;
    }
    // `+` is a space: the Python SDK form-encodes its wire URL.
    let params: Vec<(String, String)> =
        url::form_urlencoded::parse(raw.unwrap_or_default().as_bytes())
            .into_owned()
            .collect();
    let q = match ListQuery::parse(&params) {
        Ok(q) => q,
        Err(e) => return e.into_response(),
    };
    let shift = crate::sim::lock(&shared.faults).shift();
    if let Some(shift) = shift.filter(|_| q.page_number > 1) {
        let event = apply_shift(&mut crate::sim::lock(&shared.pai_dlc), &q, shift);
        crate::sim::lock(&shared.faults).record_shift(event);
    }
    let body = list::list_query_text(&crate::sim::lock(&shared.pai_dlc), &q);
    (
        [(
            header::CONTENT_TYPE,
            HeaderValue::from_static("application/json"),
        )],
        body,
    )
        .into_response()
}
