//! Conditional requests and sitemap `lastmod`: a recrawl of what did not change costs 304s
//! and rewrites nothing.

use agora_crawler::testing::{FixtureResponse, FixtureServer};

use crate::common::{
    article, config_with, crawler, feed_source, sitemap, sitemap_source, teaser_feed,
};

const LAST_MODIFIED: &str = "Tue, 01 Oct 2024 10:00:00 GMT";

#[tokio::test]
async fn an_unchanged_feed_answers_304_and_nothing_else_is_fetched() {
    let server = FixtureServer::start().await;
    server.route(
        "/feed.xml",
        teaser_feed(&["/a.html", "/b.html"]).with_etag("\"feed-v1\""),
    );
    server.route("/a.html", article("A", "First article."));
    server.route("/b.html", article("B", "Second article."));
    let config = config_with(&server, "", &feed_source("news", "/feed.xml"));
    let (crawler, store) = crawler(&config);
    let source = &config.sources[0];

    let first = crawler.crawl_source(source).await;
    assert_eq!(first.num_new, 2);
    assert!(
        server.requests_for("/feed.xml")[0]
            .header("if-none-match")
            .is_none()
    );
    let last_change = store.last_change().unwrap();
    let num_requests = server.requested_paths().len();

    let second = crawler.crawl_source(source).await;

    let paths = server.requested_paths();
    assert_eq!(paths[num_requests..], ["/feed.xml"]);
    assert_eq!(
        server.requests_for("/feed.xml")[1].header("if-none-match"),
        Some("\"feed-v1\"")
    );
    assert_eq!(second.num_not_modified, 1);
    assert_eq!(
        (second.num_new, second.num_updated, second.num_failed),
        (0, 0, 0)
    );
    assert!(second.error.is_none());
    assert_eq!(store.last_change().unwrap(), last_change);
}

#[tokio::test]
async fn unchanged_pages_answer_304_and_are_neither_rewritten_nor_reindexed() {
    let server = FixtureServer::start().await;
    // The feed changes (no validators), its pages do not.
    server.route("/feed.xml", teaser_feed(&["/a.html", "/b.html"]));
    server.route(
        "/a.html",
        article("A", "First article.").with_etag("W/\"a1\""),
    );
    server.route(
        "/b.html",
        article("B", "Second article.").with_last_modified(LAST_MODIFIED),
    );
    let config = config_with(&server, "", &feed_source("news", "/feed.xml"));
    let (crawler, store) = crawler(&config);
    let source = &config.sources[0];
    crawler.crawl_source(source).await;
    let last_change = store.last_change().unwrap();

    let second = crawler.crawl_source(source).await;

    assert_eq!(
        server.requests_for("/a.html")[1].header("if-none-match"),
        Some("W/\"a1\"")
    );
    assert_eq!(
        server.requests_for("/b.html")[1].header("if-modified-since"),
        Some(LAST_MODIFIED)
    );
    assert_eq!(
        (
            second.num_unchanged,
            second.num_not_modified,
            second.num_new,
            second.num_updated
        ),
        (2, 2, 0, 0)
    );
    assert_eq!(store.last_change().unwrap(), last_change);
    assert_eq!(store.num_documents().unwrap(), 2);
}

#[tokio::test]
async fn sitemap_pages_not_modified_since_their_last_fetch_are_skipped() {
    let server = FixtureServer::start().await;
    server.route(
        "/sitemap.xml",
        sitemap(&[
            ("/old.html", Some("2020-01-01")),
            ("/fresh.html", Some("2999-01-01")),
            ("/undated.html", None),
        ]),
    );
    for path in ["/old.html", "/fresh.html", "/undated.html"] {
        server.route(path, article(path, "Text of the page."));
    }
    let config = config_with(&server, "", &sitemap_source("site", "/sitemap.xml"));
    let (crawler, _store) = crawler(&config);
    let source = &config.sources[0];
    assert_eq!(crawler.crawl_source(source).await.num_new, 3);

    let second = crawler.crawl_source(source).await;

    assert_eq!(
        server.requests_for("/old.html").len(),
        1,
        "not fetched again"
    );
    assert_eq!(server.requests_for("/fresh.html").len(), 2);
    assert_eq!(server.requests_for("/undated.html").len(), 2);
    assert_eq!(second.num_skipped_by_lastmod, 1);
    assert_eq!(second.num_unchanged, 3);
}

#[tokio::test]
async fn a_feed_whose_entry_failed_is_read_in_full_next_time() {
    let server = FixtureServer::start().await;
    server.route(
        "/feed.xml",
        teaser_feed(&["/a.html", "/b.html"]).with_etag("\"feed-v1\""),
    );
    server.route("/a.html", article("A", "First article."));
    server.route_sequence(
        "/b.html",
        vec![FixtureResponse::status(503), article("B", "Back online.")],
    );
    let config = config_with(
        &server,
        "max_retries = 0",
        &feed_source("news", "/feed.xml"),
    );
    let (crawler, store) = crawler(&config);
    let source = &config.sources[0];

    let first = crawler.crawl_source(source).await;
    assert_eq!((first.num_new, first.num_failed), (1, 1));

    let second = crawler.crawl_source(source).await;

    assert!(
        server.requests_for("/feed.xml")[1]
            .header("if-none-match")
            .is_none()
    );
    assert_eq!(second.num_new, 1);
    assert_eq!(store.num_documents().unwrap(), 2);
}

#[tokio::test]
async fn a_page_budget_takes_the_latest_pages_across_a_sitemap_index() {
    let server = FixtureServer::start().await;
    server.route(
        "/sitemap.xml",
        FixtureResponse::ok(
            "application/xml",
            "<?xml version=\"1.0\"?>\
             <sitemapindex xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\
             <sitemap><loc>{{base}}/old.xml</loc></sitemap>\
             <sitemap><loc>{{base}}/new.xml</loc></sitemap></sitemapindex>",
        ),
    );
    server.route(
        "/old.xml",
        sitemap(&[
            ("/2019.html", Some("2019-03-01")),
            ("/2024.html", Some("2024-03-01")),
        ]),
    );
    server.route(
        "/new.xml",
        sitemap(&[
            ("/2021.html", Some("2021-03-01")),
            ("/2023.html", Some("2023-03-01")),
        ]),
    );
    for year in [2019, 2021, 2023, 2024] {
        server.route(
            &format!("/{year}.html"),
            article(&format!("Report {year}"), "A yearly report."),
        );
    }
    let source = format!(
        "{}max_pages = 2\n",
        sitemap_source("reports", "/sitemap.xml")
    );
    let config = config_with(&server, "", &source);
    let (crawler, _store) = crawler(&config);

    let report = crawler.crawl_source(&config.sources[0]).await;

    assert_eq!(report.num_new, 2, "{report:?}");
    assert_eq!(server.requests_for("/2024.html").len(), 1);
    assert_eq!(server.requests_for("/2023.html").len(), 1);
    assert!(server.requests_for("/2021.html").is_empty());
    assert!(server.requests_for("/2019.html").is_empty());
}
