//! Ponte's web UI: the SSR shell, the router, pages and components, plus
//! the server functions they call. Built twice: with `ssr` into the server
//! binary, with `hydrate` into the wasm bundle.

#![recursion_limit = "256"]

pub mod api;
pub mod components;
pub mod i18n;
pub mod json;
pub mod pages;
pub mod prefs;
pub mod realtime;
#[cfg(feature = "ssr")]
pub mod server;
pub mod util;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, HashedStylesheet, MetaTags, Title};
use leptos_router::components::{ParentRoute, Redirect, Route, Router, Routes};
use leptos_router::{path, Lazy, SsrMode};

use components::layout::AppLayout;
use pages::inbox::{ConversationPane, InboxPage, NoConversation};
use pages::lazy::{
    AccountSettingsRoute, ApiDocsRoute, ApiTokensRoute, AttributesRoute, AuditRoute,
    CategoriesRoute, ChannelsRoute, ConfirmEmailRoute, ConnectionsRoute, DashboardRoute,
    DepartmentsRoute, EmailSettingsRoute, FlowAgentsRoute, FlowBuilderRoute, FlowListRoute,
    ForgotPasswordRoute, InviteRoute, LoginRoute, ProductivitySettingsRoute, ProfileRoute,
    QuickRepliesRoute, ReportsRoute, ResetPasswordRoute, RulesRoute, SignUpRoute, TemplatesRoute,
    UsersRoute,
};
use prefs::{provide_prefs, use_t, InitialPrefs};

/// The HTML document around the app, rendered on the server only. The
/// language and theme are decided here so the first paint is already right.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    let (locale, theme) = {
        set_content_security_policy();
        server::display_preferences()
    };
    #[cfg(not(feature = "ssr"))]
    let (locale, theme) = (shared::Locale::default(), shared::Theme::default());
    provide_context(InitialPrefs(locale, theme));
    #[cfg(feature = "ssr")]
    let without_wasm = use_context::<http::request::Parts>()
        .is_some_and(|request| pages::auth::SERVED_WITHOUT_WASM.contains(&request.uri.path()));
    #[cfg(not(feature = "ssr"))]
    let without_wasm = false;
    view! {
        <!DOCTYPE html>
        <html lang=locale.as_str() class=theme.html_class()>
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1, viewport-fit=cover" />
                <meta name="color-scheme" content="light dark" />
                <meta name="theme-color" content="#1d4ed8" />
                <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
                <HashedStylesheet options=options.clone() id="ponte-css" />
                {if without_wasm {
                    pages::auth::signed_out_script().into_any()
                } else {
                    view! { <HydrationScripts options /> }.into_any()
                }}
                <MetaTags />
            </head>
            <body class="bg-slate-50 text-slate-900 antialiased dark:bg-slate-950 dark:text-slate-100">
                <App />
            </body>
        </html>
    }
}

/// Scripts only with this response's nonce (Leptos adds it to its own
/// inline scripts), and the wasm may be compiled.
#[cfg(feature = "ssr")]
fn set_content_security_policy() {
    let nonce = leptos::nonce::use_nonce()
        .map(|n| n.to_string())
        .unwrap_or_default();
    let policy = format!(
        "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; media-src 'self' blob:; \
         connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; \
         form-action 'self'; frame-ancestors 'none'"
    );
    if let (Some(response), Ok(value)) = (
        use_context::<leptos_axum::ResponseOptions>(),
        http::HeaderValue::from_str(&policy),
    ) {
        response.insert_header(http::header::CONTENT_SECURITY_POLICY, value);
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    provide_prefs();
    let t = use_t();

    view! {
        <Title text=move || t().app_name.to_string() />
        <Router>
            <Routes fallback=NotFound>
                <Route path=path!("/login") view={Lazy::<LoginRoute>::new()} ssr=SsrMode::Async />
                <Route path=path!("/signup") view={Lazy::<SignUpRoute>::new()} ssr=SsrMode::Async />
                <Route path=path!("/invite/:token") view={Lazy::<InviteRoute>::new()} ssr=SsrMode::Async />
                <Route path=path!("/forgot-password") view={Lazy::<ForgotPasswordRoute>::new()} ssr=SsrMode::Async />
                <Route path=path!("/reset-password/:token") view={Lazy::<ResetPasswordRoute>::new()} ssr=SsrMode::Async />
                <Route path=path!("/confirm-email/:token") view={Lazy::<ConfirmEmailRoute>::new()} ssr=SsrMode::Async />
                <ParentRoute path=path!("") view=AppLayout ssr=SsrMode::Async>
                    <Route path=path!("") view=|| view! { <Redirect path="/inbox" /> } />
                    <ParentRoute path=path!("/inbox") view=InboxPage ssr=SsrMode::Async>
                        <Route path=path!("") view=NoConversation />
                        <Route path=path!(":number") view=ConversationPane ssr=SsrMode::Async />
                    </ParentRoute>
                    <Route path=path!("/settings/channels") view={Lazy::<ChannelsRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/settings/connections") view={Lazy::<ConnectionsRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/settings/connections/:id/templates") view={Lazy::<TemplatesRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/settings/departments") view={Lazy::<DepartmentsRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/settings/quick-replies") view={Lazy::<QuickRepliesRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/settings/attributes") view={Lazy::<AttributesRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/settings/account") view={Lazy::<AccountSettingsRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/settings/users") view={Lazy::<UsersRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/settings/email") view={Lazy::<EmailSettingsRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/settings/productivity") view={Lazy::<ProductivitySettingsRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/settings/categories") view={Lazy::<CategoriesRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/settings/profile") view={Lazy::<ProfileRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/settings/api-tokens") view={Lazy::<ApiTokensRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/settings/api-tokens/docs") view={Lazy::<ApiDocsRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/dashboard") view={Lazy::<DashboardRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/flows") view={Lazy::<FlowListRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/flows/agents") view={Lazy::<FlowAgentsRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/flows/:id") view={Lazy::<FlowBuilderRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/rules") view={Lazy::<RulesRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/reports") view={Lazy::<ReportsRoute>::new()} ssr=SsrMode::Async />
                    <Route path=path!("/audit") view={Lazy::<AuditRoute>::new()} ssr=SsrMode::Async />
                </ParentRoute>
            </Routes>
        </Router>
    }
}

#[component]
fn NotFound() -> impl IntoView {
    util::mark_hydrated();
    let t = use_t();
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::NOT_FOUND);
    }
    view! {
        <main id="main" class="flex min-h-dvh flex-col items-center justify-center gap-3 p-6 text-center">
            <p class="text-5xl font-bold text-blue-700">"404"</p>
            <p class="text-slate-600 dark:text-slate-300">{move || t().page_not_found}</p>
            <a href="/" class="text-sm font-medium text-blue-700 hover:underline dark:text-blue-400">{move || t().go_home}</a>
        </main>
    }
}
