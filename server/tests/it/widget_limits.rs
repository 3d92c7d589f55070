//! The public widget cannot be used to exhaust the server: the channel and
//! visitor token are checked before a body is read, uploads stream to disk
//! within the account's limit, requests and sockets are budgeted per client
//! network and visitor, and uploads never sent are cleaned up.

use crate::helpers::{spawn_app, TestApp};
use futures::StreamExt;
use serde_json::{json, Value};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

const MB: usize = 1024 * 1024;
const PNG: &[u8] = &[
    0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d, b'I', b'H', b'D', b'R', 0, 0, 0,
    1, 0, 0, 0, 1, 8, 6, 0, 0, 0, 0x1f, 0x15, 0xc4, 0x89,
];

/// Posts a multipart upload of `total` bytes as a stream; returns the
/// status (None when the server closed the connection mid-upload) and how
/// many bytes the server let us send.
async fn stream_upload(
    app: &TestApp,
    url: &str,
    visitor: Option<&str>,
    total: usize,
) -> (Option<u16>, usize) {
    let sent = Arc::new(AtomicUsize::new(0));
    let counter = sent.clone();
    let head = b"--xyz\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.png\"\r\nContent-Type: image/png\r\n\r\n".to_vec();
    let count = total / (64 * 1024);
    let chunks = futures::stream::iter(0..=count).map(move |i| {
        let chunk = if i == count {
            b"\r\n--xyz--\r\n".to_vec()
        } else {
            let mut chunk = vec![0u8; 64 * 1024];
            if i == 0 {
                chunk[..head.len()].copy_from_slice(&head);
                chunk[head.len()..head.len() + PNG.len()].copy_from_slice(PNG);
            }
            chunk
        };
        counter.fetch_add(chunk.len(), Ordering::SeqCst);
        Ok::<_, std::io::Error>(chunk)
    });
    let mut request = app
        .plain_client()
        .post(url)
        .header("origin", &app.base_url)
        .header("content-type", "multipart/form-data; boundary=xyz")
        .timeout(Duration::from_secs(30))
        .body(reqwest::Body::wrap_stream(chunks));
    if let Some(visitor) = visitor {
        request = request.header("x-ponte-visitor", visitor);
    }
    let status = request.send().await.ok().map(|r| r.status().as_u16());
    (status, sent.load(Ordering::SeqCst))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uploads_to_an_unknown_channel_or_with_a_bogus_token_are_refused_before_the_body() {
    let app = spawn_app().await;
    let (_, channel) = app.demo_inbox().await;
    let nowhere = format!("{}/widget/wc_does_not_exist/attachments", app.base_url);
    let (status, sent) = stream_upload(&app, &nowhere, Some("bogus.token"), 60 * MB).await;
    assert!(matches!(status, Some(404) | None), "{status:?}");
    assert!(
        sent < 16 * MB,
        "the server stopped reading early ({sent} bytes sent)"
    );

    let ours = format!("{}/widget/{channel}/attachments", app.base_url);
    let (status, sent) = stream_upload(&app, &ours, Some("bogus.token"), 60 * MB).await;
    assert!(matches!(status, Some(401) | None), "{status:?}");
    assert!(sent < 16 * MB, "({sent} bytes sent)");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_upload_over_the_accounts_limit_stops_while_streaming() {
    let app = spawn_app().await;
    let (_, channel) = app.demo_inbox().await;
    sqlx::query("UPDATE accounts SET attachment_limit_mb = 1 WHERE slug = 'demo'")
        .execute(&app.database.owner)
        .await
        .unwrap();
    let visitor = app.visitor(&channel).await;
    let url = format!("{}/widget/{channel}/attachments", app.base_url);
    let (status, sent) = stream_upload(&app, &url, Some(&visitor), 40 * MB).await;
    assert!(matches!(status, Some(422) | None), "{status:?}");
    assert!(sent < 16 * MB, "({sent} bytes sent)");
    let incoming = app.data_dir.join("attachments").join("incoming");
    let left: usize = std::fs::read_dir(&incoming)
        .map(|entries| entries.count())
        .unwrap_or(0);
    assert_eq!(left, 0, "the partial file is removed");
    // Positive control: a file within the limit is stored.
    let (status, _) = stream_upload(&app, &url, Some(&visitor), MB / 2).await;
    assert_eq!(status, Some(201));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn widget_writes_need_a_page_the_channel_allows() {
    let app = spawn_app().await;
    let (_, channel) = app.demo_inbox().await;
    let url = format!("{}/widget/{channel}/session", app.base_url);
    let originless = app
        .plain_client()
        .post(&url)
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(
        originless.status(),
        403,
        "no Origin: not a page the company allowed"
    );
    let allowed = app
        .plain_client()
        .post(&url)
        .header("origin", "http://localhost:3000")
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(allowed.status(), 200);
}

async fn new_session(app: &TestApp, channel: &str, network: &str) -> reqwest::Response {
    app.plain_client()
        .post(format!("{}/widget/{channel}/session", app.base_url))
        .header("origin", &app.base_url)
        .header("x-forwarded-for", network)
        .json(&json!({}))
        .send()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn new_visitors_are_budgeted_per_network() {
    let app = spawn_app().await;
    let (_, channel) = app.demo_inbox().await;
    let mut first_visitor = None;
    for _ in 0..30 {
        let reply = new_session(&app, &channel, "203.0.113.90").await;
        assert_eq!(reply.status(), 200);
        let body: Value = reply.json().await.unwrap();
        first_visitor.get_or_insert(body["visitor"].as_str().unwrap().to_string());
    }
    let refused = new_session(&app, &channel, "203.0.113.90").await;
    assert_eq!(refused.status(), 429);
    let wait: u64 = refused.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!(wait >= 1);
    assert_eq!(
        new_session(&app, &channel, "198.51.100.90").await.status(),
        200,
        "another network is unaffected"
    );
    // A returning visitor is not a new session.
    let returning = app
        .plain_client()
        .post(format!("{}/widget/{channel}/session", app.base_url))
        .header("origin", &app.base_url)
        .header("x-forwarded-for", "203.0.113.90")
        .json(&json!({ "visitor": first_visitor }))
        .send()
        .await
        .unwrap();
    assert_eq!(returning.status(), 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_visitor_writing_too_fast_is_slowed_down() {
    let app = spawn_app().await;
    let (_, channel) = app.demo_inbox().await;
    let visitor = app.visitor(&channel).await;
    let send = |n: usize| {
        let app = &app;
        let channel = &channel;
        let visitor = &visitor;
        async move {
            app.plain_client()
                .post(format!("{}/widget/{channel}/messages", app.base_url))
                .header("origin", &app.base_url)
                .json(&json!({ "visitor": visitor, "body": format!("mensagem {n}") }))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }
    };
    for n in 0..20 {
        assert_eq!(send(n).await, 201, "message {n}");
    }
    assert_eq!(send(20).await, 429);
    let other = app.visitor(&channel).await;
    let reply = app
        .plain_client()
        .post(format!("{}/widget/{channel}/messages", app.base_url))
        .header("origin", &app.base_url)
        .json(&json!({ "visitor": other, "body": "oi" }))
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), 201, "another visitor writes freely");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn uploads_never_sent_are_removed_with_their_files() {
    let app = spawn_app().await;
    let (demo, channel) = app.demo_inbox().await;
    let visitor = app.visitor(&channel).await;
    let url = format!("{}/widget/{channel}/attachments", app.base_url);
    let upload = || async {
        let form = reqwest::multipart::Form::new().part(
            "file",
            reqwest::multipart::Part::bytes(PNG.to_vec()).file_name("print.png"),
        );
        let reply: Value = app
            .plain_client()
            .post(&url)
            .header("origin", &app.base_url)
            .header("x-ponte-visitor", &visitor)
            .multipart(form)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        reply["id"].as_i64().unwrap()
    };
    let abandoned = upload().await;
    let sent = upload().await;
    let reply = app
        .plain_client()
        .post(format!("{}/widget/{channel}/messages", app.base_url))
        .header("origin", &app.base_url)
        .json(&json!({ "visitor": visitor, "body": "", "attachment_id": sent }))
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), 201);
    sqlx::query(
        "UPDATE attachments SET created_at = now() - interval '2 days' WHERE account_id = $1",
    )
    .bind(demo.account_id)
    .execute(&app.database.owner)
    .await
    .unwrap();
    let key_of = |id: i64| {
        let owner = app.database.owner.clone();
        async move {
            sqlx::query_scalar::<_, String>("SELECT storage_key FROM attachments WHERE id = $1")
                .bind(id)
                .fetch_optional(&owner)
                .await
                .unwrap()
        }
    };
    let abandoned_key = key_of(abandoned).await.unwrap();
    let storage = domain::attachments::Storage::new(&app.data_dir);
    let removed = domain::attachments::remove_stale_uploads(&app.database.db, &storage)
        .await
        .unwrap();
    assert_eq!(removed, 1);
    assert_eq!(key_of(abandoned).await, None);
    assert!(!app
        .data_dir
        .join("attachments")
        .join(abandoned_key)
        .exists());
    let kept = key_of(sent).await.expect("a sent file stays");
    assert!(app.data_dir.join("attachments").join(kept).exists());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sockets_are_capped_per_network_and_frames_in_size() {
    let app = spawn_app().await;
    let (_, channel) = app.demo_inbox().await;
    let visitor = app.visitor(&channel).await;
    let url = format!(
        "{}/widget/ws?channel={channel}&visitor={visitor}",
        app.base_url.replacen("http", "ws", 1)
    );
    let open = |network: &'static str| {
        let url = url.clone();
        let origin = app.base_url.clone();
        async move {
            let mut request = url.into_client_request().unwrap();
            request
                .headers_mut()
                .insert("origin", origin.parse().unwrap());
            request
                .headers_mut()
                .insert("x-forwarded-for", network.parse().unwrap());
            tokio_tungstenite::connect_async(request).await
        }
    };
    let mut sockets = Vec::new();
    for _ in 0..50 {
        sockets.push(open("203.0.113.99").await.expect("within the cap").0);
    }
    match open("203.0.113.99").await {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            assert_eq!(response.status().as_u16(), 429)
        }
        other => panic!("the 51st socket must be refused: {:?}", other.map(|_| ())),
    }
    assert!(
        open("198.51.100.99").await.is_ok(),
        "another network connects"
    );
    drop(sockets);

    // A frame far larger than any the widget sends closes the socket.
    let (mut socket, _) = open("198.51.100.98").await.unwrap();
    use futures::SinkExt;
    let huge = "x".repeat(200 * 1024);
    let _ = socket
        .send(tokio_tungstenite::tungstenite::Message::Text(huge.into()))
        .await;
    let closed = tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            match socket.next().await {
                None | Some(Err(_)) => return true,
                Some(Ok(tokio_tungstenite::tungstenite::Message::Close(_))) => return true,
                Some(Ok(_)) => {}
            }
        }
    })
    .await
    .unwrap_or(false);
    assert!(closed, "the oversized frame ended the connection");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn older_widgets_may_send_the_token_as_the_first_form_field_only() {
    let app = spawn_app().await;
    let (_, channel) = app.demo_inbox().await;
    let visitor = app.visitor(&channel).await;
    let url = format!("{}/widget/{channel}/attachments", app.base_url);
    let post = |form: reqwest::multipart::Form| {
        app.plain_client()
            .post(&url)
            .header("origin", &app.base_url)
            .multipart(form)
            .send()
    };
    let file = || reqwest::multipart::Part::bytes(PNG.to_vec()).file_name("print.png");
    let token_first = reqwest::multipart::Form::new()
        .text("visitor", visitor.clone())
        .part("file", file());
    assert_eq!(post(token_first).await.unwrap().status(), 201);
    let file_first = reqwest::multipart::Form::new()
        .part("file", file())
        .text("visitor", visitor.clone());
    assert_eq!(
        post(file_first).await.unwrap().status(),
        401,
        "the token must come before the file"
    );
}
