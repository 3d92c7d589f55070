//! Server-side plumbing shared by every server function: the application
//! state, who is asking, cookies, and turning domain results into responses.

use axum::extract::FromRef;
use domain::auth::{AuthenticatedSession, ClientInfo};
use domain::secrets::SecretKey;
use domain::{Actor, Db};
use http::header::{ACCEPT, REFERER, SET_COOKIE};
use http::request::Parts;
use http::{HeaderValue, StatusCode};
use leptos::prelude::*;
use leptos_axum::ResponseOptions;
use shared::{AppError, Locale, Theme};
use std::path::PathBuf;
use std::sync::Arc;

pub const SESSION_COOKIE: &str = "ponte_session";
pub const LOCALE_COOKIE: &str = "ponte_locale";
pub const THEME_COOKIE: &str = "ponte_theme";

/// Settings the running server was started with.
#[derive(Debug)]
pub struct Config {
    /// External base URL, without a trailing slash (links, cookie `Secure`).
    pub public_url: String,
    pub secure_cookies: bool,
    pub data_dir: PathBuf,
    pub secret: SecretKey,
    /// Seals and opens connection credentials.
    pub vault: Arc<domain::channels::vault::Vault>,
    /// The server-wide SMTP server (`PONTE_SMTP_URL`), when configured.
    pub mailer: domain::mail::Mailer,
    /// Servers a tenant types in (SMTP) may be on private networks
    /// (`PONTE_ALLOW_PRIVATE_WEBHOOKS`: tests, on-premise installs).
    pub allow_private_targets: bool,
}

impl Config {
    /// Where system mail is queued, with links to this server.
    pub fn outbox(&self) -> domain::mail::Outbox<'_> {
        domain::mail::Outbox {
            vault: &self.vault,
            base_url: &self.public_url,
            sending: self.mailer.can_send(),
        }
    }

    /// How AI providers are reached from this server.
    pub fn ai_reach(&self) -> domain::ai::providers::Reach<'_> {
        domain::ai::providers::Reach {
            vault: &self.vault,
            allow_private_targets: self.allow_private_targets,
        }
    }
}

/// Cloned for every request by axum's extractors and middleware, so each
/// field is cheap to clone (the Leptos options are a dozen strings).
#[derive(Clone, Debug)]
pub struct AppState {
    pub leptos_options: Arc<LeptosOptions>,
    pub db: Db,
    pub config: Arc<Config>,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        LeptosOptions::clone(&state.leptos_options)
    }
}

/// Request extension set by the server's session middleware.
#[derive(Clone, Debug, Default)]
pub struct CurrentSession(pub Option<Arc<AuthenticatedSession>>);

/// Request extension: the client's address as the server sees it.
#[derive(Clone, Debug, Default)]
pub struct ClientIp(pub Option<String>);

fn parts() -> Result<Parts, AppError> {
    use_context::<Parts>().ok_or_else(|| internal("request parts missing from context"))
}

fn internal(what: &str) -> AppError {
    tracing::error!("{what}");
    AppError::Internal {
        reference: "ctx".into(),
    }
}

pub fn state() -> Result<AppState, AppError> {
    use_context::<AppState>().ok_or_else(|| internal("AppState missing from context"))
}

pub fn session() -> Option<Arc<AuthenticatedSession>> {
    use_context::<Parts>()?
        .extensions
        .get::<CurrentSession>()?
        .0
        .clone()
}

pub fn require_session() -> Result<Arc<AuthenticatedSession>, AppError> {
    session().ok_or_else(|| fail(AppError::Unauthorized))
}

/// The signed-in actor and the state, or `Unauthorized`.
pub fn actor() -> Result<(AppState, Actor), AppError> {
    let session = require_session()?;
    Ok((state()?, session.actor.clone()))
}

pub fn client_info() -> ClientInfo {
    let Ok(parts) = parts() else {
        return ClientInfo::default();
    };
    ClientInfo {
        ip: parts
            .extensions
            .get::<ClientIp>()
            .and_then(|ip| ip.0.clone()),
        user_agent: parts
            .headers
            .get(http::header::USER_AGENT)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string),
        locale: display_preferences().0,
    }
}

pub fn cookie(name: &str) -> Option<String> {
    let parts = use_context::<Parts>()?;
    cookie_from_headers(&parts.headers, name)
}

pub fn cookie_from_headers(headers: &http::HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(http::header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.to_string())
}

fn append_cookie(value: String) {
    if let (Some(response), Ok(header)) = (
        use_context::<ResponseOptions>(),
        HeaderValue::from_str(&value),
    ) {
        response.append_header(SET_COOKIE, header);
    }
}

fn secure_attr() -> &'static str {
    match state() {
        Ok(state) if state.config.secure_cookies => "; Secure",
        _ => "",
    }
}

pub fn set_session_cookie(token: &str, max_age_days: i64) {
    append_cookie(format!(
        "{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}{}",
        max_age_days * 86_400,
        secure_attr()
    ));
}

pub fn clear_session_cookie() {
    append_cookie(format!(
        "{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0{}",
        secure_attr()
    ));
}

/// Remembers display preferences for signed-out pages too (one year).
pub fn set_preference_cookies(locale: Option<Locale>, theme: Option<Theme>) {
    let year = 365 * 86_400;
    if let Some(locale) = locale {
        append_cookie(format!(
            "{LOCALE_COOKIE}={}; Path=/; SameSite=Lax; Max-Age={year}{}",
            locale.as_str(),
            secure_attr()
        ));
    }
    if let Some(theme) = theme {
        append_cookie(format!(
            "{THEME_COOKIE}={}; Path=/; SameSite=Lax; Max-Age={year}{}",
            theme.as_str(),
            secure_attr()
        ));
    }
}

/// The language and theme for this response: the user's preference, then
/// the preference cookie, then `Accept-Language` (language only), then the
/// account default, then pt-BR / follow the system.
pub fn display_preferences() -> (Locale, Theme) {
    let signed_in = session();
    let cookie_locale = cookie(LOCALE_COOKIE).and_then(|v| v.parse::<Locale>().ok());
    let cookie_theme = cookie(THEME_COOKIE).and_then(|v| v.parse::<Theme>().ok());
    let accept_language = use_context::<Parts>()
        .and_then(|p| p.headers.get(http::header::ACCEPT_LANGUAGE).cloned())
        .and_then(|v| v.to_str().ok().and_then(Locale::from_accept_language));
    match signed_in {
        Some(session) => {
            let locale = session
                .user
                .locale
                .or(cookie_locale)
                .or(accept_language)
                .unwrap_or(session.account_defaults.0);
            let theme = match session.user.theme {
                Theme::System => cookie_theme.unwrap_or(session.account_defaults.1),
                chosen => chosen,
            };
            (locale, theme)
        }
        None => (
            cookie_locale.or(accept_language).unwrap_or_default(),
            cookie_theme.unwrap_or_default(),
        ),
    }
}

/// True for a classic HTML form submission (no wasm yet): the browser wants
/// a page back, not JSON.
pub fn is_plain_form_post() -> bool {
    use_context::<Parts>().is_some_and(|p| {
        p.method == http::Method::POST
            && p.headers
                .get(ACCEPT)
                .and_then(|v| v.to_str().ok())
                .is_some_and(|v| v.contains("text/html"))
    })
}

/// For a plain form post, answers with a redirect to `path`; a hydrated
/// client navigates by itself.
pub fn redirect_plain_form(path: &str) {
    if is_plain_form_post() {
        leptos_axum::redirect(path);
    }
}

/// Maps a domain result to the wire. For a plain form post that failed, the
/// browser is sent back to the form with the error in the query string, so
/// field errors show even before the wasm has loaded.
pub fn finish<T>(result: domain::Result<T>) -> Result<T, AppError> {
    result.map_err(|err| fail(AppError::from(err)))
}

/// Prepares the response for a failed server function: the matching HTTP
/// status, or for a plain form post a redirect back to the form.
pub fn fail(err: AppError) -> AppError {
    if is_plain_form_post() {
        redirect_back_with_error(&err);
    } else if let Some(response) = use_context::<ResponseOptions>() {
        response.set_status(
            StatusCode::from_u16(err.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
        );
    }
    err
}

fn redirect_back_with_error(err: &AppError) {
    let Some(parts) = use_context::<Parts>() else {
        return;
    };
    let Some(response) = use_context::<ResponseOptions>() else {
        return;
    };
    let back = parts
        .headers
        .get(REFERER)
        .and_then(|v| v.to_str().ok())
        .and_then(local_path_of)
        .unwrap_or_else(|| "/".to_string());
    let without_old_error = strip_query_param(&back, "form_error");
    let separator = if without_old_error.contains('?') {
        '&'
    } else {
        '?'
    };
    let encoded = percent_encode(&serde_json::to_string(err).unwrap_or_default());
    let location = format!("{without_old_error}{separator}form_error={encoded}");
    if let Ok(value) = HeaderValue::from_str(&location) {
        response.insert_header(http::header::LOCATION, value);
        response.set_status(StatusCode::SEE_OTHER);
    }
}

/// The path-and-query of a same-site URL (`https://host/a?b` → `/a?b`).
fn local_path_of(url: &str) -> Option<String> {
    let after_scheme = url.split_once("://").map(|(_, rest)| rest).unwrap_or(url);
    let path_start = after_scheme.find('/')?;
    Some(after_scheme[path_start..].to_string())
}

fn strip_query_param(path: &str, name: &str) -> String {
    let Some((base, query)) = path.split_once('?') else {
        return path.to_string();
    };
    let kept: Vec<&str> = query
        .split('&')
        .filter(|pair| !pair.starts_with(&format!("{name}=")))
        .collect();
    if kept.is_empty() {
        base.to_string()
    } else {
        format!("{base}?{}", kept.join("&"))
    }
}

pub fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 3);
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// Accepts only a path on this site as the destination after signing in:
/// one `/` followed by anything but another `/` or `\`, with no whitespace,
/// control characters or backslashes anywhere — browsers drop tabs and
/// newlines and read `\` as `/`, so `/\t/evil.example` would become
/// `//evil.example`. The percent-decoded form must not start like that
/// either.
pub fn safe_next(next: Option<&str>) -> String {
    let starts_as_a_local_path = |path: &str| {
        let mut chars = path.chars();
        chars.next() == Some('/')
            && !chars
                .next()
                .is_some_and(|c| c == '/' || c == '\\' || c.is_control() || c.is_whitespace())
    };
    let clean = |path: &str| {
        !path
            .chars()
            .any(|c| c.is_control() || c.is_whitespace() || c == '\\')
    };
    match next {
        Some(path)
            if starts_as_a_local_path(path)
                && clean(path)
                && starts_as_a_local_path(&percent_decode(path)) =>
        {
            path.to_string()
        }
        _ => "/".to_string(),
    }
}

/// `%XX` sequences decoded (invalid ones kept as they are).
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| (b as char).to_digit(16);
        match (
            bytes[i],
            bytes.get(i + 1).copied().and_then(hex),
            bytes.get(i + 2).copied().and_then(hex),
        ) {
            (b'%', Some(high), Some(low)) => {
                out.push((high * 16 + low) as u8);
                i += 3;
            }
            (byte, _, _) => {
                out.push(byte);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_only_allows_local_paths() {
        assert_eq!(safe_next(Some("/inbox/3")), "/inbox/3");
        assert_eq!(safe_next(Some("/invite/abc_-9")), "/invite/abc_-9");
        assert_eq!(safe_next(Some("/inbox?q=a%20b")), "/inbox?q=a%20b");
        for evil in [
            "//evil.example",
            "https://evil.example",
            "/\t/evil.example",
            "/\n/evil.example",
            "/ /evil.example",
            "/\\evil.example",
            "\\/evil.example",
            "/%2F/evil.example",
            "/%2f/evil.example",
            "/%5C/evil.example",
            "/%09/evil.example",
            "evil.example",
            "",
        ] {
            assert_eq!(safe_next(Some(evil)), "/", "{evil:?}");
        }
        assert_eq!(safe_next(None), "/");
    }

    #[test]
    fn referer_becomes_a_local_path_without_old_errors() {
        assert_eq!(
            local_path_of("http://127.0.0.1:3000/login?next=%2F").as_deref(),
            Some("/login?next=%2F")
        );
        assert_eq!(
            strip_query_param("/login?form_error=x&next=/a", "form_error"),
            "/login?next=/a"
        );
        assert_eq!(
            strip_query_param("/login?form_error=x", "form_error"),
            "/login"
        );
    }

    #[test]
    fn cookies_are_found_among_many() {
        let mut headers = http::HeaderMap::new();
        headers.insert(
            http::header::COOKIE,
            HeaderValue::from_static("a=1; ponte_session=tok; b=2"),
        );
        assert_eq!(
            cookie_from_headers(&headers, SESSION_COOKIE).as_deref(),
            Some("tok")
        );
        assert_eq!(cookie_from_headers(&headers, "missing"), None);
    }
}
