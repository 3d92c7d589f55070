//! Idle detection in the browser. Input events (throttled to one a second)
//! and page visibility decide whether the agent is active, idle or has no
//! Ponte tab in view; every tab of the browser shares what it sees over a
//! `BroadcastChannel` (or `localStorage` events where there is none), so
//! working in one tab keeps the agent active in all. Changes are reported at
//! once, and a heartbeat every minute tells the server the browser is alive.
//!
//! Only *that* the agent interacted is used: never what was typed or where.

use leptos::prelude::*;
use shared::activity::{ActivitySettings, BrowserActivity, HEARTBEAT_SECONDS};
use std::cell::RefCell;
use std::collections::HashMap;
use std::rc::Rc;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;

use super::Activity;

/// Another tab counts as visible while it says so at least this often.
const VISIBLE_TAB_TTL_MS: f64 = 12_000.0;
/// How often a visible tab tells the others it is.
const VISIBLE_PING_MS: f64 = 4_000.0;
/// Inputs closer together than this are one.
const INPUT_THROTTLE_MS: f64 = 1_000.0;
/// A tab going out of view waits this long before reporting "hidden", so
/// switching between two Ponte tabs never records a gap.
const HIDDEN_SETTLE_MS: f64 = 1_500.0;
/// The warning before auto-logout counts down this long.
pub const LOGOUT_WARNING_SECS: f64 = 60.0;

const CHANNEL: &str = "ponte-activity";

fn now_ms() -> f64 {
    js_sys::Date::now()
}

/// What this tab knows about the browser as a whole.
struct Shared {
    tab_id: String,
    last_input_ms: f64,
    this_tab_visible: bool,
    hidden_since_ms: Option<f64>,
    other_visible_tabs: HashMap<String, f64>,
    last_visible_ping_ms: f64,
    last_report_ms: f64,
    reported: Option<BrowserActivity>,
    settings: ActivitySettings,
}

impl Shared {
    fn any_tab_visible(&mut self, now: f64) -> bool {
        self.other_visible_tabs
            .retain(|_, heard| now - *heard < VISIBLE_TAB_TTL_MS);
        self.this_tab_visible || !self.other_visible_tabs.is_empty()
    }

    fn idle_timeout_ms(&self) -> f64 {
        f64::from(self.settings.idle_timeout_minutes) * 60_000.0
    }

    /// The browser's state now: the one place the three are told apart.
    fn state(&mut self, now: f64) -> BrowserActivity {
        if !self.any_tab_visible(now) {
            let settled = self
                .hidden_since_ms
                .is_none_or(|since| now - since >= HIDDEN_SETTLE_MS);
            if settled {
                return BrowserActivity::Hidden;
            }
        }
        if now - self.last_input_ms >= self.idle_timeout_ms() {
            BrowserActivity::Idle
        } else {
            BrowserActivity::Active
        }
    }

    /// Seconds left before auto-logout, once the warning should show.
    fn logout_countdown(&self, now: f64) -> Option<f64> {
        if !self.settings.auto_logout {
            return None;
        }
        let limit =
            self.idle_timeout_ms() + f64::from(self.settings.auto_logout_extra_minutes) * 60_000.0;
        let left = (limit - (now - self.last_input_ms)) / 1000.0;
        (left <= LOGOUT_WARNING_SECS).then_some(left.max(0.0))
    }
}

/// The message bus between this browser's tabs.
enum Bus {
    Channel(web_sys::BroadcastChannel),
    Storage(web_sys::Storage),
}

impl Bus {
    fn open() -> Option<Bus> {
        if let Ok(channel) = web_sys::BroadcastChannel::new(CHANNEL) {
            return Some(Bus::Channel(channel));
        }
        window().local_storage().ok().flatten().map(Bus::Storage)
    }

    fn post(&self, message: &str) {
        match self {
            Bus::Channel(channel) => {
                let _ = channel.post_message(&message.into());
            }
            // A storage event fires in the other tabs only when the value
            // changes: the timestamp makes every message new.
            Bus::Storage(storage) => {
                let _ = storage.set_item(CHANNEL, &format!("{message}|{}", now_ms()));
            }
        }
    }

    fn listen(&self, on_message: impl Fn(&str) + 'static) {
        match self {
            Bus::Channel(channel) => {
                let handler = Closure::<dyn Fn(web_sys::MessageEvent)>::new(
                    move |event: web_sys::MessageEvent| {
                        if let Some(text) = event.data().as_string() {
                            on_message(&text);
                        }
                    },
                );
                channel.set_onmessage(Some(handler.as_ref().unchecked_ref()));
                handler.forget();
            }
            Bus::Storage(_) => {
                let handler = Closure::<dyn Fn(web_sys::StorageEvent)>::new(
                    move |event: web_sys::StorageEvent| {
                        if event.key().as_deref() != Some(CHANNEL) {
                            return;
                        }
                        if let Some(value) = event.new_value() {
                            let message = value.rsplit_once('|').map_or(value.as_str(), |(m, _)| m);
                            on_message(message);
                        }
                    },
                );
                let _ = window()
                    .add_event_listener_with_callback("storage", handler.as_ref().unchecked_ref());
                handler.forget();
            }
        }
    }
}

fn random_tab_id() -> String {
    format!("{:x}", (js_sys::Math::random() * 1e15) as u64)
}

fn document_visible() -> bool {
    document().visibility_state() == web_sys::VisibilityState::Visible
}

/// Starts watching this tab; runs for the life of the page.
pub fn start(activity: Activity) {
    let now = now_ms();
    let visible = document_visible();
    let shared = Rc::new(RefCell::new(Shared {
        tab_id: random_tab_id(),
        last_input_ms: now,
        this_tab_visible: visible,
        // A tab opened in the background waits to hear from visible ones.
        hidden_since_ms: (!visible).then_some(now),
        other_visible_tabs: HashMap::new(),
        last_visible_ping_ms: 0.0,
        last_report_ms: 0.0,
        reported: None,
        settings: ActivitySettings::default(),
    }));
    let bus = Rc::new(Bus::open());

    // Messages: "input:<ms>", "visible:<tab>", "hidden:<tab>", and "hello"
    // from a new tab (visible ones answer at once).
    if let Some(bus_ref) = bus.as_ref() {
        let shared = shared.clone();
        let answer = bus.clone();
        bus_ref.listen(move |message| {
            let mut state = shared.borrow_mut();
            match message.split_once(':') {
                Some(("input", at)) => {
                    if let Ok(at) = at.parse::<f64>() {
                        state.last_input_ms = state.last_input_ms.max(at);
                    }
                }
                Some(("visible", tab)) => {
                    state.other_visible_tabs.insert(tab.to_string(), now_ms());
                }
                Some(("hidden", tab)) => {
                    state.other_visible_tabs.remove(tab);
                    state.hidden_since_ms.get_or_insert(now_ms());
                }
                Some(("hello", _)) if state.this_tab_visible => {
                    if let Some(bus) = answer.as_ref() {
                        bus.post(&format!("visible:{}", state.tab_id));
                    }
                }
                _ => {}
            }
        });
    }

    let on_input = {
        let shared = shared.clone();
        let bus = bus.clone();
        move || {
            let now = now_ms();
            let mut state = shared.borrow_mut();
            if now - state.last_input_ms < INPUT_THROTTLE_MS {
                return;
            }
            state.last_input_ms = now;
            if let Some(bus) = bus.as_ref() {
                bus.post(&format!("input:{now}"));
            }
            let was_idle = state.reported.is_some_and(|r| r != BrowserActivity::Active);
            drop(state);
            if was_idle {
                evaluate(&shared, &bus, activity, true);
            }
        }
    };
    for event in [
        "mousemove",
        "keydown",
        "pointerdown",
        "touchstart",
        "wheel",
        "scroll",
    ] {
        let on_input = on_input.clone();
        let handler = Closure::<dyn Fn()>::new(on_input);
        let options = web_sys::AddEventListenerOptions::new();
        options.set_passive(true);
        options.set_capture(true);
        let _ = window().add_event_listener_with_callback_and_add_event_listener_options(
            event,
            handler.as_ref().unchecked_ref(),
            &options,
        );
        handler.forget();
    }

    let on_visibility = {
        let shared = shared.clone();
        let bus = bus.clone();
        move || {
            let visible = document_visible();
            {
                let mut state = shared.borrow_mut();
                state.this_tab_visible = visible;
                let message = if visible {
                    state.hidden_since_ms = None;
                    // Coming back to the tab is an interaction.
                    state.last_input_ms = now_ms();
                    format!("visible:{}", state.tab_id)
                } else {
                    state.hidden_since_ms = Some(now_ms());
                    format!("hidden:{}", state.tab_id)
                };
                if let Some(bus) = bus.as_ref() {
                    bus.post(&message);
                }
            }
            evaluate(&shared, &bus, activity, false);
        }
    };
    let handler = Closure::<dyn Fn()>::new(on_visibility);
    let _ = document()
        .add_event_listener_with_callback("visibilitychange", handler.as_ref().unchecked_ref());
    handler.forget();

    // Apply the account's rules as soon as they are known or change.
    {
        let shared = shared.clone();
        Effect::new(move |_| {
            if let Some(settings) = activity.settings.get() {
                shared.borrow_mut().settings = settings;
            }
        });
    }

    if let Some(bus) = bus.as_ref() {
        bus.post(&format!("hello:{}", shared.borrow().tab_id));
    }
    evaluate(&shared, &bus, activity, true);
    let ticker = {
        let shared = shared.clone();
        let bus = bus.clone();
        gloo_timers::callback::Interval::new(1_000, move || {
            activity.tick.update(|n| *n = n.wrapping_add(1));
            evaluate(&shared, &bus, activity, false);
        })
    };
    ticker.forget();
}

/// Recomputes the state; reports a change (or the heartbeat) to the server,
/// tells other tabs this one is visible, and drives the logout warning.
fn evaluate(shared: &Rc<RefCell<Shared>>, bus: &Rc<Option<Bus>>, activity: Activity, force: bool) {
    let now = now_ms();
    let mut state = shared.borrow_mut();
    if state.this_tab_visible && now - state.last_visible_ping_ms >= VISIBLE_PING_MS {
        state.last_visible_ping_ms = now;
        if let Some(bus) = bus.as_ref() {
            bus.post(&format!("visible:{}", state.tab_id));
        }
    }
    let current = state.state(now);
    activity.browser.set(Some(current));
    let countdown = state.logout_countdown(now);
    let heartbeat_due = now - state.last_report_ms >= f64::from(HEARTBEAT_SECONDS) * 1000.0;
    let changed = state.reported != Some(current);
    if force || changed || heartbeat_due {
        state.reported = Some(current);
        state.last_report_ms = now;
        drop(state);
        activity.report(current);
    } else {
        drop(state);
    }
    match countdown {
        Some(left) if left <= 0.0 => activity.auto_sign_out(),
        Some(left) => activity.logout_warning.set(Some(left.ceil() as u32)),
        None => {
            if activity.logout_warning.get_untracked().is_some() {
                activity.logout_warning.set(None);
            }
        }
    }
}
