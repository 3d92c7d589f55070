pub mod attributes;
pub mod audit;
pub mod auth;
pub mod channels;
pub mod inbox;
pub mod quick_replies;
pub mod settings;
