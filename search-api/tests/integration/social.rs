//! Connections and messages through the API.

use axum::http::{Method, StatusCode};
use serde_json::json;

use crate::common::{call, connect, member, state};

#[tokio::test]
async fn a_connection_is_requested_listed_accepted_and_removed() {
    let state = state();
    let ana = member(&state, "ana").await;
    let bruno = member(&state, "bruno").await;
    let reply = call(
        &state,
        Method::POST,
        "/api/connections",
        Some(&ana.token),
        Some(json!({"user_id": bruno.id})),
    )
    .await;
    assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    let id = reply.json()["id"].as_u64().unwrap();
    assert_eq!(reply.json()["status"], "pending");

    let again = call(
        &state,
        Method::POST,
        "/api/connections",
        Some(&bruno.token),
        Some(json!({"user_id": ana.id})),
    )
    .await;
    assert_eq!(again.status, StatusCode::CONFLICT);

    let list = call(
        &state,
        Method::GET,
        "/api/connections",
        Some(&bruno.token),
        None,
    )
    .await
    .json();
    assert_eq!(list["connections"][0]["direction"], "incoming");
    assert_eq!(list["connections"][0]["member"]["name"], "ana");
    let me = call(&state, Method::GET, "/api/me", Some(&bruno.token), None)
        .await
        .json();
    assert_eq!(me["pending_requests"], 1);

    let own = call(
        &state,
        Method::POST,
        &format!("/api/connections/{id}/accept"),
        Some(&ana.token),
        None,
    )
    .await;
    assert_eq!(
        own.status,
        StatusCode::FORBIDDEN,
        "the requester cannot accept"
    );
    let accepted = call(
        &state,
        Method::POST,
        &format!("/api/connections/{id}/accept"),
        Some(&bruno.token),
        None,
    )
    .await;
    assert_eq!(accepted.json()["status"], "accepted");

    let removed = call(
        &state,
        Method::DELETE,
        &format!("/api/connections/{id}"),
        Some(&ana.token),
        None,
    )
    .await;
    assert_eq!(removed.status, StatusCode::NO_CONTENT);
    let list = call(
        &state,
        Method::GET,
        "/api/connections",
        Some(&ana.token),
        None,
    )
    .await
    .json();
    assert!(list["connections"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn a_declined_request_stays_declined() {
    let state = state();
    let ana = member(&state, "ana").await;
    let bruno = member(&state, "bruno").await;
    let reply = call(
        &state,
        Method::POST,
        "/api/connections",
        Some(&ana.token),
        Some(json!({"user_id": bruno.id})),
    )
    .await;
    let id = reply.json()["id"].as_u64().unwrap();
    let declined = call(
        &state,
        Method::POST,
        &format!("/api/connections/{id}/decline"),
        Some(&bruno.token),
        None,
    )
    .await;
    assert_eq!(declined.json()["status"], "declined");
    let again = call(
        &state,
        Method::POST,
        "/api/connections",
        Some(&ana.token),
        Some(json!({"user_id": bruno.id})),
    )
    .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    let message = call(
        &state,
        Method::POST,
        "/api/messages",
        Some(&ana.token),
        Some(json!({"to": bruno.id, "body": "hi"})),
    )
    .await;
    assert_eq!(message.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn others_connections_cannot_be_answered_or_removed() {
    let state = state();
    let ana = member(&state, "ana").await;
    let bruno = member(&state, "bruno").await;
    let carla = member(&state, "carla").await;
    let reply = call(
        &state,
        Method::POST,
        "/api/connections",
        Some(&ana.token),
        Some(json!({"user_id": bruno.id})),
    )
    .await;
    let id = reply.json()["id"].as_u64().unwrap();
    for (method, uri) in [
        (Method::POST, format!("/api/connections/{id}/accept")),
        (Method::POST, format!("/api/connections/{id}/decline")),
        (Method::DELETE, format!("/api/connections/{id}")),
    ] {
        let reply = call(&state, method, &uri, Some(&carla.token), None).await;
        assert_eq!(reply.status, StatusCode::NOT_FOUND, "{uri}");
    }
    let myself = call(
        &state,
        Method::POST,
        "/api/connections",
        Some(&ana.token),
        Some(json!({"user_id": ana.id})),
    )
    .await;
    assert_eq!(myself.status, StatusCode::BAD_REQUEST);
    let nobody = call(
        &state,
        Method::POST,
        "/api/connections",
        Some(&ana.token),
        Some(json!({"user_id": 999999})),
    )
    .await;
    assert_eq!(nobody.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_message_to_a_stranger_is_a_403() {
    let state = state();
    let ana = member(&state, "ana").await;
    let stranger = member(&state, "stranger").await;
    let reply = call(
        &state,
        Method::POST,
        "/api/messages",
        Some(&ana.token),
        Some(json!({"to": stranger.id, "body": "hello"})),
    )
    .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert_eq!(reply.json()["error"]["code"], "forbidden");
}

#[tokio::test]
async fn connected_members_exchange_messages_and_see_unread_counts() {
    let state = state();
    let ana = member(&state, "ana").await;
    let bruno = member(&state, "bruno").await;
    connect(&state, &ana, &bruno).await;
    for body in ["Olá Bruno", "Can you share the permit workflow?"] {
        let reply = call(
            &state,
            Method::POST,
            "/api/messages",
            Some(&ana.token),
            Some(json!({"to": bruno.id, "body": body})),
        )
        .await;
        assert_eq!(reply.status, StatusCode::CREATED, "{}", reply.body);
    }
    let unread = call(
        &state,
        Method::GET,
        "/api/messages/unread",
        Some(&bruno.token),
        None,
    )
    .await
    .json();
    assert_eq!(unread["total"], 2);
    assert_eq!(unread["by_sender"][0]["member"], ana.id);
    assert_eq!(
        call(&state, Method::GET, "/api/me", Some(&bruno.token), None)
            .await
            .json()["unread_messages"],
        2
    );

    let thread = call(
        &state,
        Method::GET,
        &format!("/api/messages?with={}", ana.id),
        Some(&bruno.token),
        None,
    )
    .await;
    assert_eq!(thread.status, StatusCode::OK);
    let json = thread.json();
    assert_eq!(json["with"]["name"], "ana");
    assert_eq!(json["messages"][0]["body"], "Olá Bruno");
    assert_eq!(json["messages"][1]["from"], ana.id);
    assert!(!json["messages"][1]["read_at"].is_null());
    let unread = call(
        &state,
        Method::GET,
        "/api/messages/unread",
        Some(&bruno.token),
        None,
    )
    .await
    .json();
    assert_eq!(unread["total"], 0, "reading the thread marks it read");

    let empty = call(
        &state,
        Method::POST,
        "/api/messages",
        Some(&ana.token),
        Some(json!({"to": bruno.id, "body": "  "})),
    )
    .await;
    assert_eq!(empty.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn nobody_reads_another_pairs_messages() {
    let state = state();
    let ana = member(&state, "ana").await;
    let bruno = member(&state, "bruno").await;
    let carla = member(&state, "carla").await;
    connect(&state, &ana, &bruno).await;
    call(
        &state,
        Method::POST,
        "/api/messages",
        Some(&ana.token),
        Some(json!({"to": bruno.id, "body": "private"})),
    )
    .await;

    for with in [ana.id, bruno.id] {
        let reply = call(
            &state,
            Method::GET,
            &format!("/api/messages?with={with}"),
            Some(&carla.token),
            None,
        )
        .await;
        assert_eq!(reply.status, StatusCode::OK);
        assert!(!reply.body.contains("private"), "{}", reply.body);
        assert!(reply.json()["messages"].as_array().unwrap().is_empty());
    }
    let anonymous = call(
        &state,
        Method::GET,
        &format!("/api/messages?with={}", ana.id),
        None,
        None,
    )
    .await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);
    let unread = call(
        &state,
        Method::GET,
        "/api/messages/unread",
        Some(&carla.token),
        None,
    )
    .await
    .json();
    assert_eq!(unread["total"], 0);
    let missing = call(
        &state,
        Method::GET,
        "/api/messages",
        Some(&carla.token),
        None,
    )
    .await;
    assert_eq!(missing.status, StatusCode::BAD_REQUEST);
}
