//! Conversation list, open conversation and search, as the inbox calls them.

use serde_json::json;

use crate::http::Session;
use crate::stats::report;

pub async fn run(client: &Session, requests: usize) -> anyhow::Result<()> {
    // Warm the caches the way a returning agent would.
    for _ in 0..20 {
        client
            .call("list_conversations", &json!({ "filter": {} }))
            .await?;
    }

    let mut list = Vec::new();
    let mut list_page2 = Vec::new();
    let mut numbers = Vec::new();
    for i in 0..requests {
        let filter = match i % 3 {
            0 => json!({}),
            1 => json!({ "tab": "unassigned" }),
            _ => json!({ "all_statuses": true }),
        };
        let (ms, page) = client
            .call("list_conversations", &json!({ "filter": filter }))
            .await?;
        list.push(ms);
        if let Some(cursor) = page["next_cursor"].as_str() {
            let (ms, _) = client
                .call(
                    "list_conversations",
                    &json!({ "filter": { "cursor": cursor } }),
                )
                .await?;
            list_page2.push(ms);
        }
        if numbers.is_empty() {
            numbers = page["conversations"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|c| c["number"].as_i64())
                .collect();
        }
    }
    let max_number = numbers.iter().copied().max().unwrap_or(1).max(1);

    let mut open = Vec::new();
    for i in 0..requests {
        // Spread over the whole table, not just the newest rows.
        let number = 1 + ((i as i64 * 7919) % max_number);
        let (ms, _) = client
            .call_form("list_messages", &[("number", number.to_string())])
            .await?;
        open.push(ms);
    }

    let mut search = Vec::new();
    let terms = [
        "segunda via do boleto",
        "defeito, número de série",
        "prazo de entrega para o CEP",
        "Cliente 4242",
        "cliente777@example",
        "+5511900012",
    ];
    for i in 0..(requests / 3).max(30) {
        let q = terms[i % terms.len()];
        let (ms, _) = client
            .call(
                "list_conversations",
                &json!({ "filter": { "q": q, "all_statuses": true } }),
            )
            .await?;
        search.push(ms);
    }

    println!("\n| measurement | samples | p50 | tail |\n|---|---|---|---|");
    report("conversation list (first page, 30 rows)", &mut list, 95.0);
    report(
        "conversation list (next page, cursor)",
        &mut list_page2,
        95.0,
    );
    report("open conversation (last 50 messages)", &mut open, 95.0);
    report(
        "search (message text, contact name/e-mail/phone)",
        &mut search,
        95.0,
    );
    Ok(())
}
