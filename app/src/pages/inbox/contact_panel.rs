//! The contact panel beside a conversation: the contact's fields and typed
//! custom attributes, tags, notes, and previous conversations.

use leptos::prelude::*;
use leptos_router::components::A;
use shared::inbox::{
    AttributeDefinition, AttributeKind, ContactDetails, ContactNote, ConversationSummary,
};
use shared::{AppError, Permission};

use super::conversation_summary::ConversationSummaryCard;
use super::customer_feeling::CustomerFeeling;
use super::customer_rating::CustomerRatingCard;
use super::flow_starter::FlowStarter;
use super::quality_review::QualityReviewCard;
use super::{conversation_href, use_inbox};
use crate::api::contacts::{add_contact_note, set_contact_owner, update_contact};
use crate::components::form::{ErrorBanner, SuccessBanner};
use crate::components::icons::{Icon, Svg};
use crate::components::layout::use_session;
use crate::components::widgets::{Avatar, StatusBadge, BUTTON, INPUT, PRIMARY_BUTTON};
use crate::prefs::{use_prefs, use_t};
use crate::util::{date, date_time};

/// The panel is a wasm chunk of its own (`--split`), loaded when a
/// conversation opens, so the first download is smaller. `conversation`
/// is the open one (live); `can_work` whether the person may change it.
#[leptos::lazy]
pub fn contact_panel(
    details: ContactDetails,
    shown: RwSignal<bool>,
    conversation: RwSignal<ConversationSummary>,
    can_work: bool,
) -> AnyView {
    let number = conversation.with_untracked(|c| c.number);
    let flow_starter = can_work.then_some(number);
    view! {
        <ContactPanel details=details conversation=conversation flow_starter=flow_starter
            on_close=move || shown.set(false) />
    }
    .into_any()
}

#[component]
fn ContactPanel(
    details: ContactDetails,
    conversation: RwSignal<ConversationSummary>,
    /// The conversation an agent may start a flow in, if any.
    flow_starter: Option<i64>,
    on_close: impl Fn() + Send + Sync + 'static,
) -> impl IntoView {
    let t = use_t();
    view! {
        <div class="flex items-center justify-between border-b border-slate-200 px-4 py-3 dark:border-slate-800">
            <h2 class="text-sm font-semibold">{move || t().contact}</h2>
            <button type="button" class="rounded p-1 text-slate-500 hover:bg-slate-100 2xl:hidden dark:hover:bg-slate-800 dark:text-slate-400" on:click=move |_| on_close() aria-label=move || t().close>
                <Svg icon=Icon::Close class="size-4" />
            </button>
        </div>
        <ContactBody details=details conversation=conversation flow_starter=flow_starter />
    }
}

fn attribute_text(value: Option<&serde_json::Value>) -> String {
    match value {
        Some(serde_json::Value::String(s)) => s.clone(),
        Some(serde_json::Value::Number(n)) => n.to_string(),
        Some(serde_json::Value::Bool(b)) => b.to_string(),
        _ => String::new(),
    }
}

#[component]
fn ContactBody(
    details: ContactDetails,
    conversation: RwSignal<ConversationSummary>,
    flow_starter: Option<i64>,
) -> impl IntoView {
    let t = use_t();
    let prefs = use_prefs();
    let session = use_session();
    let offset = session.utc_offset_minutes;
    let can_edit = session.can(Permission::EditContacts);
    let contact = details.contact.clone();
    let contact_id = contact.id;

    let name = RwSignal::new(contact.name.clone());
    let phone = RwSignal::new(contact.phone.clone().unwrap_or_default());
    let email = RwSignal::new(contact.email.clone().unwrap_or_default());
    let tags = RwSignal::new(contact.tags.join(", "));
    let attributes: Vec<(AttributeDefinition, RwSignal<String>)> = details
        .attributes
        .iter()
        .map(|definition| {
            (
                definition.clone(),
                RwSignal::new(attribute_text(contact.attributes.get(&definition.key))),
            )
        })
        .collect();
    let attribute_signals = attributes.clone();
    let error = RwSignal::new(None::<AppError>);
    let saved = RwSignal::new(None::<String>);
    let saving = RwSignal::new(false);
    let field_error = move |field: &'static str| {
        move || {
            error
                .get()
                .and_then(|e| e.field_code(field))
                .map(|code| t().code(code))
        }
    };

    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        saving.set(true);
        let values: Vec<(String, String)> = attribute_signals
            .iter()
            .map(|(d, v)| (d.key.clone(), v.get_untracked()))
            .collect();
        let tag_list: Vec<String> = tags
            .get_untracked()
            .split(',')
            .map(|s| s.trim().to_string())
            .filter(|s| !s.is_empty())
            .collect();
        leptos::task::spawn_local(async move {
            match update_contact(
                contact_id,
                name.get_untracked(),
                phone.get_untracked(),
                email.get_untracked(),
                tag_list,
                values,
            )
            .await
            {
                Ok(updated) => {
                    error.set(None);
                    phone.set(updated.phone.unwrap_or_default());
                    email.set(updated.email.unwrap_or_default());
                    saved.set(Some(
                        crate::i18n::strings(prefs.locale.get_untracked())
                            .saved
                            .to_string(),
                    ));
                }
                Err(err) => {
                    saved.set(None);
                    error.set(Some(err));
                }
            }
            saving.set(false);
        });
    };

    let notes = RwSignal::new(details.notes.clone());
    let new_note = RwSignal::new(String::new());
    let add_note = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let body = new_note.get_untracked();
        if body.trim().is_empty() {
            return;
        }
        leptos::task::spawn_local(async move {
            match add_contact_note(contact_id, body).await {
                Ok(note) => {
                    notes.update(|list| list.insert(0, note));
                    new_note.set(String::new());
                }
                Err(err) => error.set(Some(err)),
            }
        });
    };
    let query = use_inbox().map(|inbox| inbox.query);
    let created = contact.created_at;
    let visitor = details.visitor.clone().filter(|v| !v.is_empty());
    let contact_id_for_name = contact.id;

    view! {
        <div class="space-y-5 p-4 text-sm">
            <div class="flex items-center gap-3">
                <Avatar name=contact.name.clone() seed=contact.id size="size-12 text-base" />
                <div class="min-w-0">
                    <p class="truncate font-semibold" id="contact-name">{move || { let n = name.get(); if n.trim().is_empty() { (t().visitor_numbered)(contact_id_for_name) } else { n } }}</p>
                    <p class="text-xs text-slate-500 dark:text-slate-400">
                        {move || if contact.is_lead { t().lead } else { t().contact }} " · " {move || (t().since_date)(&date(created, offset, prefs.locale.get()))}
                    </p>
                </div>
            </div>

            <form on:submit=save class="space-y-2" id="contact-form">
                <fieldset disabled=!can_edit class="space-y-2">
                    <PanelField label=Signal::derive(move || t().name) value=name error=Signal::derive(field_error("name")) id="contact-field-name" />
                    <PanelField label=Signal::derive(move || t().phone) value=phone error=Signal::derive(field_error("phone")) id="contact-field-phone" kind="tel" />
                    <PanelField label=Signal::derive(move || t().email) value=email error=Signal::derive(field_error("email")) id="contact-field-email" kind="email" />
                    <PanelField label=Signal::derive(move || t().tags) value=tags error=Signal::derive(field_error("tags")) id="contact-field-tags" />
                    {attributes.into_iter().map(|(definition, value)| {
                        let key = format!("attributes.{}", definition.key);
                        let message = move || error.get().and_then(|e| e.field_code(&key)).map(|code| t().code(code));
                        view! { <AttributeInput definition=definition value=value error=Signal::derive(message) /> }
                    }).collect_view()}
                </fieldset>
                <ErrorBanner error=Signal::derive(move || error.get().filter(|e| !matches!(e, AppError::Validation { .. }))) />
                <SuccessBanner message=saved />
                {can_edit.then(|| view! {
                    <button type="submit" class=PRIMARY_BUTTON disabled=move || saving.get() id="save-contact">
                        {move || if saving.get() { t().saving } else { t().save }}
                    </button>
                })}
            </form>

            <OwnerPicker contact_id=contact_id owner=contact.owner_id />

            <CustomerFeeling summary=conversation />
            <ConversationSummaryCard summary=conversation />
            <QualityReviewCard summary=conversation />
            <CustomerRatingCard summary=conversation />

            {flow_starter.map(|number| view! { <FlowStarter number=number /> })}

            {visitor.map(|v| view! {
                <section id="visitor-context">
                    <h3 class="mb-2 text-xs font-semibold uppercase tracking-wide text-slate-600 dark:text-slate-400">{move || t().visitor_context}</h3>
                    <dl class="grid grid-cols-[auto_1fr] gap-x-3 gap-y-1 text-xs">
                        {v.page.map(|page| view! {
                            <dt class="text-slate-600 dark:text-slate-400">{move || t().visitor_page}</dt>
                            <dd class="truncate"><a href=page.clone() target="_blank" rel="noopener noreferrer" class="text-blue-700 underline dark:text-blue-300" title=page.clone()>{page.clone()}</a></dd>
                        })}
                        {v.browser.map(|browser| view! {
                            <dt class="text-slate-600 dark:text-slate-400">{move || t().visitor_browser}</dt>
                            <dd>{browser}</dd>
                        })}
                        {v.language.map(|language| view! {
                            <dt class="text-slate-600 dark:text-slate-400">{move || t().visitor_language}</dt>
                            <dd>{language}</dd>
                        })}
                        {v.time_zone.map(|zone| view! {
                            <dt class="text-slate-600 dark:text-slate-400">{move || t().visitor_time_zone}</dt>
                            <dd>{zone.replace('_', " ")}</dd>
                        })}
                    </dl>
                </section>
            })}

            <section>
                <h3 class="mb-2 text-xs font-semibold uppercase tracking-wide text-slate-500 dark:text-slate-400">{move || t().notes}</h3>
                {can_edit.then(|| view! {
                    <form on:submit=add_note class="mb-2 space-y-1">
                        <textarea rows="2" class=INPUT placeholder=move || t().add_note aria-label=move || t().add_note id="contact-note-input"
                            prop:value=move || new_note.get() on:input=move |ev| new_note.set(event_target_value(&ev))></textarea>
                        <button type="submit" class=BUTTON>{move || t().add}</button>
                    </form>
                })}
                <ul class="space-y-2" id="contact-notes">
                    <For each=move || notes.get() key=|n: &ContactNote| n.id let:note>
                        <li class="rounded-lg bg-slate-50 p-2 dark:bg-slate-800">
                            <p class="whitespace-pre-wrap">{note.body.clone()}</p>
                            <p class="mt-1 text-xs text-slate-500 dark:text-slate-400">{note.author_name.clone().unwrap_or_default()} " · " {move || date_time(note.created_at, offset, prefs.locale.get())}</p>
                        </li>
                    </For>
                </ul>
            </section>

            {can_edit.then(|| view! { <MergeContact contact_id=contact_id name=name phone=phone email=email /> })}

            <section>
                <h3 class="mb-2 text-xs font-semibold uppercase tracking-wide text-slate-500 dark:text-slate-400">{move || t().previous_conversations}</h3>
                <ul class="space-y-1" id="previous-conversations">
                    {details.conversations.into_iter().map(|c| {
                        let number = c.number;
                        let href = move || conversation_href(number, &query.map(|q| q.get()).unwrap_or_default());
                        let at = c.created_at;
                        view! {
                            <li>
                                <A href=href attr:class="flex items-center gap-2 rounded-lg px-2 py-1 hover:bg-slate-100 dark:hover:bg-slate-800">
                                    <span class="text-slate-500 dark:text-slate-400">"#" {number}</span>
                                    <StatusBadge status=c.status />
                                    <span class="ml-auto text-xs text-slate-500 dark:text-slate-400">{move || date(at, offset, prefs.locale.get())}</span>
                                </A>
                            </li>
                        }
                    }).collect_view()}
                </ul>
            </section>
        </div>
    }
}

#[component]
fn PanelField(
    #[prop(into)] label: Signal<&'static str>,
    value: RwSignal<String>,
    #[prop(into)] error: Signal<Option<&'static str>>,
    id: &'static str,
    #[prop(default = "text")] kind: &'static str,
) -> impl IntoView {
    view! {
        <label class="block space-y-1" for=id>
            <span class="text-xs font-medium text-slate-600 dark:text-slate-300">{move || label.get()}</span>
            <input id=id type=kind class=INPUT prop:value=move || value.get() on:input=move |ev| value.set(event_target_value(&ev))
                aria-invalid=move || error.get().is_some().to_string() />
            {move || error.get().map(|message| view! { <span class="text-xs text-red-600" role="alert">{message}</span> })}
        </label>
    }
}

#[component]
fn AttributeInput(
    definition: AttributeDefinition,
    value: RwSignal<String>,
    #[prop(into)] error: Signal<Option<&'static str>>,
) -> impl IntoView {
    let id = format!("attribute-{}", definition.key);
    let input = match definition.kind {
        AttributeKind::Boolean => view! {
            <input id=id.clone() type="checkbox" class="size-4" prop:checked=move || value.get() == "true"
                on:change=move |ev| value.set(event_target_checked(&ev).to_string()) />
        }
        .into_any(),
        AttributeKind::List => {
            let options = definition.options.clone();
            view! {
                <select id=id.clone() class=INPUT on:change=move |ev| value.set(event_target_value(&ev))>
                    <option value="">"—"</option>
                    {options.into_iter().map(|option| {
                        let selected = option.clone();
                        view! { <option value=option.clone() selected=move || value.get() == selected>{option.clone()}</option> }
                    }).collect_view()}
                </select>
            }
            .into_any()
        }
        kind => {
            let input_type = match kind {
                AttributeKind::Number => "number",
                AttributeKind::Date => "date",
                _ => "text",
            };
            view! {
                <input id=id.clone() type=input_type step="any" class=INPUT prop:value=move || value.get()
                    on:input=move |ev| value.set(event_target_value(&ev)) aria-invalid=move || error.get().is_some().to_string() />
            }
            .into_any()
        }
    };
    view! {
        <label class="block space-y-1" for=id>
            <span class="text-xs font-medium text-slate-600 dark:text-slate-300">{definition.label.clone()}</span>
            {input}
            {move || error.get().map(|message| view! { <span class="text-xs text-red-600" role="alert">{message}</span> })}
        </label>
    }
}

/// Finds another contact who is the same person and merges it into this one.
#[component]
fn MergeContact(
    contact_id: i64,
    name: RwSignal<String>,
    phone: RwSignal<String>,
    email: RwSignal<String>,
) -> impl IntoView {
    use crate::api::contacts::{merge_contacts, search_contacts};
    let t = use_t();
    let query = RwSignal::new(String::new());
    let found = RwSignal::new(Vec::<shared::inbox::ContactView>::new());
    let error = RwSignal::new(None::<AppError>);
    let merged = RwSignal::new(false);
    let search = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        leptos::task::spawn_local(async move {
            match search_contacts(query.get_untracked()).await {
                Ok(list) => found.set(list.into_iter().filter(|c| c.id != contact_id).collect()),
                Err(err) => error.set(Some(err)),
            }
        });
    };
    let merge = move |other: i64| {
        if !crate::util::confirm(t().confirm_merge) {
            return;
        }
        leptos::task::spawn_local(async move {
            match merge_contacts(contact_id, other).await {
                Ok(contact) => {
                    name.set(contact.name);
                    phone.set(contact.phone.unwrap_or_default());
                    email.set(contact.email.unwrap_or_default());
                    found.update(|list| list.retain(|c| c.id != other));
                    merged.set(true);
                }
                Err(err) => error.set(Some(err)),
            }
        });
    };
    view! {
        <section id="merge-contact">
            <h3 class="mb-1 text-xs font-semibold uppercase tracking-wide text-slate-500 dark:text-slate-400">{move || t().merge_title}</h3>
            <p class="mb-2 text-xs text-slate-500 dark:text-slate-400">{move || t().merge_hint}</p>
            <form on:submit=search class="flex gap-2">
                <input type="search" class=INPUT id="merge-search" aria-label=move || t().merge_title
                    prop:value=move || query.get() on:input=move |ev| query.set(event_target_value(&ev)) />
                <button type="submit" class=BUTTON><Svg icon=Icon::Search class="size-4" /></button>
            </form>
            <ul class="mt-2 space-y-1" id="merge-candidates">
                <For each=move || found.get() key=|c: &shared::inbox::ContactView| c.id let:candidate>
                    <li class="flex items-center gap-2 rounded-lg px-2 py-1 hover:bg-slate-50 dark:hover:bg-slate-800" data-candidate=candidate.id>
                        <span class="min-w-0 flex-1 truncate">
                            {candidate.name.clone()} " "
                            <span class="text-xs text-slate-500 dark:text-slate-400">{candidate.phone.clone().or(candidate.email.clone()).unwrap_or_default()}</span>
                        </span>
                        <button type="button" class=BUTTON on:click=move |_| merge(candidate.id)>{move || t().merge_button}</button>
                    </li>
                </For>
            </ul>
            <Show when=move || merged.get()>
                <SuccessBanner message=Signal::derive(move || Some(t().merged_ok.to_string())) />
            </Show>
            <ErrorBanner error=Signal::derive(move || error.get()) />
        </section>
    }
}

/// The contact's owner (the customer wallet): chosen by whoever manages
/// departments, shown to everyone else.
#[component]
fn OwnerPicker(contact_id: i64, owner: Option<uuid::Uuid>) -> impl IntoView {
    let t = use_t();
    let session = use_session();
    let can_choose = session.can(Permission::ManageDepartments);
    let owner = RwSignal::new(owner);
    let error = RwSignal::new(None::<AppError>);
    let agents = Signal::derive(move || {
        use_inbox()
            .and_then(|inbox| inbox.context.get())
            .and_then(Result::ok)
            .map(|context| context.agents)
            .unwrap_or_default()
    });
    let name_of = move |id: uuid::Uuid| {
        agents.with(|list| {
            list.iter()
                .find(|a| a.user_id == id)
                .map(|a| a.name.clone())
        })
    };
    let choose = move |ev: leptos::ev::Event| {
        let chosen: Option<uuid::Uuid> = event_target_value(&ev).parse().ok();
        leptos::task::spawn_local(async move {
            match set_contact_owner(contact_id, chosen).await {
                Ok(contact) => {
                    owner.set(contact.owner_id);
                    error.set(None);
                }
                Err(err) => error.set(Some(err)),
            }
        });
    };
    view! {
        <section id="contact-owner" class="space-y-1">
            <h3 class="text-xs font-semibold uppercase tracking-wide text-slate-600 dark:text-slate-400">{move || t().contact_owner}</h3>
            {if can_choose {
                view! {
                    <select class=INPUT aria-label=move || t().contact_owner on:change=choose>
                        <option value="" selected=move || owner.get().is_none()>{move || t().nobody}</option>
                        {move || agents.get().into_iter().map(|agent| {
                            let id = agent.user_id;
                            view! { <option value=id.to_string() selected=move || owner.get() == Some(id)>{agent.name}</option> }
                        }).collect_view()}
                    </select>
                }.into_any()
            } else {
                view! { <p>{move || owner.get().and_then(name_of).unwrap_or_else(|| t().nobody.to_string())}</p> }.into_any()
            }}
            <p class="text-xs text-slate-500 dark:text-slate-400">{move || t().contact_owner_hint}</p>
            <ErrorBanner error=error />
        </section>
    }
}
