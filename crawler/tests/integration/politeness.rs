//! robots.txt, Crawl-delay, per-host spacing and hosts that do not wait on each other.

use std::time::{Duration, Instant};

use agora_crawler::testing::{FixtureResponse, FixtureServer};

use crate::common::{
    article, config_with, crawler, feed_source, gaps, sitemap, sitemap_source, teaser_feed,
};

fn robots(text: &str) -> FixtureResponse {
    FixtureResponse::ok("text/plain", text)
}

#[tokio::test]
async fn pages_disallowed_by_robots_txt_are_never_requested() {
    let server = FixtureServer::start().await;
    server.route(
        "/robots.txt",
        robots("User-agent: *\nDisallow: /\n\nUser-agent: AgoraBot\nDisallow: /private/\n"),
    );
    server.route(
        "/sitemap.xml",
        sitemap(&[("/public.html", None), ("/private/secret.html", None)]),
    );
    server.route("/public.html", article("Public", "Open to crawlers."));
    server.route(
        "/private/secret.html",
        article("Secret", "Not for crawlers."),
    );
    let config = config_with(&server, "", &sitemap_source("site", "/sitemap.xml"));
    let (crawler, store) = crawler(&config);

    let report = crawler.crawl_source(&config.sources[0]).await;

    assert_eq!(server.requested_paths(), ["/sitemap.xml", "/public.html"]);
    assert_eq!(server.requests_for("/robots.txt").len(), 1);
    assert_eq!(
        (
            report.num_new,
            report.num_robots_excluded,
            report.num_failed
        ),
        (1, 1, 0)
    );
    assert!(
        report.errors_by_kind.is_empty(),
        "{:?}",
        report.errors_by_kind
    );
    let status = store.source_status("site").unwrap().unwrap();
    assert_eq!(status.last_crawl.unwrap().num_robots_excluded, 1);
}

#[tokio::test]
async fn a_disallowed_feed_fails_its_source_without_being_requested() {
    let server = FixtureServer::start().await;
    server.route("/robots.txt", robots("User-agent: *\nDisallow: /feed\n"));
    server.route("/feed.xml", teaser_feed(&[]));
    let config = config_with(&server, "", &feed_source("news", "/feed.xml"));
    let (crawler, _store) = crawler(&config);

    let report = crawler.crawl_source(&config.sources[0]).await;

    assert!(server.requested_paths().is_empty());
    assert!(report.error.unwrap().contains("disallowed by robots.txt"));
    assert_eq!(report.error_kind.as_deref(), Some("robots"));
    assert_eq!(report.num_robots_excluded, 1);
}

#[tokio::test]
async fn a_robots_txt_answering_5xx_keeps_the_whole_host_off_limits() {
    let server = FixtureServer::start().await;
    server.route("/robots.txt", FixtureResponse::status(503));
    server.route("/page.html", article("Page", "Text."));
    let config = config_with(
        &server,
        "",
        &crate::common::page_source("page", "/page.html"),
    );
    let (crawler, _store) = crawler(&config);

    let report = crawler.crawl_source(&config.sources[0]).await;

    assert!(server.requested_paths().is_empty());
    assert_eq!(report.error_kind.as_deref(), Some("robots-unavailable"));
    assert!(
        report
            .error
            .unwrap()
            .contains("robots.txt answered HTTP status 503")
    );
}

#[tokio::test]
async fn crawl_delay_spaces_the_requests_to_its_host() {
    let server = FixtureServer::start().await;
    server.route(
        "/robots.txt",
        robots("User-agent: AgoraBot\nCrawl-delay: 0.3\n"),
    );
    server.route(
        "/sitemap.xml",
        sitemap(&[("/a.html", None), ("/b.html", None), ("/c.html", None)]),
    );
    for path in ["/a.html", "/b.html", "/c.html"] {
        server.route(path, article(path, "Some text."));
    }
    let config = config_with(&server, "", &sitemap_source("site", "/sitemap.xml"));
    let (crawler, _store) = crawler(&config);

    let report = crawler.crawl_source(&config.sources[0]).await;

    assert_eq!(report.num_new, 3);
    let requests = server.requests();
    assert_eq!(requests.len(), 5, "robots.txt, the sitemap and three pages");
    // The delay applies from the moment robots.txt was read.
    for gap in &gaps(&requests[1..]) {
        assert!(*gap >= Duration::from_millis(300), "{gap:?}");
    }
}

#[tokio::test]
async fn the_configured_delay_is_kept_between_requests_to_one_host() {
    let server = FixtureServer::start().await;
    server.route("/feed.xml", teaser_feed(&["/a.html", "/b.html", "/c.html"]));
    for path in ["/a.html", "/b.html", "/c.html"] {
        server.route(path, article(path, "Some text."));
    }
    let config = config_with(
        &server,
        "politeness_delay = \"200ms\"",
        &feed_source("news", "/feed.xml"),
    );
    let (crawler, _store) = crawler(&config);

    let report = crawler.crawl_source(&config.sources[0]).await;

    assert_eq!(report.num_new, 3);
    let requests = server.requests();
    assert_eq!(requests.len(), 5);
    for gap in &gaps(&requests) {
        assert!(*gap >= Duration::from_millis(200), "{gap:?}");
    }
}

#[tokio::test]
async fn a_slow_host_does_not_hold_back_the_others() {
    let slow = FixtureServer::start().await;
    slow.route(
        "/page.html",
        article("Slow", "Takes its time.").with_delay(Duration::from_millis(1500)),
    );
    // `localhost` and `127.0.0.1` are two host names, so two queues, on one machine.
    let fast = FixtureServer::start().await;
    let fast_base = fast.base().replace("127.0.0.1", "localhost");
    let mut feed = teaser_feed(&["/a.html", "/b.html"]);
    feed.body = String::from_utf8(feed.body)
        .unwrap()
        .replace("{{base}}", &fast_base)
        .into_bytes();
    fast.route("/feed.xml", feed);
    fast.route("/a.html", article("A", "Quick."));
    fast.route("/b.html", article("B", "Quick."));
    let sources = format!(
        "{}\n{}",
        crate::common::page_source("slow", "/page.html"),
        feed_source("fast", "/feed.xml").replace("{{base}}", &fast_base)
    );
    let config = config_with(&slow, "politeness_delay = \"100ms\"", &sources);
    let (crawler, _store) = crawler(&config);

    let started = Instant::now();
    let (slow_report, fast_report) = tokio::join!(
        async {
            let report = crawler.crawl_source(&config.sources[0]).await;
            (report, started.elapsed())
        },
        async {
            let report = crawler.crawl_source(&config.sources[1]).await;
            (report, started.elapsed())
        }
    );

    assert_eq!(slow_report.0.num_new, 1);
    assert_eq!(fast_report.0.num_new, 2);
    assert!(
        fast_report.1 < slow_report.1,
        "the fast host finished after the slow one: {:?} vs {:?}",
        fast_report.1,
        slow_report.1
    );
}

#[tokio::test]
async fn new_crawler_settings_keep_robots_txt_unless_the_user_agent_changes() {
    let server = FixtureServer::start().await;
    server.route(
        "/robots.txt",
        robots("User-agent: *\nDisallow: /private/\n"),
    );
    server.route("/a.html", article("A", "First article."));
    let sources = r#"
[[source]]
id = "a"
kind = "page"
url = "{{base}}/a.html"
country = "INT"
"#;
    let config = config_with(&server, "", sources);
    let (crawler, _store) = crawler(&config);
    crawler.crawl_source(&config.sources[0]).await;

    let timeout = config_with(&server, "request_timeout = \"7s\"", sources);
    let crawler = crawler.with_settings(timeout.crawler.clone()).unwrap();
    crawler.crawl_source(&config.sources[0]).await;
    assert_eq!(server.requests_for("/robots.txt").len(), 1);

    let renamed = config_with(&server, "user_agent = \"OtherBot/1.0\"", sources);
    let crawler = crawler.with_settings(renamed.crawler.clone()).unwrap();
    crawler.crawl_source(&config.sources[0]).await;
    assert_eq!(server.requests_for("/robots.txt").len(), 2);
}
