//! `/api/connections...`: requests, answers, removal and the list.

use agora_community::connection::Connection;
use agora_community::{ConnectionId, ConnectionView, MemberId};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};

use crate::auth::{ApiUser, JsonBody};
use crate::error::ApiError;
use crate::routes::{blocking, parse_id};
use crate::state::AppState;

/// Whom to connect with.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ConnectionRequest {
    /// The other member.
    pub user_id: MemberId,
}

/// A member's connections and requests.
#[derive(Debug, Serialize)]
pub struct ConnectionList {
    /// Newest first.
    pub connections: Vec<ConnectionView>,
}

/// Sends a connection request.
pub async fn connections_create(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    JsonBody(request): JsonBody<ConnectionRequest>,
) -> Result<(StatusCode, Json<Connection>), ApiError> {
    let community = state.community.clone();
    let connection =
        blocking(move || community.request_connection(&user.member, request.user_id)).await?;
    Ok((StatusCode::CREATED, Json(connection)))
}

/// Accepts a request made to the member.
pub async fn connections_accept(
    state: State<AppState>,
    user: ApiUser,
    raw_id: Path<String>,
) -> Result<Json<Connection>, ApiError> {
    respond(state, user, raw_id, true).await
}

/// Declines a request made to the member.
pub async fn connections_decline(
    state: State<AppState>,
    user: ApiUser,
    raw_id: Path<String>,
) -> Result<Json<Connection>, ApiError> {
    respond(state, user, raw_id, false).await
}

async fn respond(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(raw_id): Path<String>,
    accept: bool,
) -> Result<Json<Connection>, ApiError> {
    let id: ConnectionId = parse_id(&raw_id, "id")?;
    let community = state.community.clone();
    Ok(Json(
        blocking(move || community.respond_to_connection(&user.member, id, accept)).await?,
    ))
}

/// Removes a connection or withdraws a request.
pub async fn connections_delete(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    Path(raw_id): Path<String>,
) -> Result<StatusCode, ApiError> {
    let id: ConnectionId = parse_id(&raw_id, "id")?;
    let community = state.community.clone();
    blocking(move || community.remove_connection(&user.member, id)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Lists the member's connections and requests.
pub async fn connections_list(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
) -> Result<Json<ConnectionList>, ApiError> {
    let community = state.community.clone();
    let connections = blocking(move || community.connections(&user.member)).await?;
    Ok(Json(ConnectionList { connections }))
}
