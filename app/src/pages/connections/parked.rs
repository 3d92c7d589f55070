//! A connection's parking lot on its card: how many webhook events kept
//! failing, what each one carried and why it failed, and "replay".

use leptos::prelude::*;
use shared::connections::ParkedEvent;
use shared::AppError;

use crate::api::connections::{list_parked_events, replay_parked_events};
use crate::components::form::ErrorBanner;
use crate::components::layout::use_session;
use crate::components::widgets::BUTTON;
use crate::prefs::{use_prefs, use_t};
use crate::util::date_time;

#[component]
pub(super) fn ParkedEvents(id: i64, count: i64, changed: Callback<()>) -> impl IntoView {
    let t = use_t();
    let prefs = use_prefs();
    let offset = use_session().utc_offset_minutes;
    let events = RwSignal::new(None::<Vec<ParkedEvent>>);
    let error = RwSignal::new(None::<AppError>);
    let show = move |_| {
        leptos::task::spawn_local(async move {
            match list_parked_events(id).await {
                Ok(list) => events.set(Some(list)),
                Err(err) => error.set(Some(err)),
            }
        });
    };
    let replay = move |_| {
        leptos::task::spawn_local(async move {
            match replay_parked_events(id).await {
                Ok(_) => changed.run(()),
                Err(err) => error.set(Some(err)),
            }
        });
    };
    view! {
        <div class="mt-3 rounded-lg bg-amber-50 px-3 py-2 text-sm text-amber-900 dark:bg-amber-950 dark:text-amber-100" data-parked=count>
            <p class="flex flex-wrap items-center gap-2" role="status">
                <span>{count} " " {move || t().parked_events}</span>
                <button type="button" class=BUTTON on:click=show>{move || t().parked_show}</button>
                <button type="button" class=BUTTON on:click=replay>{move || t().replay_events}</button>
            </p>
            <ErrorBanner error=Signal::derive(move || error.get()) />
            {move || events.get().map(|list| view! {
                <ol class="mt-2 space-y-2" data-parked-list="">
                    {list.into_iter().map(|event| {
                        let at = event.received_at;
                        view! {
                            <li class="rounded border border-amber-200 bg-white p-2 text-slate-800 dark:border-amber-900 dark:bg-slate-900 dark:text-slate-200" data-parked-event=event.id>
                                <p class="text-xs">
                                    {move || date_time(at, offset, prefs.locale.get())} " · "
                                    {event.attempts} " " {move || t().parked_attempts}
                                </p>
                                {event.last_error.map(|why| view! { <p class="mt-1 text-xs text-red-700 dark:text-red-400" data-parked-error="">{why}</p> })}
                                <pre class="mt-1 max-h-40 overflow-auto whitespace-pre-wrap break-all rounded bg-slate-100 p-2 text-xs dark:bg-slate-800">
                                    {event.body}{event.truncated.then_some("…")}
                                </pre>
                            </li>
                        }
                    }).collect_view()}
                </ol>
            })}
        </div>
    }
}
