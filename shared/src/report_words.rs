//! The reports' words in both languages: titles, column headings, presets
//! and the page's labels. Kept apart from the app's main strings because
//! only the reports page (a lazily loaded chunk) and the server's PDF use
//! them, so they never weigh on the first download.

use crate::dashboard::KpiKey;
use crate::reports::{DatePreset, ReportKind};
use crate::Locale;

pub struct ReportWords {
    pub nav: &'static str,
    pub page_title: &'static str,
    pub page_subtitle: &'static str,
    pub report: &'static str,
    pub period: &'static str,
    pub from: &'static str,
    pub to: &'static str,
    pub agents: &'static str,
    pub all_agents: &'static str,
    pub departments: &'static str,
    pub all_departments: &'static str,
    pub agent: &'static str,
    pub totals: &'static str,
    pub days: &'static str,
    pub day: &'static str,
    pub login: &'static str,
    pub logout: &'static str,
    pub still_signed_in: &'static str,
    pub download_csv: &'static str,
    pub download_pdf: &'static str,
    pub exporting: &'static str,
    pub file_ready: &'static str,
    pub download_again: &'static str,
    pub export_failed: &'static str,
    pub export_not_allowed: &'static str,
    pub dismiss: &'static str,
    pub files: &'static str,
    pub no_rows: &'static str,
    pub chart_by_agent: &'static str,
    /// The quality report's second chart: all its reviews per score band.
    pub score_spread: &'static str,
    pub by_category: &'static str,
    pub category: &'static str,
    pub with_subcategories: &'static str,
    pub this_category_only: &'static str,
    pub generated_at: &'static str,
    pub my_figures: &'static str,
    pub day_details: &'static str,
    pub kpis: &'static str,
    pub versus_previous: &'static str,
    pub not_measured_yet: &'static str,
    pub chart_per_day: &'static str,
    pub chart_per_channel: &'static str,
    pub chart_per_department: &'static str,
    pub chart_per_agent: &'static str,
    pub chart_per_hour: &'static str,
    pub chart_resolution_times: &'static str,
    pub chart_categories: &'static str,
    pub chart_quality_scores: &'static str,
    pub chart_heatmap: &'static str,
    pub created: &'static str,
    pub resolved: &'static str,
    pub no_department: &'static str,
    pub no_data: &'static str,
    /// Monday first.
    pub weekdays: [&'static str; 7],
    pub schedules_title: &'static str,
    pub schedules_hint: &'static str,
    pub frequency: &'static str,
    /// Daily, weekly, monthly.
    pub frequencies: [&'static str; 3],
    pub file_format: &'static str,
    pub recipients: &'static str,
    pub recipients_hint: &'static str,
    pub schedule_button: &'static str,
    pub scheduling: &'static str,
    pub no_schedules: &'static str,
    pub next_run: &'static str,
    pub last_run_failed: &'static str,
    pub cancel_schedule: &'static str,
    pub scheduled_by: &'static str,
    pub timeline: &'static str,
    /// After a count: "3 conversas abertas".
    pub open_conversations_of: &'static str,
    pub active_stretch: &'static str,
    /// Idle, hidden tab, away, no signal.
    pub inactive_reasons: [&'static str; 4],
}

pub fn kpi_label(locale: Locale, key: KpiKey) -> &'static str {
    let (pt, en) = match key {
        KpiKey::ConversationsCreated => ("Conversas novas", "New conversations"),
        KpiKey::ConversationsResolved => ("Resolvidas", "Resolved"),
        KpiKey::OpenNow => ("Abertas agora", "Open now"),
        KpiKey::WaitingNow => ("Na fila agora", "In the queue now"),
        KpiKey::FirstResponse => ("Tempo médio de 1ª resposta", "Avg. first response"),
        KpiKey::Handling => ("Tempo médio de atendimento", "Avg. handling time"),
        KpiKey::Resolution => ("Tempo médio de resolução", "Avg. resolution time"),
        KpiKey::FirstContactResolution => ("Resolução no 1º contato", "First-contact resolution"),
        KpiKey::ActiveSession => (
            "Tempo ativo médio por sessão",
            "Avg. active time per session",
        ),
        KpiKey::Csat => ("CSAT médio", "Avg. CSAT"),
        KpiKey::QualityScore => ("Nota de qualidade média (IA)", "Avg. quality score (AI)"),
        KpiKey::Sentiment => ("Sentimento médio (IA)", "Avg. sentiment (AI)"),
        KpiKey::SlaCompliance => ("Cumprimento de SLA", "SLA compliance"),
    };
    match locale {
        Locale::PtBr => pt,
        Locale::En => en,
    }
}

pub fn words(locale: Locale) -> &'static ReportWords {
    match locale {
        Locale::PtBr => &PT_BR,
        Locale::En => &EN,
    }
}

/// A date as the language writes it: 30/11/2026, 2026-11-30.
pub fn format_date(locale: Locale, date: chrono::NaiveDate) -> String {
    match locale {
        Locale::PtBr => date.format("%d/%m/%Y").to_string(),
        Locale::En => date.format("%Y-%m-%d").to_string(),
    }
}

pub fn report_title(locale: Locale, kind: ReportKind) -> &'static str {
    match (locale, kind) {
        (Locale::PtBr, ReportKind::WorkLog) => "Registro de trabalho",
        (Locale::PtBr, ReportKind::Productivity) => "Produtividade",
        (Locale::PtBr, ReportKind::Categorization) => "Categorização",
        (Locale::PtBr, ReportKind::Idle) => "Análise de ociosidade",
        (Locale::PtBr, ReportKind::Quality) => "Qualidade (IA)",
        (Locale::En, ReportKind::WorkLog) => "Work log",
        (Locale::En, ReportKind::Productivity) => "Productivity",
        (Locale::En, ReportKind::Categorization) => "Categorization",
        (Locale::En, ReportKind::Idle) => "Idle analysis",
        (Locale::En, ReportKind::Quality) => "Quality (AI)",
    }
}

pub fn preset_label(locale: Locale, preset: DatePreset) -> &'static str {
    match (locale, preset) {
        (Locale::PtBr, DatePreset::Today) => "Hoje",
        (Locale::PtBr, DatePreset::Yesterday) => "Ontem",
        (Locale::PtBr, DatePreset::Last7Days) => "Últimos 7 dias",
        (Locale::PtBr, DatePreset::Last30Days) => "Últimos 30 dias",
        (Locale::PtBr, DatePreset::ThisMonth) => "Este mês",
        (Locale::PtBr, DatePreset::LastMonth) => "Mês passado",
        (Locale::PtBr, DatePreset::Custom) => "Personalizado",
        (Locale::En, DatePreset::Today) => "Today",
        (Locale::En, DatePreset::Yesterday) => "Yesterday",
        (Locale::En, DatePreset::Last7Days) => "Last 7 days",
        (Locale::En, DatePreset::Last30Days) => "Last 30 days",
        (Locale::En, DatePreset::ThisMonth) => "This month",
        (Locale::En, DatePreset::LastMonth) => "Last month",
        (Locale::En, DatePreset::Custom) => "Custom",
    }
}

/// A column's heading, from its JSON field name.
pub fn column_title(locale: Locale, column: &str) -> &'static str {
    let (pt, en) = match column {
        "days_worked" => ("Dias trabalhados", "Days worked"),
        "sessions" => ("Sessões", "Sessions"),
        "total_seconds" => ("Tempo conectado", "Signed-in time"),
        "active_seconds" => ("Tempo ativo", "Active time"),
        "inactive_seconds" => ("Tempo inativo", "Inactive time"),
        "idle_seconds" => ("Ocioso", "Idle"),
        "interactions" => ("Atendimentos", "Interactions"),
        "chats" => ("Chats", "Chats"),
        "emails" => ("E-mails", "E-mails"),
        "resolved" => ("Resolvidas", "Resolved"),
        "messages" => ("Mensagens", "Messages"),
        "first_response_seconds" => ("Tempo médio de 1ª resposta", "Avg. first response"),
        "handling_seconds" => ("Tempo médio de atendimento", "Avg. handling time"),
        "resolution_seconds" => ("Tempo médio de resolução", "Avg. resolution time"),
        "first_contact_resolution" => ("Resolução no 1º contato", "First-contact resolution"),
        "csat" => ("CSAT", "CSAT"),
        "categorized" => ("Categorizadas", "Categorized"),
        "uncategorized" => ("Sem categoria", "Uncategorized"),
        "categorized_share" => ("% categorizadas", "% categorized"),
        "top_category" => ("Categoria mais usada", "Top category"),
        "session_seconds" => ("Tempo conectado", "Signed-in time"),
        "hidden_seconds" => ("Fora da aba", "Tab hidden"),
        "away_seconds" => ("Ausente", "Away"),
        "heartbeat_lost_seconds" => ("Sem sinal", "No signal"),
        "periods" => ("Períodos", "Periods"),
        "longest_period_seconds" => ("Maior período", "Longest period"),
        "inactive_share" => ("% inativo", "% inactive"),
        "reviewed" => ("Avaliadas pela IA", "Reviewed by the AI"),
        "mean_score" => ("Nota média", "Mean score"),
        "low_scores" => ("Abaixo do limite", "Below threshold"),
        "low_share" => ("% abaixo do limite", "% below threshold"),
        "scores_0_2" => ("Notas 0–2", "Scores 0–2"),
        "scores_2_4" => ("Notas 2–4", "Scores 2–4"),
        "scores_4_6" => ("Notas 4–6", "Scores 4–6"),
        "scores_6_8" => ("Notas 6–8", "Scores 6–8"),
        "scores_8_10" => ("Notas 8–10", "Scores 8–10"),
        _ => ("", ""),
    };
    match locale {
        Locale::PtBr => pt,
        Locale::En => en,
    }
}

static PT_BR: ReportWords = ReportWords {
    nav: "Relatórios",
    page_title: "Relatórios",
    page_subtitle:
        "Trabalho, produtividade, categorias, ociosidade e qualidade por agente, com exportação em CSV e PDF.",
    report: "Relatório",
    period: "Período",
    from: "De",
    to: "Até",
    agents: "Agentes",
    all_agents: "Todos os agentes",
    departments: "Departamentos",
    all_departments: "Todos os departamentos",
    agent: "Agente",
    totals: "Total",
    days: "Dias",
    day: "Dia",
    login: "Entrada",
    logout: "Saída",
    still_signed_in: "conectado",
    download_csv: "Baixar CSV",
    download_pdf: "Baixar PDF",
    exporting: "Gerando o arquivo…",
    file_ready: "Pronto — o download começou",
    download_again: "Baixar de novo",
    export_failed: "Não foi possível gerar o arquivo. Tente de novo.",
    export_not_allowed: "Você não pode mais ver este relatório.",
    dismiss: "Dispensar",
    files: "Arquivos",
    no_rows: "Nenhum agente neste filtro.",
    chart_by_agent: "Por agente",
    score_spread: "Notas da IA por faixa",
    by_category: "Resoluções por categoria",
    category: "Categoria",
    with_subcategories: "Com subcategorias",
    this_category_only: "Só esta categoria",
    generated_at: "Gerado em",
    my_figures: "Meus números",
    day_details: "Ver o dia",
    kpis: "Indicadores",
    versus_previous: "vs. período anterior",
    not_measured_yet: "Ainda sem dados para medir",
    chart_per_day: "Conversas por dia",
    chart_per_channel: "Conversas por canal",
    chart_per_department: "Conversas por departamento",
    chart_per_agent: "Resolvidas por agente",
    chart_per_hour: "Mensagens dos agentes por hora",
    chart_resolution_times: "Tempo até a resolução",
    chart_categories: "Resolvidas por categoria",
    chart_quality_scores: "Notas de qualidade (IA)",
    chart_heatmap: "Conversas novas por dia da semana e hora",
    created: "Novas",
    resolved: "Resolvidas",
    no_department: "Sem departamento",
    no_data: "Nada neste período.",
    weekdays: ["Seg", "Ter", "Qua", "Qui", "Sex", "Sáb", "Dom"],
    schedules_title: "Envios agendados por e-mail",
    schedules_hint: "O relatório e os filtros escolhidos acima, enviados às 7h: todo dia (o dia anterior), às segundas (a semana anterior) ou no dia 1º (o mês anterior), pelo SMTP da conta.",
    frequency: "Frequência",
    frequencies: ["Diário", "Semanal", "Mensal"],
    file_format: "Arquivo",
    recipients: "Destinatários",
    recipients_hint: "Até 20 e-mails, separados por vírgula.",
    schedule_button: "Agendar envio",
    scheduling: "Agendando…",
    no_schedules: "Nenhum envio agendado.",
    next_run: "Próximo envio",
    last_run_failed: "O último envio falhou",
    cancel_schedule: "Cancelar envio",
    scheduled_by: "Agendado por",
    timeline: "Linha do tempo",
    open_conversations_of: "conversas abertas",
    active_stretch: "Ativo",
    inactive_reasons: ["Ocioso", "Aba oculta", "Ausente", "Sem sinal"],
};

static EN: ReportWords = ReportWords {
    nav: "Reports",
    page_title: "Reports",
    page_subtitle:
        "Work, productivity, categories, idleness and quality per agent, exported as CSV and PDF.",
    report: "Report",
    period: "Period",
    from: "From",
    to: "To",
    agents: "Agents",
    all_agents: "All agents",
    departments: "Departments",
    all_departments: "All departments",
    agent: "Agent",
    totals: "Total",
    days: "Days",
    day: "Day",
    login: "Sign-in",
    logout: "Sign-out",
    still_signed_in: "signed in",
    download_csv: "Download CSV",
    download_pdf: "Download PDF",
    exporting: "Preparing the file…",
    file_ready: "Ready — the download has started",
    download_again: "Download again",
    export_failed: "The file could not be built. Please try again.",
    export_not_allowed: "You may no longer see this report.",
    dismiss: "Dismiss",
    files: "Files",
    no_rows: "No agent matches these filters.",
    chart_by_agent: "By agent",
    score_spread: "AI scores by band",
    by_category: "Resolutions by category",
    category: "Category",
    with_subcategories: "With subcategories",
    this_category_only: "This category only",
    generated_at: "Generated",
    my_figures: "My figures",
    day_details: "See the day",
    kpis: "Key figures",
    versus_previous: "vs. previous period",
    not_measured_yet: "Nothing to measure yet",
    chart_per_day: "Conversations per day",
    chart_per_channel: "Conversations per channel",
    chart_per_department: "Conversations per department",
    chart_per_agent: "Resolved per agent",
    chart_per_hour: "Agents' messages per hour",
    chart_resolution_times: "Time to resolution",
    chart_categories: "Resolved per category",
    chart_quality_scores: "Quality scores (AI)",
    chart_heatmap: "New conversations by weekday and hour",
    created: "New",
    resolved: "Resolved",
    no_department: "No department",
    no_data: "Nothing in this period.",
    weekdays: ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"],
    schedules_title: "Scheduled e-mails",
    schedules_hint: "The report and filters chosen above, sent at 7 am: every day (the day before), on Mondays (the week before) or on the 1st (the month before), through the account's SMTP.",
    frequency: "Frequency",
    frequencies: ["Daily", "Weekly", "Monthly"],
    file_format: "File",
    recipients: "Recipients",
    recipients_hint: "Up to 20 e-mails, separated by commas.",
    schedule_button: "Schedule",
    scheduling: "Scheduling…",
    no_schedules: "No scheduled e-mails.",
    next_run: "Next e-mail",
    last_run_failed: "The last e-mail failed",
    cancel_schedule: "Cancel e-mail",
    scheduled_by: "Scheduled by",
    timeline: "Timeline",
    open_conversations_of: "open conversations",
    active_stretch: "Active",
    inactive_reasons: ["Idle", "Hidden tab", "Away", "No signal"],
};

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reports::{CategorizationFigures, IdleFigures, ProductivityFigures, WorkLogFigures};

    #[test]
    fn every_column_has_a_title_in_both_languages() {
        let columns = [
            WorkLogFigures::COLUMNS,
            ProductivityFigures::COLUMNS,
            CategorizationFigures::COLUMNS,
            IdleFigures::COLUMNS,
        ];
        for column in columns.concat() {
            for locale in Locale::ALL {
                assert!(!column_title(locale, column).is_empty(), "{column}");
            }
        }
    }
}
