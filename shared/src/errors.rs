//! The error vocabulary shared by server and browser. Errors travel as codes,
//! never as English sentences, so the UI can say them in the user's language.

use serde::{Deserialize, Serialize};
use server_fn::codec::JsonEncoding;
use server_fn::error::{FromServerFnError, ServerFnErrorErr};
use std::fmt;

/// Why a single field was rejected. The UI translates each code.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    Required,
    TooShort,
    TooLong,
    InvalidCharacters,
    EmailInvalid,
    EmailTaken,
    SlugInvalid,
    SlugReserved,
    SlugTaken,
    PasswordTooShort,
    PasswordTooWeak,
    PasswordMismatch,
    PasswordWrong,
    TimeZoneInvalid,
    PhoneInvalid,
    NameTaken,
    OriginInvalid,
    ColorInvalid,
    NumberInvalid,
    DateInvalid,
    OptionInvalid,
    FileTooLarge,
    FileTypeNotAllowed,
    AlreadyMember,
    InvalidValue,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Required => "required",
            Self::TooShort => "too_short",
            Self::TooLong => "too_long",
            Self::InvalidCharacters => "invalid_characters",
            Self::EmailInvalid => "email_invalid",
            Self::EmailTaken => "email_taken",
            Self::SlugInvalid => "slug_invalid",
            Self::SlugReserved => "slug_reserved",
            Self::SlugTaken => "slug_taken",
            Self::PasswordTooShort => "password_too_short",
            Self::PasswordTooWeak => "password_too_weak",
            Self::PasswordMismatch => "password_mismatch",
            Self::PasswordWrong => "password_wrong",
            Self::TimeZoneInvalid => "time_zone_invalid",
            Self::PhoneInvalid => "phone_invalid",
            Self::NameTaken => "name_taken",
            Self::OriginInvalid => "origin_invalid",
            Self::ColorInvalid => "color_invalid",
            Self::NumberInvalid => "number_invalid",
            Self::DateInvalid => "date_invalid",
            Self::OptionInvalid => "option_invalid",
            Self::FileTooLarge => "file_too_large",
            Self::FileTypeNotAllowed => "file_type_not_allowed",
            Self::AlreadyMember => "already_member",
            Self::InvalidValue => "invalid_value",
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    pub field: String,
    pub code: ErrorCode,
}

/// Collects field errors while a form is being validated.
#[derive(Default, Debug)]
pub struct FieldErrors(Vec<FieldError>);

impl FieldErrors {
    pub fn new() -> Self {
        Self::default()
    }

    /// Runs a parser, keeping its value or recording its error under `field`.
    pub fn check<T>(&mut self, field: &str, result: Result<T, ErrorCode>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(code) => {
                self.add(field, code);
                None
            }
        }
    }

    pub fn add(&mut self, field: &str, code: ErrorCode) {
        self.0.push(FieldError {
            field: field.to_string(),
            code,
        });
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn into_result(self) -> Result<(), AppError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(AppError::Validation { fields: self.0 })
        }
    }
}

/// Every error a server function can return. Serialized as JSON with a
/// `kind` tag; the UI turns it into words.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AppError {
    #[error("validation failed")]
    Validation { fields: Vec<FieldError> },
    #[error("e-mail or password is wrong")]
    InvalidCredentials,
    #[error("too many attempts; retry in {retry_after_secs} s")]
    RateLimited { retry_after_secs: u64 },
    #[error("not signed in")]
    Unauthorized,
    #[error("not allowed")]
    Forbidden,
    #[error("not found")]
    NotFound,
    #[error("conflict: {reason}")]
    Conflict { reason: String },
    #[error("this link is invalid or has expired")]
    LinkExpired,
    #[error("account deactivated")]
    Deactivated,
    #[error("internal error (reference {reference})")]
    Internal { reference: String },
    #[error("request failed: {message}")]
    Transport { message: String },
}

impl AppError {
    pub fn field(field: &str, code: ErrorCode) -> Self {
        Self::Validation {
            fields: vec![FieldError {
                field: field.to_string(),
                code,
            }],
        }
    }

    /// The error for one field, if this is a validation error mentioning it.
    pub fn field_code(&self, field: &str) -> Option<ErrorCode> {
        match self {
            Self::Validation { fields } => fields.iter().find(|f| f.field == field).map(|f| f.code),
            _ => None,
        }
    }

    /// A stable machine-readable name, used in REST error bodies and URLs.
    pub fn code(&self) -> &'static str {
        match self {
            Self::Validation { .. } => "validation_failed",
            Self::InvalidCredentials => "invalid_credentials",
            Self::RateLimited { .. } => "rate_limited",
            Self::Unauthorized => "unauthorized",
            Self::Forbidden => "forbidden",
            Self::NotFound => "not_found",
            Self::Conflict { .. } => "conflict",
            Self::LinkExpired => "link_expired",
            Self::Deactivated => "deactivated",
            Self::Internal { .. } => "internal",
            Self::Transport { .. } => "transport",
        }
    }

    /// The HTTP status this error should be answered with.
    pub fn status(&self) -> u16 {
        match self {
            Self::Validation { .. } => 422,
            Self::InvalidCredentials | Self::Unauthorized | Self::Deactivated => 401,
            Self::RateLimited { .. } => 429,
            Self::Forbidden => 403,
            Self::NotFound => 404,
            Self::Conflict { .. } => 409,
            Self::LinkExpired => 410,
            Self::Internal { .. } | Self::Transport { .. } => 500,
        }
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            ServerFnErrorErr::Args(message) | ServerFnErrorErr::MissingArg(message) => {
                Self::Validation {
                    fields: vec![FieldError {
                        field: message,
                        code: ErrorCode::InvalidValue,
                    }],
                }
            }
            other => Self::Transport {
                message: other.to_string(),
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn field_errors_collect_and_convert() {
        let mut errors = FieldErrors::new();
        let parsed: Option<u8> = errors.check("age", Err(ErrorCode::NumberInvalid));
        assert!(parsed.is_none());
        let err = errors.into_result().unwrap_err();
        assert_eq!(err.field_code("age"), Some(ErrorCode::NumberInvalid));
        assert_eq!(err.status(), 422);
    }

    #[test]
    fn app_error_round_trips_as_tagged_json() {
        let err = AppError::RateLimited {
            retry_after_secs: 30,
        };
        let json = serde_json::to_string(&err).unwrap();
        assert!(json.contains("\"kind\":\"rate_limited\""));
        assert_eq!(serde_json::from_str::<AppError>(&json).unwrap(), err);
    }
}
