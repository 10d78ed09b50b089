//! The generic per-request authentication hook: a kind supplies an [`Authenticator`]
//! (its provider's scheme and error shape) and wraps its routes with [`require`].

use axum::body::{to_bytes, Body};
use axum::extract::{Request, State};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::MethodRouter;
use std::sync::Arc;

/// Largest request body the simulator reads (the list APIs are GETs with no body).
const MAX_BODY: usize = 1 << 20;

/// A provider's authentication scheme.
pub trait Authenticator: Send + Sync + 'static {
    /// Accepts the request, or returns the provider's rejection (e.g. a 401 in its
    /// own error shape). `body` is the complete request body.
    fn check(&self, parts: &Parts, body: &[u8]) -> Result<(), Box<Response>>;
}

async fn authenticate(
    State(auth): State<Arc<dyn Authenticator>>,
    req: Request,
    next: Next,
) -> Response {
    let (parts, body) = req.into_parts();
    let bytes = match to_bytes(body, MAX_BODY).await {
        Ok(b) => b,
        Err(_) => return (StatusCode::PAYLOAD_TOO_LARGE, "request body too large").into_response(),
    };
    if let Err(rejection) = auth.check(&parts, &bytes) {
        return *rejection;
    }
    next.run(Request::from_parts(parts, Body::from(bytes)))
        .await
}

/// Runs `auth` before the route's handler; a rejected request never reaches it (nor the
/// fault layer).
pub fn require<S>(route: MethodRouter<S>, auth: Arc<dyn Authenticator>) -> MethodRouter<S>
where
    S: Clone + Send + Sync + 'static,
{
    route.route_layer(middleware::from_fn_with_state(auth, authenticate))
}
