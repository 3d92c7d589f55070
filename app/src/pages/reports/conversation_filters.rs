//! The filters of reports counted from conversations (productivity,
//! categorization, quality): the channel and the interaction category.

use leptos::prelude::*;
use shared::report_words::words;
use shared::reports::ReportKind;
use shared::Locale;

use super::{CARD, LABEL};
use crate::api::categories::get_category_setup;
use crate::api::channels::list_channels;
use crate::components::widgets::INPUT;

#[component]
pub fn ConversationFilters(
    locale: RwSignal<Locale>,
    kind: RwSignal<ReportKind>,
    channel: RwSignal<String>,
    category: RwSignal<String>,
) -> impl IntoView {
    let w = move || words(locale.get());
    let channels = Resource::new(
        || (),
        |_| async { list_channels().await.unwrap_or_default() },
    );
    let categories = Resource::new(
        || (),
        |_| async {
            get_category_setup()
                .await
                .map(|setup| setup.categories)
                .unwrap_or_default()
        },
    );
    let shown = move || kind.get().counts_conversations();
    view! {
        <section class=format!("{CARD} grid gap-3 sm:grid-cols-2 lg:grid-cols-5") class:hidden=move || !shown()
            aria-label=move || format!("{} · {}", w().channels, w().categories)>
            <div>
                <label for="report-channel" class=LABEL>{move || w().channels}</label>
                <Transition>
                    {move || Suspend::new(async move {
                        let chosen = channel.get_untracked();
                        let options = channels.await.into_iter().map(|c| {
                            let id = c.id.to_string();
                            let selected = id == chosen;
                            view! { <option value=id selected=selected>{c.name}</option> }
                        }).collect_view();
                        view! {
                            <select id="report-channel" class=INPUT on:change=move |ev| channel.set(event_target_value(&ev))>
                                <option value="">{move || w().all_channels}</option>
                                {options}
                            </select>
                        }
                    })}
                </Transition>
            </div>
            <div>
                <label for="report-category" class=LABEL>{move || w().categories}</label>
                <Transition>
                    {move || Suspend::new(async move {
                        let chosen = category.get_untracked();
                        let all = categories.await;
                        let options = shared::categories::in_tree_order(&all).into_iter().map(|(depth, c)| {
                            let id = c.id.to_string();
                            let selected = id == chosen;
                            // Indented under its parent; deactivated ones stay
                            // (their history still counts).
                            let name = format!("{}{}", "\u{a0}\u{a0}".repeat(depth), c.name);
                            view! { <option value=id selected=selected>{name}</option> }
                        }).collect_view();
                        view! {
                            <select id="report-category" class=INPUT on:change=move |ev| category.set(event_target_value(&ev))>
                                <option value="">{move || w().all_categories}</option>
                                {options}
                            </select>
                        }
                    })}
                </Transition>
            </div>
        </section>
    }
}
