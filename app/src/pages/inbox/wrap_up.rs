//! Wrap-up: the conversation's categories (with the ones the AI suggests),
//! then resolve — and, for those who may, without the satisfaction survey.
//! A wasm chunk of its own, loaded when a conversation opens.

use leptos::prelude::*;

use super::conversation::use_open_conversation;
use super::suggested_categories::SuggestedCategories;
use super::use_inbox;
use crate::api::categories::wrap_up_conversation;
use crate::components::widgets::{Modal, BUTTON, PRIMARY_BUTTON};
use crate::prefs::use_t;

/// The dialog of conversation `number`, open while `shown`.
#[leptos::lazy]
pub fn wrap_up_dialog(number: i64, shown: RwSignal<bool>) -> AnyView {
    let open = use_open_conversation();
    let close = move || {
        shown.set(false);
        if let Some(open) = open {
            open.toast_next_success(None);
        }
    };
    view! { <WrapUpDialog number=number on_close=close /> }.into_any()
}

/// Shown when the account has categories; required ones must be picked
/// first.
#[component]
fn WrapUpDialog(number: i64, on_close: impl Fn() + Clone + Send + Sync + 'static) -> impl IntoView {
    let t = use_t();
    let Some(inbox) = use_inbox() else {
        return ().into_any();
    };
    let Some(open) = use_open_conversation() else {
        return ().into_any();
    };
    let (setup, survey_skippable) = inbox
        .context
        .get_untracked()
        .and_then(Result::ok)
        .map(|c| (c.categories, c.survey_skippable))
        .unwrap_or_default();
    let kind = open.summary.with_untracked(|s| s.channel_kind);
    let required = setup.required_for(kind.as_str());
    let rows: Vec<(usize, i64, String)> = setup
        .pickable()
        .into_iter()
        .map(|(depth, c)| (depth, c.id, c.name.clone()))
        .collect();
    let has_rows = !rows.is_empty();
    let chosen = RwSignal::new(Vec::<i64>::new());
    let without_survey = RwSignal::new(false);
    let close = on_close.clone();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        open.act(wrap_up_conversation(
            number,
            chosen.get_untracked(),
            without_survey.get_untracked(),
        ));
        close();
    };
    let cancel = on_close.clone();
    view! {
        <Modal title=Signal::derive(move || t().wrap_up.to_string()) on_close=on_close id="wrap-up-dialog">
            <form on:submit=submit class="space-y-3">
                <p class="text-sm text-slate-600 dark:text-slate-300" class:hidden=!has_rows>
                    {move || if required { t().wrap_up_required } else { t().wrap_up_optional }}
                </p>
                {has_rows.then(|| view! { <SuggestedCategories number=number chosen=chosen /> })}
                <ul class="max-h-72 space-y-1 overflow-y-auto" id="wrap-up-categories">
                    {rows.into_iter().map(|(depth, id, name)| view! {
                        <li style=format!("padding-left: {}rem", depth as f32 * 1.25)>
                            <label class="flex items-center gap-2 text-sm">
                                <input type="checkbox" data-category=name.clone()
                                    prop:checked=move || chosen.with(|c| c.contains(&id))
                                    on:change=move |ev| {
                                        let on = event_target_checked(&ev);
                                        chosen.update(|c| {
                                            c.retain(|x| *x != id);
                                            if on { c.push(id) }
                                        });
                                    } />
                                {name}
                            </label>
                        </li>
                    }).collect_view()}
                </ul>
                <label class="flex items-center gap-2 text-sm" class:hidden=!survey_skippable>
                    <input type="checkbox" id="without-survey"
                        on:change=move |ev| without_survey.set(event_target_checked(&ev)) />
                    {move || t().without_survey}
                </label>
                <div class="flex justify-end gap-2">
                    <button type="button" class=BUTTON on:click=move |_| cancel()>{move || t().cancel}</button>
                    <button type="submit" class=PRIMARY_BUTTON id="confirm-wrap-up"
                        disabled=move || required && chosen.with(Vec::is_empty)>
                        {move || t().resolve}
                    </button>
                </div>
            </form>
        </Modal>
    }
    .into_any()
}
