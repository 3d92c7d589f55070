//! Resolves the session cookie once per request and hands the result to
//! pages and server functions through the request's extensions.

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use http::Method;
use std::sync::Arc;

use app::server::{cookie_from_headers, AppState, ClientIp, CurrentSession, SESSION_COOKIE};

/// Static files and machine endpoints never need the session.
fn needs_session(path: &str) -> bool {
    ![
        "/pkg/",
        "/healthz",
        "/readyz",
        "/metrics",
        "/favicon",
        "/widget",
        "/api/v1/",
        "/webhooks/",
    ]
    .iter()
    .any(|prefix| path.starts_with(prefix))
}

pub async fn resolve(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let path = request.uri().path().to_string();
    if !needs_session(&path) {
        return next.run(request).await;
    }
    let token = cookie_from_headers(request.headers(), SESSION_COOKIE);
    let ip = request
        .extensions()
        .get::<ClientIp>()
        .and_then(|ip| ip.0.clone());
    let session = match token {
        Some(token) if !token.is_empty() => {
            match domain::auth::sessions::authenticate(&state.db, &token, ip).await {
                Ok(found) => found.map(Arc::new),
                Err(err) => {
                    tracing::error!(error = ?err, "session lookup failed");
                    return (
                        http::StatusCode::SERVICE_UNAVAILABLE,
                        "database unavailable",
                    )
                        .into_response();
                }
            }
        }
        _ => None,
    };
    // Signed-in people have no business on the sign-in and sign-up pages.
    if session.is_some()
        && request.method() == Method::GET
        && (path == "/login" || path == "/signup")
    {
        return Redirect::to("/").into_response();
    }
    request.extensions_mut().insert(CurrentSession(session));
    next.run(request).await
}
