//! The emoji picker: a button opening a grid of common emoji; the one chosen
//! is appended to the composer's text.

use leptos::prelude::*;

use crate::components::icons::{Icon, Svg};
use crate::pages::inbox::focus;
use crate::prefs::use_t;

const EMOJI: &[&str] = &[
    "😀", "😃", "😊", "🙂", "😉", "😍", "🤩", "😅", "😂", "🤔", "😐", "😕", "😢", "😭", "😡", "👍",
    "👎", "👏", "🙏", "👋", "🤝", "💪", "🙌", "✅", "❌", "⚠️", "❗", "❓", "⏰", "📦", "🚚", "💳",
    "💰", "🧾", "📎", "📷", "📞", "✉️", "🎉", "❤️", "💙", "⭐", "🔥", "💡", "🛒", "🏷️", "📍", "🕐",
];

#[component]
pub(super) fn EmojiPicker(text: RwSignal<String>) -> impl IntoView {
    let t = use_t();
    let show_emoji = RwSignal::new(false);
    let root = NodeRef::<leptos::html::Div>::new();
    // Esc or a click anywhere else closes it.
    #[cfg(feature = "hydrate")]
    {
        let keys = window_event_listener(leptos::ev::keydown, move |ev| {
            if ev.key() == "Escape" && show_emoji.get_untracked() {
                ev.prevent_default();
                show_emoji.set(false);
                focus("#composer-input");
            }
        });
        let clicks = window_event_listener(leptos::ev::pointerdown, move |ev| {
            use wasm_bindgen::JsCast;
            if !show_emoji.get_untracked() {
                return;
            }
            let inside = match (root.get_untracked(), ev.target()) {
                (Some(root), Some(target)) => target
                    .dyn_ref::<web_sys::Node>()
                    .is_some_and(|node| root.contains(Some(node))),
                _ => false,
            };
            if !inside {
                show_emoji.set(false);
            }
        });
        on_cleanup(move || {
            keys.remove();
            clicks.remove();
        });
    }
    view! {
        <div class="relative" node_ref=root>
            <button type="button" class="rounded-lg p-2 text-slate-500 hover:bg-slate-100 dark:hover:bg-slate-800 dark:text-slate-400" aria-label=move || t().emoji title=move || t().emoji
                on:click=move |_| show_emoji.update(|s| *s = !*s) aria-expanded=move || show_emoji.get().to_string()>
                <Svg icon=Icon::Smile />
            </button>
            <Show when=move || show_emoji.get()>
                <div class="absolute bottom-full right-0 z-20 mb-1 grid w-64 grid-cols-8 gap-1 rounded-xl border border-slate-200 bg-white p-2 shadow-lg dark:border-slate-700 dark:bg-slate-900" id="emoji-picker">
                    {EMOJI.iter().map(|emoji| view! {
                        <button type="button" class="rounded p-1 text-lg hover:bg-slate-100 dark:hover:bg-slate-800"
                            on:click=move |_| { text.update(|v| v.push_str(emoji)); show_emoji.set(false); focus("#composer-input"); }>
                            {*emoji}
                        </button>
                    }).collect_view()}
                </div>
            </Show>
        </div>
    }
}
