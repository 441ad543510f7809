//! `/api/*` and `/healthz`.

use axum::http::StatusCode;

use crate::common::{get, state};

#[tokio::test]
async fn search_returns_hits_snippets_and_facets() {
    let state = state();
    let reply = get(&state, "/api/search?q=transporte+escolar").await;
    assert_eq!(reply.status, StatusCode::OK);
    let json = reply.json();
    assert_eq!(json["query"], "transporte escolar");
    assert!(json["total"].as_u64().unwrap() >= 1);
    assert!(json["took_ms"].is_u64());
    let hit = &json["hits"][0];
    assert_eq!(hit["url"], "https://example.br/transporte");
    for field in [
        "id",
        "title",
        "snippet",
        "lang",
        "country",
        "topics",
        "kind",
        "source",
        "published",
        "score",
    ] {
        assert!(hit.get(field).is_some(), "hit lacks {field}: {hit}");
    }
    assert!(hit["snippet"].as_str().unwrap().contains("<mark>"), "{hit}");
    for facet in ["lang", "country", "topic", "kind", "source"] {
        assert!(json["facets"][facet].is_object(), "facets lack {facet}");
    }
}

#[tokio::test]
async fn filters_repeat_and_narrow() {
    let state = state();
    let json = get(&state, "/api/search?lang=pt&lang=ja").await.json();
    assert_eq!(json["total"], 2);
    let json = get(&state, "/api/search?lang=pt&country=JP").await.json();
    assert_eq!(json["total"], 0);
    let json = get(&state, "/api/search?from=2021-01-01&to=2022-12-31")
        .await
        .json();
    assert_eq!(json["total"], 2);
}

#[tokio::test]
async fn a_japanese_query_finds_the_japanese_case() {
    let state = state();
    let json = get(&state, "/api/search?q=%E6%B4%AA%E6%B0%B4%E8%AD%A6%E5%A0%B1")
        .await
        .json();
    assert_eq!(json["hits"][0]["lang"], "ja");
}

#[tokio::test]
async fn bad_parameters_get_a_400_that_names_them() {
    let state = state();
    for (uri, param) in [
        ("/api/search?page=0", "page"),
        ("/api/search?per_page=500", "per_page"),
        ("/api/search?sort=random", "sort"),
        ("/api/search?from=31/12/2024", "from"),
        ("/api/search?country=Brasil", "country"),
        ("/api/search?colour=red", "colour"),
    ] {
        let reply = get(&state, uri).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{uri}");
        let json = reply.json();
        assert_eq!(json["error"]["code"], "invalid_parameter", "{uri}");
        assert_eq!(json["error"]["param"], param, "{uri}");
    }
}

#[tokio::test]
async fn hostile_queries_never_cause_a_server_error() {
    let state = state();
    for query in [
        "%22%22%22",
        "title%3A",
        "AND+OR+NOT",
        "%00",
        "(((((",
        "*%3A*",
        "-",
        "%5C",
        "a~2",
        "[1+TO+",
        "%F0%9F%92%A9",
    ] {
        let reply = get(&state, &format!("/api/search?q={query}")).await;
        assert_eq!(reply.status, StatusCode::OK, "{query}: {}", reply.body);
    }
}

#[tokio::test]
async fn documents_are_fetched_by_id() {
    let state = state();
    let id = get(&state, "/api/search?q=budget").await.json()["hits"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let json = get(&state, &format!("/api/documents/{id}")).await.json();
    assert_eq!(json["title"], "Le budget participatif de la ville");
    for field in [
        "url",
        "canonical_url",
        "summary",
        "body",
        "fetched_at",
        "content_hash",
    ] {
        assert!(json.get(field).is_some(), "document lacks {field}");
    }
}

#[tokio::test]
async fn unknown_and_malformed_document_ids() {
    let state = state();
    let missing = get(&state, "/api/documents/0123456789abcdef").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert_eq!(missing.json()["error"]["code"], "not_found");
    let malformed = get(&state, "/api/documents/..%2F..%2Fetc").await;
    assert_eq!(malformed.status, StatusCode::BAD_REQUEST);
    assert_eq!(malformed.json()["error"]["param"], "id");
}

#[tokio::test]
async fn sources_report_their_last_error() {
    let state = state();
    let json = get(&state, "/api/sources").await.json();
    let source = &json["sources"][0];
    assert_eq!(source["id"], "source-br");
    assert_eq!(source["num_documents"], 1);
    assert_eq!(source["last_crawl"]["error"], "HTTP status 500");
    assert_eq!(source["last_crawl"]["errors_by_kind"]["http-500"], 1);
    assert_eq!(source["last_crawl"]["num_robots_excluded"], 2);
    assert_eq!(source["consecutive_failures"], 3);
    assert_eq!(source["backoff_until"], "2030-01-02T03:04:00Z");
}

#[tokio::test]
async fn health_answers_with_the_document_count() {
    let state = state();
    let json = get(&state, "/healthz").await.json();
    assert_eq!(json["status"], "ok");
    assert_eq!(json["num_docs"], 4);
}

#[tokio::test]
async fn unknown_api_paths_are_json_404s() {
    let state = state();
    let reply = get(&state, "/api/nothing").await;
    assert_eq!(reply.status, StatusCode::NOT_FOUND);
    assert!(reply.content_type.starts_with("application/json"));
}

#[tokio::test]
async fn a_portuguese_query_finds_the_french_case_through_the_thesaurus() {
    let state = state();
    let json = get(&state, "/api/search?q=or%C3%A7amento+participativo")
        .await
        .json();
    let langs: Vec<&str> = json["hits"]
        .as_array()
        .unwrap()
        .iter()
        .map(|hit| hit["lang"].as_str().unwrap())
        .collect();
    assert!(langs.contains(&"fr"), "{json}");
    assert_eq!(json["concepts"][0]["id"], "participatory-budgeting");
    assert_eq!(
        json["concepts"][0]["labels"]["fr"], "budget participatif",
        "{}",
        json["concepts"]
    );
}

#[tokio::test]
async fn scope_own_keeps_only_the_query_language() {
    let state = state();
    let json = get(
        &state,
        "/api/search?q=or%C3%A7amento+participativo&qlang=pt&scope=own",
    )
    .await
    .json();
    assert!(
        json["hits"]
            .as_array()
            .unwrap()
            .iter()
            .all(|hit| hit["lang"] == "pt"),
        "{json}"
    );
}

#[tokio::test]
async fn field_filters_in_the_query_narrow_like_parameters() {
    let state = state();
    let json = get(&state, "/api/search?q=lang%3Aja").await.json();
    assert_eq!(json["total"], 1, "{json}");
    assert_eq!(json["hits"][0]["lang"], "ja");
}

#[tokio::test]
async fn a_misspelt_word_is_read_as_the_indexed_one() {
    let state = state();
    let json = get(&state, "/api/search?q=hosptial").await.json();
    assert_eq!(
        json["hits"][0]["url"], "https://example.uk/waiting",
        "{json}"
    );
    assert_eq!(json["corrections"][0][1], "hospital");
}
