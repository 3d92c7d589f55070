//! Small helpers for views: time formatting in the account's time zone,
//! clipboard, focus.

use chrono::{DateTime, Datelike, FixedOffset, Offset, Timelike, Utc};
use shared::Locale;

const MONTHS_EN: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

fn local(ts: DateTime<Utc>, offset_minutes: i32) -> DateTime<FixedOffset> {
    let offset = FixedOffset::east_opt(offset_minutes * 60).unwrap_or_else(|| Utc.fix());
    ts.with_timezone(&offset)
}

/// "22/11/2026 17:05" or "22 Nov 2026, 17:05".
pub fn date_time(ts: DateTime<Utc>, offset_minutes: i32, locale: Locale) -> String {
    let t = local(ts, offset_minutes);
    match locale {
        Locale::PtBr => format!(
            "{:02}/{:02}/{} {:02}:{:02}",
            t.day(),
            t.month(),
            t.year(),
            t.hour(),
            t.minute()
        ),
        Locale::En => format!(
            "{} {} {}, {:02}:{:02}",
            t.day(),
            MONTHS_EN[t.month0() as usize],
            t.year(),
            t.hour(),
            t.minute()
        ),
    }
}

/// "17:05".
pub fn clock(ts: DateTime<Utc>, offset_minutes: i32) -> String {
    let t = local(ts, offset_minutes);
    format!("{:02}:{:02}", t.hour(), t.minute())
}

/// "22/11/2026" or "22 Nov 2026".
pub fn date(ts: DateTime<Utc>, offset_minutes: i32, locale: Locale) -> String {
    let t = local(ts, offset_minutes);
    match locale {
        Locale::PtBr => format!("{:02}/{:02}/{}", t.day(), t.month(), t.year()),
        Locale::En => format!(
            "{} {} {}",
            t.day(),
            MONTHS_EN[t.month0() as usize],
            t.year()
        ),
    }
}

/// "Hoje 14:30" / "Amanhã 09:00" / "Ontem 18:05" (or "Today …"), else the
/// date and time — for moments near now, in the account's zone.
pub fn near_day_time(
    ts: DateTime<Utc>,
    now: DateTime<Utc>,
    offset_minutes: i32,
    locale: Locale,
) -> String {
    let day = |at: DateTime<Utc>| local(at, offset_minutes).date_naive();
    let days = (day(ts) - day(now)).num_days();
    let word = match (days, locale) {
        (0, Locale::PtBr) => "Hoje",
        (1, Locale::PtBr) => "Amanhã",
        (-1, Locale::PtBr) => "Ontem",
        (0, Locale::En) => "Today",
        (1, Locale::En) => "Tomorrow",
        (-1, Locale::En) => "Yesterday",
        _ => return date_time(ts, offset_minutes, locale),
    };
    format!("{word} {}", clock(ts, offset_minutes))
}

/// "Hoje" / "Ontem" (or "Today", "Yesterday") for day separators, else the
/// date.
pub fn near_day(
    ts: DateTime<Utc>,
    now: DateTime<Utc>,
    offset_minutes: i32,
    locale: Locale,
) -> String {
    let day = |at: DateTime<Utc>| local(at, offset_minutes).date_naive();
    match ((day(ts) - day(now)).num_days(), locale) {
        (0, Locale::PtBr) => "Hoje".into(),
        (-1, Locale::PtBr) => "Ontem".into(),
        (0, Locale::En) => "Today".into(),
        (-1, Locale::En) => "Yesterday".into(),
        _ => date(ts, offset_minutes, locale),
    }
}

/// The calendar day of `ts` in the account's zone, for day separators.
pub fn day_key(ts: DateTime<Utc>, offset_minutes: i32) -> (i32, u32, u32) {
    let t = local(ts, offset_minutes);
    (t.year(), t.month(), t.day())
}

/// "agora", "5 min", "3 h", "2 d" — compact and locale-neutral enough.
pub fn elapsed(since: DateTime<Utc>, now: DateTime<Utc>, locale: Locale) -> String {
    let secs = (now - since).num_seconds().max(0);
    match secs {
        0..=59 => match locale {
            Locale::PtBr => "agora".into(),
            Locale::En => "now".into(),
        },
        60..=3599 => format!("{} min", secs / 60),
        3600..=86_399 => format!("{} h", secs / 3600),
        _ => format!("{} d", secs / 86_400),
    }
}

/// Marks the document as live (`data-hydrated`) once the calling page has
/// hydrated: tests and the phone benchmark wait for it. Each page calls it
/// (lazy pages through `lazy_pages!`) rather than the app, because a lazy
/// route hydrates only once its chunk has arrived, after the app itself.
pub fn mark_hydrated() {
    leptos::prelude::Effect::new(|_| {
        if let Some(root) = leptos::prelude::document().document_element() {
            let _ = root.set_attribute("data-hydrated", "true");
        }
    });
}

/// Copies text to the clipboard (browser only).
pub fn copy_to_clipboard(text: &str) {
    #[cfg(feature = "hydrate")]
    {
        let clipboard = leptos::prelude::window().navigator().clipboard();
        let _ = clipboard.write_text(text);
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = text;
}

/// Moves focus to the first field marked invalid, so a failed submit puts
/// the cursor where the problem is.
pub fn focus_first_invalid() {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        let found = leptos::prelude::document()
            .query_selector("[aria-invalid=true]")
            .ok()
            .flatten();
        if let Some(el) = found.and_then(|el| el.dyn_into::<web_sys::HtmlElement>().ok()) {
            let _ = el.focus();
        }
    }
}

/// Submits the form that contains the event's target (e.g. a `<select>`
/// that saves on change). Browser only.
pub fn submit_enclosing_form(ev: &leptos::ev::Event) {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        let form = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::Element>().ok())
            .and_then(|el| el.closest("form").ok().flatten())
            .and_then(|form| form.dyn_into::<web_sys::HtmlFormElement>().ok());
        if let Some(form) = form {
            let _ = form.request_submit();
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = ev;
}

/// Takes the focus off whatever has it (Esc in a search box).
pub fn blur_active() {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        if let Some(el) = leptos::prelude::document()
            .active_element()
            .and_then(|el| el.dyn_into::<web_sys::HtmlElement>().ok())
        {
            let _ = el.blur();
        }
    }
}

/// Selects the whole text of the focused input (for copy-me fields).
pub fn select_target_text(ev: &leptos::ev::FocusEvent) {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        if let Some(input) = ev
            .target()
            .and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok())
        {
            input.select();
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = ev;
}

/// Asks the user to confirm; always true on the server.
pub fn confirm(message: &str) -> bool {
    #[cfg(feature = "hydrate")]
    {
        leptos::prelude::window()
            .confirm_with_message(message)
            .unwrap_or(false)
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = message;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn times_are_shown_in_the_account_offset() {
        let ts = Utc.with_ymd_and_hms(2026, 11, 22, 20, 5, 0).unwrap();
        assert_eq!(date_time(ts, -180, Locale::PtBr), "22/11/2026 17:05");
        assert_eq!(date_time(ts, -180, Locale::En), "22 Nov 2026, 17:05");
        assert_eq!(clock(ts, 60), "21:05");
        assert_eq!(
            day_key(Utc.with_ymd_and_hms(2026, 11, 23, 1, 0, 0).unwrap(), -180),
            (2026, 11, 22)
        );
    }

    #[test]
    fn elapsed_is_compact() {
        let now = Utc.with_ymd_and_hms(2026, 11, 22, 12, 0, 0).unwrap();
        assert_eq!(elapsed(now, now, Locale::En), "now");
        assert_eq!(
            elapsed(now - chrono::Duration::minutes(5), now, Locale::PtBr),
            "5 min"
        );
        assert_eq!(
            elapsed(now - chrono::Duration::hours(3), now, Locale::PtBr),
            "3 h"
        );
        assert_eq!(
            elapsed(now - chrono::Duration::days(2), now, Locale::PtBr),
            "2 d"
        );
    }
}
