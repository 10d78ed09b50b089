//! The drop-in list endpoints: the provider's path and parameters, answered
//! from the mirror in the provider's shape.
//!
//! Source selection: `?source=NAME` (taken out before the provider's
//! semantics apply; the first one counts), else the `X-Jobmirror-Source`
//! header, else the single source of the kind whose `project_id` is the one in
//! the path (Huawei paths) or the single source of the kind. No match: 404;
//! several: 400 naming them. Errors are in the provider's error shape.

use std::collections::HashMap;

use axum::body::to_bytes;
use axum::extract::Request;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;

use super::auth::{bearer_ok, provider_auth};
use super::HttpState;
use crate::config::SourceConfig;
use crate::providers::{AuthFamily, Kind};
use crate::query::{self, Dialect, NativeError};

/// jobmirror's source selector, as a query parameter and as a header.
pub const SOURCE_PARAM: &str = "source";
pub const SOURCE_HEADER: &str = "x-jobmirror-source";

/// Largest request body read (the list APIs are GETs without one).
const MAX_BODY: usize = 1 << 20;

fn respond(e: NativeError) -> Response {
    let status = StatusCode::from_u16(e.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    (status, Json(e.body)).into_response()
}

/// The error code of a failed authentication, per provider family.
fn unauthorized(d: &dyn Dialect, reason: &str) -> Response {
    let (code, message) = match d.kind().auth_family() {
        AuthFamily::Huawei => (
            "APIGW.0301",
            format!("Incorrect IAM authentication information: {reason}"),
        ),
        AuthFamily::Alibaba => ("InvalidAuthorization", reason.to_string()),
        AuthFamily::Modzy => ("Unauthorized", reason.to_string()),
    };
    respond(d.jobmirror_error(401, code, &message))
}

/// Picks the source a drop-in request is for.
fn select<'a>(
    d: &dyn Dialect,
    sources: impl Iterator<Item = &'a SourceConfig>,
    kind: Kind,
    project_id: Option<&str>,
    selector: Option<&str>,
) -> Result<&'a SourceConfig, NativeError> {
    let candidates: Vec<&SourceConfig> = sources
        .filter(|s| s.kind == kind)
        .filter(|s| project_id.is_none_or(|p| s.project_id.as_deref() == Some(p)))
        .collect();
    let scope = match project_id {
        Some(p) => format!("{kind} with project_id {p}"),
        None => kind.to_string(),
    };
    if let Some(name) = selector {
        return candidates
            .into_iter()
            .find(|s| s.name == name)
            .ok_or_else(|| {
                d.jobmirror_error(
                    404,
                    "JobMirror.0404",
                    &format!("no source named {name:?} mirrors {scope}"),
                )
            });
    }
    match candidates.as_slice() {
        [one] => Ok(one),
        [] => Err(d.jobmirror_error(
            404,
            "JobMirror.0404",
            &format!("no source mirrors {scope}"),
        )),
        many => Err(d.jobmirror_error(
            400,
            "JobMirror.0400",
            &format!(
                "several sources mirror {scope}: {}; choose one with ?source=NAME or the X-Jobmirror-Source header",
                many.iter().map(|s| s.name.as_str()).collect::<Vec<_>>().join(", ")
            ),
        )),
    }
}

/// `GET <provider path>` for `kind`.
pub async fn list(
    state: HttpState,
    kind: Kind,
    path: HashMap<String, String>,
    req: Request,
) -> Response {
    let Some(d) = query::dialect(kind) else {
        return super::error(StatusCode::NOT_FOUND, "no such route");
    };
    let (parts, body) = req.into_parts();
    let Ok(body) = to_bytes(body, MAX_BODY).await else {
        return respond(d.jobmirror_error(413, "JobMirror.0413", "request body too large"));
    };
    let decoded: Vec<(String, String)> =
        url::form_urlencoded::parse(parts.uri.query().unwrap_or_default().as_bytes())
            .into_owned()
            .collect();
    let mut selector: Option<String> = None;
    let mut params = Vec::with_capacity(decoded.len());
    for (k, v) in decoded {
        if k == SOURCE_PARAM {
            selector.get_or_insert(v);
        } else {
            params.push((k, v));
        }
    }
    if selector.is_none() {
        selector = parts
            .headers
            .get(SOURCE_HEADER)
            .and_then(|v| v.to_str().ok())
            .map(|v| v.trim().to_string());
    }
    let trusted = bearer_ok(&state, &parts.headers);
    let chosen = select(
        d,
        state.sources().values(),
        kind,
        path.get("project_id").map(String::as_str),
        selector.as_deref(),
    );
    let source = match chosen {
        Ok(s) => s,
        // Say nothing about the configured sources to an unauthenticated caller.
        Err(_) if !trusted => return unauthorized(d, "authentication required"),
        Err(e) => return respond(e),
    };
    if !trusted {
        if let Err(reason) = provider_auth(source, &parts, &body) {
            tracing::info!(source = %source.name, path = %parts.uri.path(), %reason, "drop-in request refused");
            return unauthorized(d, &reason);
        }
    }
    match query::answer_text(state.store(), source, &params).await {
        Ok(a) => {
            let status = StatusCode::from_u16(a.status).unwrap_or(StatusCode::OK);
            let json = [(header::CONTENT_TYPE, "application/json")];
            (status, json, a.body).into_response()
        }
        Err(e) => {
            tracing::error!(source = %source.name, error = %e, "drop-in query failed");
            respond(d.jobmirror_error(500, "JobMirror.0500", &e.to_string()))
        }
    }
}
