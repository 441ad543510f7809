//! `POST /api/flags` and `/api/moderation...`: the queue, hiding, showing, dismissing, and
//! the audit log.

use agora_community::moderation::{AuditEntry, PostRef};
use agora_community::{FlagId, FlagView};
use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};

use crate::auth::{ApiUser, JsonBody};
use crate::error::ApiError;
use crate::routes::blocking;
use crate::state::AppState;

/// A post and a reason: a flag, or a moderation action.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PostAction {
    /// `question:ID` or `answer:ID`.
    pub target: PostRef,
    /// Why.
    pub reason: String,
}

/// A new flag's id.
#[derive(Debug, Serialize)]
pub struct Flagged {
    /// Its id.
    pub id: FlagId,
}

/// The moderation queue.
#[derive(Debug, Serialize)]
pub struct FlagList {
    /// Unresolved flags, oldest first.
    pub flags: Vec<FlagView>,
}

/// The audit log.
#[derive(Debug, Serialize)]
pub struct AuditLog {
    /// Newest first.
    pub entries: Vec<AuditEntry>,
}

/// How many flags a dismissal resolved.
#[derive(Debug, Serialize)]
pub struct Dismissed {
    /// Flags resolved.
    pub num_dismissed: u64,
}

/// Flags a post for moderators.
pub async fn flags_create(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    JsonBody(request): JsonBody<PostAction>,
) -> Result<(StatusCode, Json<Flagged>), ApiError> {
    let community = state.community.clone();
    let flag = blocking(move || community.flag_post(&user.member, request.target, &request.reason))
        .await?;
    Ok((StatusCode::CREATED, Json(Flagged { id: flag.id })))
}

/// Lists unresolved flags (moderators only).
pub async fn moderation_flags(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
) -> Result<Json<FlagList>, ApiError> {
    let community = state.community.clone();
    let flags = blocking(move || community.moderation_queue(&user.member)).await?;
    Ok(Json(FlagList { flags }))
}

/// Hides a post (moderators only).
pub async fn moderation_hide(
    state: State<AppState>,
    user: ApiUser,
    request: JsonBody<PostAction>,
) -> Result<StatusCode, ApiError> {
    set_hidden(state, user, request, true).await
}

/// Shows a hidden post again (moderators only).
pub async fn moderation_unhide(
    state: State<AppState>,
    user: ApiUser,
    request: JsonBody<PostAction>,
) -> Result<StatusCode, ApiError> {
    set_hidden(state, user, request, false).await
}

async fn set_hidden(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    JsonBody(request): JsonBody<PostAction>,
    hidden: bool,
) -> Result<StatusCode, ApiError> {
    let community = state.community.clone();
    blocking(move || {
        community.set_post_hidden(&user.member, request.target, hidden, &request.reason)
    })
    .await?;
    state.index_trigger.request_sync();
    Ok(StatusCode::NO_CONTENT)
}

/// Resolves a post's flags without hiding it (moderators only).
pub async fn moderation_dismiss(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    JsonBody(request): JsonBody<PostAction>,
) -> Result<Json<Dismissed>, ApiError> {
    let community = state.community.clone();
    let num_dismissed =
        blocking(move || community.dismiss_flags(&user.member, request.target, &request.reason))
            .await?;
    Ok(Json(Dismissed { num_dismissed }))
}

/// Returns the audit log (moderators only).
pub async fn moderation_audit(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
) -> Result<Json<AuditLog>, ApiError> {
    let community = state.community.clone();
    let entries = blocking(move || community.audit_log(&user.member)).await?;
    Ok(Json(AuditLog { entries }))
}
