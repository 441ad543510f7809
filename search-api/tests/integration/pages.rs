//! The server-rendered pages.

use axum::http::StatusCode;

use crate::common::{get, state};

#[tokio::test]
async fn the_home_page_lists_documents_with_facets() {
    let state = state();
    let reply = get(&state, "/").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(reply.content_type.starts_with("text/html"));
    assert!(reply.body.contains("<form class=\"search\""));
    assert!(reply.body.contains("4 results"));
    assert!(reply.body.contains("Language"));
    assert!(
        reply.body.contains("/?lang=ja"),
        "facet links carry the filter"
    );
}

#[tokio::test]
async fn crawled_markup_is_escaped_everywhere() {
    let state = state();
    let reply = get(&state, "/?q=waiting").await;
    assert!(!reply.body.contains("<script>alert"), "{}", reply.body);
    assert!(!reply.body.contains("<img src=x"), "{}", reply.body);
    assert!(reply.body.contains("&lt;script&gt;") || reply.body.contains("&#60;script&#62;"));
    assert!(reply.body.contains("<mark>waiting</mark>"));

    let sources = get(&state, "/sources").await;
    assert!(!sources.body.contains("<b>BR</b>"));
}

#[tokio::test]
async fn the_sources_page_shows_errors_by_kind_and_back_off() {
    let state = state();
    let sources = get(&state, "/sources").await;
    assert!(sources.body.contains("http-500 ×1"), "{}", sources.body);
    assert!(sources.body.contains("2 excluded by robots.txt"));
    assert!(
        sources
            .body
            .contains("failed 3 times in a row; backed off until 2030-01-02 03:04 UTC")
    );
}

#[tokio::test]
async fn the_query_is_escaped_in_the_search_box() {
    let state = state();
    let reply = get(&state, "/?q=%22%3E%3Cscript%3Ealert(1)%3C%2Fscript%3E").await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(!reply.body.contains("<script>alert(1)"));
}

#[tokio::test]
async fn a_selected_facet_links_back_to_the_unfiltered_search() {
    let state = state();
    let reply = get(&state, "/?q=&lang=ja").await;
    assert!(reply.body.contains("1 result "), "{}", reply.body);
    assert!(reply.body.contains("class=\"selected\""));
    assert!(reply.body.contains("href=\"/?q=\""), "{}", reply.body);
}

#[tokio::test]
async fn bad_parameters_show_an_error_page_not_a_500() {
    let state = state();
    let reply = get(&state, "/?page=-1").await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST);
    assert!(reply.body.contains("role=\"alert\""));
}

#[tokio::test]
async fn documents_have_a_reading_page() {
    let state = state();
    let id = get(&state, "/api/search?q=budget").await.json()["hits"][0]["id"]
        .as_str()
        .unwrap()
        .to_string();
    let reply = get(&state, &format!("/documents/{id}")).await;
    assert_eq!(reply.status, StatusCode::OK);
    assert!(reply.body.contains("Le budget participatif de la ville"));
    // A local file has no original to link to.
    assert!(!reply.body.contains("Read the original"));
    assert_eq!(
        get(&state, "/documents/ffffffffffffffff").await.status,
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn pages_forbid_scripts_through_their_headers() {
    let state = state();
    let reply = get(&state, "/").await;
    let policy = reply
        .headers
        .get("content-security-policy")
        .unwrap()
        .to_str()
        .unwrap();
    assert!(policy.contains("default-src 'none'"));
    assert_eq!(
        reply.headers.get("x-content-type-options").unwrap(),
        "nosniff"
    );
}

#[tokio::test]
async fn a_result_names_the_other_sites_that_published_it() {
    let state = state();
    let reply = get(&state, "/?q=&lang=ja").await;
    assert!(
        reply.body.contains(
            "Also published at <a href=\"https://mirror.example.jp/kouzui\" \
             rel=\"nofollow noopener\">mirror.example.jp</a>"
        ),
        "{}",
        reply.body
    );
}
