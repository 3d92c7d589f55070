//! Signals dispatched on several tasks at once, in order per conversation.

use domain::realtime::{Envelope, Signal};
use std::sync::Arc;
use tokio::sync::mpsc;

use super::Hub;

/// Signals are turned into events on several tasks at once, so one slow
/// read (or one busy account) does not hold up everyone else's. A
/// conversation's signals always take the same lane, so its events keep
/// their order; signals about no conversation keep theirs per account.
pub(super) struct Lanes {
    lanes: Vec<mpsc::Sender<Envelope>>,
}

/// Lanes per instance: enough to overlap database reads on a small
/// machine without letting one burst take every pool connection.
const DISPATCH_LANES: usize = 8;
/// Signals waiting per lane before the LISTEN loop waits for it.
const LANE_QUEUE: usize = 1024;
/// Signals a lane takes at once (see [`fold_conversation_changes`]).
const LANE_BATCH: usize = 64;

/// A change that adds a message also changes its conversation, and both
/// signals arrive together. The message's broadcast already reads the
/// conversation, so it sends the conversation's new state with the message
/// (inside a new message's frame, right behind changed messages' frames)
/// and the separate `ConversationChanged` is dropped. Returns the signals to
/// dispatch, with whether each also carries its conversation; drains `batch`.
fn fold_conversation_changes(batch: &mut Vec<Envelope>) -> Vec<(Envelope, bool)> {
    let mut folded = vec![false; batch.len()];
    let mut carries = vec![false; batch.len()];
    for i in 0..batch.len() {
        let is_message = matches!(
            batch[i].signal,
            Signal::MessageCreated { .. }
                | Signal::MessageUpdated { .. }
                | Signal::MessagesUpdated { .. }
        );
        if !is_message || folded[i] {
            continue;
        }
        let (account_id, conversation) = (batch[i].account_id, batch[i].signal.conversation_id());
        let later_change = (i + 1..batch.len()).find(|&j| {
            !folded[j]
                && batch[j].account_id == account_id
                && matches!(batch[j].signal, Signal::ConversationChanged { .. })
                && batch[j].signal.conversation_id() == conversation
        });
        if let Some(j) = later_change {
            folded[j] = true;
            carries[i] = true;
        }
    }
    batch
        .drain(..)
        .zip(folded.into_iter().zip(carries))
        .filter(|(_, (folded, _))| !folded)
        .map(|(envelope, (_, carries))| (envelope, carries))
        .collect()
}

/// Signals that change who sees what (a role, a membership, departments, a
/// visitor's contact) are applied in the LISTEN loop itself, in commit
/// order: no signal committed after them is dispatched with the old rights.
pub(super) fn changes_who_sees_what(signal: &Signal) -> bool {
    matches!(
        signal,
        Signal::RoleChanged { .. }
            | Signal::MembershipChanged { .. }
            | Signal::AccessChanged
            | Signal::ContactIdentified { .. }
            | Signal::ConnectionChanged { .. }
    )
}

impl Lanes {
    pub(super) fn start(hub: &Arc<Hub>) -> Self {
        let lanes = (0..DISPATCH_LANES)
            .map(|_| {
                let (sender, mut receiver) = mpsc::channel::<Envelope>(LANE_QUEUE);
                let hub = hub.clone();
                tokio::spawn(async move {
                    let mut batch = Vec::with_capacity(LANE_BATCH);
                    while receiver.recv_many(&mut batch, LANE_BATCH).await > 0 {
                        for (envelope, conversation_too) in fold_conversation_changes(&mut batch) {
                            hub.clone().dispatch(envelope, conversation_too).await;
                        }
                    }
                });
                sender
            })
            .collect();
        Self { lanes }
    }

    fn lane_of(envelope: &Envelope) -> usize {
        use std::hash::{Hash, Hasher};
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        envelope.account_id.hash(&mut hasher);
        envelope.signal.conversation_id().hash(&mut hasher);
        (hasher.finish() % DISPATCH_LANES as u64) as usize
    }

    pub(super) async fn send(&self, envelope: Envelope) {
        let lane = &self.lanes[Self::lane_of(&envelope)];
        if lane.send(envelope).await.is_err() {
            tracing::error!("a dispatch lane stopped");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use uuid::Uuid;

    #[test]
    fn a_conversations_signals_share_a_lane_so_they_keep_their_order() {
        let account_id = Uuid::from_u128(7);
        let about = |signal: Signal| Lanes::lane_of(&Envelope { account_id, signal });
        let lane = about(Signal::MessageCreated {
            conversation_id: 42,
            message_id: 1,
        });
        assert_eq!(
            about(Signal::ConversationChanged {
                conversation_id: 42
            }),
            lane
        );
        assert_eq!(
            about(Signal::MessagesUpdated {
                conversation_id: 42,
                message_ids: vec![1, 2],
            }),
            lane
        );
        // Positive control: conversations spread over the lanes.
        let lanes: std::collections::HashSet<usize> = (0..64)
            .map(|conversation_id| about(Signal::ConversationChanged { conversation_id }))
            .collect();
        assert!(lanes.len() > DISPATCH_LANES / 2, "spread: {lanes:?}");
    }

    #[test]
    fn a_message_carries_its_conversations_change_and_nothing_else_is_folded() {
        let account_id = Uuid::from_u128(7);
        let other_account = Uuid::from_u128(8);
        let envelope = |account_id, signal| Envelope { account_id, signal };
        let mut batch = vec![
            envelope(
                account_id,
                Signal::ConversationChanged { conversation_id: 1 },
            ),
            envelope(
                account_id,
                Signal::MessageCreated {
                    conversation_id: 1,
                    message_id: 10,
                },
            ),
            envelope(
                other_account,
                Signal::ConversationChanged { conversation_id: 1 },
            ),
            envelope(
                account_id,
                Signal::ConversationChanged { conversation_id: 2 },
            ),
            envelope(
                account_id,
                Signal::ConversationChanged { conversation_id: 1 },
            ),
        ];
        let dispatched = fold_conversation_changes(&mut batch);
        assert!(batch.is_empty());
        let kept: Vec<(Uuid, Option<i64>, bool)> = dispatched
            .iter()
            .map(|(e, carries)| (e.account_id, e.signal.conversation_id(), *carries))
            .collect();
        assert_eq!(
            kept,
            vec![
                // A change before the message is not the message's own.
                (account_id, Some(1), false),
                (account_id, Some(1), true),
                (other_account, Some(1), false),
                (account_id, Some(2), false),
            ],
            "only the later change of the same conversation and account is folded"
        );
    }
}
