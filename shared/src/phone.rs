//! Phone numbers, stored in E.164 (`+5511987654321`). What people type
//! without a country code belongs to the account's country — Brazil unless
//! the account says otherwise — so "(11) 98765-4321" is `+5511987654321`,
//! never the North American `+11987654321`.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

use crate::errors::ErrorCode;

/// The countries an account can be in, for numbers typed without `+`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Country {
    #[default]
    BR,
    AR,
    CL,
    CO,
    ES,
    GB,
    MX,
    PE,
    PT,
    PY,
    US,
    UY,
}

impl Country {
    pub const ALL: [Country; 12] = [
        Country::BR,
        Country::AR,
        Country::CL,
        Country::CO,
        Country::ES,
        Country::GB,
        Country::MX,
        Country::PE,
        Country::PT,
        Country::PY,
        Country::US,
        Country::UY,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Country::BR => "BR",
            Country::AR => "AR",
            Country::CL => "CL",
            Country::CO => "CO",
            Country::ES => "ES",
            Country::GB => "GB",
            Country::MX => "MX",
            Country::PE => "PE",
            Country::PT => "PT",
            Country::PY => "PY",
            Country::US => "US",
            Country::UY => "UY",
        }
    }

    /// The international calling code.
    pub fn calling_code(self) -> &'static str {
        match self {
            Country::BR => "55",
            Country::AR => "54",
            Country::CL => "56",
            Country::CO => "57",
            Country::ES => "34",
            Country::GB => "44",
            Country::MX => "52",
            Country::PE => "51",
            Country::PT => "351",
            Country::PY => "595",
            Country::US => "1",
            Country::UY => "598",
        }
    }

    /// Whether `digits` (no trunk prefix) is a plausible national number.
    fn national_number_ok(self, digits: &str) -> bool {
        match self {
            // Two-digit area code (no zeros), then a mobile (9 digits
            // starting with 9) or a landline (8 digits starting with 2–5).
            Country::BR => {
                let bytes = digits.as_bytes();
                let area_ok = bytes.len() >= 2 && bytes[0] != b'0' && bytes[1] != b'0';
                area_ok
                    && matches!(
                        (digits.len(), bytes.get(2)),
                        (11, Some(b'9')) | (10, Some(b'2'..=b'5'))
                    )
            }
            Country::US => digits.len() == 10 && !digits.starts_with(['0', '1']),
            _ => (6..=12).contains(&digits.len()),
        }
    }
}

impl fmt::Display for Country {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Country {
    type Err = ErrorCode;

    fn from_str(s: &str) -> Result<Self, ErrorCode> {
        Country::ALL
            .into_iter()
            .find(|c| c.as_str().eq_ignore_ascii_case(s.trim()))
            .ok_or(ErrorCode::OptionInvalid)
    }
}

crate::text_column!(Country);

/// A phone number in E.164 form.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PhoneNumber(String);

impl PhoneNumber {
    /// Reads a number as people type it: with `+` (or `00`) it is
    /// international; otherwise it belongs to `country` — with or without
    /// the trunk `0` and with the country code typed without `+`.
    /// Spaces, dots, dashes and parentheses are ignored.
    pub fn parse(input: &str, country: Country) -> Result<Self, ErrorCode> {
        let trimmed = input.trim();
        if trimmed.is_empty() {
            return Err(ErrorCode::Required);
        }
        let punctuation_only = trimmed
            .chars()
            .all(|c| c.is_ascii_digit() || matches!(c, '+' | ' ' | '-' | '(' | ')' | '.'));
        let plus_only_first = !trimmed.chars().skip(1).any(|c| c == '+');
        if !punctuation_only || !plus_only_first {
            return Err(ErrorCode::PhoneInvalid);
        }
        let digits: String = trimmed.chars().filter(char::is_ascii_digit).collect();
        let international = if trimmed.starts_with('+') {
            Some(digits.clone())
        } else {
            digits.strip_prefix("00").map(str::to_string)
        };
        let e164_digits = match international {
            Some(digits) => digits,
            None => {
                let code = country.calling_code();
                let national = digits.strip_prefix('0').unwrap_or(&digits);
                if country.national_number_ok(national) {
                    format!("{code}{national}")
                } else if digits
                    .strip_prefix(code)
                    .is_some_and(|rest| country.national_number_ok(rest))
                {
                    digits
                } else {
                    return Err(ErrorCode::PhoneInvalid);
                }
            }
        };
        if !(8..=15).contains(&e164_digits.len()) || e164_digits.starts_with('0') {
            return Err(ErrorCode::PhoneInvalid);
        }
        Ok(Self(format!("+{e164_digits}")))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The digits of a search term that looks like (part of) a phone number —
/// "98765-4321", "(11) 98765-4321", "+55 11 9876" — so it can be found in
/// stored E.164 numbers; `None` for anything else.
pub fn phone_search_digits(term: &str) -> Option<String> {
    let term = term.trim();
    let phone_like = term
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '+' | ' ' | '-' | '(' | ')' | '.'));
    let digits: String = term.chars().filter(char::is_ascii_digit).collect();
    // A number typed nationally with the trunk 0 ("011 …") is stored without it.
    let digits = digits
        .strip_prefix('0')
        .filter(|rest| !rest.starts_with('0') && rest.len() >= 4)
        .map(str::to_string)
        .unwrap_or(digits);
    (phone_like && digits.len() >= 4).then_some(digits)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn br(input: &str) -> Result<String, ErrorCode> {
        PhoneNumber::parse(input, Country::BR).map(|p| p.as_str().to_string())
    }

    #[test]
    fn brazilian_numbers_typed_without_a_country_code_get_55() {
        for typed in [
            "(11) 98765-4321",
            "11987654321",
            "11 98765 4321",
            "011 98765-4321",
            "5511987654321",
            "+55 (11) 98765-4321",
            "0055 11 98765-4321",
        ] {
            assert_eq!(br(typed).as_deref(), Ok("+5511987654321"), "{typed}");
        }
        assert_eq!(br("(21) 3333-4444").as_deref(), Ok("+552133334444"));
    }

    #[test]
    fn other_countries_keep_their_plus() {
        assert_eq!(br("+1 202 555 0123").as_deref(), Ok("+12025550123"));
        assert_eq!(br("+351 912 345 678").as_deref(), Ok("+351912345678"));
        assert_eq!(
            PhoneNumber::parse("(202) 555-0123", Country::US)
                .unwrap()
                .as_str(),
            "+12025550123"
        );
    }

    #[test]
    fn implausible_numbers_are_refused() {
        for typed in [
            "12345",
            "+55 11 9876x",
            "++5511987654321",
            "11 1234-5678",
            "00",
            "(11) 0876-5432",
        ] {
            assert!(br(typed).is_err(), "{typed}");
        }
        assert_eq!(br("  "), Err(ErrorCode::Required));
    }

    #[test]
    fn phone_like_search_terms_become_digits() {
        assert_eq!(
            phone_search_digits("98765-4321").as_deref(),
            Some("987654321")
        );
        assert_eq!(
            phone_search_digits("(11) 98765-4321").as_deref(),
            Some("11987654321")
        );
        assert_eq!(phone_search_digits("011 98765").as_deref(), Some("1198765"));
        assert_eq!(phone_search_digits("maria"), None);
        assert_eq!(phone_search_digits("12"), None);
    }
}
