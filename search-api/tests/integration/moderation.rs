//! Flags, moderation and the audit log through the API.

use axum::http::{Method, StatusCode};
use serde_json::json;

use crate::common::{answer, ask, call, get, grant_moderator, member, state};

#[tokio::test]
async fn a_flagged_answer_is_hidden_by_a_moderator_and_the_action_is_audited() {
    let state = state();
    let ana = member(&state, "ana").await;
    let spammer = member(&state, "spammer").await;
    let moderator = member(&state, "mod").await;
    grant_moderator(&state, "mod");
    let question = ask(&state, &ana, "Rural school transport routes in winter?").await;
    let spam = answer(&state, &spammer, question, "Buy cheap watches").await;

    let target = format!("answer:{spam}");
    let flag = call(
        &state,
        Method::POST,
        "/api/flags",
        Some(&ana.token),
        Some(json!({"target": target, "reason": "advertising"})),
    )
    .await;
    assert_eq!(flag.status, StatusCode::CREATED, "{}", flag.body);
    let bad_target = call(
        &state,
        Method::POST,
        "/api/flags",
        Some(&ana.token),
        Some(json!({"target": "member:1", "reason": "x"})),
    )
    .await;
    assert_eq!(bad_target.status, StatusCode::BAD_REQUEST);

    let queue = call(
        &state,
        Method::GET,
        "/api/moderation/flags",
        Some(&moderator.token),
        None,
    )
    .await;
    assert_eq!(queue.status, StatusCode::OK);
    let json = queue.json();
    assert_eq!(json["flags"][0]["target"], target);
    assert_eq!(json["flags"][0]["reason"], "advertising");
    assert_eq!(json["flags"][0]["url"], format!("/questions/{question}"));

    let hide = json!({"target": target, "reason": "advertising"});
    let reply = call(
        &state,
        Method::POST,
        "/api/moderation/hide",
        Some(&moderator.token),
        Some(hide.clone()),
    )
    .await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT, "{}", reply.body);
    let again = call(
        &state,
        Method::POST,
        "/api/moderation/hide",
        Some(&moderator.token),
        Some(hide),
    )
    .await;
    assert_eq!(again.status, StatusCode::CONFLICT);

    let public = call(
        &state,
        Method::GET,
        &format!("/api/questions/{question}"),
        None,
        None,
    )
    .await
    .json();
    assert!(public["answers"].as_array().unwrap().is_empty());
    let found = get(&state, "/api/search?q=watches").await.json();
    assert_eq!(found["total"], 0, "hidden answers leave the index: {found}");
    let own = call(
        &state,
        Method::GET,
        &format!("/api/questions/{question}"),
        Some(&spammer.token),
        None,
    )
    .await
    .json();
    assert_eq!(
        own["answers"][0]["hidden"], true,
        "authors still see their hidden post"
    );

    let log = call(
        &state,
        Method::GET,
        "/api/moderation/audit",
        Some(&moderator.token),
        None,
    )
    .await
    .json();
    let entry = &log["entries"][0];
    assert_eq!(entry["action"], "hide");
    assert_eq!(entry["target"], target);
    assert_eq!(entry["reason"], "advertising");
    assert_eq!(entry["actor"]["id"], moderator.id);
    assert!(entry["at"].is_string());

    let unhide = json!({"target": target, "reason": "appeal upheld"});
    let reply = call(
        &state,
        Method::POST,
        "/api/moderation/unhide",
        Some(&moderator.token),
        Some(unhide),
    )
    .await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT);
    let public = call(
        &state,
        Method::GET,
        &format!("/api/questions/{question}"),
        None,
        None,
    )
    .await
    .json();
    assert_eq!(public["answers"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn a_hidden_question_is_not_found_by_others() {
    let state = state();
    let ana = member(&state, "ana").await;
    let moderator = member(&state, "mod").await;
    grant_moderator(&state, "mod");
    let question = ask(&state, &ana, "Rural school transport routes in winter?").await;
    let hide = json!({"target": format!("question:{question}"), "reason": "duplicate"});
    call(
        &state,
        Method::POST,
        "/api/moderation/hide",
        Some(&moderator.token),
        Some(hide),
    )
    .await;
    let uri = format!("/api/questions/{question}");
    assert_eq!(
        call(&state, Method::GET, &uri, None, None).await.status,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        call(&state, Method::GET, &uri, Some(&moderator.token), None)
            .await
            .status,
        StatusCode::OK
    );
    let list = call(&state, Method::GET, "/api/questions", None, None)
        .await
        .json();
    assert!(list["questions"].as_array().unwrap().is_empty());
    assert_eq!(
        get(&state, "/api/search?kind=question").await.json()["total"],
        0
    );
}

#[tokio::test]
async fn members_who_do_not_moderate_are_refused() {
    let state = state();
    let ana = member(&state, "ana").await;
    let question = ask(&state, &ana, "Rural school transport routes in winter?").await;
    let action = json!({"target": format!("question:{question}"), "reason": "mine"});
    for (method, uri, body) in [
        (Method::GET, "/api/moderation/flags", None),
        (Method::GET, "/api/moderation/audit", None),
        (Method::POST, "/api/moderation/hide", Some(action.clone())),
        (Method::POST, "/api/moderation/unhide", Some(action.clone())),
        (
            Method::POST,
            "/api/moderation/dismiss",
            Some(action.clone()),
        ),
    ] {
        let reply = call(&state, method, uri, Some(&ana.token), body).await;
        assert_eq!(reply.status, StatusCode::FORBIDDEN, "{uri}");
    }
}

#[tokio::test]
async fn dismissing_flags_empties_the_queue_without_hiding() {
    let state = state();
    let ana = member(&state, "ana").await;
    let moderator = member(&state, "mod").await;
    grant_moderator(&state, "mod");
    let question = ask(&state, &ana, "Rural school transport routes in winter?").await;
    let target = format!("question:{question}");
    call(
        &state,
        Method::POST,
        "/api/flags",
        Some(&ana.token),
        Some(json!({"target": target, "reason": "unclear"})),
    )
    .await;
    let reply = call(
        &state,
        Method::POST,
        "/api/moderation/dismiss",
        Some(&moderator.token),
        Some(json!({"target": target, "reason": "fine as is"})),
    )
    .await;
    assert_eq!(reply.json()["num_dismissed"], 1);
    let queue = call(
        &state,
        Method::GET,
        "/api/moderation/flags",
        Some(&moderator.token),
        None,
    )
    .await
    .json();
    assert!(queue["flags"].as_array().unwrap().is_empty());
    assert_eq!(
        call(
            &state,
            Method::GET,
            &format!("/api/questions/{question}"),
            None,
            None
        )
        .await
        .status,
        StatusCode::OK
    );
}
