//! What a rule's actions do to its conversation, through the same paths as
//! people and flows (timeline lines, real-time signals, the outbound queue,
//! the mail queue); each says what it did, or fails the run.

use anyhow::{anyhow, Context};
use chrono::{DateTime, Utc};
use serde_json::json;
use shared::inbox::Activity;
use shared::rules::{ActionDone, RuleAction, RuleEvent};
use shared::values::EmailAddress;
use uuid::Uuid;

use super::engine::RuleRow;
use crate::ai::quality::managers_of;
use crate::channels::outbound;
use crate::channels::templates::TemplateChoice;
use crate::conversations::{self, Locked};
use crate::db::Tx;
use crate::error::Result;
use crate::flows::runs::effects;
use crate::mail::{self, Outbox, SystemMail};

/// Why an action could not be done (the run fails, the rule's failures
/// count).
#[derive(Debug, thiserror::Error)]
pub enum ActionError {
    #[error("the agent is no longer an active member")]
    AgentGone,
    #[error("the department no longer exists")]
    DepartmentGone,
    #[error("the webhook's host is not https nor allow-listed")]
    WebhookNotAllowed,
    #[error("the conversation's connection has no approved template by that name")]
    TemplateMissing,
    #[error(transparent)]
    Storage(#[from] crate::error::Error),
}

impl From<anyhow::Error> for ActionError {
    fn from(err: anyhow::Error) -> Self {
        ActionError::Storage(err.into())
    }
}

/// What started the run, for webhooks.
pub(super) struct Cause {
    pub event: RuleEvent,
    pub message_id: Option<i64>,
    pub at: DateTime<Utc>,
}

/// How the rule signs the timeline ("⚡ Urgent words").
pub(super) fn label_of(rule_name: &str) -> String {
    format!("⚡ {rule_name}")
}

/// Does `action` for `rule` on the locked conversation.
pub(super) async fn apply(
    tx: &mut Tx,
    outbox: Outbox<'_>,
    conversation: &mut Locked,
    rule: &RuleRow,
    action: &RuleAction,
    cause: &Cause,
) -> std::result::Result<ActionDone, ActionError> {
    let by = label_of(&rule.name);
    let detail = match action {
        RuleAction::NotifyManagers { note } => {
            let told = notify_managers(tx, outbox, conversation, rule, note, true).await?;
            Some(format!("managers told: {told}"))
        }
        RuleAction::CreateAlert { text } => {
            let told = notify_managers(tx, outbox, conversation, rule, text, false).await?;
            Some(format!("managers told: {told}"))
        }
        RuleAction::ChangePriority { priority } => {
            if *priority != conversation.priority {
                conversations::change_priority(tx, conversation, *priority, &by).await?;
            }
            None
        }
        // A closed conversation stays closed: handing it off would reopen it.
        RuleAction::AssignAgent { .. } | RuleAction::AssignDepartment { .. }
            if conversation.status.is_closed() =>
        {
            Some("closed: left as it was".to_string())
        }
        RuleAction::AssignAgent { user_id } => {
            if conversation.assignee_id != Some(*user_id) {
                if !is_active_agent(tx, conversation.account_id, *user_id).await? {
                    return Err(ActionError::AgentGone);
                }
                effects::hand_off(tx, conversation, None, Some(*user_id), &by).await?;
            }
            None
        }
        RuleAction::AssignDepartment { department_id } => {
            if conversation.department_id != Some(*department_id) {
                if !department_exists(tx, conversation.account_id, *department_id).await? {
                    return Err(ActionError::DepartmentGone);
                }
                effects::hand_off(tx, conversation, Some(*department_id), None, &by).await?;
            }
            None
        }
        RuleAction::AddTag { tag } => {
            effects::add_tag(tx, conversation, tag, &by).await?;
            None
        }
        RuleAction::MarkCritical => {
            mark_critical(tx, conversation, &by).await?;
            None
        }
        RuleAction::SendMessage { text } => {
            let text = fill(tx, conversation, text).await?;
            let id =
                outbound::send_automatic(tx, conversation.account_id, conversation, &text).await?;
            Some(format!("message {id}"))
        }
        RuleAction::SendTemplate {
            name,
            language,
            values,
        } => {
            let template_id = approved_template(tx, conversation, name, language)
                .await?
                .ok_or(ActionError::TemplateMissing)?;
            let mut filled = Vec::with_capacity(values.len());
            for value in values {
                filled.push(fill(tx, conversation, value).await?);
            }
            let choice = TemplateChoice {
                template_id,
                values: filled,
            };
            let id = outbound::send_template(tx, conversation, &choice).await?;
            Some(format!("message {id}"))
        }
        RuleAction::CallWebhook { url } => {
            let allowlist = super::allowlist_in(tx, conversation.account_id).await?;
            if !shared::flows::url_allowed(url, &allowlist) {
                return Err(ActionError::WebhookNotAllowed);
            }
            super::webhooks::queue(tx, conversation, rule, url, cause).await?;
            None
        }
    };
    Ok(ActionDone {
        action: action.clone(),
        detail,
    })
}

/// Rings the managers' bells (and e-mails them when `mail`); returns how
/// many were told.
async fn notify_managers(
    tx: &mut Tx,
    outbox: Outbox<'_>,
    conversation: &Locked,
    rule: &RuleRow,
    note: &str,
    mail: bool,
) -> anyhow::Result<usize> {
    let note = note.trim();
    let detail = if note.is_empty() {
        rule.name.clone()
    } else {
        format!("{}: {note}", rule.name)
    };
    let detail: String = detail.chars().take(shared::rules::MAX_NOTE).collect();
    let managers = managers_of(tx, conversation).await?;
    let contact = contact_name(tx, conversation).await?;
    let link = outbox.link(&format!("/inbox/{}", conversation.number));
    for manager in &managers {
        crate::notifications::rule_alert(
            tx,
            conversation.account_id,
            manager.user_id,
            conversation.id,
            rule.id,
            &detail,
        )
        .await?;
        if !mail {
            continue;
        }
        let Ok(to) = EmailAddress::parse(&manager.email) else {
            continue;
        };
        let message = SystemMail::RuleAlert {
            name: &manager.name,
            rule: &rule.name,
            number: conversation.number,
            contact: &contact,
            note: (!note.is_empty()).then_some(note),
            link: &link,
        };
        mail::queue(
            tx,
            outbox.vault,
            Some(conversation.account_id),
            &to,
            &message,
            manager.locale,
        )
        .await?;
    }
    Ok(managers.len())
}

async fn contact_name(tx: &mut Tx, conversation: &Locked) -> anyhow::Result<String> {
    let name: Option<String> =
        sqlx::query_scalar("SELECT name FROM contacts WHERE account_id = $1 AND id = $2")
            .bind(conversation.account_id)
            .bind(conversation.contact_id)
            .fetch_optional(&mut **tx)
            .await
            .context("naming the contact")?;
    Ok(name.unwrap_or_default())
}

/// A message's text with `{{contact.name}}` and `{{conversation.number}}`
/// filled in.
async fn fill(tx: &mut Tx, conversation: &Locked, text: &str) -> anyhow::Result<String> {
    let mut text = text.replace("{{conversation.number}}", &conversation.number.to_string());
    if text.contains("{{contact.name}}") {
        text = text.replace("{{contact.name}}", &contact_name(tx, conversation).await?);
    }
    Ok(text)
}

/// The conversation's connection's approved template `name` (in `language`,
/// empty: any), if it has one.
async fn approved_template(
    tx: &mut Tx,
    conversation: &Locked,
    name: &str,
    language: &str,
) -> anyhow::Result<Option<i64>> {
    sqlx::query_scalar(
        "SELECT id FROM message_templates
          WHERE account_id = $1 AND channel_id = $2 AND name = $3
            AND ($4 = '' OR language = $4) AND status = 'approved'
          ORDER BY id LIMIT 1",
    )
    .bind(conversation.account_id)
    .bind(conversation.channel_id)
    .bind(name.trim())
    .bind(language.trim())
    .fetch_optional(&mut **tx)
    .await
    .context("finding the rule's template")
}

async fn mark_critical(tx: &mut Tx, conversation: &mut Locked, by: &str) -> Result<()> {
    if conversation.critical {
        return Ok(());
    }
    sqlx::query("UPDATE conversations SET critical = true WHERE account_id = $1 AND id = $2")
        .bind(conversation.account_id)
        .bind(conversation.id)
        .execute(&mut **tx)
        .await
        .context("marking critical")?;
    conversation.critical = true;
    conversations::add_activity(
        tx,
        conversation,
        &Activity::CriticalChanged {
            critical: true,
            by: by.to_string(),
        },
    )
    .await?;
    Ok(())
}

async fn is_active_agent(tx: &mut Tx, account_id: Uuid, user_id: Uuid) -> anyhow::Result<bool> {
    sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM memberships
                         WHERE account_id = $1 AND user_id = $2 AND active AND role <> 'auditor')",
    )
    .bind(account_id)
    .bind(user_id)
    .fetch_one(&mut **tx)
    .await
    .context("checking the rule's agent")
}

async fn department_exists(tx: &mut Tx, account_id: Uuid, id: i64) -> anyhow::Result<bool> {
    sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM departments WHERE account_id = $1 AND id = $2)",
    )
    .bind(account_id)
    .bind(id)
    .fetch_one(&mut **tx)
    .await
    .context("checking the rule's department")
}

/// The webhook's body: the rule, the event, the conversation as the API
/// shows its essentials, and the message when one started it.
pub(super) async fn webhook_body(
    tx: &mut Tx,
    conversation: &Locked,
    rule: &RuleRow,
    cause: &Cause,
) -> anyhow::Result<String> {
    let message: Option<(i64, String)> = match cause.message_id {
        Some(id) => sqlx::query_as(
            "SELECT id, body FROM messages WHERE account_id = $1 AND conversation_id = $2 AND id = $3",
        )
        .bind(conversation.account_id)
        .bind(conversation.id)
        .bind(id)
        .fetch_optional(&mut **tx)
        .await
        .context("reading the webhook's message")?,
        None => None,
    };
    let body = json!({
        "rule": {"id": rule.id, "name": rule.name},
        "event": cause.event,
        "occurred_at": cause.at,
        "conversation": {
            "number": conversation.number,
            "status": conversation.status,
            "priority": conversation.priority,
            "critical": conversation.critical,
            "tags": conversation.tags,
            "department_id": conversation.department_id,
            "assignee_id": conversation.assignee_id,
        },
        "message": message.map(|(id, text)| json!({"id": id, "text": text})),
    });
    serde_json::to_string(&body).map_err(|err| anyhow!("encoding the webhook: {err}"))
}
