//! The conversation list: tabs, filters, search, infinite scroll, and live
//! updates merged in as they happen.

mod header;
mod rows;

use crate::json::json_resource;
use leptos::prelude::*;
use shared::inbox::{ConversationSummary, InboxFilter, InboxSort, InboxTab};
use std::cmp::Reverse;
use uuid::Uuid;

use self::header::ListHeader;
use self::rows::ConversationList;
use super::use_inbox;
use crate::api::conversations::list_conversations;
use crate::prefs::use_t;

/// Whether a conversation belongs in the list shown for `filter`. `None`
/// when the browser cannot tell (text search): update it if shown, never add.
pub fn matches(filter: &InboxFilter, c: &ConversationSummary, me: Uuid) -> Option<bool> {
    let tab = match filter.tab {
        InboxTab::Mine => c.assignee_id == Some(me),
        InboxTab::Unassigned => c.assignee_id.is_none(),
        InboxTab::All => true,
    };
    let fits = tab
        && filter.status_allows(c)
        && filter
            .department_id
            .is_none_or(|d| c.department_id == Some(d))
        && filter.channel_id.is_none_or(|ch| c.channel_id == ch)
        && filter.tag.as_ref().is_none_or(|tag| c.tags.contains(tag))
        && filter.priority.is_none_or(|p| c.priority == p)
        && filter.contact_id.is_none_or(|id| c.contact_id == id)
        && filter
            .assignee_id
            .is_none_or(|id| c.assignee_id == Some(id))
        && filter
            .sla
            .is_none_or(|sla| shared::sla::passes(sla, c, chrono::Utc::now()));
    match (fits, filter.q.is_some()) {
        (false, _) => Some(false),
        (true, false) => Some(true),
        (true, true) => None,
    }
}

fn sort(list: &mut [ConversationSummary], by: InboxSort) {
    match by {
        InboxSort::LastActivity => list.sort_by_key(|c| Reverse((c.last_activity_at, c.id))),
        InboxSort::Waiting => {
            list.sort_by_key(|c| (c.waiting_since.is_none(), c.waiting_since, c.id))
        }
        InboxSort::SlaDue => list.sort_by_key(|c| {
            let due = shared::sla::next_due(c);
            (due.is_none(), due, c.id)
        }),
    }
}

/// Applies a changed conversation to the shown list.
fn merge(
    list: &mut Vec<ConversationSummary>,
    changed: &ConversationSummary,
    filter: &InboxFilter,
    me: Uuid,
) {
    let position = list.iter().position(|c| c.id == changed.id);
    match (matches(filter, changed, me), position) {
        (Some(true), Some(index)) | (None, Some(index)) => {
            // A search result changed live (a reply, the AI's review) still
            // shows, and opens at, what the search found in it.
            let found = list[index].search_hit.take();
            list[index] = changed.clone();
            if list[index].search_hit.is_none() {
                list[index].search_hit = found;
            }
        }
        (Some(true), None) => list.push(changed.clone()),
        (Some(false), Some(index)) => {
            list.remove(index);
        }
        (Some(false), None) | (None, None) => return,
    }
    sort(list, filter.sort);
}

#[component]
pub fn ListPane() -> impl IntoView {
    let t = use_t();
    let Some(inbox) = use_inbox() else {
        return ().into_any();
    };
    let page = json_resource(move || inbox.filter.get(), list_conversations);
    view! {
        <ListHeader inbox=inbox />
        <Transition fallback=ListSkeleton>
            {move || Suspend::new(async move {
                match page.await {
                    Ok(initial) => view! { <ConversationList initial=initial /> }.into_any(),
                    Err(err) => view! {
                        <p class="p-4 text-sm text-red-700" role="alert">{move || t().error(&err)}</p>
                    }.into_any(),
                }
            })}
        </Transition>
    }
    .into_any()
}

#[component]
fn ListSkeleton() -> impl IntoView {
    view! {
        <ul class="divide-y divide-slate-100 dark:divide-slate-800" aria-hidden="true">
            {(0..8).map(|_| view! {
                <li class="flex animate-pulse gap-3 p-3">
                    <span class="size-10 rounded-full bg-slate-200 dark:bg-slate-800"></span>
                    <span class="flex-1 space-y-2">
                        <span class="block h-3 w-1/2 rounded bg-slate-200 dark:bg-slate-800"></span>
                        <span class="block h-3 w-3/4 rounded bg-slate-100 dark:bg-slate-800"></span>
                    </span>
                </li>
            }).collect_view()}
        </ul>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use shared::inbox::ConversationStatus;

    fn conversation(assignee: Option<Uuid>, status: ConversationStatus) -> ConversationSummary {
        serde_json::from_value(serde_json::json!({
            "id": 1, "number": 1, "status": status, "priority": "normal", "critical": false, "tags": ["vip"],
            "contact_id": 1, "contact_name": "Ana", "channel_id": 1, "channel_name": "Site", "channel_kind": "website",
            "department_id": null, "department_name": null, "assignee_id": assignee, "assignee_name": null,
            "last_message_preview": "", "last_message_kind": null, "last_activity_at": "2026-11-22T10:00:00Z",
            "waiting_since": null, "snoozed_until": null, "created_at": "2026-11-22T10:00:00Z", "first_response_at": null,
            "resolved_at": null, "updated_at": "2026-11-22T10:00:00Z", "incoming_count": 1, "read_count": null
        }))
        .unwrap()
    }

    #[test]
    fn live_updates_follow_the_list_filter() {
        let me = Uuid::from_u128(7);
        let mine = InboxFilter {
            tab: InboxTab::Mine,
            ..Default::default()
        };
        assert_eq!(
            matches(&mine, &conversation(Some(me), ConversationStatus::Open), me),
            Some(true)
        );
        assert_eq!(
            matches(&mine, &conversation(None, ConversationStatus::Open), me),
            Some(false)
        );
        let active = InboxFilter::default();
        assert_eq!(
            matches(
                &active,
                &conversation(None, ConversationStatus::Resolved),
                me
            ),
            Some(false),
            "resolved leaves the default view"
        );
        let searching = InboxFilter {
            q: Some("pedido".into()),
            ..Default::default()
        };
        assert_eq!(
            matches(
                &searching,
                &conversation(None, ConversationStatus::Open),
                me
            ),
            None
        );
        let tagged = InboxFilter {
            tag: Some("vip".into()),
            ..Default::default()
        };
        assert_eq!(
            matches(&tagged, &conversation(None, ConversationStatus::Open), me),
            Some(true)
        );
    }

    #[test]
    fn merging_inserts_updates_and_removes() {
        let me = Uuid::from_u128(7);
        let filter = InboxFilter::default();
        let mut list = vec![];
        let open = conversation(None, ConversationStatus::Open);
        merge(&mut list, &open, &filter, me);
        assert_eq!(list.len(), 1);
        let resolved = conversation(None, ConversationStatus::Resolved);
        merge(&mut list, &resolved, &filter, me);
        assert!(list.is_empty());
    }

    #[test]
    fn a_search_result_changed_live_keeps_what_was_found() {
        let me = Uuid::from_u128(7);
        let searching = InboxFilter {
            q: Some("nota fiscal".into()),
            ..Default::default()
        };
        let mut found = conversation(None, ConversationStatus::Resolved);
        found.search_hit = Some(shared::inbox::SearchHit {
            message_id: 9,
            excerpt: "Vocês emitem nota fiscal?".into(),
        });
        let mut list = vec![found];
        let mut reviewed = conversation(None, ConversationStatus::Resolved);
        reviewed.critical = true;
        merge(&mut list, &reviewed, &searching, me);
        assert!(list[0].critical, "the change shows");
        assert_eq!(list[0].search_hit.as_ref().map(|h| h.message_id), Some(9));
    }
}
