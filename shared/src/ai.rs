//! AI providers: the OpenAI-compatible chat-completions endpoints an account
//! connects (AnythingLLM, Ollama, OpenAI, Gemini's compatible endpoint). The
//! default one writes summaries and quality reviews; the built-in offline
//! engine does whenever there is none or it fails.

use serde::{Deserialize, Serialize};

use crate::errors::ErrorCode;

/// Bounds of a provider's settings, checked by the form and the server.
pub const TIMEOUT_MS: std::ops::RangeInclusive<u32> = 1_000..=120_000;
pub const MAX_TOKENS: std::ops::RangeInclusive<u32> = 16..=8_192;
pub const DEFAULT_TIMEOUT_MS: u32 = 20_000;
pub const DEFAULT_MAX_TOKENS: u32 = 512;
const MAX_NAME_CHARS: usize = 80;
const MAX_MODEL_CHARS: usize = 200;
const MAX_URL_CHARS: usize = 500;

/// A provider as the settings page and the API show it: the key never
/// leaves the server, only whether there is one.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AiProvider {
    pub id: i64,
    pub name: String,
    /// Up to the version, e.g. `https://api.openai.com/v1`; requests go to
    /// `{base_url}/chat/completions`.
    pub base_url: String,
    pub model: String,
    pub has_api_key: bool,
    pub timeout_ms: u32,
    pub max_tokens: u32,
    /// The provider the AI features use.
    pub is_default: bool,
}

/// A provider as typed in: `api_key` `None` keeps the saved one, `Some("")`
/// removes it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AiProviderForm {
    pub name: String,
    pub base_url: String,
    pub model: String,
    #[serde(default)]
    pub api_key: Option<String>,
    #[serde(default = "default_timeout_ms")]
    pub timeout_ms: u32,
    #[serde(default = "default_max_tokens")]
    pub max_tokens: u32,
    #[serde(default)]
    pub is_default: bool,
}

fn default_timeout_ms() -> u32 {
    DEFAULT_TIMEOUT_MS
}

fn default_max_tokens() -> u32 {
    DEFAULT_MAX_TOKENS
}

impl AiProviderForm {
    /// Every field at fault, as (field, code).
    pub fn problems(&self) -> Vec<(&'static str, ErrorCode)> {
        let mut problems = Vec::new();
        let name = self.name.trim();
        if name.is_empty() {
            problems.push(("name", ErrorCode::Required));
        } else if name.chars().count() > MAX_NAME_CHARS {
            problems.push(("name", ErrorCode::TooLong));
        }
        if let Err(code) = check_base_url(&self.base_url) {
            problems.push(("base_url", code));
        }
        let model = self.model.trim();
        if model.is_empty() {
            problems.push(("model", ErrorCode::Required));
        } else if model.chars().count() > MAX_MODEL_CHARS {
            problems.push(("model", ErrorCode::TooLong));
        }
        if self.api_key.as_deref().is_some_and(|key| key.len() > 4_096) {
            problems.push(("api_key", ErrorCode::TooLong));
        }
        if !TIMEOUT_MS.contains(&self.timeout_ms) {
            problems.push(("timeout_ms", ErrorCode::NumberInvalid));
        }
        if !MAX_TOKENS.contains(&self.max_tokens) {
            problems.push(("max_tokens", ErrorCode::NumberInvalid));
        }
        problems
    }
}

/// An `http(s)://host[:port][/path]` URL without query, fragment or
/// credentials (those belong in the key); where the address may point is
/// the server's call, when it connects.
fn check_base_url(url: &str) -> Result<(), ErrorCode> {
    let url = url.trim();
    if url.is_empty() {
        return Err(ErrorCode::Required);
    }
    if url.len() > MAX_URL_CHARS {
        return Err(ErrorCode::TooLong);
    }
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or(ErrorCode::UrlInvalid)?;
    let host = rest.split('/').next().unwrap_or_default();
    let fine = !host.is_empty()
        && !rest.contains(['?', '#', '@', ' '])
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'));
    if fine {
        Ok(())
    } else {
        Err(ErrorCode::UrlInvalid)
    }
}

/// What "test connection" found.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProviderCheck {
    pub ok: bool,
    pub latency_ms: u32,
    /// The model that answered, as the provider names it.
    pub model: Option<String>,
    /// Why it failed, in the provider's words where it gave some.
    pub error: Option<String>,
}

/// One provider's calls over the last days (no content is ever kept).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AiUsage {
    pub provider_id: Option<i64>,
    /// `None` for a provider removed since.
    pub provider_name: Option<String>,
    pub calls: i64,
    pub failures: i64,
    pub prompt_tokens: i64,
    pub completion_tokens: i64,
    pub average_latency_ms: i64,
}

/// Who wrote an AI text: the account's provider or the offline engine.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AiText {
    pub text: String,
    /// The provider's name; `None` for the offline engine.
    pub provider: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form() -> AiProviderForm {
        AiProviderForm {
            name: "Ollama".into(),
            base_url: "http://localhost:11434/v1".into(),
            model: "llama3.2".into(),
            api_key: None,
            timeout_ms: DEFAULT_TIMEOUT_MS,
            max_tokens: DEFAULT_MAX_TOKENS,
            is_default: true,
        }
    }

    #[test]
    fn a_complete_form_has_no_problems() {
        assert!(form().problems().is_empty());
    }

    #[test]
    fn each_field_at_fault_is_named() {
        let bad = AiProviderForm {
            name: " ".into(),
            base_url: "ftp://example.com".into(),
            model: String::new(),
            api_key: Some("k".repeat(5_000)),
            timeout_ms: 10,
            max_tokens: 100_000,
            is_default: false,
        };
        assert_eq!(
            bad.problems(),
            vec![
                ("name", ErrorCode::Required),
                ("base_url", ErrorCode::UrlInvalid),
                ("model", ErrorCode::Required),
                ("api_key", ErrorCode::TooLong),
                ("timeout_ms", ErrorCode::NumberInvalid),
                ("max_tokens", ErrorCode::NumberInvalid),
            ]
        );
    }

    #[test]
    fn base_urls_are_plain_http_addresses() {
        for fine in [
            "https://api.openai.com/v1",
            "http://10.0.0.5:3001/api/v1/openai",
            "https://generativelanguage.googleapis.com/v1beta/openai",
            "http://[::1]:11434/v1",
        ] {
            assert_eq!(check_base_url(fine), Ok(()), "{fine}");
        }
        for bad in [
            "api.openai.com/v1",
            "https://user:pw@host/v1",
            "https://host/v1?key=1",
            "https:///v1",
            "javascript:alert(1)",
        ] {
            assert_eq!(check_base_url(bad), Err(ErrorCode::UrlInvalid), "{bad}");
        }
        assert_eq!(check_base_url(""), Err(ErrorCode::Required));
    }
}
