//! The Ponte server: builds the axum application around the Leptos app, the
//! REST API and the machine endpoints, and runs it.

#![recursion_limit = "256"]

pub mod config;
pub mod http;
pub mod jobs;
pub mod memory;
pub mod realtime;
pub mod telemetry;

use anyhow::Context;
use axum::middleware::{from_fn, from_fn_with_state};
use axum::routing::get;
use axum::serve::ListenerExt;
use axum::{Extension, Router};
use leptos::prelude::*;
use leptos_axum::{generate_route_list, LeptosRoutes};
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::TcpListener;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::TraceLayer;

use app::server::{AppState, Config};
use config::Settings;
use domain::Db;
use http::metrics::Metrics;

/// Request bodies larger than this are refused (uploads have their own limit).
pub const BODY_LIMIT_BYTES: usize = 2 * 1024 * 1024;
/// Uploads may be up to the largest per-account attachment limit (100 MB);
/// each account's own limit is checked when the file is stored.
pub const UPLOAD_LIMIT_BYTES: usize = 101 * 1024 * 1024;

pub struct Application {
    listener: TcpListener,
    allow_private_webhooks: bool,
    router: Router,
    state: AppState,
    hub: Arc<realtime::Hub>,
}

impl Application {
    /// Connects, migrates (unless told not to), and binds the listener. Port
    /// 0 binds a free port, which tests read back with [`Application::port`].
    pub async fn build(settings: Settings) -> anyhow::Result<Self> {
        let listener = TcpListener::bind(settings.addr)
            .await
            .with_context(|| format!("could not listen on {}", settings.addr))?;
        let bound = listener.local_addr().context("reading the bound address")?;
        let public_url = settings.public_url_for(bound);
        let db = connect_runtime(&settings).await?;
        let hashed_files = http::assets::files_are_hashed();
        let leptos_options = LeptosOptions::builder()
            .output_name("ponte")
            .site_root(settings.site_root.to_string_lossy().to_string())
            .site_pkg_dir("pkg")
            .hash_files(hashed_files)
            .site_addr(settings.addr)
            .env(if cfg!(debug_assertions) {
                leptos::config::Env::DEV
            } else {
                leptos::config::Env::PROD
            })
            .build();
        let state = AppState {
            leptos_options: Arc::new(leptos_options),
            db,
            config: Arc::new(Config {
                secure_cookies: public_url.starts_with("https://"),
                public_url,
                data_dir: settings.data_dir.clone(),
                secret: settings.secret_key.clone(),
                vault: Arc::new(domain::channels::vault::Vault::new(
                    &settings.secret_key,
                    &settings.old_secret_keys,
                )?),
                mailer: settings.mailer.clone(),
                allow_private_targets: settings.allow_private_webhooks,
            }),
        };
        let metrics = Metrics::new();
        let hub = realtime::Hub::new(state.db.clone(), metrics.clone());
        let router = router(state.clone(), &settings, metrics, hub.clone());
        Ok(Self {
            listener,
            allow_private_webhooks: settings.allow_private_webhooks,
            router,
            state,
            hub,
        })
    }

    pub fn public_url(&self) -> &str {
        &self.state.config.public_url
    }

    pub fn port(&self) -> u16 {
        self.listener
            .local_addr()
            .map(|a| a.port())
            .unwrap_or_default()
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    pub fn hub(&self) -> Arc<realtime::Hub> {
        self.hub.clone()
    }

    /// Serves until SIGTERM/Ctrl-C, with the real-time listener and the
    /// periodic jobs running alongside.
    pub async fn run_until_stopped(self) -> anyhow::Result<()> {
        let storage = domain::attachments::Storage::new(&self.state.config.data_dir);
        let wakes = Arc::new(jobs::Wakes::default());
        let background = [
            tokio::spawn(self.hub.clone().listen()),
            tokio::spawn(jobs::listen_for_jobs(self.state.db.clone(), wakes.clone())),
            tokio::spawn(self.hub.clone().housekeeping()),
            tokio::spawn(memory::give_back_after_sockets_close(self.hub.clone())),
            tokio::spawn(jobs::end_snoozes(self.state.db.clone())),
            tokio::spawn(jobs::sweep_silent_agents(self.state.db.clone())),
            tokio::spawn(jobs::clean_up_uploads(self.state.db.clone(), storage)),
            tokio::spawn(jobs::run_webhook_queue(
                self.state.db.clone(),
                wakes.clone(),
            )),
            tokio::spawn(jobs::run_queues(
                self.state.db.clone(),
                self.state.config.vault.clone(),
                self.state.config.mailer.clone(),
                domain::attachments::Storage::new(&self.state.config.data_dir),
                jobs::OutboundLinks {
                    public_url: self.state.config.public_url.clone(),
                    link_key: self.state.config.secret.clone(),
                    allow_private_targets: self.allow_private_webhooks,
                },
                wakes.clone(),
            )),
            tokio::spawn(jobs::review_resolutions(
                self.state.db.clone(),
                self.state.config.vault.clone(),
                self.state.config.mailer.clone(),
                self.state.config.public_url.clone(),
                self.allow_private_webhooks,
            )),
            tokio::spawn(jobs::build_report_exports(self.state.db.clone(), wakes)),
            tokio::spawn(jobs::sweep_sla_breaches(self.state.db.clone())),
            tokio::spawn(jobs::sweep_rule_clocks(self.state.db.clone())),
            tokio::spawn(jobs::run_flow_timers(
                self.state.db.clone(),
                domain::flows::runs::HttpPolicy {
                    allow_private_targets: self.allow_private_webhooks,
                },
                self.state.config.vault.clone(),
            )),
            tokio::spawn(jobs::watch_mailboxes(
                self.state.db.clone(),
                self.state.config.vault.clone(),
                self.allow_private_webhooks,
            )),
        ];
        // Real-time frames are small and latency-bound: no Nagle delay.
        let listener = self.listener.tap_io(|tcp| {
            if let Err(err) = tcp.set_nodelay(true) {
                tracing::debug!(error = %err, "could not set TCP_NODELAY");
            }
        });
        let served = axum::serve(
            listener,
            self.router
                .into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(shutdown_signal())
        .await
        .context("server error");
        background.iter().for_each(tokio::task::JoinHandle::abort);
        served
    }
}

/// Migrates as the owner, then connects as the runtime role: a member of
/// `ponte_app` that the owner creates with a name and password derived from
/// the secret key, unless `PONTE_APP_DATABASE_URL` names another way in.
async fn connect_runtime(settings: &Settings) -> anyhow::Result<Db> {
    let owner = domain::db::connect_owner(&settings.database_url).await?;
    if settings.migrate_on_start {
        domain::db::migrate(&owner).await?;
    }
    let db = match &settings.app_database_url {
        Some(url) => Db::connect(url, settings.db_max_connections).await?,
        None => {
            let (role, password) = (
                settings.secret_key.runtime_db_role(),
                settings.secret_key.runtime_db_password(),
            );
            let url = domain::db::runtime_url_from_owner(&settings.database_url, &role, &password)?;
            match Db::connect(&url, settings.db_max_connections).await {
                Ok(db) => db,
                Err(_) => {
                    domain::db::enable_runtime_login(&owner, &role, &password).await?;
                    Db::connect(&url, settings.db_max_connections).await?
                }
            }
        }
    };
    owner.close().await;
    Ok(db)
}

fn router(
    state: AppState,
    settings: &Settings,
    metrics: Arc<Metrics>,
    hub: Arc<realtime::Hub>,
) -> Router {
    let routes = generate_route_list(app::App);
    let public_url: Arc<str> = state.config.public_url.clone().into();
    let hsts = state.config.secure_cookies;
    let limits = Arc::new(http::limits::Limits::default());
    let metrics_access = http::health::MetricsAccess {
        public: settings.metrics_public,
        token: settings.metrics_token.clone(),
    };

    // Everything but uploads takes small bodies.
    // Pages and JSON are compressed as sent; sockets, downloads and the
    // precompressed site files are not.
    let regular = Router::new()
        .route("/healthz", get(http::health::healthz))
        .route("/readyz", get(http::health::readyz))
        .route("/metrics", get(http::health::metrics))
        .merge(http::api_activity::routes())
        .merge(http::api_ai::routes())
        .merge(http::api_ai_agents::routes())
        .merge(http::api_rules::routes())
        .merge(http::api_quality::routes())
        .merge(http::api_notifications::routes())
        .merge(http::api_suggestions::routes())
        .merge(http::api_reports::routes())
        .merge(http::api_exports::routes())
        .merge(http::api_v1::routes())
        .merge(http::api_channels::routes())
        .merge(http::api_departments::routes())
        .merge(http::api_sla::routes())
        .merge(http::api_flows::routes())
        .merge(http::api_templates::routes())
        .merge(http::webhooks::routes())
        .merge(http::widget::routes(&state))
        .leptos_routes(&state, routes, {
            let options = LeptosOptions::clone(&state.leptos_options);
            move || app::shell(options.clone())
        })
        .layer(http::assets::compress_responses())
        .route("/ws", get(http::ws::agent_socket))
        .route("/widget/ws", get(http::ws::widget_socket))
        .route("/attachments/{id}/{name}", get(http::files::download))
        .route(
            "/media/{account}/{id}/{expires}/{signature}/{name}",
            get(http::files::linked),
        )
        .merge(http::assets::routes(
            &settings.site_root,
            state.leptos_options.hash_files,
        ))
        .layer(RequestBodyLimitLayer::new(BODY_LIMIT_BYTES));
    let uploads = Router::new()
        .route("/attachments", axum::routing::post(http::files::upload))
        .merge(http::widget::upload_routes(&state))
        .merge(http::webhooks::mail_routes())
        .layer(axum::extract::DefaultBodyLimit::disable())
        .layer(RequestBodyLimitLayer::new(UPLOAD_LIMIT_BYTES));

    regular
        .merge(uploads)
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(
            app::shell,
        ))
        .route_layer(from_fn(http::metrics::label_route))
        .layer(from_fn(http::limits::costly_server_fns))
        .layer(from_fn_with_state(state.clone(), http::session::resolve))
        .layer(from_fn_with_state(public_url, http::security::same_origin))
        .layer(from_fn(http::errors::client_errors_are_not_500))
        .layer(from_fn_with_state(
            settings.trusted_proxies,
            http::security::client_ip,
        ))
        .layer(from_fn_with_state(hsts, http::security::headers))
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(TraceLayer::new_for_http().make_span_with(telemetry::request_span))
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .layer(from_fn_with_state(metrics.clone(), http::metrics::record))
        .layer(Extension(metrics))
        .layer(Extension(metrics_access))
        .layer(Extension(limits))
        .layer(Extension(hub))
        .with_state(state)
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}
