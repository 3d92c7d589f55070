//! Settings: the account, its users and invitations, one's profile, API tokens.

mod account;
mod ai_providers;
mod api_tokens;
mod categories;
mod email;
mod member_limits;
mod productivity;
mod profile;
mod quality;
mod users;

pub use account::AccountSettingsPage;
pub use api_tokens::{ApiDocsPage, ApiTokensPage};
pub use categories::CategoriesPage;
pub use email::EmailSettingsPage;
pub use productivity::ProductivitySettingsPage;
pub use profile::ProfilePage;
pub use users::UsersPage;

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use shared::{AppError, Locale, Role, Theme};

use crate::prefs::use_t;
use crate::util::focus_first_invalid;

pub(super) const CARD: &str = "rounded-xl border border-slate-200 bg-white p-4 shadow-sm sm:p-6 dark:border-slate-800 dark:bg-slate-900";
pub(super) const TABLE_HEAD: &str =
    "px-3 py-2 text-left text-xs font-semibold uppercase tracking-wide text-slate-500 dark:text-slate-400";
pub(super) const SMALL_BUTTON: &str = "inline-flex items-center gap-1 rounded-md border border-slate-300 px-2 py-1 text-xs font-medium hover:bg-slate-100 dark:border-slate-600 dark:hover:bg-slate-800";

/// Shown in place of a page the role may not use.
#[component]
pub fn Forbidden() -> impl IntoView {
    let t = use_t();
    view! { <p class="p-6 text-slate-600 dark:text-slate-300" role="alert">{move || t().err_forbidden}</p> }
}

pub(super) fn locale_options(auto_label: Option<&'static str>) -> Vec<(String, String)> {
    auto_label
        .map(|label| (String::new(), label.to_string()))
        .into_iter()
        .chain(
            Locale::ALL
                .into_iter()
                .map(|l| (l.as_str().to_string(), l.native_name().to_string())),
        )
        .collect()
}

pub(super) fn theme_options(t: &crate::i18n::Strings) -> Vec<(String, String)> {
    Theme::ALL
        .into_iter()
        .map(|theme| {
            let label = match theme {
                Theme::System => t.theme_system,
                Theme::Light => t.theme_light,
                Theme::Dark => t.theme_dark,
            };
            (theme.as_str().to_string(), label.to_string())
        })
        .collect()
}

pub(super) fn role_options(t: &crate::i18n::Strings) -> Vec<(String, String)> {
    Role::ALL
        .into_iter()
        .map(|r| (r.as_str().to_string(), t.role_label(r).to_string()))
        .collect()
}

/// The zones offered, plus the account's current one if it is not listed.
pub(super) fn time_zone_options(current: &str) -> Vec<(String, String)> {
    let mut zones: Vec<(String, String)> = TIME_ZONES
        .iter()
        .map(|tz| (tz.to_string(), tz.replace('_', " ")))
        .collect();
    if !current.is_empty() && !TIME_ZONES.contains(&current) {
        zones.insert(0, (current.to_string(), current.replace('_', " ")));
    }
    zones
}

pub(super) const TIME_ZONES: &[&str] = &[
    "America/Sao_Paulo",
    "America/Manaus",
    "America/Recife",
    "America/Fortaleza",
    "America/Belem",
    "America/Bahia",
    "America/Cuiaba",
    "America/Campo_Grande",
    "America/Porto_Velho",
    "America/Boa_Vista",
    "America/Rio_Branco",
    "America/Noronha",
    "America/Argentina/Buenos_Aires",
    "America/Santiago",
    "America/Bogota",
    "America/Mexico_City",
    "America/New_York",
    "America/Chicago",
    "America/Los_Angeles",
    "Europe/Lisbon",
    "Europe/London",
    "Europe/Madrid",
    "UTC",
];

/// "Saved" after a hydrated submit, or after the redirect of a plain one.
pub(super) fn saved_message<S>(
    action: ServerAction<S>,
    query_flag: &'static str,
    text: fn(&crate::i18n::Strings) -> &'static str,
) -> Signal<Option<String>>
where
    S: server_fn::ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
    S::Output: Clone + Send + Sync + 'static,
{
    let t = use_t();
    let query = use_query_map();
    let value = action.value();
    Signal::derive(move || {
        let ok_now = matches!(value.get(), Some(Ok(_)));
        let ok_before = value.get().is_none() && query.read().get(query_flag).is_some();
        (ok_now || ok_before).then(|| text(t()).to_string())
    })
}

pub(super) fn refocus_on_error<S>(action: ServerAction<S>)
where
    S: server_fn::ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
    S::Output: Clone + Send + Sync + 'static,
{
    Effect::new(move |_| {
        if let Some(Err(_)) = action.value().get() {
            focus_first_invalid();
        }
    });
}

/// Puts a `<select>` back on `value` (a change the person did not confirm).
pub(super) fn reset_select(ev: &leptos::ev::Event, value: &str) {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        if let Some(select) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlSelectElement>().ok())
        {
            select.set_value(value);
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (ev, value);
}
