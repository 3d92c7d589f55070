//! Distribution: conversations nobody has wait in their department's queue,
//! in order, and go to an agent who is online and under capacity — the
//! contact's owner first when the customer wallet is on, else by the
//! department's mode (round-robin, least-busy). Any instance may run it:
//! each account's queue is worked under a transaction-level advisory lock,
//! so two instances never give one agent more than their capacity nor one
//! conversation twice.

use anyhow::Context;
use chrono::{DateTime, Utc};
use shared::departments::{Distribution, RoutingReason, WalletFallback};
use std::collections::HashMap;
use uuid::Uuid;

use crate::conversations::{self, Locked};
use crate::db::{Db, Tx};
use crate::error::Result;
use crate::inbox::ONLINE_WINDOW_SECS;

/// Accounts and conversations one pass looks at, at most.
const ACCOUNTS_PER_PASS: i32 = 100;
const QUEUE_PER_PASS: i64 = 500;

/// Puts a conversation nobody has in its department's queue when someone
/// would route it: the department distributes, or the wallet applies.
pub(crate) async fn enqueue(tx: &mut Tx, account_id: Uuid, conversation: &Locked) -> Result<()> {
    if conversation.assignee_id.is_some()
        || conversation.status != shared::inbox::ConversationStatus::Open
    {
        return Ok(());
    }
    let queued = sqlx::query(
        "UPDATE conversations c SET queued_at = now()
          WHERE c.account_id = $1 AND c.id = $2 AND c.queued_at IS NULL AND c.assignee_id IS NULL
            AND (EXISTS (SELECT 1 FROM departments d
                          WHERE d.account_id = $1 AND d.id = c.department_id AND d.distribution <> 'manual')
                 OR EXISTS (SELECT 1 FROM contacts k JOIN accounts a ON a.id = k.account_id
                             WHERE k.account_id = $1 AND k.id = c.contact_id
                               AND k.owner_id IS NOT NULL AND a.wallet_routing))",
    )
    .bind(account_id)
    .bind(conversation.id)
    .execute(&mut **tx)
    .await
    .context("queueing conversation")?;
    if queued.rows_affected() > 0 {
        super::wake_distribution(tx).await?;
    }
    Ok(())
}

/// An agent as distribution sees them in one department.
#[derive(Clone, Debug, PartialEq)]
pub struct Candidate {
    pub user_id: Uuid,
    pub online: bool,
    /// Their open, in-progress and waiting conversations (all departments).
    pub load: u32,
    /// This department's limit for them.
    pub capacity: u32,
    /// When this department last gave them a conversation.
    pub last_routed_at: Option<DateTime<Utc>>,
}

impl Candidate {
    fn free(&self) -> bool {
        self.online && self.load < self.capacity
    }
}

/// Who gets the next conversation: round-robin takes whoever this
/// department served longest ago (never served first); least-busy takes the
/// lightest load, then the same order. Nobody offline or at capacity.
pub fn choose(mode: Distribution, candidates: &[Candidate]) -> Option<Uuid> {
    let free = candidates.iter().filter(|c| c.free());
    // `None` (never served) sorts before any instant.
    let turn = |c: &&Candidate| (c.last_routed_at, c.user_id);
    match mode {
        Distribution::Manual => None,
        Distribution::RoundRobin => free.min_by_key(turn),
        Distribution::LeastBusy => free.min_by_key(|c| (c.load, turn(c))),
    }
    .map(|c| c.user_id)
}

/// Works every account's queue once; returns how many conversations were
/// given to agents.
pub async fn distribute_queued(db: &Db) -> Result<usize> {
    let accounts: Vec<Uuid> =
        sqlx::query_scalar("SELECT account_id FROM accounts_with_queued_conversations($1)")
            .bind(ACCOUNTS_PER_PASS)
            .fetch_all(db.pool())
            .await
            .context("finding queues")?;
    let mut assigned = 0;
    for account_id in accounts {
        assigned += distribute_account(db, account_id).await?;
    }
    Ok(assigned)
}

#[derive(sqlx::FromRow)]
struct Queued {
    id: i64,
    /// Still open and nobody's: an agent may have taken it meanwhile.
    unattended: bool,
    department_id: Option<i64>,
    owner_id: Option<Uuid>,
}

struct Agent {
    name: String,
    online: bool,
    load: u32,
}

/// The account's agents, seats and rules, read once per pass under the lock.
struct Board {
    agents: HashMap<Uuid, Agent>,
    /// Per department: its mode and its members' seats.
    departments: HashMap<i64, (Distribution, Vec<Candidate>)>,
    wallet_routing: bool,
    wallet_owner_offline: WalletFallback,
}

enum Decision {
    Assign(Uuid, RoutingReason),
    /// Stays queued until someone frees up.
    Wait,
    /// Nobody routes it (a manual department): out of the queue.
    Leave,
}

impl Board {
    fn decide(&self, conversation: &Queued) -> Decision {
        if !conversation.unattended {
            return Decision::Leave;
        }
        if self.wallet_routing {
            if let Some(owner) = conversation.owner_id {
                if self.owner_free(owner, conversation.department_id) {
                    return Decision::Assign(owner, RoutingReason::Wallet);
                }
                if self.wallet_owner_offline == WalletFallback::Wait {
                    return Decision::Wait;
                }
            }
        }
        let Some((mode, seats)) = conversation
            .department_id
            .and_then(|d| self.departments.get(&d))
        else {
            return Decision::Leave;
        };
        let reason = match mode {
            Distribution::Manual => return Decision::Leave,
            Distribution::RoundRobin => RoutingReason::RoundRobin,
            Distribution::LeastBusy => RoutingReason::LeastBusy,
        };
        match choose(*mode, seats) {
            Some(user) => Decision::Assign(user, reason),
            None => Decision::Wait,
        }
    }

    /// The owner may take their customer: online and under capacity — the
    /// conversation's department's limit for them, else their largest
    /// limit anywhere (none set anywhere: no limit).
    fn owner_free(&self, owner: Uuid, department: Option<i64>) -> bool {
        if !self.agents.get(&owner).is_some_and(|a| a.online) {
            return false;
        }
        let seat_in = |department: i64| {
            self.departments
                .get(&department)
                .and_then(|(_, seats)| seats.iter().find(|s| s.user_id == owner))
        };
        if let Some(seat) = department.and_then(seat_in) {
            return seat.free();
        }
        let seats = self
            .departments
            .values()
            .flat_map(|(_, seats)| seats.iter().filter(|s| s.user_id == owner));
        match seats.max_by_key(|s| s.capacity) {
            Some(roomiest) => roomiest.free(),
            None => true,
        }
    }

    /// Counts the new conversation against the agent everywhere.
    fn record(&mut self, user: Uuid, department: Option<i64>, now: DateTime<Utc>) {
        if let Some(agent) = self.agents.get_mut(&user) {
            agent.load += 1;
        }
        for (id, (_, seats)) in self.departments.iter_mut() {
            for seat in seats.iter_mut().filter(|s| s.user_id == user) {
                seat.load += 1;
                if Some(*id) == department {
                    seat.last_routed_at = Some(now);
                }
            }
        }
    }
}

async fn distribute_account(db: &Db, account_id: Uuid) -> Result<usize> {
    let mut tx = db.tenant(account_id, None).await?;
    // One distributor per account at a time: loads read below stay true
    // until this transaction commits.
    sqlx::query(
        "SELECT pg_advisory_xact_lock(hashtextextended('ponte.distribution:' || $1::text, 0))",
    )
    .bind(account_id)
    .execute(&mut *tx)
    .await
    .context("taking the distribution lock")?;
    // Read without row locks (a queue nobody can take yet is read every
    // second); only a conversation about to be given is locked, below.
    let queue: Vec<Queued> = sqlx::query_as(
        "SELECT c.id, c.assignee_id IS NULL AND c.status = 'open' AS unattended, c.department_id, k.owner_id
           FROM conversations c JOIN contacts k ON k.id = c.contact_id
          WHERE c.account_id = $1 AND c.queued_at IS NOT NULL
          ORDER BY c.queued_at, c.id LIMIT $2",
    )
    .bind(account_id)
    .bind(QUEUE_PER_PASS)
    .fetch_all(&mut *tx)
    .await
    .context("reading the queue")?;
    if queue.is_empty() {
        tx.commit().await.context("commit")?;
        return Ok(0);
    }
    let mut board = read_board(&mut tx, account_id).await?;
    let mut assigned = 0;
    for queued in &queue {
        match board.decide(queued) {
            Decision::Wait => {}
            Decision::Leave => leave_queue(&mut tx, account_id, queued.id).await?,
            Decision::Assign(user, reason) => {
                let name = board
                    .agents
                    .get(&user)
                    .map(|a| a.name.clone())
                    .unwrap_or_default();
                // One another transaction holds (its customer writing right
                // now) is passed over; that transaction's commit wakes us.
                let Some(mut conversation) =
                    conversations::lock_by_id(&mut tx, account_id, queued.id, true).await?
                else {
                    continue;
                };
                if conversation.assignee_id.is_some()
                    || conversation.status != shared::inbox::ConversationStatus::Open
                {
                    // An agent took it since the queue was read.
                    leave_queue(&mut tx, account_id, queued.id).await?;
                    continue;
                }
                conversations::route_to(&mut tx, &mut conversation, user, &name, reason).await?;
                if reason != RoutingReason::Wallet {
                    if let Some(department) = queued.department_id {
                        sqlx::query(
                            "UPDATE department_members SET last_routed_at = now()
                              WHERE account_id = $1 AND department_id = $2 AND user_id = $3",
                        )
                        .bind(account_id)
                        .bind(department)
                        .bind(user)
                        .execute(&mut *tx)
                        .await
                        .context("remembering whose turn it was")?;
                    }
                }
                board.record(user, queued.department_id, Utc::now());
                assigned += 1;
            }
        }
    }
    tx.commit().await.context("commit")?;
    Ok(assigned)
}

async fn leave_queue(tx: &mut Tx, account_id: Uuid, conversation_id: i64) -> Result<()> {
    sqlx::query("UPDATE conversations SET queued_at = NULL WHERE account_id = $1 AND id = $2")
        .bind(account_id)
        .bind(conversation_id)
        .execute(&mut **tx)
        .await
        .context("leaving the queue")?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct Seat {
    department_id: i64,
    distribution: Distribution,
    user_id: Uuid,
    max_conversations: i32,
    last_routed_at: Option<DateTime<Utc>>,
}

async fn read_board(tx: &mut Tx, account_id: Uuid) -> anyhow::Result<Board> {
    let (wallet_routing, wallet_owner_offline): (bool, WalletFallback) =
        sqlx::query_as("SELECT wallet_routing, wallet_owner_offline FROM accounts WHERE id = $1")
            .bind(account_id)
            .fetch_one(&mut **tx)
            .await
            .context("reading wallet rules")?;
    let agents: Vec<(Uuid, String, bool, i64)> = sqlx::query_as(
        "SELECT m.user_id, u.name,
                m.availability = 'online' AND COALESCE(m.last_seen_at > now() - make_interval(secs => $2), false)
                AND NOT EXISTS (SELECT 1 FROM inactivity_periods ip
                                 WHERE ip.account_id = $1 AND ip.user_id = m.user_id
                                   AND ip.ended_at IS NULL AND ip.reason IN ('idle', 'away')),
                (SELECT count(*) FROM conversations c
                  WHERE c.account_id = $1 AND c.assignee_id = m.user_id
                    AND c.status IN ('open', 'in_progress', 'waiting'))
           FROM memberships m JOIN users u ON u.id = m.user_id
          WHERE m.account_id = $1 AND m.active AND m.role <> 'auditor'",
    )
    .bind(account_id)
    .bind(f64::from(ONLINE_WINDOW_SECS))
    .fetch_all(&mut **tx)
    .await
    .context("reading agents' loads")?;
    let agents: HashMap<Uuid, Agent> = agents
        .into_iter()
        .map(|(id, name, online, load)| {
            let load = u32::try_from(load).unwrap_or(u32::MAX);
            (id, Agent { name, online, load })
        })
        .collect();
    let seats: Vec<Seat> = sqlx::query_as(
        "SELECT d.id AS department_id, d.distribution, m.user_id, m.max_conversations, m.last_routed_at
           FROM departments d JOIN department_members m ON m.department_id = d.id
          WHERE d.account_id = $1",
    )
    .bind(account_id)
    .fetch_all(&mut **tx)
    .await
    .context("reading departments' members")?;
    let mut departments: HashMap<i64, (Distribution, Vec<Candidate>)> = HashMap::new();
    for seat in seats {
        let Some(agent) = agents.get(&seat.user_id) else {
            continue;
        };
        departments
            .entry(seat.department_id)
            .or_insert_with(|| (seat.distribution, vec![]))
            .1
            .push(Candidate {
                user_id: seat.user_id,
                online: agent.online,
                load: agent.load,
                capacity: u32::try_from(seat.max_conversations).unwrap_or(0),
                last_routed_at: seat.last_routed_at,
            });
    }
    Ok(Board {
        agents,
        departments,
        wallet_routing,
        wallet_owner_offline,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn agent(n: u128, load: u32, capacity: u32, served_minute: Option<u32>) -> Candidate {
        Candidate {
            user_id: Uuid::from_u128(n),
            online: true,
            load,
            capacity,
            last_routed_at: served_minute
                .map(|m| Utc.with_ymd_and_hms(2026, 12, 1, 9, m, 0).unwrap()),
        }
    }

    /// Suporte (1) seats the owner (2) and another agent (3); the wallet on.
    fn board(owner_load: u32, fallback: WalletFallback) -> Board {
        let owner = agent(2, owner_load, 3, None);
        let other = agent(3, 0, 3, None);
        let agents = [&owner, &other]
            .into_iter()
            .map(|seat| {
                let state = Agent {
                    name: String::new(),
                    online: true,
                    load: seat.load,
                };
                (seat.user_id, state)
            })
            .collect();
        Board {
            agents,
            departments: HashMap::from([(1, (Distribution::RoundRobin, vec![owner, other]))]),
            wallet_routing: true,
            wallet_owner_offline: fallback,
        }
    }

    fn owned(department: Option<i64>) -> Queued {
        Queued {
            id: 1,
            unattended: true,
            department_id: department,
            owner_id: Some(Uuid::from_u128(2)),
        }
    }

    fn given_to(decision: Decision) -> Option<(u128, RoutingReason)> {
        match decision {
            Decision::Assign(user, reason) => Some((user.as_u128(), reason)),
            Decision::Wait | Decision::Leave => None,
        }
    }

    #[test]
    fn the_wallet_respects_the_owners_capacity() {
        // Room left: the owner gets the customer.
        let decision = board(2, WalletFallback::Distribute).decide(&owned(Some(1)));
        assert_eq!(given_to(decision), Some((2, RoutingReason::Wallet)));
        // Full: as if away — the department's mode, or the wait.
        let decision = board(3, WalletFallback::Distribute).decide(&owned(Some(1)));
        assert_eq!(given_to(decision), Some((3, RoutingReason::RoundRobin)));
        let decision = board(3, WalletFallback::Wait).decide(&owned(Some(1)));
        assert!(matches!(decision, Decision::Wait));
        // Outside the owner's departments, their own limit still holds.
        let decision = board(3, WalletFallback::Wait).decide(&owned(None));
        assert!(matches!(decision, Decision::Wait));
        let decision = board(1, WalletFallback::Wait).decide(&owned(None));
        assert_eq!(given_to(decision), Some((2, RoutingReason::Wallet)));
    }

    /// Gives `rounds` conversations one by one, as the worker does.
    fn deal(mode: Distribution, mut seats: Vec<Candidate>, rounds: u32) -> Vec<u128> {
        let mut given = vec![];
        for round in 0..rounds {
            let Some(user) = choose(mode, &seats) else {
                break;
            };
            let seat = seats.iter_mut().find(|s| s.user_id == user).unwrap();
            seat.load += 1;
            seat.last_routed_at = Some(Utc.with_ymd_and_hms(2026, 12, 1, 10, round, 0).unwrap());
            given.push(user.as_u128());
        }
        given
    }

    #[test]
    fn round_robin_takes_turns_starting_with_who_waited_longest() {
        let seats = vec![
            agent(1, 0, 10, Some(30)),
            agent(2, 5, 10, None),
            agent(3, 0, 10, Some(10)),
        ];
        assert_eq!(
            deal(Distribution::RoundRobin, seats, 7),
            [2, 3, 1, 2, 3, 1, 2]
        );
    }

    #[test]
    fn round_robin_skips_the_full_and_the_offline() {
        let mut offline = agent(3, 0, 10, None);
        offline.online = false;
        let seats = vec![agent(1, 1, 2, None), agent(2, 0, 10, Some(5)), offline];
        assert_eq!(deal(Distribution::RoundRobin, seats, 4), [1, 2, 2, 2]);
    }

    #[test]
    fn least_busy_fills_the_lightest_and_breaks_ties_by_turn() {
        let seats = vec![
            agent(1, 2, 10, None),
            agent(2, 0, 10, Some(20)),
            agent(3, 0, 10, Some(10)),
        ];
        // 3 and 2 are tied at zero: 3 was served earlier, so 3 first.
        assert_eq!(deal(Distribution::LeastBusy, seats, 5), [3, 2, 3, 2, 1]);
    }

    #[test]
    fn nobody_gets_more_than_their_capacity_and_manual_routes_nobody() {
        let seats = vec![agent(1, 0, 2, None), agent(2, 0, 1, None)];
        assert_eq!(deal(Distribution::LeastBusy, seats.clone(), 10).len(), 3);
        assert_eq!(deal(Distribution::RoundRobin, seats.clone(), 10).len(), 3);
        assert_eq!(choose(Distribution::Manual, &seats), None);
    }
}
