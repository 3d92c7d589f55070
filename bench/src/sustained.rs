//! Sustained load: agent sockets connected while customers write at a
//! steady rate across many conversations. Reports delivery latency over
//! every frame, frames lost by sockets that kept up, and the server's
//! memory over time.

use anyhow::Context;
use futures::{StreamExt, TryStreamExt};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::Message;

use crate::http::{network_of, Session, Visitor};
use crate::sockets::{self, marker, Socket, Target};
use crate::stats::{cpu_seconds, rss_mb};

pub struct Load {
    pub rate: u32,
    pub conversations: usize,
    pub seconds: u64,
}

/// Untimed load before the measured seconds.
pub const WARM_UP: Duration = Duration::from_secs(5);

/// Latencies are also grouped by when their message was sent, this long a
/// group: a tail from one stall shows as one slow group.
pub const WINDOW: Duration = Duration::from_secs(5);

pub struct Sustained {
    /// Send → arrival, over every frame of every socket (ms).
    pub latencies: Vec<f64>,
    /// The same, by [`WINDOW`] of sending.
    pub by_window: Vec<Vec<f64>>,
    pub sent: u64,
    pub refused: u64,
    /// Sockets the server closed (too slow) or that failed.
    pub sockets_closed: usize,
    /// Frames missing on sockets that stayed open.
    pub missing_frames: u64,
    /// The server's RSS every 5 s.
    pub rss: Vec<f64>,
    /// The server's CPU use over the measured seconds (cores).
    pub server_cores: Option<f64>,
}

/// New conversations per channel per minute stay under Ponte's limit (120).
const CONVERSATIONS_PER_CHANNEL: usize = 100;

/// Creates website channels and one visitor (with a first message, so a
/// conversation exists) per conversation.
async fn customers(admin: &Session, count: usize) -> anyhow::Result<Vec<Visitor>> {
    let mut channels = Vec::new();
    let stamp = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)?
        .as_millis();
    for index in 0..count.div_ceil(CONVERSATIONS_PER_CHANNEL) {
        let (_, channel) = admin
            .call_form(
                "save_website_channel",
                &[
                    ("channel[name]", format!("bench {stamp}-{index}")),
                    ("channel[allowed_origins]", admin.url.clone()),
                    ("channel[greeting]", String::new()),
                    ("channel[color]", "#1f6feb".into()),
                ],
            )
            .await?;
        channels.push(
            channel["public_token"]
                .as_str()
                .context("no channel token")?
                .to_string(),
        );
    }
    futures::stream::iter(0..count)
        .map(|index| {
            let channel = channels[index / CONVERSATIONS_PER_CHANNEL].clone();
            async move {
                let visitor = Visitor::start(
                    &admin.http,
                    &admin.url,
                    &channel,
                    network_of(20_000 + index),
                )
                .await?;
                visitor.send(&admin.http, &admin.url, "olá").await?;
                anyhow::Ok(visitor)
            }
        })
        .buffer_unordered(8)
        .try_collect()
        .await
}

/// What one socket saw: latencies (ms) of the load's frames, and whether it
/// stayed open to the end.
struct Seen {
    /// (window of sending, latency in ms)
    latencies: Vec<(usize, f64)>,
    open_to_the_end: bool,
}

async fn read_until(mut socket: Socket, started: Instant, until: Instant) -> Seen {
    let mut latencies = Vec::new();
    let mut open_to_the_end = true;
    loop {
        match tokio::time::timeout_at(until.into(), socket.next()).await {
            Ok(Some(Ok(Message::Text(text)))) => {
                // bench-s<seq>-<micros since start>
                let sent_at = marker(&text)
                    .and_then(|m| m.strip_prefix('s'))
                    .and_then(|m| m.split_once('-'))
                    .and_then(|(_, micros)| micros.parse::<u64>().ok());
                if let Some(micros) = sent_at {
                    let sent = started + Duration::from_micros(micros);
                    let window = (micros / WINDOW.as_micros() as u64) as usize;
                    latencies.push((
                        window,
                        Instant::now().duration_since(sent).as_secs_f64() * 1000.0,
                    ));
                }
            }
            Ok(Some(Ok(_))) => {}
            Ok(Some(Err(_)) | None) => {
                open_to_the_end = false;
                break;
            }
            Err(_) => break,
        }
    }
    let _ = socket.close(None).await;
    Seen {
        latencies,
        open_to_the_end,
    }
}

pub async fn run(
    supervisor: &Session,
    admin: &Session,
    load: &Load,
    socket_count: usize,
    server_pid: Option<u32>,
) -> anyhow::Result<Sustained> {
    let visitors = Arc::new(customers(admin, load.conversations).await?);
    let ws_url = format!("{}/ws", supervisor.url.replacen("http", "ws", 1));
    let target = Target {
        ws_url,
        origin: &supervisor.url,
        cookie: Some(&supervisor.cookie),
    };
    let open = sockets::open(&target, socket_count).await?;
    tokio::time::sleep(Duration::from_secs(1)).await;

    // The same load, untimed, first: a fresh server's pooled connections
    // prepare and plan their statements on first use (as in the fan-out's
    // warm-up rounds), which is not what a running server pays.
    let started = Instant::now() + WARM_UP;
    let load_ends = started + Duration::from_secs(load.seconds);
    // Frames still on their way when the load ends get five more seconds.
    let reading_ends = load_ends + Duration::from_secs(5);
    let readers: Vec<_> = open
        .into_iter()
        .map(|socket| tokio::spawn(read_until(socket, started, reading_ends)))
        .collect();

    let sent = Arc::new(AtomicU64::new(0));
    let refused = Arc::new(AtomicU64::new(0));
    let mut rss = Vec::new();
    let mut next_rss = started;
    let mut tick = tokio::time::interval(Duration::from_secs_f64(1.0 / f64::from(load.rate)));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Burst);
    let mut seq = 0usize;
    let mut cpu_at_start = None;
    while Instant::now() < load_ends {
        tick.tick().await;
        let now = Instant::now();
        let measured = now >= started;
        if measured && cpu_at_start.is_none() {
            cpu_at_start = cpu_seconds(server_pid).map(|cpu| (now, cpu));
        }
        if measured && now >= next_rss {
            rss.extend(rss_mb(server_pid));
            next_rss += Duration::from_secs(5);
        }
        let visitors = visitors.clone();
        let http = supervisor.http.clone();
        let url = supervisor.url.clone();
        let (sent, refused) = (sent.clone(), refused.clone());
        // Readers time only `bench-s…` frames.
        let body = if measured {
            format!("bench-s{seq}-{}", now.duration_since(started).as_micros())
        } else {
            format!("bench-w{seq}")
        };
        tokio::spawn(async move {
            let visitor = &visitors[seq % visitors.len()];
            let result = visitor.send(&http, &url, &body).await;
            if measured {
                let counter = if result.is_ok() { &sent } else { &refused };
                counter.fetch_add(1, Ordering::Relaxed);
            }
        });
        seq += 1;
    }

    let server_cores = cpu_at_start
        .and_then(|(at, cpu)| Some((cpu_seconds(server_pid)? - cpu) / at.elapsed().as_secs_f64()));
    let mut seen_by_socket = Vec::with_capacity(readers.len());
    for reader in readers {
        seen_by_socket.push(reader.await?);
    }
    // Read after the readers' five extra seconds: no send is still in flight.
    let sent = sent.load(Ordering::Relaxed);
    let mut latencies = Vec::new();
    let mut by_window: Vec<Vec<f64>> = Vec::new();
    let mut sockets_closed = 0;
    let mut missing_frames = 0;
    for seen in seen_by_socket {
        if seen.open_to_the_end {
            missing_frames += sent.saturating_sub(seen.latencies.len() as u64);
        } else {
            sockets_closed += 1;
        }
        for (window, latency) in seen.latencies {
            if by_window.len() <= window {
                by_window.resize_with(window + 1, Vec::new);
            }
            by_window[window].push(latency);
            latencies.push(latency);
        }
    }
    rss.extend(rss_mb(server_pid));
    Ok(Sustained {
        latencies,
        by_window,
        sent,
        refused: refused.load(Ordering::Relaxed),
        sockets_closed,
        missing_frames,
        rss,
        server_cores,
    })
}
