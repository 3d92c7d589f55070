//! A report filter's choices by name, for the PDF's subtitle.

use anyhow::Context;
use shared::reports::{FilterNames, ReportFilter, ReportTable};

use crate::actor::Actor;
use crate::db::Db;
use crate::error::Result;

/// What `filter` picked, by name. Agents are named from the table's rows
/// (only those the viewer may see); the rest from the account's lists.
pub(super) async fn names(
    db: &Db,
    viewer: &Actor,
    filter: &ReportFilter,
    table: &ReportTable,
) -> Result<FilterNames> {
    let agents = table
        .rows
        .iter()
        .filter(|row| filter.agents.contains(&row.agent.id))
        .map(|row| row.agent.name.clone())
        .collect();
    if filter.departments.is_empty() && filter.channels.is_empty() && filter.categories.is_empty() {
        return Ok(FilterNames {
            agents,
            ..FilterNames::default()
        });
    }
    let mut tx = db.tenant(viewer.account_id, Some(viewer.user_id)).await?;
    let (departments, channels): (Vec<String>, Vec<String>) = sqlx::query_as(
        "SELECT ARRAY(SELECT name FROM departments WHERE account_id = $1 AND id = ANY($2)
                       ORDER BY lower(name)),
                ARRAY(SELECT name FROM channels WHERE account_id = $1 AND id = ANY($3)
                       ORDER BY lower(name))",
    )
    .bind(viewer.account_id)
    .bind(&filter.departments)
    .bind(&filter.channels)
    .fetch_one(&mut *tx)
    .await
    .context("naming a report's departments and channels")?;
    let categories = if filter.categories.is_empty() {
        Vec::new()
    } else {
        let all = crate::categories::list_in(&mut tx).await?;
        filter
            .categories
            .iter()
            .filter(|id| all.iter().any(|c| c.id == **id))
            .map(|id| shared::categories::path(&all, *id))
            .collect()
    };
    tx.commit().await.context("commit")?;
    Ok(FilterNames {
        agents,
        departments,
        channels,
        categories,
    })
}
