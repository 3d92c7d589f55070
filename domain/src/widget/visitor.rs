//! Who the visitor is: a signed token the browser keeps to come back to
//! its conversation, and what the widget tells about where it runs.

use shared::inbox::VisitorContext;
use uuid::Uuid;

use crate::channels::PublicChannel;
use crate::secrets::{base64url, from_base64url, random_token, SecretKey};

const TOKEN_PURPOSE: &str = "widget visitor";

/// A visitor token: `<visitor id>.<signature over channel and id>`. It lets
/// a browser come back to its conversation; it cannot be forged or moved to
/// another channel.
pub fn issue_visitor_token(secret: &SecretKey, channel_token: &str) -> String {
    let visitor_id = random_token()[..22].to_string();
    sign_visitor(secret, channel_token, &visitor_id)
}

fn sign_visitor(secret: &SecretKey, channel_token: &str, visitor_id: &str) -> String {
    let signature = secret.sign(
        TOKEN_PURPOSE,
        format!("{channel_token}.{visitor_id}").as_bytes(),
    );
    format!("{visitor_id}.{}", base64url(&signature))
}

/// The visitor id inside a valid token for this channel.
pub fn verify_visitor_token(
    secret: &SecretKey,
    channel_token: &str,
    token: &str,
) -> Option<String> {
    let (visitor_id, signature) = token.split_once('.')?;
    let valid_id = !visitor_id.is_empty()
        && visitor_id.len() <= 64
        && visitor_id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    let signature = from_base64url(signature)?;
    (valid_id
        && secret.verify(
            TOKEN_PURPOSE,
            format!("{channel_token}.{visitor_id}").as_bytes(),
            &signature,
        ))
    .then(|| visitor_id.to_string())
}

/// A verified visitor of a website channel.
#[derive(Clone, Debug)]
pub struct Visitor {
    pub channel: PublicChannel,
    pub visitor_id: String,
    pub token: String,
}

impl Visitor {
    pub fn account_id(&self) -> Uuid {
        self.channel.account_id
    }
}

/// What the widget says about where it runs, plus the browser's user agent,
/// cut to sane sizes.
pub fn visitor_context(
    page: Option<&str>,
    language: Option<&str>,
    time_zone: Option<&str>,
    user_agent: Option<&str>,
) -> VisitorContext {
    let clean = |text: Option<&str>, max: usize| {
        text.map(|t| {
            t.trim()
                .chars()
                .filter(|c| !c.is_control())
                .take(max)
                .collect::<String>()
        })
        .filter(|t| !t.is_empty())
    };
    VisitorContext {
        page: clean(page, 500).filter(|p| p.starts_with("http://") || p.starts_with("https://")),
        browser: user_agent.and_then(describe_browser),
        language: clean(language, 20),
        time_zone: clean(time_zone, 64),
    }
}

/// "Chrome · Android", "Safari · iPhone", "Firefox · Windows" from a user
/// agent; `None` when neither part is recognised.
pub fn describe_browser(user_agent: &str) -> Option<String> {
    let ua = user_agent;
    let browser = if ua.contains("Edg/") {
        Some("Edge")
    } else if ua.contains("OPR/") || ua.contains("Opera") {
        Some("Opera")
    } else if ua.contains("SamsungBrowser") {
        Some("Samsung Internet")
    } else if ua.contains("Firefox/") || ua.contains("FxiOS") {
        Some("Firefox")
    } else if ua.contains("Chrome/") || ua.contains("CriOS") {
        Some("Chrome")
    } else if ua.contains("Safari/") {
        Some("Safari")
    } else {
        None
    };
    let system = if ua.contains("iPhone") {
        Some("iPhone")
    } else if ua.contains("iPad") {
        Some("iPad")
    } else if ua.contains("Android") {
        Some("Android")
    } else if ua.contains("Windows") {
        Some("Windows")
    } else if ua.contains("Mac OS X") || ua.contains("Macintosh") {
        Some("macOS")
    } else if ua.contains("Linux") {
        Some("Linux")
    } else {
        None
    };
    match (browser, system) {
        (Some(b), Some(s)) => Some(format!("{b} · {s}")),
        (Some(one), None) | (None, Some(one)) => Some(one.to_string()),
        (None, None) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn browsers_are_described_in_two_words() {
        let android = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Mobile Safari/537.36";
        assert_eq!(
            describe_browser(android).as_deref(),
            Some("Chrome · Android")
        );
        let iphone = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1";
        assert_eq!(describe_browser(iphone).as_deref(), Some("Safari · iPhone"));
        let edge = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36 Edg/126.0";
        assert_eq!(describe_browser(edge).as_deref(), Some("Edge · Windows"));
        assert_eq!(describe_browser("curl/8.0"), None);
        let context = visitor_context(Some("javascript:alert(1)"), Some("pt-BR"), None, None);
        assert_eq!(context.page, None, "only web pages");
        assert_eq!(context.language.as_deref(), Some("pt-BR"));
    }

    #[test]
    fn visitor_tokens_verify_only_on_their_channel() {
        let secret = SecretKey::generate();
        let token = issue_visitor_token(&secret, "wc_a");
        let id = verify_visitor_token(&secret, "wc_a", &token).expect("valid");
        assert_eq!(token.split('.').next(), Some(id.as_str()));
        assert_eq!(
            verify_visitor_token(&secret, "wc_b", &token),
            None,
            "another channel"
        );
        assert_eq!(
            verify_visitor_token(&SecretKey::generate(), "wc_a", &token),
            None,
            "another key"
        );
        let forged = format!("someone-else.{}", token.split('.').nth(1).unwrap());
        assert_eq!(verify_visitor_token(&secret, "wc_a", &forged), None);
        assert_eq!(verify_visitor_token(&secret, "wc_a", "garbage"), None);
    }
}
