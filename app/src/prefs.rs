//! Language and theme, as reactive context.
//!
//! The server decides both before the first byte (user preference, cookie,
//! `Accept-Language`, account default) and writes them on `<html>`; the
//! browser starts from what the server wrote, so there is no flash.

use leptos::prelude::*;
use shared::{Locale, Theme};

use crate::i18n::{self, Strings};

/// Provided by the SSR shell; read by [`provide_prefs`] on the server.
#[derive(Clone, Copy, Debug)]
pub struct InitialPrefs(pub Locale, pub Theme);

#[derive(Clone, Copy)]
pub struct Prefs {
    pub locale: RwSignal<Locale>,
    pub theme: RwSignal<Theme>,
}

pub fn provide_prefs() -> Prefs {
    let (locale, theme) = initial();
    let prefs = Prefs {
        locale: RwSignal::new(locale),
        theme: RwSignal::new(theme),
    };
    provide_context(prefs);
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| apply_to_document(prefs.locale.get(), prefs.theme.get()));
    prefs
}

fn initial() -> (Locale, Theme) {
    #[cfg(feature = "hydrate")]
    {
        let root = document().document_element();
        let locale = root
            .as_ref()
            .and_then(|el| el.get_attribute("lang"))
            .and_then(|lang| lang.parse().ok())
            .unwrap_or_default();
        let theme = root
            .map(|el| Theme::from_html_class(&el.class_name()))
            .unwrap_or_default();
        (locale, theme)
    }
    #[cfg(not(feature = "hydrate"))]
    {
        use_context::<InitialPrefs>()
            .map(|p| (p.0, p.1))
            .unwrap_or_default()
    }
}

#[cfg(feature = "hydrate")]
fn apply_to_document(locale: Locale, theme: Theme) {
    if let Some(root) = document().document_element() {
        let _ = root.set_attribute("lang", locale.as_str());
        root.set_class_name(theme.html_class());
    }
}

pub fn use_prefs() -> Prefs {
    use_context::<Prefs>().unwrap_or_else(|| Prefs {
        locale: RwSignal::new(Locale::default()),
        theme: RwSignal::new(Theme::default()),
    })
}

/// The current language's strings, as a cheap reactive accessor:
/// `let t = use_t(); view! { {move || t().sign_in} }`.
pub fn use_t() -> impl Fn() -> &'static Strings + Copy + Send + Sync + 'static {
    let locale = use_prefs().locale;
    move || i18n::strings(locale.get())
}
