//! Questions and answers through the API, and how they show in search.

use axum::http::{Method, StatusCode};
use serde_json::json;

use crate::common::{answer, ask, call, get, member, state};

const PERMITS: &str = "Has any municipality digitised building permits?";

#[tokio::test]
async fn a_question_is_asked_answered_voted_and_accepted() {
    let state = state();
    let ana = member(&state, "ana").await;
    let bruno = member(&state, "bruno").await;
    let carla = member(&state, "carla").await;
    let question = ask(&state, &ana, PERMITS).await;
    let first = answer(&state, &bruno, question, "Lisbon did, in 2019.").await;
    let second = answer(
        &state,
        &carla,
        question,
        "Lyon too: see [the report](https://example.fr/r).",
    )
    .await;

    let vote = |token: String, answer: u64, value: i64| {
        let state = state.clone();
        async move {
            let uri = format!("/api/answers/{answer}/vote");
            call(
                &state,
                Method::POST,
                &uri,
                Some(&token),
                Some(json!({"value": value})),
            )
            .await
        }
    };
    let reply = vote(ana.token.clone(), second, 1).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    assert_eq!(reply.json()["score"], 1);
    assert_eq!(
        vote(bruno.token.clone(), second, 1).await.json()["score"],
        2
    );

    let uri = format!("/api/questions/{question}/accept");
    let reply = call(
        &state,
        Method::POST,
        &uri,
        Some(&ana.token),
        Some(json!({"answer_id": first})),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);

    let reply = call(
        &state,
        Method::GET,
        &format!("/api/questions/{question}"),
        Some(&ana.token),
        None,
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK);
    let json = reply.json();
    assert_eq!(json["title"], PERMITS);
    assert_eq!(json["topics"], json!(["permits"]));
    assert_eq!(json["accepted_answer"], first);
    assert_eq!(json["num_answers"], 2);
    assert!(
        json["body_html"]
            .as_str()
            .unwrap()
            .contains("<strong>building permits</strong>")
    );
    let answers = json["answers"].as_array().unwrap();
    assert_eq!(answers[0]["id"], first, "the accepted answer comes first");
    assert_eq!(answers[0]["accepted"], true);
    assert_eq!(answers[1]["score"], 2);
    assert_eq!(answers[1]["my_vote"], 1);
    assert!(
        answers[1]["body_html"]
            .as_str()
            .unwrap()
            .contains(r#"rel="nofollow noopener ugc""#)
    );

    let anonymous = call(
        &state,
        Method::GET,
        &format!("/api/questions/{question}"),
        None,
        None,
    )
    .await;
    assert!(anonymous.json()["answers"][1]["my_vote"].is_null());
}

#[tokio::test]
async fn voting_twice_replaces_the_vote_and_zero_withdraws_it() {
    let state = state();
    let ana = member(&state, "ana").await;
    let bruno = member(&state, "bruno").await;
    let question = ask(&state, &ana, PERMITS).await;
    let reply_id = answer(&state, &bruno, question, "Lisbon did.").await;
    let uri = format!("/api/answers/{reply_id}/vote");
    for (value, score) in [(1, 1), (1, 1), (-1, -1), (0, 0)] {
        let reply = call(
            &state,
            Method::POST,
            &uri,
            Some(&ana.token),
            Some(json!({"value": value})),
        )
        .await;
        assert_eq!(reply.json()["score"], score, "after voting {value}");
    }
    let bad = call(
        &state,
        Method::POST,
        &uri,
        Some(&ana.token),
        Some(json!({"value": 2})),
    )
    .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn nobody_votes_on_their_own_answer() {
    let state = state();
    let ana = member(&state, "ana").await;
    let bruno = member(&state, "bruno").await;
    let question = ask(&state, &ana, PERMITS).await;
    let own = answer(&state, &bruno, question, "Lisbon did.").await;
    let uri = format!("/api/answers/{own}/vote");
    let reply = call(
        &state,
        Method::POST,
        &uri,
        Some(&bruno.token),
        Some(json!({"value": 1})),
    )
    .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    assert_eq!(reply.json()["error"]["code"], "forbidden");
}

#[tokio::test]
async fn only_the_asker_accepts_an_answer() {
    let state = state();
    let ana = member(&state, "ana").await;
    let bruno = member(&state, "bruno").await;
    let question = ask(&state, &ana, PERMITS).await;
    let reply_id = answer(&state, &bruno, question, "Lisbon did.").await;
    let uri = format!("/api/questions/{question}/accept");
    let reply = call(
        &state,
        Method::POST,
        &uri,
        Some(&bruno.token),
        Some(json!({"answer_id": reply_id})),
    )
    .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    let json = call(
        &state,
        Method::GET,
        &format!("/api/questions/{question}"),
        None,
        None,
    )
    .await
    .json();
    assert!(json["accepted_answer"].is_null());
}

#[tokio::test]
async fn members_edit_and_delete_only_their_own_posts() {
    let state = state();
    let ana = member(&state, "ana").await;
    let bruno = member(&state, "bruno").await;
    let question = ask(&state, &ana, PERMITS).await;
    let reply_id = answer(&state, &bruno, question, "Lisbon did.").await;
    let answer_uri = format!("/api/answers/{reply_id}");
    let question_uri = format!("/api/questions/{question}");

    let reply = call(
        &state,
        Method::PATCH,
        &answer_uri,
        Some(&ana.token),
        Some(json!({"body": "Mine now"})),
    )
    .await;
    assert_eq!(
        reply.status,
        StatusCode::FORBIDDEN,
        "editing another member's answer"
    );
    let reply = call(&state, Method::DELETE, &answer_uri, Some(&ana.token), None).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
    let reply = call(
        &state,
        Method::PATCH,
        &question_uri,
        Some(&bruno.token),
        Some(json!({"title": "Mine"})),
    )
    .await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);

    let reply = call(
        &state,
        Method::PATCH,
        &answer_uri,
        Some(&bruno.token),
        Some(json!({"body": "Lisbon did, in 2019."})),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let reply = call(
        &state,
        Method::PATCH,
        &question_uri,
        Some(&ana.token),
        Some(json!({"title": "Digitised building permits: lessons?"})),
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK);
    assert_eq!(
        reply.json()["title"],
        "Digitised building permits: lessons?"
    );
    assert!(!reply.json()["edited_at"].is_null());

    let reply = call(
        &state,
        Method::DELETE,
        &question_uri,
        Some(&ana.token),
        None,
    )
    .await;
    assert_eq!(reply.status, StatusCode::CONFLICT, "others have answered");
    let reply = call(
        &state,
        Method::DELETE,
        &answer_uri,
        Some(&bruno.token),
        None,
    )
    .await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT);
    let reply = call(
        &state,
        Method::DELETE,
        &question_uri,
        Some(&ana.token),
        None,
    )
    .await;
    assert_eq!(reply.status, StatusCode::NO_CONTENT);
    let reply = call(&state, Method::GET, &question_uri, None, None).await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn bad_questions_get_a_400_naming_the_field() {
    let state = state();
    let ana = member(&state, "ana").await;
    for (body, field) in [
        (json!({"title": "", "body": "b"}), "title"),
        (json!({"title": "t", "body": " "}), "body"),
        (json!({"title": "x".repeat(201), "body": "b"}), "title"),
        (
            json!({"title": "t", "body": "b", "country": "Portugal"}),
            "country",
        ),
    ] {
        let reply = call(
            &state,
            Method::POST,
            "/api/questions",
            Some(&ana.token),
            Some(body),
        )
        .await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST);
        assert_eq!(reply.json()["error"]["field"], field);
    }
    let reply = call(
        &state,
        Method::POST,
        "/api/questions",
        Some(&ana.token),
        Some(json!({"title": "t", "body": "b", "colour": 1})),
    )
    .await;
    assert_eq!(reply.json()["error"]["code"], "invalid_body");
    let missing = call(
        &state,
        Method::POST,
        "/api/questions/999999/answers",
        Some(&ana.token),
        Some(json!({"body": "b"})),
    )
    .await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn the_list_filters_answered_and_unanswered_questions() {
    let state = state();
    let ana = member(&state, "ana").await;
    let bruno = member(&state, "bruno").await;
    let answered = ask(&state, &ana, PERMITS).await;
    let open = ask(&state, &ana, "How do cities warn residents of floods?").await;
    answer(&state, &bruno, answered, "Lisbon did.").await;
    let ids = |uri: &'static str| {
        let state = state.clone();
        async move {
            call(&state, Method::GET, uri, None, None).await.json()["questions"]
                .as_array()
                .unwrap()
                .iter()
                .map(|question| question["id"].as_u64().unwrap())
                .collect::<Vec<_>>()
        }
    };
    assert_eq!(ids("/api/questions").await, [open, answered]);
    assert_eq!(ids("/api/questions?answered=true").await, [answered]);
    assert_eq!(ids("/api/questions?answered=false").await, [open]);
    assert_eq!(
        ids("/api/questions?topic=permits&country=PT").await,
        [open, answered]
    );
    let bad = call(
        &state,
        Method::GET,
        "/api/questions?answered=maybe",
        None,
        None,
    )
    .await;
    assert_eq!(bad.status, StatusCode::BAD_REQUEST);
}

#[tokio::test]
async fn new_questions_are_searchable_beside_case_studies_with_an_answered_filter() {
    let state = state();
    let ana = member(&state, "ana").await;
    let bruno = member(&state, "bruno").await;
    let question = ask(&state, &ana, "Rural school transport routes in winter?").await;

    let json = get(&state, "/api/search?q=transport").await.json();
    let kinds: Vec<&str> = json["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|hit| hit["kind"].as_str().unwrap())
        .collect();
    assert!(kinds.contains(&"question"), "{json}");
    let hit = json["hits"]
        .as_array()
        .unwrap()
        .iter()
        .find(|hit| hit["kind"] == "question")
        .unwrap();
    assert_eq!(hit["url"], format!("/questions/{question}"));
    assert_eq!(hit["source"], "community");

    let unanswered = get(&state, "/api/search?kind=question&answered=false")
        .await
        .json();
    assert_eq!(unanswered["total"], 1);
    let answered = get(&state, "/api/search?kind=question&answered=true")
        .await
        .json();
    assert_eq!(answered["total"], 0);
    answer(
        &state,
        &bruno,
        question,
        "We share buses with the postal service.",
    )
    .await;
    let answered = get(&state, "/api/search?answered=true").await.json();
    assert_eq!(answered["total"], 1);
    let found = get(&state, "/api/search?q=postal").await.json();
    assert_eq!(
        found["hits"][0]["url"],
        format!("/questions/{question}"),
        "answers are indexed"
    );
}

#[tokio::test]
async fn accepted_and_voted_questions_rank_higher() {
    let state = state();
    let ana = member(&state, "ana").await;
    let bruno = member(&state, "bruno").await;
    let plain = ask(&state, &ana, "Composting schemes for small towns").await;
    let helped = ask(&state, &ana, "Composting schemes for small towns").await;
    let reply_id = answer(&state, &bruno, helped, "Give each household a bin.").await;
    let uri = format!("/api/answers/{reply_id}/vote");
    call(
        &state,
        Method::POST,
        &uri,
        Some(&ana.token),
        Some(json!({"value": 1})),
    )
    .await;
    let uri = format!("/api/questions/{helped}/accept");
    call(
        &state,
        Method::POST,
        &uri,
        Some(&ana.token),
        Some(json!({"answer_id": reply_id})),
    )
    .await;

    let json = get(&state, "/api/search?q=composting+schemes&kind=question")
        .await
        .json();
    let urls: Vec<&str> = json["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|hit| hit["url"].as_str().unwrap())
        .collect();
    assert_eq!(
        urls,
        [
            format!("/questions/{helped}"),
            format!("/questions/{plain}")
        ]
    );
}

#[tokio::test]
async fn similar_questions_and_case_studies_are_suggested() {
    let state = state();
    let ana = member(&state, "ana").await;
    let existing = ask(&state, &ana, "Rural school transport routes in winter?").await;
    let reply = call(
        &state,
        Method::GET,
        "/api/questions/similar?title=school+transport+rural",
        None,
        None,
    )
    .await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
    let json = reply.json();
    assert_eq!(
        json["questions"][0]["url"],
        format!("/questions/{existing}")
    );
    assert_eq!(
        json["case_studies"][0]["url"],
        "https://example.br/transporte"
    );
    let empty = call(
        &state,
        Method::GET,
        "/api/questions/similar?title=",
        None,
        None,
    )
    .await;
    assert_eq!(empty.status, StatusCode::BAD_REQUEST);
    let hostile = call(
        &state,
        Method::GET,
        "/api/questions/similar?title=%22((title%3A*",
        None,
        None,
    )
    .await;
    assert_eq!(hostile.status, StatusCode::OK);
}
