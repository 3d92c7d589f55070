//! Pairing a Z-API number from the settings page: the session's state with
//! a fresh QR code (or "QR expired" once Z-API stops offering them), a code
//! to type on the phone, disconnect and restart. What Z-API answers becomes
//! the connection's health.

use anyhow::Context;
use shared::connections::{Pairing, PairingAction, SessionState};

use super::config::ProviderConfig;
use super::connections;
use super::provider::{http_client, SendError};
use super::vault::Vault;
use super::zapi;
use crate::actor::Actor;
use crate::db::Db;
use crate::error::{Error, Result};

pub async fn zapi(
    db: &Db,
    vault: &Vault,
    actor: &Actor,
    id: i64,
    action: PairingAction,
    phone: &str,
) -> Result<Pairing> {
    crate::access::require_manage(db, actor, id).await?;
    let mut tx = db.tenant(actor.account_id, Some(actor.user_id)).await?;
    let connection = connections::open_in(&mut tx, vault, actor.account_id, id).await?;
    tx.commit().await.context("commit")?;
    let ProviderConfig::Zapi { settings, secrets } = &connection.config else {
        return Err(Error::NotFound);
    };
    let client = http_client()?;
    let mut pairing = Pairing::default();
    let outcome: Result<(), SendError> = async {
        match action {
            PairingAction::Status => {}
            PairingAction::PhoneCode => {
                pairing.phone_code =
                    Some(zapi::phone_code(&client, settings, secrets, phone).await?);
            }
            PairingAction::Disconnect => {
                zapi::session_action(&client, settings, secrets, "disconnect").await?
            }
            PairingAction::Restart => {
                zapi::session_action(&client, settings, secrets, "restart").await?
            }
        }
        pairing.state = match zapi::test_connection(&client, settings, secrets).await {
            Ok(_) => SessionState::Connected,
            Err(SendError::Unauthorized(detail)) => {
                pairing.detail = Some(detail);
                if action != PairingAction::PhoneCode {
                    pairing.qr_code = zapi::qr_code(&client, settings, secrets).await?;
                }
                match (&pairing.qr_code, &pairing.phone_code) {
                    (None, None) => SessionState::QrExpired,
                    _ => SessionState::AwaitingScan,
                }
            }
            Err(other) => return Err(other),
        };
        Ok(())
    }
    .await;
    if let Err(err) = outcome {
        pairing.detail = Some(err.to_string());
        return Ok(pairing);
    }
    let mut tx = db.tenant(actor.account_id, Some(actor.user_id)).await?;
    connections::set_health(
        &mut tx,
        actor.account_id,
        id,
        pairing.state == SessionState::Connected,
        pairing.detail.as_deref(),
    )
    .await?;
    tx.commit().await.context("commit")?;
    Ok(pairing)
}
