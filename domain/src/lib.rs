//! Ponte's domain layer: business rules and the SQL that stores them.
//!
//! Every function takes the database handle, the acting [`Actor`] (who, in
//! which account, with which role) and validated input. Server functions, the
//! REST API, webhooks, background jobs and the CLI all call these same
//! functions; none of them talks to the database directly.

pub mod access;
pub mod accounts;
pub mod activity;
pub mod actor;
pub mod ai;
pub mod api_tokens;
pub mod attachments;
pub mod audit;
pub mod auth;
pub mod business_time;
pub mod categories;
pub mod channels;
pub mod contacts;
pub mod conversations;
pub mod dashboard;
pub mod db;
pub mod departments;
pub mod error;
pub mod flows;
pub mod history;
pub mod inbox;
pub mod load;
pub mod mail;
pub mod messages;
pub mod notifications;
pub mod people;
pub mod productivity;
pub mod quick_replies;
pub mod realtime;
pub mod reports;
pub mod rules;
pub mod satisfaction;
pub mod secrets;
pub mod seed;
pub mod service_desk;
pub mod widget;

pub use actor::Actor;
pub use db::Db;
pub use error::{Error, Result};
