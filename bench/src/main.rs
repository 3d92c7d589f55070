//! `ponte-bench`: measures a running Ponte loaded with `ponte seed-load`.
//!
//! Reports conversation-list, open-conversation and search latency
//! (p50/p95, over HTTP as the browser calls them), real-time fan-out of one
//! message to many WebSocket clients (p50/p99), and the server's RSS at idle
//! and with the sockets open. Run through `./ponte.sh bench`.

use anyhow::{bail, Context};
use futures::StreamExt;
use serde_json::{json, Value};
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;

struct Options {
    url: String,
    server_pid: Option<u32>,
    email: String,
    password: String,
    requests: usize,
    sockets: usize,
    rounds: usize,
}

fn options() -> anyhow::Result<Options> {
    use lexopt::prelude::*;
    let mut o = Options {
        url: "http://127.0.0.1:3299".into(),
        server_pid: None,
        email: "supervisor@demo.ponte.dev".into(),
        password: "ponte-demo-2026".into(),
        requests: 300,
        sockets: 1000,
        rounds: 20,
    };
    let mut parser = lexopt::Parser::from_env();
    while let Some(arg) = parser.next()? {
        match arg {
            Long("url") => o.url = parser.value()?.string()?,
            Long("server-pid") => o.server_pid = Some(parser.value()?.parse()?),
            Long("email") => o.email = parser.value()?.string()?,
            Long("password") => o.password = parser.value()?.string()?,
            Long("requests") => o.requests = parser.value()?.parse()?,
            Long("sockets") => o.sockets = parser.value()?.parse()?,
            Long("rounds") => o.rounds = parser.value()?.parse()?,
            other => bail!("{}", other.unexpected()),
        }
    }
    Ok(o)
}

fn percentile(samples: &mut [f64], p: f64) -> f64 {
    samples.sort_by(f64::total_cmp);
    if samples.is_empty() {
        return f64::NAN;
    }
    let index = ((p / 100.0) * (samples.len() - 1) as f64).round() as usize;
    samples[index]
}

fn rss_mb(pid: Option<u32>) -> Option<f64> {
    let status = std::fs::read_to_string(format!("/proc/{}/status", pid?)).ok()?;
    let kb: f64 = status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))?
        .split_whitespace()
        .nth(1)?
        .parse()
        .ok()?;
    Some(kb / 1024.0)
}

struct Client {
    http: reqwest::Client,
    url: String,
    cookie: String,
}

impl Client {
    async fn sign_in(url: &str, email: &str, password: &str) -> anyhow::Result<Self> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(30))
            .build()?;
        let response = http
            .post(format!("{url}/api/sign_in"))
            .header("origin", url)
            .form(&[("email", email), ("password", password)])
            .send()
            .await
            .context("signing in")?;
        let cookie = response
            .headers()
            .get("set-cookie")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .context("no session cookie: wrong e-mail or password?")?
            .to_string();
        Ok(Self {
            http,
            url: url.to_string(),
            cookie,
        })
    }

    /// Calls a JSON server function and returns (milliseconds, body).
    async fn call(&self, endpoint: &str, body: &Value) -> anyhow::Result<(f64, Value)> {
        self.timed(endpoint, self.server_fn(endpoint).json(body))
            .await
    }

    /// Calls a form-encoded server function and returns (milliseconds, body).
    async fn call_form(
        &self,
        endpoint: &str,
        form: &[(&str, String)],
    ) -> anyhow::Result<(f64, Value)> {
        self.timed(endpoint, self.server_fn(endpoint).form(form))
            .await
    }

    fn server_fn(&self, endpoint: &str) -> reqwest::RequestBuilder {
        self.http
            .post(format!("{}/api/{endpoint}", self.url))
            .header("origin", &self.url)
            .header("cookie", &self.cookie)
    }

    async fn timed(
        &self,
        endpoint: &str,
        request: reqwest::RequestBuilder,
    ) -> anyhow::Result<(f64, Value)> {
        let started = Instant::now();
        let response = request.send().await?;
        let status = response.status();
        let value: Value = response.json().await?;
        let ms = started.elapsed().as_secs_f64() * 1000.0;
        if !status.is_success() {
            bail!("{endpoint} answered {status}: {value}");
        }
        Ok((ms, value))
    }
}

fn report(name: &str, samples: &mut [f64], high: f64) {
    let p50 = percentile(samples, 50.0);
    let p_high = percentile(samples, high);
    println!(
        "| {name} | {} | {p50:.1} ms | {p_high:.1} ms (p{high}) |",
        samples.len()
    );
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let o = options()?;
    let client = Client::sign_in(&o.url, &o.email, &o.password).await?;
    let idle_rss = rss_mb(o.server_pid);

    // Warm the caches the way a returning agent would.
    for _ in 0..20 {
        client
            .call("list_conversations", &json!({ "filter": {} }))
            .await?;
    }

    let mut list = Vec::new();
    let mut list_page2 = Vec::new();
    let mut numbers = Vec::new();
    for i in 0..o.requests {
        let filter = match i % 3 {
            0 => json!({}),
            1 => json!({ "tab": "unassigned" }),
            _ => json!({ "all_statuses": true }),
        };
        let (ms, page) = client
            .call("list_conversations", &json!({ "filter": filter }))
            .await?;
        list.push(ms);
        if let Some(cursor) = page["next_cursor"].as_str() {
            let (ms, _) = client
                .call(
                    "list_conversations",
                    &json!({ "filter": { "cursor": cursor } }),
                )
                .await?;
            list_page2.push(ms);
        }
        if numbers.is_empty() {
            numbers = page["conversations"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|c| c["number"].as_i64())
                .collect();
        }
    }
    let max_number = numbers.iter().copied().max().unwrap_or(1).max(1);

    let mut open = Vec::new();
    for i in 0..o.requests {
        // Spread over the whole table, not just the newest rows.
        let number = 1 + ((i as i64 * 7919) % max_number);
        let (ms, _) = client
            .call_form("list_messages", &[("number", number.to_string())])
            .await?;
        open.push(ms);
    }

    let mut search = Vec::new();
    let terms = [
        "segunda via do boleto",
        "defeito, número de série",
        "prazo de entrega para o CEP",
        "Cliente 4242",
        "cliente777@example",
        "+5511900012",
    ];
    for i in 0..(o.requests / 3).max(30) {
        let q = terms[i % terms.len()];
        let (ms, _) = client
            .call(
                "list_conversations",
                &json!({ "filter": { "q": q, "all_statuses": true } }),
            )
            .await?;
        search.push(ms);
    }

    println!("\n| measurement | samples | p50 | tail |\n|---|---|---|---|");
    report("conversation list (first page, 30 rows)", &mut list, 95.0);
    report(
        "conversation list (next page, cursor)",
        &mut list_page2,
        95.0,
    );
    report("open conversation (last 50 messages)", &mut open, 95.0);
    report(
        "search (message text, contact name/e-mail/phone)",
        &mut search,
        95.0,
    );

    let mut fan_out = fan_out(&o, &client).await?;
    report(
        "customer message accepted (widget POST)",
        &mut fan_out.accepted,
        99.0,
    );
    report(
        &format!(
            "real-time fan-out to {} sockets (send to screen)",
            o.sockets
        ),
        &mut fan_out.delivered,
        99.0,
    );
    if let (Some(idle), Some(loaded)) = (idle_rss, fan_out.rss_with_sockets) {
        println!(
            "\nserver RSS: {idle:.0} MB at idle, {loaded:.0} MB with {} sockets open",
            o.sockets
        );
    }
    Ok(())
}

struct FanOut {
    /// From the customer's send to the event's arrival, per socket and round.
    delivered: Vec<f64>,
    /// How long the widget POST took, per round.
    accepted: Vec<f64>,
    rss_with_sockets: Option<f64>,
}

/// Opens `sockets` agent WebSockets, sends `rounds` customer messages, and
/// times each message's arrival at every socket.
async fn fan_out(o: &Options, client: &Client) -> anyhow::Result<FanOut> {
    let ws_url = format!("{}/ws", o.url.replacen("http", "ws", 1));
    let mut sockets = Vec::with_capacity(o.sockets);
    for _ in 0..o.sockets {
        let mut request = ws_url.as_str().into_client_request()?;
        request.headers_mut().insert("origin", o.url.parse()?);
        request
            .headers_mut()
            .insert("cookie", client.cookie.parse()?);
        let (socket, _) = tokio_tungstenite::connect_async(request)
            .await
            .context("opening a socket")?;
        sockets.push(socket);
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    let loaded_rss = rss_mb(o.server_pid);

    let token: Value = client.call("inbox_context", &json!({})).await?.1;
    let channel = token["channels"]
        .as_array()
        .and_then(|c| c.iter().find(|ch| ch["active"] == true))
        .and_then(|ch| ch["public_token"].as_str())
        .context("no active website channel")?
        .to_string();
    let visitor: Value = client
        .http
        .post(format!("{}/widget/{channel}/session", o.url))
        .header("origin", &o.url)
        .json(&json!({}))
        .send()
        .await?
        .json()
        .await?;
    let visitor = visitor["visitor"]
        .as_str()
        .context("no visitor token")?
        .to_string();

    // Each socket reports when it sees the round's marker text.
    let (sender, mut receiver) = tokio::sync::mpsc::unbounded_channel::<(usize, Instant)>();
    for mut socket in sockets {
        let sender = sender.clone();
        tokio::spawn(async move {
            while let Some(Ok(frame)) = socket.next().await {
                if let Message::Text(text) = frame {
                    if let Some(start) = text.find("\"body\":\"bench-") {
                        let rest = &text[start + 14..];
                        if let Some(round) =
                            rest.split('"').next().and_then(|r| r.parse::<usize>().ok())
                        {
                            if text.starts_with("{\"type\":\"message_created\"") {
                                let _ = sender.send((round, Instant::now()));
                            }
                        }
                    }
                }
            }
            let _ = socket.close(None).await;
        });
    }
    drop(sender);

    let mut samples = Vec::new();
    let mut accepted = Vec::new();
    for round in 0..o.rounds {
        let started = Instant::now();
        client
            .http
            .post(format!("{}/widget/{channel}/messages", o.url))
            .header("origin", &o.url)
            .json(&json!({ "visitor": visitor, "body": format!("bench-{round}") }))
            .send()
            .await?;
        accepted.push(started.elapsed().as_secs_f64() * 1000.0);
        let deadline = started + Duration::from_secs(10);
        let mut received = 0;
        while received < o.sockets {
            match tokio::time::timeout_at(deadline.into(), receiver.recv()).await {
                Ok(Some((r, at))) if r == round => {
                    received += 1;
                    samples.push(at.duration_since(started).as_secs_f64() * 1000.0);
                }
                Ok(Some(_)) => {}
                _ => break,
            }
        }
        if received < o.sockets {
            eprintln!(
                "round {round}: only {received} of {} sockets got the message within 10 s",
                o.sockets
            );
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    Ok(FanOut {
        delivered: samples,
        accepted,
        rss_with_sockets: loaded_rss,
    })
}
