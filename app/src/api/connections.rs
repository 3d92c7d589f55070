//! Provider connections (Settings → Connections).

use leptos::prelude::*;
use server_fn::codec::Json;
use shared::connections::{ConnectionTest, ConnectionView};
use shared::inbox::ChannelKind;
use shared::AppError;

#[server(endpoint = "list_connections")]
pub async fn list_connections() -> Result<Vec<ConnectionView>, AppError> {
    use crate::server::{actor, finish};
    let (state, actor) = actor()?;
    finish(domain::channels::connections::list(&state.db, &state.config.vault, &actor).await)
}

/// Connections whose provider refuses us right now (for the admins' banner).
#[server(endpoint = "connection_alerts")]
pub async fn connection_alerts() -> Result<Vec<ConnectionView>, AppError> {
    use crate::server::{actor, finish};
    let (state, actor) = actor()?;
    if !actor.can(shared::Permission::ManageChannels) {
        return Ok(vec![]);
    }
    finish(
        domain::channels::connections::list(&state.db, &state.config.vault, &actor)
            .await
            .map(|all| {
                all.into_iter()
                    .filter(|c| {
                        c.active && c.health == shared::connections::ConnectionHealth::Disconnected
                    })
                    .collect()
            }),
    )
}

#[server(endpoint = "create_connection", input = Json)]
pub async fn create_connection(
    kind: ChannelKind,
    name: String,
    config: serde_json::Value,
) -> Result<ConnectionView, AppError> {
    use crate::server::{actor, finish};
    let (state, actor) = actor()?;
    let new = domain::channels::connections::NewConnection { kind, name, config };
    finish(
        domain::channels::connections::create(&state.db, &state.config.vault, &actor, &new).await,
    )
}

/// Changes a connection; secrets left empty keep their value.
#[server(endpoint = "update_connection", input = Json)]
pub async fn update_connection(
    id: i64,
    name: Option<String>,
    active: Option<bool>,
    config: Option<serde_json::Value>,
) -> Result<ConnectionView, AppError> {
    use crate::server::{actor, finish};
    let (state, actor) = actor()?;
    let changes = domain::channels::connections::ConnectionChanges {
        name,
        active,
        config,
    };
    finish(
        domain::channels::connections::update(&state.db, &state.config.vault, &actor, id, &changes)
            .await,
    )
}

#[server(endpoint = "remove_connection")]
pub async fn remove_connection(id: i64) -> Result<(), AppError> {
    use crate::server::{actor, finish};
    let (state, actor) = actor()?;
    finish(domain::channels::connections::remove(&state.db, &actor, id).await)
}

#[server(endpoint = "test_connection")]
pub async fn test_connection(id: i64) -> Result<ConnectionTest, AppError> {
    use crate::server::{actor, finish};
    let (state, actor) = actor()?;
    finish(
        domain::channels::connections::test(
            &state.db,
            &state.config.vault,
            &actor,
            id,
            state.config.allow_private_targets,
        )
        .await,
    )
}

/// Pairs a Z-API number: its state and QR code, a phone code, or a
/// session action.
#[server(endpoint = "zapi_pairing", input = Json)]
pub async fn zapi_pairing(
    id: i64,
    action: shared::connections::PairingAction,
    phone: String,
) -> Result<shared::connections::Pairing, AppError> {
    use crate::server::{actor, finish};
    let (state, actor) = actor()?;
    finish(
        domain::channels::pairing::zapi(&state.db, &state.config.vault, &actor, id, action, &phone)
            .await,
    )
}

/// A connection's parked webhook events: what the provider sent and why
/// it failed.
#[server(endpoint = "list_parked_events")]
pub async fn list_parked_events(
    id: i64,
) -> Result<Vec<shared::connections::ParkedEvent>, AppError> {
    use crate::server::{actor, finish};
    let (state, actor) = actor()?;
    finish(domain::channels::webhooks::parked(&state.db, &actor, id).await)
}

/// Puts a connection's parked webhook events back in the queue.
#[server(endpoint = "replay_parked_events")]
pub async fn replay_parked_events(id: i64) -> Result<u64, AppError> {
    use crate::server::{actor, finish};
    let (state, actor) = actor()?;
    finish(domain::channels::webhooks::replay_parked(&state.db, &actor, id).await)
}
