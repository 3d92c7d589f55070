//! The filters of reports counted from conversations (productivity,
//! categorization, quality): channels and interaction categories.

use crate::json::json_resource;
use leptos::prelude::*;
use shared::report_words::words;
use shared::reports::ReportKind;
use shared::Locale;

use super::multi_pick::MultiPick;
use super::CARD;
use crate::api::categories::get_category_setup;
use crate::api::channels::list_channels;

#[component]
pub fn ConversationFilters(
    locale: RwSignal<Locale>,
    kind: RwSignal<ReportKind>,
    channels: RwSignal<Vec<String>>,
    categories: RwSignal<Vec<String>>,
) -> impl IntoView {
    let w = move || words(locale.get());
    let channel_list = json_resource(
        || (),
        |_| async { list_channels().await.unwrap_or_default() },
    );
    let category_list = json_resource(
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
            <Transition>
                {move || Suspend::new(async move {
                    let options = channel_list.await.into_iter().map(|c| (c.id.to_string(), c.name)).collect();
                    view! { <MultiPick id="report-channels" label=Signal::derive(move || w().channels) all_label=Signal::derive(move || w().all_channels) options=options chosen=channels /> }
                })}
            </Transition>
            <Transition>
                {move || Suspend::new(async move {
                    let all = category_list.await;
                    // Indented under their parents; deactivated ones stay
                    // (their history still counts).
                    let options = shared::categories::in_tree_order(&all)
                        .into_iter()
                        .map(|(depth, c)| (c.id.to_string(), format!("{}{}", "  ".repeat(depth), c.name)))
                        .collect();
                    view! { <MultiPick id="report-categories" label=Signal::derive(move || w().categories) all_label=Signal::derive(move || w().all_categories) options=options chosen=categories /> }
                })}
            </Transition>
        </section>
    }
}
