//! Past conversations for a new account's dashboard and reports: `days` of
//! resolved conversations (more on weekdays, busiest around midday) on the
//! account's channels and departments, each with the customer's message,
//! the agent's reply, a first response, often a category, now and then a
//! transfer, the AI's review — and the productivity events the domain would
//! have recorded.
//! Generated in a few set-based statements (`ponte seed-demo`).

use anyhow::Context;
use uuid::Uuid;

use crate::db::Db;

/// Returns how many conversations were added (none without agents or a
/// channel).
pub async fn seed_conversations(
    db: &Db,
    account_id: Uuid,
    agents: &[Uuid],
    days: i32,
) -> anyhow::Result<i64> {
    let mut tx = db.tenant(account_id, None).await?;
    let channels: Vec<i64> = sqlx::query_scalar("SELECT id FROM channels ORDER BY id")
        .fetch_all(&mut *tx)
        .await
        .context("listing channels")?;
    if agents.is_empty() || channels.is_empty() {
        return Ok(0);
    }
    let departments: Vec<i64> = sqlx::query_scalar("SELECT id FROM departments ORDER BY id")
        .fetch_all(&mut *tx)
        .await
        .context("listing departments")?;
    let first_number: i64 = sqlx::query_scalar(
        "INSERT INTO account_counters (account_id, conversation_number) VALUES ($1, 0)
         ON CONFLICT (account_id) DO UPDATE SET conversation_number = account_counters.conversation_number
         RETURNING conversation_number + 1",
    )
    .bind(account_id)
    .fetch_one(&mut *tx)
    .await
    .context("reading the conversation counter")?;

    // One row per past conversation: its day, slot and a pseudo-random `r`
    // that every later choice derives from (repeatable, no random()).
    let added = sqlx::query(
        "WITH account AS (SELECT timezone AS tz FROM accounts WHERE id = $1),
              days AS (
                SELECT d::date AS day, extract(isodow FROM d)::int AS dow FROM account,
                       generate_series((now() AT TIME ZONE tz)::date - $3, (now() AT TIME ZONE tz)::date - 1, interval '1 day') d),
              slots AS (
                SELECT day, row_number() OVER (ORDER BY day, k) AS n,
                       (extract(doy FROM day)::int * 7919 + k * 104729) % 100003 AS r
                  FROM days, generate_series(1, CASE WHEN dow = 7 THEN 0 WHEN dow = 6 THEN 3
                                                     ELSE 6 + (extract(doy FROM day)::int * 5) % 7 END) k),
              timed AS (
                SELECT s.*, (s.day + time '08:00'
                              + make_interval(mins => (((r * 37) % 600 + (r * 11) % 600) / 2)::int))
                              AT TIME ZONE (SELECT tz FROM account) AS created_at
                  FROM slots s),
              people AS (
                INSERT INTO contacts (account_id, name, email, is_lead, created_at)
                SELECT $1,
                       (ARRAY['Beatriz','Caio','Daniela','Eduardo','Fernanda','Gustavo','Helena','Igor','Juliana','Leonardo',
                              'Mariana','Otávio','Patrícia','Rafael','Sabrina','Thiago','Vanessa','William'])[1 + r % 18]
                         || ' ' || (ARRAY['Rocha','Barbosa','Ribeiro','Carvalho','Teixeira','Moreira','Cardoso','Nunes'])[1 + (r / 18) % 8],
                       'historico' || n || '@example.com', false, created_at
                  FROM timed
                RETURNING id, email, created_at)
         INSERT INTO conversations (account_id, number, contact_id, channel_id, department_id, assignee_id, status,
                                    created_at, updated_at, first_response_at, last_activity_at, resolved_at,
                                    last_message_preview, last_message_kind)
         SELECT $1, $4 + t.n - 1, p.id,
                ($5::bigint[])[1 + t.r % cardinality($5::bigint[])],
                CASE WHEN cardinality($6::bigint[]) > 0 THEN ($6::bigint[])[1 + (t.r / 7) % cardinality($6::bigint[])] END,
                ($2::uuid[])[1 + (t.r / 3) % cardinality($2::uuid[])],
                'resolved',
                t.created_at, t.created_at + v.resolution, t.created_at + v.first_response,
                t.created_at + v.resolution, t.created_at + v.resolution,
                'Por nada! Qualquer coisa, é só chamar.', 'outgoing'
           FROM timed t
           JOIN people p ON p.email = 'historico' || t.n || '@example.com'
           CROSS JOIN LATERAL (SELECT
                make_interval(secs => (40 + (t.r * 13) % 1100)::float8) AS first_response,
                make_interval(secs => (40 + (t.r * 13) % 1100)::float8)
                  + make_interval(mins => (CASE WHEN t.r % 10 < 6 THEN 5 + t.r % 50
                                                WHEN t.r % 10 < 9 THEN 60 + t.r % 400
                                                ELSE 1440 + t.r % 2000 END)::int) AS resolution) v
",
    )
    .bind(account_id)
    .bind(agents)
    .bind(days)
    .bind(first_number)
    .bind(&channels)
    .bind(&departments)
    .execute(&mut *tx)
    .await
    .context("seeding past conversations")?
    .rows_affected() as i64;
    sqlx::query("UPDATE account_counters SET conversation_number = conversation_number + $2 WHERE account_id = $1")
        .bind(account_id)
        .bind(added)
        .execute(&mut *tx)
        .await
        .context("advancing the conversation counter")?;

    let history = "c.number >= $2 AND c.number < $2 + $3";
    sqlx::query(&format!(
        "INSERT INTO messages (account_id, conversation_id, channel_id, kind, body, sender_user_id, delivery_status, created_at, updated_at)
         SELECT c.account_id, c.id, c.channel_id, m.kind, m.body, m.sender, m.status, m.at, m.at
           FROM conversations c,
                LATERAL (VALUES
                  ('incoming', (ARRAY['Olá! Meu pedido ainda não chegou.','Preciso da segunda via da nota fiscal.',
                                      'Quero trocar um produto que veio com defeito.','Qual o horário de vocês no sábado?',
                                      'O pagamento pelo PIX não foi confirmado.'])[1 + c.number % 5], NULL::uuid, NULL::text, c.created_at),
                  ('outgoing', (ARRAY['Sinto muito pela demora! Verifiquei o rastreio: seu pedido sai para entrega amanhã.',
                                      'Claro! Enviei a segunda via da nota fiscal para o seu e-mail.',
                                      'Sinto muito pelo defeito! A troca é grátis: enviei a etiqueta de devolução para o seu e-mail.',
                                      'Aos sábados atendemos das 9h às 13h.',
                                      'Verifiquei aqui: o PIX foi confirmado agora e seu pedido já está em separação.'])[1 + c.number % 5],
                   c.assignee_id, 'read', c.first_response_at),
                  ('incoming', 'Perfeito, muito obrigado!', NULL, NULL, c.first_response_at + interval '2 minutes'),
                  ('outgoing', 'Por nada! Qualquer coisa, é só chamar.', c.assignee_id, 'read', c.resolved_at)
                ) AS m(kind, body, sender, status, at)
          WHERE c.account_id = $1 AND {history}"
    ))
    .bind(account_id)
    .bind(first_number)
    .bind(added)
    .execute(&mut *tx)
    .await
    .context("seeding past messages")?;
    sqlx::query(&format!(
        "UPDATE conversations c SET incoming_count = 2 WHERE c.account_id = $1 AND {history}"
    ))
    .bind(account_id)
    .bind(first_number)
    .bind(added)
    .execute(&mut *tx)
    .await
    .context("counting past messages")?;
    // Transfers first: a resolution's first-contact flag looks back at them
    // (migration 0010's trigger).
    sqlx::query(&format!(
        "INSERT INTO productivity_events (account_id, user_id, kind, conversation_id, channel_id, department_id, seconds, occurred_at)
         SELECT c.account_id, c.assignee_id, 'conversation_transferred', c.id, c.channel_id, c.department_id, NULL,
                c.first_response_at + interval '1 minute'
           FROM conversations c
          WHERE c.account_id = $1 AND {history} AND c.number % 9 = 0"
    ))
    .bind(account_id)
    .bind(first_number)
    .bind(added)
    .execute(&mut *tx)
    .await
    .context("seeding past transfers")?;
    sqlx::query(&format!(
        "INSERT INTO productivity_events (account_id, user_id, kind, conversation_id, channel_id, department_id, seconds, occurred_at)
         SELECT c.account_id, e.user_id, e.kind, c.id, c.channel_id, c.department_id, e.seconds, e.at
           FROM conversations c,
                LATERAL (VALUES
                  ('first_response', c.assignee_id, extract(epoch FROM c.first_response_at - c.created_at)::int, c.first_response_at),
                  ('message_sent', c.assignee_id, NULL, c.first_response_at),
                  ('message_sent', c.assignee_id, NULL, c.resolved_at),
                  ('conversation_resolved', c.assignee_id, extract(epoch FROM c.resolved_at - c.created_at)::int, c.resolved_at)
                ) AS e(kind, user_id, seconds, at)
          WHERE c.account_id = $1 AND {history}
          ORDER BY c.id, e.at"
    ))
    .bind(account_id)
    .bind(first_number)
    .bind(added)
    .execute(&mut *tx)
    .await
    .context("seeding past productivity events")?;
    sqlx::query(&format!(
        "INSERT INTO conversation_categories (account_id, conversation_id, category_id, chosen_by, chosen_at)
         SELECT c.account_id, c.id, leaf.id, c.assignee_id, c.resolved_at
           FROM conversations c
           -- The category that fits the customer's question (the demo's).
           CROSS JOIN LATERAL (
                SELECT id FROM categories
                 WHERE active AND name = (ARRAY['Entrega', 'Nota fiscal', 'Troca e devolução',
                                                'Horário de atendimento', 'Pagamento'])[1 + c.number % 5]
                 ORDER BY id LIMIT 1) leaf
          WHERE c.account_id = $1 AND {history} AND c.number % 7 <> 0"
    ))
    .bind(account_id)
    .bind(first_number)
    .bind(added)
    .execute(&mut *tx)
    .await
    .context("categorizing past conversations")?;
    // The AI's review of each resolution, so the dashboard's quality figures
    // and the quality report have a spread: mostly good, some under the
    // default threshold of 7 (the delivery complaints, and now and then a
    // poor one).
    sqlx::query(&format!(
        "WITH scored AS (
            SELECT c.id, c.account_id, c.resolved_at,
                   (CASE WHEN c.number % 13 = 0 THEN 2.5 + c.number % 4
                         WHEN c.number % 5 = 0 THEN 5.5 + (c.number % 3) * 0.5
                         ELSE 7.0 + ((c.number * 37) % 31) / 10.0 END)::real AS score
              FROM conversations c
             WHERE c.account_id = $1 AND {history}),
          marked AS (
            UPDATE conversations c
               SET ai_score = s.score,
                   ai_justification = CASE
                       WHEN s.score >= 7 THEN 'Respondido a tempo, pedido atendido e cliente satisfeito.'
                       WHEN s.score >= 5 THEN 'Pedido atendido, mas o cliente esperou pela primeira resposta.'
                       ELSE 'O cliente esperou muito e o pedido ficou sem solução clara.' END
              FROM scored s WHERE c.id = s.id)
         INSERT INTO quality_reviews (account_id, conversation_id, resolved_at, attempts, reviewed_at,
                                      score, threshold, sentiment, alerted)
         SELECT account_id, id, resolved_at, 1, resolved_at + interval '1 minute',
                score, 7, ((score - 5) / 5)::real, score < 7
           FROM scored"
    ))
    .bind(account_id)
    .bind(first_number)
    .bind(added)
    .execute(&mut *tx)
    .await
    .context("reviewing past conversations")?;
    tx.commit().await.context("commit")?;
    Ok(added)
}
