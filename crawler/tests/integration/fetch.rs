//! Redirects, compression, size and time limits, retries and error kinds.

use std::time::Duration;

use agora_crawler::testing::{FixtureResponse, FixtureServer};
use agora_indexer::DocId;

use crate::common::{
    article, article_html, config_with, crawler, page_source, sitemap, sitemap_source,
};

#[tokio::test]
async fn a_redirect_chain_is_followed_and_its_final_url_recorded() {
    let server = FixtureServer::start().await;
    server.route("/old", FixtureResponse::redirect(301, "/older"));
    server.route(
        "/older",
        FixtureResponse::redirect(302, "{{base}}/new.html"),
    );
    server.route("/new.html", article("Moved", "The article moved twice."));
    let config = config_with(&server, "", &page_source("page", "/old"));
    let (crawler, store) = crawler(&config);

    let report = crawler.crawl_source(&config.sources[0]).await;

    assert_eq!(report.num_new, 1, "{report:?}");
    assert_eq!(server.requested_paths(), ["/old", "/older", "/new.html"]);
    let final_url = server.url("/new.html");
    let document = store
        .document(&DocId::from_canonical_url(final_url.as_str()))
        .unwrap()
        .unwrap();
    assert_eq!(document.url, final_url.as_str());
    let state = store
        .fetch_state(server.url("/old").as_str())
        .unwrap()
        .unwrap();
    assert_eq!(state.final_url.as_deref(), Some(final_url.as_str()));
}

#[tokio::test]
async fn a_redirect_loop_is_detected() {
    let server = FixtureServer::start().await;
    server.route("/a", FixtureResponse::redirect(301, "/b"));
    server.route("/b", FixtureResponse::redirect(301, "/a"));
    let config = config_with(&server, "", &page_source("loop", "/a"));
    let (crawler, _store) = crawler(&config);

    let report = crawler.crawl_source(&config.sources[0]).await;

    assert!(
        report.error.as_deref().unwrap().contains("redirect loop"),
        "{report:?}"
    );
    assert_eq!(report.errors_by_kind.get("redirect"), Some(&1));
    assert_eq!(server.requested_paths(), ["/a", "/b"]);
}

#[tokio::test]
async fn redirects_beyond_the_limit_are_abandoned() {
    let server = FixtureServer::start().await;
    for hop in 0..4 {
        server.route(
            &format!("/{hop}"),
            FixtureResponse::redirect(307, &format!("/{}", hop + 1)),
        );
    }
    server.route("/4", article("Far", "Too far away."));
    let config = config_with(&server, "max_redirects = 2", &page_source("far", "/0"));
    let (crawler, _store) = crawler(&config);

    let report = crawler.crawl_source(&config.sources[0]).await;

    assert!(
        report
            .error
            .as_deref()
            .unwrap()
            .contains("too many redirects")
    );
    assert_eq!(server.requested_paths(), ["/0", "/1", "/2"]);
}

#[tokio::test]
async fn a_redirect_to_another_host_meets_that_hosts_robots_txt() {
    let first = FixtureServer::start().await;
    let second = FixtureServer::start().await;
    second.route(
        "/robots.txt",
        FixtureResponse::ok("text/plain", "User-agent: *\nDisallow: /secret\n"),
    );
    second.route("/secret.html", article("Secret", "Kept from crawlers."));
    let target = format!(
        "{}/secret.html",
        second.base().replace("127.0.0.1", "localhost")
    );
    first.route("/go", FixtureResponse::redirect(301, &target));
    let config = config_with(&first, "", &page_source("go", "/go"));
    let (crawler, _store) = crawler(&config);

    let report = crawler.crawl_source(&config.sources[0]).await;

    assert_eq!(first.requested_paths(), ["/go"]);
    assert_eq!(second.requests_for("/robots.txt").len(), 1);
    assert!(second.requested_paths().is_empty());
    assert_eq!(report.num_robots_excluded, 1);
    assert!(report.error.unwrap().contains("disallowed by robots.txt"));
}

#[tokio::test]
async fn gzip_bodies_are_decompressed() {
    let server = FixtureServer::start().await;
    server.route(
        "/page.html",
        article("Compressed", "Sent with gzip.").gzipped(),
    );
    let config = config_with(&server, "", &page_source("gzip", "/page.html"));
    let (crawler, store) = crawler(&config);

    let report = crawler.crawl_source(&config.sources[0]).await;

    assert_eq!(report.num_new, 1, "{report:?}");
    let request = &server.requests_for("/page.html")[0];
    assert!(request.header("accept-encoding").unwrap().contains("gzip"));
    let document = store
        .document(&DocId::from_canonical_url(
            server.url("/page.html").as_str(),
        ))
        .unwrap()
        .unwrap();
    assert!(
        document.body.contains("Sent with gzip."),
        "{}",
        document.body
    );
}

#[tokio::test]
async fn a_6_mb_page_is_abandoned_at_the_size_cap() {
    let server = FixtureServer::start().await;
    let mut html = article_html("Huge", "Very long.").into_bytes();
    html.resize(6 * 1024 * 1024, b' ');
    // Streamed without a Content-Length: only reading tells the size.
    server.route(
        "/huge.html",
        FixtureResponse::ok("text/html", html).streamed(),
    );
    let config = config_with(
        &server,
        "max_body_bytes = 5_000_000",
        &page_source("huge", "/huge.html"),
    );
    let (crawler, store) = crawler(&config);

    let report = crawler.crawl_source(&config.sources[0]).await;

    assert!(report.error.unwrap().contains("larger than 5000000 bytes"));
    assert_eq!(report.errors_by_kind.get("too-large"), Some(&1));
    assert_eq!(store.num_documents().unwrap(), 0);
}

#[tokio::test]
async fn a_page_slower_than_the_request_timeout_times_out() {
    let server = FixtureServer::start().await;
    server.route(
        "/slow.html",
        article("Slow", "Answers after three seconds.").with_delay(Duration::from_secs(3)),
    );
    let config = config_with(
        &server,
        "request_timeout = \"500ms\"\nmax_retries = 1",
        &page_source("slow", "/slow.html"),
    );
    let (crawler, _store) = crawler(&config);

    let report = crawler.crawl_source(&config.sources[0]).await;

    assert_eq!(report.error_kind.as_deref(), Some("timeout"), "{report:?}");
    assert_eq!(
        server.requests_for("/slow.html").len(),
        2,
        "one try and one retry"
    );
}

#[tokio::test]
async fn a_server_error_followed_by_success_is_retried() {
    let server = FixtureServer::start().await;
    server.route_sequence(
        "/flaky.html",
        vec![
            FixtureResponse::status(500),
            article("Flaky", "Works the second time."),
        ],
    );
    let config = config_with(&server, "", &page_source("flaky", "/flaky.html"));
    let (crawler, _store) = crawler(&config);

    let report = crawler.crawl_source(&config.sources[0]).await;

    assert_eq!((report.num_new, report.num_failed), (1, 0), "{report:?}");
    assert!(report.error.is_none());
    assert_eq!(server.requests_for("/flaky.html").len(), 2);
}

#[tokio::test]
async fn retry_after_is_honoured() {
    let server = FixtureServer::start().await;
    server.route_sequence(
        "/busy.html",
        vec![
            FixtureResponse::status(429).with_header("retry-after", "1"),
            article("Busy", "Come back later."),
        ],
    );
    let config = config_with(&server, "", &page_source("busy", "/busy.html"));
    let (crawler, _store) = crawler(&config);

    let report = crawler.crawl_source(&config.sources[0]).await;

    assert_eq!(report.num_new, 1, "{report:?}");
    let requests = server.requests_for("/busy.html");
    assert_eq!(requests.len(), 2);
    let waited = requests[1].at.duration_since(requests[0].at);
    assert!(waited >= Duration::from_secs(1), "{waited:?}");
}

#[tokio::test]
async fn a_retry_after_beyond_the_wait_bound_gives_up_at_once() {
    let server = FixtureServer::start().await;
    server.route(
        "/later.html",
        FixtureResponse::status(503).with_header("retry-after", "3600"),
    );
    let config = config_with(&server, "", &page_source("later", "/later.html"));
    let (crawler, _store) = crawler(&config);

    let report = crawler.crawl_source(&config.sources[0]).await;

    assert_eq!(report.error_kind.as_deref(), Some("http-503"));
    assert_eq!(server.requests_for("/later.html").len(), 1);
}

#[tokio::test]
async fn tls_failures_are_told_apart_from_other_connection_errors() {
    // The fixture server speaks plain HTTP: a TLS handshake with it fails.
    let server = FixtureServer::start().await;
    let sources = page_source("tls", "/page.html")
        .replace("{{base}}", &server.base().replace("http:", "https:"));
    let config = config_with(&server, "max_retries = 0", &sources);
    let (crawler, _store) = crawler(&config);

    let report = crawler.crawl_source(&config.sources[0]).await;

    assert_eq!(report.error_kind.as_deref(), Some("tls"), "{report:?}");
    assert!(report.error.unwrap().contains("TLS failed"));
}

#[tokio::test]
async fn failed_pages_are_counted_by_kind() {
    let server = FixtureServer::start().await;
    server.route(
        "/sitemap.xml",
        sitemap(&[
            ("/ok.html", None),
            ("/missing.html", None),
            ("/gone.html", None),
            ("/report.pdf", None),
        ]),
    );
    server.route("/ok.html", article("Fine", "Readable."));
    server.route("/gone.html", FixtureResponse::status(410));
    server.route(
        "/report.pdf",
        FixtureResponse::ok("application/pdf", b"%PDF-1.4".to_vec()),
    );
    let config = config_with(&server, "", &sitemap_source("site", "/sitemap.xml"));
    let (crawler, _store) = crawler(&config);

    let report = crawler.crawl_source(&config.sources[0]).await;

    assert_eq!((report.num_new, report.num_failed), (1, 3));
    let kinds: Vec<(&str, u64)> = report
        .errors_by_kind
        .iter()
        .map(|(kind, count)| (kind.as_str(), *count))
        .collect();
    assert_eq!(
        kinds,
        [("content-type", 1), ("http-404", 1), ("http-410", 1)]
    );
}
