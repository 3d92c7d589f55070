//! Types that compile for both the wasm UI and the server: validated values,
//! roles, preferences, errors and the data shapes that cross the wire.

pub mod access;
pub mod accounts;
pub mod activity;
pub mod ai;
pub mod ai_agents;
pub mod audit;
pub mod categories;
pub mod connections;
pub mod dashboard;
pub mod departments;
pub mod errors;
pub mod events;
pub mod flows;
pub mod inbox;
pub mod mail;
pub mod phone;
pub mod prefs;
pub mod report_words;
pub mod reports;
pub mod roles;
pub mod rules;
pub mod sla;
pub mod text;
pub mod values;

pub use errors::{AppError, ConflictReason, ErrorCode, FieldError, FieldErrors};
pub use prefs::{Locale, Theme};
pub use roles::{Permission, Role};

/// Stores a string-like enum (`as_str` / `FromStr`) in a `text` column, so
/// rows decode straight into the enum and an unknown value is an error at
/// the database boundary rather than a stray string further in.
#[macro_export]
#[doc(hidden)]
macro_rules! text_column {
    ($name:ty) => {
        #[cfg(feature = "ssr")]
        impl sqlx::Type<sqlx::Postgres> for $name {
            fn type_info() -> sqlx::postgres::PgTypeInfo {
                <&str as sqlx::Type<sqlx::Postgres>>::type_info()
            }
            fn compatible(ty: &sqlx::postgres::PgTypeInfo) -> bool {
                <&str as sqlx::Type<sqlx::Postgres>>::compatible(ty)
            }
        }

        #[cfg(feature = "ssr")]
        impl sqlx::postgres::PgHasArrayType for $name {
            fn array_type_info() -> sqlx::postgres::PgTypeInfo {
                <&str as sqlx::postgres::PgHasArrayType>::array_type_info()
            }
        }

        #[cfg(feature = "ssr")]
        impl<'r> sqlx::Decode<'r, sqlx::Postgres> for $name {
            fn decode(
                value: sqlx::postgres::PgValueRef<'r>,
            ) -> Result<Self, sqlx::error::BoxDynError> {
                let text = <&str as sqlx::Decode<sqlx::Postgres>>::decode(value)?;
                text.parse::<$name>().map_err(|_| {
                    format!("unknown {} {text:?} in the database", stringify!($name)).into()
                })
            }
        }

        #[cfg(feature = "ssr")]
        impl sqlx::Encode<'_, sqlx::Postgres> for $name {
            fn encode_by_ref(
                &self,
                buf: &mut sqlx::postgres::PgArgumentBuffer,
            ) -> Result<sqlx::encode::IsNull, sqlx::error::BoxDynError> {
                <&str as sqlx::Encode<sqlx::Postgres>>::encode(self.as_str(), buf)
            }
        }
    };
}
