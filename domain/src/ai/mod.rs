//! Ponte's built-in AI: an offline engine that works on a fresh install with
//! no provider anywhere, and the fallback when a provider fails. Its quality
//! is measured on labelled examples kept in the repository, never asserted.

pub mod categories;
pub mod quality;
pub mod replies;
pub mod sentiment;
mod similar;
pub mod summary;
