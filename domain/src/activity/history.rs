//! Plausible past work for the demo account, so the status board and (later)
//! the reports show real-looking figures on a new user's first sign-in:
//! weekdays of the last `days` days, a morning start that varies, a short
//! idle spell, a lunch break away, and some time with Ponte out of view.

use anyhow::Context;
use uuid::Uuid;

use crate::db::Db;

pub async fn seed_history(
    db: &Db,
    account_id: Uuid,
    user_ids: &[Uuid],
    days: i32,
) -> anyhow::Result<()> {
    let mut tx = db.tenant(account_id, None).await?;
    write_history(&mut tx, account_id, user_ids, days).await?;
    tx.commit().await.context("commit")?;
    Ok(())
}

/// The work history of `user_ids` over the last `days` days, written in
/// the caller's transaction (the demo's, or the load generator's).
pub async fn write_history(
    tx: &mut sqlx::PgConnection,
    account_id: Uuid,
    user_ids: &[Uuid],
    days: i32,
) -> anyhow::Result<()> {
    sqlx::query(
        "WITH account AS (SELECT timezone AS tz FROM accounts WHERE id = $1),
              days AS (
                SELECT d::date AS day FROM account,
                       generate_series((now() AT TIME ZONE tz)::date - $3, (now() AT TIME ZONE tz)::date - 1,
                                       interval '1 day') d
                 WHERE extract(isodow FROM d) < 6),
              people AS (SELECT user_id, n FROM unnest($2::uuid[]) WITH ORDINALITY AS p(user_id, n)),
              shifts AS (
                SELECT p.user_id,
                       (day + time '08:20' + make_interval(mins => ((extract(doy FROM day)::int * 7 + p.n::int * 13) % 45)))
                           AT TIME ZONE (SELECT tz FROM account) AS started_at,
                       make_interval(mins => 480 + ((extract(doy FROM day)::int * 11 + p.n::int * 5) % 70)) AS length
                  FROM days, people p)
         INSERT INTO work_sessions (account_id, user_id, started_at, last_seen_at, ended_at, end_reason)
         SELECT $1, user_id, started_at, started_at + length, started_at + length, 'sign_out' FROM shifts",
    )
    .bind(account_id)
    .bind(user_ids)
    .bind(days)
    .execute(&mut *tx)
    .await
    .context("seeding work sessions")?;
    sqlx::query(
        "INSERT INTO inactivity_periods (account_id, work_session_id, user_id, started_at, ended_at, reason)
         SELECT w.account_id, w.id, w.user_id, w.started_at + gap.at, w.started_at + gap.at + gap.length, gap.reason
           FROM work_sessions w,
                LATERAL (VALUES
                  (interval '95 min' + make_interval(mins => (w.id % 30)::int), make_interval(mins => 10 + (w.id % 9)::int), 'idle'),
                  (interval '210 min', make_interval(mins => 55 + (w.id % 12)::int), 'away'),
                  (interval '380 min' + make_interval(mins => (w.id % 20)::int), make_interval(mins => 8 + (w.id % 15)::int), 'hidden')
                ) AS gap(at, length, reason)
          WHERE w.account_id = $1 AND w.end_reason = 'sign_out' AND w.user_id = ANY($2)",
    )
    .bind(account_id)
    .bind(user_ids)
    .execute(&mut *tx)
    .await
    .context("seeding inactivity periods")?;
    Ok(())
}
