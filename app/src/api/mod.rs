//! Server functions, by area. Each is thin: find out who is asking, call the
//! domain, map the result.

pub mod access;
pub mod account;
pub mod activity;
pub mod ai;
pub mod ai_agents;
pub mod audit;
pub mod categories;
pub mod channels;
pub mod connections;
pub mod contacts;
pub mod conversations;
pub mod departments;
pub mod flows;
pub mod mail;
pub mod people;
pub mod reports;
pub mod rules;
pub mod session;
pub mod templates;
pub mod tokens;
