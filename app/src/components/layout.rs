//! The signed-in app shell: sidebar (collapsible on desktop, a drawer on
//! phones), top bar with the account switcher, language and theme switchers
//! and the user menu, and the page outlet.

use crate::json::json_resource;
use leptos::prelude::*;
use leptos_router::components::{Outlet, Redirect, A};
use leptos_router::hooks::use_location;
use shared::accounts::SessionInfo;
use shared::{AppError, Locale, Permission, Theme};

#[cfg(feature = "hydrate")]
use crate::api::session::get_availability;
use crate::api::session::{
    get_session_info, save_display_preferences, set_availability, SignOut, SwitchAccount,
};
use crate::components::icons::{Icon, Svg};
use crate::i18n::Strings;
use crate::prefs::{use_prefs, use_t};
use shared::inbox::Availability;

/// The signed-in session, available to every page inside the shell.
pub fn use_session() -> SessionInfo {
    use_context::<SessionInfo>().unwrap_or_else(|| SessionInfo {
        user: shared::accounts::CurrentUser {
            id: uuid::Uuid::nil(),
            name: String::new(),
            email: String::new(),
            locale: None,
            theme: Theme::System,
            email_confirmed: true,
        },
        account: shared::accounts::AccountChoice {
            id: uuid::Uuid::nil(),
            name: String::new(),
            slug: String::new(),
            role: shared::Role::Agent,
        },
        accounts: vec![],
        utc_offset_minutes: 0,
        public_url: String::new(),
        managed_channels: vec![],
    })
}

/// Navigates the whole page (not client-side routing): used after sign-in,
/// sign-out and account switches, so every cached view starts afresh.
pub fn hard_navigate(path: &str) {
    #[cfg(feature = "hydrate")]
    {
        let _ = window().location().assign(path);
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = path;
    }
}

/// Guards the signed-in area and renders the shell around it.
#[component]
pub fn AppLayout() -> impl IntoView {
    // Made here, not in `App`: pages outside the shell (sign-in, sign-up)
    // then carry no resource at all, so their responses end with the HTML
    // instead of waiting on a session lookup nobody reads.
    let session = json_resource(|| (), |_| get_session_info());
    view! {
        <Transition fallback=FullPageSpinner>
            {move || Suspend::new(async move {
                match session.await {
                    Ok(Some(info)) => view! { <Shell info=info /> }.into_any(),
                    Ok(None) | Err(AppError::Unauthorized) => {
                        let location = use_location();
                        let next = format!("/login?next={}", location.pathname.get_untracked());
                        view! { <Redirect path=next /> }.into_any()
                    }
                    Err(err) => view! { <FatalError error=err /> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
pub fn FullPageSpinner() -> impl IntoView {
    let t = use_t();
    view! {
        <div class="flex h-dvh items-center justify-center" role="status">
            <span class="size-8 animate-spin rounded-full border-4 border-blue-200 border-t-blue-700" aria-hidden="true"></span>
            <span class="sr-only">{move || t().loading}</span>
        </div>
    }
}

#[component]
fn FatalError(error: AppError) -> impl IntoView {
    crate::util::mark_hydrated();
    let t = use_t();
    view! {
        <div class="flex h-dvh flex-col items-center justify-center gap-4 p-6 text-center">
            <p class="text-slate-700 dark:text-slate-200" role="alert">{move || t().error(&error)}</p>
            <a href="/" class="text-blue-700 underline dark:text-blue-400">{move || t().retry}</a>
        </div>
    }
}

#[component]
fn Shell(info: SessionInfo) -> impl IntoView {
    provide_context(info.clone());
    let toasts = crate::components::toast::provide_toasts();
    let realtime = crate::realtime::provide_realtime();
    let counts = crate::components::attention::provide_attention(realtime);
    let t = use_t();
    // Say so when the connection comes back (the offline banner goes).
    Effect::new(move |was: Option<bool>| {
        let now = realtime.connected.get();
        if was == Some(false) && now {
            toasts.show(
                crate::components::toast::ToastKind::Success,
                t().back_online,
            );
        }
        now
    });
    let drawer_open = RwSignal::new(false);
    let collapsed = RwSignal::new(false);
    let location = use_location();
    // Following a link closes the phone drawer.
    Effect::new(move |_| {
        location.pathname.track();
        drawer_open.set(false);
    });

    view! {
        <a href="#main" class="sr-only focus:not-sr-only focus:absolute focus:left-2 focus:top-2 focus:z-50 focus:rounded focus:bg-white focus:px-3 focus:py-2">
            {move || t().skip_to_content}
        </a>
        <div class="flex h-dvh overflow-hidden bg-slate-50 text-slate-900 dark:bg-slate-950 dark:text-slate-100">
            // Desktop sidebar
            <aside
                id="sidebar"
                class=move || {
                    format!(
                        "hidden lg:flex shrink-0 flex-col border-r border-slate-200 bg-white transition-[width] duration-200 dark:border-slate-800 dark:bg-slate-900 {}",
                        if collapsed.get() { "w-16" } else { "w-64" },
                    )
                }
                aria-label=move || t().menu
            >
                <SidebarContent collapsed=Signal::from(collapsed) />
                <button
                    type="button"
                    class="m-2 flex items-center justify-center rounded-lg p-2 text-slate-500 hover:bg-slate-100 dark:hover:bg-slate-800 dark:text-slate-400"
                    on:click=move |_| collapsed.update(|c| *c = !*c)
                    aria-label=move || if collapsed.get() { t().expand_sidebar } else { t().collapse_sidebar }
                    title=move || if collapsed.get() { t().expand_sidebar } else { t().collapse_sidebar }
                >
                    {move || {
                        let icon = if collapsed.get() { Icon::ChevronRight } else { Icon::ChevronLeft };
                        view! { <Svg icon=icon /> }
                    }}
                </button>
            </aside>

            // Phone drawer
            <Show when=move || drawer_open.get()>
                <div class="fixed inset-0 z-40 lg:hidden" role="dialog" aria-modal="true" id="drawer">
                    <div class="absolute inset-0 bg-slate-900/50" on:click=move |_| drawer_open.set(false)></div>
                    <aside class="absolute inset-y-0 left-0 flex w-72 max-w-[85%] flex-col bg-white shadow-xl dark:bg-slate-900">
                        <div class="flex justify-end p-2">
                            <button
                                type="button"
                                class="rounded-lg p-2 text-slate-500 hover:bg-slate-100 dark:hover:bg-slate-800 dark:text-slate-400"
                                on:click=move |_| drawer_open.set(false)
                                aria-label=move || t().close
                            >
                                <Svg icon=Icon::Close />
                            </button>
                        </div>
                        <SidebarContent collapsed=Signal::derive(|| false) />
                    </aside>
                </div>
            </Show>

            <div class="flex min-w-0 flex-1 flex-col">
                <TopBar drawer_open=drawer_open realtime=realtime />
                <Show when=move || !realtime.connected.get()>
                    <p class="flex shrink-0 items-center justify-center gap-2 bg-amber-100 px-3 py-1 text-center text-xs text-amber-900 dark:bg-amber-950 dark:text-amber-200" role="status" id="offline-banner">
                        <span class="size-3 animate-spin rounded-full border-2 border-amber-400 border-t-amber-900" aria-hidden="true"></span>
                        {move || t().err_offline}
                    </p>
                </Show>
                <crate::components::attention::ConnectionAlerts realtime=realtime />
                <crate::components::confirm_email::UnconfirmedEmailNotice />
                <main id="main" class="min-h-0 flex-1 overflow-y-auto">
                    <Outlet />
                </main>
            </div>
        </div>
        <crate::components::toast::ToastStack toasts=toasts />
        <crate::components::attention::UnreadTitle counts=counts />
    }
}

struct NavItem {
    href: &'static str,
    icon: Icon,
    label: fn(&Strings) -> &'static str,
    /// Whether this person gets the entry.
    needs: fn(&SessionInfo) -> bool,
}

const MAIN_NAV: &[NavItem] = &[
    NavItem {
        href: "/inbox",
        icon: Icon::Inbox,
        label: |t| t.nav_inbox,
        needs: |_| true,
    },
    NavItem {
        href: "/dashboard",
        icon: Icon::Chart,
        label: |t| t.nav_dashboard,
        needs: |s| s.can(Permission::ViewDashboard),
    },
    NavItem {
        href: "/reports",
        icon: Icon::List,
        label: |t| t.nav_reports,
        needs: |_| true,
    },
    NavItem {
        href: "/flows",
        icon: Icon::Bolt,
        label: |t| t.nav_flows,
        needs: |s| s.can(Permission::ManageFlows),
    },
    NavItem {
        href: "/rules",
        icon: Icon::Bolt,
        label: |t| t.nav_rules,
        needs: |s| s.can(Permission::ManageFlows),
    },
    NavItem {
        href: "/audit",
        icon: Icon::Shield,
        label: |t| t.nav_audit,
        needs: |s| s.can(Permission::ViewAuditLog),
    },
];

const SETTINGS_NAV: &[NavItem] = &[
    NavItem {
        href: "/settings/account",
        icon: Icon::Building,
        label: |t| t.nav_account,
        needs: |s| s.can(Permission::ManageAccountSettings),
    },
    NavItem {
        href: "/settings/users",
        icon: Icon::Users,
        label: |t| t.nav_users,
        needs: |s| s.can(Permission::ManageUsers),
    },
    NavItem {
        href: "/settings/email",
        icon: Icon::Mail,
        label: |t| t.nav_email,
        needs: |s| s.can(Permission::ManageAccountSettings),
    },
    NavItem {
        href: "/settings/productivity",
        icon: Icon::Clock,
        label: |t| t.nav_productivity,
        // Supervisors set the quality threshold there.
        needs: |s| s.can(Permission::ViewDashboard),
    },
    NavItem {
        href: "/settings/categories",
        icon: Icon::Tag,
        label: |t| t.nav_categories,
        needs: |s| s.can(Permission::ManageCategories),
    },
    NavItem {
        href: "/settings/channels",
        icon: Icon::Channel,
        label: |t| t.nav_channels,
        needs: SessionInfo::manages_channels,
    },
    NavItem {
        href: "/settings/connections",
        icon: Icon::Channel,
        label: |t| t.nav_connections,
        needs: SessionInfo::manages_channels,
    },
    NavItem {
        href: "/settings/departments",
        icon: Icon::Layers,
        label: |t| t.nav_departments,
        needs: |s| s.can(Permission::ManageDepartments),
    },
    NavItem {
        href: "/settings/quick-replies",
        icon: Icon::Bolt,
        label: |t| t.nav_quick_replies,
        needs: |s| s.can(Permission::WorkConversations),
    },
    NavItem {
        href: "/settings/attributes",
        icon: Icon::Contact,
        label: |t| t.nav_attributes,
        needs: |s| s.can(Permission::ManageContactAttributes),
    },
    NavItem {
        href: "/settings/api-tokens",
        icon: Icon::Key,
        label: |t| t.nav_api_tokens,
        needs: |s| s.can(Permission::UseApi),
    },
    NavItem {
        href: "/settings/profile",
        icon: Icon::User,
        label: |t| t.nav_profile,
        needs: |_| true,
    },
];

#[component]
fn SidebarContent(#[prop(into)] collapsed: Signal<bool>) -> impl IntoView {
    let session = use_session();
    let t = use_t();
    let visible = |items: &'static [NavItem]| -> Vec<&'static NavItem> {
        items.iter().filter(|item| (item.needs)(&session)).collect()
    };
    let main = visible(MAIN_NAV);
    let settings = visible(SETTINGS_NAV);
    view! {
        <div class="flex h-14 items-center gap-2 px-4">
            <span class="grid size-8 shrink-0 place-items-center rounded-lg bg-blue-700 font-bold text-white">"P"</span>
            <Show when=move || !collapsed.get()>
                <span class="text-lg font-semibold tracking-tight">{move || t().app_name}</span>
            </Show>
        </div>
        <nav class="flex-1 space-y-6 overflow-y-auto px-2 py-4" aria-label=move || t().menu>
            <ul class="space-y-1">
                {main.into_iter().map(|item| view! { <NavLink item=item collapsed=collapsed /> }).collect_view()}
            </ul>
            <div>
                <Show when=move || !collapsed.get()>
                    <p class="px-3 pb-1 text-xs font-semibold uppercase tracking-wide text-slate-500 dark:text-slate-400">
                        {move || t().nav_settings}
                    </p>
                </Show>
                <ul class="space-y-1">
                    {settings.into_iter().map(|item| view! { <NavLink item=item collapsed=collapsed /> }).collect_view()}
                </ul>
            </div>
        </nav>
    }
}

#[component]
fn NavLink(item: &'static NavItem, #[prop(into)] collapsed: Signal<bool>) -> impl IntoView {
    let t = use_t();
    let location = use_location();
    let is_current = move || location.pathname.get().starts_with(item.href);
    view! {
        <li>
            <A
                href=item.href
                attr:class=move || {
                    format!(
                        "flex items-center gap-3 rounded-lg px-3 py-2 text-sm font-medium {}",
                        if is_current() {
                            "bg-blue-50 text-blue-800 dark:bg-blue-950 dark:text-blue-200"
                        } else {
                            "text-slate-600 hover:bg-slate-100 hover:text-slate-900 dark:text-slate-300 dark:hover:bg-slate-800"
                        },
                    )
                }
                attr:title=move || (item.label)(t())
            >
                <Svg icon=item.icon />
                <span class=move || if collapsed.get() { "sr-only" } else { "" }>{move || (item.label)(t())}</span>
            </A>
        </li>
    }
}

#[component]
fn TopBar(drawer_open: RwSignal<bool>, realtime: crate::realtime::Realtime) -> impl IntoView {
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

const MENU_PANEL: &str = "absolute right-0 z-30 mt-2 w-64 rounded-xl border border-slate-200 bg-white p-1 shadow-lg dark:border-slate-700 dark:bg-slate-900";
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

/// Saves a preference change to the cookie and profile in the background.
fn save_preferences(locale: Option<Locale>, theme: Option<Theme>) {
    leptos::task::spawn_local(async move {
        if let Err(err) = save_display_preferences(locale, theme).await {
            leptos::logging::warn!("could not save display preferences: {err}");
        }
    });
}

#[component]
pub fn LanguageSwitcher(
    /// Its id, when a page shows it twice (the top bar and the phone menu).
    #[prop(optional)]
    id: Option<&'static str>,
) -> impl IntoView {
    let prefs = use_prefs();
    let t = use_t();
    view! {
        <label class="relative flex items-center gap-1 rounded-lg px-2 py-1 text-sm text-slate-600 focus-within:ring-2 focus-within:ring-blue-600 hover:bg-slate-100 dark:text-slate-300 dark:hover:bg-slate-800">
            <Svg icon=Icon::Globe class="size-4" />
            <span class="sr-only">{move || t().language}</span>
            <select
                id=id.unwrap_or("language-switcher")
                class="cursor-pointer appearance-none bg-transparent pr-1 text-sm focus:outline-none"
                on:change=move |ev| {
                    if let Ok(locale) = event_target_value(&ev).parse::<Locale>() {
                        prefs.locale.set(locale);
                        save_preferences(Some(locale), None);
                    }
                }
            >
                {Locale::ALL
                    .into_iter()
                    .map(|locale| {
                        view! {
                            <option value=locale.as_str() selected=move || prefs.locale.get() == locale>
                                {locale.native_name()}
                            </option>
                        }
                    })
                    .collect_view()}
            </select>
        </label>
    }
}

#[component]
pub fn ThemeSwitcher() -> impl IntoView {
    let prefs = use_prefs();
    let t = use_t();
    let button = move |theme: Theme, icon: Icon, label: fn(&Strings) -> &'static str| {
        view! {
            <button
                type="button"
                data-theme=theme.as_str()
                class=move || {
                    format!(
                        "rounded-md p-1.5 {}",
                        if prefs.theme.get() == theme {
                            "bg-white text-blue-700 shadow-sm dark:bg-slate-700 dark:text-blue-300"
                        } else {
                            "text-slate-500 hover:text-slate-800 dark:hover:text-slate-200 dark:text-slate-400"
                        },
                    )
                }
                aria-pressed=move || (prefs.theme.get() == theme).to_string()
                aria-label=move || label(t())
                title=move || label(t())
                on:click=move |_| {
                    prefs.theme.set(theme);
                    save_preferences(None, Some(theme));
                }
            >
                <Svg icon=icon class="size-4" />
            </button>
        }
    };
    view! {
        <div class="flex items-center gap-0.5 rounded-lg bg-slate-100 p-0.5 dark:bg-slate-800" role="group" aria-label=move || t().theme>
            {button(Theme::Light, Icon::Sun, |t| t.theme_light)}
            {button(Theme::System, Icon::Monitor, |t| t.theme_system)}
            {button(Theme::Dark, Icon::Moon, |t| t.theme_dark)}
        </div>
    }
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

/// A page's title row.
#[component]
pub fn PageHeader(
    #[prop(into)] title: Signal<&'static str>,
    #[prop(into, optional)] subtitle: Option<Signal<&'static str>>,
    #[prop(optional)] children: Option<Children>,
) -> impl IntoView {
    view! {
        <div class="flex flex-wrap items-end justify-between gap-4 border-b border-slate-200 px-4 py-5 sm:px-6 dark:border-slate-800">
            <div>
                <h1 class="text-xl font-semibold tracking-tight">{move || title.get()}</h1>
                {subtitle.map(|s| view! { <p class="mt-1 text-sm text-slate-500 dark:text-slate-400">{move || s.get()}</p> })}
            </div>
            {children.map(|c| c())}
        </div>
    }
}

/// The signed-in person's alerts (mentions, transfers, breaches, low scores,
/// connections down), live; opening one marks it read.
#[component]
fn NotificationBell() -> impl IntoView {
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
