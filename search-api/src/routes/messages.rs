//! `/api/messages...`: sending, reading a thread, unread counts.

use agora_community::message::{Message, UnreadCounts};
use agora_community::{AuthorRef, MemberId};
use axum::Json;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use serde::{Deserialize, Serialize};

use crate::auth::{ApiUser, JsonBody};
use crate::error::ApiError;
use crate::routes::{blocking, parse_id, query_pairs};
use crate::state::AppState;

/// A message to send.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MessageRequest {
    /// The recipient, a connected member.
    pub to: MemberId,
    /// Plain text.
    pub body: String,
}

/// A thread between the member and another.
#[derive(Debug, Serialize)]
pub struct Thread {
    /// The other member.
    pub with: AuthorRef,
    /// Oldest first.
    pub messages: Vec<Message>,
}

/// A sent message's id.
#[derive(Debug, Serialize)]
pub struct Sent {
    /// Its id.
    pub id: agora_community::MessageId,
}

/// Sends a message to a connected member; anyone else gets a 403.
pub async fn messages_send(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    JsonBody(request): JsonBody<MessageRequest>,
) -> Result<(StatusCode, Json<Sent>), ApiError> {
    let community = state.community.clone();
    let message =
        blocking(move || community.send_message(&user.member, request.to, &request.body)).await?;
    Ok((StatusCode::CREATED, Json(Sent { id: message.id })))
}

/// Returns the member's thread `with` another member, and marks it read.
pub async fn messages_thread(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    RawQuery(raw_query): RawQuery,
) -> Result<Json<Thread>, ApiError> {
    let mut with: Option<MemberId> = None;
    for (name, value) in query_pairs(raw_query.as_deref().unwrap_or_default()) {
        match name.as_str() {
            "with" => with = Some(parse_id(&value, "with")?),
            other => {
                return Err(ApiError::invalid(
                    other,
                    format!("unknown parameter `{other}` (expected with)"),
                ));
            }
        }
    }
    let with = with.ok_or_else(|| {
        ApiError::invalid("with", "name the other member: /api/messages?with=USER_ID")
    })?;
    let community = state.community.clone();
    let (messages, names) = blocking(move || {
        let messages = community.thread(&user.member, with)?;
        Ok((messages, community.names([with])?))
    })
    .await?;
    Ok(Json(Thread {
        with: AuthorRef {
            id: with,
            name: names.get(&with).cloned().unwrap_or_default(),
        },
        messages,
    }))
}

/// Counts the member's unread messages, in total and per sender.
pub async fn messages_unread(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
) -> Result<Json<UnreadCounts>, ApiError> {
    let community = state.community.clone();
    Ok(Json(
        blocking(move || community.unread(&user.member)).await?,
    ))
}
