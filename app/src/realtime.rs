//! The browser's real-time connection: one WebSocket per tab to `/ws`,
//! heartbeats, reconnect with backoff, and a resync notice after a
//! reconnection so views fetch what they missed.

use chrono::{DateTime, Utc};
use leptos::prelude::*;
use shared::events::{ClientEvent, ServerEvent};
use std::sync::Arc;

/// What subscribers receive. Handed out by reference, once per frame, so
/// the size difference between variants costs nothing worth a box.
#[derive(Clone, Debug)]
#[allow(clippy::large_enum_variant)]
pub enum Incoming {
    Event(ServerEvent),
    /// The connection came back (or the server asked): refetch what changed
    /// since `since`.
    Resync {
        since: DateTime<Utc>,
    },
}

type Handler = Arc<dyn Fn(&Incoming) + Send + Sync>;

#[derive(Clone, Copy)]
pub struct Realtime {
    handlers: StoredValue<Vec<(u64, Handler)>>,
    next_id: StoredValue<u64>,
    /// False while disconnected (the UI shows an "offline" banner).
    pub connected: RwSignal<bool>,
    #[cfg(feature = "hydrate")]
    socket: StoredValue<Option<web_sys::WebSocket>, LocalStorage>,
}

impl Realtime {
    /// Calls `handler` for every incoming event until the calling component
    /// is unmounted.
    pub fn subscribe(&self, handler: impl Fn(&Incoming) + Send + Sync + 'static) {
        let id = self.next_id.get_value();
        self.next_id.set_value(id + 1);
        self.handlers
            .update_value(|handlers| handlers.push((id, Arc::new(handler))));
        let handlers = self.handlers;
        on_cleanup(move || handlers.update_value(|list| list.retain(|(h, _)| *h != id)));
    }

    #[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
    fn deliver(&self, incoming: &Incoming) {
        for (_, handler) in self.handlers.get_value() {
            handler(incoming);
        }
    }

    /// Sends a frame if connected (typing is best-effort by design).
    pub fn send(&self, event: &ClientEvent) {
        #[cfg(feature = "hydrate")]
        {
            let Ok(text) = serde_json::to_string(event) else {
                return;
            };
            self.socket.with_value(|socket| {
                if let Some(socket) = socket
                    .as_ref()
                    .filter(|s| s.ready_state() == web_sys::WebSocket::OPEN)
                {
                    let _ = socket.send_with_str(&text);
                }
            });
        }
        #[cfg(not(feature = "hydrate"))]
        let _ = event;
    }
}

pub fn use_realtime() -> Option<Realtime> {
    use_context::<Realtime>()
}

/// Creates the connection (in the browser) and provides it as context.
pub fn provide_realtime() -> Realtime {
    let realtime = Realtime {
        handlers: StoredValue::new(Vec::new()),
        next_id: StoredValue::new(0),
        connected: RwSignal::new(true),
        #[cfg(feature = "hydrate")]
        socket: StoredValue::new_local(None),
    };
    provide_context(realtime);
    #[cfg(feature = "hydrate")]
    browser::start(realtime);
    realtime
}

#[cfg(feature = "hydrate")]
mod browser {
    use super::*;
    use std::cell::Cell;
    use std::rc::Rc;
    use wasm_bindgen::closure::Closure;
    use wasm_bindgen::JsCast;

    /// Connection state shared by the socket's callbacks.
    struct Link {
        realtime: Realtime,
        /// The last server time we heard of: the resync point.
        last_at: Cell<Option<DateTime<Utc>>>,
        /// When anything last arrived (ms), for the dead-connection watchdog.
        last_frame_ms: Cell<f64>,
        attempts: Cell<u32>,
        had_connection: Cell<bool>,
    }

    pub fn start(realtime: Realtime) {
        let link = Rc::new(Link {
            realtime,
            last_at: Cell::new(None),
            last_frame_ms: Cell::new(js_sys::Date::now()),
            attempts: Cell::new(0),
            had_connection: Cell::new(false),
        });
        connect(link.clone());
        // The browser knows first when the network goes: show it at once,
        // and try again the moment it is back instead of waiting out the
        // back-off.
        let offline = link.clone();
        let on_offline = Closure::<dyn FnMut()>::new(move || {
            offline.realtime.connected.set(false);
            offline.realtime.socket.with_value(|s| {
                if let Some(socket) = s {
                    let _ = socket.close();
                }
            });
        });
        let _ = window()
            .add_event_listener_with_callback("offline", on_offline.as_ref().unchecked_ref());
        on_offline.forget();
        let online = link.clone();
        let on_online = Closure::<dyn FnMut()>::new(move || {
            online.attempts.set(0);
            let open = online.realtime.socket.with_value(|s| {
                s.as_ref()
                    .is_some_and(|s| s.ready_state() == web_sys::WebSocket::OPEN)
            });
            if !open {
                connect(online.clone());
            }
        });
        let _ =
            window().add_event_listener_with_callback("online", on_online.as_ref().unchecked_ref());
        on_online.forget();
        // No frame for 60 s (heartbeats come every 25 s): assume it is dead.
        let watchdog = link.clone();
        gloo_timers::callback::Interval::new(15_000, move || {
            if js_sys::Date::now() - watchdog.last_frame_ms.get() > 60_000.0 {
                watchdog.realtime.socket.with_value(|s| {
                    if let Some(socket) = s {
                        let _ = socket.close();
                    }
                });
                watchdog.last_frame_ms.set(js_sys::Date::now());
            }
        })
        .forget();
    }

    fn socket_url() -> Option<String> {
        let location = window().location();
        let scheme = if location.protocol().ok()? == "https:" {
            "wss"
        } else {
            "ws"
        };
        Some(format!("{scheme}://{}/ws", location.host().ok()?))
    }

    fn connect(link: Rc<Link>) {
        let Some(url) = socket_url() else { return };
        let Ok(socket) = web_sys::WebSocket::new(&url) else {
            schedule_reconnect(link);
            return;
        };

        let on_message = {
            let link = link.clone();
            Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |event: web_sys::MessageEvent| {
                link.last_frame_ms.set(js_sys::Date::now());
                let Some(text) = event.data().as_string() else {
                    return;
                };
                let Ok(event) = crate::json::decode::<ServerEvent>(&text) else {
                    return;
                };
                handle(&link, event);
            })
        };
        socket.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
        on_message.forget();

        let on_close = {
            let link = link.clone();
            let closed = socket.clone();
            Closure::<dyn FnMut(web_sys::CloseEvent)>::new(move |_: web_sys::CloseEvent| {
                // An old socket replaced by a reconnect closes quietly.
                let current = link
                    .realtime
                    .socket
                    .with_value(|s| s.as_ref() == Some(&closed));
                if !current {
                    return;
                }
                link.realtime.connected.set(false);
                schedule_reconnect(link.clone());
            })
        };
        socket.set_onclose(Some(on_close.as_ref().unchecked_ref()));
        on_close.forget();

        link.realtime.socket.set_value(Some(socket));
    }

    fn handle(link: &Link, event: ServerEvent) {
        let at = match &event {
            ServerEvent::Hello { at }
            | ServerEvent::Heartbeat { at }
            | ServerEvent::ConversationChanged { at, .. }
            | ServerEvent::ConversationHidden { at, .. }
            | ServerEvent::MessageCreated { at, .. }
            | ServerEvent::MessageUpdated { at, .. } => Some(*at),
            _ => None,
        };
        match &event {
            ServerEvent::Hello { .. } => {
                link.realtime.connected.set(true);
                link.attempts.set(0);
                // After a drop (or when the server asks), catch up.
                if let Some(since) = link.last_at.get().filter(|_| link.had_connection.get()) {
                    link.realtime.deliver(&Incoming::Resync { since });
                }
                link.had_connection.set(true);
            }
            ServerEvent::SessionEnded => {
                crate::components::layout::hard_navigate("/login");
                return;
            }
            ServerEvent::SessionChanged => {
                // A new role: every view must be rebuilt with what it now
                // allows (drafts are kept in the browser).
                let _ = window().location().reload();
                return;
            }
            _ => {}
        }
        if let Some(at) = at {
            link.last_at.set(Some(at));
        }
        // A new message may carry its conversation's new state: views get
        // it as the `ConversationChanged` the server used to send after it.
        let carried = match &event {
            ServerEvent::MessageCreated {
                conversation: Some(conversation),
                at,
                ..
            } => Some(ServerEvent::ConversationChanged {
                conversation: (**conversation).clone(),
                at: *at,
            }),
            _ => None,
        };
        link.realtime.deliver(&Incoming::Event(event));
        if let Some(changed) = carried {
            link.realtime.deliver(&Incoming::Event(changed));
        }
    }

    /// 1 s, 2 s, 4 s … up to 30 s, with jitter so a restarted server is not
    /// hit by every browser at once.
    fn schedule_reconnect(link: Rc<Link>) {
        let attempt = link.attempts.get();
        link.attempts.set(attempt + 1);
        let base = (1_000u32 << attempt.min(5)).min(30_000);
        let jitter = (js_sys::Math::random() * 500.0) as u32;
        gloo_timers::callback::Timeout::new(base + jitter, move || connect(link)).forget();
    }
}
