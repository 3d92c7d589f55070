//! Pairing a Z-API number from its card: the session's state, a QR code
//! renewed while shown (dimmed once it is older than WhatsApp honours), a
//! code to type on the phone, disconnect and restart.

use leptos::prelude::*;
use shared::connections::{ConnectionHealth, Pairing, PairingAction, SessionState};
use std::collections::HashMap;

use super::HealthBadge;
use crate::api::connections::zapi_pairing;
use crate::components::widgets::{BUTTON, INPUT};
use crate::prefs::use_t;

/// One panel's state.
#[derive(Clone, Copy)]
pub(super) struct PairingPanel {
    open: RwSignal<bool>,
    pairing: RwSignal<Option<Pairing>>,
    busy: RwSignal<bool>,
    phone: RwSignal<String>,
    /// Each answer's number: a QR code is stale once its validity passed
    /// with no newer answer.
    answers: RwSignal<u32>,
    qr_stale: RwSignal<bool>,
}

impl PairingPanel {
    fn new() -> Self {
        Self {
            open: RwSignal::new(false),
            pairing: RwSignal::new(None),
            busy: RwSignal::new(false),
            phone: RwSignal::new(String::new()),
            answers: RwSignal::new(0),
            qr_stale: RwSignal::new(false),
        }
    }
}

/// The panels' state, kept by the page: a card is drawn again whenever a
/// connection's health changes — which pairing itself does — and its panel
/// must not start over then.
#[derive(Clone, Copy)]
pub(super) struct PairingPanels(StoredValue<(Owner, HashMap<i64, PairingPanel>)>);

impl PairingPanels {
    pub(super) fn new() -> Self {
        let owner = Owner::current().unwrap_or_default();
        Self(StoredValue::new((owner, HashMap::new())))
    }

    fn of(self, id: i64) -> PairingPanel {
        self.0
            .try_update_value(|(owner, panels)| {
                *panels
                    .entry(id)
                    .or_insert_with(|| owner.with(PairingPanel::new))
            })
            .unwrap_or_else(PairingPanel::new)
    }
}

/// Pairing a Z-API number: QR code (renewed while the panel is open and
/// the number not connected, shown as expired when a fresh one is late),
/// a phone code, disconnect and restart — with a plain warning about
/// unofficial gateways.
#[component]
pub(super) fn ZapiPairing(id: i64, panels: PairingPanels) -> impl IntoView {
    let t = use_t();
    let PairingPanel {
        open,
        pairing,
        busy,
        phone,
        answers,
        qr_stale,
    } = panels.of(id);
    let run = move |action: PairingAction| {
        busy.set(true);
        leptos::task::spawn_local(async move {
            let answer = zapi_pairing(id, action, phone.get_untracked())
                .await
                .unwrap_or_else(|err| Pairing {
                    detail: Some(err.to_string()),
                    ..Default::default()
                });
            let _ = answers.try_update(|n| *n += 1);
            let _ = qr_stale.try_set(false);
            #[cfg(feature = "hydrate")]
            if answer.qr_code.is_some() {
                let this_answer = answers.get_untracked();
                let valid_ms = shared::connections::QR_CODE_VALID_SECONDS * 1_000;
                gloo_timers::callback::Timeout::new(valid_ms, move || {
                    if answers.try_get_untracked() == Some(this_answer) {
                        let _ = qr_stale.try_set(true);
                    }
                })
                .forget();
            }
            let _ = pairing.try_set(Some(answer));
            let _ = busy.try_set(false);
        });
    };
    #[cfg(feature = "hydrate")]
    {
        // WhatsApp renews a QR code about every 20 s; Z-API advises asking
        // every 10 to 20 s, so a fresh one is up before the old one lapses.
        let timer = gloo_timers::callback::Interval::new(15_000, move || {
            let waiting = open.get_untracked()
                && pairing.with_untracked(|p| {
                    p.as_ref()
                        .is_none_or(|p| p.state == SessionState::AwaitingScan)
                });
            if waiting && !busy.get_untracked() {
                run(PairingAction::Status);
            }
        });
        let timer = send_wrapper::SendWrapper::new(timer);
        on_cleanup(move || drop(timer));
    }
    let state_text = move |state: SessionState| match state {
        SessionState::Connected => t().zapi_state_connected,
        SessionState::AwaitingScan => t().zapi_state_awaiting_scan,
        SessionState::QrExpired => t().zapi_state_qr_expired,
        SessionState::Disconnected => t().zapi_state_disconnected,
    };
    view! {
        <div class="mt-4 rounded-lg border border-slate-200 p-3 dark:border-slate-700" data-zapi-pairing="">
            <p class="text-xs text-amber-800 dark:text-amber-300" role="note">{move || t().zapi_warning}</p>
            <div class="mt-2 flex flex-wrap gap-2">
                <button type="button" class=BUTTON disabled=move || busy.get() on:click=move |_| { open.set(true); run(PairingAction::Status); }>
                    {move || t().zapi_show_qr}
                </button>
                <button type="button" class=BUTTON disabled=move || busy.get() on:click=move |_| { open.set(true); run(PairingAction::Restart); }>{move || t().zapi_restart}</button>
                <button type="button" class=BUTTON disabled=move || busy.get() on:click=move |_| run(PairingAction::Disconnect)>{move || t().zapi_disconnect}</button>
            </div>
            {move || pairing.get().map(|p| view! {
                <div class="mt-3 space-y-2 text-sm" role="status" aria-live="polite">
                    <p class="font-medium" data-session-state=p.state.as_str()>{move || state_text(p.state)}</p>
                    {(p.state == SessionState::Connected).then(|| view! { <HealthBadge health=ConnectionHealth::Connected /> })}
                    {p.detail.clone().map(|d| view! { <p class="text-xs text-slate-600 dark:text-slate-300" data-pairing-detail="">{d}</p> })}
                    {p.qr_code.clone().map(|src| view! {
                        <div class="relative w-fit">
                            <img src=src alt="QR code" data-qr-code=""
                                class=move || if qr_stale.get() { "size-56 rounded bg-white p-2 opacity-20" } else { "size-56 rounded bg-white p-2" } />
                            <Show when=move || qr_stale.get()>
                                <p class="absolute inset-0 flex items-center justify-center p-4 text-center text-sm font-medium" data-qr-stale="">
                                    {move || t().zapi_qr_stale}
                                </p>
                            </Show>
                        </div>
                        <p class="text-xs text-slate-500 dark:text-slate-400">{move || t().zapi_qr_hint}</p>
                    })}
                    {p.phone_code.clone().map(|code| view! { <p class="font-mono text-lg tracking-widest" data-phone-code="">{code}</p> })}
                </div>
            })}
            <label class="mt-3 block text-xs font-medium" for=format!("zapi-phone-{id}")>{move || t().zapi_phone_code}</label>
            <div class="mt-1 flex gap-2">
                <input id=format!("zapi-phone-{id}") class=INPUT inputmode="tel" placeholder="+55 11 98765-4321"
                    prop:value=move || phone.get() on:input=move |ev| phone.set(event_target_value(&ev)) />
                <button type="button" class=BUTTON disabled=move || busy.get() on:click=move |_| run(PairingAction::PhoneCode)>{move || t().zapi_get_code}</button>
            </div>
        </div>
    }
}
