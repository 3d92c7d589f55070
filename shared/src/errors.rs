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
    UrlInvalid,
    /// WhatsApp allows free text only within 24 h of the customer's last message.
    OutsideServiceWindow,
    /// A WhatsApp template Meta has not approved (or has paused) cannot be sent.
    TemplateNotApproved,
    /// Two contacts who both write on one channel are two people there.
    ContactsShareAChannel,
    /// Plain-text SMTP is only allowed to a server on this machine.
    SmtpNeedsTls,
    /// The server's silence threshold must be longer than the idle timeout.
    ThresholdBelowIdleTimeout,
    /// A category cannot sit under itself or one of its own children.
    CategoryLoop,
    /// Categories go three levels deep at most.
    CategoryTooDeep,
    /// A date range whose end comes before its start.
    RangeReversed,
    /// A report covers a year at most.
    RangeTooLong,
    /// An opening that does not close after it opens (HH:MM, by 24:00).
    HoursInvalid,
    /// Two openings on one day overlap.
    HoursOverlap,
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
            Self::UrlInvalid => "url_invalid",
            Self::OutsideServiceWindow => "outside_service_window",
            Self::TemplateNotApproved => "template_not_approved",
            Self::ContactsShareAChannel => "contacts_share_a_channel",
            Self::SmtpNeedsTls => "smtp_needs_tls",
            Self::ThresholdBelowIdleTimeout => "threshold_below_idle_timeout",
            Self::CategoryLoop => "category_loop",
            Self::CategoryTooDeep => "category_too_deep",
            Self::RangeReversed => "range_reversed",
            Self::RangeTooLong => "range_too_long",
            Self::HoursInvalid => "hours_invalid",
            Self::HoursOverlap => "hours_overlap",
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

    /// Whether `field` already has a problem (one message per field).
    pub fn has(&self, field: &str) -> bool {
        self.0.iter().any(|e| e.field == field)
    }

    pub fn into_result(self) -> Result<(), AppError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(AppError::Validation { fields: self.0 })
        }
    }
}

/// Why a request conflicts with the current state. Typed, so the UI says
/// each in words and no free text ever travels in an error.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConflictReason {
    /// The change would leave the account without an active Global admin.
    LastAdmin,
    /// Resolved or cancelled: reopen it first.
    ConversationClosed,
    /// Someone else signed up with this address meanwhile.
    EmailTaken,
    /// The invitation is for another address than the signed-in person's.
    InvitationForAnotherUser,
    /// A login exists for the invited address: sign in as it to accept.
    SignInToAccept,
    /// The signed-in person's address is not confirmed yet.
    ConfirmEmailFirst,
}

impl ConflictReason {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::LastAdmin => "last_admin",
            Self::ConversationClosed => "conversation_closed",
            Self::EmailTaken => "email_taken",
            Self::InvitationForAnotherUser => "invitation_for_another_user",
            Self::SignInToAccept => "sign_in_to_accept",
            Self::ConfirmEmailFirst => "confirm_email_first",
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
    #[error("conflict: {}", reason.as_str())]
    Conflict { reason: ConflictReason },
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

    /// An error read back from a URL (`?form_error=`), keeping nothing a
    /// link's author could use to put their own words on our page.
    pub fn from_untrusted_json(raw: &str) -> Option<Self> {
        // From bytes, as server functions read: the wasm then holds one
        // copy of this type's deserializer (app/src/json.rs).
        let parsed: AppError = serde_json::from_slice(raw.as_bytes()).ok()?;
        match parsed {
            Self::Internal { reference } => {
                let looks_real =
                    reference.len() == 8 && reference.chars().all(|c| c.is_ascii_hexdigit());
                Some(Self::Internal {
                    reference: if looks_real { reference } else { String::new() },
                })
            }
            Self::Transport { .. } => Some(Self::Transport {
                message: String::new(),
            }),
            Self::Validation { fields } => Some(Self::Validation {
                fields: fields
                    .into_iter()
                    .filter(|f| {
                        f.field.len() <= 40
                            && f.field
                                .chars()
                                .all(|c| c.is_ascii_alphanumeric() || c == '_')
                    })
                    .collect(),
            }),
            other => Some(other),
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
                let (field, code) = field_of_decoding_error(&message);
                Self::Validation {
                    fields: vec![FieldError { field, code }],
                }
            }
            other => Self::Transport {
                message: other.to_string(),
            },
        }
    }
}

/// The field a request body decoder complained about ("missing field
/// `email`" → `email`, required), or `body` when it does not say.
pub fn field_of_decoding_error(message: &str) -> (String, ErrorCode) {
    let named = message
        .split_once("field `")
        .and_then(|(_, rest)| rest.split('`').next())
        .filter(|name| {
            !name.is_empty()
                && name.len() <= 40
                && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        })
        .map(str::to_string);
    let code = if message.contains("missing field") {
        ErrorCode::Required
    } else {
        ErrorCode::InvalidValue
    };
    (named.unwrap_or_else(|| "body".to_string()), code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decoding_errors_name_their_field() {
        assert_eq!(
            field_of_decoding_error("missing field `email`"),
            ("email".to_string(), ErrorCode::Required)
        );
        assert_eq!(
            field_of_decoding_error("invalid digit found in string"),
            ("body".to_string(), ErrorCode::InvalidValue)
        );
        assert_eq!(
            field_of_decoding_error("invalid type: integer `5`, expected struct InboxFilter"),
            ("body".to_string(), ErrorCode::InvalidValue),
            "a value in backticks is not a field name"
        );
    }

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
    fn errors_from_urls_carry_no_free_text() {
        let forged = r#"{"kind":"internal","reference":"Call 0800 123 to fix your account"}"#;
        assert_eq!(
            AppError::from_untrusted_json(forged),
            Some(AppError::Internal {
                reference: String::new()
            })
        );
        let real = r#"{"kind":"internal","reference":"0a1b2c3d"}"#;
        assert_eq!(
            AppError::from_untrusted_json(real),
            Some(AppError::Internal {
                reference: "0a1b2c3d".into()
            })
        );
        let transport = r#"{"kind":"transport","message":"<b>hi</b>"}"#;
        assert_eq!(
            AppError::from_untrusted_json(transport),
            Some(AppError::Transport {
                message: String::new()
            })
        );
        let conflict = r#"{"kind":"conflict","reason":"anything at all"}"#;
        assert_eq!(AppError::from_untrusted_json(conflict), None);
        assert_eq!(
            AppError::from_untrusted_json(r#"{"kind":"conflict","reason":"last_admin"}"#),
            Some(AppError::Conflict {
                reason: ConflictReason::LastAdmin
            })
        );
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
