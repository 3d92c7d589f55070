//! Form building blocks: labelled fields with their errors, submit buttons
//! that show progress, and error banners.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use server_fn::ServerFn;
use shared::{AppError, ErrorCode};

use crate::components::icons::{Icon, Svg};
use crate::prefs::use_t;

/// The error of the last submission of `action`: from the action itself
/// once the wasm runs, or from the `form_error` query parameter the server
/// adds when a plain (pre-hydration) form post fails.
pub fn form_error<S>(action: ServerAction<S>) -> Signal<Option<AppError>>
where
    S: ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
    S::Output: Clone + Send + Sync + 'static,
{
    let query = use_query_map();
    let value = action.value();
    Signal::derive(move || match value.get() {
        Some(Err(err)) => Some(err),
        Some(Ok(_)) => None,
        None => query
            .read()
            .get("form_error")
            .and_then(|raw| AppError::from_untrusted_json(&raw)),
    })
}

/// A form that clears itself once its action succeeds, so a second click
/// cannot create (or replace) the same thing again. Pass the returned
/// reference as the `ActionForm`'s `node_ref`.
pub fn reset_on_success<S>(action: ServerAction<S>) -> NodeRef<leptos::html::Form>
where
    S: ServerFn<Error = AppError> + Clone + Send + Sync + 'static,
    S::Output: Clone + Send + Sync + 'static,
{
    let form = NodeRef::<leptos::html::Form>::new();
    Effect::new(move |_| {
        if let (Some(Ok(_)), Some(form)) = (action.value().get(), form.get_untracked()) {
            form.reset();
        }
    });
    form
}

/// The error code for one field of a form error.
pub fn field_error(
    error: Signal<Option<AppError>>,
    field: &'static str,
) -> Signal<Option<ErrorCode>> {
    Signal::derive(move || error.get().and_then(|e| e.field_code(field)))
}

const INPUT_CLASS: &str = "block w-full rounded-lg border border-slate-300 bg-white px-3 py-2 text-sm text-slate-900 shadow-sm placeholder:text-slate-400 focus:border-blue-600 focus:outline-none focus:ring-2 focus:ring-blue-600/20 dark:border-slate-600 dark:bg-slate-900 dark:text-slate-100 aria-[invalid=true]:border-red-600 aria-[invalid=true]:ring-1 aria-[invalid=true]:ring-red-600";

/// A labelled input. Its error, when present, is announced and linked with
/// `aria-describedby`.
#[component]
pub fn Field(
    name: &'static str,
    #[prop(into)] label: Signal<&'static str>,
    #[prop(default = "text")] kind: &'static str,
    #[prop(optional, into)] value: Signal<String>,
    #[prop(optional)] autocomplete: Option<&'static str>,
    #[prop(optional)] required: bool,
    #[prop(optional)] autofocus: bool,
    #[prop(optional, into)] hint: Option<Signal<&'static str>>,
    #[prop(optional, into)] error: Option<Signal<Option<ErrorCode>>>,
) -> impl IntoView {
    let t = use_t();
    let id = format!("field-{name}");
    let error = error.unwrap_or_else(|| Signal::derive(|| None));
    let described_by = format!("{id}-msg");
    view! {
        <div class="space-y-1">
            <label for=id.clone() class="block text-sm font-medium text-slate-700 dark:text-slate-200">
                {move || label.get()}
            </label>
            <input
            id=id.clone()
            name=name
            type=kind
            class=INPUT_CLASS
            value=move || value.get()
            autocomplete=autocomplete
            required=required
            autofocus=autofocus
            aria-invalid=move || error.get().is_some().to_string()
            aria-describedby=described_by.clone()
            />
            <p id=format!("{id}-msg") class="min-h-[1rem] text-xs">
                {move || match error.get() {
                    Some(code) => view! { <ErrorText text=t().code(code) /> }.into_any(),
                    None => view! { <span class="text-slate-500 dark:text-slate-400">{hint.map(|h| h.get())}</span> }.into_any(),
                }}
            </p>
        </div>
    }
}

/// A field's error: an icon as well as the colour, so it does not rely on
/// telling red apart.
#[component]
fn ErrorText(text: &'static str) -> impl IntoView {
    view! {
        <span class="inline-flex items-center gap-1 font-medium text-red-700 dark:text-red-400" role="alert">
            <Svg icon=Icon::Alert class="size-3.5 shrink-0" />
            {text}
        </span>
    }
}

/// A labelled `<select>` of `(value, label)` options.
#[component]
pub fn SelectField(
    name: &'static str,
    #[prop(into)] label: Signal<&'static str>,
    #[prop(into)] options: Signal<Vec<(String, String)>>,
    #[prop(optional, into)] selected: Signal<String>,
    #[prop(optional, into)] error: Option<Signal<Option<ErrorCode>>>,
) -> impl IntoView {
    let t = use_t();
    let id = format!("field-{name}");
    let error = error.unwrap_or_else(|| Signal::derive(|| None));
    view! {
        <div class="space-y-1">
            <label for=id.clone() class="block text-sm font-medium text-slate-700 dark:text-slate-200">
                {move || label.get()}
            </label>
            <select id=id name=name class=INPUT_CLASS aria-invalid=move || error.get().is_some().to_string()>
                {move || {
                    let current = selected.get();
                    options
                        .get()
                        .into_iter()
                        .map(|(value, text)| {
                            let is_selected = value == current;
                            view! { <option value=value selected=is_selected>{text}</option> }
                        })
                        .collect_view()
                }}
            </select>
            <p class="min-h-[1rem] text-xs">
                {move || error.get().map(|code| view! { <ErrorText text=t().code(code) /> })}
            </p>
        </div>
    }
}

/// The language a connection's customers are spoken to in when theirs is
/// unknown: the account's (empty value) or one Ponte speaks.
#[component]
pub fn CustomerLanguageSelect(
    name: &'static str,
    current: Option<shared::Locale>,
) -> impl IntoView {
    let t = use_t();
    view! {
        <label class="space-y-1">
            <span class="block text-sm font-medium">{move || t().customer_language}</span>
            <select name=name class=INPUT_CLASS title=move || t().customer_language_hint>
                <option value="" selected=current.is_none()>{move || t().customer_language_account}</option>
                {shared::Locale::ALL.iter().map(|&locale| view! {
                    <option value=locale.as_str() selected=current == Some(locale)>{locale.native_name()}</option>
                }).collect_view()}
            </select>
        </label>
    }
}

/// A primary submit button that disables itself and shows `busy_label`
/// while the action runs.
#[component]
pub fn SubmitButton(
    #[prop(into)] label: Signal<&'static str>,
    #[prop(into)] busy_label: Signal<&'static str>,
    #[prop(into)] pending: Signal<bool>,
    #[prop(optional)] full_width: bool,
) -> impl IntoView {
    let width = if full_width { "w-full" } else { "" };
    view! {
        <button
            type="submit"
            class=format!("{width} inline-flex items-center justify-center gap-2 rounded-lg bg-blue-700 px-4 py-2 text-sm font-semibold text-white shadow-sm hover:bg-blue-800 focus:outline-none focus-visible:ring-2 focus-visible:ring-blue-600 focus-visible:ring-offset-2 disabled:cursor-wait disabled:opacity-70 dark:ring-offset-slate-900")
            disabled=move || pending.get()
            aria-busy=move || pending.get().to_string()
            // For the pages served without the wasm (pages::auth).
            data-busy-label=move || busy_label.get()
        >
            <Show when=move || pending.get()>
                <span class="size-4 animate-spin rounded-full border-2 border-white/40 border-t-white" aria-hidden="true"></span>
            </Show>
            {move || if pending.get() { busy_label.get() } else { label.get() }}
        </button>
    }
}

/// A banner for an error that is not about one field.
#[component]
pub fn ErrorBanner(#[prop(into)] error: Signal<Option<AppError>>) -> impl IntoView {
    let t = use_t();
    view! {
        {move || {
            error
                .get()
                .map(|err| {
                    view! {
                        <div role="alert" class="rounded-lg border border-red-200 bg-red-50 px-3 py-2 text-sm text-red-800 dark:border-red-900 dark:bg-red-950 dark:text-red-200">
                            {t().error(&err)}
                        </div>
                    }
                })
        }}
    }
}

/// A green confirmation line.
#[component]
pub fn SuccessBanner(#[prop(into)] message: Signal<Option<String>>) -> impl IntoView {
    view! {
        {move || {
            message
                .get()
                .map(|text| {
                    view! {
                        <div role="status" class="rounded-lg border border-emerald-200 bg-emerald-50 px-3 py-2 text-sm text-emerald-800 dark:border-emerald-900 dark:bg-emerald-950 dark:text-emerald-200">
                            {text}
                        </div>
                    }
                })
        }}
    }
}
