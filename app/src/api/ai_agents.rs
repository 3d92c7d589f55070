//! The account's AI agents and their knowledge (Fluxos → Agentes de IA,
//! people who manage flows), and "try it": what an agent would answer.

use leptos::prelude::*;
use shared::ai_agents::{AgentAnswer, AgentKind, AiAgent, KnowledgeDocument};
use shared::AppError;

#[server(endpoint = "ai_agents")]
pub async fn list_ai_agents() -> Result<Vec<AiAgent>, AppError> {
    use crate::server::{actor, finish};
    let (app, actor) = actor()?;
    finish(domain::ai::agents::list(&app.db, &actor).await)
}

/// Adds (`id` absent) or changes an agent, as the form typed it; an empty
/// `provider_id` chooses the offline engine.
#[server(endpoint = "save_ai_agent")]
pub async fn save_ai_agent(
    id: Option<i64>,
    kind: AgentKind,
    department_id: Option<i64>,
    name: String,
    instructions: String,
    provider_id: Option<String>,
) -> Result<AiAgent, AppError> {
    use crate::server::{actor, finish};
    use shared::ai_agents::AiAgentForm;
    use shared::ErrorCode;
    let provider_id = match provider_id.as_deref().map(str::trim) {
        None | Some("") => None,
        Some(typed) => Some(
            typed
                .parse::<i64>()
                .map_err(|_| AppError::field("provider_id", ErrorCode::OptionInvalid))?,
        ),
    };
    let form = AiAgentForm {
        kind,
        department_id,
        name,
        instructions,
        provider_id,
    };
    let (app, actor) = actor()?;
    finish(domain::ai::agents::save(&app.db, &actor, id, &form).await)
}

#[server(endpoint = "remove_ai_agent")]
pub async fn remove_ai_agent(id: i64) -> Result<(), AppError> {
    use crate::server::{actor, finish};
    let (app, actor) = actor()?;
    finish(domain::ai::agents::remove(&app.db, &actor, id).await)
}

#[server(endpoint = "knowledge_documents")]
pub async fn list_knowledge(agent_id: i64) -> Result<Vec<KnowledgeDocument>, AppError> {
    use crate::server::{actor, finish};
    let (app, actor) = actor()?;
    finish(domain::ai::agents::knowledge::list(&app.db, &actor, agent_id).await)
}

#[server(endpoint = "save_knowledge_document")]
pub async fn save_knowledge(
    agent_id: i64,
    id: Option<i64>,
    title: String,
    body: String,
) -> Result<KnowledgeDocument, AppError> {
    use crate::server::{actor, finish};
    use shared::ai_agents::KnowledgeForm;
    let (app, actor) = actor()?;
    let form = KnowledgeForm { title, body };
    finish(domain::ai::agents::knowledge::save(&app.db, &actor, agent_id, id, &form).await)
}

#[server(endpoint = "remove_knowledge_document")]
pub async fn remove_knowledge(agent_id: i64, id: i64) -> Result<(), AppError> {
    use crate::server::{actor, finish};
    let (app, actor) = actor()?;
    finish(domain::ai::agents::knowledge::remove(&app.db, &actor, agent_id, id).await)
}

/// "Try it": the agent's answer to a question, never sent to anyone.
#[server(endpoint = "ask_ai_agent")]
pub async fn ask_ai_agent(id: i64, question: String) -> Result<AgentAnswer, AppError> {
    use crate::server::{actor, finish};
    let (app, actor) = actor()?;
    let reach = app.config.ai_reach();
    finish(domain::ai::agents::try_answer(&app.db, reach, &actor, id, &question).await)
}
