//! The built site's files (`/pkg/*`: wasm, JS, CSS; `/widget.js` and the
//! other public files): served from disk in the brotli or gzip copy made at
//! build time (`scripts/precompress.mjs`) when the browser accepts it, and
//! revalidated by date, so a second visit costs one 304 per file.
//!
//! Pages and JSON are compressed as they are sent (`compress_responses`).

use axum::http::{header, HeaderValue};
use axum::Router;
use std::path::Path;
use tower_http::compression::predicate::{NotForContentType, Predicate, SizeAbove};
use tower_http::compression::CompressionLayer;
use tower_http::services::{ServeDir, ServeFile};
use tower_http::set_header::SetResponseHeaderLayer;

/// Until file names carry a hash, browsers must ask whether a file changed
/// (answered with 304 when it did not).
const REVALIDATE: HeaderValue = HeaderValue::from_static("no-cache");
/// Customers' pages load the widget on every view: a short freshness saves
/// them a round trip per page, and a new widget still arrives within minutes.
const WIDGET_FRESHNESS: HeaderValue =
    HeaderValue::from_static("public, max-age=300, stale-while-revalidate=86400");

/// Routes for the site's static files under `site_root`.
pub fn routes<S: Clone + Send + Sync + 'static>(site_root: &Path) -> Router<S> {
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
                    REVALIDATE,
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
