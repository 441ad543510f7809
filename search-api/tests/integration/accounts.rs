//! Accounts and profiles through the API: sign-up, login, logout, password changes, the
//! profile of the logged-in member, public profiles and the directory.

use std::net::SocketAddr;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use chrono::Duration;
use serde_json::json;

use crate::common::{PASSWORD, call, community_state, login, member, respond_from, state};

#[tokio::test]
async fn sign_up_returns_the_new_id_and_login_a_token() {
    let state = state();
    let ana = member(&state, "ana").await;
    assert!(ana.id > 0);
    assert_eq!(ana.token.len(), 64);
    let me = call(&state, Method::GET, "/api/me", Some(&ana.token), None).await;
    assert_eq!(me.status, StatusCode::OK);
    let json = me.json();
    assert_eq!(json["id"], ana.id);
    assert_eq!(json["email"], "ana@example.org");
    assert_eq!(json["unread_messages"], 0);
}

#[tokio::test]
async fn bad_sign_ups_get_a_400_or_409_with_a_message_never_a_500() {
    let state = state();
    member(&state, "ana").await;
    for (body, status, code) in [
        (
            json!({"email": "ana@example.org", "password": PASSWORD, "name": "Ana"}),
            StatusCode::CONFLICT,
            "email_taken",
        ),
        (
            json!({"email": "ana@", "password": PASSWORD, "name": "Ana"}),
            StatusCode::BAD_REQUEST,
            "invalid_field",
        ),
        (
            json!({"email": "bruno@example.org", "password": "1234567890", "name": "Bruno"}),
            StatusCode::BAD_REQUEST,
            "invalid_field",
        ),
        (
            json!({"email": "bruno@example.org", "password": "short", "name": "Bruno"}),
            StatusCode::BAD_REQUEST,
            "invalid_field",
        ),
        (
            json!({"email": "bruno@example.org", "password": PASSWORD}),
            StatusCode::BAD_REQUEST,
            "invalid_body",
        ),
        (
            json!({"email": "bruno@example.org", "password": PASSWORD, "name": "  "}),
            StatusCode::BAD_REQUEST,
            "invalid_field",
        ),
    ] {
        let reply = call(
            &state,
            Method::POST,
            "/api/auth/signup",
            None,
            Some(body.clone()),
        )
        .await;
        assert_eq!(reply.status, status, "{body}: {}", reply.body);
        let json = reply.json();
        assert_eq!(json["error"]["code"], code, "{body}");
        assert!(!json["error"]["message"].as_str().unwrap().is_empty());
    }
    let malformed = call(&state, Method::POST, "/api/auth/signup", None, None).await;
    assert_eq!(malformed.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn a_wrong_password_is_a_401() {
    let state = state();
    member(&state, "ana").await;
    let reply = call(
        &state,
        Method::POST,
        "/api/auth/login",
        None,
        Some(json!({"email": "ana@example.org", "password": "not the password"})),
    )
    .await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert_eq!(reply.json()["error"]["code"], "wrong_credentials");
}

#[tokio::test]
async fn logins_are_rate_limited_per_account() {
    let state = state();
    member(&state, "ana").await;
    let wrong = json!({"email": "ana@example.org", "password": "not the password"});
    let limit = state.community.settings().max_login_failures_per_account;
    for _ in 0..limit {
        let reply = call(
            &state,
            Method::POST,
            "/api/auth/login",
            None,
            Some(wrong.clone()),
        )
        .await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    }
    let right = json!({"email": "ana@example.org", "password": PASSWORD});
    let reply = call(&state, Method::POST, "/api/auth/login", None, Some(right)).await;
    assert_eq!(
        reply.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        reply.body
    );
    assert_eq!(reply.json()["error"]["code"], "rate_limited");
    assert!(reply.headers.contains_key("retry-after"));
}

#[tokio::test]
async fn acting_without_a_token_or_with_a_bad_one_is_a_401() {
    let state = state();
    let question = json!({"title": "T", "body": "B"});
    let none = call(
        &state,
        Method::POST,
        "/api/questions",
        None,
        Some(question.clone()),
    )
    .await;
    assert_eq!(none.status, StatusCode::UNAUTHORIZED);
    assert_eq!(none.json()["error"]["code"], "unauthenticated");
    assert_eq!(none.headers.get("www-authenticate").unwrap(), "Bearer");
    let forged = call(
        &state,
        Method::POST,
        "/api/questions",
        Some("f00d"),
        Some(question),
    )
    .await;
    assert_eq!(forged.status, StatusCode::UNAUTHORIZED);
    assert_eq!(forged.json()["error"]["code"], "session_expired");
    for (method, uri) in [
        (Method::GET, "/api/me"),
        (Method::PATCH, "/api/users/me"),
        (Method::GET, "/api/connections"),
        (Method::GET, "/api/messages?with=1"),
        (Method::GET, "/api/messages/unread"),
        (Method::POST, "/api/auth/logout"),
        (Method::GET, "/api/moderation/audit"),
    ] {
        let reply = call(&state, method.clone(), uri, None, Some(json!({}))).await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{method} {uri}");
    }
}

#[tokio::test]
async fn an_expired_token_is_refused() {
    let (state, clock) = community_state();
    let ana = member(&state, "ana").await;
    clock.advance(state.community.settings().session_ttl + Duration::minutes(1));
    let reply = call(&state, Method::GET, "/api/me", Some(&ana.token), None).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    assert_eq!(reply.json()["error"]["code"], "session_expired");
}

#[tokio::test]
async fn logout_ends_the_session() {
    let state = state();
    let ana = member(&state, "ana").await;
    let reply = call(
        &state,
        Method::POST,
        "/api/auth/logout",
        Some(&ana.token),
        None,
    )
    .await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT);
    let reply = call(&state, Method::GET, "/api/me", Some(&ana.token), None).await;
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_password_change_ends_the_other_sessions() {
    let state = state();
    let ana = member(&state, "ana").await;
    let other_device = login(&state, "ana@example.org").await;
    let change = json!({"current_password": PASSWORD, "new_password": "a brand new passphrase"});
    let reply = call(
        &state,
        Method::POST,
        "/api/auth/password",
        Some(&ana.token),
        Some(change),
    )
    .await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT, "{}", reply.body);
    let here = call(&state, Method::GET, "/api/me", Some(&ana.token), None).await;
    assert_eq!(here.status, StatusCode::OK);
    let there = call(&state, Method::GET, "/api/me", Some(&other_device), None).await;
    assert_eq!(there.status, StatusCode::UNAUTHORIZED);

    let wrong =
        json!({"current_password": "guess guess guess", "new_password": "another long one"});
    let reply = call(
        &state,
        Method::POST,
        "/api/auth/password",
        Some(&ana.token),
        Some(wrong),
    )
    .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert_eq!(reply.json()["error"]["field"], "current_password");
}

#[tokio::test]
async fn members_edit_their_own_profile_which_anyone_can_read() {
    let state = state();
    let ana = member(&state, "ana").await;
    let update = json!({
        "role": "Head of digital services",
        "organisation": "Prefeitura do Recife",
        "level": "municipal",
        "country": "BR",
        "languages": ["pt-BR", "en"],
        "topics": ["Digital services", "permits"],
        "bio": "Ten years of *e-government*.",
    });
    let reply = call(
        &state,
        Method::PATCH,
        "/api/users/me",
        Some(&ana.token),
        Some(update),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);

    let profile = call(
        &state,
        Method::GET,
        &format!("/api/users/{}", ana.id),
        None,
        None,
    )
    .await;
    assert_eq!(profile.status, StatusCode::OK);
    let json = profile.json();
    assert_eq!(json["name"], "ana");
    assert_eq!(json["level"], "municipal");
    assert_eq!(json["languages"], json!(["pt", "en"]));
    assert_eq!(json["topics"], json!(["digital-services", "permits"]));
    assert!(json.get("email").is_none(), "emails are private: {json}");
    assert!(json.get("password_hash").is_none());

    for (bad, field) in [
        (json!({"country": "Brasil"}), "country"),
        (json!({"level": "galactic"}), "level"),
        (json!({"languages": ["klingon"]}), "languages"),
        (json!({"bio": "x".repeat(1001)}), "bio"),
    ] {
        let reply = call(
            &state,
            Method::PATCH,
            "/api/users/me",
            Some(&ana.token),
            Some(bad),
        )
        .await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST);
        assert_eq!(reply.json()["error"]["field"], field);
    }
    let unknown = call(&state, Method::GET, "/api/users/999999", None, None).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
    let malformed = call(&state, Method::GET, "/api/users/abc", None, None).await;
    assert_eq!(malformed.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn the_directory_searches_by_topic_country_and_organisation() {
    let state = state();
    for (name, country, organisation, topic) in [
        ("ana", "BR", "Prefeitura do Recife", "permits"),
        ("kenji", "JP", "Osaka City", "flood-warnings"),
        ("lea", "FR", "Ville de Lyon", "permits"),
    ] {
        let member = member(&state, name).await;
        let update = json!({"country": country, "organisation": organisation, "topics": [topic]});
        call(
            &state,
            Method::PATCH,
            "/api/users/me",
            Some(&member.token),
            Some(update),
        )
        .await;
    }
    let names = |json: serde_json::Value| -> Vec<String> {
        json["users"]
            .as_array()
            .unwrap()
            .iter()
            .map(|user| user["name"].as_str().unwrap().to_string())
            .collect()
    };
    let reply = call(&state, Method::GET, "/api/users?topic=permits", None, None).await;
    assert_eq!(names(reply.json()), ["ana", "lea"]);
    let reply = call(
        &state,
        Method::GET,
        "/api/users?topic=permits&country=FR",
        None,
        None,
    )
    .await;
    assert_eq!(names(reply.json()), ["lea"]);
    let reply = call(
        &state,
        Method::GET,
        "/api/users?organisation=osaka",
        None,
        None,
    )
    .await;
    assert_eq!(names(reply.json()), ["kenji"]);
    let reply = call(&state, Method::GET, "/api/users?q=recife", None, None).await;
    assert_eq!(names(reply.json()), ["ana"]);
    let reply = call(&state, Method::GET, "/api/users?limit=1", None, None).await;
    let json = reply.json();
    assert_eq!(names(json.clone()), ["ana"]);
    let after = json["next_after"].as_u64().unwrap();
    let reply = call(
        &state,
        Method::GET,
        &format!("/api/users?limit=1&after={after}"),
        None,
        None,
    )
    .await;
    assert_eq!(names(reply.json()), ["kenji"]);
    let bad = call(&state, Method::GET, "/api/users?colour=red", None, None).await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn behind_a_trusted_proxy_login_limits_count_per_forwarded_client() {
    let proxy: SocketAddr = "10.0.0.1:443".parse().unwrap();
    let state = state().with_trusted_proxies(vec![proxy.ip()]);
    member(&state, "ana").await;
    let login_from = |client: &'static str, email: String, password: &'static str| {
        let request = Request::builder()
            .method(Method::POST)
            .uri("/api/auth/login")
            .header(header::CONTENT_TYPE, "application/json")
            .header("x-forwarded-for", client)
            .body(Body::from(
                json!({"email": email, "password": password}).to_string(),
            ))
            .unwrap();
        respond_from(&state, request, proxy)
    };
    // One client guesses across accounts until its address is limited.
    let limit = state.community.settings().max_login_failures_per_address;
    for attempt in 0..limit {
        let email = format!("guess{attempt}@example.org");
        let reply = login_from("198.51.100.7", email, "not the password").await;
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED);
    }
    let ana = || "ana@example.org".to_string();
    let guesser = login_from("198.51.100.7", ana(), PASSWORD).await;
    assert_eq!(guesser.status, StatusCode::TOO_MANY_REQUESTS);
    // Another client of the same proxy is not.
    let neighbour = login_from("203.0.113.5", ana(), PASSWORD).await;
    assert_eq!(neighbour.status, StatusCode::OK, "{}", neighbour.body);
}
