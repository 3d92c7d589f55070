//! Checks of each block's settings: texts, choices, waits, HTTP requests
//! (and which URLs they may call), AI turns.

use std::collections::HashSet;
use std::str::FromStr;

use crate::flows::blocks::{BlockKind, ClassifyBy, Operand, Operator, SetTarget, Trigger};
use crate::inbox::Priority;

use super::{
    ProblemCode, Problems, ValidationContext, MAX_AI_TURNS, MAX_CHOICES, MAX_HTTP_TIMEOUT_MS,
    MAX_INTENT_EXAMPLES, MAX_LABEL_CHARS, MAX_TEXT_CHARS, MAX_WAIT_SECONDS,
};

pub(super) fn check_settings(
    id: &str,
    kind: &BlockKind,
    context: &ValidationContext,
    problems: &mut Problems,
) {
    match kind {
        BlockKind::Start { trigger } => {
            if let Trigger::Keyword { keywords } = trigger {
                if keywords.iter().all(|k| k.trim().is_empty()) {
                    problems.text(id, "keywords", "", true, 0);
                }
            }
        }
        BlockKind::SendText { text: t } => problems.text(id, "text", t, true, MAX_TEXT_CHARS),
        BlockKind::SendMedia { url, caption } => {
            problems.text(id, "caption", caption, false, MAX_TEXT_CHARS);
            if !url_allowed(url, &context.http_allowlist) {
                problems.add(Some(id), ProblemCode::UrlInvalid, "url");
            }
        }
        BlockKind::Ask {
            question,
            retry_message,
            max_retries,
            ..
        } => {
            problems.text(id, "question", question, true, MAX_TEXT_CHARS);
            problems.text(id, "retry_message", retry_message, false, MAX_TEXT_CHARS);
            if usize::from(*max_retries) > MAX_CHOICES {
                problems.add(Some(id), ProblemCode::NumberInvalid, "max_retries");
            }
        }
        BlockKind::Menu {
            text: t,
            options,
            retry_message,
            max_retries,
        } => {
            problems.text(id, "text", t, true, MAX_TEXT_CHARS);
            problems.text(id, "retry_message", retry_message, false, MAX_TEXT_CHARS);
            for option in options {
                problems.text(id, "options", &option.label, true, MAX_LABEL_CHARS);
            }
            let ids: Vec<&str> = options.iter().map(|o| o.id.as_str()).collect();
            if !choices_valid(&ids) {
                problems.add(Some(id), ProblemCode::ChoicesInvalid, "options");
            }
            if usize::from(*max_retries) > MAX_CHOICES {
                problems.add(Some(id), ProblemCode::NumberInvalid, "max_retries");
            }
        }
        BlockKind::Condition { branches } => {
            let ids: Vec<&str> = branches.iter().map(|b| b.id.as_str()).collect();
            if !choices_valid(&ids) {
                problems.add(Some(id), ProblemCode::ChoicesInvalid, "branches");
            }
            for branch in branches {
                problems.text(id, "label", &branch.label, false, MAX_LABEL_CHARS);
                if branch.rules.is_empty() || branch.rules.len() > MAX_CHOICES {
                    problems.add(Some(id), ProblemCode::RuleInvalid, branch.id.clone());
                }
                for rule in &branch.rules {
                    let right_ok = match (&rule.right, rule.op) {
                        (None, op) => !op.needs_right(),
                        (Some(_), op) if !op.needs_right() => false,
                        (Some(Operand::Text(pattern)), Operator::Matches) => {
                            !pattern.is_empty() && pattern.len() <= 200
                        }
                        (Some(Operand::Var(_)), Operator::Matches) => false,
                        (Some(_), _) => true,
                    };
                    if !right_ok {
                        problems.add(Some(id), ProblemCode::RuleInvalid, branch.id.clone());
                    }
                }
            }
        }
        BlockKind::Set {
            target,
            name,
            value,
        } => match target {
            SetTarget::Variable => {}
            SetTarget::ContactAttribute => problems.text(id, "name", name, true, 60),
            SetTarget::Tag => problems.text(id, "value", value, true, 40),
            SetTarget::Priority => {
                if Priority::from_str(value.trim()).is_err() {
                    problems.add(Some(id), ProblemCode::PriorityInvalid, value.clone());
                }
            }
        },
        BlockKind::Wait { seconds } => {
            if !(1..=MAX_WAIT_SECONDS).contains(seconds) {
                problems.add(Some(id), ProblemCode::NumberInvalid, "seconds");
            }
        }
        BlockKind::WaitForReply {
            timeout_seconds, ..
        } => {
            if !(1..=MAX_WAIT_SECONDS).contains(timeout_seconds) {
                problems.add(Some(id), ProblemCode::NumberInvalid, "timeout_seconds");
            }
        }
        BlockKind::Http {
            url,
            headers,
            timeout_ms,
            map,
            ..
        } => {
            if !url_allowed(url, &context.http_allowlist) {
                problems.add(Some(id), ProblemCode::UrlInvalid, "url");
            }
            if !(1..=MAX_HTTP_TIMEOUT_MS).contains(timeout_ms) {
                problems.add(Some(id), ProblemCode::NumberInvalid, "timeout_ms");
            }
            if headers.len() > 20 || headers.iter().any(|h| !header_name_valid(&h.name)) {
                problems.add(Some(id), ProblemCode::ChoicesInvalid, "headers");
            }
            if map.len() > 20 || map.iter().any(|m| m.path.trim().is_empty()) {
                problems.add(Some(id), ProblemCode::ChoicesInvalid, "map");
            }
        }
        BlockKind::ChooseDepartment {
            text: t,
            departments,
            retry_message,
            max_retries,
        } => {
            problems.text(id, "text", t, true, MAX_TEXT_CHARS);
            problems.text(id, "retry_message", retry_message, false, MAX_TEXT_CHARS);
            let unique: HashSet<&i64> = departments.iter().collect();
            if departments.len() > MAX_CHOICES || unique.len() != departments.len() {
                problems.add(Some(id), ProblemCode::ChoicesInvalid, "departments");
            }
            if usize::from(*max_retries) > MAX_CHOICES {
                problems.add(Some(id), ProblemCode::NumberInvalid, "max_retries");
            }
        }
        BlockKind::Transfer {
            department_id,
            agent_id,
        } => {
            if department_id.is_some() == agent_id.is_some() {
                problems.add(Some(id), ProblemCode::TransferTargetInvalid, "target");
            }
        }
        BlockKind::AiReply { max_turns, .. } => {
            if !(1..=MAX_AI_TURNS).contains(max_turns) {
                problems.add(Some(id), ProblemCode::NumberInvalid, "max_turns");
            }
        }
        BlockKind::AiClassify {
            by,
            intents,
            categories,
            ..
        } => match by {
            ClassifyBy::Sentiment => {}
            ClassifyBy::Category => {
                let unique: HashSet<&i64> = categories.iter().collect();
                if !(1..=MAX_CHOICES).contains(&categories.len())
                    || unique.len() != categories.len()
                {
                    problems.add(Some(id), ProblemCode::ChoicesInvalid, "categories");
                }
            }
            ClassifyBy::Intent => {
                let ids: Vec<&str> = intents.iter().map(|i| i.id.as_str()).collect();
                if !choices_valid(&ids) {
                    problems.add(Some(id), ProblemCode::ChoicesInvalid, "intents");
                }
                for intent in intents {
                    problems.text(id, "intents", &intent.label, true, MAX_LABEL_CHARS);
                    if intent.examples.len() > MAX_INTENT_EXAMPLES {
                        problems.add(Some(id), ProblemCode::ChoicesInvalid, "intents");
                    }
                    for example in &intent.examples {
                        problems.text(id, "intents", example, false, MAX_LABEL_CHARS * 2);
                    }
                }
            }
        },
        BlockKind::BusinessHours { .. } | BlockKind::End | BlockKind::Jump { .. } => {}
    }
}

/// 1 to [`MAX_CHOICES`] ids, each a valid, unique output name other than
/// the block's own outputs (`else`, `invalid`).
fn choices_valid(ids: &[&str]) -> bool {
    let unique: HashSet<&&str> = ids.iter().collect();
    (1..=MAX_CHOICES).contains(&ids.len())
        && unique.len() == ids.len()
        && ids.iter().all(|id| {
            !id.is_empty()
                && id.len() <= 40
                && id
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
                && !matches!(
                    *id,
                    "else" | "invalid" | "next" | "timeout" | "error" | "handoff"
                )
        })
}

fn header_name_valid(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 100
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_".contains(c))
}

/// An `https` URL with a literal host (variables only after it), or `http`
/// to an allow-listed host; no credentials in it.
pub fn url_allowed(url: &str, http_allowlist: &[String]) -> bool {
    let url = url.trim();
    let Some((scheme, rest)) = url.split_once("://") else {
        return false;
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host = match authority.rsplit_once(':') {
        Some((host, port)) if port.chars().all(|c| c.is_ascii_digit()) && !port.is_empty() => host,
        _ => authority,
    };
    let host_ok = !host.is_empty()
        && !authority.contains('@')
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || ".-[]:".contains(c));
    let allow_listed = http_allowlist
        .iter()
        .any(|allowed| allowed.eq_ignore_ascii_case(host));
    host_ok
        && match scheme.to_ascii_lowercase().as_str() {
            "https" => true,
            "http" => allow_listed,
            _ => false,
        }
}
