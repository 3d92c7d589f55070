//! Language and theme, switched in place and saved with the person's
//! preferences (also on the signed-out pages).

use leptos::prelude::*;
use shared::{Locale, Theme};

use crate::api::session::save_display_preferences;
use crate::components::icons::{Icon, Svg};
use crate::i18n::Strings;
use crate::prefs::{use_prefs, use_t};

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
