//! One open conversation: header with actions, the timeline, the composer,
//! and (on wide screens) the contact panel.

mod header;
mod timeline;

use crate::json::json_resource;
use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_params_map;
use shared::events::ServerEvent;
use shared::inbox::{
    ConversationSummary, DeliveryStatus, MessageKind, MessageView, OpenedConversation,
};
use shared::{AppError, Permission};
use uuid::Uuid;

use super::composer::Composer;
use super::contact_panel::contact_panel;
use super::{use_inbox, NoConversation};
use crate::api::conversations::{mark_conversation_read, open_conversation, sync_changes};
use crate::components::form::ErrorBanner;
use crate::components::layout::use_session;
use crate::components::toast::{ToastKind, Toasts};
use crate::prefs::use_t;
use crate::realtime::{use_realtime, Incoming};
use header::ConversationHeader;
pub use timeline::human_size;
use timeline::Timeline;

/// The `/inbox/:number` route.
#[component]
pub fn ConversationPane() -> impl IntoView {
    let t = use_t();
    let params = use_params_map();
    let number = Memo::new(move |_| {
        params
            .read()
            .get("number")
            .and_then(|n| n.parse::<i64>().ok())
    });
    let data = json_resource(
        move || number.get(),
        |number| async move { open_conversation(number.ok_or(AppError::NotFound)?).await },
    );
    view! {
        <Transition fallback=move || view! { <p class="p-6 text-sm text-slate-500 dark:text-slate-400">{move || t().loading}</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(opened) => view! { <ConversationView opened=opened /> }.into_any(),
                    Err(AppError::NotFound) => view! { <NotFoundHere /> }.into_any(),
                    Err(err) => view! { <div class="p-4"><ErrorBanner error=Signal::derive(move || Some(err.clone())) /></div> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn NotFoundHere() -> impl IntoView {
    let t = use_t();
    view! {
        <div class="p-6 text-center" role="alert">
            <p class="text-slate-600 dark:text-slate-300">{move || t().conversation_not_found}</p>
            <A href="/inbox" attr:class="mt-2 inline-block text-sm text-blue-700 hover:underline">{move || t().back}</A>
        </div>
        <NoConversation />
    }
}

/// The open conversation's live state, shared with the composer and panel.
#[derive(Clone, Copy)]
pub struct OpenConversation {
    pub summary: RwSignal<ConversationSummary>,
    pub messages: RwSignal<Vec<MessageView>>,
    pub error: RwSignal<Option<AppError>>,
    pub can_work: bool,
    /// The message the composer's next reply answers (quotes), if any.
    pub replying_to: RwSignal<Option<MessageView>>,
    /// The wrap-up dialog (categories, then resolve) is open.
    pub wrap_up: RwSignal<bool>,
    /// The shell's toasts, taken where the reactive owner is at hand.
    toasts: Option<Toasts>,
    /// What to announce when the next [`act`](Self::act) succeeds: set by
    /// the header before opening a dialog (snooze, transfer) that acts.
    success_text: StoredValue<Option<String>>,
}

impl OpenConversation {
    /// Adds or replaces a message (see [`merge_message`]).
    pub fn upsert(&self, message: MessageView) {
        self.messages.update(|list| merge_message(list, message));
    }

    /// Runs an action that returns the new summary, showing any error.
    pub fn act<F>(&self, action: F)
    where
        F: std::future::Future<Output = Result<ConversationSummary, AppError>> + 'static,
    {
        let text = self.success_text.try_update_value(Option::take).flatten();
        self.run(action, text);
    }

    /// Like [`act`](Self::act), and on success says so in a toast.
    pub fn act_with_toast<F>(&self, action: F, text: String)
    where
        F: std::future::Future<Output = Result<ConversationSummary, AppError>> + 'static,
    {
        self.success_text.set_value(None);
        self.run(action, Some(text));
    }

    /// Resolves: through the wrap-up dialog when the account has categories
    /// to pick or the agent may skip the survey, at once otherwise. The button and the `e` shortcut both
    /// come here.
    pub fn resolve(&self, success: String) {
        // Categories to pick, or the survey to skip, ask first.
        let asks = super::use_inbox()
            .and_then(|inbox| inbox.context.get_untracked())
            .and_then(Result::ok)
            .is_some_and(|c| c.survey_skippable || !c.categories.pickable().is_empty());
        if asks {
            self.success_text.set_value(Some(success));
            self.wrap_up.set(true);
        } else {
            let number = self.summary.with_untracked(|s| s.number);
            self.act_with_toast(
                crate::api::conversations::set_conversation_status(
                    number,
                    shared::inbox::ConversationStatus::Resolved,
                    None,
                ),
                success,
            );
        }
    }

    /// Says `text` in a toast if the next [`act`](Self::act) succeeds
    /// (`None` forgets it, e.g. when the dialog that would act is closed).
    pub fn toast_next_success(&self, text: Option<String>) {
        self.success_text.set_value(text);
    }

    fn run<F>(&self, action: F, success: Option<String>)
    where
        F: std::future::Future<Output = Result<ConversationSummary, AppError>> + 'static,
    {
        let this = *self;
        leptos::task::spawn_local(async move {
            match action.await {
                Ok(summary) => {
                    this.summary.set(summary);
                    this.error.set(None);
                    if let (Some(toasts), Some(text)) = (this.toasts, success) {
                        toasts.show(ToastKind::Success, text);
                    }
                }
                Err(err) => this.error.set(Some(err)),
            }
        });
    }
}

pub fn use_open_conversation() -> Option<OpenConversation> {
    use_context::<OpenConversation>()
}

#[component]
fn ConversationView(opened: OpenedConversation) -> impl IntoView {
    let OpenedConversation {
        summary,
        messages: page,
        contact,
    } = opened;
    let session = use_session();
    let Some(inbox) = use_inbox() else {
        return ().into_any();
    };
    let id = summary.id;
    let number = summary.number;
    let open = OpenConversation {
        summary: RwSignal::new(summary),
        messages: RwSignal::new(page.messages),
        error: RwSignal::new(None),
        can_work: session.can(Permission::WorkConversations),
        replying_to: RwSignal::new(None),
        wrap_up: RwSignal::new(false),
        toasts: use_context::<Toasts>(),
        success_text: StoredValue::new(None),
    };
    provide_context(open);
    let older = RwSignal::new(page.older_cursor);
    let show_contact = RwSignal::new(false);

    // Reading: on open, and whenever something arrives while it is open.
    let mark_read = move || {
        leptos::task::spawn_local(async move {
            if let Ok(count) = mark_conversation_read(number).await {
                inbox.read_counts.update(|counts| {
                    counts.insert(id, count);
                });
            }
        });
    };
    #[cfg(feature = "hydrate")]
    mark_read();

    if let Some(realtime) = use_realtime() {
        realtime.subscribe(move |incoming| match incoming {
            Incoming::Event(ServerEvent::MessageCreated { message, .. })
                if message.conversation_id == id =>
            {
                let incoming_message = message.kind == MessageKind::Incoming;
                open.upsert(message.clone());
                if incoming_message && page_visible() {
                    mark_read();
                }
            }
            Incoming::Event(ServerEvent::MessageUpdated { message, .. })
                if message.conversation_id == id =>
            {
                open.upsert(message.clone())
            }
            Incoming::Event(ServerEvent::ConversationChanged { conversation, .. })
                if conversation.id == id =>
            {
                let mut fresh = conversation.clone();
                fresh.read_count = None;
                open.summary.set(fresh);
            }
            Incoming::Resync { since } => {
                let since = *since;
                leptos::task::spawn_local(async move {
                    if let Ok(changes) = sync_changes(since, None, Some(number)).await {
                        if let Some(fresh) = changes.conversations.into_iter().find(|c| c.id == id)
                        {
                            open.summary.set(fresh);
                        }
                        changes.messages.into_iter().for_each(|m| open.upsert(m));
                    }
                });
            }
            _ => {}
        });
    }

    let panel_loaded = leptos::lazy_preload!(super::contact_panel::contact_panel);
    let can_work = open.can_work;
    let summary = open.summary;
    let contact = StoredValue::new(contact);
    view! {
        <div class="flex min-h-0 flex-1">
            <div class="flex min-h-0 min-w-0 flex-1 flex-col bg-slate-50 dark:bg-slate-950" id="conversation" data-number=number>
                <ConversationHeader open=open show_contact=show_contact />
                <ErrorBanner error=open.error />
                <Timeline open=open older=older number=number />
                <TypingLine conversation_id=id />
                {if open.can_work {
                    view! { <Composer number=number /> }.into_any()
                } else {
                    view! { <ReadOnlyNotice /> }.into_any()
                }}
            </div>
            <aside class=move || format!(
                "min-h-0 w-80 shrink-0 overflow-y-auto border-l border-slate-200 bg-white dark:border-slate-800 dark:bg-slate-900 {}",
                if show_contact.get() { "fixed inset-y-0 right-0 z-40 block max-w-[90%] shadow-xl 2xl:static 2xl:shadow-none" } else { "hidden 2xl:block" },
            ) id="contact-panel">
                // Rendered in the browser only, once its chunk has arrived: a
                // lazy function awaited while hydrating would not match the
                // server's HTML.
                <Show when=move || panel_loaded.get()>
                    <Suspense>
                        {move || {
                            let contact = contact.get_value();
                            Suspend::new(async move { contact_panel(contact, show_contact, summary, can_work).await })
                        }}
                    </Suspense>
                </Show>
            </aside>
        </div>
    }
    .into_any()
}

fn page_visible() -> bool {
    #[cfg(feature = "hydrate")]
    {
        document().visibility_state() == web_sys::VisibilityState::Visible
    }
    #[cfg(not(feature = "hydrate"))]
    {
        false
    }
}

#[component]
fn ReadOnlyNotice() -> impl IntoView {
    let t = use_t();
    view! { <p class="border-t border-slate-200 bg-white p-3 text-center text-sm text-slate-500 dark:border-slate-800 dark:bg-slate-900 dark:text-slate-400">{move || t().read_only}</p> }
}

#[component]
fn TypingLine(conversation_id: i64) -> impl IntoView {
    let t = use_t();
    let Some(inbox) = use_inbox() else {
        return ().into_any();
    };
    view! {
        <p class="h-5 shrink-0 px-6 text-xs italic text-blue-700 dark:text-blue-300" aria-live="polite" id="typing-line">
            {move || inbox.typing.with(|m| m.get(&conversation_id).cloned()).map(|(name, _)| {
                if name.is_empty() { t().customer_typing.to_string() } else { (t().typing_named)(&name) }
            })}
        </p>
    }
    .into_any()
}

/// A message the browser has not stored yet, shown at once.
pub fn pending_message(
    conversation_id: i64,
    body: &str,
    note: bool,
    client_id: Uuid,
    sender: &str,
) -> MessageView {
    MessageView {
        id: -(chrono::Utc::now().timestamp_millis()),
        conversation_id,
        kind: if note {
            MessageKind::Note
        } else {
            MessageKind::Outgoing
        },
        content_type: shared::inbox::ContentType::Text,
        body: body.to_string(),
        attachment: None,
        location: None,
        activity: None,
        sender_id: None,
        sender_name: Some(sender.to_string()),
        mentions: vec![],
        delivery_status: Some(DeliveryStatus::Pending),
        delivery_error: None,
        client_id: Some(client_id),
        created_at: chrono::Utc::now(),
        updated_at: chrono::Utc::now(),
        deleted: false,
        quoted: None,
        sentiment: None,
        email: None,
        menu_options: Vec::new(),
    }
}

/// Adds or replaces a message, matching optimistic copies by client id. A
/// copy older than the one shown is dropped: a send's answer ("pending") can
/// arrive after the live update saying the provider already refused it.
fn merge_message(list: &mut Vec<MessageView>, message: MessageView) {
    let same = |m: &MessageView| {
        m.id == message.id || (message.client_id.is_some() && m.client_id == message.client_id)
    };
    match list.iter().position(same) {
        Some(index) => {
            let shown = &list[index];
            let stale =
                shown.id > 0 && shown.id == message.id && shown.updated_at > message.updated_at;
            if !stale {
                list[index] = message;
            }
        }
        None => {
            list.push(message);
            list.sort_by_key(|m| if m.id > 0 { (0, m.id) } else { (1, -m.id) });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, Utc};
    use shared::inbox::{ContentType, DeliveryStatus, MessageKind};
    use uuid::Uuid;

    fn outgoing(id: i64, client_id: Uuid, status: DeliveryStatus) -> MessageView {
        MessageView {
            id,
            conversation_id: 1,
            kind: MessageKind::Outgoing,
            content_type: ContentType::Text,
            body: "Olá".into(),
            attachment: None,
            location: None,
            activity: None,
            sender_id: None,
            sender_name: None,
            mentions: vec![],
            delivery_status: Some(status),
            delivery_error: None,
            client_id: Some(client_id),
            created_at: Utc::now(),
            updated_at: Utc::now(),
            deleted: false,
            quoted: None,
            sentiment: None,
            email: None,
            menu_options: Vec::new(),
        }
    }

    #[test]
    fn a_late_send_answer_does_not_undo_a_live_refusal() {
        let client_id = Uuid::from_u128(42);
        let optimistic = outgoing(-1, client_id, DeliveryStatus::Pending);
        let answer = outgoing(7, client_id, DeliveryStatus::Pending);
        let mut refused = answer.clone();
        refused.delivery_status = Some(DeliveryStatus::Failed);
        refused.updated_at = answer.updated_at + Duration::milliseconds(5);

        let mut list = vec![optimistic];
        merge_message(&mut list, refused.clone());
        merge_message(&mut list, answer.clone());
        assert_eq!(list, vec![refused.clone()], "the refusal stays");

        // Positive control: a newer copy (a retry) replaces it.
        let mut retried = answer;
        retried.updated_at = refused.updated_at + Duration::milliseconds(5);
        merge_message(&mut list, retried.clone());
        assert_eq!(list, vec![retried]);
    }
}
