//! A 500 always means a bug of ours. Server functions answer every error
//! they return with its own status (`app::server::fail`), but a request body
//! that does not even decode into the function's arguments (a wrong type, a
//! missing field) is refused by server_fn before our code runs, with a 500.
//! Such a refusal is a client error: answered here with 400 and the field
//! at fault, and counted as a 4xx by the metrics.

use axum::body::{to_bytes, Body};
use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;
use http::StatusCode;
use shared::AppError;

/// Server-function error bodies are small; anything larger is left alone.
const MAX_ERROR_BODY: usize = 64 * 1024;

pub async fn client_errors_are_not_500(request: Request, next: Next) -> Response {
    let path = request.uri().path();
    let server_function = path.starts_with("/api/") && !path.starts_with("/api/v1/");
    let response = next.run(request).await;
    if !server_function || response.status() != StatusCode::INTERNAL_SERVER_ERROR {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = to_bytes(body, MAX_ERROR_BODY).await else {
        return Response::from_parts(parts, Body::empty());
    };
    let bytes = match serde_json::from_slice::<AppError>(&bytes) {
        Ok(AppError::Validation { .. }) => {
            parts.status = StatusCode::BAD_REQUEST;
            bytes
        }
        // JSON arguments that do not decode come back as a "transport" error.
        Ok(AppError::Transport { message }) if message.contains("deserializ") => {
            let (field, code) = shared::errors::field_of_decoding_error(&message);
            parts.status = StatusCode::BAD_REQUEST;
            parts.headers.remove(http::header::CONTENT_LENGTH);
            let error = AppError::Validation {
                fields: vec![shared::FieldError { field, code }],
            };
            serde_json::to_vec(&error).map(Into::into).unwrap_or(bytes)
        }
        _ => bytes,
    };
    Response::from_parts(parts, Body::from(bytes))
}
