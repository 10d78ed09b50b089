//! HTTP route of the simulated SWR API. Per request: authentication (API gateway:
//! AK/SK signature or `X-Auth-Token`) → project check → fault gate → shift mode
//! (pages after the first) → the pure list function.

use super::list::{self, apply_shift, swr_error, ListQuery, LIST_FAILED};
use super::{SwrSimConfig, KIND};
use crate::sim::auth::{self, Authenticator};
use crate::sim::faults::{self, json_text, FaultShapes};
use crate::sim::huawei_gateway::{self, HuaweiAuth};
use crate::sim::server::SimShared;
use crate::sim::stats::{self, RouteLabel, RouteOp};
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde_json::json;
use std::sync::Arc;

const LIST: RouteLabel = RouteLabel {
    kind: KIND,
    op: RouteOp::List,
};

#[derive(Clone)]
struct Ctx {
    shared: Arc<SimShared>,
    project_id: Arc<str>,
}

/// The route of one simulated SWR project (`cfg.project_id`).
pub fn router(shared: Arc<SimShared>, cfg: SwrSimConfig) -> Router {
    let rec = shared.stats.clone();
    let authn: Arc<dyn Authenticator> = Arc::new(HuaweiAuth {
        access_key: cfg.access_key,
        secret_key: cfg.secret_key,
        token: cfg.token,
    });
    let ctx = Ctx {
        shared,
        project_id: cfg.project_id.into(),
    };
    Router::new()
        .route(
            "/v2/{project_id}/jobs",
            stats::label(auth::require(get(list_handler), authn), &rec, LIST),
        )
        .with_state(ctx)
}

/// The SWR renderings of the injected faults.
struct Shapes;

impl FaultShapes for Shapes {
    fn throttled(&self, retry_after_secs: Option<u64>) -> Response {
        huawei_gateway::throttled(retry_after_secs)
    }

    fn server_error(&self) -> Response {
        swr_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            LIST_FAILED,
            "Internal server error: Failed to obtain the list.",
        )
        .into_response()
    }

    fn wrong_shape(&self) -> Response {
        Json(json!({ "total": "3", "jobs": "job-1,job-2,job-3" })).into_response()
    }

    fn error_on_200(&self) -> Response {
        Json(json!({
            "error_code": LIST_FAILED,
            "error_msg": "Internal server error: Failed to obtain the list.",
        }))
        .into_response()
    }

    fn garbage(&self) -> Response {
        json_text(
            StatusCode::OK,
            r#"{"total": 25, "jobs": [{"id": "36db69c5-b2d5-11eb-b044-0255ac101219", "instance_id": "36ce"#,
        )
    }
}

async fn list_handler(
    State(ctx): State<Ctx>,
    Path(project_id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Response {
    if project_id != *ctx.project_id {
        return huawei_gateway::api_not_found();
    }
    if let Some(resp) = faults::intercept(&ctx.shared.faults, &Shapes).await {
        return resp;
    }
    let params: Vec<(String, String)> =
        url::form_urlencoded::parse(raw.unwrap_or_default().as_bytes())
            .into_owned()
            .collect();
    let q = match ListQuery::parse(&params) {
        Ok(q) => q,
        Err(e) => return e.into_response(),
    };
    let shift = crate::sim::lock(&ctx.shared.faults).shift();
    if let Some(shift) = shift.filter(|_| q.offset > 0) {
        let event = apply_shift(&mut crate::sim::lock(&ctx.shared.swr), &q, shift);
        crate::sim::lock(&ctx.shared.faults).record_shift(event);
    }
    let body = list::list_query(&crate::sim::lock(&ctx.shared.swr), &q);
    Json(body).into_response()
}
