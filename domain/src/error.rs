//! The domain's error taxonomy. Every domain function returns [`Error`]; the
//! server-function and REST layers map it once to their wire formats.

use shared::{AppError, ConflictReason, ErrorCode, FieldError};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("validation failed: {0:?}")]
    Validation(Vec<FieldError>),
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
    #[error("conflict: {}", .0.as_str())]
    Conflict(ConflictReason),
    #[error("link invalid or expired")]
    LinkExpired,
    #[error("membership deactivated")]
    Deactivated,
    /// Too much work queued (e.g. password hashing): try again shortly.
    #[error("busy; retry in {retry_after_secs} s")]
    Busy { retry_after_secs: u64 },
    /// A flow that cannot run (publishing, or saving a draft over REST).
    #[error("the flow has {} problem(s)", .0.len())]
    FlowInvalid(Vec<shared::flows::FlowProblem>),
    #[error(transparent)]
    Unexpected(#[from] anyhow::Error),
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    pub fn field(field: &str, code: ErrorCode) -> Self {
        Self::Validation(vec![FieldError {
            field: field.to_string(),
            code,
        }])
    }

    /// A form's problems, as (field, code), as one validation error; `Ok`
    /// when it has none.
    pub fn check(problems: Vec<(&'static str, ErrorCode)>) -> Result<()> {
        if problems.is_empty() {
            return Ok(());
        }
        Err(Self::Validation(
            problems
                .into_iter()
                .map(|(field, code)| FieldError {
                    field: field.to_string(),
                    code,
                })
                .collect(),
        ))
    }
}

impl From<AppError> for Error {
    /// Validation helpers in `shared` produce `AppError`s; only validation
    /// ever flows this way.
    fn from(err: AppError) -> Self {
        match err {
            AppError::Validation { fields } => Self::Validation(fields),
            other => Self::Unexpected(anyhow::anyhow!("{other}")),
        }
    }
}

/// Converts to the wire error. Unexpected errors are logged here, with their
/// whole cause chain, under a short reference the user can quote.
impl From<Error> for AppError {
    fn from(err: Error) -> Self {
        match err {
            Error::Validation(fields) => AppError::Validation { fields },
            Error::InvalidCredentials => AppError::InvalidCredentials,
            Error::RateLimited { retry_after_secs } => AppError::RateLimited { retry_after_secs },
            Error::Unauthorized => AppError::Unauthorized,
            Error::Forbidden => AppError::Forbidden,
            Error::NotFound => AppError::NotFound,
            Error::Conflict(reason) => AppError::Conflict { reason },
            Error::LinkExpired => AppError::LinkExpired,
            Error::Deactivated => AppError::Deactivated,
            Error::Busy { retry_after_secs } => AppError::RateLimited { retry_after_secs },
            // REST answers a flow's problems itself (`api_flows`); elsewhere
            // the definition as a whole is what was refused.
            Error::FlowInvalid(_) => AppError::field("definition", ErrorCode::InvalidValue),
            Error::Unexpected(cause) => {
                let reference = uuid::Uuid::new_v4().simple().to_string()[..8].to_string();
                tracing::error!(%reference, error = ?cause, "unexpected error");
                AppError::Internal { reference }
            }
        }
    }
}

/// True when `err` is a unique-constraint violation on `constraint`.
pub(crate) fn is_unique_violation(err: &sqlx::Error, constraint: &str) -> bool {
    match err {
        sqlx::Error::Database(db) => {
            db.code().as_deref() == Some("23505") && db.constraint() == Some(constraint)
        }
        _ => false,
    }
}
