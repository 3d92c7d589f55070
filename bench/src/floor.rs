//! The floor: a bare tokio-tungstenite broadcast server with nothing
//! between a publisher's frame and every subscriber's socket. Run as its
//! own process (`ponte-bench --serve-floor ADDR`), like Ponte, so its
//! memory is measured alone.

use futures::{SinkExt, StreamExt};
use std::process::{Child, Command, Stdio};
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::broadcast;
use tokio_tungstenite::tungstenite::handshake::server::{Request, Response};
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::{Message, Utf8Bytes};

/// Serves `/ws` (subscribers) and `/publish` (whatever arrives there goes
/// to every subscriber) until killed.
// The handshake callback's error type is tungstenite's, large by design.
#[allow(clippy::result_large_err)]
pub async fn serve(addr: &str) -> anyhow::Result<()> {
    let listener = TcpListener::bind(addr).await?;
    let (frames, _) = broadcast::channel::<Utf8Bytes>(256);
    loop {
        let (stream, _) = listener.accept().await?;
        stream.set_nodelay(true)?;
        let frames = frames.clone();
        tokio::spawn(async move {
            let mut path = String::new();
            let config = WebSocketConfig::default().read_buffer_size(4 * 1024);
            let socket = tokio_tungstenite::accept_hdr_async_with_config(
                stream,
                |request: &Request, response: Response| {
                    path = request.uri().path().to_string();
                    Ok(response)
                },
                Some(config),
            )
            .await;
            let Ok(socket) = socket else { return };
            let (mut sink, mut source) = socket.split();
            if path == "/publish" {
                while let Some(Ok(message)) = source.next().await {
                    if let Message::Text(text) = message {
                        let _ = frames.send(text);
                    }
                }
                return;
            }
            let mut queued = frames.subscribe();
            loop {
                tokio::select! {
                    frame = queued.recv() => match frame {
                        Ok(text) => if sink.send(Message::Text(text)).await.is_err() { break },
                        Err(broadcast::error::RecvError::Lagged(_)) => {}
                        Err(broadcast::error::RecvError::Closed) => break,
                    },
                    incoming = source.next() => if !matches!(incoming, Some(Ok(_))) { break },
                }
            }
        });
    }
}

/// The floor server as a child process on `addr`, ready to accept.
pub async fn start(addr: &str) -> anyhow::Result<Child> {
    let child = Command::new(std::env::current_exe()?)
        .args(["--serve-floor", addr])
        .stdin(Stdio::null())
        .spawn()?;
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(addr).await.is_ok() {
            return Ok(child);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    anyhow::bail!("the floor server did not start on {addr}")
}
