//! One chat-completions call to an OpenAI-compatible endpoint: SSRF-safe
//! (the address pinned between the check and the call, no redirects),
//! time-limited, retried once when the failure may pass (the network, a
//! timeout, 5xx; a 429 after its `Retry-After` when that is short), its
//! answer read up to a limit.

use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::channels::provider::{client_for_public_url, SendError};

/// Answers larger than this are refused (a summary is a few sentences).
const MAX_RESPONSE_BYTES: usize = 1024 * 1024;
/// A failure's reason is cut here before it is kept.
const MAX_REASON_CHARS: usize = 300;

/// Where and how to ask.
#[derive(Clone)]
pub struct Endpoint {
    pub base_url: String,
    pub model: String,
    pub api_key: Option<String>,
    pub timeout: Duration,
    pub max_tokens: u32,
    /// Private and local addresses allowed (`PONTE_ALLOW_PRIVATE_WEBHOOKS`:
    /// tests, a provider on the company's own network).
    pub allow_private: bool,
}

impl std::fmt::Debug for Endpoint {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Endpoint")
            .field("base_url", &self.base_url)
            .field("model", &self.model)
            .field("api_key", &self.api_key.as_ref().map(|_| "…"))
            .finish_non_exhaustive()
    }
}

/// Who says a prompt's part.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    System,
    User,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Prompt {
    pub role: Role,
    pub content: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Completion {
    pub text: String,
    /// The model that answered, as the provider names it.
    pub model: Option<String>,
    pub prompt_tokens: Option<i32>,
    pub completion_tokens: Option<i32>,
}

/// A call's result with what it cost.
#[derive(Debug)]
pub struct Exchange {
    pub result: Result<Completion, String>,
    pub attempts: u8,
    pub latency: Duration,
}

/// Asks `endpoint`, once more when the first failure may pass.
pub async fn complete(endpoint: &Endpoint, prompts: &[Prompt]) -> Exchange {
    let started = Instant::now();
    let mut attempts = 1;
    let mut result = attempt(endpoint, prompts).await;
    let retry_after = match &result {
        Err(Failure::Passing(_)) => Some(Duration::ZERO),
        Err(Failure::Throttled(_, wait)) => Some(*wait),
        _ => None,
    };
    if let Some(wait) = retry_after {
        tokio::time::sleep(wait).await;
        attempts = 2;
        result = attempt(endpoint, prompts).await;
    }
    Exchange {
        result: result.map_err(|failure| match failure {
            Failure::Passing(reason) | Failure::Throttled(reason, _) | Failure::Lasting(reason) => {
                shorten(&reason)
            }
        }),
        attempts,
        latency: started.elapsed(),
    }
}

enum Failure {
    /// Worth another try.
    Passing(String),
    /// Rate-limited (429): worth another try after the provider's short wait.
    Throttled(String, Duration),
    Lasting(String),
}

/// The longest `Retry-After` waited for; a provider asking for more has
/// run out of quota for now, and the offline engine answers instead.
const MAX_RETRY_WAIT: Duration = Duration::from_secs(5);

/// How long a 429 asks to wait (`Retry-After` in seconds; 1 s when absent).
fn throttled(reason: String, headers: &reqwest::header::HeaderMap) -> Failure {
    let wait = headers
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.trim().parse::<u64>().ok())
        .map_or(Duration::from_secs(1), Duration::from_secs);
    if wait <= MAX_RETRY_WAIT {
        Failure::Throttled(reason, wait)
    } else {
        Failure::Lasting(reason)
    }
}

fn chat_url(base_url: &str) -> String {
    format!("{}/chat/completions", base_url.trim().trim_end_matches('/'))
}

async fn attempt(endpoint: &Endpoint, prompts: &[Prompt]) -> Result<Completion, Failure> {
    let url = chat_url(&endpoint.base_url);
    let client = client_for_public_url(&url, endpoint.allow_private)
        .await
        .map_err(|err| match err {
            SendError::Retry(reason) => Failure::Passing(reason),
            SendError::Permanent(reason) | SendError::Unauthorized(reason) => {
                Failure::Lasting(reason)
            }
        })?;
    let messages: Vec<Value> = prompts
        .iter()
        .map(|prompt| {
            let role = match prompt.role {
                Role::System => "system",
                Role::User => "user",
            };
            json!({ "role": role, "content": prompt.content })
        })
        .collect();
    let mut request = client.post(&url).timeout(endpoint.timeout).json(&json!({
        "model": endpoint.model,
        "messages": messages,
        "max_tokens": endpoint.max_tokens,
        "temperature": 0.2,
        "stream": false,
    }));
    if let Some(key) = endpoint.api_key.as_deref().filter(|key| !key.is_empty()) {
        request = request.bearer_auth(key);
    }
    let response = request.send().await.map_err(|err| {
        if err.is_timeout() {
            Failure::Passing(format!(
                "no answer within {} ms",
                endpoint.timeout.as_millis()
            ))
        } else {
            Failure::Passing(format!("network error: {}", without_url(&err)))
        }
    })?;
    let status = response.status();
    let headers = response.headers().clone();
    let body = read_limited(response).await?;
    if !status.is_success() {
        let reason = format!("HTTP {}: {}", status.as_u16(), error_message(&body));
        return Err(if status.as_u16() == 429 {
            throttled(reason, &headers)
        } else if status.is_server_error() {
            Failure::Passing(reason)
        } else {
            Failure::Lasting(reason)
        });
    }
    parse_completion(&body).map_err(Failure::Lasting)
}

/// reqwest's errors name the URL; the reason is kept without it.
fn without_url(err: &reqwest::Error) -> String {
    let mut source: &dyn std::error::Error = err;
    while let Some(next) = source.source() {
        source = next;
    }
    source.to_string()
}

async fn read_limited(mut response: reqwest::Response) -> Result<Vec<u8>, Failure> {
    let mut body = Vec::new();
    loop {
        let chunk = response.chunk().await.map_err(|err| {
            if err.is_timeout() {
                Failure::Passing("the answer stopped coming".into())
            } else {
                Failure::Passing(format!("network error: {}", without_url(&err)))
            }
        })?;
        let Some(chunk) = chunk else {
            return Ok(body);
        };
        if body.len() + chunk.len() > MAX_RESPONSE_BYTES {
            return Err(Failure::Lasting("the answer is too large".into()));
        }
        body.extend_from_slice(&chunk);
    }
}

/// The text, model and token counts of a chat-completions answer.
fn parse_completion(body: &[u8]) -> Result<Completion, String> {
    let value: Value =
        serde_json::from_slice(body).map_err(|_| "the answer is not JSON".to_string())?;
    let text = value["choices"][0]["message"]["content"]
        .as_str()
        .map(str::trim)
        .filter(|text| !text.is_empty())
        .ok_or_else(|| "the answer has no text".to_string())?;
    let tokens = |field: &str| {
        value["usage"][field]
            .as_i64()
            .and_then(|n| i32::try_from(n).ok())
    };
    Ok(Completion {
        text: text.to_string(),
        model: value["model"].as_str().map(str::to_string),
        prompt_tokens: tokens("prompt_tokens"),
        completion_tokens: tokens("completion_tokens"),
    })
}

/// The provider's own words about an error: OpenAI's `{"error": {"message"}}`,
/// Ollama's `{"error": "…"}`, Gemini's `[{"error": {…}}]`, or the start of
/// whatever else came.
fn error_message(body: &[u8]) -> String {
    let value: Value = serde_json::from_slice(body).unwrap_or(Value::Null);
    let error = match &value {
        Value::Array(items) => items.first().map(|item| &item["error"]),
        other => Some(&other["error"]),
    };
    let said = error.and_then(|error| error["message"].as_str().or_else(|| error.as_str()));
    match said {
        Some(message) => message.to_string(),
        None => String::from_utf8_lossy(&body[..body.len().min(200)]).into_owned(),
    }
}

fn shorten(reason: &str) -> String {
    if reason.chars().count() <= MAX_REASON_CHARS {
        return reason.to_string();
    }
    let cut: String = reason.chars().take(MAX_REASON_CHARS).collect();
    format!("{cut}…")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_completion_gives_its_text_model_and_tokens() {
        let body = br#"{"id":"chatcmpl-1","object":"chat.completion","model":"gpt-4o-mini",
            "choices":[{"index":0,"message":{"role":"assistant","content":"  Ola!  "},"finish_reason":"stop"}],
            "usage":{"prompt_tokens":12,"completion_tokens":3,"total_tokens":15}}"#;
        assert_eq!(
            parse_completion(body),
            Ok(Completion {
                text: "Ola!".into(),
                model: Some("gpt-4o-mini".into()),
                prompt_tokens: Some(12),
                completion_tokens: Some(3),
            })
        );
    }

    #[test]
    fn an_answer_without_text_is_a_failure() {
        let refusal = br#"{"choices":[{"message":{"role":"assistant","content":null}}]}"#;
        assert!(parse_completion(refusal).is_err());
        assert!(parse_completion(b"<html>").is_err());
    }

    #[test]
    fn providers_error_shapes_are_read() {
        let openai = br#"{"error":{"message":"Incorrect API key provided","type":"invalid_request_error","code":"invalid_api_key"}}"#;
        assert_eq!(error_message(openai), "Incorrect API key provided");
        assert_eq!(
            error_message(br#"{"error":"model 'x' not found"}"#),
            "model 'x' not found"
        );
        let gemini = br#"[{"error":{"code":400,"message":"API key not valid","status":"INVALID_ARGUMENT"}}]"#;
        assert_eq!(error_message(gemini), "API key not valid");
        assert_eq!(error_message(b"Bad Gateway"), "Bad Gateway");
    }

    #[test]
    fn a_rate_limit_is_waited_out_only_when_short() {
        use reqwest::header::{HeaderMap, HeaderValue, RETRY_AFTER};
        let asking = |value: Option<&'static str>| {
            let mut headers = HeaderMap::new();
            if let Some(value) = value {
                headers.insert(RETRY_AFTER, HeaderValue::from_static(value));
            }
            throttled("HTTP 429: slow down".into(), &headers)
        };
        assert!(
            matches!(asking(Some("2")), Failure::Throttled(_, wait) if wait == Duration::from_secs(2))
        );
        assert!(
            matches!(asking(None), Failure::Throttled(_, wait) if wait == Duration::from_secs(1))
        );
        assert!(
            matches!(asking(Some("3600")), Failure::Lasting(_)),
            "out of quota: not retried"
        );
    }

    #[test]
    fn the_chat_path_follows_the_base_url() {
        assert_eq!(
            chat_url("http://localhost:11434/v1/"),
            "http://localhost:11434/v1/chat/completions"
        );
    }

    #[test]
    fn keys_never_print() {
        let endpoint = Endpoint {
            base_url: "https://api.openai.com/v1".into(),
            model: "gpt-4o-mini".into(),
            api_key: Some("sk-secret".into()),
            timeout: Duration::from_secs(1),
            max_tokens: 16,
            allow_private: false,
        };
        assert!(!format!("{endpoint:?}").contains("sk-secret"));
    }
}
