//! Many agent WebSockets from one process, each reporting when the frames
//! the benchmark is waiting for arrive.

use anyhow::Context;
use futures::StreamExt;
use std::time::Instant;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::http::network_of;

pub type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// How a socket is opened: Ponte's `/ws` with the session cookie, or the
/// bare floor server.
pub struct Target<'a> {
    pub ws_url: String,
    pub origin: &'a str,
    pub cookie: Option<&'a str>,
}

/// Opens `count` sockets, each as if from its own network.
pub async fn open(target: &Target<'_>, count: usize) -> anyhow::Result<Vec<Socket>> {
    let mut sockets = Vec::with_capacity(count);
    for index in 0..count {
        sockets.push(open_one(target, &network_of(index)).await?);
    }
    Ok(sockets)
}

pub async fn open_one(target: &Target<'_>, network: &str) -> anyhow::Result<Socket> {
    let mut request = target.ws_url.as_str().into_client_request()?;
    let headers = request.headers_mut();
    headers.insert("origin", target.origin.parse()?);
    headers.insert("x-forwarded-for", network.parse()?);
    if let Some(cookie) = target.cookie {
        headers.insert("cookie", cookie.parse()?);
    }
    // Small frames: the client's buffers stay small too.
    let config = WebSocketConfig::default().read_buffer_size(4 * 1024);
    let (socket, _) = tokio_tungstenite::connect_async_with_config(request, Some(config), true)
        .await
        .with_context(|| format!("opening {}", target.ws_url))?;
    Ok(socket)
}

/// The marker the benchmark puts in a customer message's body, found in a
/// `message_created` frame: `bench-<round>` or `bench-s<seq>-<micros>`.
pub fn marker(frame: &str) -> Option<&str> {
    if !frame.starts_with("{\"type\":\"message_created\"") {
        return None;
    }
    let start = frame.find("\"body\":\"bench-")? + "\"body\":\"bench-".len();
    frame[start..].split('"').next()
}

/// Sockets being read by their own tasks, closed together.
pub struct Readers {
    stop: tokio::sync::watch::Sender<bool>,
    tasks: tokio::task::JoinSet<()>,
}

impl Readers {
    /// Closes every socket and waits until they are closed.
    pub async fn close_all(mut self) {
        let _ = self.stop.send(true);
        while self.tasks.join_next().await.is_some() {}
    }
}

/// Reads every socket until it closes; sends `(round, arrival)` for each
/// `bench-<round>` message seen.
pub fn report_rounds(
    sockets: Vec<Socket>,
) -> (
    tokio::sync::mpsc::UnboundedReceiver<(usize, Instant)>,
    Readers,
) {
    let (sender, receiver) = tokio::sync::mpsc::unbounded_channel();
    let (stop, stopped) = tokio::sync::watch::channel(false);
    let mut tasks = tokio::task::JoinSet::new();
    for mut socket in sockets {
        let sender = sender.clone();
        let mut stopped = stopped.clone();
        tasks.spawn(async move {
            loop {
                tokio::select! {
                    frame = socket.next() => match frame {
                        Some(Ok(Message::Text(text))) => {
                            if let Some(round) = marker(&text).and_then(|m| m.parse::<usize>().ok()) {
                                let _ = sender.send((round, Instant::now()));
                            }
                        }
                        Some(Ok(_)) => {}
                        Some(Err(_)) | None => break,
                    },
                    _ = stopped.changed() => break,
                }
            }
            let _ = socket.close(None).await;
        });
    }
    (receiver, Readers { stop, tasks })
}
