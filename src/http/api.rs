//! `GET /api/jobs` (the unified `jobs` view, see [`crate::query::jobs`]) and
//! the Modzy SDK's probe routes.

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::Value;

use super::auth::require_bearer;
use super::{error, HttpState};
use crate::query::jobs::{self, JobsError};

/// `GET /api/jobs`.
pub async fn jobs(State(s): State<HttpState>, req: Request) -> Response {
    if let Err(resp) = require_bearer(&s, req.headers()) {
        return resp;
    }
    let params: Vec<(String, String)> =
        url::form_urlencoded::parse(req.uri().query().unwrap_or_default().as_bytes())
            .into_owned()
            .collect();
    match jobs::list(s.store(), &params).await {
        Ok(page) => Json(page.into_json()).into_response(),
        Err(JobsError::BadParameter(e)) => error(StatusCode::BAD_REQUEST, e.0),
        Err(JobsError::Query(e)) => {
            tracing::error!(error = %e, "/api/jobs failed");
            error(StatusCode::INTERNAL_SERVER_ERROR, e.to_string())
        }
    }
}

/// `[]`: what the Modzy SDK needs from `GET /api/models` and
/// `GET /api/models/requirements/account` to build a client.
pub async fn empty_list() -> Json<Value> {
    Json(Value::Array(Vec::new()))
}
