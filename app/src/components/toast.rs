//! Toasts: short confirmations ("Role changed", "Token revoked") that
//! appear in a corner, are announced to screen readers, and go away alone.

use leptos::prelude::*;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ToastKind {
    Success,
    Error,
}

#[derive(Clone, Debug, PartialEq)]
struct Toast {
    id: u64,
    kind: ToastKind,
    text: String,
}

/// The toasts on screen, provided by the app shell.
#[derive(Clone, Copy)]
pub struct Toasts {
    shown: RwSignal<Vec<Toast>>,
    next: StoredValue<u64>,
}

pub fn provide_toasts() -> Toasts {
    let toasts = Toasts {
        shown: RwSignal::new(Vec::new()),
        next: StoredValue::new(0),
    };
    provide_context(toasts);
    toasts
}

impl Toasts {
    /// Shows `text` for a few seconds.
    pub fn show(&self, kind: ToastKind, text: impl Into<String>) {
        let id = self.next.get_value();
        self.next.set_value(id + 1);
        self.shown.update(|list| {
            list.push(Toast {
                id,
                kind,
                text: text.into(),
            });
            // A burst shows its latest few.
            if list.len() > 3 {
                list.remove(0);
            }
        });
        #[cfg(feature = "hydrate")]
        {
            let shown = self.shown;
            gloo_timers::callback::Timeout::new(4_000, move || {
                shown.try_update(|list| list.retain(|t| t.id != id));
            })
            .forget();
        }
    }
}

/// Shows a toast if the shell provides toasts (pages outside it ignore it).
pub fn toast(kind: ToastKind, text: impl Into<String>) {
    if let Some(toasts) = use_context::<Toasts>() {
        toasts.show(kind, text);
    }
}

#[component]
pub fn ToastStack(toasts: Toasts) -> impl IntoView {
    view! {
        <div class="pointer-events-none fixed inset-x-0 bottom-4 z-50 flex flex-col items-center gap-2 px-4 sm:items-end" id="toasts" role="status" aria-live="polite">
            <For each=move || toasts.shown.get() key=|t| t.id let:toast>
                <p class=format!(
                    "toast pointer-events-auto max-w-sm rounded-lg px-4 py-2 text-sm font-medium shadow-lg {}",
                    match toast.kind {
                        ToastKind::Success => "bg-slate-900 text-white dark:bg-slate-100 dark:text-slate-900",
                        ToastKind::Error => "bg-red-700 text-white",
                    },
                ) data-kind=match toast.kind { ToastKind::Success => "success", ToastKind::Error => "error" }>
                    {toast.text.clone()}
                </p>
            </For>
        </div>
    }
}
