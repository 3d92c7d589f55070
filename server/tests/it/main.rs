//! Integration tests: the real server and domain against a real PostgreSQL,
//! one fresh database per test. Needs DATABASE_URL (an owner role that may
//! create databases); `./ponte.sh test` provides it.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod access;
mod activity;
mod ai_agents;
mod ai_classify;
mod ai_providers;
mod api;
mod assist;
mod audit;
mod auth;
mod categories;
mod channels;
mod crash;
mod email_channel;
mod flow_channels;
mod flow_runs;
mod flows;
mod helpers;
mod inbox;
mod key_rotation;
mod mail;
mod mock_providers;
mod outbound_media;
mod outbound_retries;
mod providers;
mod quality;
mod realtime;
mod report_exports;
mod report_schedules;
mod reports;
mod rules;
mod satisfaction;
mod security;
mod sentiment;
mod server_functions;
mod service_desk;
mod sla;
mod templates;
mod tenancy;
mod throttling;
mod visibility;
mod walkthrough;
mod walls;
mod widget;
mod widget_limits;
