//! WebSocket endpoints: `/ws` for signed-in agents, `/widget/ws` for website
//! visitors. Both check the page's Origin before upgrading, send a `hello`
//! with the resync point, heartbeat every 25 s, and relay what the hub
//! queues for them.

use axum::extract::ws::{Message, Utf8Bytes, WebSocket, WebSocketUpgrade};
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use chrono::Utc;
use futures::{SinkExt, StreamExt};
use http::{HeaderMap, StatusCode};
use serde::Deserialize;
use shared::events::{ClientEvent, ServerEvent, Typist, WidgetClientEvent, WidgetEvent};
use shared::inbox::DeliveryStatus;
use std::sync::{Arc, RwLock};
use std::time::Duration;
use tokio::sync::mpsc;

use super::api_v1::ApiError;
use super::limits::{too_many, Limits, RateLimiter, MAX_SOCKET_MESSAGE_BYTES, SOCKET_FRAMES};
use super::widget::client_network;
use crate::realtime::{Client, ClientKind, Hub};
use app::server::{AppState, ClientIp, CurrentSession};
use domain::realtime::Signal;

pub const HEARTBEAT: Duration = Duration::from_secs(25);

/// `Origin` of the page opening the socket, normalised.
fn origin(headers: &HeaderMap) -> Option<String> {
    headers
        .get(http::header::ORIGIN)
        .and_then(|v| v.to_str().ok())
        .map(|o| o.trim_end_matches('/').to_string())
}

/// This site's own origin(s): the public URL, and the Host the request used.
pub fn is_own_origin(origin: &str, public_url: &str, headers: &HeaderMap) -> bool {
    let host = headers
        .get(http::header::HOST)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    origin == public_url.trim_end_matches('/')
        || origin
            .strip_prefix("http://")
            .or_else(|| origin.strip_prefix("https://"))
            == Some(host)
}

/// Both directions carry small JSON objects: a 4 KiB read buffer (not
/// tungstenite's 128 KiB, allocated up front for every socket) and a cap on
/// what a browser may send. Queued frames are written out once 128 KiB are
/// buffered or at the flush: the write buffer keeps the size a burst gave
/// it, but smaller thresholds measured worse (8 KiB: sustained p99 160-190
/// ms against 97-117 ms, for 17 MB less at 1,000 sockets; docs/BENCHMARKS.md).
fn sized_for_small_frames(ws: WebSocketUpgrade) -> WebSocketUpgrade {
    ws.read_buffer_size(4 * 1024)
        .write_buffer_size(128 * 1024)
        .max_message_size(MAX_SOCKET_MESSAGE_BYTES)
        .max_frame_size(MAX_SOCKET_MESSAGE_BYTES)
}

/// Sockets may be opened this often per client network (a reconnect storm
/// or a script is refused before it costs a database query).
pub async fn agent_socket(
    ws: WebSocketUpgrade,
    State(state): State<AppState>,
    Extension(hub): Extension<Arc<Hub>>,
    Extension(limits): Extension<Arc<Limits>>,
    session: Option<Extension<CurrentSession>>,
    ip: Option<Extension<ClientIp>>,
    headers: HeaderMap,
) -> Response {
    let own =
        origin(&headers).is_some_and(|o| is_own_origin(&o, &state.config.public_url, &headers));
    if !own {
        return (StatusCode::FORBIDDEN, "cross-origin WebSocket refused").into_response();
    }
    let Some(session) = session.and_then(|Extension(s)| s.0) else {
        return (StatusCode::UNAUTHORIZED, "sign in first").into_response();
    };
    let network = client_network(ip.as_ref().map(|Extension(ip)| ip));
    let Some(slot) = limits.agent_sockets.take(&network) else {
        return too_many(Duration::from_secs(30));
    };
    let actor = session.actor.clone();
    let scope = match domain::access::scope_of(hub.db(), &actor).await {
        Ok(scope) => scope,
        Err(err) => {
            tracing::error!(error = ?err, "loading what a socket's agent reaches");
            return StatusCode::SERVICE_UNAVAILABLE.into_response();
        }
    };
    let ws = sized_for_small_frames(ws);
    ws.on_upgrade(move |socket| async move {
        let _slot = slot;
        let kind = ClientKind::Agent {
            user_id: actor.user_id,
            session_id: session.session_id,
            role: RwLock::new(actor.role),
            scope: RwLock::new(Arc::new(scope)),
        };
        let (client, frames) = hub.register(actor.account_id, kind);
        let first_here = hub.sockets_of_user(actor.account_id, actor.user_id) == 1;
        if first_here {
            announce_presence(&hub, &actor, true).await;
        }
        let hello = ServerEvent::Hello { at: Utc::now() };
        let heartbeat = || ServerEvent::Heartbeat { at: Utc::now() };
        let reader_hub = hub.clone();
        let reader_actor = actor.clone();
        let reader_client = client.clone();
        run_socket(
            socket,
            client.clone(),
            frames,
            &hello,
            heartbeat,
            move |text| {
                let hub = reader_hub.clone();
                let actor = reader_actor.clone();
                let client = reader_client.clone();
                async move {
                    if let Ok(ClientEvent::Typing {
                        conversation_id,
                        typing,
                        note,
                    }) = serde_json::from_str::<ClientEvent>(&text)
                    {
                        agent_typing(&hub, &client, &actor, conversation_id, typing, note).await;
                    }
                }
            },
        )
        .await;
        if hub.unregister(&client) {
            announce_presence(&hub, &actor, false).await;
        }
    })
}

async fn announce_presence(hub: &Hub, actor: &domain::Actor, online: bool) {
    if online {
        let _ = domain::inbox::touch_presence(hub.db(), actor.account_id, &[actor.user_id]).await;
    }
    if let Err(err) = domain::realtime::publish_now(
        hub.db(),
        actor.account_id,
        Signal::Presence {
            user_id: actor.user_id,
            online,
        },
    )
    .await
    {
        tracing::warn!(error = ?err, "presence signal failed");
    }
}

/// Relays an agent's typing when they may see the conversation (by the
/// socket's current role and departments; a "no" is remembered too).
async fn agent_typing(
    hub: &Hub,
    client: &Client,
    actor: &domain::Actor,
    conversation_id: i64,
    typing: bool,
    note: bool,
) {
    let visible = match client.typing_allowed(conversation_id) {
        Some(known) => known,
        None => {
            let visible = matches!(
                domain::conversations::summary_by_id(hub.db(), actor.account_id, conversation_id).await,
                Ok(Some(summary)) if client.sees(&summary)
            );
            client.remember_typing_allowed(conversation_id, visible);
            visible
        }
    };
    if !visible {
        return;
    }
    let typist = Typist::Agent {
        user_id: actor.user_id,
        name: actor.name.clone(),
    };
    if let Err(err) = domain::realtime::publish_now(
        hub.db(),
        actor.account_id,
        Signal::Typing {
            conversation_id,
            typist,
            typing,
            note,
        },
    )
    .await
    {
        tracing::warn!(error = ?err, "typing signal failed");
    }
}

#[derive(Deserialize)]
pub struct WidgetSocketQuery {
    channel: String,
    visitor: String,
}

pub async fn widget_socket(
    ws: WebSocketUpgrade,
    State(state): State<AppState>,
    Extension(hub): Extension<Arc<Hub>>,
    Extension(limits): Extension<Arc<Limits>>,
    ip: Option<Extension<ClientIp>>,
    Query(query): Query<WidgetSocketQuery>,
    headers: HeaderMap,
) -> Response {
    let network = client_network(ip.as_ref().map(|Extension(ip)| ip));
    let Some(slot) = limits.widget_sockets.take(&network) else {
        return too_many(Duration::from_secs(30));
    };
    let channel = match domain::channels::by_public_token(&state.db, &query.channel).await {
        Ok(channel) => channel,
        Err(err) => return ApiError::from(err).into_response(),
    };
    let visitor = match super::widget::visitor_for(&state, &channel, &query.visitor) {
        Ok(visitor) => visitor,
        Err(err) => return err.into_response(),
    };
    let allowed = origin(&headers).is_some_and(|o| {
        visitor.channel.allows_origin(&o) || is_own_origin(&o, &state.config.public_url, &headers)
    });
    if !allowed {
        return (StatusCode::FORBIDDEN, "this site may not use the widget").into_response();
    }
    let contact_id = match domain::widget::whereabouts(hub.db(), &visitor).await {
        Ok(found) => found.map(|(contact, _)| contact),
        Err(err) => {
            tracing::error!(error = ?err, "widget socket lookup");
            return StatusCode::SERVICE_UNAVAILABLE.into_response();
        }
    };
    let ws = sized_for_small_frames(ws);
    ws.on_upgrade(move |socket| async move {
        let _slot = slot;
        let account_id = visitor.account_id();
        let kind = ClientKind::Visitor {
            visitor: visitor.clone(),
            contact_id: RwLock::new(contact_id),
        };
        let (client, frames) = hub.register(account_id, kind);
        let hello = WidgetEvent::Hello { at: Utc::now() };
        let heartbeat = || WidgetEvent::Heartbeat { at: Utc::now() };
        let reader_hub = hub.clone();
        run_socket(
            socket,
            client.clone(),
            frames,
            &hello,
            heartbeat,
            move |text| {
                let hub = reader_hub.clone();
                let visitor = visitor.clone();
                async move {
                    let db = hub.db();
                    let result = match serde_json::from_str::<WidgetClientEvent>(&text) {
                        Ok(WidgetClientEvent::Typing { typing }) => {
                            domain::widget::typing(db, &visitor, typing).await
                        }
                        Ok(WidgetClientEvent::Delivered { up_to }) => {
                            domain::widget::acknowledge(
                                db,
                                &visitor,
                                up_to,
                                DeliveryStatus::Delivered,
                            )
                            .await
                        }
                        Ok(WidgetClientEvent::Read { up_to }) => {
                            domain::widget::acknowledge(db, &visitor, up_to, DeliveryStatus::Read)
                                .await
                        }
                        Ok(WidgetClientEvent::Ping) | Err(_) => Ok(()),
                    };
                    if let Err(err) = result {
                        tracing::warn!(error = ?err, "widget socket event failed");
                    }
                }
            },
        )
        .await;
        hub.unregister(&client);
    })
}

/// Writes a frame and whatever else is already queued behind it, then
/// flushes once. False when the socket is gone.
async fn write_queued<S>(
    sink: &mut S,
    first: Utf8Bytes,
    frames: &mut mpsc::Receiver<Utf8Bytes>,
) -> bool
where
    S: futures::Sink<Message> + Unpin,
{
    if sink.feed(Message::Text(first)).await.is_err() {
        return false;
    }
    while let Ok(frame) = frames.try_recv() {
        if sink.feed(Message::Text(frame)).await.is_err() {
            return false;
        }
    }
    sink.flush().await.is_ok()
}

/// Pumps a socket: queued frames and heartbeats out, client frames in, until
/// either side closes or the hub drops the client.
async fn run_socket<H, B, F, Fut>(
    socket: WebSocket,
    client: Arc<Client>,
    mut frames: mpsc::Receiver<Utf8Bytes>,
    hello: &H,
    heartbeat: B,
    mut on_text: F,
) where
    H: serde::Serialize,
    B: Fn() -> H,
    F: FnMut(String) -> Fut,
    Fut: std::future::Future<Output = ()>,
{
    let (mut sink, mut stream) = socket.split();
    let encode = |event: &H| serde_json::to_string(event).map(Utf8Bytes::from).ok();
    if let Some(hello) = encode(hello) {
        if sink.send(Message::Text(hello)).await.is_err() {
            return;
        }
    }
    let mut beat = tokio::time::interval(HEARTBEAT);
    beat.tick().await;
    // Frames from the browser beyond this rate are dropped unread.
    let inbound = RateLimiter::new(SOCKET_FRAMES);
    loop {
        tokio::select! {
            queued = frames.recv() => match queued {
                Some(frame) => if !write_queued(&mut sink, frame, &mut frames).await { break },
                None => break,
            },
            _ = beat.tick() => {
                let Some(frame) = encode(&heartbeat()) else { break };
                if sink.send(Message::Text(frame)).await.is_err() { break }
            }
            incoming = stream.next() => match incoming {
                Some(Ok(Message::Text(text))) => {
                    if inbound.check("").is_ok() {
                        on_text(text.to_string()).await;
                    }
                }
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => break,
                Some(Ok(_)) => {}
            },
            () = client.close_signal.notified() => {
                // Flush what is queued (e.g. SessionEnded) before closing.
                while let Ok(frame) = frames.try_recv() {
                    let _ = sink.send(Message::Text(frame)).await;
                }
                break;
            }
        }
    }
    let _ = sink.send(Message::Close(None)).await;
}
