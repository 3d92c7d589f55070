//! An audit entry's details, said in words: "Role: Agent → Supervisor"
//! instead of `{"from":"agent","to":"supervisor"}`.

use chrono::{DateTime, Utc};
use serde_json::Value;
use shared::inbox::ConversationStatus;
use shared::Role;

use crate::i18n::Strings;

/// One line of details: what changed and its value.
#[derive(Debug, PartialEq)]
pub struct DetailLine {
    pub label: String,
    pub value: String,
}

/// The stored JSON as labelled lines. Anything that is not a JSON object is
/// shown as it is, so nothing recorded is ever hidden.
pub fn details_in_words(
    details: &str,
    t: &Strings,
    time: &dyn Fn(DateTime<Utc>) -> String,
) -> Vec<DetailLine> {
    let Ok(Value::Object(fields)) = crate::json::decode::<Value>(details) else {
        return vec![DetailLine {
            label: String::new(),
            value: details.to_string(),
        }];
    };
    let mut lines = Vec::new();
    for (key, value) in &fields {
        if key == "changes" {
            if let Value::Object(changes) = value {
                lines.extend(changes.iter().map(|(field, pair)| DetailLine {
                    label: label_of(field, t),
                    value: change_in_words(pair, t, time),
                }));
            }
            continue;
        }
        if value.is_null() {
            continue;
        }
        lines.push(DetailLine {
            label: label_of(key, t),
            value: value_in_words(value, t, time),
        });
    }
    lines
}

fn label_of(key: &str, t: &Strings) -> String {
    (t.audit_field)(key)
        .map(str::to_string)
        .unwrap_or_else(|| key.replace('_', " "))
}

/// `[before, after]` as "before → after".
fn change_in_words(pair: &Value, t: &Strings, time: &dyn Fn(DateTime<Utc>) -> String) -> String {
    match pair {
        Value::Array(both) if both.len() == 2 => format!(
            "{} → {}",
            value_in_words(&both[0], t, time),
            value_in_words(&both[1], t, time)
        ),
        other => value_in_words(other, t, time),
    }
}

fn value_in_words(value: &Value, t: &Strings, time: &dyn Fn(DateTime<Utc>) -> String) -> String {
    match value {
        Value::Null => "—".to_string(),
        Value::Bool(true) => t.yes.to_string(),
        Value::Bool(false) => t.no.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => word_for(s, t, time),
        Value::Array(items) if items.is_empty() => "—".to_string(),
        Value::Array(items) => items
            .iter()
            .map(|item| value_in_words(item, t, time))
            .collect::<Vec<_>>()
            .join(", "),
        Value::Object(_) => value.to_string(),
    }
}

/// Stored names (roles, statuses, instants) in the reader's language.
fn word_for(stored: &str, t: &Strings, time: &dyn Fn(DateTime<Utc>) -> String) -> String {
    if let Ok(role) = stored.parse::<Role>() {
        return t.role_label(role).to_string();
    }
    if let Ok(status) = stored.parse::<ConversationStatus>() {
        return (t.status_name)(status).to_string();
    }
    if let Ok(at) = DateTime::parse_from_rfc3339(stored) {
        return time(at.with_timezone(&Utc));
    }
    stored.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::strings;
    use shared::Locale;

    fn words(details: &str, locale: Locale) -> Vec<(String, String)> {
        details_in_words(details, strings(locale), &|at| {
            at.format("%d/%m %H:%M").to_string()
        })
        .into_iter()
        .map(|line| (line.label, line.value))
        .collect()
    }

    fn pair(label: &str, value: &str) -> (String, String) {
        (label.to_string(), value.to_string())
    }

    #[test]
    fn role_changes_read_as_words() {
        assert_eq!(
            words(
                r#"{"email":"ana@x.com","from":"agent","to":"supervisor"}"#,
                Locale::PtBr
            ),
            vec![
                pair("E-mail", "ana@x.com"),
                pair("De", "Atendente"),
                pair("Para", "Supervisor"),
            ]
        );
    }

    #[test]
    fn settings_changes_are_one_line_each_with_before_and_after() {
        assert_eq!(
            words(
                r#"{"changes":{"timezone":["America/Sao_Paulo","America/Manaus"],"attachment_limit_mb":[25,10]}}"#,
                Locale::En
            ),
            vec![
                pair("Upload limit (MB)", "25 → 10"),
                pair("Time zone", "America/Sao_Paulo → America/Manaus"),
            ]
        );
    }

    #[test]
    fn instants_lists_booleans_and_nulls() {
        assert_eq!(
            words(
                r#"{"active":false,"allowed_origins":["https://a.com","https://b.com"],"snoozed_until":"2026-12-01T13:00:00Z","note":null}"#,
                Locale::En
            ),
            vec![
                pair("Active", "No"),
                pair("Allowed sites", "https://a.com, https://b.com"),
                pair("Snoozed until", "01/12 13:00"),
            ]
        );
    }

    #[test]
    fn anything_else_is_shown_as_stored() {
        assert_eq!(words("not json", Locale::En), vec![pair("", "not json")]);
        assert_eq!(
            words(r#"{"brand_new":"x"}"#, Locale::En),
            vec![pair("brand new", "x")]
        );
    }
}
