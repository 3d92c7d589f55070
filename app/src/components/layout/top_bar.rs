//! The top bar: the drawer button on phones, the activity badge, the account
//! switcher, the notification bell and the user menu.

use leptos::prelude::*;
use leptos_router::components::A;

#[cfg(feature = "hydrate")]
use crate::api::session::get_availability;
use crate::api::session::{set_availability, SignOut, SwitchAccount};
use crate::components::icons::{Icon, Svg};
use crate::i18n::Strings;
use crate::prefs::use_t;
use shared::inbox::Availability;

use super::notification_bell::NotificationBell;
use super::switchers::{LanguageSwitcher, ThemeSwitcher};
use super::{hard_navigate, use_session};

#[component]
pub(super) fn TopBar(
    drawer_open: RwSignal<bool>,
    realtime: crate::realtime::Realtime,
) -> impl IntoView {
    use crate::components::activity::activity_status;
    let activity_loaded = leptos::lazy_preload!(crate::components::activity::activity_status);
    let session = use_session();
    let t = use_t();
    let account_name = session.account.name.clone();
    // On short windows (a phone held sideways, 200 % zoom) an open
    // conversation takes the whole height; its own header leads back.
    view! {
        <header class="flex h-14 shrink-0 items-center gap-2 border-b [@media(max-height:540px)]:h-11 [@media(max-height:540px)]:[body:has(#composer)_&]:max-lg:hidden border-slate-200 bg-white px-3 dark:border-slate-800 dark:bg-slate-900">
            <button
                type="button"
                id="open-drawer"
                class="rounded-lg p-2 text-slate-600 hover:bg-slate-100 lg:hidden dark:text-slate-300 dark:hover:bg-slate-800"
                on:click=move |_| drawer_open.set(true)
                aria-label=move || t().menu
                aria-controls="drawer"
                aria-expanded=move || drawer_open.get().to_string()
            >
                <Svg icon=Icon::Menu />
            </button>
            <AccountSwitcher current=account_name />
            <div class="flex-1"></div>
            // Rendered in the browser once its chunk has arrived (a lazy
            // function awaited while hydrating would not match the server's
            // HTML).
            <Show when=move || activity_loaded.get()>
                <Suspense>
                    {move || Suspend::new(async move { activity_status(realtime).await })}
                </Suspense>
            </Show>
            <NotificationBell />
            // On phones these live in the user menu.
            <div class="hidden items-center gap-2 sm:flex">
                <LanguageSwitcher />
                <ThemeSwitcher />
            </div>
            <UserMenu />
        </header>
    }
}

pub(super) const MENU_PANEL: &str = "absolute right-0 z-30 mt-2 w-64 rounded-xl border border-slate-200 bg-white p-1 shadow-lg dark:border-slate-700 dark:bg-slate-900";
const MENU_ITEM: &str = "flex w-full items-center gap-2 rounded-lg px-3 py-2 text-left text-sm hover:bg-slate-100 dark:hover:bg-slate-800";

#[component]
fn AccountSwitcher(current: String) -> impl IntoView {
    let session = use_session();
    let t = use_t();
    let switch = ServerAction::<SwitchAccount>::new();
    Effect::new(move |_| {
        if let Some(Ok(path)) = switch.value().get() {
            hard_navigate(&path);
        }
    });
    let others: Vec<_> = session
        .accounts
        .iter()
        .filter(|a| a.id != session.account.id)
        .cloned()
        .collect();
    if others.is_empty() {
        return view! {
            <span class="truncate text-sm font-semibold" id="account-name">{current}</span>
        }
        .into_any();
    }
    view! {
        <details class="relative">
            <summary class="flex cursor-pointer list-none items-center gap-1 rounded-lg px-2 py-1 text-sm font-semibold hover:bg-slate-100 dark:hover:bg-slate-800" title=move || t().switch_account>
                <span id="account-name" class="truncate">{current}</span>
                <Svg icon=Icon::ChevronDown class="size-4" />
            </summary>
            <div class=MENU_PANEL.replace("right-0", "left-0")>
                <p class="px-3 py-1 text-xs text-slate-500 dark:text-slate-400">{move || t().switch_account}</p>
                {others
                    .into_iter()
                    .map(|account| {
                        view! {
                            <ActionForm action=switch>
                                <input type="hidden" name="account_id" value=account.id.to_string() />
                                <button type="submit" class=MENU_ITEM>
                                    <Svg icon=Icon::Building class="size-4" />
                                    <span class="truncate">{account.name}</span>
                                </button>
                            </ActionForm>
                        }
                    })
                    .collect_view()}
            </div>
        </details>
    }
    .into_any()
}

#[component]
fn UserMenu() -> impl IntoView {
    let session = use_session();
    let t = use_t();
    let sign_out = ServerAction::<SignOut>::new();
    Effect::new(move |_| {
        if let Some(Ok(path)) = sign_out.value().get() {
            hard_navigate(&path);
        }
    });
    let initials: String = session
        .user
        .name
        .split_whitespace()
        .filter_map(|word| word.chars().next())
        .take(2)
        .collect::<String>()
        .to_uppercase();
    let email = session.user.email.clone();
    let availability = RwSignal::new(None::<Availability>);
    #[cfg(feature = "hydrate")]
    leptos::task::spawn_local(async move {
        if let Ok(current) = get_availability().await {
            availability.set(Some(current));
        }
    });
    let choose = move |chosen: Availability| {
        let before = availability.get_untracked();
        availability.set(Some(chosen));
        leptos::task::spawn_local(async move {
            if set_availability(chosen).await.is_err() {
                availability.set(before);
            }
        });
    };
    let dot = move || match availability.get() {
        Some(Availability::Away) => "bg-amber-500",
        Some(Availability::Offline) => "bg-slate-400",
        _ => "bg-emerald-500",
    };
    let option = move |value: Availability,
                       label: fn(&Strings) -> &'static str,
                       color: &'static str| {
        view! {
            <button type="button" role="menuitemradio" class=MENU_ITEM data-availability=value.as_str()
                aria-checked=move || (availability.get() == Some(value)).to_string()
                on:click=move |_| choose(value)>
                <span class=format!("size-2.5 rounded-full {color}") aria-hidden="true"></span>
                <span class="flex-1">{move || label(t())}</span>
                <Show when=move || availability.get() == Some(value)>
                    <Svg icon=Icon::Check class="size-4 text-blue-700 dark:text-blue-300" />
                </Show>
            </button>
        }
    };
    view! {
        <details class="relative" id="user-menu">
            <summary
                class="relative flex cursor-pointer list-none items-center gap-2 rounded-full p-0.5 hover:ring-2 hover:ring-blue-200 focus-visible:outline-none focus-visible:ring-2 focus-visible:ring-blue-600"
                aria-label=move || t().user_menu
            >
                <span class="grid size-8 place-items-center rounded-full bg-blue-700 text-xs font-semibold text-white">{initials}</span>
                <span class=move || format!("absolute -bottom-0.5 -right-0.5 size-3 rounded-full ring-2 ring-white dark:ring-slate-900 {}", dot()) aria-hidden="true"></span>
            </summary>
            <div class=format!("{MENU_PANEL} max-w-[calc(100vw-1.5rem)]")>
                <div class="border-b border-slate-100 px-3 py-2 dark:border-slate-800">
                    <p class="truncate text-sm font-medium">{session.user.name.clone()}</p>
                    <p class="truncate text-xs text-slate-600 dark:text-slate-400">{move || (t().signed_in_as)(&email)}</p>
                </div>
                <div class="border-b border-slate-100 py-1 dark:border-slate-800" role="group" aria-label=move || t().availability id="availability">
                    {option(Availability::Online, |t| t.availability_online, "bg-emerald-500")}
                    {option(Availability::Away, |t| t.availability_away, "bg-amber-500")}
                    {option(Availability::Offline, |t| t.availability_offline, "bg-slate-400")}
                </div>
                // Language and theme, for phones (the top bar has them on wider screens).
                <div class="flex items-center justify-between gap-2 border-b border-slate-100 px-2 py-2 sm:hidden dark:border-slate-800">
                    <LanguageSwitcher id="language-switcher-menu" />
                    <ThemeSwitcher />
                </div>
                <A href="/settings/profile" attr:class=MENU_ITEM>
                    <Svg icon=Icon::User class="size-4" />
                    {move || t().nav_profile}
                </A>
                <ActionForm action=sign_out>
                    <button type="submit" class=MENU_ITEM id="sign-out">
                        <Svg icon=Icon::Logout class="size-4" />
                        {move || t().sign_out}
                    </button>
                </ActionForm>
            </div>
        </details>
    }
}
