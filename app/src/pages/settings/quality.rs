//! Settings → Productivity → "Qualidade (IA)": the threshold under which the
//! AI's quality score of a resolution alerts the managers (admins and
//! supervisors), and whether customers are sent the satisfaction survey
//! (admins). Its words live in this lazy chunk.

use crate::json::json_resource;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;
use shared::{AppError, Locale};

use crate::api::activity::{
    get_quality_threshold, get_satisfaction_survey, SaveQualityThreshold, SaveSatisfactionSurvey,
};
use crate::components::form::{field_error, form_error, ErrorBanner, Field, SubmitButton};
use crate::prefs::{use_prefs, use_t};

use super::*;

struct Words {
    title: &'static str,
    hint: &'static str,
    label: &'static str,
    field_hint: &'static str,
    saved: &'static str,
    survey_title: &'static str,
    survey_hint: &'static str,
    survey_label: &'static str,
    survey_saved: &'static str,
}

const EN: Words = Words {
    title: "Quality (AI)",
    hint: "When a conversation is resolved, the AI gives it a quality score from 0 to 10 with a justification. Under this threshold the conversation is marked critical and the managers who see it get an e-mail and an alert.",
    label: "Quality score threshold",
    field_hint: "0 to 10, one decimal (default 7).",
    saved: "Threshold saved.",
    survey_title: "Satisfaction survey (CSAT)",
    survey_hint: "When a conversation is resolved, the customer is asked on their channel for a rating from 0 to 10 (buttons where the channel has them), then for an optional comment. Ratings show on the conversation, the dashboard and the reports. Supervisors and admins may resolve without it.",
    survey_label: "Send customers the satisfaction survey on resolution",
    survey_saved: "Survey setting saved.",
};

const PT_BR: Words = Words {
    title: "Qualidade (IA)",
    hint: "Quando uma conversa é resolvida, a IA dá uma nota de qualidade de 0 a 10 com justificativa. Abaixo deste limite, a conversa é marcada como crítica e os gestores que a veem recebem e-mail e alerta.",
    label: "Limite da nota de qualidade",
    field_hint: "De 0 a 10, uma casa decimal (padrão 7).",
    saved: "Limite salvo.",
    survey_title: "Pesquisa de satisfação (CSAT)",
    survey_hint: "Quando uma conversa é resolvida, o cliente recebe no seu canal um pedido de nota de 0 a 10 (com botões onde o canal permite) e depois um comentário opcional. As notas aparecem na conversa, no painel e nos relatórios. Supervisores e administradores podem resolver sem ela.",
    survey_label: "Enviar a pesquisa de satisfação ao resolver",
    survey_saved: "Pesquisa salva.",
};

fn words(locale: Locale) -> &'static Words {
    match locale {
        Locale::PtBr => &PT_BR,
        Locale::En => &EN,
    }
}

fn decimal(value: f32, locale: Locale) -> String {
    let text = format!("{value:.1}");
    match locale {
        Locale::PtBr => text.replace('.', ","),
        Locale::En => text,
    }
}

#[component]
pub fn QualityThresholdForm() -> impl IntoView {
    let t = use_t();
    let prefs = use_prefs();
    let w = move || words(prefs.locale.get());
    let action = ServerAction::<SaveQualityThreshold>::new();
    let current = json_resource(|| (), |_| get_quality_threshold());
    let error = form_error(action);
    let query = use_query_map();
    let saved = move || {
        let ok_now = matches!(action.value().get(), Some(Ok(_)));
        let ok_before =
            action.value().get().is_none() && query.read().get("quality_saved").is_some();
        ok_now || ok_before
    };
    refocus_on_error(action);
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                current.await.ok().map(|threshold| view! {
                    <ActionForm action=action attr:id="quality-form">
                        <div class=format!("{CARD} space-y-3")>
                            <h2 class="text-base font-semibold">{move || w().title}</h2>
                            <p class="text-sm text-slate-600 dark:text-slate-300">{move || w().hint}</p>
                            <Field name="quality_threshold" label=Signal::derive(move || w().label)
                                value=decimal(threshold, prefs.locale.get_untracked()) required=true
                                hint=Signal::derive(move || w().field_hint)
                                error=field_error(error, "quality_threshold") />
                            <ErrorBanner error=Signal::derive(move || error.get().filter(|e| !matches!(e, AppError::Validation { .. }))) />
                            {move || saved().then(|| view! {
                                <p role="status" class="text-sm text-green-700 dark:text-green-300">{w().saved}</p>
                            })}
                            <SubmitButton label=Signal::derive(move || t().save) busy_label=Signal::derive(move || t().saving) pending=action.pending() />
                        </div>
                    </ActionForm>
                })
            })}
        </Transition>
    }
}

/// The satisfaction survey switch (admins).
#[component]
pub fn SatisfactionSurveyForm() -> impl IntoView {
    let t = use_t();
    let prefs = use_prefs();
    let w = move || words(prefs.locale.get());
    let action = ServerAction::<SaveSatisfactionSurvey>::new();
    let current = json_resource(|| (), |_| get_satisfaction_survey());
    let error = form_error(action);
    let query = use_query_map();
    let saved = move || {
        let ok_now = matches!(action.value().get(), Some(Ok(_)));
        let ok_before =
            action.value().get().is_none() && query.read().get("survey_saved").is_some();
        ok_now || ok_before
    };
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                current.await.ok().map(|on| view! {
                    <ActionForm action=action attr:id="survey-form">
                        <div class=format!("{CARD} space-y-3")>
                            <h2 class="text-base font-semibold">{move || w().survey_title}</h2>
                            <p class="text-sm text-slate-600 dark:text-slate-300">{move || w().survey_hint}</p>
                            <label class="flex items-center gap-2 text-sm">
                                <input type="checkbox" name="satisfaction_survey" value="true" id="field-satisfaction_survey" checked=on />
                                {move || w().survey_label}
                            </label>
                            <ErrorBanner error=error />
                            {move || saved().then(|| view! {
                                <p role="status" class="text-sm text-green-700 dark:text-green-300">{w().survey_saved}</p>
                            })}
                            <SubmitButton label=Signal::derive(move || t().save) busy_label=Signal::derive(move || t().saving) pending=action.pending() />
                        </div>
                    </ActionForm>
                })
            })}
        </Transition>
    }
}
