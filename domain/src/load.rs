//! Bulk test data for benchmarks and manual testing (`ponte seed-load`):
//! contacts, conversations and messages generated inside PostgreSQL with
//! `generate_series`, as the owner, in a few set-based statements.

use anyhow::Context;
use sqlx::PgPool;
use std::time::{Duration, Instant};
use uuid::Uuid;

use crate::secrets::random_token;

#[derive(Debug)]
pub struct LoadReport {
    pub account_id: Uuid,
    pub conversations: i64,
    pub messages: i64,
    pub elapsed: Duration,
}

/// How much to generate.
pub struct Load {
    pub conversations: i64,
    pub messages: i64,
    /// Extra agents who work the conversations, with 90 days of work
    /// sessions and the productivity events of their replies and
    /// resolutions (for the dashboard's benchmark); 0 for none.
    pub agents: i64,
}

/// Adds `conversations` conversations (one contact each) and `messages`
/// messages spread over them to the account with this slug.
pub async fn seed(
    owner: &PgPool,
    account_slug: &str,
    load: &Load,
    progress: impl Fn(&str),
) -> anyhow::Result<LoadReport> {
    let Load {
        conversations,
        messages,
        agents,
    } = *load;
    anyhow::ensure!(
        conversations > 0 && messages >= 0,
        "counts must be positive"
    );
    let started = Instant::now();
    let account_id: Uuid = sqlx::query_scalar("SELECT id FROM accounts WHERE slug = $1")
        .bind(account_slug)
        .fetch_optional(owner)
        .await
        .context("finding the account")?
        .with_context(|| format!("no account with slug {account_slug:?}"))?;
    let mut tx = owner.begin().await.context("begin")?;
    // Big batches: skip waiting for the WAL flush on each statement.
    sqlx::query("SET LOCAL synchronous_commit = off")
        .execute(&mut *tx)
        .await?;

    let channel_id: i64 = sqlx::query_scalar(
        "INSERT INTO channels (account_id, kind, name, public_token, settings)
         VALUES ($1, 'website', 'Carga de teste ' || $3, $2, '{\"greeting\": \"\", \"color\": \"#1d4ed8\"}') RETURNING id",
    )
    .bind(account_id)
    .bind(format!("wc_{}", &random_token()[..24]))
    // Each load gets its own channel (names are unique per account).
    .bind(&random_token()[..6])
    .fetch_one(&mut *tx)
    .await
    .context("creating the load channel")?;

    progress("contacts");
    let first_contact: i64 = sqlx::query_scalar(
        "WITH made AS (
            INSERT INTO contacts (account_id, name, phone, email, is_lead, created_at)
            SELECT $1,
                   (ARRAY['Ana','Bruno','Carla','Diego','Elisa','Fábio','Gabriela','Heitor','Isabela','João','Karina','Lucas',
                          'Marina','Nicolas','Olívia','Paulo','Renata','Sérgio','Tatiane','Vitor'])[1 + i % 20]
                     || ' ' || (ARRAY['Silva','Souza','Oliveira','Santos','Lima','Costa','Pereira','Almeida','Ferreira','Gomes'])[1 + (i / 20) % 10]
                     || ' ' || i,
                   '+5511' || (900000000 + i)::text,
                   'cliente' || i || '@example.com',
                   i % 3 = 0,
                   now() - make_interval(days => (i % 90)::int)
              FROM generate_series(1, $2) AS i
            RETURNING id)
         SELECT min(id) FROM made",
    )
    .bind(account_id)
    .bind(conversations)
    .fetch_one(&mut *tx)
    .await
    .context("creating contacts")?;
    sqlx::query(
        "INSERT INTO contact_identities (account_id, contact_id, channel_id, external_id)
         SELECT $1, id, $2, 'load-' || id FROM contacts WHERE account_id = $1 AND id >= $3",
    )
    .bind(account_id)
    .bind(channel_id)
    .bind(first_contact)
    .execute(&mut *tx)
    .await
    .context("creating identities")?;

    progress("conversations");
    let first_number: i64 = sqlx::query_scalar(
        "INSERT INTO account_counters (account_id, conversation_number) VALUES ($1, 0)
         ON CONFLICT (account_id) DO UPDATE SET conversation_number = account_counters.conversation_number
         RETURNING conversation_number + 1",
    )
    .bind(account_id)
    .fetch_one(&mut *tx)
    .await
    .context("reading the counter")?;
    if agents > 0 {
        progress("agents");
        let added = add_agents(&mut tx, account_id, agents).await?;
        crate::activity::write_history(&mut tx, account_id, &added, 90).await?;
    }
    let members: Vec<Uuid> = sqlx::query_scalar(
        "SELECT user_id FROM memberships WHERE account_id = $1 AND active AND role <> 'auditor'",
    )
    .bind(account_id)
    .fetch_all(&mut *tx)
    .await?;
    let departments: Vec<i64> =
        sqlx::query_scalar("SELECT id FROM departments WHERE account_id = $1")
            .bind(account_id)
            .fetch_all(&mut *tx)
            .await?;
    sqlx::query(
        "INSERT INTO conversations (account_id, number, contact_id, channel_id, department_id, assignee_id, status, priority,
                                    created_at, updated_at, last_activity_at, waiting_since, resolved_at)
         SELECT $1, $2 + (ct.id - $3), ct.id, $4,
                CASE WHEN cardinality($6::bigint[]) > 0 AND ct.id % 2 = 0 THEN ($6::bigint[])[1 + ct.id % cardinality($6::bigint[])] END,
                CASE WHEN cardinality($5::uuid[]) > 0 AND ct.id % 3 <> 0 THEN ($5::uuid[])[1 + ct.id % cardinality($5::uuid[])] END,
                s.status,
                (ARRAY['low','normal','normal','normal','high','urgent'])[1 + ct.id % 6],
                t.at, t.at, t.at,
                CASE WHEN s.status IN ('open', 'in_progress') AND ct.id % 2 = 1 THEN t.at END,
                CASE WHEN s.status IN ('resolved', 'cancelled') THEN t.at END
           FROM contacts ct,
                LATERAL (SELECT (ARRAY['open','in_progress','in_progress','waiting','resolved','resolved','resolved','cancelled'])[1 + ct.id % 8]
                                 AS status) s,
                LATERAL (SELECT now() - make_interval(mins => ((ct.id * 7919) % 129600)::int) AS at) t
          WHERE ct.account_id = $1 AND ct.id >= $3
          ORDER BY ct.id",
    )
    .bind(account_id)
    .bind(first_number)
    .bind(first_contact)
    .bind(channel_id)
    .bind(&members)
    .bind(&departments)
    .execute(&mut *tx)
    .await
    .context("creating conversations")?;
    sqlx::query("UPDATE account_counters SET conversation_number = conversation_number + $2 WHERE account_id = $1")
        .bind(account_id)
        .bind(conversations)
        .execute(&mut *tx)
        .await
        .context("advancing the counter")?;

    progress("messages");
    let first_conversation: i64 = sqlx::query_scalar(
        "SELECT min(id) FROM conversations WHERE account_id = $1 AND channel_id = $2",
    )
    .bind(account_id)
    .bind(channel_id)
    .fetch_one(&mut *tx)
    .await?;
    // Message i goes to conversation (i mod N); bodies are varied sentences so
    // trigram search has realistic work to do.
    sqlx::query(
        "INSERT INTO messages (account_id, conversation_id, channel_id, kind, body, sender_user_id, delivery_status, created_at, updated_at)
         SELECT $1, $2 + (i % $4), $3,
                CASE WHEN (i / $4) % 2 = 0 THEN 'incoming' ELSE 'outgoing' END,
                (ARRAY['Olá, preciso de ajuda com o pedido','Qual o prazo de entrega para o CEP','Obrigado pelo retorno sobre a fatura',
                       'Meu produto chegou com defeito, número de série','Vocês aceitam PIX ou boleto para o plano',
                       'Pode me enviar a segunda via do boleto','Gostaria de cancelar a assinatura','O aplicativo não abre no celular modelo',
                       'Quero trocar o tamanho da camiseta do pedido','Bom dia! Alguma novidade sobre o chamado'])[1 + (i * 31) % 10]
                  || ' ' || (1000 + (i * 7) % 90000)::text,
                CASE WHEN (i / $4) % 2 = 1 AND cardinality($5::uuid[]) > 0 THEN ($5::uuid[])[1 + i % cardinality($5::uuid[])] END,
                CASE WHEN (i / $4) % 2 = 1 THEN 'read' END,
                c.created_at + make_interval(secs => ((i / $4) * 90)::float8),
                c.created_at + make_interval(secs => ((i / $4) * 90)::float8)
           FROM generate_series(0, $6 - 1) AS i
           JOIN conversations c ON c.id = $2 + (i % $4)",
    )
    .bind(account_id)
    .bind(first_conversation)
    .bind(channel_id)
    .bind(conversations)
    .bind(&members)
    .bind(messages)
    .execute(&mut *tx)
    .await
    .context("creating messages")?;

    progress("counters");
    sqlx::query(
        "UPDATE conversations c
            SET incoming_count = s.incoming, last_message_preview = left(s.last_body, 140), last_message_kind = s.last_kind,
                last_activity_at = GREATEST(c.last_activity_at, s.last_at), updated_at = GREATEST(c.updated_at, s.last_at)
           FROM (SELECT conversation_id,
                        count(*) FILTER (WHERE kind = 'incoming') AS incoming,
                        (array_agg(body ORDER BY id DESC))[1] AS last_body,
                        (array_agg(kind ORDER BY id DESC))[1] AS last_kind,
                        max(created_at) AS last_at
                   FROM messages WHERE channel_id = $1 GROUP BY conversation_id) s
          WHERE c.id = s.conversation_id",
    )
    .bind(channel_id)
    .execute(&mut *tx)
    .await
    .context("updating conversation counters")?;
    if agents > 0 {
        progress("productivity events");
        record_work(&mut tx, account_id, channel_id).await?;
    }
    tx.commit().await.context("commit")?;

    progress("analyze");
    // VACUUM too, as after any bulk load: the dashboard's index-only scans
    // need the visibility map, and otherwise autovacuum's first visit scans
    // every freshly inserted page while the benchmark measures (5 s for a
    // million messages; docs/BENCHMARKS.md, sustained load).
    sqlx::query(
        "VACUUM ANALYZE contacts, conversations, messages, productivity_events, work_sessions, \
         inactivity_periods",
    )
    .execute(owner)
    .await
    .context("vacuum analyze")?;
    Ok(LoadReport {
        account_id,
        conversations,
        messages,
        elapsed: started.elapsed(),
    })
}

/// Adds `count` agents (`agente{n}@load.ponte.dev`, unusable password).
async fn add_agents(
    tx: &mut sqlx::PgConnection,
    account_id: Uuid,
    count: i64,
) -> anyhow::Result<Vec<Uuid>> {
    let batch = &random_token()[..6];
    let ids: Vec<Uuid> = sqlx::query_scalar(
        "WITH made AS (
            INSERT INTO users (id, email, name, password_hash)
            SELECT gen_random_uuid(), 'agente' || i || '-' || lower($3) || '@load.ponte.dev', 'Agente de carga ' || i, 'x'
              FROM generate_series(1, $2) AS i
            RETURNING id)
         INSERT INTO memberships (account_id, user_id, role)
         SELECT $1, id, 'agent' FROM made RETURNING user_id",
    )
    .bind(account_id)
    .bind(count)
    .bind(batch)
    .fetch_all(&mut *tx)
    .await
    .context("creating load agents")?;
    Ok(ids)
}

/// The productivity events the domain would have recorded for the load's
/// conversations: each agent reply, each conversation's first response and
/// each resolution.
async fn record_work(
    tx: &mut sqlx::PgConnection,
    account_id: Uuid,
    channel_id: i64,
) -> anyhow::Result<()> {
    // In time order for each conversation: a resolution looks back at its
    // first response (migration 0010's trigger).
    for (what, select) in [
        (
            "replies",
            "SELECT m.account_id, m.sender_user_id, 'message_sent', m.conversation_id, m.channel_id, c.department_id, NULL::int, m.created_at
               FROM messages m JOIN conversations c ON c.id = m.conversation_id
              WHERE m.account_id = $1 AND m.channel_id = $2 AND m.kind = 'outgoing' AND m.sender_user_id IS NOT NULL",
        ),
        (
            "first responses",
            "SELECT DISTINCT ON (m.conversation_id) m.account_id, m.sender_user_id, 'first_response', m.conversation_id,
                    m.channel_id, c.department_id, floor(extract(epoch FROM m.created_at - c.created_at))::int, m.created_at
               FROM messages m JOIN conversations c ON c.id = m.conversation_id
              WHERE m.account_id = $1 AND m.channel_id = $2 AND m.kind = 'outgoing' AND m.sender_user_id IS NOT NULL
              ORDER BY m.conversation_id, m.id",
        ),
        (
            "resolutions",
            "SELECT c.account_id, c.assignee_id, 'conversation_resolved', c.id, c.channel_id, c.department_id,
                    floor(extract(epoch FROM c.last_activity_at - c.created_at))::int, c.last_activity_at
               FROM conversations c
              WHERE c.account_id = $1 AND c.channel_id = $2 AND c.status = 'resolved' AND c.assignee_id IS NOT NULL",
        ),
    ] {
        sqlx::query(&format!(
            "INSERT INTO productivity_events (account_id, user_id, kind, conversation_id, channel_id, department_id, seconds, occurred_at)
             {select}"
        ))
        .bind(account_id)
        .bind(channel_id)
        .execute(&mut *tx)
        .await
        .with_context(|| format!("recording the load's {what}"))?;
    }
    Ok(())
}
