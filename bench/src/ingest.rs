//! `--mode ingest`: verified-webhook ingest (signature checked, request
//! stored, 200) against `pgbench` doing single-row inserts into a table like
//! `webhook_events` on the same database, in the same run; then latency at a
//! fixed 1,000 requests/s, and how long the workers take to drain the backlog
//! once the load stops.

use anyhow::{bail, Context};
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::http::Session;
use crate::stats::percentile;

const APP_SECRET: &str = "bench-app-secret";
/// Few enough customers that new conversations stay under the per-channel
/// flood limit; every message still makes a message row.
const CUSTOMERS: usize = 100;
/// WhatsApp numbers (connections) the load is spread over: each connection
/// accepts at most 4,000 requests a second (`Limits::webhooks_per_channel`),
/// and one alone would measure that cap rather than the ingest.
const NUMBERS: usize = 4;
const SECONDS: u64 = 10;

pub struct Target<'a> {
    pub admin: &'a Session,
    pub database_url: &'a str,
}

pub async fn run(target: &Target<'_>, rate: u32) -> anyhow::Result<()> {
    let rate = rate as usize;
    let mut urls = Vec::with_capacity(NUMBERS);
    for number in 1..=NUMBERS {
        let channel = create_connection(target.admin, number).await?;
        urls.push(format!("{}/webhooks/whatsapp/{channel}", target.admin.url));
    }
    let urls = Arc::new(urls);
    let floor_tps = pgbench(target.database_url)?;

    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(128)
        .timeout(Duration::from_secs(30))
        .build()?;
    let counter = Arc::new(AtomicUsize::new(0));
    let (max_tps, refused) = closed_loop(&client, &urls, &counter, 64).await?;
    let drained_max = drain(target.database_url).await?;
    let (latencies, failures) = open_loop(&client, &urls, &counter, rate).await?;
    let drained = drain(target.database_url).await?;
    let mut latencies = latencies;
    let (p50, p99) = (
        percentile(&mut latencies, 50.0),
        percentile(&mut latencies, 99.0),
    );

    println!("\n| webhook ingest ({SECONDS} s each) | result |\n|---|---|");
    println!(
        "| pgbench: single-row inserts into a webhook_events-like table | {floor_tps:.0} TPS |"
    );
    println!(
        "| Ponte: verified + stored + 200, 64 concurrent senders over {NUMBERS} numbers | {max_tps:.0} req/s ({refused} refused) |"
    );
    println!("| Ponte ÷ pgbench | {:.2}× |", max_tps / floor_tps);
    println!(
        "| Ponte at {rate} req/s: p50 / p99 ({} requests, {failures} failed) | {p50:.1} ms / {p99:.1} ms |",
        latencies.len()
    );
    println!("| backlog drained after the maximum-rate run | {drained_max:.1} s |");
    println!("| backlog drained after the {rate} req/s run | {drained:.1} s |");
    Ok(())
}

/// A WhatsApp Cloud connection made through the REST API, as an admin would.
async fn create_connection(admin: &Session, number: usize) -> anyhow::Result<i64> {
    let (_, created) = admin
        .call_form("create_api_token", &[("name", "bench ingest".to_string())])
        .await?;
    let token = created["token"].as_str().context("no API token")?;
    let response: Value = admin
        .http
        .post(format!("{}/api/v1/channels", admin.url))
        .bearer_auth(token)
        .json(&json!({"type": "whatsapp_cloud", "name": format!("Bench {} #{number}", std::process::id()), "config": {
            "phone_number_id": "1", "access_token": "bench", "app_secret": APP_SECRET,
            "verify_token": "bench", "api_base_url": "http://127.0.0.1:9"}}))
        .send()
        .await?
        .json()
        .await?;
    response["id"]
        .as_i64()
        .context("the connection was not created")
}

/// A webhook body like Meta's for one text message (about 600 bytes), and
/// its signature.
fn signed_body(n: usize) -> (String, String) {
    let from = format!("55119800{:05}", n % CUSTOMERS);
    let body = json!({"object": "whatsapp_business_account", "entry": [{"id": "102290129340398", "changes": [{
        "field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "15550783881", "phone_number_id": "106540352242922"},
            "contacts": [{"profile": {"name": "Cliente Bench"}, "wa_id": from}],
            "messages": [{"from": from, "id": format!("wamid.bench.{}.{n}", std::process::id()),
                          "timestamp": "1764633600", "type": "text",
                          "text": {"body": format!("Olá, esta é a mensagem de teste número {n}")}}]}}]}]})
    .to_string();
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(APP_SECRET.as_bytes())
        .unwrap_or_else(|_| unreachable!("HMAC accepts keys of any length"));
    mac.update(body.as_bytes());
    let hex: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    (body, format!("sha256={hex}"))
}

/// Posts message `n` to the connection whose turn it is.
async fn post(client: &reqwest::Client, urls: &[String], n: usize) -> anyhow::Result<f64> {
    let (body, signature) = signed_body(n);
    let started = Instant::now();
    let response = client
        .post(&urls[n % urls.len()])
        .header("x-hub-signature-256", signature)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await?;
    if response.status() != 200 {
        bail!("answered {}", response.status());
    }
    Ok(started.elapsed().as_secs_f64() * 1000.0)
}

/// As fast as `senders` concurrent clients go: accepted requests per second,
/// and how many were refused.
async fn closed_loop(
    client: &reqwest::Client,
    urls: &Arc<Vec<String>>,
    counter: &Arc<AtomicUsize>,
    senders: usize,
) -> anyhow::Result<(f64, usize)> {
    let accepted = Arc::new(AtomicUsize::new(0));
    let refused = Arc::new(AtomicUsize::new(0));
    let deadline = Instant::now() + Duration::from_secs(SECONDS);
    let started = Instant::now();
    let tasks: Vec<_> = (0..senders)
        .map(|_| {
            let (client, urls, counter, accepted, refused) = (
                client.clone(),
                urls.clone(),
                counter.clone(),
                accepted.clone(),
                refused.clone(),
            );
            tokio::spawn(async move {
                while Instant::now() < deadline {
                    let n = counter.fetch_add(1, Ordering::Relaxed);
                    let answered = match post(&client, &urls, n).await {
                        Ok(_) => &accepted,
                        Err(_) => &refused,
                    };
                    answered.fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect();
    for task in tasks {
        task.await?;
    }
    let accepted = accepted.load(Ordering::Relaxed);
    let refused = refused.load(Ordering::Relaxed);
    Ok((accepted as f64 / started.elapsed().as_secs_f64(), refused))
}

/// `rate` requests a second, each on its own, whatever the answers take.
async fn open_loop(
    client: &reqwest::Client,
    urls: &Arc<Vec<String>>,
    counter: &Arc<AtomicUsize>,
    rate: usize,
) -> anyhow::Result<(Vec<f64>, usize)> {
    let mut tick = tokio::time::interval(Duration::from_secs_f64(1.0 / rate as f64));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let mut tasks = Vec::with_capacity(rate * SECONDS as usize);
    for _ in 0..rate * SECONDS as usize {
        tick.tick().await;
        let (client, urls) = (client.clone(), urls.clone());
        let n = counter.fetch_add(1, Ordering::Relaxed);
        tasks.push(tokio::spawn(async move { post(&client, &urls, n).await }));
    }
    let (mut latencies, mut failures) = (Vec::with_capacity(tasks.len()), 0);
    for task in tasks {
        match task.await? {
            Ok(ms) => latencies.push(ms),
            Err(_) => failures += 1,
        }
    }
    Ok((latencies, failures))
}

fn psql(database_url: &str, sql: &str) -> anyhow::Result<String> {
    let out = Command::new("psql")
        .args([database_url, "-Atqc", sql])
        .output()
        .context("running psql")?;
    if !out.status.success() {
        bail!("psql: {}", String::from_utf8_lossy(&out.stderr));
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// Seconds until no webhook event is pending.
async fn drain(database_url: &str) -> anyhow::Result<f64> {
    let started = Instant::now();
    loop {
        // Whether any is left, not how many: counting tens of thousands of
        // rows every 200 ms took the workers' CPU while they were timed.
        let pending = psql(
            database_url,
            "SELECT EXISTS (SELECT 1 FROM webhook_events WHERE state = 'pending')",
        )?;
        if pending == "f" {
            return Ok(started.elapsed().as_secs_f64());
        }
        if started.elapsed() > Duration::from_secs(300) {
            bail!("events still pending after 5 minutes");
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// pgbench's transactions per second inserting one ~600-byte row with a
/// unique key into a table shaped like `webhook_events`.
fn pgbench(database_url: &str) -> anyhow::Result<f64> {
    psql(
        database_url,
        "DROP TABLE IF EXISTS bench_ingest_floor;
         CREATE TABLE bench_ingest_floor (
             id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
             account_id uuid NOT NULL DEFAULT gen_random_uuid(), channel_id bigint NOT NULL,
             provider text NOT NULL, body bytea NOT NULL, headers jsonb NOT NULL DEFAULT '{}',
             dedupe_key text NOT NULL, order_key text NOT NULL DEFAULT '',
             received_at timestamptz NOT NULL DEFAULT now(), state text NOT NULL DEFAULT 'pending',
             attempts integer NOT NULL DEFAULT 0, next_attempt_at timestamptz NOT NULL DEFAULT now(),
             UNIQUE (channel_id, dedupe_key));
         CREATE INDEX ON bench_ingest_floor (next_attempt_at, id) WHERE state = 'pending';",
    )?;
    let script = std::env::temp_dir().join(format!("ponte-ingest-{}.sql", std::process::id()));
    std::fs::write(
        &script,
        "INSERT INTO bench_ingest_floor (channel_id, provider, body, headers, dedupe_key, order_key)\n\
         VALUES (1, 'whatsapp_cloud', convert_to(repeat('x', 600), 'UTF8'), '{}', md5(random()::text || clock_timestamp()::text), '5511980000001');\n",
    )?;
    let out = Command::new("pgbench")
        .args([
            "-n",
            "-c",
            "16",
            "-j",
            "2",
            "-T",
            &SECONDS.to_string(),
            "-f",
        ])
        .arg(&script)
        .arg(database_url)
        .output()
        .context("running pgbench (Debian: postgresql-client)")?;
    let _ = std::fs::remove_file(&script);
    let text = String::from_utf8_lossy(&out.stdout);
    let tps = text
        .lines()
        .find(|l| l.starts_with("tps = "))
        .and_then(|l| l.split_whitespace().nth(2))
        .and_then(|v| v.parse::<f64>().ok())
        .with_context(|| {
            format!(
                "pgbench printed no tps:\n{text}{}",
                String::from_utf8_lossy(&out.stderr)
            )
        })?;
    psql(database_url, "DROP TABLE bench_ingest_floor")?;
    Ok(tps)
}
