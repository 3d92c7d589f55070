//! Retiring an old secret key: `ponte reseal-secrets` seals every stored
//! secret again with the current key, after which the old key is not needed.

use domain::channels::connections;
use domain::channels::vault::Vault;
use domain::channels::vault_rotation::reseal_all;
use domain::secrets::SecretKey;

use crate::helpers::{test_secret, TestDb};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn after_a_reseal_the_old_key_is_no_longer_needed() {
    // No server: its workers would go on sealing with the old key (the
    // demo's failing webhook rules alert the admins by mail) while the
    // test checks that nothing is left under it.
    let database = TestDb::new().await;
    // The demo's connections and rules' webhook secrets, sealed with the
    // test key.
    let (demo, _) = database.demo_inbox().await;
    let (owner, db) = (&database.owner, &database.db);
    let vault = Vault::new(&test_secret(), &[]).unwrap();
    domain::seed::demo_rules(db, &vault, &test_secret(), &demo)
        .await
        .unwrap();
    // A webhook rule's signing secret, as `rules` seals it.
    let rule: i64 = sqlx::query_scalar("SELECT min(id) FROM rules")
        .fetch_one(owner)
        .await
        .unwrap();
    let sealed = vault.seal(&format!("rule:{rule}"), b"whsec-demo").unwrap();
    sqlx::query("UPDATE rules SET signing_secret = $2, signing_secret_key_id = $3 WHERE id = $1")
        .bind(rule)
        .bind(&sealed.bytes)
        .bind(&sealed.key_id)
        .execute(owner)
        .await
        .unwrap();
    let rule_secrets: i64 =
        sqlx::query_scalar("SELECT count(*) FROM rules WHERE signing_secret IS NOT NULL")
            .fetch_one(owner)
            .await
            .unwrap();
    let channels: Vec<i64> =
        sqlx::query_scalar("SELECT id FROM channels WHERE credentials IS NOT NULL ORDER BY id")
            .fetch_all(owner)
            .await
            .unwrap();
    assert!(channels.len() >= 6, "{channels:?}");
    assert_eq!(rule_secrets, 1);

    let new_key = SecretKey::generate();
    let only_new = Vault::new(&new_key, &[]).unwrap();
    // Negative control: before the reseal, the new key alone opens nothing.
    assert!(connections::for_webhook(db, &only_new, channels[0])
        .await
        .is_err());

    let rotating = Vault::new(&new_key, &[test_secret()]).unwrap();
    let resealed = reseal_all(owner, &rotating).await.unwrap();
    let of = |table: &str| {
        resealed
            .iter()
            .find(|(t, _)| *t == table)
            .map(|(_, n)| *n)
            .unwrap()
    };
    assert_eq!(of("channels"), channels.len() as u64, "{resealed:?}");
    assert_eq!(of("rules"), rule_secrets as u64, "{resealed:?}");
    let rules: Vec<(i64, Vec<u8>, String)> = sqlx::query_as(
        "SELECT id, signing_secret, signing_secret_key_id FROM rules WHERE signing_secret IS NOT NULL",
    )
    .fetch_all(owner)
    .await
    .unwrap();
    for (id, bytes, key_id) in rules {
        let sealed = domain::channels::vault::Sealed { key_id, bytes };
        assert!(
            only_new.open(&format!("rule:{id}"), &sealed).is_ok(),
            "rule {id}"
        );
    }
    let stale: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM channels WHERE credentials IS NOT NULL AND credentials_key_id <> $1",
    )
    .bind(rotating.current_key_id())
    .fetch_one(owner)
    .await
    .unwrap();
    assert_eq!(stale, 0);
    for id in &channels {
        let opened = connections::for_webhook(db, &only_new, *id).await;
        assert!(
            opened.is_ok(),
            "connection {id} opens with the new key alone"
        );
    }
    let old_only = Vault::new(&test_secret(), &[]).unwrap();
    assert!(connections::for_webhook(db, &old_only, channels[0])
        .await
        .is_err());

    let again = reseal_all(owner, &rotating).await.unwrap();
    assert!(
        again.iter().all(|(_, n)| *n == 0),
        "nothing left: {again:?}"
    );
}
