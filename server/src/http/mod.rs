//! HTTP: routes outside Leptos and the middleware around everything.

pub mod api_activity;
pub mod api_ai;
pub mod api_ai_agents;
pub mod api_channels;
pub mod api_departments;
pub mod api_exports;
pub mod api_flows;
pub mod api_notifications;
pub mod api_quality;
pub mod api_reports;
pub mod api_rules;
pub mod api_sla;
pub mod api_suggestions;
pub mod api_templates;
pub mod api_v1;
pub mod assets;
pub mod errors;
pub mod files;
pub mod health;
pub mod limits;
pub mod metrics;
pub mod security;
pub mod session;
pub mod webhooks;
pub mod widget;
pub mod ws;
