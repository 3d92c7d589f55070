//! "A connection went down": its account's admins are told once per
//! incident, in their bells and by e-mail (an incident ends when the
//! connection works again).

use anyhow::Context;
use shared::values::EmailAddress;
use shared::Locale;
use uuid::Uuid;

use super::{queue, Outbox, SystemMail};
use crate::db::{set_tenant, Db};
use crate::error::Result;
use crate::notifications::AdminAlert;

const BATCH: i32 = 20;

/// Alerts the admins of connections that went down since the last call (a
/// bell and a queued mail each), on whichever instance runs it first;
/// returns how many connections.
pub async fn queue_due(db: &Db, outbox: Outbox<'_>) -> Result<usize> {
    let mut tx = db.anonymous().await?;
    let down: Vec<(Uuid, i64, String, Option<String>)> = sqlx::query_as(
        "SELECT account_id, channel_id, name, detail FROM due_connection_alerts($1)",
    )
    .bind(BATCH)
    .fetch_all(&mut *tx)
    .await
    .context("finding connections that went down")?;
    let link = outbox.link("/settings/connections");
    for (account_id, channel_id, connection, detail) in &down {
        set_tenant(&mut tx, *account_id, None).await?;
        let alert = AdminAlert::ConnectionDown {
            channel_id: *channel_id,
        };
        crate::notifications::alert_admins(&mut tx, *account_id, alert).await?;
        let admins: Vec<(String, String, Option<String>, String)> = sqlx::query_as(
            "SELECT u.email, u.name, u.locale, a.default_locale
               FROM memberships m JOIN users u ON u.id = m.user_id JOIN accounts a ON a.id = m.account_id
              WHERE m.account_id = $1 AND m.active AND m.role = 'global_admin'",
        )
        .bind(account_id)
        .fetch_all(&mut *tx)
        .await
        .context("finding the account's admins")?;
        for (email, name, locale, account_locale) in admins {
            let Ok(to) = EmailAddress::parse(&email) else {
                continue;
            };
            let locale: Locale = locale.unwrap_or(account_locale).parse().unwrap_or_default();
            let mail = SystemMail::ConnectionDown {
                name: &name,
                connection,
                detail: detail.as_deref(),
                link: &link,
            };
            queue(&mut tx, outbox.vault, Some(*account_id), &to, &mail, locale).await?;
        }
    }
    tx.commit().await.context("commit")?;
    Ok(down.len())
}
