//! Periodic work every instance runs; safe with many instances because what
//! they claim is locked with `SKIP LOCKED`. The SQL only finds the work; the
//! domain's rules do it.

use domain::attachments::Storage;
use domain::channels::vault::Vault;
use domain::channels::{media, outbound, provider, webhooks};
use domain::Db;
use sqlx::postgres::PgListener;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;

/// Ends snoozes when their time comes.
pub async fn end_snoozes(db: Db) {
    let mut tick = tokio::time::interval(Duration::from_secs(15));
    loop {
        tick.tick().await;
        match domain::conversations::end_due_snoozes(&db).await {
            Ok(0) => {}
            Ok(ended) => tracing::info!(ended, "snoozed conversations back in the queue"),
            Err(err) => tracing::warn!(error = ?err, "snooze sweeper failed"),
        }
    }
}

/// Marks agents whose browsers went silent idle, then offline.
pub async fn sweep_silent_agents(db: Db) {
    let mut tick = tokio::time::interval(Duration::from_secs(30));
    loop {
        tick.tick().await;
        match domain::activity::sweep_silent(&db).await {
            Ok(outcome) if outcome == Default::default() => {}
            Ok(outcome) => tracing::info!(
                idle = outcome.idle,
                offline = outcome.offline,
                "silent agents marked"
            ),
            Err(err) => tracing::warn!(error = ?err, "activity sweeper failed"),
        }
    }
}

/// Watches the e-mail connections' mailboxes: every few seconds this
/// instance takes the mailboxes nobody is watching (each watcher holds its
/// mailbox for one session, then lets any instance take it again).
pub async fn watch_mailboxes(db: Db, vault: Arc<Vault>, allow_private_targets: bool) {
    let mut tick = tokio::time::interval(Duration::from_secs(3));
    loop {
        tick.tick().await;
        if let Err(err) =
            domain::channels::email::imap::watch_due(&db, &vault, allow_private_targets).await
        {
            tracing::warn!(error = ?err, "claiming mailboxes failed");
        }
    }
}

/// Reviews resolutions (the quality score workflow) on their own loop: a
/// provider may think for seconds, and the channel queues must not wait.
pub async fn review_resolutions(
    db: Db,
    vault: Arc<Vault>,
    mailer: domain::mail::Mailer,
    public_url: String,
    allow_private_targets: bool,
) {
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    loop {
        tick.tick().await;
        let outbox = domain::mail::Outbox {
            vault: &vault,
            base_url: &public_url,
            sending: mailer.can_send(),
        };
        loop {
            match domain::ai::quality::review_due(&db, outbox, allow_private_targets).await {
                Ok(claimed) if claimed > 0 => continue,
                Ok(_) => break,
                Err(err) => {
                    tracing::warn!(error = ?err, "quality reviews failed");
                    break;
                }
            }
        }
    }
}

/// Removes uploads never sent with a message, and partial uploads a crash
/// left behind.
pub async fn clean_up_uploads(db: Db, storage: Storage) {
    let mut tick = tokio::time::interval(Duration::from_secs(3600));
    loop {
        tick.tick().await;
        match domain::attachments::remove_stale_uploads(&db, &storage).await {
            Ok(0) => {}
            Ok(removed) => tracing::info!(removed, "stale uploads removed"),
            Err(err) => tracing::warn!(error = ?err, "upload cleanup failed"),
        }
        if let Err(err) = storage
            .remove_abandoned_incoming(Duration::from_secs(3600))
            .await
        {
            tracing::warn!(error = ?err, "removing abandoned partial uploads failed");
        }
    }
}

/// Builds the report files people asked for, one at a time per instance,
/// as soon as one is asked for (NOTIFY) and every few seconds regardless
/// (builds a crashed instance leased); apart from the other queues, so a
/// long report never holds up customers' messages. Files older than a day
/// are removed.
pub async fn build_report_exports(db: Db, wakes: Arc<Wakes>) {
    let mut last_cleanup: Option<tokio::time::Instant> = None;
    loop {
        match domain::reports::export_jobs::run_due(&db).await {
            Ok(0) => {}
            Ok(_) => continue,
            Err(err) => tracing::warn!(error = ?err, "report exports failed"),
        }
        if last_cleanup.is_none_or(|at| at.elapsed() >= Duration::from_secs(3600)) {
            last_cleanup = Some(tokio::time::Instant::now());
            match domain::reports::export_jobs::remove_old(&db).await {
                Ok(0) => {}
                Ok(removed) => tracing::info!(removed, "old report exports removed"),
                Err(err) => tracing::warn!(error = ?err, "removing old report exports failed"),
            }
        }
        wakes.wait(&wakes.exports, Duration::from_secs(5)).await;
    }
}

/// Records SLA breaches within seconds of their due time, on any instance.
pub async fn sweep_sla_breaches(db: Db) {
    let mut tick = tokio::time::interval(Duration::from_secs(5));
    loop {
        tick.tick().await;
        match domain::service_desk::sla::sweep_breaches(&db).await {
            Ok(0) => {}
            Ok(recorded) => tracing::info!(recorded, "SLA breaches recorded"),
            Err(err) => tracing::warn!(error = ?err, "SLA sweep failed"),
        }
    }
}

/// Fires the clock's rules ("no agent reply for X minutes"…) on any
/// instance, and forgets the rules' old history once an hour.
pub async fn sweep_rule_clocks(db: Db) {
    let mut tick = tokio::time::interval(Duration::from_secs(20));
    let mut last_cleanup: Option<tokio::time::Instant> = None;
    loop {
        tick.tick().await;
        match domain::rules::clock::sweep(&db, chrono::Utc::now()).await {
            Ok(0) => {}
            Ok(fired) => tracing::info!(fired, "clock rules fired"),
            Err(err) => tracing::warn!(error = ?err, "clock rules failed"),
        }
        if last_cleanup.is_none_or(|at| at.elapsed() >= Duration::from_secs(3600)) {
            last_cleanup = Some(tokio::time::Instant::now());
            if let Err(err) = domain::rules::remove_old(&db).await {
                tracing::warn!(error = ?err, "pruning the rules' history failed");
            }
        }
    }
}

/// Moves flow runs on when their clock runs out (a delay, a reply that
/// never came) and makes their HTTP requests and AI asks, on any instance.
pub async fn run_flow_timers(db: Db, policy: domain::flows::runs::HttpPolicy, vault: Arc<Vault>) {
    let mut tick = tokio::time::interval(Duration::from_secs(1));
    let reach = domain::ai::providers::Reach {
        vault: &vault,
        allow_private_targets: policy.allow_private_targets,
    };
    loop {
        tick.tick().await;
        if let Err(err) = domain::flows::runs::run_due(&db, &policy, reach).await {
            tracing::warn!(error = ?err, "flow timers failed");
        }
    }
}

/// Turns received webhooks into contacts, conversations and messages, on a
/// loop of its own: a slow send or report in the other queues never holds
/// up customers' messages, and a burst of webhooks costs the other queues
/// nothing. Wakes when any instance stores one (NOTIFY), and every second
/// regardless (retries that came due, events a crashed instance leased).
pub async fn run_webhook_queue(db: Db, wakes: Arc<Wakes>) {
    loop {
        match webhooks::process_due(&db).await {
            Ok(0) => {}
            Ok(_) => continue,
            Err(err) => tracing::warn!(error = ?err, "webhook queue failed"),
        }
        wakes.wait(&wakes.webhooks, Duration::from_secs(1)).await;
    }
}

/// How this instance's outgoing messages point back at it: the public URL
/// and the key that signs file links, and whether private addresses may be
/// called (tests, on-premise installs).
pub struct OutboundLinks {
    pub public_url: String,
    pub link_key: domain::secrets::SecretKey,
    pub allow_private_targets: bool,
}

/// Works the other queues — customers' files fetched,
/// agents' replies, rules and their webhooks, scheduled reports and
/// outgoing mail out, conversations to agents — as soon as
/// any instance queues something (NOTIFY), and every second regardless
/// (retries that came due, work a crashed instance leased).
pub async fn run_queues(
    db: Db,
    vault: Arc<Vault>,
    mailer: domain::mail::Mailer,
    storage: Storage,
    links: OutboundLinks,
    wakes: Arc<Wakes>,
) {
    let sender = match provider::http_client() {
        Ok(client) => outbound::Sender {
            client,
            public_url: links.public_url,
            link_key: links.link_key,
            allow_private_targets: links.allow_private_targets,
            storage: storage.clone(),
        },
        Err(err) => {
            tracing::error!(error = ?err, "channel queues cannot start");
            return;
        }
    };
    loop {
        let mut busy = false;
        match outbound::process_due(&db, &vault, &sender).await {
            Ok(claimed) => busy |= claimed > 0,
            Err(err) => tracing::warn!(error = ?err, "outbound queue failed"),
        }
        match media::process_due(&db, &vault, &storage, &sender).await {
            Ok(claimed) => busy |= claimed > 0,
            Err(err) => tracing::warn!(error = ?err, "media queue failed"),
        }
        let outbox = domain::mail::Outbox {
            vault: &vault,
            base_url: &sender.public_url,
            sending: mailer.can_send(),
        };
        match domain::mail::alerts::queue_due(&db, outbox).await {
            Ok(queued) => busy |= queued > 0,
            Err(err) => tracing::warn!(error = ?err, "connection alerts failed"),
        }
        match domain::rules::engine::run_due(&db, outbox).await {
            Ok(claimed) => busy |= claimed > 0,
            Err(err) => tracing::warn!(error = ?err, "rules failed"),
        }
        match domain::rules::webhooks::deliver_due(&db, &vault, sender.allow_private_targets).await
        {
            Ok(claimed) => busy |= claimed > 0,
            Err(err) => tracing::warn!(error = ?err, "rules' webhooks failed"),
        }
        match domain::reports::schedules::run_due(&db, outbox).await {
            Ok(claimed) => busy |= claimed > 0,
            Err(err) => tracing::warn!(error = ?err, "scheduled reports failed"),
        }
        match domain::mail::process_due(&db, &vault, &mailer, sender.allow_private_targets).await {
            Ok(claimed) => busy |= claimed > 0,
            Err(err) => tracing::warn!(error = ?err, "mail queue failed"),
        }
        // Conversations waiting for an agent: as soon as one is queued or
        // someone frees up (both notify), and every second regardless (an
        // agent whose browser just connected is online without telling).
        match domain::service_desk::distribute_queued(&db).await {
            Ok(assigned) => busy |= assigned > 0,
            Err(err) => tracing::warn!(error = ?err, "distribution failed"),
        }
        if busy {
            continue;
        }
        wakes.wait(&wakes.others, Duration::from_secs(1)).await;
    }
}

/// Wakes for the job loops, from one LISTEN connection per instance: each
/// loop wakes for its own queue's NOTIFYs only, so a burst of stored
/// webhooks never makes the other queues poll. A wake that comes while its
/// loop is busy is kept (one), so none is lost.
#[derive(Default)]
pub struct Wakes {
    webhooks: Notify,
    exports: Notify,
    others: Notify,
}

impl Wakes {
    fn wake(&self, payload: &str) {
        if payload == webhooks::WAKE_PAYLOAD {
            self.webhooks.notify_one();
        } else if payload == domain::reports::export_jobs::WAKE_PAYLOAD {
            self.exports.notify_one();
        } else {
            self.others.notify_one();
        }
    }

    fn wake_all(&self) {
        for wake in [&self.webhooks, &self.exports, &self.others] {
            wake.notify_one();
        }
    }

    /// Until `wake` is woken, or `wait` at most.
    async fn wait(&self, wake: &Notify, wait: Duration) {
        let _ = tokio::time::timeout(wait, wake.notified()).await;
    }
}

/// Listens for `NOTIFY ponte_jobs` and wakes the loop each is for; after a
/// lost connection every loop is woken (what was sent meanwhile is lost)
/// and the listener connects again.
pub async fn listen_for_jobs(db: Db, wakes: Arc<Wakes>) {
    loop {
        let listening = async {
            let mut listener = PgListener::connect_with(db.pool()).await?;
            listener.listen(webhooks::JOBS_CHANNEL).await?;
            loop {
                match listener.try_recv().await? {
                    Some(note) => wakes.wake(note.payload()),
                    None => wakes.wake_all(),
                }
            }
        };
        let lost: Result<(), sqlx::Error> = listening.await;
        if let Err(err) = lost {
            tracing::warn!(error = ?err, "jobs listener lost; reconnecting");
        }
        wakes.wake_all();
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}
