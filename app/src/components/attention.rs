//! What calls an agent's attention wherever they are in the app: the inbox
//! counts (tabs, and the unread number in the browser tab's title), a short
//! sound, and a desktop notification for new conversations, mentions and
//! conversations handed to them.

use leptos::prelude::*;
use leptos_meta::Title;
use shared::events::ServerEvent;
use shared::inbox::{InboxCounts, Notification, NotificationKind};
use std::collections::HashSet;

use crate::api::conversations::inbox_counts;
use crate::i18n::Strings;
use crate::prefs::use_t;
use crate::realtime::{Incoming, Realtime};

/// The counts, provided by the shell to every page.
#[derive(Clone, Copy)]
pub struct Counts(pub RwSignal<Option<InboxCounts>>);

pub fn use_counts() -> Option<Counts> {
    use_context::<Counts>()
}

/// Starts counting and alerting; call once, in the shell.
pub fn provide_attention(realtime: Realtime) -> Counts {
    let counts = Counts(RwSignal::new(None));
    provide_context(counts);
    let t = use_t();
    let refresh = move || {
        leptos::task::spawn_local(async move {
            if let Ok(fresh) = inbox_counts().await {
                counts.0.set(Some(fresh));
            }
        });
    };
    #[cfg(feature = "hydrate")]
    refresh();
    #[cfg(not(feature = "hydrate"))]
    let _ = refresh;
    // Conversations already seen, so only really new ones alert.
    let seen = StoredValue::new(HashSet::<i64>::new());
    #[cfg(feature = "hydrate")]
    let pending = StoredValue::new_local(None::<gloo_timers::callback::Timeout>);
    realtime.subscribe(move |incoming| {
        let changed = match incoming {
            Incoming::Event(ServerEvent::ConversationChanged { conversation, .. }) => {
                // A conversation a flow is answering is not people's yet:
                // they hear of it at the handoff.
                let new = conversation.incoming_count <= 1
                    && conversation.assignee_id.is_none()
                    && conversation.status != shared::inbox::ConversationStatus::Bot
                    && (chrono::Utc::now() - conversation.created_at).num_seconds() < 60
                    && seen.try_update_value(|ids| ids.insert(conversation.id)) == Some(true);
                if new {
                    let name = if conversation.contact_name.trim().is_empty() {
                        (t().visitor_numbered)(conversation.contact_id)
                    } else {
                        conversation.contact_name.clone()
                    };
                    alert(
                        &(t().new_conversation_from)(&name),
                        &conversation.last_message_preview,
                    );
                }
                true
            }
            Incoming::Event(ServerEvent::Notification { notification }) => {
                alert(
                    &notification_title(t(), notification),
                    &notification.excerpt,
                );
                false
            }
            Incoming::Event(
                ServerEvent::ConversationHidden { .. }
                | ServerEvent::ConversationRead { .. }
                | ServerEvent::MessageCreated { .. }
                | ServerEvent::AccessChanged,
            )
            | Incoming::Resync { .. } => true,
            _ => false,
        };
        if changed {
            // Many events in a burst cost one count.
            #[cfg(feature = "hydrate")]
            pending.set_value(Some(gloo_timers::callback::Timeout::new(800, refresh)));
        }
    });
    counts
}

/// What a notification says, in the bell and in the desktop alert.
pub fn notification_title(t: &Strings, notification: &Notification) -> String {
    let who = notification.actor_name.as_deref().unwrap_or("—");
    match notification.kind {
        NotificationKind::Mention => (t.mentioned_you)(who),
        NotificationKind::Transfer => (t.transferred_to_you)(who),
        NotificationKind::SlaBreach => t.sla_breach_notice.to_string(),
        NotificationKind::FlowHandoff => t.flow_handoff_notice.to_string(),
        NotificationKind::LowScore => t.low_score_notice.to_string(),
        NotificationKind::ConnectionDown => t.connection_down_notice.to_string(),
        NotificationKind::AiProviderFailing => t.ai_provider_failing_notice.to_string(),
        NotificationKind::RuleAlert => t.rule_alert_notice.to_string(),
        NotificationKind::RuleDisabled => t.rule_disabled_notice.to_string(),
    }
}

/// "(3) Ponte" while something is unread.
#[component]
pub fn UnreadTitle(counts: Counts) -> impl IntoView {
    let t = use_t();
    view! {
        <Title text=move || match counts.0.get().map(|c| c.unread) {
            Some(unread) if unread > 0 => format!("({unread}) {}", t().app_name),
            _ => t().app_name.to_string(),
        } />
    }
}

/// A short sound, and a desktop notification when the page is not in view
/// and the person allowed them.
fn alert(title: &str, body: &str) {
    #[cfg(feature = "hydrate")]
    {
        chime();
        let hidden = document().visibility_state() != web_sys::VisibilityState::Visible;
        if hidden && web_sys::Notification::permission() == web_sys::NotificationPermission::Granted
        {
            let options = web_sys::NotificationOptions::new();
            options.set_body(body);
            options.set_tag("ponte");
            let _ = web_sys::Notification::new_with_options(title, &options);
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (title, body);
}

/// Two soft tones, made on the spot (no sound file to download).
#[cfg(feature = "hydrate")]
fn chime() {
    thread_local! {
        static AUDIO: Option<web_sys::AudioContext> = web_sys::AudioContext::new().ok();
    }
    AUDIO.with(|audio| {
        let Some(audio) = audio else { return };
        let now = audio.current_time();
        for (i, frequency) in [880.0_f32, 1320.0].into_iter().enumerate() {
            let (Ok(tone), Ok(volume)) = (audio.create_oscillator(), audio.create_gain()) else {
                return;
            };
            let start = now + i as f64 * 0.12;
            tone.frequency().set_value(frequency);
            volume.gain().set_value(0.0);
            let _ = volume
                .gain()
                .linear_ramp_to_value_at_time(0.08, start + 0.01);
            let _ = volume
                .gain()
                .linear_ramp_to_value_at_time(0.0, start + 0.18);
            let _ = tone.connect_with_audio_node(&volume);
            let _ = volume.connect_with_audio_node(&audio.destination());
            let _ = tone.start_with_when(start);
            let _ = tone.stop_with_when(start + 0.2);
        }
    });
}

/// Asks for desktop notifications — only when the person clicks for them.
#[component]
pub fn EnableAlerts() -> impl IntoView {
    let t = use_t();
    let asked = RwSignal::new(false);
    let needed = RwSignal::new(false);
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| {
        needed.set(web_sys::Notification::permission() == web_sys::NotificationPermission::Default);
    });
    let ask = move |_| {
        #[cfg(feature = "hydrate")]
        if let Ok(promise) = web_sys::Notification::request_permission() {
            let answered = wasm_bindgen::closure::Closure::<dyn FnMut(wasm_bindgen::JsValue)>::new(
                move |_| {
                    needed.set(
                        web_sys::Notification::permission()
                            == web_sys::NotificationPermission::Default,
                    );
                    asked.set(true);
                },
            );
            let _ = promise.then(&answered);
            answered.forget();
        }
    };
    view! {
        <Show when=move || needed.get() || asked.get()>
            {move || if asked.get() && !needed.get() {
                view! { <p class="px-3 py-2 text-xs text-emerald-800 dark:text-emerald-300">{t().alerts_on}</p> }.into_any()
            } else {
                view! {
                    <button type="button" id="enable-alerts" class="mx-3 mb-2 rounded-lg border border-slate-300 px-2 py-1 text-xs font-medium hover:bg-slate-100 dark:border-slate-600 dark:hover:bg-slate-800" on:click=ask>
                        {t().enable_alerts}
                    </button>
                }.into_any()
            }}
        </Show>
    }
}

/// Admins see a connection that went down (its provider refuses our
/// credentials) until it comes back, wherever they are: a banner from the
/// current state on load, updated live, with a toast when an incident starts.
#[component]
pub fn ConnectionAlerts(realtime: Realtime) -> impl IntoView {
    use crate::components::toast::{toast, ToastKind};
    let t = use_t();
    let down = RwSignal::new(Vec::<(i64, String, Option<String>)>::new());
    if !crate::components::layout::use_session().can(shared::Permission::ManageChannels) {
        return ().into_any();
    }
    #[cfg(feature = "hydrate")]
    leptos::task::spawn_local(async move {
        if let Ok(list) = crate::api::connections::connection_alerts().await {
            down.set(
                list.into_iter()
                    .map(|c| (c.id, c.name, c.health_detail))
                    .collect(),
            );
        }
    });
    realtime.subscribe(move |incoming| {
        if let Incoming::Event(ServerEvent::ConnectionHealth {
            channel_id,
            name,
            connected,
            detail,
        }) = incoming
        {
            down.update(|list| list.retain(|(id, _, _)| id != channel_id));
            if !connected {
                down.update(|list| list.push((*channel_id, name.clone(), detail.clone())));
                toast(ToastKind::Error, format!("{name} {}", t().connection_down));
            }
        }
    });
    // One line however many are down: the inbox keeps its room.
    view! {
        <Show when=move || down.with(|d| !d.is_empty())>
            <p class="flex shrink-0 items-center justify-center gap-2 bg-red-100 px-3 py-1 text-xs text-red-900 dark:bg-red-950 dark:text-red-200" role="alert" data-connection-alert="">
                <span class="min-w-0 truncate" title=move || down.with(|d| d.iter().map(|(_, name, detail)| format!("{name}: {}", detail.clone().unwrap_or_default())).collect::<Vec<_>>().join("\n"))>
                    <strong>{move || t().connection_down}</strong>
                    " " {move || down.with(|d| d.iter().map(|(_, name, _)| name.clone()).collect::<Vec<_>>().join(", "))}
                </span>
                <a href="/settings/connections" class="shrink-0 font-semibold underline">{move || t().open_connections}</a>
            </p>
        </Show>
    }
    .into_any()
}
