//! Connections and messages pages.

use agora_community::message::Message;
use agora_community::{ConnectionId, ConnectionView, Conversation, MemberId};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;

use super::forms::{FormData, Nav, PageError, PageUser, redirect, render};
use crate::routes::{blocking, parse_id};
use crate::state::AppState;

#[derive(Template)]
#[template(path = "community/connections.html")]
struct ConnectionsPage {
    nav: Nav,
    csrf: String,
    connections: Vec<ConnectionView>,
}

#[derive(Template)]
#[template(path = "community/inbox.html")]
struct InboxPage {
    nav: Nav,
    conversations: Vec<Conversation>,
}

#[derive(Template)]
#[template(path = "community/thread.html")]
struct ThreadPage {
    nav: Nav,
    csrf: String,
    with_id: u64,
    with_name: String,
    viewer_id: u64,
    messages: Vec<Message>,
    connected: bool,
}

/// `GET /connections`: requests to answer, requests sent, and connections.
pub async fn page_connections(
    State(state): State<AppState>,
    user: PageUser,
) -> Result<Response, PageError> {
    let user = user.require("/connections")?;
    let community = state.community.clone();
    let member = user.member.clone();
    let connections = blocking(move || community.connections(&member)).await?;
    let page = ConnectionsPage {
        nav: Nav::for_user(&state, Some(&user)).await?,
        csrf: user.session.csrf_token.clone(),
        connections,
    };
    Ok(render(&page, StatusCode::OK))
}

/// `POST /connections`: asks `user_id` to connect.
pub async fn page_connection_request(
    State(state): State<AppState>,
    user: PageUser,
    form: FormData,
) -> Result<Response, PageError> {
    let user = user.require("/people")?;
    form.check_csrf(&user)?;
    let other: MemberId = parse_id(form.get("user_id"), "user_id")?;
    let community = state.community.clone();
    blocking(move || community.request_connection(&user.member, other)).await?;
    Ok(redirect(&format!("/people/{other}")))
}

/// `POST /connections/{id}/{action}`: `accept`, `decline` or `delete`.
pub async fn page_connection_action(
    State(state): State<AppState>,
    user: PageUser,
    Path((raw_id, action)): Path<(String, String)>,
    form: FormData,
) -> Result<Response, PageError> {
    let user = user.require("/connections")?;
    form.check_csrf(&user)?;
    let id: ConnectionId = parse_id(&raw_id, "id")?;
    let community = state.community.clone();
    blocking(move || match action.as_str() {
        "accept" => community
            .respond_to_connection(&user.member, id, true)
            .map(drop),
        "decline" => community
            .respond_to_connection(&user.member, id, false)
            .map(drop),
        "delete" => community.remove_connection(&user.member, id),
        _ => Err(agora_community::UserError::not_found("connection action", action).into()),
    })
    .await?;
    Ok(redirect("/connections"))
}

/// `GET /messages`: conversations, with unread counts.
pub async fn page_inbox(
    State(state): State<AppState>,
    user: PageUser,
) -> Result<Response, PageError> {
    let user = user.require("/messages")?;
    let community = state.community.clone();
    let member = user.member.clone();
    let conversations = blocking(move || community.conversations(&member)).await?;
    let page = InboxPage {
        nav: Nav::for_user(&state, Some(&user)).await?,
        conversations,
    };
    Ok(render(&page, StatusCode::OK))
}

/// `GET /messages/{user_id}`: the thread with one member, marked read.
pub async fn page_thread(
    State(state): State<AppState>,
    user: PageUser,
    Path(raw_id): Path<String>,
) -> Result<Response, PageError> {
    let with: MemberId = parse_id(&raw_id, "user_id")?;
    let user = user.require(&format!("/messages/{with}"))?;
    let community = state.community.clone();
    let member = user.member.clone();
    let (messages, profile, connected) = blocking(move || {
        let messages = community.thread(&member, with)?;
        let profile = community.profile(with)?;
        let connected = community.are_connected(member.id, with)?;
        Ok((messages, profile, connected))
    })
    .await?;
    let page = ThreadPage {
        // Built after the thread was marked read, so the count is already down.
        nav: Nav::for_user(&state, Some(&user)).await?,
        csrf: user.session.csrf_token.clone(),
        with_id: with.get(),
        with_name: profile.name,
        viewer_id: user.member.id.get(),
        messages,
        connected,
    };
    Ok(render(&page, StatusCode::OK))
}

/// `POST /messages/{user_id}`: sends a message to a connected member.
pub async fn page_message_send(
    State(state): State<AppState>,
    user: PageUser,
    Path(raw_id): Path<String>,
    form: FormData,
) -> Result<Response, PageError> {
    let to: MemberId = parse_id(&raw_id, "user_id")?;
    let user = user.require(&format!("/messages/{to}"))?;
    form.check_csrf(&user)?;
    let community = state.community.clone();
    let body = form.get("body").to_string();
    blocking(move || community.send_message(&user.member, to, &body)).await?;
    Ok(redirect(&format!("/messages/{to}")))
}
