//! Settings → Quick replies: the account's shared ones and one's own.

use crate::json::json_resource;
use leptos::prelude::*;
use shared::inbox::QuickReply;
use shared::{AppError, Permission};

use crate::api::channels::{list_quick_replies, remove_quick_reply, SaveQuickReply};
use crate::components::form::{
    field_error, form_error, reset_on_success, ErrorBanner, Field, SubmitButton,
};
use crate::components::layout::{use_session, PageHeader};
use crate::components::widgets::{BUTTON, INPUT};
use crate::prefs::{use_prefs, use_t};
use crate::util::confirm;

const CARD: &str = "rounded-xl border border-slate-200 bg-white p-4 shadow-sm sm:p-6 dark:border-slate-800 dark:bg-slate-900";

#[component]
pub fn QuickRepliesPage() -> impl IntoView {
    let t = use_t();
    let prefs = use_prefs();
    let can_share = use_session().can(Permission::ManageAccountQuickReplies);
    let save = ServerAction::<SaveQuickReply>::new();
    let removed = RwSignal::new(0u32);
    let replies = json_resource(
        move || (save.version().get(), removed.get()),
        |_| list_quick_replies(),
    );
    let error = form_error(save);
    let remove_error = RwSignal::new(None::<AppError>);
    let editing = RwSignal::new(None::<QuickReply>);
    Effect::new(move |_| {
        if let Some(Ok(_)) = save.value().get() {
            editing.set(None);
        }
    });
    view! {
        <PageHeader title=Signal::derive(move || t().nav_quick_replies) subtitle=Signal::derive(move || t().quick_replies_subtitle) />
        <div class="max-w-3xl space-y-6 p-4 sm:p-6">
            <section class=CARD>
                <h2 class="mb-3 text-base font-semibold">
                    {move || if editing.get().is_some() { t().edit } else { t().new_quick_reply }}
                </h2>
                {move || {
                    let current = editing.get();
                    view! {
                        <ActionForm action=save node_ref=reset_on_success(save)>
                            <div class="space-y-3">
                                {current.as_ref().map(|q| view! { <input type="hidden" name="id" value=q.id /> })}
                                <Field name="shortcut" label=Signal::derive(move || t().shortcut) value=current.as_ref().map(|q| q.shortcut.clone()).unwrap_or_default()
                                    required=true hint=Signal::derive(move || t().shortcut_hint_text) error=field_error(error, "shortcut") />
                                <label class="block space-y-1">
                                    <span class="text-sm font-medium">{move || t().content}</span>
                                    <textarea name="content" rows="4" required class=INPUT>{current.as_ref().map(|q| q.content.clone()).unwrap_or_default()}</textarea>
                                    <span class="text-xs text-slate-500 dark:text-slate-400">{move || field_error(error, "content").get().map(|c| t().code(c)).unwrap_or(t().template_variables)}</span>
                                </label>
                                {(can_share && current.is_none()).then(|| view! {
                                    <label class="flex items-center gap-2 text-sm">
                                        <input type="checkbox" name="shared" value="true" checked=true />
                                        {move || t().shared_with_team}
                                    </label>
                                })}
                                <ErrorBanner error=Signal::derive(move || error.get().filter(|e| !matches!(e, AppError::Validation { .. }))) />
                                <div class="flex gap-2">
                                    <SubmitButton label=Signal::derive(move || t().save) busy_label=Signal::derive(move || t().saving) pending=save.pending() />
                                    {current.is_some().then(|| view! {
                                        <button type="button" class=BUTTON on:click=move |_| editing.set(None)>{move || t().cancel}</button>
                                    })}
                                </div>
                            </div>
                        </ActionForm>
                    }
                }}
            </section>
            <ErrorBanner error=remove_error />
            <Transition fallback=move || view! { <p class="text-sm text-slate-500 dark:text-slate-400">{move || t().loading}</p> }>
                {move || Suspend::new(async move {
                    let list = replies.await.unwrap_or_default();
                    if list.is_empty() {
                        return view! { <p class="text-sm text-slate-500 dark:text-slate-400">{move || t().nothing_here}</p> }.into_any();
                    }
                    view! {
                        <ul class=format!("{CARD} divide-y divide-slate-100 !p-0 dark:divide-slate-800") id="quick-reply-list">
                            {list.into_iter().map(|reply| {
                                let id = reply.id;
                                let editable = !reply.shared || can_share;
                                let to_edit = reply.clone();
                                view! {
                                    <li class="flex items-start gap-3 p-4">
                                        <div class="min-w-0 flex-1">
                                            <p class="font-mono text-sm text-blue-700 dark:text-blue-300">"/" {reply.shortcut.clone()}
                                                <span class="ml-2 rounded bg-slate-100 px-1.5 font-sans text-xs text-slate-600 dark:bg-slate-800 dark:text-slate-300">
                                                    {move || if reply.shared { t().shared } else { t().personal }}
                                                </span>
                                            </p>
                                            <p class="mt-1 whitespace-pre-wrap text-sm text-slate-700 dark:text-slate-300">{reply.content.clone()}</p>
                                        </div>
                                        {editable.then(|| view! {
                                            <div class="flex gap-1">
                                                <button type="button" class=BUTTON on:click=move |_| editing.set(Some(to_edit.clone()))>{move || t().edit}</button>
                                                <button type="button" class=BUTTON on:click=move |_| {
                                                    if confirm(crate::i18n::strings(prefs.locale.get_untracked()).confirm_remove) {
                                                        leptos::task::spawn_local(async move {
                                                            match remove_quick_reply(id).await {
                                                                Ok(()) => removed.update(|v| *v += 1),
                                                                Err(err) => remove_error.set(Some(err)),
                                                            }
                                                        });
                                                    }
                                                }>{move || t().remove}</button>
                                            </div>
                                        })}
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    }.into_any()
                })}
            </Transition>
        </div>
    }
}
