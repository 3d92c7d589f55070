//! The out-of-hours reply: a customer who writes while their department is
//! closed hears so once per closed period (not after every message), in
//! their language, through the channel's normal outbound path.

use anyhow::Context;
use chrono::{DateTime, Utc};
use shared::departments::text_for;
use uuid::Uuid;

use super::calendars;
use crate::channels::outbound;
use crate::conversations::Locked;
use crate::db::Tx;
use crate::error::Result;

pub(super) async fn reply_if_closed(
    tx: &mut Tx,
    account_id: Uuid,
    conversation: &Locked,
) -> Result<()> {
    let Some(department_id) = conversation.department_id else {
        return Ok(());
    };
    let now = Utc::now();
    if conversation
        .out_of_hours_until
        .is_some_and(|until| until > now)
    {
        return Ok(());
    }
    let Some(hours) = calendars::department_hours(tx, account_id, department_id).await? else {
        return Ok(());
    };
    if hours.out_of_hours_messages.is_empty() || hours.calendar.is_open(now) {
        return Ok(());
    }
    let locale = crate::contacts::customer_locale(tx, conversation)
        .await?
        .unwrap_or(hours.locale);
    let Some(text) = text_for(&hours.out_of_hours_messages, locale) else {
        return Ok(());
    };
    // Never opening again (every day closed) still means "once".
    let until = hours
        .calendar
        .next_opening(now)
        .unwrap_or(DateTime::<Utc>::MAX_UTC);
    sqlx::query(
        "UPDATE conversations SET out_of_hours_until = $3 WHERE account_id = $1 AND id = $2",
    )
    .bind(account_id)
    .bind(conversation.id)
    .bind(until)
    .execute(&mut **tx)
    .await
    .context("remembering the out-of-hours reply")?;
    outbound::send_automatic(tx, account_id, conversation, text).await?;
    Ok(())
}
