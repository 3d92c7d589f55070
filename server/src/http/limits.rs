//! Budgets for public endpoints: request rates per key (client network,
//! visitor, …) and open connections per client network. Kept in memory per
//! instance — they exist to stop one client from exhausting a server, so an
//! instance protecting itself is what matters; sign-in throttling, which
//! protects accounts, lives in PostgreSQL instead (`domain::auth::throttle`).

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Extension;
use http::{HeaderValue, StatusCode};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::api_v1::ApiError;

/// A rate: `burst` requests at once, refilled at one per `every`.
#[derive(Clone, Copy, Debug)]
pub struct Rate {
    pub burst: u32,
    pub every: Duration,
}

impl Rate {
    pub const fn new(burst: u32, every: Duration) -> Self {
        Self { burst, every }
    }
}

/// Keys beyond this many are forgotten (oldest first) rather than grow memory.
const MAX_KEYS: usize = 100_000;

/// A keyed rate limiter (the generic cell rate algorithm: per key, the time
/// at which its bucket would be full again).
pub struct RateLimiter {
    rate: Rate,
    full_at: Mutex<HashMap<String, Instant>>,
}

impl RateLimiter {
    pub fn new(rate: Rate) -> Self {
        Self {
            rate,
            full_at: Mutex::new(HashMap::new()),
        }
    }

    /// Takes one token for `key`; `Err(wait)` when none is left.
    pub fn check(&self, key: &str) -> Result<(), Duration> {
        let now = Instant::now();
        let window = self.rate.every * self.rate.burst;
        let mut full_at = self.full_at.lock().unwrap_or_else(|p| p.into_inner());
        if full_at.len() >= MAX_KEYS {
            full_at.retain(|_, at| *at > now);
            if full_at.len() >= MAX_KEYS {
                full_at.clear();
            }
        }
        let at = full_at.get(key).copied().unwrap_or(now).max(now);
        let next = at + self.rate.every;
        if next - now > window {
            return Err(next - now - window);
        }
        full_at.insert(key.to_string(), next);
        Ok(())
    }
}

/// `429 Too Many Requests` with `Retry-After`, in the API's JSON shape.
pub fn too_many(wait: Duration) -> Response {
    let secs = wait.as_secs().max(1);
    let mut response = ApiError(shared::AppError::RateLimited {
        retry_after_secs: secs,
    })
    .into_response();
    *response.status_mut() = StatusCode::TOO_MANY_REQUESTS;
    response
        .headers_mut()
        .insert(http::header::RETRY_AFTER, HeaderValue::from(secs));
    response
}

/// Open connections per key, capped. A [`ConnectionSlot`] frees its place
/// when dropped.
pub struct ConnectionCap {
    max: usize,
    open: Arc<Mutex<HashMap<String, usize>>>,
}

pub struct ConnectionSlot {
    key: String,
    open: Arc<Mutex<HashMap<String, usize>>>,
}

impl ConnectionCap {
    pub fn new(max: usize) -> Self {
        Self {
            max,
            open: Arc::default(),
        }
    }

    pub fn take(&self, key: &str) -> Option<ConnectionSlot> {
        let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        let count = open.entry(key.to_string()).or_default();
        if *count >= self.max {
            return None;
        }
        *count += 1;
        Some(ConnectionSlot {
            key: key.to_string(),
            open: self.open.clone(),
        })
    }
}

impl Drop for ConnectionSlot {
    fn drop(&mut self) {
        let mut open = self.open.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(count) = open.get_mut(&self.key) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                open.remove(&self.key);
            }
        }
    }
}

/// Every budget the public endpoints use, shared by the whole router.
pub struct Limits {
    /// New widget sessions per client network.
    pub widget_sessions: RateLimiter,
    /// Visitor messages, per visitor and per client network.
    pub widget_messages_per_visitor: RateLimiter,
    pub widget_messages_per_network: RateLimiter,
    /// Visitor uploads, per visitor and per client network.
    pub widget_uploads_per_visitor: RateLimiter,
    pub widget_uploads_per_network: RateLimiter,
    /// WebSocket connections open at once per client network.
    pub agent_sockets: ConnectionCap,
    pub widget_sockets: ConnectionCap,
    /// Provider webhook requests per connection.
    pub webhooks_per_channel: RateLimiter,
    /// Providers fetching agents' files by signed link, per account.
    pub media_links_per_account: RateLimiter,
    /// Reports computed or exported, per user (page, REST and downloads).
    pub reports_per_user: RateLimiter,
    /// Calls that may reach the account's AI provider (summaries, "test
    /// connection") over REST, per user: each spends the account's key.
    pub ai_calls_per_user: RateLimiter,
}

/// Client-to-server frames each socket may send per second (typing,
/// receipts); frames beyond it are dropped.
pub const SOCKET_FRAMES: Rate = Rate::new(20, Duration::from_millis(500));
/// Largest frame a browser may send: ours are small JSON objects.
pub const MAX_SOCKET_MESSAGE_BYTES: usize = 16 * 1024;

impl Default for Limits {
    fn default() -> Self {
        let s = Duration::from_secs;
        Self {
            widget_sessions: RateLimiter::new(Rate::new(30, s(10))),
            widget_messages_per_visitor: RateLimiter::new(Rate::new(20, s(1))),
            widget_messages_per_network: RateLimiter::new(Rate::new(
                120,
                Duration::from_millis(250),
            )),
            widget_uploads_per_visitor: RateLimiter::new(Rate::new(10, s(10))),
            widget_uploads_per_network: RateLimiter::new(Rate::new(30, s(5))),
            agent_sockets: ConnectionCap::new(200),
            widget_sockets: ConnectionCap::new(50),
            // Meta batches up to 1,000 items per request; 4,000 requests a
            // second per number is beyond any real traffic, not beyond a flood.
            webhooks_per_channel: RateLimiter::new(Rate::new(4000, Duration::from_micros(250))),
            // One fetch per file sent (a few per send at most), at WhatsApp's
            // 80 sends a second.
            media_links_per_account: RateLimiter::new(Rate::new(400, Duration::from_millis(5))),
            // A manager flipping through filters, not a script hammering
            // the database with year-long ranges.
            reports_per_user: RateLimiter::new(Rate::new(30, s(2))),
            // A person asking for summaries, not a script draining the key.
            ai_calls_per_user: RateLimiter::new(Rate::new(20, s(3))),
        }
    }
}

/// The server functions behind the same budgets as their REST twins: the
/// ones that may call the account's AI provider (each spends its key) and
/// the ones that compute reports, per signed-in user.
pub async fn costly_server_fns(
    Extension(limits): Extension<Arc<Limits>>,
    request: Request,
    next: Next,
) -> Response {
    let limiter = match request.uri().path() {
        "/api/summarize_conversation" | "/api/test_ai_provider" | "/api/ask_ai_agent" => {
            &limits.ai_calls_per_user
        }
        "/api/report_table" | "/api/start_report_export" => &limits.reports_per_user,
        _ => return next.run(request).await,
    };
    let user = request
        .extensions()
        .get::<app::server::CurrentSession>()
        .and_then(|session| session.0.as_ref())
        .map(|session| session.actor.user_id.to_string());
    if let Some(user) = user {
        if let Err(wait) = limiter.check(&user) {
            return server_fn_too_many(wait);
        }
    }
    next.run(request).await
}

/// A 429 the browser's server-function client reads as its error.
fn server_fn_too_many(wait: Duration) -> Response {
    let secs = wait.as_secs().max(1);
    let body = serde_json::to_string(&shared::AppError::RateLimited {
        retry_after_secs: secs,
    })
    .unwrap_or_default();
    let mut response = (StatusCode::TOO_MANY_REQUESTS, body).into_response();
    response.headers_mut().insert(
        http::header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
        .headers_mut()
        .insert(http::header::RETRY_AFTER, HeaderValue::from(secs));
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_passes_then_the_rate_holds() {
        let limiter = RateLimiter::new(Rate::new(3, Duration::from_secs(60)));
        for _ in 0..3 {
            assert!(limiter.check("a").is_ok());
        }
        let wait = limiter.check("a").unwrap_err();
        assert!(wait > Duration::from_secs(50) && wait <= Duration::from_secs(60));
        assert!(limiter.check("b").is_ok(), "keys are independent");
    }

    #[test]
    fn connection_slots_free_their_place() {
        let cap = ConnectionCap::new(2);
        let first = cap.take("ip").unwrap();
        let _second = cap.take("ip").unwrap();
        assert!(cap.take("ip").is_none());
        drop(first);
        assert!(cap.take("ip").is_some());
    }
}
