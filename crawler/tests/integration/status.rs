//! What a source's status tells editors: failures and back-off, and the time budget.

use std::time::Duration;

use agora_crawler::testing::{FixtureResponse, FixtureServer};

use crate::common::{
    article, config_with, crawler, feed_source, sitemap, sitemap_source, teaser_feed,
};

#[tokio::test]
async fn a_failing_source_backs_off_and_recovers_on_success() {
    let server = FixtureServer::start().await;
    server.route_sequence(
        "/feed.xml",
        vec![
            FixtureResponse::status(500),
            FixtureResponse::status(500),
            teaser_feed(&[]),
        ],
    );
    let sources = format!("{}interval = \"1h\"\n", feed_source("news", "/feed.xml"));
    let config = config_with(&server, "max_retries = 0\nmax_backoff = \"3h\"", &sources);
    let (crawler, store) = crawler(&config);
    let source = &config.sources[0];
    let status = || store.source_status("news").unwrap().unwrap();

    crawler.crawl_source(source).await;
    let after_one = status();
    assert_eq!(after_one.consecutive_failures, 1);
    let finished = after_one.last_crawl.as_ref().unwrap().finished_at.unwrap();
    assert_eq!(
        after_one.backoff_until,
        Some(finished + chrono::Duration::hours(2))
    );
    assert_eq!(after_one.next_crawl_at, after_one.backoff_until);
    assert_eq!(
        after_one.last_crawl.unwrap().errors_by_kind.get("http-500"),
        Some(&1)
    );

    crawler.crawl_source(source).await;
    let after_two = status();
    assert_eq!(after_two.consecutive_failures, 2);
    let finished = after_two.last_crawl.as_ref().unwrap().finished_at.unwrap();
    // Twice two hours would be four; the cap is three.
    assert_eq!(
        after_two.backoff_until,
        Some(finished + chrono::Duration::hours(3))
    );

    crawler.crawl_source(source).await;
    let recovered = status();
    assert_eq!(recovered.consecutive_failures, 0);
    assert_eq!(recovered.backoff_until, None);
    let finished = recovered.last_crawl.as_ref().unwrap().finished_at.unwrap();
    assert_eq!(
        recovered.next_crawl_at,
        Some(finished + chrono::Duration::hours(1))
    );
}

#[tokio::test]
async fn a_source_out_of_time_stops_and_keeps_what_it_stored() {
    let server = FixtureServer::start().await;
    let paths: Vec<String> = (0..6).map(|index| format!("/{index}.html")).collect();
    let pages: Vec<(&str, Option<&str>)> = paths.iter().map(|path| (path.as_str(), None)).collect();
    server.route("/sitemap.xml", sitemap(&pages));
    for path in &paths {
        server.route(
            path,
            article(path, "A page that takes a while.").with_delay(Duration::from_millis(300)),
        );
    }
    let config = config_with(
        &server,
        "source_time_budget = \"1s\"",
        &sitemap_source("site", "/sitemap.xml"),
    );
    let (crawler, store) = crawler(&config);

    let report = crawler.crawl_source(&config.sources[0]).await;

    assert!(report.budget_exhausted);
    assert!(
        report.error.is_none(),
        "running out of time is not a failure"
    );
    assert!(report.num_new >= 1 && report.num_new < 6, "{report:?}");
    // A page being stored when time ran out may land without being counted.
    assert!(store.num_documents().unwrap() >= report.num_new);
    let status = store.source_status("site").unwrap().unwrap();
    assert!(status.last_crawl.unwrap().budget_exhausted);
    assert_eq!(status.consecutive_failures, 0);
}
