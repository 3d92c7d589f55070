//! Who reaches what beyond their role: a connection's restriction and
//! grants, a member's limits (department grants are saved with the
//! department).

use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use shared::access::{ChannelAccessSettings, MemberLimits};
use shared::AppError;
use uuid::Uuid;

#[server(endpoint = "channel_access")]
pub async fn load_channel_access(channel_id: i64) -> Result<ChannelAccessSettings, AppError> {
    use crate::server::{actor, finish};
    let (state, actor) = actor()?;
    finish(domain::access::channel_access(&state.db, &actor, channel_id).await)
}

#[server(endpoint = "save_channel_access", input = Json)]
pub async fn save_channel_access(
    channel_id: i64,
    access: ChannelAccessSettings,
) -> Result<ChannelAccessSettings, AppError> {
    use crate::server::{actor, finish};
    let (state, actor) = actor()?;
    finish(domain::access::save_channel_access(&state.db, &actor, channel_id, &access).await)
}

#[server(endpoint = "save_member_limits", input = Json)]
pub async fn save_member_limits(user_id: Uuid, limits: MemberLimits) -> Result<(), AppError> {
    use crate::server::{actor, finish};
    let (state, actor) = actor()?;
    finish(domain::access::save_member_limits(&state.db, &actor, user_id, &limits).await)
}
