//! Suggested replies for the customer's latest messages, from the
//! account's own data and no provider: the quick replies that cover the
//! customer's words, the passage of the department's AI agent's knowledge
//! base that answers them, and what agents answered to similar messages before
//! (trigram similarity, `pg_trgm`, over the conversations the agent may
//! see). Shown beside the composer; the agent chooses, nothing is sent.

pub(crate) mod words;

use anyhow::Context;
use shared::inbox::{render_template, QuickReply, ReplySuggestion, SuggestionSource};

use crate::access::Scope;
use crate::actor::Actor;
use crate::conversations::{self, visible_sql};
use crate::db::{Db, Tx};
use crate::error::Result;

/// Suggestions shown at once.
const SHOWN: usize = 3;
/// A quick reply must cover this much of the request (one word in three).
const MIN_COVERAGE: f32 = 0.33;
/// The customer's latest messages read, and how much of each.
const TURN_MESSAGES: i64 = 3;
const TURN_CHARS: usize = 500;

/// Up to three replies for conversation `number`'s latest customer
/// messages, best first; none when the customer has not written.
pub async fn suggest(db: &Db, actor: &Actor, number: i64) -> Result<Vec<ReplySuggestion>> {
    let mut tx = db.tenant(actor.account_id, Some(actor.user_id)).await?;
    let conversation = conversations::visible_summary(&mut tx, actor, number).await?;
    let turn = customer_turn(&mut tx, actor, conversation.id).await?;
    if turn.is_empty() {
        tx.commit().await.context("commit")?;
        return Ok(vec![]);
    }
    let said_here = said_in(&mut tx, actor, conversation.id).await?;
    let quick_replies = crate::quick_replies::list_in(&mut tx, actor).await?;
    let scope = crate::access::scope_in(&mut tx, actor).await?;
    let past = past_answers(&mut tx, actor, &scope, conversation.id, &turn).await?;
    let known = crate::ai::agents::knowledge_answer(
        &mut tx,
        actor.account_id,
        conversation.department_id,
        &turn.join(" "),
    )
    .await?;
    tx.commit().await.context("commit")?;

    let request = words::request_words(&turn.join(" "));
    let number_text = number.to_string();
    let vars = [
        ("contact.name", conversation.contact_name.as_str()),
        ("agent.name", actor.name.as_str()),
        ("conversation.number", number_text.as_str()),
    ];
    let customer = words::first_name(&conversation.contact_name);
    let candidates = matching_quick_replies(&request, &quick_replies)
        .map(|(reply, score)| ReplySuggestion {
            text: render_template(&reply.content, &vars),
            source: SuggestionSource::QuickReply,
            shortcut: Some(reply.shortcut.clone()),
            score,
        })
        .chain(known.map(|(text, score)| ReplySuggestion {
            text,
            source: SuggestionSource::Knowledge,
            shortcut: None,
            score,
        }))
        .chain(past.into_iter().map(|answer| ReplySuggestion {
            text: match words::first_name(&answer.customer) {
                Some(them) => words::readdressed(&answer.body, them, customer),
                None => answer.body,
            },
            source: SuggestionSource::PastAnswer,
            shortcut: None,
            score: answer.similarity,
        }));
    Ok(first_distinct(candidates, &said_here))
}

/// The quick replies covering enough of the request, most first.
fn matching_quick_replies<'a>(
    request: &[String],
    replies: &'a [QuickReply],
) -> impl Iterator<Item = (&'a QuickReply, f32)> {
    let mut matching: Vec<(&QuickReply, f32)> = replies
        .iter()
        .map(|reply| {
            let reply_words = words::stems(&format!("{} {}", reply.shortcut, reply.content));
            (reply, words::coverage(request, &reply_words))
        })
        .filter(|(_, coverage)| *coverage >= MIN_COVERAGE)
        .collect();
    matching.sort_by(|a, b| b.1.total_cmp(&a.1));
    matching.into_iter()
}

/// The first [`SHOWN`] candidates, each text once and none already said
/// in this conversation (compared folded).
fn first_distinct(
    candidates: impl Iterator<Item = ReplySuggestion>,
    said_here: &[String],
) -> Vec<ReplySuggestion> {
    let mut seen: Vec<String> = said_here
        .iter()
        .map(|s| shared::text::fold(s.trim()))
        .collect();
    let mut chosen = Vec::new();
    for candidate in candidates {
        let folded = shared::text::fold(candidate.text.trim());
        if folded.is_empty() || seen.contains(&folded) {
            continue;
        }
        seen.push(folded);
        chosen.push(candidate);
        if chosen.len() == SHOWN {
            break;
        }
    }
    chosen
}

/// The customer's latest messages not yet answered — or, once answered,
/// the ones the latest answer was to — newest first, shortened.
async fn customer_turn(
    tx: &mut Tx,
    actor: &Actor,
    conversation_id: i64,
) -> anyhow::Result<Vec<String>> {
    let bodies: Vec<String> = sqlx::query_scalar(
        "SELECT body FROM messages
          WHERE account_id = $3 AND conversation_id = $1 AND kind = 'incoming'
            AND deleted_at IS NULL AND body <> ''
            AND id > COALESCE((
                SELECT max(o.id) FROM messages o
                 WHERE o.account_id = $3 AND o.conversation_id = $1 AND o.kind = 'outgoing'
                   AND o.id < (SELECT max(i.id) FROM messages i
                                WHERE i.account_id = $3 AND i.conversation_id = $1
                                  AND i.kind = 'incoming' AND i.deleted_at IS NULL
                                  AND i.body <> '')), 0)
          ORDER BY id DESC LIMIT $2",
    )
    .bind(conversation_id)
    .bind(TURN_MESSAGES)
    .bind(actor.account_id)
    .fetch_all(&mut **tx)
    .await
    .context("reading the customer's latest messages")?;
    Ok(bodies
        .into_iter()
        .map(|body| body.chars().take(TURN_CHARS).collect())
        .collect())
}

/// What was already answered in this conversation (its latest replies).
async fn said_in(tx: &mut Tx, actor: &Actor, conversation_id: i64) -> anyhow::Result<Vec<String>> {
    sqlx::query_scalar(
        "SELECT body FROM messages
          WHERE account_id = $2 AND conversation_id = $1 AND kind = 'outgoing'
            AND deleted_at IS NULL
          ORDER BY id DESC LIMIT 50",
    )
    .bind(conversation_id)
    .bind(actor.account_id)
    .fetch_all(&mut **tx)
    .await
    .context("reading the conversation's replies")
}

struct PastAnswer {
    body: String,
    /// Who it was said to.
    customer: String,
    similarity: f32,
}

/// What a person (not a bot) first answered, in another conversation the
/// actor may see, to a customer message similar to one of `turn` — most
/// similar first.
async fn past_answers(
    tx: &mut Tx,
    actor: &Actor,
    scope: &Scope,
    conversation_id: i64,
    turn: &[String],
) -> anyhow::Result<Vec<PastAnswer>> {
    super::similar::set_threshold(tx).await?;
    let visible = visible_sql("$1", "$2", "$3");
    let sql = format!(
        "SELECT answer.body, ct.name, s.similarity
           FROM (SELECT m.id, m.conversation_id, similarity(search_fold(m.body), asked.text) AS similarity
                   FROM unnest($5::text[]) AS asked_text
                  CROSS JOIN LATERAL (SELECT search_fold(asked_text) AS text) asked
                   JOIN messages m ON search_fold(m.body) % asked.text
                  WHERE m.account_id = $4 AND m.kind = 'incoming' AND m.deleted_at IS NULL
                    AND m.conversation_id <> $6
                  ORDER BY similarity DESC LIMIT 50) s
           JOIN conversations c ON c.id = s.conversation_id
           JOIN contacts ct ON ct.account_id = $4 AND ct.id = c.contact_id
          CROSS JOIN LATERAL (
                SELECT a.body FROM messages a
                  JOIN memberships mb ON mb.account_id = a.account_id AND mb.user_id = a.sender_user_id
                 WHERE a.account_id = $4 AND a.conversation_id = s.conversation_id
                   AND a.id > s.id AND a.kind = 'outgoing'
                   AND mb.role <> 'bot' AND a.deleted_at IS NULL AND a.content_type = 'text'
                   AND a.template IS NULL AND a.body <> ''
                 ORDER BY a.id LIMIT 1) answer
          WHERE c.account_id = $4 AND {visible}
          ORDER BY s.similarity DESC, s.id DESC
          LIMIT 20"
    );
    let rows: Vec<(String, String, f32)> = sqlx::query_as(&sql)
        .bind(scope.user_id)
        .bind(scope.departments.as_sql())
        .bind(scope.channels.as_sql())
        .bind(actor.account_id)
        .bind(turn)
        .bind(conversation_id)
        .fetch_all(&mut **tx)
        .await
        .context("finding past answers")?;
    Ok(rows
        .into_iter()
        .map(|(body, customer, similarity)| PastAnswer {
            body,
            customer,
            similarity,
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn suggestion(text: &str) -> ReplySuggestion {
        ReplySuggestion {
            text: text.into(),
            source: SuggestionSource::PastAnswer,
            shortcut: None,
            score: 0.5,
        }
    }

    #[test]
    fn suggestions_are_distinct_new_and_at_most_three() {
        let candidates = [
            "Já enviei.",
            "Sai amanhã!",
            "sai amanha!",
            "",
            "A",
            "B",
            "C",
        ]
        .into_iter()
        .map(suggestion);
        let chosen = first_distinct(candidates, &["Já enviei. ".to_string()]);
        let texts: Vec<&str> = chosen.iter().map(|s| s.text.as_str()).collect();
        assert_eq!(texts, ["Sai amanhã!", "A", "B"]);
    }

    #[test]
    fn quick_replies_need_a_third_of_the_request() {
        let reply = |shortcut: &str, content: &str| QuickReply {
            id: 1,
            shortcut: shortcut.into(),
            content: content.into(),
            shared: true,
        };
        let replies = [
            reply("prazo", "O prazo de entrega é de 3 a 5 dias úteis."),
            reply("pix", "Nossa chave Pix é o CNPJ."),
            reply("ola", "Olá {{contact.name}}!"),
        ];
        let request = words::request_words("Bom dia, qual o prazo de entrega?");
        let found: Vec<&str> = matching_quick_replies(&request, &replies)
            .map(|(reply, _)| reply.shortcut.as_str())
            .collect();
        assert_eq!(found, ["prazo"]);
        let request = words::request_words("Bom dia!");
        assert_eq!(matching_quick_replies(&request, &replies).count(), 0);
    }
}
