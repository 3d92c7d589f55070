//! Real-time fan-out: one customer message to every agent socket, timed
//! from the send to each socket's arrival, for Ponte and for the floor (a
//! bare broadcast server) with the same client code.

use anyhow::Context;
use futures::SinkExt;
use serde_json::{json, Value};
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::Message;

use crate::http::{network_of, Session, Visitor};
use crate::sockets::{self, Socket, Target};
use crate::stats::rss_mb;

pub struct FanOut {
    /// From the send to the frame's arrival, per socket and round (ms).
    pub delivered: Vec<f64>,
    /// How long the send itself took, per round (ms).
    pub accepted: Vec<f64>,
    pub rss_idle: Option<f64>,
    pub rss_with_sockets: Option<f64>,
    /// A few seconds after every socket closed.
    pub rss_after_close: Option<f64>,
}

/// What makes the server send one message to everyone.
pub enum Trigger {
    /// A website visitor writes (Ponte: POST, stored, NOTIFY, fan-out).
    Customer {
        http: reqwest::Client,
        url: String,
        visitors: Vec<Visitor>,
    },
    /// A publisher socket sends the frame the floor server relays as is.
    Publisher(Box<Socket>),
}

/// A `message_created` frame shaped and sized like Ponte's (fields in
/// Ponte's order: the readers look for the `type` first).
pub fn floor_frame(round: usize) -> String {
    let at = "2026-12-02T03:04:05.678901Z";
    format!(
        concat!(
            r#"{{"type":"message_created","message":{{"id":{id},"conversation_id":4242,"#,
            r#""kind":"incoming","content_type":"text","body":"bench-{round}","attachment":null,"#,
            r#""location":null,"activity":null,"sender_id":null,"sender_name":null,"mentions":[],"#,
            r#""delivery_status":null,"delivery_error":null,"client_id":null,"created_at":"{at}","#,
            r#""updated_at":"{at}","deleted":false}},"at":"{at}"}}"#
        ),
        id = 1_000_000 + round,
        round = round,
        at = at
    )
}

/// Messages one visitor sends before the next takes over: under the
/// widget's per-visitor budget (a burst of 20, then one a second).
const MESSAGES_PER_VISITOR: usize = 15;

impl Trigger {
    /// Enough visitors for `rounds` messages (warm-up included) within the
    /// widget's per-visitor budget.
    pub async fn customer(session: &Session, rounds: usize) -> anyhow::Result<Self> {
        let context: Value = session.call("inbox_context", &json!({})).await?.1;
        let channel = context["channels"]
            .as_array()
            .and_then(|c| {
                c.iter()
                    .find(|ch| ch["active"] == true && ch["kind"] == "website")
            })
            .and_then(|ch| ch["public_token"].as_str())
            .context("no active website channel")?;
        let mut visitors = Vec::new();
        for index in 0..rounds.div_ceil(MESSAGES_PER_VISITOR) {
            // Not one of the agents' networks.
            let network = network_of(60_000 + index);
            visitors.push(Visitor::start(&session.http, &session.url, channel, network).await?);
        }
        Ok(Self::Customer {
            http: session.http.clone(),
            url: session.url.clone(),
            visitors,
        })
    }

    async fn fire(&mut self, round: usize) -> anyhow::Result<()> {
        match self {
            Self::Customer {
                http,
                url,
                visitors,
            } => {
                let visitor = &visitors[(round / MESSAGES_PER_VISITOR) % visitors.len()];
                visitor.send(http, url, &format!("bench-{round}")).await
            }
            Self::Publisher(socket) => Ok(socket.send(Message::text(floor_frame(round))).await?),
        }
    }
}

/// Messages sent (to every socket, not timed) before the measured rounds.
/// A running server's pooled connections have prepared its statements;
/// a fresh one's (20 connections, each preparing every statement on first
/// use) do not, and the first rounds would time that instead: 10–15 ms
/// more per message until each connection has served one.
pub const WARM_UP_ROUNDS: usize = 40;

/// Opens `count` sockets at `target`, sends [`WARM_UP_ROUNDS`] and then
/// `rounds` messages with `trigger`, and times each measured message's
/// arrival at every socket.
pub async fn measure(
    target: &Target<'_>,
    mut trigger: Trigger,
    count: usize,
    rounds: usize,
    server_pid: Option<u32>,
) -> anyhow::Result<FanOut> {
    let rss_idle = rss_mb(server_pid);
    let sockets = sockets::open(target, count).await?;
    tokio::time::sleep(Duration::from_millis(500)).await;
    let rss_with_sockets = rss_mb(server_pid);
    let (mut arrivals, readers) = sockets::report_rounds(sockets);

    let mut delivered = Vec::with_capacity(count * rounds);
    let mut accepted = Vec::with_capacity(rounds);
    for round in 0..WARM_UP_ROUNDS + rounds {
        let measured = round >= WARM_UP_ROUNDS;
        let started = Instant::now();
        trigger.fire(round).await?;
        if measured {
            accepted.push(started.elapsed().as_secs_f64() * 1000.0);
        }
        let deadline = started + Duration::from_secs(10);
        let mut received = 0;
        while received < count {
            match tokio::time::timeout_at(deadline.into(), arrivals.recv()).await {
                Ok(Some((r, at))) if r == round => {
                    received += 1;
                    if measured {
                        delivered.push(at.duration_since(started).as_secs_f64() * 1000.0);
                    }
                }
                Ok(Some(_)) => {}
                _ => break,
            }
        }
        if received < count {
            eprintln!(
                "round {round}: only {received} of {count} sockets got the message within 10 s"
            );
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    readers.close_all().await;
    tokio::time::sleep(Duration::from_secs(3)).await;
    Ok(FanOut {
        delivered,
        accepted,
        rss_idle,
        rss_with_sockets,
        rss_after_close: rss_mb(server_pid),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_floor_frame_carries_the_marker_where_readers_look() {
        assert_eq!(crate::sockets::marker(&floor_frame(7)), Some("7"));
        let frame: Value = serde_json::from_str(&floor_frame(7)).unwrap();
        assert_eq!(frame["message"]["body"], "bench-7");
        assert_eq!(crate::sockets::marker(r#"{"type":"heartbeat"}"#), None);
    }
}
