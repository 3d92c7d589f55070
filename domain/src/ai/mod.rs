//! Ponte's AI: the account's own OpenAI-compatible providers where it has
//! connected one ([`providers`]), and a built-in offline engine that works on
//! a fresh install with no provider anywhere and stands in whenever a
//! provider fails. The engine's quality is measured on labelled examples
//! kept in the repository, never asserted.

pub mod agents;
pub mod categories;
pub mod providers;
pub mod quality;
pub mod replies;
pub mod sentiment;
mod similar;
pub mod summary;
