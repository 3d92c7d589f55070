//! Display preferences: language and colour theme.

use serde::{Deserialize, Serialize};
use std::str::FromStr;

use crate::errors::ErrorCode;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Locale {
    #[default]
    #[serde(rename = "pt-BR")]
    PtBr,
    #[serde(rename = "en")]
    En,
}

impl Locale {
    pub const ALL: [Locale; 2] = [Locale::PtBr, Locale::En];

    pub fn as_str(self) -> &'static str {
        match self {
            Locale::PtBr => "pt-BR",
            Locale::En => "en",
        }
    }

    /// The language's own name, for pickers.
    pub fn native_name(self) -> &'static str {
        match self {
            Locale::PtBr => "Português (Brasil)",
            Locale::En => "English",
        }
    }

    /// Picks the best supported language from an `Accept-Language` header,
    /// honouring q-values. `None` when nothing in it is supported.
    pub fn from_accept_language(header: &str) -> Option<Locale> {
        let mut best: Option<(f32, Locale)> = None;
        for part in header.split(',') {
            let mut pieces = part.trim().split(';');
            let tag = pieces
                .next()
                .unwrap_or_default()
                .trim()
                .to_ascii_lowercase();
            let quality = pieces
                .find_map(|p| p.trim().strip_prefix("q="))
                .and_then(|q| q.parse::<f32>().ok())
                .unwrap_or(1.0);
            let locale = if tag.starts_with("pt") {
                Some(Locale::PtBr)
            } else if tag.starts_with("en") {
                Some(Locale::En)
            } else {
                None
            };
            if let Some(locale) = locale {
                if quality > 0.0 && best.is_none_or(|(q, _)| quality > q) {
                    best = Some((quality, locale));
                }
            }
        }
        best.map(|(_, locale)| locale)
    }
}

crate::text_column!(Locale);

impl FromStr for Locale {
    type Err = ErrorCode;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "pt-BR" | "pt-br" | "pt" => Ok(Locale::PtBr),
            "en" | "en-US" | "en-us" => Ok(Locale::En),
            _ => Err(ErrorCode::OptionInvalid),
        }
    }
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Theme {
    Light,
    Dark,
    #[default]
    System,
}

impl Theme {
    pub const ALL: [Theme; 3] = [Theme::System, Theme::Light, Theme::Dark];

    pub fn as_str(self) -> &'static str {
        match self {
            Theme::Light => "light",
            Theme::Dark => "dark",
            Theme::System => "system",
        }
    }

    /// The class put on `<html>`; the stylesheet's `dark:` variant keys off it.
    pub fn html_class(self) -> &'static str {
        match self {
            Theme::Light => "theme-light",
            Theme::Dark => "dark",
            Theme::System => "theme-system",
        }
    }

    pub fn from_html_class(class: &str) -> Theme {
        if class.split_whitespace().any(|c| c == "dark") {
            Theme::Dark
        } else if class.split_whitespace().any(|c| c == "theme-light") {
            Theme::Light
        } else {
            Theme::System
        }
    }
}

impl FromStr for Theme {
    type Err = ErrorCode;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Theme::ALL
            .into_iter()
            .find(|t| t.as_str() == s)
            .ok_or(ErrorCode::OptionInvalid)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accept_language_prefers_highest_quality_supported_tag() {
        assert_eq!(
            Locale::from_accept_language("en-US,en;q=0.9,pt-BR;q=0.8"),
            Some(Locale::En)
        );
        assert_eq!(
            Locale::from_accept_language("fr-FR, pt;q=0.5, en;q=0.4"),
            Some(Locale::PtBr)
        );
        assert_eq!(Locale::from_accept_language("de-DE,fr;q=0.9"), None);
        assert_eq!(Locale::from_accept_language("en;q=0"), None);
    }

    #[test]
    fn theme_class_round_trips() {
        for theme in Theme::ALL {
            assert_eq!(Theme::from_html_class(theme.html_class()), theme);
        }
    }
}
