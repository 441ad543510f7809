//! `inspect` on pages and feeds.

use agora_crawler::inspect::inspect;
use agora_crawler::testing::{FixtureResponse, FixtureServer, gzip};

use crate::common::{config, crawler, fixture_site};

#[tokio::test]
async fn a_page_is_explained() {
    let server = FixtureServer::serve_dir(&fixture_site()).await;
    let (crawler, _) = crawler(&config(&server, ""));
    let report = inspect(crawler.fetcher(), &server.url("/en/waiting-lists.html"))
        .await
        .unwrap();
    let page = report.page.unwrap();
    assert_eq!(report.read_as, "page");
    assert_eq!(
        page.title,
        "Cutting hospital waiting lists with a shared booking system"
    );
    assert_eq!(page.language, "en");
    assert!(
        page.language_reason.contains("declared"),
        "{}",
        page.language_reason
    );
    assert_eq!(
        page.published.unwrap().date_naive().to_string(),
        "2023-10-02"
    );
    assert!(
        page.dropped_blocks
            .iter()
            .any(|block| block.path.contains("newsletter")
                && block.reason.contains("`newsletter`")),
        "{:?}",
        page.dropped_blocks
    );
    assert!(page.canonical_reason.contains("no rel=canonical"));
    assert_eq!(
        page.published_source.as_deref(),
        Some("JSON-LD datePublished")
    );
    assert_eq!(page.title_source, "the main <h1>");
    assert_eq!(
        page.declared_language.as_deref(),
        Some("`en-GB` in <html lang>")
    );
    assert_eq!(page.detected_language.unwrap().lang, "en");
    let main_block = page.main_block.unwrap();
    assert_eq!(main_block.path, "body > div#content");
    assert!(main_block.score > 0.0);
}

#[tokio::test]
async fn a_feed_lists_its_entries() {
    let server = FixtureServer::serve_dir(&fixture_site()).await;
    let (crawler, _) = crawler(&config(&server, ""));
    let report = inspect(crawler.fetcher(), &server.url("/rss.xml"))
        .await
        .unwrap();
    assert_eq!(report.read_as, "feed");
    let feed = report.feed.unwrap();
    assert_eq!(feed.entries.len(), 2);
    assert!(!feed.entries[0].has_full_text);
}

#[tokio::test]
async fn a_sitemap_lists_its_locations() {
    let server = FixtureServer::serve_dir(&fixture_site()).await;
    let (crawler, _) = crawler(&config(&server, ""));
    let report = inspect(crawler.fetcher(), &server.url("/sitemap.xml"))
        .await
        .unwrap();
    assert_eq!(report.read_as, "sitemap");
    assert_eq!(report.sitemap.unwrap().len(), 2);
}

#[tokio::test]
async fn a_gzipped_sitemap_file_lists_its_locations() {
    let server = FixtureServer::start().await;
    let xml = "<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\
               <url><loc>https://example.org/a</loc></url></urlset>";
    server.route(
        "/sitemap.xml.gz",
        FixtureResponse::ok("application/gzip", gzip(xml.as_bytes())),
    );
    let (crawler, _) = crawler(&config(&server, ""));
    let report = inspect(crawler.fetcher(), &server.url("/sitemap.xml.gz"))
        .await
        .unwrap();
    assert_eq!(report.read_as, "sitemap");
    assert_eq!(report.sitemap.unwrap(), ["https://example.org/a"]);
}
