//! The rules area's words, in this lazy chunk only.

use shared::flows::{Match, Operator};
use shared::inbox::{ChannelKind, ConversationStatus, Feeling, Priority};
use shared::rules::{RuleEvent, RunOutcome};
use shared::Locale;

pub struct RuleWords {
    pub title: &'static str,
    pub subtitle: &'static str,
    pub new_rule: &'static str,
    pub empty: &'static str,
    pub enabled: &'static str,
    pub disabled: &'static str,
    pub switched_off: &'static str,
    pub move_up: &'static str,
    pub move_down: &'static str,
    pub edit: &'static str,
    pub log: &'static str,
    pub remove: &'static str,
    #[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
    pub confirm_remove: &'static str,
    pub runs_7_days: &'static str,
    pub never_ran: &'static str,
    pub name: &'static str,
    pub when: &'static str,
    pub after: &'static str,
    pub minutes: &'static str,
    pub hours: &'static str,
    pub keywords: &'static str,
    pub keywords_hint: &'static str,
    pub conditions: &'static str,
    pub conditions_hint: &'static str,
    pub groups_join: &'static str,
    pub group_match: &'static str,
    pub add_group: &'static str,
    pub add_condition: &'static str,
    pub remove_item: &'static str,
    pub then: &'static str,
    pub add_action: &'static str,
    pub save: &'static str,
    pub saving: &'static str,
    pub cancel: &'static str,
    pub secret_once: &'static str,
    pub rule_enabled: &'static str,
    pub value: &'static str,
    pub tag: &'static str,
    pub has: &'static str,
    pub lacks: &'static str,
    pub attribute: &'static str,
    pub inside_hours: &'static str,
    pub outside_hours: &'static str,
    pub from_customer: &'static str,
    pub from_team: &'static str,
    pub note: &'static str,
    pub alert_text: &'static str,
    pub message_text: &'static str,
    pub webhook_url: &'static str,
    pub webhook_hint: &'static str,
    pub template: &'static str,
    pub template_value: &'static str,
    pub template_hint: &'static str,
    pub no_templates: &'static str,
    pub choose: &'static str,
    pub log_title: &'static str,
    pub log_empty: &'static str,
    pub close: &'static str,
    pub more: &'static str,
    pub conversation: &'static str,
    pub held: &'static str,
    pub not_held: &'static str,
    pub depth: &'static str,
    pub loading: &'static str,
}

pub fn strings(locale: Locale) -> &'static RuleWords {
    match locale {
        Locale::PtBr => &PT_BR,
        Locale::En => &EN,
    }
}

const EN: RuleWords = RuleWords {
    title: "Rules",
    subtitle: "When something happens in a conversation and the conditions hold, Ponte does the actions — in this order, each rule once per event, everything logged.",
    new_rule: "New rule",
    empty: "No rules yet. Try: when a customer's message mentions “Procon”, mark the conversation critical and notify the managers.",
    enabled: "On",
    disabled: "Off",
    switched_off: "Switched off after failing again and again:",
    move_up: "Move up",
    move_down: "Move down",
    edit: "Edit",
    log: "Log",
    remove: "Remove",
    confirm_remove: "Remove this rule? Its log goes with it.",
    runs_7_days: "runs in 7 days",
    never_ran: "never ran",
    name: "Name",
    when: "When",
    after: "After",
    minutes: "minutes",
    hours: "hours",
    keywords: "Keywords",
    keywords_hint: "Separated by commas; whole words, case and accents aside.",
    conditions: "If",
    conditions_hint: "No conditions: every time.",
    groups_join: "Groups must hold:",
    group_match: "In this group:",
    add_group: "Add condition group",
    add_condition: "Add condition",
    remove_item: "Remove",
    then: "Then",
    add_action: "Add action",
    save: "Save rule",
    saving: "Saving…",
    cancel: "Cancel",
    secret_once: "Webhook signing secret (shown once; each call carries X-Ponte-Signature: sha256=HMAC of the body):",
    rule_enabled: "Rule on",
    value: "Value",
    tag: "Tag",
    has: "has",
    lacks: "lacks",
    attribute: "Attribute",
    inside_hours: "inside business hours",
    outside_hours: "outside business hours",
    from_customer: "the customer",
    from_team: "the team",
    note: "Note (optional)",
    alert_text: "Alert text",
    message_text: "Message",
    webhook_url: "URL",
    webhook_hint: "https, or an http host allow-listed in Flows.",
    template: "WhatsApp template",
    template_value: "Value",
    template_hint: "Sent through the conversation's WhatsApp connection, even after the 24-hour window; {{contact.name}} and {{conversation.number}} are filled in.",
    no_templates: "No approved templates yet: sync or add them under Connections.",
    choose: "Choose…",
    log_title: "Execution log",
    log_empty: "This rule has not run yet.",
    close: "Close",
    more: "Older runs",
    conversation: "Conversation",
    held: "held",
    not_held: "did not hold",
    depth: "caused by rules",
    loading: "Loading…",
};

const PT_BR: RuleWords = RuleWords {
    title: "Regras",
    subtitle: "Quando algo acontece numa conversa e as condições valem, o Ponte executa as ações — nesta ordem, cada regra uma vez por evento, tudo registrado.",
    new_rule: "Nova regra",
    empty: "Nenhuma regra ainda. Experimente: quando a mensagem do cliente mencionar “Procon”, marcar a conversa como crítica e avisar os gestores.",
    enabled: "Ligada",
    disabled: "Desligada",
    switched_off: "Desligada após falhar repetidamente:",
    move_up: "Subir",
    move_down: "Descer",
    edit: "Editar",
    log: "Registro",
    remove: "Remover",
    confirm_remove: "Remover esta regra? O registro dela vai junto.",
    runs_7_days: "execuções em 7 dias",
    never_ran: "nunca executou",
    name: "Nome",
    when: "Quando",
    after: "Depois de",
    minutes: "minutos",
    hours: "horas",
    keywords: "Palavras-chave",
    keywords_hint: "Separadas por vírgula; palavras inteiras, sem diferença de maiúsculas e acentos.",
    conditions: "Se",
    conditions_hint: "Sem condições: sempre.",
    groups_join: "Os grupos devem valer:",
    group_match: "Neste grupo:",
    add_group: "Adicionar grupo de condições",
    add_condition: "Adicionar condição",
    remove_item: "Remover",
    then: "Então",
    add_action: "Adicionar ação",
    save: "Salvar regra",
    saving: "Salvando…",
    cancel: "Cancelar",
    secret_once: "Segredo de assinatura do webhook (exibido uma vez; cada chamada leva X-Ponte-Signature: sha256=HMAC do corpo):",
    rule_enabled: "Regra ligada",
    value: "Valor",
    tag: "Etiqueta",
    has: "tem",
    lacks: "não tem",
    attribute: "Atributo",
    inside_hours: "dentro do horário de atendimento",
    outside_hours: "fora do horário de atendimento",
    from_customer: "o cliente",
    from_team: "a equipe",
    note: "Observação (opcional)",
    alert_text: "Texto do alerta",
    message_text: "Mensagem",
    webhook_url: "URL",
    webhook_hint: "https, ou um host http liberado em Fluxos.",
    template: "Modelo do WhatsApp",
    template_value: "Valor",
    template_hint: "Enviado pela conexão de WhatsApp da conversa, mesmo depois da janela de 24 horas; {{contact.name}} e {{conversation.number}} são preenchidos.",
    no_templates: "Nenhum modelo aprovado ainda: sincronize ou cadastre em Conexões.",
    choose: "Escolha…",
    log_title: "Registro de execução",
    log_empty: "Esta regra ainda não executou.",
    close: "Fechar",
    more: "Execuções anteriores",
    conversation: "Conversa",
    held: "valeu",
    not_held: "não valeu",
    depth: "causada por regras",
    loading: "Carregando…",
};

fn pick(locale: Locale, pt: &'static str, en: &'static str) -> &'static str {
    match locale {
        Locale::PtBr => pt,
        Locale::En => en,
    }
}

pub fn event_name(event: RuleEvent, l: Locale) -> &'static str {
    match event {
        RuleEvent::ConversationCreated => pick(l, "Conversa criada", "Conversation created"),
        RuleEvent::MessageCreated => pick(l, "Mensagem criada", "Message created"),
        RuleEvent::ConversationReopened => pick(l, "Conversa reaberta", "Conversation reopened"),
        RuleEvent::KeywordDetected => pick(l, "Palavra-chave detectada", "Keyword detected"),
        RuleEvent::NegativeSentiment => pick(l, "Sentimento negativo", "Negative sentiment"),
        RuleEvent::LowAiScore => pick(l, "Nota da IA abaixo do limite", "AI score below threshold"),
        RuleEvent::SlaBreached => pick(l, "SLA estourado", "SLA breached"),
        RuleEvent::ConversationResolved => pick(l, "Conversa resolvida", "Conversation resolved"),
        RuleEvent::ConversationAssigned => pick(l, "Conversa atribuída", "Conversation assigned"),
        RuleEvent::NoAgentReply => pick(l, "Sem resposta do agente há…", "No agent reply for…"),
        RuleEvent::WaitingOnCustomer => pick(
            l,
            "Aguardando o cliente há…",
            "Waiting on the customer for…",
        ),
        RuleEvent::OpenTooLong => pick(l, "Aberta há mais de…", "Open for more than…"),
    }
}

pub fn condition_kind_name(kind: &str, l: Locale) -> &'static str {
    match kind {
        "channel" => pick(l, "Canal", "Channel"),
        "department" => pick(l, "Departamento", "Department"),
        "tag" => pick(l, "Etiqueta", "Tag"),
        "priority" => pick(l, "Prioridade", "Priority"),
        "status" => pick(l, "Status", "Status"),
        "business_hours" => pick(l, "Horário de atendimento", "Business hours"),
        "contact_attribute" => pick(l, "Atributo do contato", "Contact attribute"),
        "message_text" => pick(l, "Texto da mensagem", "Message text"),
        "sentiment" => pick(l, "Sentimento da mensagem", "Message sentiment"),
        "message_from" => pick(l, "Mensagem escrita por", "Message written by"),
        _ => "?",
    }
}

pub fn action_kind_name(kind: &str, l: Locale) -> &'static str {
    match kind {
        "notify_managers" => pick(
            l,
            "Avisar os gestores (e-mail e sino)",
            "Notify managers (e-mail and bell)",
        ),
        "change_priority" => pick(l, "Mudar a prioridade", "Change priority"),
        "assign_agent" => pick(l, "Atribuir a um agente", "Assign to an agent"),
        "assign_department" => pick(
            l,
            "Transferir para um departamento",
            "Transfer to a department",
        ),
        "add_tag" => pick(l, "Adicionar etiqueta", "Add tag"),
        "mark_critical" => pick(l, "Marcar como crítica", "Mark critical"),
        "create_alert" => pick(
            l,
            "Criar alerta (sino dos gestores)",
            "Create alert (managers' bell)",
        ),
        "send_message" => pick(
            l,
            "Enviar mensagem ao cliente",
            "Send the customer a message",
        ),
        "send_template" => pick(l, "Enviar modelo do WhatsApp", "Send a WhatsApp template"),
        "call_webhook" => pick(l, "Chamar webhook", "Call a webhook"),
        _ => "?",
    }
}

pub fn operator_name(op: Operator, l: Locale) -> &'static str {
    match op {
        Operator::Equals => pick(l, "é igual a", "equals"),
        Operator::NotEquals => pick(l, "é diferente de", "does not equal"),
        Operator::Contains => pick(l, "contém", "contains"),
        Operator::StartsWith => pick(l, "começa com", "starts with"),
        Operator::Matches => pick(l, "casa com a expressão", "matches the pattern"),
        Operator::GreaterThan => pick(l, "é maior que", "is greater than"),
        Operator::LessThan => pick(l, "é menor que", "is less than"),
        Operator::IsSet => pick(l, "está preenchido", "is set"),
        Operator::IsEmpty => pick(l, "está vazio", "is empty"),
    }
}

pub fn match_name(m: Match, l: Locale) -> &'static str {
    match m {
        Match::All => pick(l, "todas (E)", "all (AND)"),
        Match::Any => pick(l, "qualquer uma (OU)", "any (OR)"),
    }
}

pub fn outcome_name(outcome: RunOutcome, l: Locale) -> &'static str {
    match outcome {
        RunOutcome::Done => pick(l, "Executada", "Done"),
        RunOutcome::NotMatched => pick(l, "Condições não valeram", "Conditions did not hold"),
        RunOutcome::Failed => pick(l, "Falhou", "Failed"),
        RunOutcome::LoopStopped => pick(l, "Parada (laço de regras)", "Stopped (rule loop)"),
    }
}

pub fn priority_name(p: Priority, l: Locale) -> &'static str {
    match p {
        Priority::Low => pick(l, "Baixa", "Low"),
        Priority::Normal => pick(l, "Normal", "Normal"),
        Priority::High => pick(l, "Alta", "High"),
        Priority::Urgent => pick(l, "Urgente", "Urgent"),
    }
}

pub fn status_name(s: ConversationStatus, l: Locale) -> &'static str {
    match s {
        ConversationStatus::Open => pick(l, "Aberta", "Open"),
        ConversationStatus::InProgress => pick(l, "Em atendimento", "In progress"),
        ConversationStatus::Waiting => pick(l, "Aguardando", "Waiting"),
        ConversationStatus::Resolved => pick(l, "Resolvida", "Resolved"),
        ConversationStatus::Cancelled => pick(l, "Cancelada", "Cancelled"),
        ConversationStatus::Bot => pick(l, "Com o robô", "With the bot"),
    }
}

pub fn feeling_name(f: Feeling, l: Locale) -> &'static str {
    match f {
        Feeling::Negative => pick(l, "negativo", "negative"),
        Feeling::Neutral => pick(l, "neutro", "neutral"),
        Feeling::Positive => pick(l, "positivo", "positive"),
    }
}

pub fn channel_name(kind: ChannelKind, l: Locale) -> &'static str {
    match kind {
        ChannelKind::Website => pick(l, "Chat do site", "Website chat"),
        ChannelKind::WhatsappCloud => "WhatsApp (Cloud API)",
        ChannelKind::TwilioWhatsapp => "WhatsApp (Twilio)",
        ChannelKind::Zapi => "WhatsApp (Z-API)",
        ChannelKind::Messenger => "Messenger",
        ChannelKind::Instagram => "Instagram",
        ChannelKind::Api => "API",
        ChannelKind::Email => "E-mail",
    }
}
