//! Value types that validate on construction. Once a value of one of these
//! types exists it is known to be well formed, so the domain never re-checks
//! a bare `String`. The same rules run in the browser (for instant field
//! errors) and on the server (the authority).

use serde::{Deserialize, Serialize};
use std::fmt;

use crate::errors::ErrorCode;

/// A syntactically plausible e-mail address, trimmed and lower-cased.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct EmailAddress(String);

impl EmailAddress {
    pub const MAX_LEN: usize = 254;

    pub fn parse(input: &str) -> Result<Self, ErrorCode> {
        let email = input.trim().to_lowercase();
        if email.is_empty() {
            return Err(ErrorCode::Required);
        }
        if email.len() > Self::MAX_LEN {
            return Err(ErrorCode::TooLong);
        }
        let Some((local, domain)) = email.rsplit_once('@') else {
            return Err(ErrorCode::EmailInvalid);
        };
        let domain_ok = domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains("..")
            && domain
                .chars()
                .all(|c| c.is_alphanumeric() || c == '.' || c == '-');
        let local_ok = !local.is_empty()
            && local.len() <= 64
            && !local
                .chars()
                .any(|c| c.is_whitespace() || c.is_control() || c == '@');
        if domain_ok && local_ok {
            Ok(Self(email))
        } else {
            Err(ErrorCode::EmailInvalid)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for EmailAddress {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for EmailAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for EmailAddress {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(d)?;
        Self::parse(&raw).map_err(|code| serde::de::Error::custom(code.as_str()))
    }
}

/// An account's URL handle: 3–40 characters of `a-z`, `0-9` and inner dashes.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct Slug(String);

impl Slug {
    pub const MIN_LEN: usize = 3;
    pub const MAX_LEN: usize = 40;
    const RESERVED: &'static [&'static str] = &[
        "admin", "api", "app", "login", "logout", "signup", "settings", "www", "ponte", "static",
        "pkg", "widget", "demo", "healthz", "readyz", "metrics",
    ];

    pub fn parse(input: &str) -> Result<Self, ErrorCode> {
        let slug = input.trim().to_lowercase();
        if slug.is_empty() {
            return Err(ErrorCode::Required);
        }
        if slug.len() < Self::MIN_LEN {
            return Err(ErrorCode::TooShort);
        }
        if slug.len() > Self::MAX_LEN {
            return Err(ErrorCode::TooLong);
        }
        let chars_ok = slug
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if !chars_ok || slug.starts_with('-') || slug.ends_with('-') || slug.contains("--") {
            return Err(ErrorCode::SlugInvalid);
        }
        if Self::RESERVED.contains(&slug.as_str()) {
            return Err(ErrorCode::SlugReserved);
        }
        Ok(Self(slug))
    }

    /// Suggests a slug from a company name ("Padaria São João" → "padaria-sao-joao").
    pub fn suggest_from(name: &str) -> String {
        let mut out = String::new();
        for c in name.trim().to_lowercase().chars() {
            let c = fold_accent(c);
            if c.is_ascii_alphanumeric() {
                out.push(c);
            } else if !out.ends_with('-') && !out.is_empty() {
                out.push('-');
            }
        }
        let trimmed = out.trim_end_matches('-');
        trimmed
            .chars()
            .take(Self::MAX_LEN)
            .collect::<String>()
            .trim_end_matches('-')
            .to_string()
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

fn fold_accent(c: char) -> char {
    match c {
        'á' | 'à' | 'â' | 'ã' | 'ä' => 'a',
        'é' | 'è' | 'ê' | 'ë' => 'e',
        'í' | 'ì' | 'î' | 'ï' => 'i',
        'ó' | 'ò' | 'ô' | 'õ' | 'ö' => 'o',
        'ú' | 'ù' | 'û' | 'ü' => 'u',
        'ç' => 'c',
        'ñ' => 'n',
        other => other,
    }
}

impl AsRef<str> for Slug {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Slug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A password that satisfies the policy. It never prints.
#[derive(Clone, PartialEq, Eq)]
pub struct NewPassword(String);

impl NewPassword {
    pub const MIN_LEN: usize = 10;
    /// argon2 is happy with long inputs, but a cap stops multi-megabyte
    /// "passwords" from being used to burn CPU.
    pub const MAX_LEN: usize = 128;

    pub fn parse(input: &str) -> Result<Self, ErrorCode> {
        let length = input.chars().count();
        if length == 0 {
            return Err(ErrorCode::Required);
        }
        if length < Self::MIN_LEN {
            return Err(ErrorCode::PasswordTooShort);
        }
        if length > Self::MAX_LEN {
            return Err(ErrorCode::TooLong);
        }
        if input.trim().is_empty() {
            return Err(ErrorCode::PasswordTooWeak);
        }
        let first = input.chars().next();
        if input.chars().all(|c| Some(c) == first) {
            return Err(ErrorCode::PasswordTooWeak);
        }
        Ok(Self(input.to_string()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("NewPassword(***)")
    }
}

/// A human-facing name (person, company, department, channel): trimmed,
/// 1–120 characters, no control characters.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(transparent)]
pub struct DisplayName(String);

impl DisplayName {
    pub const MAX_LEN: usize = 120;

    pub fn parse(input: &str) -> Result<Self, ErrorCode> {
        let name = input.trim();
        if name.is_empty() {
            return Err(ErrorCode::Required);
        }
        if name.chars().count() > Self::MAX_LEN {
            return Err(ErrorCode::TooLong);
        }
        if name.chars().any(char::is_control) {
            return Err(ErrorCode::InvalidCharacters);
        }
        Ok(Self(name.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl AsRef<str> for DisplayName {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for DisplayName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl<'de> Deserialize<'de> for DisplayName {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let raw = String::deserialize(d)?;
        Self::parse(&raw).map_err(|code| serde::de::Error::custom(code.as_str()))
    }
}

/// An IANA time zone name such as `America/Sao_Paulo`. Only the shape is
/// checked here; the server checks it against PostgreSQL's zone list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct TimeZoneName(String);

impl TimeZoneName {
    pub fn parse(input: &str) -> Result<Self, ErrorCode> {
        let tz = input.trim();
        if tz.is_empty() {
            return Err(ErrorCode::Required);
        }
        let shape_ok = tz.len() <= 64
            && tz
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '/' | '_' | '-' | '+'));
        if shape_ok {
            Ok(Self(tz.to_string()))
        } else {
            Err(ErrorCode::TimeZoneInvalid)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn email_is_trimmed_and_lowercased() {
        let email = EmailAddress::parse("  Maria.Silva@Empresa.COM.br ").unwrap();
        assert_eq!(email.as_str(), "maria.silva@empresa.com.br");
    }

    #[test]
    fn email_rejects_malformed_addresses() {
        for bad in [
            "",
            "maria",
            "maria@",
            "@empresa.com",
            "maria@empresa",
            "ma ria@x.com",
            "a@b..com",
            "a@.b.com",
        ] {
            assert!(
                EmailAddress::parse(bad).is_err(),
                "{bad:?} should be rejected"
            );
        }
        assert_eq!(EmailAddress::parse("  "), Err(ErrorCode::Required));
    }

    #[test]
    fn email_rejects_overlong_addresses() {
        let long = format!("{}@example.com", "a".repeat(250));
        assert_eq!(EmailAddress::parse(&long), Err(ErrorCode::TooLong));
    }

    #[test]
    fn email_deserialization_validates() {
        assert!(serde_json::from_str::<EmailAddress>("\"not-an-email\"").is_err());
        let ok: EmailAddress = serde_json::from_str("\"A@B.io\"").unwrap();
        assert_eq!(ok.as_str(), "a@b.io");
    }

    #[test]
    fn slug_accepts_lowercase_dashes_and_digits() {
        assert_eq!(Slug::parse("Loja-123").unwrap().as_str(), "loja-123");
    }

    #[test]
    fn slug_rejects_bad_shapes() {
        assert_eq!(Slug::parse("ab"), Err(ErrorCode::TooShort));
        assert_eq!(Slug::parse(&"a".repeat(41)), Err(ErrorCode::TooLong));
        assert_eq!(Slug::parse("-loja"), Err(ErrorCode::SlugInvalid));
        assert_eq!(Slug::parse("lo--ja"), Err(ErrorCode::SlugInvalid));
        assert_eq!(Slug::parse("lo ja"), Err(ErrorCode::SlugInvalid));
        assert_eq!(Slug::parse("são"), Err(ErrorCode::SlugInvalid));
        assert_eq!(Slug::parse("admin"), Err(ErrorCode::SlugReserved));
    }

    #[test]
    fn slug_suggestion_folds_accents_and_spaces() {
        assert_eq!(Slug::suggest_from("Padaria São João!"), "padaria-sao-joao");
        assert_eq!(Slug::suggest_from("  ACME  Ltda. "), "acme-ltda");
        assert!(Slug::parse(&Slug::suggest_from("Açaí & Cia")).is_ok());
    }

    #[test]
    fn password_policy_enforces_length_and_variety() {
        assert_eq!(NewPassword::parse("").unwrap_err(), ErrorCode::Required);
        assert_eq!(
            NewPassword::parse("short").unwrap_err(),
            ErrorCode::PasswordTooShort
        );
        assert_eq!(
            NewPassword::parse("aaaaaaaaaaaa").unwrap_err(),
            ErrorCode::PasswordTooWeak
        );
        assert_eq!(
            NewPassword::parse("            ").unwrap_err(),
            ErrorCode::PasswordTooWeak
        );
        assert_eq!(
            NewPassword::parse(&"ab".repeat(65)).unwrap_err(),
            ErrorCode::TooLong
        );
        assert!(NewPassword::parse("ponte-demo-2026").is_ok());
    }

    #[test]
    fn password_never_prints() {
        let password = NewPassword::parse("super-secret-value").unwrap();
        assert!(!format!("{password:?}").contains("secret"));
    }

    #[test]
    fn display_name_is_trimmed_and_bounded() {
        assert_eq!(DisplayName::parse("  Ana  ").unwrap().as_str(), "Ana");
        assert_eq!(DisplayName::parse("   "), Err(ErrorCode::Required));
        assert_eq!(
            DisplayName::parse(&"x".repeat(121)),
            Err(ErrorCode::TooLong)
        );
        assert_eq!(
            DisplayName::parse("a\u{0007}b"),
            Err(ErrorCode::InvalidCharacters)
        );
    }

    #[test]
    fn time_zone_shape_is_checked() {
        assert!(TimeZoneName::parse("America/Sao_Paulo").is_ok());
        assert!(TimeZoneName::parse("Etc/GMT+3").is_ok());
        assert!(TimeZoneName::parse("Sao Paulo; DROP").is_err());
    }
}
