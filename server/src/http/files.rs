//! Attachments for agents: upload (multipart) and download. Files are sent
//! with their sniffed type, `nosniff`, a locked-down CSP, and a
//! `Content-Disposition` that downloads anything that is not media.

use axum::body::Body;
use axum::extract::{Multipart, Path, State};
use axum::response::{IntoResponse, Response};
use axum::Json;
use http::{header, HeaderValue, StatusCode};
use shared::{AppError, ErrorCode};
use tokio_util::io::ReaderStream;

use super::api_v1::ApiError;
use app::server::{AppState, CurrentSession};
use domain::attachments::{IncomingFile, Storage, StoredFile, Uploader};

fn session_actor(
    session: Option<axum::Extension<CurrentSession>>,
) -> Result<domain::Actor, ApiError> {
    session
        .and_then(|axum::Extension(s)| s.0)
        .map(|s| s.actor.clone())
        .ok_or(ApiError(AppError::Unauthorized))
}

/// An agent's upload: the session is checked before the body is read (by
/// the session middleware); the file streams to disk within the account's
/// limit.
pub async fn upload(
    State(state): State<AppState>,
    session: Option<axum::Extension<CurrentSession>>,
    form: Result<Multipart, axum::extract::multipart::MultipartRejection>,
) -> Result<Response, ApiError> {
    let actor = session_actor(session)?;
    actor.require(shared::Permission::WorkConversations)?;
    let form = form.map_err(|_| ApiError(AppError::field("file", ErrorCode::Required)))?;
    let storage = Storage::new(&state.config.data_dir);
    let (name, incoming) = receive_upload(&state.db, &storage, actor.account_id, form).await?;
    let stored = domain::attachments::store(
        &state.db,
        &storage,
        actor.account_id,
        Uploader::Agent(actor.user_id),
        &name,
        incoming,
    )
    .await?;
    Ok((StatusCode::CREATED, Json(stored)).into_response())
}

/// Streams the multipart field `file` to disk, refusing it as soon as it
/// passes the account's attachment limit. Returns its name and the file.
pub async fn receive_upload(
    db: &domain::Db,
    storage: &Storage,
    account_id: uuid::Uuid,
    mut form: Multipart,
) -> Result<(String, IncomingFile), ApiError> {
    let invalid = || ApiError(AppError::field("file", ErrorCode::InvalidValue));
    let limit = domain::attachments::limit_bytes(db, account_id).await?;
    while let Some(mut field) = form.next_field().await.map_err(|_| invalid())? {
        if field.name() != Some("file") {
            continue;
        }
        let name = field.file_name().unwrap_or("file").to_string();
        let mut incoming = storage.receive(limit).await?;
        while let Some(chunk) = field.chunk().await.map_err(|err| {
            // The request body limit (the largest any account allows) ends
            // the stream with an error too.
            if err.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError(AppError::field("file", ErrorCode::FileTooLarge))
            } else {
                invalid()
            }
        })? {
            incoming.write(&chunk).await?;
        }
        return Ok((name, incoming));
    }
    Err(ApiError(AppError::field("file", ErrorCode::Required)))
}

pub async fn download(
    State(state): State<AppState>,
    session: Option<axum::Extension<CurrentSession>>,
    Path((id, _name)): Path<(i64, String)>,
) -> Result<Response, ApiError> {
    let actor = session_actor(session)?;
    let storage = Storage::new(&state.config.data_dir);
    let file = domain::attachments::open_for_agent(&state.db, &storage, &actor, id).await?;
    Ok(serve_file(file).await)
}

/// A file an agent sent, fetched by a provider through its signed link: the
/// signature and expiry are checked before anything else, and a link that
/// is malformed, changed or expired looks like no link at all (`404`).
pub async fn linked(
    State(state): State<AppState>,
    axum::Extension(limits): axum::Extension<std::sync::Arc<super::limits::Limits>>,
    super::api_v1::ApiPath((account_id, id, expires, signature, _name)): super::api_v1::ApiPath<(
        uuid::Uuid,
        i64,
        i64,
        String,
        String,
    )>,
) -> Result<Response, ApiError> {
    let valid = domain::attachments::links::link_is_valid(
        &state.config.secret,
        account_id,
        id,
        expires,
        &signature,
        chrono::Utc::now(),
    );
    if !valid {
        return Err(ApiError(AppError::NotFound));
    }
    if let Err(wait) = limits
        .media_links_per_account
        .check(&account_id.to_string())
    {
        return Ok(super::limits::too_many(wait));
    }
    let storage = Storage::new(&state.config.data_dir);
    let file =
        domain::attachments::links::open_by_link(&state.db, &storage, account_id, id).await?;
    Ok(serve_file(file).await)
}

/// Streams a stored file with safe headers.
pub async fn serve_file(file: StoredFile) -> Response {
    let handle = match tokio::fs::File::open(&file.path).await {
        Ok(handle) => handle,
        Err(err) => {
            tracing::error!(path = %file.path.display(), error = %err, "attachment file missing");
            return ApiError(AppError::NotFound).into_response();
        }
    };
    let mut response = Response::new(Body::from_stream(ReaderStream::new(handle)));
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&file.content_type) {
        headers.insert(header::CONTENT_TYPE, value);
    }
    headers.insert(
        header::CONTENT_LENGTH,
        HeaderValue::from(file.size_bytes.max(0) as u64),
    );
    let disposition = format!(
        "{}; filename=\"{}\"; filename*=UTF-8''{}",
        if file.inline() {
            "inline"
        } else {
            "attachment"
        },
        file.file_name
            .replace(['"', '\\'], "_")
            .chars()
            .filter(char::is_ascii)
            .collect::<String>(),
        app::server::percent_encode(&file.file_name)
    );
    if let Ok(value) = HeaderValue::from_str(&disposition) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, max-age=3600"),
    );
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static("default-src 'none'; sandbox"),
    );
    response
}
