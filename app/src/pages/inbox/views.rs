//! Inbox views: the conversations by department, connection, status and
//! tag, each with how many it holds and how many have unread messages —
//! from the live counts — and a link to its list.

use leptos::prelude::*;
use leptos_router::components::A;
use shared::inbox::{ConversationStatus, InboxFilter, InboxTab, ViewCount, ViewKind};

use super::{list_href, query_of, Inbox};
use crate::components::attention::use_counts;
use crate::prefs::use_t;

/// The list a view opens: every tab, only that view's conversations.
fn view_href(view: &ViewCount) -> String {
    let mut filter = InboxFilter {
        tab: InboxTab::All,
        ..Default::default()
    };
    match view.kind {
        ViewKind::Department => filter.department_id = view.key.parse().ok(),
        ViewKind::Channel => filter.channel_id = view.key.parse().ok(),
        ViewKind::Status => filter.status = view.key.parse().ok(),
        ViewKind::Tag => filter.tag = Some(view.key.clone()),
    }
    list_href(&query_of(&filter))
}

/// A view's name: the department's or connection's, the status in words,
/// or the tag itself.
fn view_name(inbox: &Inbox, view: &ViewCount, t: &crate::i18n::Strings) -> String {
    let context = inbox.context.get().and_then(Result::ok);
    let id = view.key.parse::<i64>().ok();
    let named = match view.kind {
        ViewKind::Department => context
            .and_then(|c| c.departments.into_iter().find(|d| Some(d.id) == id))
            .map(|d| d.name),
        ViewKind::Channel => context
            .and_then(|c| c.channels.into_iter().find(|ch| Some(ch.id) == id))
            .map(|ch| ch.name),
        ViewKind::Status => view
            .key
            .parse::<ConversationStatus>()
            .ok()
            .map(|s| (t.status_name)(s).to_string()),
        ViewKind::Tag => Some(format!("#{}", view.key)),
    };
    named.unwrap_or_else(|| view.key.clone())
}

/// The views panel is a wasm chunk of its own (`--split`), loaded the first
/// time it is opened, so the first download stays small.
#[leptos::lazy]
pub(super) fn inbox_views(inbox: Inbox) -> AnyView {
    view! { <InboxViews inbox=inbox /> }.into_any()
}

#[component]
fn InboxViews(inbox: Inbox) -> impl IntoView {
    let t = use_t();
    let counts = use_counts();
    let group = move |kind: ViewKind, title: fn(&crate::i18n::Strings) -> &'static str| {
        let views = move || {
            counts
                .and_then(|c| c.0.get())
                .map(|c| {
                    c.views
                        .into_iter()
                        .filter(|v| v.kind == kind)
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default()
        };
        view! {
            <Show when=move || !views().is_empty()>
                <section>
                    <h3 class="px-2 pb-1 pt-2 text-[11px] font-semibold uppercase tracking-wide text-slate-500 dark:text-slate-400">{move || title(t())}</h3>
                    <ul>
                        {move || views().into_iter().map(|view| {
                            let href = view_href(&view);
                            let name = view_name(&inbox, &view, t());
                            view! {
                                <li>
                                    <A href=href
                                        attr:class="flex items-center gap-2 rounded-md px-2 py-1.5 text-sm hover:bg-slate-100 focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-blue-600 dark:hover:bg-slate-800"
                                        attr:data-view-kind=view.kind.as_str() attr:data-view-key=view.key.clone()
                                        attr:data-view-total=view.total attr:data-view-unread=view.unread>
                                        <span class="min-w-0 flex-1 truncate">{name}</span>
                                        {(view.unread > 0).then(|| view! {
                                            <span class="rounded-full bg-blue-700 px-1.5 text-[11px] font-semibold text-white" title=move || (t().unread_n)(view.unread as u64)>{view.unread}</span>
                                        })}
                                        <span class="text-xs tabular-nums text-slate-500 dark:text-slate-400">{view.total}</span>
                                    </A>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                </section>
            </Show>
        }
    };
    view! {
        <div id="inbox-views" class="max-h-80 overflow-y-auto border-t border-slate-200 p-1 dark:border-slate-800">
            {group(ViewKind::Department, |t| t.views_departments)}
            {group(ViewKind::Channel, |t| t.views_connections)}
            {group(ViewKind::Status, |t| t.views_statuses)}
            {group(ViewKind::Tag, |t| t.views_tags)}
            <Show when=move || counts.and_then(|c| c.0.get()).is_some_and(|c| c.views.is_empty())>
                <p class="px-2 py-3 text-sm text-slate-500 dark:text-slate-400">{move || t().nothing_here}</p>
            </Show>
        </div>
    }
}
