//! An agent's knowledge base: documents admins write or paste (delivery
//! times, return policy, opening hours), cut into passages of a paragraph
//! or a few, searched with PostgreSQL full text in Portuguese and English
//! at once (stemmed, accents aside).

use anyhow::Context;
use serde_json::json;
use shared::ai_agents::{KnowledgeDocument, KnowledgeForm, KnowledgeSource};
use shared::audit::AuditAction;
use shared::Permission;
use uuid::Uuid;

use crate::actor::Actor;
use crate::audit::{self, Target};
use crate::db::{Db, Tx};
use crate::error::{Error, Result};

/// A passage grows up to about this many characters.
const PASSAGE_CHARS: usize = 700;
/// A paragraph shorter than this (a heading) joins the next one.
const SHORT_PARAGRAPH_CHARS: usize = 80;
/// The longest passage stored (a "word" longer than a passage, pasted
/// data, is cut).
const MAX_PASSAGE_CHARS: usize = 3_000;
/// Passages a search returns.
const FOUND: i64 = 5;

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    title: String,
    body: String,
    passages: i64,
}

impl From<Row> for KnowledgeDocument {
    fn from(row: Row) -> Self {
        KnowledgeDocument {
            id: row.id,
            title: row.title,
            body: row.body,
            passages: u32::try_from(row.passages).unwrap_or(u32::MAX),
        }
    }
}

/// Agent `agent_id`'s documents, newest first.
pub async fn list(db: &Db, actor: &Actor, agent_id: i64) -> Result<Vec<KnowledgeDocument>> {
    actor.require(Permission::ManageFlows)?;
    let mut tx = db.tenant(actor.account_id, Some(actor.user_id)).await?;
    require_agent(&mut tx, actor.account_id, agent_id).await?;
    let rows: Vec<Row> = sqlx::query_as(
        "SELECT d.id, d.title, d.body,
                (SELECT count(*) FROM knowledge_passages p
                  WHERE p.account_id = d.account_id AND p.document_id = d.id) AS passages
           FROM knowledge_documents d
          WHERE d.account_id = $1 AND d.agent_id = $2
          ORDER BY d.id DESC",
    )
    .bind(actor.account_id)
    .bind(agent_id)
    .fetch_all(&mut *tx)
    .await
    .context("listing knowledge documents")?;
    tx.commit().await.context("commit")?;
    Ok(rows.into_iter().map(KnowledgeDocument::from).collect())
}

async fn require_agent(tx: &mut Tx, account_id: Uuid, agent_id: i64) -> Result<()> {
    let found: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM ai_agents WHERE account_id = $1 AND id = $2)",
    )
    .bind(account_id)
    .bind(agent_id)
    .fetch_one(&mut **tx)
    .await
    .context("finding the AI agent")?;
    if found {
        Ok(())
    } else {
        Err(Error::NotFound)
    }
}

/// Adds (`id` None) or rewrites a document of agent `agent_id`, cut again
/// into passages.
pub async fn save(
    db: &Db,
    actor: &Actor,
    agent_id: i64,
    id: Option<i64>,
    form: &KnowledgeForm,
) -> Result<KnowledgeDocument> {
    actor.require(Permission::ManageFlows)?;
    Error::check(form.problems())?;
    let mut tx = db.tenant(actor.account_id, Some(actor.user_id)).await?;
    require_agent(&mut tx, actor.account_id, agent_id).await?;
    let (title, body) = (form.title.trim(), form.body.trim());
    let id: i64 = match id {
        Some(id) => sqlx::query_scalar(
            "UPDATE knowledge_documents SET title = $4, body = $5, updated_at = now()
              WHERE account_id = $1 AND agent_id = $2 AND id = $3 RETURNING id",
        )
        .bind(actor.account_id)
        .bind(agent_id)
        .bind(id)
        .bind(title)
        .bind(body)
        .fetch_optional(&mut *tx)
        .await
        .context("rewriting the document")?
        .ok_or(Error::NotFound)?,
        None => sqlx::query_scalar(
            "INSERT INTO knowledge_documents (account_id, agent_id, title, body)
             VALUES ($1, $2, $3, $4) RETURNING id",
        )
        .bind(actor.account_id)
        .bind(agent_id)
        .bind(title)
        .bind(body)
        .fetch_one(&mut *tx)
        .await
        .context("adding the document")?,
    };
    let passages = passages_of(body);
    store_passages(&mut tx, actor.account_id, agent_id, id, &passages).await?;
    audit::record(
        &mut tx,
        actor,
        AuditAction::AccountSettingsChanged,
        Some(Target::new("knowledge_document", id)),
        json!({ "section": "knowledge", "agent_id": agent_id, "title": title }),
    )
    .await?;
    tx.commit().await.context("commit")?;
    Ok(KnowledgeDocument {
        id,
        title: title.to_string(),
        body: body.to_string(),
        passages: u32::try_from(passages.len()).unwrap_or(u32::MAX),
    })
}

async fn store_passages(
    tx: &mut Tx,
    account_id: Uuid,
    agent_id: i64,
    document_id: i64,
    passages: &[String],
) -> anyhow::Result<()> {
    sqlx::query("DELETE FROM knowledge_passages WHERE account_id = $1 AND document_id = $2")
        .bind(account_id)
        .bind(document_id)
        .execute(&mut **tx)
        .await
        .context("clearing the document's passages")?;
    let positions: Vec<i32> = (0..passages.len())
        .map(|i| i32::try_from(i).unwrap_or(i32::MAX))
        .collect();
    sqlx::query(
        "INSERT INTO knowledge_passages (account_id, agent_id, document_id, position, body)
         SELECT $1, $2, $3, p.position, p.body
           FROM unnest($4::int[], $5::text[]) AS p (position, body)",
    )
    .bind(account_id)
    .bind(agent_id)
    .bind(document_id)
    .bind(&positions)
    .bind(passages)
    .execute(&mut **tx)
    .await
    .context("storing the document's passages")?;
    Ok(())
}

/// Removes a document of agent `agent_id` (audited).
pub async fn remove(db: &Db, actor: &Actor, agent_id: i64, id: i64) -> Result<()> {
    actor.require(Permission::ManageFlows)?;
    let mut tx = db.tenant(actor.account_id, Some(actor.user_id)).await?;
    let title: String = sqlx::query_scalar(
        "DELETE FROM knowledge_documents WHERE account_id = $1 AND agent_id = $2 AND id = $3
         RETURNING title",
    )
    .bind(actor.account_id)
    .bind(agent_id)
    .bind(id)
    .fetch_optional(&mut *tx)
    .await
    .context("removing the document")?
    .ok_or(Error::NotFound)?;
    audit::record(
        &mut tx,
        actor,
        AuditAction::AccountSettingsChanged,
        Some(Target::new("knowledge_document", id)),
        json!({ "section": "knowledge", "agent_id": agent_id, "removed": title }),
    )
    .await?;
    tx.commit().await.context("commit")?;
    Ok(())
}

/// A document cut into passages: paragraphs (blank-line separated), a
/// short one (a heading) joined to the next, long ones cut between
/// sentences near [`PASSAGE_CHARS`].
pub(crate) fn passages_of(body: &str) -> Vec<String> {
    let mut passages = Vec::new();
    let mut current = String::new();
    for paragraph in body.split("\n\n").map(str::trim).filter(|p| !p.is_empty()) {
        for piece in cut_long(paragraph) {
            if !current.is_empty() && current.chars().count() >= SHORT_PARAGRAPH_CHARS {
                passages.push(std::mem::take(&mut current));
            }
            if !current.is_empty() {
                current.push('\n');
            }
            current.push_str(&piece);
        }
    }
    if !current.is_empty() {
        passages.push(current);
    }
    passages
        .into_iter()
        .map(|p| p.chars().take(MAX_PASSAGE_CHARS).collect())
        .collect()
}

/// A paragraph in pieces of about [`PASSAGE_CHARS`], cut between
/// sentences (a sentence longer than that, between words).
fn cut_long(paragraph: &str) -> Vec<String> {
    let length = |text: &str| text.chars().count();
    let mut pieces = Vec::new();
    let mut current = String::new();
    let mut cut = |current: &mut String| {
        if !current.trim().is_empty() {
            pieces.push(current.trim().to_string());
        }
        current.clear();
    };
    for sentence in sentences(paragraph) {
        if length(&current) + length(&sentence) > PASSAGE_CHARS {
            cut(&mut current);
        }
        if length(&sentence) <= PASSAGE_CHARS {
            current.push_str(&sentence);
            continue;
        }
        for word in sentence.split_inclusive(char::is_whitespace) {
            if length(&current) + length(word) > PASSAGE_CHARS {
                cut(&mut current);
            }
            current.push_str(word);
        }
    }
    cut(&mut current);
    pieces
}

/// A paragraph's sentences, each with the space after it.
fn sentences(paragraph: &str) -> Vec<String> {
    let mut sentences = Vec::new();
    let mut current = String::new();
    for word in paragraph.split_inclusive(char::is_whitespace) {
        current.push_str(word);
        if word.trim_end().ends_with(['.', '!', '?', ';']) {
            sentences.push(std::mem::take(&mut current));
        }
    }
    if !current.is_empty() {
        sentences.push(current);
    }
    sentences
}

/// A passage found for a question.
#[derive(Clone, Debug, sqlx::FromRow)]
pub(crate) struct Found {
    pub document_id: i64,
    pub title: String,
    pub body: String,
}

impl Found {
    pub(crate) fn source(&self) -> KnowledgeSource {
        KnowledgeSource {
            document_id: self.document_id,
            title: self.title.clone(),
            excerpt: self.body.chars().take(300).collect(),
        }
    }
}

/// Agent `agent_id`'s passages sharing words with `terms` (a question's
/// meaningful words), best first.
pub(crate) async fn search(
    tx: &mut Tx,
    account_id: Uuid,
    agent_id: i64,
    terms: &[String],
) -> anyhow::Result<Vec<Found>> {
    if terms.is_empty() {
        return Ok(vec![]);
    }
    // Any of the words (the terms are letters and digits only).
    let query = terms.join(" | ");
    sqlx::query_as(
        "WITH q AS (SELECT to_tsquery('portuguese', $3) || to_tsquery('english', $3) AS q)
         SELECT p.document_id, d.title, p.body
           FROM q, knowledge_passages p
           JOIN knowledge_documents d ON d.account_id = p.account_id AND d.id = p.document_id
          WHERE p.account_id = $1 AND p.agent_id = $2 AND p.search @@ q.q
          ORDER BY ts_rank_cd(p.search, q.q) DESC, p.id
          LIMIT $4",
    )
    .bind(account_id)
    .bind(agent_id)
    .bind(query)
    .bind(FOUND)
    .fetch_all(&mut **tx)
    .await
    .context("searching the knowledge base")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headings_join_their_paragraph_and_paragraphs_stay_apart() {
        let body = "Entregas\n\nEntregamos em todo o Brasil pelos Correios e por transportadora, com rastreio.\n\n\
                    Trocas\n\nVocê pode trocar um produto em até 30 dias após o recebimento, sem custo.";
        assert_eq!(
            passages_of(body),
            [
                "Entregas\nEntregamos em todo o Brasil pelos Correios e por transportadora, com rastreio.",
                "Trocas\nVocê pode trocar um produto em até 30 dias após o recebimento, sem custo."
            ]
        );
    }

    #[test]
    fn long_paragraphs_are_cut_between_sentences() {
        let sentence = "Esta frase tem umas sessenta letras para encher o parágrafo. ";
        let body = sentence.repeat(30);
        let passages = passages_of(&body);
        assert!(passages.len() >= 2, "{passages:?}");
        for passage in &passages {
            assert!(passage.chars().count() <= PASSAGE_CHARS + 80);
            assert!(passage.ends_with('.'), "{passage}");
        }
        assert_eq!(
            passages.join(" ").split_whitespace().count(),
            body.split_whitespace().count()
        );
    }
}
