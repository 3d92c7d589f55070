//! Settings → Channels (the website widget).

use crate::components::grants::ChannelAccessPanel;
use crate::json::{json_resource, JsonResource};
use leptos::prelude::*;
use shared::inbox::{ChannelView, Department};
use shared::{AppError, Permission};

use crate::api::channels::{list_channels, SaveWebsiteChannel};
use crate::api::departments::list_departments;
use crate::components::form::{
    field_error, form_error, reset_on_success, CustomerLanguageSelect, ErrorBanner, Field,
    SubmitButton, SuccessBanner,
};
use crate::components::icons::{Icon, Svg};
use crate::components::layout::{use_session, PageHeader};
use crate::components::widgets::{BUTTON, INPUT};
use crate::pages::settings::Forbidden;
use crate::prefs::use_t;
use crate::util::copy_to_clipboard;

const CARD: &str = "rounded-xl border border-slate-200 bg-white p-4 shadow-sm sm:p-6 dark:border-slate-800 dark:bg-slate-900";

/// The `<script>` a company pastes into its site.
pub fn widget_snippet(public_url: &str, token: &str) -> String {
    format!(
        r#"<script src="{}/widget.js" data-ponte-channel="{token}" async></script>"#,
        public_url.trim_end_matches('/')
    )
}

#[component]
pub fn ChannelsPage() -> impl IntoView {
    let t = use_t();
    let session = use_session();
    if !session.manages_channels() {
        return view! { <Forbidden /> }.into_any();
    }
    let admin = session.can(Permission::ManageChannels);
    let save = ServerAction::<SaveWebsiteChannel>::new();
    // Which form sent the latest save (`None` inside: the new channel's),
    // so each says only its own outcome — the action's input is there only
    // while it runs, and the cards are drawn anew once it is done.
    let last_sent = RwSignal::new(None::<Option<i64>>);
    Effect::new(move |_| {
        if let Some(input) = save.input().get() {
            last_sent.set(Some(input.id));
        }
    });
    let sent = SentBy {
        action: save,
        last: last_sent,
    };
    // The list is drawn anew after a save that went through; a refused one
    // leaves its form open with the error.
    let saves = RwSignal::new(0_u32);
    Effect::new(move |_| {
        if matches!(save.value().get(), Some(Ok(_))) {
            saves.update(|n| *n += 1);
        }
    });
    let channels = json_resource(move || saves.get(), |_| list_channels());
    let departments = json_resource(|| (), |_| list_departments());
    view! {
        <PageHeader title=Signal::derive(move || t().nav_channels) subtitle=Signal::derive(move || t().channels_subtitle) />
        <div class="max-w-3xl space-y-6 p-4 sm:p-6">
            {admin.then(|| view! {
                <section class=CARD id="new-channel">
                    <h2 class="mb-3 text-base font-semibold">{move || t().new_website_channel}</h2>
                    <ChannelForm sent=sent channel=None departments=departments />
                </section>
            })}
            <div id="channels-list" class="space-y-6">
                <Transition fallback=move || view! { <p class="text-sm text-slate-500 dark:text-slate-400">{move || t().loading}</p> }>
                    {move || {
                        let session = session.clone();
                        Suspend::new(async move {
                        let list = channels.await.unwrap_or_default();
                        list.into_iter().filter(|c| c.kind == shared::inbox::ChannelKind::Website && session.may_manage_channel(c.id)).map(|channel| view! { <ChannelCard channel=channel sent=sent departments=departments /> }).collect_view()
                    })}}
                </Transition>
            </div>
        </div>
    }
    .into_any()
}

type DepartmentsResource = JsonResource<Result<Vec<Department>, AppError>>;

/// The page's save action, and which form (by channel id; `None` for a new
/// channel) sent its latest submission.
#[derive(Clone, Copy)]
struct SentBy {
    action: ServerAction<SaveWebsiteChannel>,
    last: RwSignal<Option<Option<i64>>>,
}

impl SentBy {
    fn by(self, channel: Option<i64>) -> bool {
        self.last.get() == Some(channel)
    }

    /// The form for `channel` sent the latest save and it went through.
    fn saved(self, channel: Option<i64>) -> bool {
        self.by(channel) && matches!(self.action.value().get(), Some(Ok(_)))
    }
}

#[component]
fn ChannelCard(
    channel: ChannelView,
    sent: SentBy,
    departments: DepartmentsResource,
) -> impl IntoView {
    let t = use_t();
    let id = channel.id;
    let saved = Signal::derive(move || sent.saved(Some(id)).then(|| t().saved.to_string()));
    let public_url = use_session().public_url;
    let snippet = widget_snippet(&public_url, &channel.public_token);
    let copied = RwSignal::new(false);
    let editing = RwSignal::new(false);
    let to_copy = snippet.clone();
    let origins = if channel.website.allowed_origins.is_empty() {
        "—".to_string()
    } else {
        channel.website.allowed_origins.join(", ")
    };
    let edit_channel = channel.clone();
    view! {
        <section class=CARD data-channel=channel.public_token.clone()>
            <div class="flex items-start justify-between gap-2">
                <div>
                    <h2 class="flex items-center gap-2 text-base font-semibold">
                        <span class="size-3 rounded-full" style=format!("background: {}", channel.website.color)></span>
                        {channel.name.clone()}
                        {(!channel.active).then(|| view! { <span class="rounded bg-slate-200 px-1.5 text-xs dark:bg-slate-700">{move || t().inactive}</span> })}
                    </h2>
                    <p class="text-xs text-slate-500 dark:text-slate-400">{move || t().allowed_origins} ": " {origins.clone()}</p>
                </div>
                <button type="button" class=BUTTON on:click=move |_| editing.update(|e| *e = !*e)>{move || t().edit}</button>
            </div>
            <p class="mt-3 text-xs font-medium text-slate-600 dark:text-slate-300">{move || t().widget_snippet}</p>
            <div class="mt-1 flex gap-2">
                <code tabindex="0" class="min-w-0 flex-1 overflow-x-auto whitespace-nowrap rounded bg-slate-100 px-2 py-1.5 text-xs dark:bg-slate-800">{snippet.clone()}</code>
                <button type="button" class=BUTTON on:click=move |_| { copy_to_clipboard(&to_copy); copied.set(true); }>
                    <Svg icon=Icon::Copy class="size-4" /> {move || if copied.get() { t().copied } else { t().copy }}
                </button>
            </div>
            {use_session().can(Permission::ManageChannels).then(|| view! { <ChannelAccessPanel channel_id=channel.id /> })}
            <div class="mt-3"><SuccessBanner message=saved /></div>
            <Show when=move || editing.get()>
                <div class="mt-4 border-t border-slate-100 pt-4 dark:border-slate-800">
                    <ChannelForm sent=sent channel=Some(edit_channel.clone()) departments=departments />
                </div>
            </Show>
        </section>
    }
}

#[component]
fn ChannelForm(
    sent: SentBy,
    channel: Option<ChannelView>,
    departments: DepartmentsResource,
) -> impl IntoView {
    let t = use_t();
    let action = sent.action;
    let error = form_error(action);
    let editing_id = channel.as_ref().map(|c| c.id);
    let own_error = Signal::derive(move || error.get().filter(|_| sent.by(editing_id)));
    // An edited channel's card says it saved (this form closes as the list
    // is drawn anew); the new channel's form says it here.
    let saved = Signal::derive(move || {
        (editing_id.is_none() && sent.saved(None)).then(|| t().saved.to_string())
    });
    let c = channel.clone().unwrap_or_else(|| ChannelView {
        id: 0,
        kind: shared::inbox::ChannelKind::Website,
        name: String::new(),
        public_token: String::new(),
        website: shared::inbox::WebsiteSettings {
            color: "#1d4ed8".into(),
            ..Default::default()
        },
        default_department_id: None,
        language: None,
        active: true,
    });
    let current_department = c.default_department_id;
    // A new channel's form clears once saved: a second click cannot make a
    // second channel.
    let form = match editing_id {
        None => reset_on_success(action),
        Some(_) => NodeRef::new(),
    };
    view! {
        <ActionForm action=action node_ref=form>
            <div class="space-y-3">
                {editing_id.map(|id| view! { <input type="hidden" name="channel[id]" value=id /> })}
                <Field name="channel[name]" label=Signal::derive(move || t().channel_name) value=c.name.clone() required=true error=field_error(own_error, "name") />
                <label class="block space-y-1">
                    <span class="text-sm font-medium">{move || t().allowed_origins}</span>
                    <textarea name="channel[allowed_origins]" rows="2" class=INPUT placeholder="https://www.suaempresa.com.br">{c.website.allowed_origins.join("\n")}</textarea>
                    <span class="text-xs text-slate-500 dark:text-slate-400">{move || field_error(own_error, "allowed_origins").get().map(|code| t().code(code)).unwrap_or(t().allowed_origins_hint)}</span>
                </label>
                <Field name="channel[greeting]" label=Signal::derive(move || t().greeting) value=c.website.greeting.clone() error=field_error(own_error, "greeting") />
                <div class="flex flex-wrap items-end gap-4">
                    <label class="space-y-1">
                        <span class="block text-sm font-medium">{move || t().color}</span>
                        <input type="color" name="channel[color]" value=c.website.color.clone() class="h-9 w-16 rounded border border-slate-300 dark:border-slate-600" />
                    </label>
                    <label class="space-y-1">
                        <span class="block text-sm font-medium">{move || t().default_department}</span>
                        <select name="channel[default_department_id]" class=INPUT>
                            <option value="">{move || t().no_department}</option>
                            <Transition>
                                {move || Suspend::new(async move {
                                    departments.await.unwrap_or_default().into_iter().map(|d| {
                                        let selected = current_department == Some(d.id);
                                        view! { <option value=d.id selected=selected>{d.name}</option> }
                                    }).collect_view()
                                })}
                            </Transition>
                        </select>
                    </label>
                    <CustomerLanguageSelect name="channel[language]" current=c.language />
                    <label class="flex items-center gap-2 text-sm">
                        <input type="checkbox" name="channel[prechat_form]" value="true" checked=c.website.prechat_form />
                        {move || t().prechat_form}
                    </label>
                    {editing_id.map(|_| view! {
                        <label class="flex items-center gap-2 text-sm">
                            <input type="checkbox" name="channel[inactive]" value="true" checked=!c.active />
                            {move || t().deactivate_channel}
                        </label>
                    })}
                </div>
                <ErrorBanner error=Signal::derive(move || own_error.get().filter(|e| !matches!(e, AppError::Validation { .. }))) />
                <SuccessBanner message=saved />
                <SubmitButton label=Signal::derive(move || t().save) busy_label=Signal::derive(move || t().saving) pending=action.pending() />
            </div>
        </ActionForm>
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn snippet_is_an_async_script_tag() {
        assert_eq!(
            super::widget_snippet("https://ponte.example.com/", "wc_abc"),
            r#"<script src="https://ponte.example.com/widget.js" data-ponte-channel="wc_abc" async></script>"#
        );
    }
}
