//! HTTP routes of the simulated ModelArts algorithm API. Per request:
//! authentication (API gateway) → project check → fault gate → shift mode (list
//! pages after the first) → the pure list/detail function.

use super::list::{self, apply_shift, modelarts_error, ListQuery, INTERNAL};
use super::{AlgorithmsSimConfig, KIND};
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
const DETAIL: RouteLabel = RouteLabel {
    kind: KIND,
    op: RouteOp::Detail,
};

#[derive(Clone)]
struct Ctx {
    shared: Arc<SimShared>,
    project_id: Arc<str>,
}

/// The routes of one simulated ModelArts project's algorithms (`cfg.project_id`).
pub fn router(shared: Arc<SimShared>, cfg: AlgorithmsSimConfig) -> Router {
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
            "/v2/{project_id}/algorithms",
            stats::label(auth::require(get(list_handler), authn.clone()), &rec, LIST),
        )
        .route(
            "/v2/{project_id}/algorithms/{algorithm_id}",
            stats::label(auth::require(get(detail_handler), authn), &rec, DETAIL),
        )
        .with_state(ctx)
}

/// The ModelArts v2 renderings of the injected faults.
struct Shapes(RouteOp);

impl FaultShapes for Shapes {
    fn throttled(&self, retry_after_secs: Option<u64>) -> Response {
        huawei_gateway::throttled(retry_after_secs)
    }

    fn server_error(&self) -> Response {
        modelarts_error(
            StatusCode::INTERNAL_SERVER_ERROR,
            INTERNAL,
            "internal error",
        )
        .into_response()
    }

    fn wrong_shape(&self) -> Response {
        let body = match self.0 {
            RouteOp::List => json!({"total": 3, "count": "3", "items": "algo-1,algo-2"}),
            RouteOp::Detail => json!({"metadata": "algo-1"}),
        };
        Json(body).into_response()
    }

    fn error_on_200(&self) -> Response {
        Json(json!({"error_code": INTERNAL, "error_msg": "internal error"})).into_response()
    }

    fn garbage(&self) -> Response {
        json_text(
            StatusCode::OK,
            match self.0 {
                RouteOp::List => {
                    r#"{"total": 25, "count": 25, "limit": 50, "offset": 0, "items": [{"metadata": {"id": "2e54"#
                }
                RouteOp::Detail => r#"{"metadata": {"id": "2e5451fe-913f"#,
            },
        )
    }
}

impl Ctx {
    async fn gate(&self, project_id: &str, op: RouteOp) -> Option<Response> {
        if project_id != &*self.project_id {
            return Some(huawei_gateway::api_not_found());
        }
        faults::intercept(&self.shared.faults, &Shapes(op)).await
    }
}

async fn list_handler(
    State(ctx): State<Ctx>,
    Path(project_id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Response {
    if let Some(resp) = ctx.gate(&project_id, RouteOp::List).await {
        return resp;
    }
    let params: Vec<(String, String)> =
        url::form_urlencoded::parse(raw.unwrap_or_default().as_bytes())
            .into_owned()
            .collect();
    let update_sort = crate::sim::lock(&ctx.shared.algorithms).update_time_sort;
    let q = match ListQuery::parse(&params, update_sort) {
        Ok(q) => q,
        Err(e) => return e.into_response(),
    };
    let shift = crate::sim::lock(&ctx.shared.faults).shift();
    if let Some(shift) = shift.filter(|_| q.offset > 0) {
        let event = apply_shift(&mut crate::sim::lock(&ctx.shared.algorithms), &q, shift);
        crate::sim::lock(&ctx.shared.faults).record_shift(event);
    }
    let body = list::list_query(&crate::sim::lock(&ctx.shared.algorithms), &q);
    Json(body).into_response()
}

async fn detail_handler(
    State(ctx): State<Ctx>,
    Path((project_id, algorithm_id)): Path<(String, String)>,
) -> Response {
    if let Some(resp) = ctx.gate(&project_id, RouteOp::Detail).await {
        return resp;
    }
    match list::detail(&crate::sim::lock(&ctx.shared.algorithms), &algorithm_id) {
        Ok(body) => Json(body).into_response(),
        Err(e) => e.into_response(),
    }
}
