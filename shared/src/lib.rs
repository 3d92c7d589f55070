//! Types that compile for both the wasm UI and the server: validated values,
//! roles, preferences, errors and the data shapes that cross the wire.

pub mod accounts;
pub mod audit;
pub mod errors;
pub mod events;
pub mod inbox;
pub mod prefs;
pub mod roles;
pub mod values;

pub use errors::{AppError, ErrorCode, FieldError, FieldErrors};
pub use prefs::{Locale, Theme};
pub use roles::{Permission, Role};
