//! What a department form must satisfy before it is stored.

use anyhow::Context;
use shared::departments::{
    DepartmentForm, Holiday, LocalizedText, WeeklyHours, MAX_DESCRIPTION_CHARS,
    MAX_MAX_CONVERSATIONS, MAX_OUT_OF_HOURS_CHARS,
};
use shared::values::DisplayName;
use shared::{ErrorCode, FieldErrors, Locale};
use sqlx::types::Json;
use uuid::Uuid;

use crate::db::Tx;
use crate::error::{Error, Result};

/// The form's values, trimmed and checked.
pub(super) struct Valid {
    pub name: DisplayName,
    pub description: String,
    pub out_of_hours_messages: LocalizedText,
    business_hours: Option<WeeklyHours>,
    holidays: Vec<Holiday>,
}

impl Valid {
    pub fn business_hours(&self) -> Option<Json<&WeeklyHours>> {
        self.business_hours.as_ref().map(Json)
    }

    pub fn holidays(&self) -> Json<&Vec<Holiday>> {
        Json(&self.holidays)
    }
}

pub(super) fn validate(form: &DepartmentForm) -> Result<Valid> {
    let mut errors = FieldErrors::new();
    let name = errors.check("name", DisplayName::parse(&form.name));
    let description = form.description.trim().to_string();
    if description.chars().count() > MAX_DESCRIPTION_CHARS {
        errors.add("description", ErrorCode::TooLong);
    }
    if let Some(calendar) = &form.calendar {
        if let Err((field, code)) = calendar.validate() {
            errors.add(&field, code);
        }
    }
    let mut out_of_hours_messages = LocalizedText::new();
    for (locale, text) in &form.out_of_hours_messages {
        let text = text.trim();
        if locale.parse::<Locale>().is_err() {
            errors.add("out_of_hours_messages", ErrorCode::OptionInvalid);
        } else if text.chars().count() > MAX_OUT_OF_HOURS_CHARS {
            errors.add(
                &format!("out_of_hours_messages.{locale}"),
                ErrorCode::TooLong,
            );
        } else if !text.is_empty() {
            out_of_hours_messages.insert(locale.clone(), text.to_string());
        }
    }
    let mut seen = std::collections::HashSet::new();
    for member in &form.members {
        if !seen.insert(member.user_id) {
            errors.add("members", ErrorCode::InvalidValue);
        }
        if !(1..=MAX_MAX_CONVERSATIONS).contains(&member.max_conversations) {
            errors.add("members.max_conversations", ErrorCode::NumberInvalid);
        }
    }
    errors.into_result().map_err(Error::from)?;
    let calendar = form.calendar.clone().unwrap_or_default();
    Ok(Valid {
        name: name.ok_or_else(|| anyhow::anyhow!("a checked name is missing"))?,
        description,
        out_of_hours_messages,
        business_hours: calendar.business_hours,
        holidays: calendar.holidays,
    })
}

/// The channel is one of the account's, and every member is an active
/// member who may take conversations.
pub(super) async fn check_references(
    tx: &mut Tx,
    account_id: Uuid,
    form: &DepartmentForm,
) -> Result<()> {
    if let Some(channel_id) = form.channel_id {
        let exists: bool = sqlx::query_scalar(
            "SELECT EXISTS (SELECT 1 FROM channels WHERE account_id = $1 AND id = $2)",
        )
        .bind(account_id)
        .bind(channel_id)
        .fetch_one(&mut **tx)
        .await
        .context("checking channel")?;
        if !exists {
            return Err(Error::field("channel_id", ErrorCode::OptionInvalid));
        }
    }
    let users: Vec<Uuid> = form.members.iter().map(|m| m.user_id).collect();
    let valid: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM memberships
          WHERE account_id = $1 AND user_id = ANY($2) AND active AND role <> 'auditor'",
    )
    .bind(account_id)
    .bind(&users)
    .fetch_one(&mut **tx)
    .await
    .context("checking members")?;
    if usize::try_from(valid).ok() != Some(users.len()) {
        return Err(Error::field("members", ErrorCode::OptionInvalid));
    }
    Ok(())
}
