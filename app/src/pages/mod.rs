//! The app's pages. The inbox (where agents live) is in the first download;
//! every other page is a lazy route, its code a wasm chunk of its own loaded
//! when first opened (`cargo leptos build --split`). The signed-out pages are
//! lazy too: `/login` needs no wasm at all ([`auth::SERVED_WITHOUT_WASM`]),
//! and signing up or accepting an invitation happens once, so their code does
//! not travel with every agent's inbox.
//! New areas follow the same pattern: add them to [`lazy`]. (A lazy inbox
//! was measured and reverted: docs/BENCHMARKS.md.)

pub mod attributes;
pub mod audit;
pub mod auth;
pub mod channels;
pub mod connections;
pub mod dashboard;
pub mod departments;
pub mod flows;
pub mod inbox;
pub mod quick_replies;
pub mod recovery;
pub mod reports;
pub mod rules;
pub mod settings;
pub mod templates;

/// Lazy routes: one zero-sized route type per page, each rendering its page
/// from a function the `--split` build moves into its own chunk.
pub mod lazy {
    macro_rules! lazy_pages {
        ($($route:ident => $page:path),* $(,)?) => {$(
            pub struct $route;

            #[leptos_router::lazy_route]
            impl leptos_router::LazyRoute for $route {
                fn data() -> Self {
                    Self
                }

                fn view(_this: Self) -> leptos::prelude::AnyView {
                    use leptos::prelude::*;
                    crate::util::mark_hydrated();
                    view! { <$page /> }.into_any()
                }
            }
        )*};
    }

    lazy_pages! {
        AuditRoute => super::audit::AuditPage,
        DashboardRoute => super::dashboard::DashboardPage,
        FlowListRoute => super::flows::FlowListPage,
        FlowBuilderRoute => super::flows::FlowBuilderPage,
        FlowAgentsRoute => super::flows::FlowAgentsPage,
        RulesRoute => super::rules::RulesPage,
        ReportsRoute => super::reports::ReportsPage,
        ChannelsRoute => super::channels::ChannelsPage,
        ConnectionsRoute => super::connections::ConnectionsPage,
        TemplatesRoute => super::templates::TemplatesPage,
        DepartmentsRoute => super::departments::DepartmentsPage,
        QuickRepliesRoute => super::quick_replies::QuickRepliesPage,
        AttributesRoute => super::attributes::AttributesPage,
        AccountSettingsRoute => super::settings::AccountSettingsPage,
        UsersRoute => super::settings::UsersPage,
        ProfileRoute => super::settings::ProfilePage,
        ApiTokensRoute => super::settings::ApiTokensPage,
        ApiDocsRoute => super::settings::ApiDocsPage,
        EmailSettingsRoute => super::settings::EmailSettingsPage,
        ProductivitySettingsRoute => super::settings::ProductivitySettingsPage,
        CategoriesRoute => super::settings::CategoriesPage,
        ForgotPasswordRoute => super::recovery::ForgotPasswordPage,
        ResetPasswordRoute => super::recovery::ResetPasswordPage,
        ConfirmEmailRoute => super::recovery::ConfirmEmailPage,
        LoginRoute => super::auth::LoginPage,
        SignUpRoute => super::auth::SignUpPage,
        InviteRoute => super::auth::InvitePage,
    }
}
