//! Custom attributes of contacts: their definitions (an admin's list of
//! typed fields) and how a typed value is checked against one.

use anyhow::Context;
use serde_json::Value;
use shared::inbox::{AttributeDefinition, AttributeKind};
use shared::values::DisplayName;
use shared::{ErrorCode, FieldErrors, Permission};

use crate::actor::Actor;
use crate::db::{Db, Tx};
use crate::error::{is_unique_violation, Error, Result};

/// Checks a typed attribute value; empty text clears it.
pub fn attribute_value(
    definition: &AttributeDefinition,
    raw: &str,
) -> std::result::Result<Option<Value>, ErrorCode> {
    let raw = raw.trim();
    if raw.is_empty() {
        return Ok(None);
    }
    let value = match definition.kind {
        AttributeKind::Text if raw.chars().count() <= 500 => Value::String(raw.to_string()),
        AttributeKind::Text => return Err(ErrorCode::TooLong),
        AttributeKind::Number => {
            let number: f64 = raw
                .replace(',', ".")
                .parse()
                .map_err(|_| ErrorCode::NumberInvalid)?;
            serde_json::Number::from_f64(number)
                .map(Value::Number)
                .ok_or(ErrorCode::NumberInvalid)?
        }
        AttributeKind::Date => {
            chrono::NaiveDate::parse_from_str(raw, "%Y-%m-%d")
                .map_err(|_| ErrorCode::DateInvalid)?;
            Value::String(raw.to_string())
        }
        AttributeKind::Boolean => match raw {
            "true" | "1" | "on" | "yes" | "sim" => Value::Bool(true),
            "false" | "0" | "off" | "no" | "não" => Value::Bool(false),
            _ => return Err(ErrorCode::OptionInvalid),
        },
        AttributeKind::List if definition.options.iter().any(|o| o == raw) => {
            Value::String(raw.to_string())
        }
        AttributeKind::List => return Err(ErrorCode::OptionInvalid),
    };
    Ok(Some(value))
}

pub(crate) async fn definitions_in(tx: &mut Tx) -> anyhow::Result<Vec<AttributeDefinition>> {
    let rows: Vec<(i64, String, String, String, Vec<String>)> = sqlx::query_as(
        "SELECT id, key, label, kind, options FROM attribute_definitions ORDER BY label",
    )
    .fetch_all(&mut **tx)
    .await
    .context("listing attribute definitions")?;
    Ok(rows
        .into_iter()
        .filter_map(|(id, key, label, kind, options)| {
            Some(AttributeDefinition {
                id,
                key,
                label,
                kind: kind.parse().ok()?,
                options,
            })
        })
        .collect())
}

pub async fn definitions(db: &Db, actor: &Actor) -> Result<Vec<AttributeDefinition>> {
    let mut tx = db.tenant(actor.account_id, Some(actor.user_id)).await?;
    let list = definitions_in(&mut tx).await?;
    tx.commit().await.context("commit")?;
    Ok(list)
}

pub async fn define_attribute(
    db: &Db,
    actor: &Actor,
    label: &str,
    key: &str,
    kind: &str,
    options: &str,
) -> Result<AttributeDefinition> {
    actor.require(Permission::ManageContactAttributes)?;
    let mut errors = FieldErrors::new();
    let label = errors.check(
        "label",
        DisplayName::parse(label).and_then(|l| {
            if l.as_str().chars().count() > 80 {
                Err(ErrorCode::TooLong)
            } else {
                Ok(l)
            }
        }),
    );
    let key = key.trim().to_lowercase();
    let key = if key.is_empty() {
        label
            .as_ref()
            .map(|l| attribute_key_from(l.as_str()))
            .unwrap_or_default()
    } else {
        key
    };
    let key_ok = key.len() <= 40
        && key.chars().next().is_some_and(|c| c.is_ascii_lowercase())
        && key
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if !key_ok {
        errors.add("key", ErrorCode::InvalidCharacters);
    }
    let kind = errors.check("kind", kind.parse::<AttributeKind>());
    let options: Vec<String> = options
        .split([',', '\n'])
        .map(str::trim)
        .filter(|o| !o.is_empty())
        .map(str::to_string)
        .collect();
    if kind == Some(AttributeKind::List) && options.is_empty() {
        errors.add("options", ErrorCode::Required);
    }
    errors.into_result()?;
    let (Some(label), Some(kind)) = (label, kind) else {
        return Err(anyhow::anyhow!("validation passed with a missing value").into());
    };
    let options = if kind == AttributeKind::List {
        options
    } else {
        vec![]
    };
    let mut tx = db.tenant(actor.account_id, Some(actor.user_id)).await?;
    let inserted = sqlx::query_scalar::<_, i64>(
        "INSERT INTO attribute_definitions (account_id, key, label, kind, options) VALUES ($1, $2, $3, $4, $5) RETURNING id",
    )
    .bind(actor.account_id)
    .bind(&key)
    .bind(label.as_str())
    .bind(kind.as_str())
    .bind(&options)
    .fetch_one(&mut *tx)
    .await;
    let id = match inserted {
        Ok(id) => id,
        Err(err) if is_unique_violation(&err, "attribute_definitions_key_unique") => {
            return Err(Error::field("key", ErrorCode::NameTaken))
        }
        Err(err) => return Err(anyhow::Error::new(err).context("defining attribute").into()),
    };
    tx.commit().await.context("commit")?;
    Ok(AttributeDefinition {
        id,
        key,
        label: label.to_string(),
        kind,
        options,
    })
}

pub async fn remove_attribute(db: &Db, actor: &Actor, id: i64) -> Result<()> {
    actor.require(Permission::ManageContactAttributes)?;
    let mut tx = db.tenant(actor.account_id, Some(actor.user_id)).await?;
    let done = sqlx::query("DELETE FROM attribute_definitions WHERE account_id = $1 AND id = $2")
        .bind(actor.account_id)
        .bind(id)
        .execute(&mut *tx)
        .await
        .context("removing attribute")?;
    if done.rows_affected() == 0 {
        return Err(Error::NotFound);
    }
    tx.commit().await.context("commit")?;
    Ok(())
}

/// "Data de nascimento" → "data_de_nascimento".
fn attribute_key_from(label: &str) -> String {
    let slug = shared::values::Slug::suggest_from(label).replace('-', "_");
    let slug = slug
        .trim_start_matches(|c: char| c.is_ascii_digit() || c == '_')
        .to_string();
    slug.chars().take(40).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn definition(kind: AttributeKind, options: &[&str]) -> AttributeDefinition {
        AttributeDefinition {
            id: 1,
            key: "k".into(),
            label: "K".into(),
            kind,
            options: options.iter().map(|s| s.to_string()).collect(),
        }
    }

    #[test]
    fn attribute_values_follow_their_kind() {
        assert_eq!(
            attribute_value(&definition(AttributeKind::Number, &[]), "12,5"),
            Ok(Some(serde_json::json!(12.5)))
        );
        assert_eq!(
            attribute_value(&definition(AttributeKind::Number, &[]), "doze"),
            Err(ErrorCode::NumberInvalid)
        );
        assert_eq!(
            attribute_value(&definition(AttributeKind::Date, &[]), "2026-02-30"),
            Err(ErrorCode::DateInvalid)
        );
        assert_eq!(
            attribute_value(&definition(AttributeKind::Boolean, &[]), "sim"),
            Ok(Some(Value::Bool(true)))
        );
        assert_eq!(
            attribute_value(
                &definition(AttributeKind::List, &["ouro", "prata"]),
                "bronze"
            ),
            Err(ErrorCode::OptionInvalid)
        );
        assert_eq!(
            attribute_value(&definition(AttributeKind::Text, &[]), "  "),
            Ok(None)
        );
    }

    #[test]
    fn attribute_keys_come_from_labels() {
        assert_eq!(
            attribute_key_from("Data de nascimento"),
            "data_de_nascimento"
        );
        assert_eq!(attribute_key_from("2º Telefone"), "telefone");
    }
}
