//! `/` quick replies and `@` mentions (in notes): what is being typed, the
//! options that match it, applying a choice, and the two popup lists.

use leptos::prelude::*;
use shared::inbox::{render_template, AgentOption, QuickReply};
use uuid::Uuid;

use crate::pages::inbox::conversation::OpenConversation;
use crate::pages::inbox::{focus, Inbox};

/// The `/query` being typed, if the composer holds a quick-reply command.
pub fn quick_reply_query(text: &str) -> Option<&str> {
    let rest = text.strip_prefix('/')?;
    (!rest.contains(char::is_whitespace)).then_some(rest)
}

/// The `@query` at the end of the text, if one is being typed.
pub fn mention_query(text: &str) -> Option<&str> {
    let at = text.rfind('@')?;
    let before_ok = at == 0 || text[..at].ends_with(char::is_whitespace);
    let query = &text[at + 1..];
    (before_ok && !query.contains(char::is_whitespace) && query.chars().count() <= 30)
        .then_some(query)
}

fn folded(text: &str) -> String {
    shared::text::fold(text)
}

/// The options for the composer's text and what choosing one does.
#[derive(Clone, Copy)]
pub(super) struct Suggestions {
    quick_replies: Memo<Vec<QuickReply>>,
    mention_options: Memo<Vec<AgentOption>>,
    open: OpenConversation,
    text: RwSignal<String>,
    mentions: RwSignal<Vec<(Uuid, String)>>,
    highlighted: RwSignal<usize>,
    agent_name: StoredValue<String>,
}

impl Suggestions {
    pub(super) fn new(
        open: OpenConversation,
        inbox: Inbox,
        text: RwSignal<String>,
        note: RwSignal<bool>,
        mentions: RwSignal<Vec<(Uuid, String)>>,
        highlighted: RwSignal<usize>,
        agent_name: String,
    ) -> Self {
        let quick_replies = Memo::new(move |_| -> Vec<QuickReply> {
            let value = text.get();
            let Some(query) = quick_reply_query(&value).map(folded) else {
                return vec![];
            };
            inbox
                .context
                .get()
                .and_then(Result::ok)
                .map(|c| c.quick_replies)
                .unwrap_or_default()
                .into_iter()
                .filter(|q| {
                    folded(&q.shortcut).starts_with(&query) || folded(&q.content).contains(&query)
                })
                .take(8)
                .collect()
        });
        let mention_options = Memo::new(move |_| -> Vec<AgentOption> {
            if !note.get() {
                return vec![];
            }
            let value = text.get();
            let Some(query) = mention_query(&value).map(folded) else {
                return vec![];
            };
            inbox
                .context
                .get()
                .and_then(Result::ok)
                .map(|c| c.agents)
                .unwrap_or_default()
                .into_iter()
                .filter(|a| {
                    folded(&a.name)
                        .split_whitespace()
                        .any(|word| word.starts_with(&query))
                        || folded(&a.name).starts_with(&query)
                })
                .take(6)
                .collect()
        });
        Self {
            quick_replies,
            mention_options,
            open,
            text,
            mentions,
            highlighted,
            agent_name: StoredValue::new(agent_name),
        }
    }

    /// How many options the open list shows (0 when none is open).
    pub(super) fn count_untracked(&self) -> usize {
        self.quick_replies
            .get_untracked()
            .len()
            .max(self.mention_options.get_untracked().len())
    }

    /// Applies the option at `index` of whichever list is open.
    pub(super) fn choose(&self, index: usize) {
        if let Some(reply) = self.quick_replies.get_untracked().get(index).cloned() {
            self.apply_quick_reply(reply);
        } else if let Some(agent) = self.mention_options.get_untracked().get(index).cloned() {
            self.apply_mention(agent);
        }
    }

    /// The quick reply as it will be sent here: variables filled in, the
    /// unknown ones gone.
    fn rendered(&self, reply: &QuickReply) -> String {
        let summary = self.open.summary.get_untracked();
        let number_text = summary.number.to_string();
        let me = self.agent_name.get_value();
        let vars = [
            ("contact.name", summary.contact_name.as_str()),
            ("agent.name", me.as_str()),
            ("conversation.number", number_text.as_str()),
        ];
        render_template(&reply.content, &vars)
    }

    fn apply_quick_reply(&self, reply: QuickReply) {
        self.text.set(self.rendered(&reply));
        self.highlighted.set(0);
        focus("#composer-input");
    }

    fn apply_mention(&self, agent: AgentOption) {
        self.text.update(|value| {
            if let Some(at) = value.rfind('@') {
                value.truncate(at);
                value.push_str(&format!("@{} ", agent.name));
            }
        });
        self.mentions.update(|list| {
            if !list.iter().any(|(id, _)| *id == agent.user_id) {
                list.push((agent.user_id, agent.name.clone()));
            }
        });
        self.highlighted.set(0);
        focus("#composer-input");
    }
}

/// The quick replies matching the `/command`, above the input.
#[component]
pub(super) fn QuickReplyList(suggestions: Suggestions) -> impl IntoView {
    let Suggestions {
        quick_replies,
        highlighted,
        ..
    } = suggestions;
    view! {
        <Show when=move || !quick_replies.with(Vec::is_empty)>
            <ul class="absolute bottom-full left-2 right-2 z-20 mb-1 max-h-64 overflow-y-auto rounded-xl border border-slate-200 bg-white p-1 shadow-lg dark:border-slate-700 dark:bg-slate-900" role="listbox" id="quick-replies">
                {move || quick_replies.get().into_iter().enumerate().map(|(index, reply)| {
                    let chosen = reply.clone();
                    view! {
                        <li role="option" aria-selected=move || (highlighted.get() == index).to_string()
                            class=move || format!("cursor-pointer rounded-lg px-3 py-2 text-sm {}", if highlighted.get() == index { "bg-blue-50 dark:bg-blue-950" } else { "" })
                            on:mousedown=move |ev| { ev.prevent_default(); suggestions.apply_quick_reply(chosen.clone()) }>
                            <span class="font-mono text-xs text-blue-700 dark:text-blue-300">"/" {reply.shortcut.clone()}</span>
                            <p class="truncate text-slate-700 dark:text-slate-300">{suggestions.rendered(&reply)}</p>
                        </li>
                    }
                }).collect_view()}
            </ul>
        </Show>
    }
}

/// The agents matching the `@name`, above the input.
#[component]
pub(super) fn MentionList(suggestions: Suggestions) -> impl IntoView {
    let Suggestions {
        mention_options,
        highlighted,
        ..
    } = suggestions;
    view! {
        <Show when=move || !mention_options.with(Vec::is_empty)>
            <ul class="absolute bottom-full left-2 z-20 mb-1 w-64 rounded-xl border border-slate-200 bg-white p-1 shadow-lg dark:border-slate-700 dark:bg-slate-900" role="listbox" id="mention-options">
                {move || mention_options.get().into_iter().enumerate().map(|(index, agent)| {
                    let chosen = agent.clone();
                    view! {
                        <li role="option" aria-selected=move || (highlighted.get() == index).to_string()
                            class=move || format!("flex cursor-pointer items-center gap-2 rounded-lg px-3 py-2 text-sm {}", if highlighted.get() == index { "bg-amber-50 dark:bg-amber-950" } else { "" })
                            on:mousedown=move |ev| { ev.prevent_default(); suggestions.apply_mention(chosen.clone()) }>
                            <span class=if agent.online { "size-2 rounded-full bg-emerald-500" } else { "size-2 rounded-full bg-slate-400" }></span>
                            {agent.name.clone()}
                        </li>
                    }
                }).collect_view()}
            </ul>
        </Show>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quick_reply_commands_are_a_leading_slash_word() {
        assert_eq!(quick_reply_query("/ola"), Some("ola"));
        assert_eq!(quick_reply_query("/"), Some(""));
        assert_eq!(quick_reply_query("/ola mundo"), None);
        assert_eq!(quick_reply_query("oi /ola"), None);
    }

    #[test]
    fn mentions_are_an_at_word_at_the_end() {
        assert_eq!(mention_query("fala com @ali"), Some("ali"));
        assert_eq!(mention_query("@"), Some(""));
        assert_eq!(mention_query("email@empresa"), None, "not after a letter");
        assert_eq!(mention_query("@alice já viu"), None);
    }

    #[test]
    fn search_ignores_accents_and_case() {
        assert_eq!(folded("Sérgio ÇÃO"), "sergio cao");
    }
}
