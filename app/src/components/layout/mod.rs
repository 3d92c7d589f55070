//! The signed-in app shell: the session every page reads, the sidebar
//! (collapsible on desktop, a drawer on phones: `nav`), the top bar
//! (`top_bar`, with the account switcher, the `notification_bell` and the
//! user menu), the language and theme `switchers`, and the page outlet.

use crate::json::json_resource;
use leptos::prelude::*;
use leptos_router::components::{Outlet, Redirect};
use leptos_router::hooks::use_location;
use shared::accounts::SessionInfo;
use shared::{AppError, Theme};

use crate::api::session::get_session_info;
use crate::components::icons::{Icon, Svg};
use crate::prefs::use_t;
use nav::SidebarContent;
use top_bar::TopBar;

mod nav;
mod notification_bell;
mod switchers;
mod top_bar;

pub use switchers::{LanguageSwitcher, ThemeSwitcher};

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
