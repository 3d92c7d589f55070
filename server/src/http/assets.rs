//! The built site's files (`/pkg/*`: wasm, JS, CSS; `/widget.js` and the
//! other public files): served from disk in the brotli or gzip copy made at
//! build time (`scripts/precompress.mjs`) when the browser accepts it. A
//! release build names them by content (`ponte.<hash>.wasm`, listed in
//! `hash.txt` next to the binary), so browsers keep them for a year and a
//! second visit asks for nothing; without hashes (tests, some dev builds)
//! they are revalidated by date instead.
//!
//! Pages and JSON are compressed as they are sent (`compress_responses`).

use axum::http::{header, HeaderValue};
use axum::Router;
use std::path::Path;
use tower_http::compression::predicate::{NotForContentType, Predicate, SizeAbove};
use tower_http::compression::CompressionLayer;
use tower_http::services::{ServeDir, ServeFile};
use tower_http::set_header::SetResponseHeaderLayer;

/// A file whose name is its content's hash never changes.
const FOREVER: HeaderValue = HeaderValue::from_static("public, max-age=31536000, immutable");
/// Without a hash, browsers must ask whether a file changed (304 if not).
const REVALIDATE: HeaderValue = HeaderValue::from_static("no-cache");
/// Customers' pages load the widget on every view: a short freshness saves
/// them a round trip per page, and a new widget still arrives within minutes.
const WIDGET_FRESHNESS: HeaderValue =
    HeaderValue::from_static("public, max-age=300, stale-while-revalidate=86400");

/// Whether cargo-leptos named the site's files by their hashes: it then
/// writes `hash.txt` next to the binary (where Leptos looks for it).
pub fn files_are_hashed() -> bool {
    std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(|dir| dir.join("hash.txt")))
        .is_some_and(|list| list.is_file())
}

/// Routes for the site's static files under `site_root`.
pub fn routes<S: Clone + Send + Sync + 'static>(site_root: &Path, hashed: bool) -> Router<S> {
    let pkg = ServeDir::new(site_root.join("pkg"))
        .precompressed_br()
        .precompressed_gzip();
    let widget = ServeFile::new(site_root.join("widget.js"))
        .precompressed_br()
        .precompressed_gzip();
    Router::new()
        .nest_service(
            "/pkg",
            tower::ServiceBuilder::new()
                .layer(SetResponseHeaderLayer::overriding(
                    header::CACHE_CONTROL,
                    move |response: &axum::http::Response<_>| {
                        // A missing file may exist after the next deploy.
                        let found = response.status().is_success()
                            || response.status() == axum::http::StatusCode::NOT_MODIFIED;
                        match (found, hashed) {
                            (false, _) => None,
                            (true, true) => Some(FOREVER),
                            (true, false) => Some(REVALIDATE),
                        }
                    },
                ))
                .service(pkg),
        )
        .route_service(
            "/widget.js",
            tower::ServiceBuilder::new()
                .layer(SetResponseHeaderLayer::overriding(
                    header::CACHE_CONTROL,
                    WIDGET_FRESHNESS,
                ))
                .service(widget),
        )
}

/// Compresses responses of at least 1 KiB (pages, JSON) with brotli or gzip
/// as the client accepts; files already compressed are left alone.
pub fn compress_responses() -> CompressionLayer<impl Predicate> {
    CompressionLayer::new().compress_when(
        SizeAbove::new(1024)
            .and(NotForContentType::GRPC)
            .and(NotForContentType::IMAGES)
            .and(NotForContentType::SSE)
            .and(NotForContentType::const_new("application/wasm")),
    )
}
