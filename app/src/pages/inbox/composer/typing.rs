//! Typing signals to the other agents: "typing" at most every 3 s while keys
//! come in, "stopped" after 4 s of quiet or when the message is sent.

use leptos::prelude::*;
use shared::events::ClientEvent;

use crate::pages::inbox::now_ms;
use crate::realtime::{use_realtime, Realtime};

#[derive(Clone, Copy)]
pub(super) struct Typing {
    conversation_id: i64,
    note: RwSignal<bool>,
    realtime: Option<Realtime>,
    /// When "typing" was last sent, in ms; 0 once stopped.
    last_typing: StoredValue<f64>,
    /// When "stopped" is due unless another key comes, in ms; 0 once stopped.
    stop_at: StoredValue<f64>,
}

impl Typing {
    pub(super) fn new(conversation_id: i64, note: RwSignal<bool>) -> Self {
        Self {
            conversation_id,
            note,
            realtime: use_realtime(),
            last_typing: StoredValue::new(0.0_f64),
            stop_at: StoredValue::new(0.0_f64),
        }
    }

    fn send(&self, typing: bool) {
        if let Some(realtime) = self.realtime {
            realtime.send(&ClientEvent::Typing {
                conversation_id: self.conversation_id,
                typing,
                note: self.note.get_untracked(),
            });
        }
    }

    /// A key went into the composer.
    pub(super) fn keystroke(&self) {
        let now = now_ms();
        if now - self.last_typing.get_value() > 3_000.0 {
            self.last_typing.set_value(now);
            self.send(true);
        }
        self.stop_at.set_value(now + 4_000.0);
        #[cfg(feature = "hydrate")]
        {
            let this = *self;
            gloo_timers::callback::Timeout::new(4_100, move || {
                if this
                    .stop_at
                    .try_get_value()
                    .is_some_and(|at| now_ms() >= at && at > 0.0)
                {
                    this.stop();
                }
            })
            .forget();
        }
    }

    /// Sends "stopped" now and forgets the pending timer's deadline.
    pub(super) fn stop(&self) {
        self.stop_at.set_value(0.0);
        self.last_typing.set_value(0.0);
        self.send(false);
    }
}
