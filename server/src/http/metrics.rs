//! Prometheus metrics: request counts and latency histograms per route, plus
//! a few gauges. Hand-rolled: a mutex-guarded map is plenty at our request
//! rates and keeps a metrics crate out of the build.

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

const BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0,
];

#[derive(Default)]
struct Series {
    count: u64,
    sum: f64,
    buckets: [u64; BUCKETS.len()],
}

#[derive(Default)]
pub struct Metrics {
    requests: Mutex<BTreeMap<(String, String, u16), Series>>,
    pub websockets: AtomicI64,
    /// Webhook requests refused for a bad or missing signature or token.
    pub webhooks_rejected: AtomicI64,
}

/// Set on the response by the inner layer, so the outer one can label it.
#[derive(Clone)]
struct RouteLabel(String);

impl Metrics {
    pub fn new() -> Arc<Self> {
        Arc::new(Self::default())
    }

    fn observe(&self, method: &str, route: &str, status: u16, seconds: f64) {
        let mut requests = self
            .requests
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let series = requests
            .entry((method.to_string(), route.to_string(), status))
            .or_default();
        series.count += 1;
        series.sum += seconds;
        for (bucket, limit) in series.buckets.iter_mut().zip(BUCKETS) {
            if seconds <= limit {
                *bucket += 1;
            }
        }
    }

    pub fn render(&self, pool_size: u32, pool_idle: usize) -> String {
        let mut out = String::new();
        let requests = self
            .requests
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        out.push_str(
            "# HELP ponte_http_requests_total HTTP requests by method, route and status.\n",
        );
        out.push_str("# TYPE ponte_http_requests_total counter\n");
        for ((method, route, status), s) in requests.iter() {
            let _ = writeln!(out, "ponte_http_requests_total{{method=\"{method}\",route=\"{route}\",status=\"{status}\"}} {}", s.count);
        }
        out.push_str("# HELP ponte_http_request_duration_seconds HTTP request latency.\n");
        out.push_str("# TYPE ponte_http_request_duration_seconds histogram\n");
        let mut by_route: BTreeMap<(&str, &str), Series> = BTreeMap::new();
        for ((method, route, _), s) in requests.iter() {
            let merged = by_route
                .entry((method.as_str(), route.as_str()))
                .or_default();
            merged.count += s.count;
            merged.sum += s.sum;
            for (total, part) in merged.buckets.iter_mut().zip(s.buckets) {
                *total += part;
            }
        }
        for ((method, route), s) in by_route {
            let labels = format!("method=\"{method}\",route=\"{route}\"");
            for (count, limit) in s.buckets.iter().zip(BUCKETS) {
                let _ = writeln!(
                    out,
                    "ponte_http_request_duration_seconds_bucket{{{labels},le=\"{limit}\"}} {count}"
                );
            }
            let _ = writeln!(
                out,
                "ponte_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}",
                s.count
            );
            let _ = writeln!(
                out,
                "ponte_http_request_duration_seconds_sum{{{labels}}} {}",
                s.sum
            );
            let _ = writeln!(
                out,
                "ponte_http_request_duration_seconds_count{{{labels}}} {}",
                s.count
            );
        }
        out.push_str(
            "# HELP ponte_websocket_connections Open WebSocket connections on this instance.\n",
        );
        out.push_str("# TYPE ponte_websocket_connections gauge\n");
        let _ = writeln!(
            out,
            "ponte_websocket_connections {}",
            self.websockets.load(Ordering::Relaxed)
        );
        out.push_str("# HELP ponte_webhooks_rejected_total Webhook requests refused for a bad or missing signature or token.\n");
        out.push_str("# TYPE ponte_webhooks_rejected_total counter\n");
        let _ = writeln!(
            out,
            "ponte_webhooks_rejected_total {}",
            self.webhooks_rejected.load(Ordering::Relaxed)
        );
        out.push_str("# HELP ponte_db_pool_connections Runtime database pool connections.\n");
        out.push_str("# TYPE ponte_db_pool_connections gauge\n");
        let _ = writeln!(
            out,
            "ponte_db_pool_connections{{state=\"open\"}} {pool_size}"
        );
        let _ = writeln!(
            out,
            "ponte_db_pool_connections{{state=\"idle\"}} {pool_idle}"
        );
        out
    }
}

/// Inner layer (`route_layer`): remembers which route matched.
pub async fn label_route(request: Request, next: Next) -> Response {
    let label = request
        .extensions()
        .get::<MatchedPath>()
        .map(|p| p.as_str().to_string());
    let mut response = next.run(request).await;
    if let Some(label) = label {
        response.extensions_mut().insert(RouteLabel(label));
    }
    response
}

/// Outer layer: times every request and records it under its route.
pub async fn record(
    State(metrics): State<Arc<Metrics>>,
    request: Request,
    next: Next,
) -> impl IntoResponse {
    let method = request.method().as_str().to_string();
    let started = Instant::now();
    let response = next.run(request).await;
    let route = response
        .extensions()
        .get::<RouteLabel>()
        .map(|r| r.0.clone())
        .unwrap_or_else(|| "unmatched".to_string());
    metrics.observe(
        &method,
        &route,
        response.status().as_u16(),
        started.elapsed().as_secs_f64(),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_counts_and_cumulative_buckets() {
        let metrics = Metrics::default();
        metrics.observe("GET", "/healthz", 200, 0.002);
        metrics.observe("GET", "/healthz", 200, 0.2);
        let text = metrics.render(3, 1);
        assert!(text.contains(
            "ponte_http_requests_total{method=\"GET\",route=\"/healthz\",status=\"200\"} 2"
        ));
        assert!(text.contains("ponte_http_request_duration_seconds_bucket{method=\"GET\",route=\"/healthz\",le=\"0.0025\"} 1"));
        assert!(text.contains("ponte_http_request_duration_seconds_bucket{method=\"GET\",route=\"/healthz\",le=\"0.25\"} 2"));
        assert!(text.contains(
            "ponte_http_request_duration_seconds_count{method=\"GET\",route=\"/healthz\"} 2"
        ));
        assert!(text.contains("ponte_db_pool_connections{state=\"open\"} 3"));
    }
}
