//! The rule's condition groups: each condition's kind, its operator and
//! value, groups joined by AND/OR.

mod condition;

use leptos::prelude::*;
use shared::flows::{FlowChoices, Match};
use shared::rules::{ConditionGroup, RuleForm};
use shared::{AppError, Locale};

use super::super::strings::{self, RuleWords};
use super::super::{use_words, SMALL};
use super::{select, ROW};
use crate::prefs::use_t;
use condition::{condition_editor, new_condition};

#[component]
pub(super) fn Conditions(
    form: RwSignal<RuleForm>,
    error: RwSignal<Option<AppError>>,
    choices: StoredValue<FlowChoices>,
) -> impl IntoView {
    let (w, locale) = use_words();
    let groups = Memo::new(move |_| form.with(|f| f.conditions.groups.clone()));
    let joined = Memo::new(move |_| form.with(|f| f.conditions.r#match));
    let t = use_t();
    let problem = move || {
        error
            .get()
            .and_then(|e| e.field_code("conditions"))
            .map(|code| t().code(code))
    };
    let matches = move || {
        [Match::All, Match::Any]
            .iter()
            .map(|m| {
                (
                    match_value(*m).to_string(),
                    strings::match_name(*m, locale()).to_string(),
                )
            })
            .collect::<Vec<_>>()
    };
    view! {
        <fieldset class="space-y-3">
            <legend class="text-sm font-semibold uppercase tracking-wide text-slate-500 dark:text-slate-400">{move || w().conditions}</legend>
            <Show when=move || groups.with(Vec::is_empty)>
                <p class="text-sm text-slate-500 dark:text-slate-400">{move || w().conditions_hint}</p>
            </Show>
            <Show when=move || { groups.with(Vec::len) > 1 }>
                <div class="flex flex-wrap items-center gap-2 text-sm">
                    <span>{move || w().groups_join}</span>
                    {move || select("rule-groups-match", w().groups_join.to_string(), matches(), match_value(joined.get()).to_string(),
                        move |value| form.update(|f| f.conditions.r#match = parse_match(&value)))}
                </div>
            </Show>
            {move || groups.get().into_iter().enumerate().map(|(g, group)| {
                group_editor(g, group, form, error, choices, w(), locale())
            }).collect_view()}
            <p class="text-xs text-red-700 dark:text-red-400" role="alert">{problem}</p>
            <button type="button" id="add-condition-group" class=SMALL on:click=move |_| form.update(|f| f.conditions.groups.push(ConditionGroup {
                r#match: Match::All,
                conditions: vec![new_condition("message_text")],
            }))>{move || w().add_group}</button>
        </fieldset>
    }
}

fn match_value(m: Match) -> &'static str {
    match m {
        Match::All => "all",
        Match::Any => "any",
    }
}

fn parse_match(value: &str) -> Match {
    if value == "any" {
        Match::Any
    } else {
        Match::All
    }
}

fn group_editor(
    g: usize,
    group: ConditionGroup,
    form: RwSignal<RuleForm>,
    error: RwSignal<Option<AppError>>,
    choices: StoredValue<FlowChoices>,
    w: &'static RuleWords,
    locale: Locale,
) -> AnyView {
    let matches: Vec<(String, String)> = [Match::All, Match::Any]
        .iter()
        .map(|m| {
            (
                match_value(*m).to_string(),
                strings::match_name(*m, locale).to_string(),
            )
        })
        .collect();
    let t = use_t();
    let key = format!("conditions.{g}");
    let problem = move || {
        error
            .get()
            .and_then(|e| e.field_code(&key))
            .map(|code| t().code(code))
    };
    view! {
        <div class=format!("{ROW} condition-group")>
            <div class="flex flex-wrap items-center gap-2 text-sm">
                <span>{w.group_match}</span>
                {select("rule-group-match", w.group_match.to_string(), matches, match_value(group.r#match).to_string(),
                    move |value| form.update(|f| if let Some(group) = f.conditions.groups.get_mut(g) { group.r#match = parse_match(&value) }))}
                <button type="button" class=format!("{SMALL} ml-auto") on:click=move |_| {
                    error.set(None);
                    form.update(|f| if g < f.conditions.groups.len() { f.conditions.groups.remove(g); });
                }>{w.remove_item}</button>
            </div>
            {group.conditions.into_iter().enumerate().map(|(c, condition)| {
                condition_editor(g, c, condition, form, error, choices, w, locale)
            }).collect_view()}
            <button type="button" class=format!("{SMALL} add-condition") on:click=move |_| form.update(|f| {
                if let Some(group) = f.conditions.groups.get_mut(g) { group.conditions.push(new_condition("message_text")) }
            })>{w.add_condition}</button>
            <p class="text-xs text-red-700 dark:text-red-400" role="alert">{problem}</p>
        </div>
    }
    .into_any()
}
