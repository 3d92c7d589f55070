//! The notification bell: unread count, the list, marking them read.

use leptos::prelude::*;
use leptos_router::components::A;

use super::top_bar::MENU_PANEL;
use crate::components::icons::{Icon, Svg};
use crate::prefs::use_t;

/// The signed-in person's alerts (mentions, transfers, breaches, low scores,
/// connections down), live; opening one marks it read.
#[component]
pub(super) fn NotificationBell() -> impl IntoView {
    use crate::api::conversations::{list_notifications, mark_notifications_read};
    use crate::realtime::{use_realtime, Incoming};
    use shared::events::ServerEvent;
    let t = use_t();
    let version = RwSignal::new(0u32);
    let notifications = LocalResource::new(move || {
        version.track();
        list_notifications()
    });
    let live = RwSignal::new(Vec::<shared::inbox::Notification>::new());
    if let Some(realtime) = use_realtime() {
        realtime.subscribe(move |incoming| {
            if let Incoming::Event(ServerEvent::Notification { notification }) = incoming {
                live.update(|list| list.insert(0, notification.clone()));
            }
        });
    }
    // Loaded once the page is live; the server renders the bell without a count.
    let loaded = RwSignal::new(Vec::<shared::inbox::Notification>::new());
    Effect::new(move |_| {
        if let Some(Ok(list)) = notifications.get() {
            loaded.set(list);
        }
    });
    let all = move || {
        let mut list = live.get();
        list.extend(
            loaded
                .get()
                .into_iter()
                .filter(|n| !live.with(|l| l.iter().any(|x| x.id == n.id))),
        );
        list
    };
    let unread = move || all().iter().filter(|n| !n.read).count();
    let mark_read = move |_| {
        leptos::task::spawn_local(async move {
            if mark_notifications_read(None).await.is_ok() {
                live.set(vec![]);
                version.update(|v| *v += 1);
            }
        });
    };
    let open = move |id: i64| {
        let mark = |list: &mut Vec<shared::inbox::Notification>| {
            list.iter_mut()
                .filter(|n| n.id == id)
                .for_each(|n| n.read = true);
        };
        live.update(mark);
        loaded.update(mark);
        leptos::task::spawn_local(async move {
            let _ = mark_notifications_read(Some(id)).await;
        });
    };
    view! {
        <details class="relative" id="notifications">
            <summary class="relative flex cursor-pointer list-none rounded-lg p-2 text-slate-600 hover:bg-slate-100 dark:text-slate-300 dark:hover:bg-slate-800">
                // Named by its content, so the visible count is part of the
                // name ("Notificações 6"), as axe asks.
                <Svg icon=Icon::Bell />
                <span class="sr-only">{move || t().notifications}</span>
                <Show when=move || { unread() > 0 }>
                    <span class="absolute right-1 top-1 min-w-4 rounded-full bg-red-600 px-1 text-center text-[10px] font-bold leading-4 text-white" id="notification-count">{unread}</span>
                </Show>
            </summary>
            <div class=MENU_PANEL.replace("w-64", "w-80")>
                <div class="flex items-center justify-between px-3 py-2">
                    <p class="text-sm font-semibold">{move || t().notifications}</p>
                    <button type="button" class="text-xs text-blue-700 hover:underline dark:text-blue-400" on:click=mark_read>{move || t().mark_all_read}</button>
                </div>
                <crate::components::attention::EnableAlerts />
                <ul class="max-h-80 overflow-y-auto">
                    {move || {
                        let list = all();
                        if list.is_empty() {
                            return view! { <li class="px-3 py-4 text-center text-sm text-slate-500 dark:text-slate-400">{t().no_notifications}</li> }.into_any();
                        }
                        list.into_iter().map(|n| {
                            let title = crate::components::attention::notification_title(t(), &n);
                            let (id, read) = (n.id, n.read);
                            view! {
                                <li class="notification" data-kind=n.kind.as_str() data-read=read.to_string()>
                                    <A href=n.href() on:click=move |_| if !read { open(id) } attr:class=format!("block rounded-lg px-3 py-2 text-sm hover:bg-slate-100 dark:hover:bg-slate-800 {}", if read { "opacity-60" } else { "" })>
                                        <p class="font-medium">{title}
                                            {n.conversation_number.map(|number| format!(" · #{number}"))}</p>
                                        <p class="truncate text-xs text-slate-500 dark:text-slate-400">{n.excerpt.clone()}</p>
                                    </A>
                                </li>
                            }
                        }).collect_view().into_any()
                    }}
                </ul>
            </div>
        </details>
    }
}
