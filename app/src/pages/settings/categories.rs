//! Settings → Categories: the account's interaction categories as a tree
//! (add under a parent, rename, describe, move, deactivate), and whether
//! resolving a conversation needs one.

use crate::json::json_resource;
use leptos::prelude::*;
use shared::categories::{in_tree_order, path, Category, CategorySetup};
use shared::inbox::ChannelKind;
use shared::Permission;

use crate::api::categories::{get_category_setup, set_category_requirement, SaveCategory};
use crate::components::form::{
    field_error, form_error, reset_on_success, ErrorBanner, Field, SelectField, SubmitButton,
};
use crate::components::layout::{use_session, PageHeader};
use crate::prefs::use_t;

use super::*;

#[component]
pub fn CategoriesPage() -> impl IntoView {
    let t = use_t();
    let session = use_session();
    if !session.can(Permission::ManageCategories) {
        return view! { <Forbidden /> }.into_any();
    }
    let save = ServerAction::<SaveCategory>::new();
    let requirement_saved = RwSignal::new(0u32);
    let setup = json_resource(
        move || (save.version().get(), requirement_saved.get()),
        |_| get_category_setup(),
    );
    let editing = RwSignal::new(None::<Category>);
    Effect::new(move |_| {
        if let Some(Ok(_)) = save.value().get() {
            editing.set(None);
        }
    });

    view! {
        <PageHeader title=Signal::derive(move || t().categories_title) subtitle=Signal::derive(move || t().categories_subtitle) />
        <div class="max-w-3xl space-y-6 p-4 sm:p-6">
            <Transition fallback=move || view! { <p class="text-sm text-slate-500 dark:text-slate-400">{move || t().loading}</p> }>
                {move || Suspend::new(async move {
                    match setup.await {
                        Ok(setup) => {
                            let categories = setup.categories.clone();
                            view! {
                            <CategoryTree setup=setup.clone() editing=editing save=save />
                            {move || {
                                let current = editing.get();
                                view! { <CategoryForm categories=categories.clone() current=current save=save editing=editing /> }
                            }}
                            <Requirement setup=setup.clone() saved=requirement_saved />
                        }.into_any()
                        }
                        Err(err) => view! { <ErrorBanner error=Signal::derive(move || Some(err.clone())) /> }.into_any(),
                    }
                })}
            </Transition>
        </div>
    }
    .into_any()
}

#[component]
fn CategoryTree(
    setup: CategorySetup,
    editing: RwSignal<Option<Category>>,
    save: ServerAction<SaveCategory>,
) -> impl IntoView {
    let t = use_t();
    let rows: Vec<(usize, Category)> = in_tree_order(&setup.categories)
        .into_iter()
        .map(|(depth, c)| (depth, c.clone()))
        .collect();
    view! {
        <section class=CARD aria-labelledby="categories-heading">
            <h2 id="categories-heading" class="mb-3 text-base font-semibold">{move || t().categories_title}</h2>
            {if rows.is_empty() {
                view! { <p class="text-sm text-slate-500 dark:text-slate-400" id="categories-empty">{move || t().categories_empty}</p> }.into_any()
            } else {
                view! {
                    <ul class="divide-y divide-slate-100 dark:divide-slate-800" id="category-tree">
                        {rows.into_iter().map(|(depth, category)| {
                            let for_edit = category.clone();
                            let toggled = category.clone();
                            let active = category.active;
                            view! {
                                <li class="flex items-center gap-2 py-2" style=format!("padding-left: {}rem", depth as f32 * 1.5)
                                    data-category=category.name.clone() data-active=active.to_string()>
                                    <div class="min-w-0 flex-1">
                                        <p class=if active { "font-medium" } else { "font-medium text-slate-400 line-through" }>{category.name.clone()}</p>
                                        <p class="truncate text-xs text-slate-500 dark:text-slate-400">{category.description.clone()}</p>
                                    </div>
                                    <button type="button" class=SMALL_BUTTON on:click=move |_| editing.set(Some(for_edit.clone()))>{move || t().edit}</button>
                                    <button type="button" class=SMALL_BUTTON data-toggle-active=""
                                        on:click=move |_| {
                                            let c = toggled.clone();
                                            save.dispatch(SaveCategory {
                                                id: Some(c.id),
                                                name: c.name,
                                                description: c.description,
                                                parent_id: c.parent_id.map(|p| p.to_string()).unwrap_or_default(),
                                                inactive: c.active.then(|| "true".to_string()),
                                            });
                                        }>
                                        {move || if active { t().deactivate } else { t().reactivate }}
                                    </button>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
    }
}

/// Adds a category, or edits `current`.
#[component]
fn CategoryForm(
    categories: Vec<Category>,
    current: Option<Category>,
    save: ServerAction<SaveCategory>,
    editing: RwSignal<Option<Category>>,
) -> impl IntoView {
    let t = use_t();
    let error = form_error(save);
    let is_edit = current.is_some();
    let parents: Vec<(String, String)> =
        std::iter::once((String::new(), t().category_top_level.to_string()))
            .chain(
                in_tree_order(&categories)
                    .into_iter()
                    .filter(|(_, c)| c.active && current.as_ref().is_none_or(|me| me.id != c.id))
                    .map(|(_, c)| (c.id.to_string(), path(&categories, c.id))),
            )
            .collect();
    let selected_parent = current
        .as_ref()
        .and_then(|c| c.parent_id)
        .map(|p| p.to_string())
        .unwrap_or_default();
    let name = current.as_ref().map(|c| c.name.clone()).unwrap_or_default();
    let description = current
        .as_ref()
        .map(|c| c.description.clone())
        .unwrap_or_default();
    let id = current.as_ref().map(|c| c.id.to_string());
    let inactive = current.as_ref().is_some_and(|c| !c.active);
    view! {
        <section class=CARD aria-labelledby="category-form-heading">
            <h2 id="category-form-heading" class="mb-3 text-base font-semibold">
                {move || if is_edit { t().category_edit } else { t().category_add }}
            </h2>
            <ActionForm action=save node_ref=reset_on_success(save) attr:id="category-form">
                {id.map(|id| view! { <input type="hidden" name="id" value=id /> })}
                {inactive.then(|| view! { <input type="hidden" name="inactive" value="true" /> })}
                <div class="grid gap-3 sm:grid-cols-2">
                    <Field name="name" label=Signal::derive(move || t().name) value=name required=true error=field_error(error, "name") />
                    <SelectField name="parent_id" label=Signal::derive(move || t().category_parent)
                        options=Signal::derive(move || parents.clone()) selected=selected_parent error=field_error(error, "parent_id") />
                </div>
                <Field name="description" label=Signal::derive(move || t().description) value=description error=field_error(error, "description") />
                <div class="mt-2 flex items-center gap-2">
                    <SubmitButton label=Signal::derive(move || t().save) busy_label=Signal::derive(move || t().saving) pending=save.pending() />
                    {is_edit.then(|| view! {
                        <button type="button" class=SMALL_BUTTON on:click=move |_| editing.set(None)>{move || t().cancel}</button>
                    })}
                </div>
                <div class="mt-3"><ErrorBanner error=Signal::derive(move || error.get().filter(|e| !matches!(e, shared::AppError::Validation { .. }))) /></div>
            </ActionForm>
        </section>
    }
}

/// Whether resolving needs a category: always, or on some kinds of channel.
#[component]
fn Requirement(setup: CategorySetup, saved: RwSignal<u32>) -> impl IntoView {
    let t = use_t();
    let required = RwSignal::new(setup.required);
    let kinds = RwSignal::new(setup.required_channel_kinds.clone());
    let result = RwSignal::new(None::<Result<(), shared::AppError>>);
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let (r, k) = (required.get_untracked(), kinds.get_untracked());
        leptos::task::spawn_local(async move {
            let outcome = set_category_requirement(r, k).await.map(|_| ());
            let ok = outcome.is_ok();
            result.set(Some(outcome));
            if ok {
                saved.update(|n| *n += 1);
            }
        });
    };
    view! {
        <section class=CARD aria-labelledby="requirement-heading">
            <h2 id="requirement-heading" class="mb-3 text-base font-semibold">{move || t().category_requirement}</h2>
            <form on:submit=submit class="space-y-2" id="category-requirement">
                <label class="flex items-center gap-2 text-sm">
                    <input type="checkbox" id="categories-required" prop:checked=move || required.get()
                        on:change=move |ev| required.set(event_target_checked(&ev)) />
                    {move || t().category_required_always}
                </label>
                <p class="text-sm text-slate-600 dark:text-slate-300">{move || t().category_required_on}</p>
                <div class="flex flex-wrap gap-3">
                    {ChannelKind::ALL.iter().map(|kind| {
                        let value = kind.as_str().to_string();
                        let for_change = value.clone();
                        view! {
                            <label class="flex items-center gap-1.5 text-sm">
                                <input type="checkbox" data-kind=value.clone()
                                    prop:checked=move || kinds.with(|k| k.contains(&value))
                                    on:change=move |ev| {
                                        let on = event_target_checked(&ev);
                                        let kind = for_change.clone();
                                        kinds.update(|k| {
                                            k.retain(|x| *x != kind);
                                            if on { k.push(kind) }
                                        });
                                    } />
                                {crate::pages::connections::kind_name(*kind)}
                            </label>
                        }
                    }).collect_view()}
                </div>
                <button type="submit" class=SMALL_BUTTON>{move || t().save}</button>
                {move || result.get().map(|r| match r {
                    Ok(()) => view! { <p class="text-sm text-emerald-700 dark:text-emerald-400" role="status">{t().saved}</p> }.into_any(),
                    Err(err) => view! { <ErrorBanner error=Signal::derive(move || Some(err.clone())) /> }.into_any(),
                })}
            </form>
        </section>
    }
}
