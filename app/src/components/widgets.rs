//! Small shared pieces of UI: avatars, badges, a modal dialog.

use leptos::prelude::*;
use shared::inbox::{ConversationStatus, Priority};

use crate::components::icons::{Icon, Svg};
use crate::prefs::use_t;

const AVATAR_COLORS: [&str; 8] = [
    "bg-blue-700",
    "bg-emerald-700",
    "bg-amber-700",
    "bg-rose-700",
    "bg-violet-700",
    "bg-cyan-700",
    "bg-lime-700",
    "bg-fuchsia-700",
];

pub fn initials(name: &str) -> String {
    let letters: String = name
        .split_whitespace()
        .filter_map(|w| w.chars().next())
        .take(2)
        .collect();
    if letters.is_empty() {
        "?".into()
    } else {
        letters.to_uppercase()
    }
}

/// Initials on a colour that stays the same for the same person.
#[component]
pub fn Avatar(
    name: String,
    seed: i64,
    #[prop(default = "size-10 text-sm")] size: &'static str,
) -> impl IntoView {
    let color = AVATAR_COLORS[seed.unsigned_abs() as usize % AVATAR_COLORS.len()];
    view! {
        <span class=format!("{size} {color} grid shrink-0 place-items-center rounded-full font-semibold text-white") aria-hidden="true">
            {initials(&name)}
        </span>
    }
}

pub fn status_classes(status: ConversationStatus) -> &'static str {
    match status {
        ConversationStatus::Open => {
            "bg-amber-100 text-amber-800 dark:bg-amber-950 dark:text-amber-200"
        }
        ConversationStatus::InProgress => {
            "bg-blue-100 text-blue-800 dark:bg-blue-950 dark:text-blue-200"
        }
        ConversationStatus::Waiting => {
            "bg-violet-100 text-violet-800 dark:bg-violet-950 dark:text-violet-200"
        }
        ConversationStatus::Resolved => {
            "bg-emerald-100 text-emerald-800 dark:bg-emerald-950 dark:text-emerald-200"
        }
        ConversationStatus::Cancelled => {
            "bg-slate-200 text-slate-700 dark:bg-slate-800 dark:text-slate-300"
        }
        ConversationStatus::Bot => "bg-cyan-100 text-cyan-800 dark:bg-cyan-950 dark:text-cyan-200",
    }
}

#[component]
pub fn StatusBadge(status: ConversationStatus) -> impl IntoView {
    let t = use_t();
    view! {
        <span class=format!("status-badge rounded px-1.5 text-xs font-medium {}", status_classes(status)) data-status=status.as_str()>
            {move || (t().status_name)(status)}
        </span>
    }
}

/// Only high and urgent get a badge; normal and low stay quiet.
#[component]
pub fn PriorityBadge(priority: Priority) -> impl IntoView {
    let t = use_t();
    let class = match priority {
        Priority::Urgent => "bg-red-600 text-white",
        Priority::High => "bg-orange-100 text-orange-800 dark:bg-orange-950 dark:text-orange-200",
        Priority::Normal | Priority::Low => return ().into_any(),
    };
    view! { <span class=format!("rounded px-1.5 text-xs font-medium {class}")>{move || (t().priority_name)(priority)}</span> }.into_any()
}

/// Where a conversation stands against its SLA: time left and when it is
/// due (amber when little is left), breached (red) or paused; nothing
/// without an SLA. `show_due` puts the due time in the text too (the
/// conversation's header); the list keeps it in the name and tooltip.
#[component]
pub fn SlaBadge(
    #[prop(into)] standing: Signal<Option<shared::sla::SlaStanding>>,
    #[prop(into)] now: Signal<chrono::DateTime<chrono::Utc>>,
    #[prop(optional)] show_due: bool,
) -> impl IntoView {
    use shared::sla::{SlaStanding, SlaTarget};
    let t = use_t();
    let locale = crate::prefs::use_prefs().locale;
    let offset = crate::components::layout::use_session().utc_offset_minutes;
    move || {
        standing.get().map(|standing| {
            let now = now.get();
            let (state, class, text, title) = match standing {
                SlaStanding::Breached => (
                    "breached",
                    "bg-red-600 text-white",
                    t().sla_breached.to_string(),
                    t().sla_breached.to_string(),
                ),
                SlaStanding::Paused => (
                    "paused",
                    "bg-slate-100 text-slate-700 dark:bg-slate-800 dark:text-slate-300",
                    t().sla_paused.to_string(),
                    t().sla_paused.to_string(),
                ),
                SlaStanding::Due { target, at } => {
                    let minutes = (at - now).num_minutes().max(0);
                    let left = match minutes {
                        m if m < 60 => format!("{m} min"),
                        m if m < 48 * 60 => format!("{} h", m / 60),
                        m => format!("{} d", m / (24 * 60)),
                    };
                    let what = match target {
                        SlaTarget::FirstResponse => t().sla_first_response,
                        SlaTarget::NextResponse => t().sla_next_response,
                        SlaTarget::Resolution => t().sla_resolution,
                    };
                    let due = crate::util::near_day_time(at, now, offset, locale.get());
                    let (state, class) = if standing.soon(now) {
                        ("soon", "bg-amber-100 text-amber-900 dark:bg-amber-950 dark:text-amber-200")
                    } else {
                        ("due", "bg-emerald-50 text-emerald-800 dark:bg-emerald-950 dark:text-emerald-200")
                    };
                    let text = if show_due {
                        format!("SLA {left} · {due}")
                    } else {
                        format!("SLA {left}")
                    };
                    (state, class, text, (t().sla_due)(what, &left, &due))
                }
            };
            view! {
                <span class=format!("sla-badge rounded px-1.5 text-xs font-medium {class}") data-sla=state title=title.clone() aria-label=title>
                    {text}
                </span>
            }
        })
    }
}

/// A modal dialog with a title; Escape or the backdrop closes it.
#[component]
pub fn Modal(
    #[prop(into)] title: Signal<String>,
    on_close: impl Fn() + Clone + Send + Sync + 'static,
    #[prop(optional)] id: &'static str,
    children: Children,
) -> impl IntoView {
    let t = use_t();
    let close_backdrop = on_close.clone();
    let close_button = on_close.clone();
    let close_key = on_close;
    view! {
        <div class="fixed inset-0 z-50 flex items-end justify-center p-0 sm:items-center sm:p-4" role="dialog" aria-modal="true" aria-labelledby=format!("{id}-title") id=id
            on:keydown=move |ev| { if ev.key() == "Escape" { close_key() } }>
            <div class="absolute inset-0 bg-slate-900/50" on:click=move |_| close_backdrop()></div>
            <div class="relative max-h-[90dvh] w-full overflow-y-auto rounded-t-2xl bg-white p-5 shadow-xl sm:max-w-lg sm:rounded-2xl dark:bg-slate-900">
                <div class="mb-4 flex items-center justify-between gap-4">
                    <h2 id=format!("{id}-title") class="text-base font-semibold">{move || title.get()}</h2>
                    <button type="button" class="rounded-lg p-1 text-slate-500 hover:bg-slate-100 dark:hover:bg-slate-800 dark:text-slate-400" on:click=move |_| close_button() aria-label=move || t().close>
                        <Svg icon=Icon::Close />
                    </button>
                </div>
                {children()}
            </div>
        </div>
    }
}

pub const BUTTON: &str = "inline-flex items-center justify-center gap-1.5 rounded-lg border border-slate-300 bg-white px-3 py-1.5 text-sm font-medium text-slate-700 hover:bg-slate-50 disabled:opacity-50 dark:border-slate-600 dark:bg-slate-900 dark:text-slate-200 dark:hover:bg-slate-800";
pub const PRIMARY_BUTTON: &str = "inline-flex items-center justify-center gap-1.5 rounded-lg bg-blue-700 px-3 py-1.5 text-sm font-semibold text-white hover:bg-blue-800 disabled:opacity-50";
pub const INPUT: &str = "block w-full rounded-lg border border-slate-300 bg-white px-3 py-2 text-sm dark:border-slate-600 dark:bg-slate-900";

/// `excerpt` with each (accent-insensitive) occurrence of `term` marked.
pub fn highlight(excerpt: &str, term: &str) -> impl IntoView {
    highlight_parts(excerpt, term)
        .into_iter()
        .map(|(text, marked)| {
            if marked {
                view! { <mark class="rounded bg-yellow-200 px-0.5 text-slate-900 dark:bg-yellow-700 dark:text-white">{text}</mark> }.into_any()
            } else {
                view! { <span>{text}</span> }.into_any()
            }
        })
        .collect_view()
}

/// `excerpt` cut into runs, each marked when it matches `term`.
fn highlight_parts(excerpt: &str, term: &str) -> Vec<(String, bool)> {
    let wanted: Vec<char> = shared::text::fold(term.trim()).chars().collect();
    let chars: Vec<char> = excerpt.chars().collect();
    let folded: Vec<char> = chars
        .iter()
        .map(|c| {
            shared::text::fold(&c.to_string())
                .chars()
                .next()
                .unwrap_or(*c)
        })
        .collect();
    let mut parts: Vec<(String, bool)> = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let hit = !wanted.is_empty() && folded[i..].starts_with(&wanted);
        let len = if hit { wanted.len() } else { 1 };
        let piece: String = chars[i..i + len].iter().collect();
        match parts.last_mut() {
            Some((text, marked)) if *marked == hit && !hit => text.push_str(&piece),
            _ => parts.push((piece, hit)),
        }
        i += len;
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn initials_take_two_words() {
        assert_eq!(initials("maria da silva"), "MD");
        assert_eq!(initials("  "), "?");
        assert_eq!(initials("Ícaro"), "Í");
    }

    #[test]
    fn highlights_ignore_accents_and_case() {
        let parts = highlight_parts("Quero a Promoção já", "promocao");
        assert_eq!(
            parts,
            vec![
                ("Quero a ".to_string(), false),
                ("Promoção".to_string(), true),
                (" já".to_string(), false),
            ]
        );
        assert_eq!(highlight_parts("abc", ""), vec![("abc".to_string(), false)]);
    }
}
