//! The sidebar's navigation: the links each permission opens, collapsible to
//! icons on desktop.

use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_location;
use shared::accounts::SessionInfo;
use shared::Permission;

use super::use_session;
use crate::components::icons::{Icon, Svg};
use crate::i18n::Strings;
use crate::prefs::use_t;

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
pub(super) fn SidebarContent(#[prop(into)] collapsed: Signal<bool>) -> impl IntoView {
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
