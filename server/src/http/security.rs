//! Security middleware: response headers, the cross-origin POST check, and
//! the client's address.

use axum::extract::{ConnectInfo, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http::header::{HeaderValue, CONTENT_SECURITY_POLICY, HOST, ORIGIN, REFERER};
use http::{Method, StatusCode};
use std::net::SocketAddr;
use std::sync::Arc;

use app::server::ClientIp;

/// Headers every response carries. HTML pages set their own CSP (with the
/// script nonce); anything else gets a locked-down default.
pub async fn headers(State(hsts): State<bool>, request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    headers.insert(
        "x-content-type-options",
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        "referrer-policy",
        HeaderValue::from_static("strict-origin-when-cross-origin"),
    );
    headers.insert("x-frame-options", HeaderValue::from_static("DENY"));
    headers.insert(
        "permissions-policy",
        HeaderValue::from_static("camera=(), geolocation=(), microphone=(), payment=()"),
    );
    headers.insert(
        "cross-origin-opener-policy",
        HeaderValue::from_static("same-origin"),
    );
    if !headers.contains_key(CONTENT_SECURITY_POLICY) {
        headers.insert(
            CONTENT_SECURITY_POLICY,
            HeaderValue::from_static("default-src 'none'; frame-ancestors 'none'"),
        );
    }
    if hsts {
        headers.insert(
            "strict-transport-security",
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        );
    }
    response
}

/// Paths whose state-changing requests are not authenticated by our cookie
/// (bearer-token API, public widget endpoints, provider webhooks), so a
/// cross-site request can do nothing a direct one could not.
const COOKIELESS_PREFIXES: &[&str] = &["/api/v1/", "/widget/", "/webhooks/"];

/// Refuses state-changing requests whose Origin (or, failing that, Referer)
/// is not this site: server functions and forms are CSRF-safe.
pub async fn same_origin(
    State(public_url): State<Arc<str>>,
    request: Request,
    next: Next,
) -> Response {
    let unsafe_method = !matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    let path = request.uri().path();
    if !unsafe_method
        || COOKIELESS_PREFIXES
            .iter()
            .any(|prefix| path.starts_with(prefix))
    {
        return next.run(request).await;
    }
    let headers = request.headers();
    let claimed = headers
        .get(ORIGIN)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string)
        .or_else(|| {
            headers
                .get(REFERER)
                .and_then(|v| v.to_str().ok())
                .and_then(origin_of)
        });
    let host = headers
        .get(HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    let allowed = claimed.as_deref().is_some_and(|origin| {
        origin == &*public_url
            || origin
                .strip_prefix("http://")
                .or_else(|| origin.strip_prefix("https://"))
                == Some(host)
    });
    if allowed {
        next.run(request).await
    } else {
        tracing::warn!(path, origin = ?claimed, "cross-origin request refused");
        (StatusCode::FORBIDDEN, "cross-origin request refused").into_response()
    }
}

/// `https://host:port/path` → `https://host:port`.
fn origin_of(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let host = rest.split('/').next()?;
    Some(format!("{scheme}://{host}"))
}

/// Records the client address for sessions, throttling and the audit log.
///
/// `X-Forwarded-For` is read only behind `trusted_proxies` reverse proxies
/// (`PONTE_TRUST_PROXY`), and then from the right: each trusted proxy
/// appended the address it saw, so the entry that many places from the end
/// is the first one nobody we trust vouches for. Anything to its left was
/// written by the client and may be forged.
pub async fn client_ip(
    State(trusted_proxies): State<usize>,
    mut request: Request,
    next: Next,
) -> Response {
    let direct = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ci| ci.0.ip());
    let forwarded = (trusted_proxies > 0)
        .then(|| forwarded_client(request.headers(), trusted_proxies))
        .flatten();
    let client = forwarded.or(direct).map(|ip| ip.to_string());
    request.extensions_mut().insert(ClientIp(client));
    next.run(request).await
}

/// The client address `X-Forwarded-For` names behind `hops` trusted proxies.
fn forwarded_client(headers: &http::HeaderMap, hops: usize) -> Option<std::net::IpAddr> {
    let hops_seen: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .collect();
    let index = hops_seen.len().checked_sub(hops)?;
    hops_seen[index].parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_client_is_read_from_the_right_of_x_forwarded_for() {
        let mut headers = http::HeaderMap::new();
        headers.insert(
            "x-forwarded-for",
            HeaderValue::from_static("6.6.6.6, 203.0.113.9"),
        );
        assert_eq!(
            forwarded_client(&headers, 1),
            Some("203.0.113.9".parse().unwrap()),
            "the address our proxy saw, not the one the client wrote"
        );
        assert_eq!(
            forwarded_client(&headers, 2),
            Some("6.6.6.6".parse().unwrap())
        );
        assert_eq!(
            forwarded_client(&headers, 3),
            None,
            "fewer hops than proxies"
        );
        headers.insert("x-forwarded-for", HeaderValue::from_static("not-an-ip"));
        assert_eq!(forwarded_client(&headers, 1), None);
    }

    #[test]
    fn origin_is_scheme_and_host() {
        assert_eq!(
            origin_of("http://127.0.0.1:3000/login?x=1").as_deref(),
            Some("http://127.0.0.1:3000")
        );
        assert_eq!(origin_of("nonsense"), None);
    }
}
