//! `GET /api/me`, `GET /api/users`, `GET /api/users/{id}` and `PATCH /api/users/me`.

use agora_community::connection::ConnectionStatus;
use agora_community::member::{Profile, ProfileUpdate, PublicProfile};
use agora_community::store::MemberFilter;
use agora_community::{Direction, MemberId, validate};
use axum::Json;
use axum::extract::{Path, RawQuery, State};
use serde::Serialize;

use crate::auth::{ApiUser, JsonBody};
use crate::error::ApiError;
use crate::routes::{blocking, parse_id, parse_limit, query_pairs};
use crate::state::AppState;

/// Members listed per directory page unless `limit` says otherwise.
const DEFAULT_DIRECTORY_PAGE: usize = 20;

/// The logged-in member, with what only they see.
#[derive(Debug, Serialize)]
pub struct Me {
    /// The member's id.
    pub id: MemberId,
    /// Their email address.
    pub email: String,
    /// Display name.
    pub name: String,
    /// Whether they moderate.
    pub moderator: bool,
    /// Their profile.
    pub profile: Profile,
    /// Messages not read yet.
    pub unread_messages: u64,
    /// Connection requests waiting for their answer.
    pub pending_requests: u64,
}

/// A page of the people directory.
#[derive(Debug, Serialize)]
pub struct Directory {
    /// The members found.
    pub users: Vec<PublicProfile>,
    /// Pass as `after` for the next page, when there may be one.
    pub next_after: Option<MemberId>,
}

/// Returns the logged-in member with their unread counts.
pub async fn me_get(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
) -> Result<Json<Me>, ApiError> {
    let community = state.community.clone();
    let member = user.member.clone();
    let (unread, connections) = blocking(move || {
        Ok((
            community.unread(&user.member)?,
            community.connections(&user.member)?,
        ))
    })
    .await?;
    let pending_requests = connections
        .iter()
        .filter(|connection| {
            connection.status == ConnectionStatus::Pending
                && connection.direction == Direction::Incoming
        })
        .count() as u64;
    Ok(Json(Me {
        id: member.id,
        email: member.email,
        name: member.name,
        moderator: member.moderator,
        profile: member.profile,
        unread_messages: unread.total,
        pending_requests,
    }))
}

/// Returns a member's public profile.
pub async fn users_get(
    State(state): State<AppState>,
    Path(raw_id): Path<String>,
) -> Result<Json<PublicProfile>, ApiError> {
    let id: MemberId = parse_id(&raw_id, "id")?;
    let community = state.community.clone();
    Ok(Json(blocking(move || community.profile(id)).await?))
}

/// Changes the logged-in member's own profile.
pub async fn users_update_me(
    State(state): State<AppState>,
    ApiUser(user): ApiUser,
    JsonBody(update): JsonBody<ProfileUpdate>,
) -> Result<Json<PublicProfile>, ApiError> {
    let community = state.community.clone();
    Ok(Json(
        blocking(move || community.update_profile(&user.member, &update)).await?,
    ))
}

/// Lists members: `topic`, `country`, `organisation`, `q`, `after`, `limit`.
pub async fn users_list(
    State(state): State<AppState>,
    RawQuery(raw_query): RawQuery,
) -> Result<Json<Directory>, ApiError> {
    let filter = parse_directory_filter(raw_query.as_deref().unwrap_or_default(), true)?;
    let limit = filter.limit;
    let community = state.community.clone();
    let users = blocking(move || community.directory(&filter)).await?;
    let next_after = (users.len() == limit)
        .then(|| users.last().map(|user| user.id))
        .flatten();
    Ok(Json(Directory { users, next_after }))
}

/// Reads the directory's filters; unknown parameters are refused by the API, ignored by the
/// page.
pub fn parse_directory_filter(raw_query: &str, strict: bool) -> Result<MemberFilter, ApiError> {
    let mut filter = MemberFilter {
        limit: DEFAULT_DIRECTORY_PAGE,
        ..MemberFilter::default()
    };
    for (name, value) in query_pairs(raw_query) {
        let value = value.trim();
        match name.as_str() {
            _ if value.is_empty() => {}
            "topic" => filter.topic = Some(validate::slugify(value)),
            "country" => {
                filter.country = validate::country("country", value)
                    .map_err(|error| ApiError::invalid("country", error.to_string()))?;
            }
            "organisation" => filter.organisation = Some(bounded("organisation", value)?),
            "q" => filter.text = Some(bounded("q", value)?),
            "after" => filter.after = Some(parse_id(value, "after")?),
            "limit" => filter.limit = parse_limit(value)?,
            other if strict => {
                return Err(ApiError::invalid(
                    other,
                    format!(
                        "unknown parameter `{other}` (expected topic, country, organisation, q, \
                         after, limit)"
                    ),
                ));
            }
            _ => {}
        }
    }
    Ok(filter)
}

fn bounded(param: &'static str, value: &str) -> Result<String, ApiError> {
    validate::optional_text(param, value, 100)
        .map_err(|error| ApiError::invalid(param, error.to_string()))
}
