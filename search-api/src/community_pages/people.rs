//! The people directory and public profiles.

use agora_community::connection::ConnectionStatus;
use agora_community::member::PublicProfile;
use agora_community::{Authenticated, Direction, MemberId};
use askama::Template;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::Response;

use super::forms::{Nav, PageError, PageUser, render};
use crate::routes::users::parse_directory_filter;
use crate::routes::{blocking, parse_id, query_pairs};
use crate::state::AppState;

#[derive(Template)]
#[template(path = "community/people.html")]
struct PeoplePage {
    nav: Nav,
    people: Vec<PublicProfile>,
    topic: String,
    country: String,
    organisation: String,
    q: String,
}

#[derive(Template)]
#[template(path = "community/profile.html")]
struct ProfilePage {
    nav: Nav,
    profile: PublicProfile,
    bio_html: String,
    is_self: bool,
    logged_in: bool,
    /// How the viewer stands with this member: `none`, `pending`, `incoming`, `connected`.
    connection: &'static str,
    connection_id: u64,
}

/// `GET /people`: the directory, filtered by topic, country, organisation and text.
pub async fn page_people(
    State(state): State<AppState>,
    user: PageUser,
    RawQuery(raw_query): RawQuery,
) -> Result<Response, PageError> {
    let raw_query = raw_query.unwrap_or_default();
    let filter = parse_directory_filter(&raw_query, false)?;
    let params = query_pairs(&raw_query);
    let param = |name: &str| {
        params
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.clone())
            .unwrap_or_default()
    };
    let community = state.community.clone();
    let people = blocking(move || community.directory(&filter)).await?;
    let page = PeoplePage {
        nav: Nav::for_user(&state, user.0.as_ref()).await?,
        people,
        topic: param("topic"),
        country: param("country"),
        organisation: param("organisation"),
        q: param("q"),
    };
    Ok(render(&page, StatusCode::OK))
}

/// `GET /people/{id}`: a member's public profile, with a connect button.
pub async fn page_profile(
    State(state): State<AppState>,
    user: PageUser,
    Path(raw_id): Path<String>,
) -> Result<Response, PageError> {
    let id: MemberId = parse_id(&raw_id, "id")?;
    let community = state.community.clone();
    let viewer = user.0.clone();
    let (profile, standing) = blocking(move || {
        let profile = community.profile(id)?;
        let standing = match &viewer {
            Some(viewer) => standing(&community, viewer, id)?,
            None => ("none", 0),
        };
        Ok((profile, standing))
    })
    .await?;
    let page = ProfilePage {
        nav: Nav::for_user(&state, user.0.as_ref()).await?,
        bio_html: agora_community::markdown::render_html(&profile.bio),
        is_self: user.0.as_ref().is_some_and(|viewer| viewer.member.id == id),
        logged_in: user.0.is_some(),
        connection: standing.0,
        connection_id: standing.1,
        profile,
    };
    Ok(render(&page, StatusCode::OK))
}

fn standing(
    community: &agora_community::Community,
    viewer: &Authenticated,
    other: MemberId,
) -> agora_community::Result<(&'static str, u64)> {
    let connection = community
        .connections(&viewer.member)?
        .into_iter()
        .find(|connection| connection.member.id == other);
    Ok(match connection {
        None => ("none", 0),
        Some(connection) => {
            let label = match (connection.status, connection.direction) {
                (ConnectionStatus::Accepted, _) => "connected",
                (ConnectionStatus::Pending, Direction::Outgoing) => "pending",
                (ConnectionStatus::Pending, Direction::Incoming) => "incoming",
                (ConnectionStatus::Declined, _) => "declined",
            };
            (label, connection.id.get())
        }
    })
}
