//! The crash test: 10,000 signed WhatsApp webhooks (2,000 more of them
//! redelivered) posted to two real `ponte` processes on one database while
//! one is killed with SIGKILL and restarted mid-run. Exactly 10,000 messages
//! come out: none lost, none doubled.

use serde_json::json;
use std::process::Stdio;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::process::{Child, Command};

use crate::helpers::{test_secret, TestDb};
use crate::mock_providers::{meta_signature, whatsapp_messages};

const MESSAGES: usize = 10_000;
const REDELIVERED: usize = 2_000;
/// Few enough customers that new conversations stay under the per-channel
/// flood limit.
const CUSTOMERS: usize = 100;
const APP_SECRET: &str = "crash-app-secret";

/// Two distinct free ports (both held until both are known).
fn free_ports() -> [u16; 2] {
    let bind = || std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    let (a, b) = (bind(), bind());
    let port = |l: &std::net::TcpListener| l.local_addr().expect("bound").port();
    [port(&a), port(&b)]
}

fn start(database: &TestDb, data_dir: &std::path::Path, port: u16) -> Child {
    Command::new(env!("CARGO_BIN_EXE_ponte"))
        .args(["serve", "--addr", &format!("127.0.0.1:{port}")])
        .env("DATABASE_URL", &database.owner_url)
        .env("PONTE_SECRET_KEY", test_secret().to_base64())
        .env("PONTE_DATA_DIR", data_dir)
        .env("LEPTOS_SITE_ROOT", data_dir.join("site"))
        .env("PONTE_DB_MAX_CONNECTIONS", "8")
        .env("RUST_LOG", "error")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("start ponte")
}

async fn wait_ready(client: &reqwest::Client, port: u16) {
    for _ in 0..300 {
        if let Ok(response) = client
            .get(format!("http://127.0.0.1:{port}/readyz"))
            .send()
            .await
        {
            if response.status() == 200 {
                return;
            }
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("ponte on port {port} never became ready");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_thousand_webhooks_survive_an_instance_killed_mid_run() {
    let started = Instant::now();
    let database = TestDb::new().await;
    let data_dir = std::env::temp_dir().join(format!("{}-crash", database.name));
    let demo = domain::seed::demo_with(&database.owner, &database.db, "crash")
        .await
        .expect("account");
    let vault = domain::channels::vault::Vault::new(&test_secret(), &[]).unwrap();
    let connection = domain::channels::connections::create(
        &database.db,
        &vault,
        &demo.actor(shared::Role::GlobalAdmin),
        &domain::channels::connections::NewConnection {
            kind: shared::inbox::ChannelKind::WhatsappCloud,
            name: "Zap".into(),
            config: json!({"phone_number_id": "1", "access_token": "t", "app_secret": APP_SECRET, "verify_token": "v"}),
        },
    )
    .await
    .expect("connection");

    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(32)
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap();
    let ports = free_ports();
    let mut first = start(&database, &data_dir, ports[0]);
    let second = start(&database, &data_dir, ports[1]);
    wait_ready(&client, ports[0]).await;
    wait_ready(&client, ports[1]).await;

    // Every message once, then 2,000 of them again, shuffled in.
    let mut bodies: Vec<Arc<Vec<u8>>> = (0..MESSAGES)
        .map(|i| {
            let from = format!("55119876{:05}", i % CUSTOMERS);
            Arc::new(whatsapp_messages(
                &[(&format!("wamid.crash.{i}"), &from, &format!("mensagem {i}"))],
                "Cliente",
            ))
        })
        .collect();
    for i in 0..REDELIVERED {
        let again = bodies[i * 5].clone();
        bodies.insert(i * 6 + 3, again);
    }
    let bodies = Arc::new(bodies);
    let next = Arc::new(AtomicUsize::new(0));
    let posted = Arc::new(AtomicUsize::new(0));
    let retries = Arc::new(AtomicUsize::new(0));
    let mut senders = Vec::new();
    for lane in 0..24 {
        let (client, bodies, next, posted, retries) = (
            client.clone(),
            bodies.clone(),
            next.clone(),
            posted.clone(),
            retries.clone(),
        );
        let id = connection.id;
        senders.push(tokio::spawn(async move {
            loop {
                let n = next.fetch_add(1, Ordering::SeqCst);
                let Some(body) = bodies.get(n) else { break };
                let signature = meta_signature(APP_SECRET, body);
                // Like a provider: retry (on the other instance) until a 200.
                let mut attempt = lane + n;
                loop {
                    let port = ports[attempt % 2];
                    let sent = client
                        .post(format!("http://127.0.0.1:{port}/webhooks/whatsapp/{id}"))
                        .header("x-hub-signature-256", &signature)
                        .body(body.as_ref().clone())
                        .send()
                        .await;
                    if matches!(&sent, Ok(r) if r.status() == 200) {
                        break;
                    }
                    retries.fetch_add(1, Ordering::Relaxed);
                    attempt += 1;
                    tokio::time::sleep(Duration::from_millis(20)).await;
                }
                posted.fetch_add(1, Ordering::SeqCst);
            }
        }));
    }

    // A third of the way in, the first instance dies without a word.
    while posted.load(Ordering::SeqCst) < bodies.len() / 3 {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    first.start_kill().expect("SIGKILL");
    first.wait().await.expect("reaped");
    tokio::time::sleep(Duration::from_millis(500)).await;
    let restarted = start(&database, &data_dir, ports[0]);
    for sender in senders {
        sender.await.unwrap();
    }
    wait_ready(&client, ports[0]).await;

    let count = |sql: &'static str| {
        let owner = database.owner.clone();
        async move {
            sqlx::query_scalar::<_, i64>(sql)
                .fetch_one(&owner)
                .await
                .unwrap()
        }
    };
    let deadline = Instant::now() + Duration::from_secs(90);
    while count("SELECT count(*) FROM webhook_events WHERE state <> 'done'").await > 0 {
        assert!(Instant::now() < deadline, "the workers never caught up");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let messages =
        count("SELECT count(*) FROM messages WHERE external_id LIKE 'wamid.crash.%'").await;
    let distinct = count(
        "SELECT count(DISTINCT external_id) FROM messages WHERE external_id LIKE 'wamid.crash.%'",
    )
    .await;
    assert_eq!(messages, MESSAGES as i64, "none lost, none doubled");
    assert_eq!(distinct, MESSAGES as i64);
    assert_eq!(
        count("SELECT count(*) FROM conversations").await,
        CUSTOMERS as i64
    );
    assert_eq!(
        count("SELECT count(*) FROM webhook_events WHERE state = 'parked'").await,
        0
    );
    println!(
        "crash test: {} posts ({} retried after the kill), {} events, {:.1} s",
        bodies.len(),
        retries.load(Ordering::Relaxed),
        count("SELECT count(*) FROM webhook_events").await,
        started.elapsed().as_secs_f64()
    );
    drop((restarted, second));
}
