//! The categorization report's breakdown: every category used in the
//! period, in tree order, with the resolutions that carry it or any
//! category below it (each once) and those that carry it alone.

use leptos::prelude::*;
use shared::report_words::words;
use shared::reports::CategoryCount;
use shared::Locale;

use super::CARD;

#[component]
pub fn CategoryBreakdown(
    categories: Vec<CategoryCount>,
    locale: RwSignal<Locale>,
) -> impl IntoView {
    let w = move || words(locale.get());
    let largest = categories
        .iter()
        .map(|c| c.with_subcategories)
        .max()
        .unwrap_or(0)
        .max(1);
    view! {
        <section class=format!("{CARD} overflow-x-auto") tabindex="0" aria-labelledby="category-breakdown-heading">
            <h2 id="category-breakdown-heading" class="mb-3 text-base font-semibold">{move || w().by_category}</h2>
            <table class="w-full text-sm" id="category-breakdown">
                <thead>
                    <tr class="text-left text-xs uppercase tracking-wide text-slate-500 dark:text-slate-400">
                        <th scope="col" class="px-2 py-2 font-semibold">{move || w().category}</th>
                        <th scope="col" class="px-2 py-2 text-right font-semibold">{move || w().with_subcategories}</th>
                        <th scope="col" class="px-2 py-2 text-right font-semibold">{move || w().this_category_only}</th>
                    </tr>
                </thead>
                <tbody class="divide-y divide-slate-100 dark:divide-slate-800">
                    {categories.into_iter().map(|category| {
                        let share = category.with_subcategories * 100 / largest;
                        let own_name = category.name.rsplit(" › ").next().unwrap_or_default().to_string();
                        view! {
                            <tr data-category=category.id.to_string()>
                                <th scope="row" class="px-2 py-2 text-left font-normal">
                                    <div style=format!("padding-left: {}rem", f32::from(category.depth) * 1.25) title=category.name.clone()>
                                        <span class="block" aria-hidden="true">{own_name}</span>
                                        <span class="sr-only">{category.name.clone()}</span>
                                        <span class="mt-1 block h-1.5 rounded-full bg-blue-700/80" style=format!("width: {share}%") aria-hidden="true"></span>
                                    </div>
                                </th>
                                <td class="px-2 py-2 text-right tabular-nums" data-column="with_subcategories">{category.with_subcategories}</td>
                                <td class="px-2 py-2 text-right tabular-nums" data-column="count">{category.count}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </section>
    }
}
