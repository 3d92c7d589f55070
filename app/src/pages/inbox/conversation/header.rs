//! The header of an open conversation: who and where, and the actions on
//! it (assign, resolve, reopen, snooze, transfer, priority, critical, tags).

use leptos::html;
use leptos::prelude::*;
use leptos_router::components::A;
use shared::inbox::{ConversationStatus, Priority};
use uuid::Uuid;

use super::OpenConversation;
use crate::api::conversations::{
    assign_conversation, set_conversation_critical, set_conversation_priority,
    set_conversation_status, set_conversation_tags,
};
use crate::components::icons::{Icon, Svg};
use crate::components::layout::use_session;
use crate::components::widgets::{Avatar, SlaBadge, StatusBadge, BUTTON};
use crate::i18n::Strings;
use crate::pages::inbox::dialogs::{SnoozeDialog, TransferDialog};
use crate::pages::inbox::wrap_up::wrap_up_dialog;
use crate::pages::inbox::{list_href, use_inbox};
use crate::prefs::{use_prefs, use_t};
use crate::util::{confirm, near_day_time};

/// Picks a sentence about conversation number n (a toast, a question).
type Said = fn(&Strings) -> fn(i64) -> String;

/// An action that is a full-width menu item on phones and a button from `sm` up.
const ACTION: &str = "flex w-full items-center gap-1.5 rounded-lg px-3 py-2 text-left text-sm max-sm:hover:bg-slate-100 max-sm:dark:hover:bg-slate-800 sm:w-auto sm:justify-center sm:border sm:border-slate-300 sm:bg-white sm:py-1.5 sm:font-medium sm:text-slate-700 sm:hover:bg-slate-50 sm:dark:border-slate-600 sm:dark:bg-slate-900 sm:dark:text-slate-200 sm:dark:hover:bg-slate-800";

#[component]
pub fn ConversationHeader(open: OpenConversation, show_contact: RwSignal<bool>) -> impl IntoView {
    let t = use_t();
    let prefs = use_prefs();
    let me = use_session().user.id;
    let Some(inbox) = use_inbox() else {
        return ().into_any();
    };
    let s = open.summary;
    let number = s.get_untracked().number;
    let show_transfer = RwSignal::new(false);
    let show_snooze = RwSignal::new(false);
    let show_wrap_up = open.wrap_up;
    let wrap_up_loaded = leptos::lazy_preload!(crate::pages::inbox::wrap_up::wrap_up_dialog);
    // In the language on screen when the agent clicks.
    let say = move |text: Said| text(crate::i18n::strings(prefs.locale.get_untracked()))(number);
    let status_to = move |status: ConversationStatus, done: Said| {
        open.act_with_toast(set_conversation_status(number, status, None), say(done))
    };
    let assign = move |to: Option<Uuid>, done: Said| {
        open.act_with_toast(
            assign_conversation(number, to, false, None, None),
            say(done),
        )
    };
    let closed = move || s.with(|c| c.status.is_closed());
    let offset = use_session().utc_offset_minutes;
    let menus = Menus::default();

    view! {
        <header class="shrink-0 border-b border-slate-200 bg-white px-3 py-2 dark:border-slate-800 dark:bg-slate-900 [@media(max-height:540px)]:py-1">
            <div class="flex items-center gap-2">
                <A href=move || list_href(&inbox.query.get()) attr:class="rounded-lg p-1.5 text-slate-600 hover:bg-slate-100 lg:hidden dark:text-slate-300 dark:hover:bg-slate-800" attr:aria-label=move || t().back attr:id="back-to-list">
                    <Svg icon=Icon::ChevronLeft />
                </A>
                {move || s.with(|c| view! { <Avatar name=c.contact_name.clone() seed=c.contact_id size="size-9 text-sm" /> })}
                <div class="min-w-0 flex-1">
                    <h1 class="truncate text-sm font-semibold" id="conversation-title">{move || s.with(|c| if c.contact_name.trim().is_empty() { t().visitor.to_string() } else { c.contact_name.clone() })}</h1>
                    <p class="truncate text-xs text-slate-500 dark:text-slate-400 [@media(max-height:540px)]:hidden">
                        "#" {move || s.with(|c| c.number)} " · " {move || s.with(|c| c.channel_name.clone())}
                        {move || s.with(|c| c.department_name.clone()).map(|d| format!(" · {d}"))}
                        {move || s.with(|c| c.assignee_name.clone()).map(|a| format!(" · {a}"))}
                        {move || s.with(|c| c.snoozed_until).map(|until| format!(" · ⏰ {}", near_day_time(until, chrono::Utc::now(), offset, prefs.locale.get())))}
                    </p>
                </div>
                <SlaBadge standing=Signal::derive(move || s.with(shared::sla::standing)) now=inbox.clock show_due=true />
                {move || view! { <StatusBadge status=s.with(|c| c.status) /> }}
                <button type="button" class="rounded-lg p-1.5 text-slate-600 hover:bg-slate-100 2xl:hidden dark:text-slate-300 dark:hover:bg-slate-800"
                    on:click=move |_| show_contact.update(|v| *v = !*v) aria-label=move || t().contact title=move || t().contact id="toggle-contact">
                    <Svg icon=Icon::Contact />
                </button>
            </div>
            <Show when=move || open.can_work>
                // Phones: one row with the main actions and a menu for the
                // rest. From `sm` up the menu's panel is `contents`, so the
                // rest sit inline (ordered as before); each action exists once.
                <div class="relative mt-2 flex items-center gap-1.5 sm:flex-wrap [@media(max-height:540px)]:mt-1" id="conversation-actions">
                    <Show when=move || s.with(|c| c.assignee_id != Some(me)) && !closed()>
                        <button type="button" class=BUTTON id="assign-to-me"
                            on:click=move |_| assign(Some(me), |t| t.toast_assigned_to_me)>
                            {move || t().assign_to_me}
                        </button>
                    </Show>
                    <Show when=move || !closed()>
                        <button type="button" class=format!("{BUTTON} border-emerald-600 text-emerald-700 sm:order-1 dark:text-emerald-300") id="resolve"
                            on:click=move |_| open.resolve(say(|t| t.toast_resolved)) title=move || (t().shortcut_hint)("e")>
                            <Svg icon=Icon::Check class="size-4" /> {move || t().resolve}
                        </button>
                    </Show>
                    <Show when=closed>
                        <button type="button" class=format!("{BUTTON} sm:order-1") id="reopen"
                            on:click=move |_| status_to(ConversationStatus::Open, |t| t.toast_reopened)>
                            {move || t().reopen}
                        </button>
                    </Show>
                    <details class="peer ml-auto sm:hidden" id="conversation-more" node_ref=menus.overflow>
                        <summary class=format!("{BUTTON} cursor-pointer list-none px-2") aria-label=move || t().more_actions_label title=move || t().more_actions_label>
                            <svg class="size-5" viewBox="0 0 24 24" fill="none" stroke="currentColor" stroke-width="3" stroke-linecap="round" aria-hidden="true">
                                <path d="M5 12h.01M12 12h.01M19 12h.01"></path>
                            </svg>
                        </summary>
                    </details>
                    <div class="absolute right-0 top-full z-30 mt-1 hidden w-64 max-w-full flex-col gap-0.5 rounded-xl border border-slate-200 bg-white p-1 shadow-lg max-sm:peer-open:flex sm:contents dark:border-slate-700 dark:bg-slate-900" id="conversation-more-menu">
                        <button type="button" class=ACTION id="transfer"
                            on:click=move |_| {
                                menus.close();
                                open.toast_next_success(Some(say(|t| t.toast_transferred)));
                                show_transfer.set(true);
                            }>
                            {move || t().transfer}
                        </button>
                        <div class="sm:relative sm:order-2">
                            <details class="peer hidden sm:block" id="more-status" node_ref=menus.more>
                                <summary class=format!("{BUTTON} cursor-pointer list-none")>{move || t().more_actions} <Svg icon=Icon::ChevronDown class="size-4" /></summary>
                            </details>
                            <div class="flex flex-col sm:absolute sm:right-0 sm:z-30 sm:mt-1 sm:hidden sm:w-56 sm:rounded-xl sm:border sm:border-slate-200 sm:bg-white sm:p-1 sm:shadow-lg sm:peer-open:flex sm:dark:border-slate-700 sm:dark:bg-slate-900">
                                <MenuItem menus=menus label=|t: &Strings| t.mark_waiting on_click=move || status_to(ConversationStatus::Waiting, |t| t.toast_waiting) enabled=Signal::derive(move || !closed() && s.with(|c| c.status != ConversationStatus::Waiting)) />
                                <MenuItem menus=menus label=|t: &Strings| t.snooze
                                    on_click=move || {
                                        open.toast_next_success(Some(say(|t| t.toast_snoozed)));
                                        show_snooze.set(true);
                                    }
                                    enabled=Signal::derive(move || !closed()) />
                                <MenuItem menus=menus label=|t: &Strings| t.cancel_conversation
                                    on_click=move || {
                                        if confirm(&say(|t| t.confirm_cancel_conversation)) {
                                            status_to(ConversationStatus::Cancelled, |t| t.toast_cancelled);
                                        }
                                    }
                                    enabled=Signal::derive(move || !closed()) />
                                <MenuItem menus=menus label=|t: &Strings| t.unassign on_click=move || assign(None, |t| t.toast_unassigned) enabled=Signal::derive(move || !closed() && s.with(|c| c.assignee_id.is_some())) />
                            </div>
                        </div>
                        <label class="flex items-center justify-between gap-2 px-3 py-2 text-sm sm:order-2 sm:justify-start sm:gap-1 sm:p-0 sm:text-xs sm:text-slate-500">
                            <span class="sm:sr-only">{move || t().priority}</span>
                            <select class="rounded-md border border-slate-300 bg-white px-1.5 py-1 text-xs text-slate-900 dark:border-slate-600 dark:bg-slate-900 dark:text-slate-100" id="priority"
                                on:change=move |ev| {
                                    menus.close();
                                    if let Ok(p) = event_target_value(&ev).parse::<Priority>() { open.act(set_conversation_priority(number, p)) }
                                }>
                                {Priority::ALL.iter().copied().map(|p| view! {
                                    <option value=p.as_str() selected=move || s.with(|c| c.priority == p)>{move || (t().priority_name)(p)}</option>
                                }).collect_view()}
                            </select>
                        </label>
                        <button type="button" id="critical"
                            class=move || format!(
                                "flex w-full items-center gap-1.5 rounded-lg px-3 py-2 text-left text-sm sm:order-2 sm:w-auto sm:border sm:p-1.5 {}",
                                if s.with(|c| c.critical) { "border-red-600 bg-red-50 text-red-700 dark:bg-red-950 dark:text-red-300" } else { "border-slate-300 text-slate-500 max-sm:hover:bg-slate-100 dark:border-slate-600 max-sm:dark:hover:bg-slate-800 dark:text-slate-400" },
                            )
                            aria-pressed=move || s.with(|c| c.critical).to_string() title=move || t().critical aria-label=move || t().critical
                            on:click=move |_| {
                                menus.close();
                                open.act(set_conversation_critical(number, !s.with_untracked(|c| c.critical)))
                            }>
                            <Svg icon=Icon::Flag class="size-4" />
                            <span class="sm:hidden" aria-hidden="true">{move || t().critical}</span>
                        </button>
                    </div>
                </div>
                <TagEditor open=open />
            </Show>
        </header>
        <Show when=move || show_transfer.get()>
            <TransferDialog number=number on_close=move || { show_transfer.set(false); open.toast_next_success(None) } />
        </Show>
        <Show when=move || show_snooze.get()>
            <SnoozeDialog number=number on_close=move || { show_snooze.set(false); open.toast_next_success(None) } />
        </Show>
        // Its chunk is fetched while the conversation opens; a click before
        // it arrives opens the dialog when it does.
        <Show when=move || show_wrap_up.get() && wrap_up_loaded.get()>
            <Suspense>
                {move || Suspend::new(async move { wrap_up_dialog(number, show_wrap_up).await })}
            </Suspense>
        </Show>
    }
    .into_any()
}

/// The header's menus: the overflow on phones, "More" from `sm` up.
#[derive(Clone, Copy, Default)]
struct Menus {
    overflow: NodeRef<html::Details>,
    more: NodeRef<html::Details>,
}

impl Menus {
    /// Closes both, after one of their items was used.
    fn close(self) {
        for details in [self.overflow, self.more] {
            if let Some(el) = details.get_untracked() {
                let _ = el.remove_attribute("open");
            }
        }
    }
}

#[component]
fn MenuItem(
    menus: Menus,
    label: fn(&Strings) -> &'static str,
    on_click: impl Fn() + Send + Sync + 'static,
    #[prop(into)] enabled: Signal<bool>,
) -> impl IntoView {
    let t = use_t();
    view! {
        <button type="button" class="block w-full rounded-lg px-3 py-2 text-left text-sm hover:bg-slate-100 disabled:opacity-40 dark:hover:bg-slate-800"
            disabled=move || !enabled.get()
            on:click=move |_| {
                menus.close();
                on_click();
            }>
            {move || label(t())}
        </button>
    }
}

#[component]
fn TagEditor(open: OpenConversation) -> impl IntoView {
    let t = use_t();
    let Some(inbox) = use_inbox() else {
        return ().into_any();
    };
    let number = open.summary.get_untracked().number;
    let draft = RwSignal::new(String::new());
    let save = move |tags: Vec<String>| open.act(set_conversation_tags(number, tags));
    let add = move || {
        let tag = draft
            .get_untracked()
            .trim()
            .trim_start_matches('#')
            .to_lowercase();
        if tag.is_empty() {
            return;
        }
        let mut tags = open.summary.get_untracked().tags;
        if !tags.contains(&tag) {
            tags.push(tag);
            save(tags);
        }
        draft.set(String::new());
    };
    view! {
        <div class="mt-2 flex flex-wrap items-center gap-1 [@media(max-height:540px)]:hidden" id="tags">
            <Svg icon=Icon::Tag class="size-4 text-slate-500 dark:text-slate-400" />
            <For each=move || open.summary.with(|c| c.tags.clone()) key=|tag| tag.clone() let:tag>
                {
                    let remove = tag.clone();
                    view! {
                        <span class="inline-flex items-center gap-1 rounded-full bg-slate-100 py-0.5 pl-2 pr-1 text-xs dark:bg-slate-800" data-tag=tag.clone()>
                            {tag.clone()}
                            <button type="button" class="rounded-full p-0.5 hover:bg-slate-200 dark:hover:bg-slate-700" aria-label=move || format!("{} {}", t().remove, remove)
                                on:click={
                                    let remove = tag.clone();
                                    move |_| save(open.summary.get_untracked().tags.into_iter().filter(|x| *x != remove).collect())
                                }>
                                <Svg icon=Icon::Close class="size-3" />
                            </button>
                        </span>
                    }
                }
            </For>
            <input type="text" list="known-tags" placeholder=move || t().add_tag id="tag-input"
                class="w-28 rounded-md border border-transparent bg-transparent px-1 py-0.5 text-xs focus:border-slate-300 dark:focus:border-slate-600"
                prop:value=move || draft.get()
                on:input=move |ev| draft.set(event_target_value(&ev))
                on:keydown=move |ev| { if ev.key() == "Enter" { ev.prevent_default(); add() } } />
            <datalist id="known-tags">
                <Transition>
                    {move || Suspend::new(async move {
                        inbox.context.await.map(|c| c.tags).unwrap_or_default().into_iter().map(|tag| view! { <option value=tag></option> }).collect_view()
                    })}
                </Transition>
            </datalist>
        </div>
    }
    .into_any()
}
