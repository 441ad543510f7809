//! Shared set-up: the fixture site, a store and a source list pointing at the server.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use agora_crawler::testing::{FixtureResponse, FixtureServer, RecordedRequest};
use agora_crawler::{Config, Crawler};
use agora_indexer::Store;

pub fn fixture_site() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/site")
}

/// Parses a sources.toml whose `{{base}}` is the server's base URL, with no politeness delay
/// and quick retries.
pub fn config(server: &FixtureServer, sources: &str) -> Config {
    config_with(server, "", sources)
}

/// Like [`config`], with more `[crawler]` settings (one `key = value` a line).
pub fn config_with(server: &FixtureServer, crawler: &str, sources: &str) -> Config {
    let defaults = [
        "politeness_delay = \"0s\"",
        "request_timeout = \"5s\"",
        "retry_delay = \"10ms\"",
    ];
    let mut settings: Vec<&str> = defaults
        .into_iter()
        .filter(|default| {
            let key = default.split(' ').next().unwrap_or_default();
            !crawler.lines().any(|line| line.starts_with(key))
        })
        .collect();
    settings.extend(crawler.lines());
    let text = format!(
        "[crawler]\n{}\n\n{}",
        settings.join("\n"),
        sources.replace("{{base}}", &server.base())
    );
    Config::parse(&text, Path::new("sources.toml")).expect("test configuration is valid")
}

pub fn crawler(config: &Config) -> (Crawler, Arc<Store>) {
    let store = Arc::new(Store::open_temporary().unwrap());
    let crawler = Crawler::new(config.crawler.clone(), Arc::clone(&store)).unwrap();
    (crawler, store)
}

/// An HTML article page with `text` as its main content.
pub fn article(title: &str, text: &str) -> FixtureResponse {
    FixtureResponse::ok("text/html; charset=utf-8", article_html(title, text))
}

pub fn article_html(title: &str, text: &str) -> String {
    format!(
        "<!doctype html><html lang=\"en\"><head><title>{title}</title></head><body><article>\
         <h1>{title}</h1><p>{text} This paragraph explains how a city council organised the \
         service, what it cost, and what residents said about it a year later.</p></article>\
         </body></html>"
    )
}

/// A sitemap listing `paths` on `{{base}}`, each with an optional `lastmod`.
pub fn sitemap(pages: &[(&str, Option<&str>)]) -> FixtureResponse {
    let mut xml = String::from(
        "<?xml version=\"1.0\"?><urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">",
    );
    for (path, lastmod) in pages {
        xml.push_str(&format!("<url><loc>{{{{base}}}}{path}</loc>"));
        if let Some(lastmod) = lastmod {
            xml.push_str(&format!("<lastmod>{lastmod}</lastmod>"));
        }
        xml.push_str("</url>");
    }
    xml.push_str("</urlset>");
    FixtureResponse::ok("application/xml", xml)
}

/// An RSS feed whose entries are teasers linking to `paths` on `{{base}}`.
pub fn teaser_feed(paths: &[&str]) -> FixtureResponse {
    let mut xml = String::from(
        "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>News</title>\
         <link>{{base}}/</link><description>News</description>",
    );
    for path in paths {
        xml.push_str(&format!(
            "<item><title>Entry {path}</title><link>{{{{base}}}}{path}</link>\
             <description>Short teaser.</description></item>"
        ));
    }
    xml.push_str("</channel></rss>");
    FixtureResponse::ok("application/rss+xml", xml)
}

/// Returns the gaps between the arrivals of consecutive `requests`.
pub fn gaps(requests: &[RecordedRequest]) -> Vec<Duration> {
    requests
        .windows(2)
        .map(|pair| pair[1].at.duration_since(pair[0].at))
        .collect()
}

pub fn page_source(id: &str, path: &str) -> String {
    format!(
        "[[source]]\nid = \"{id}\"\nkind = \"page\"\nurl = \"{{{{base}}}}{path}\"\ncountry = \"INT\"\n"
    )
}

pub fn sitemap_source(id: &str, path: &str) -> String {
    format!(
        "[[source]]\nid = \"{id}\"\nkind = \"sitemap\"\nurl = \"{{{{base}}}}{path}\"\ncountry = \"INT\"\n"
    )
}

pub fn feed_source(id: &str, path: &str) -> String {
    format!(
        "[[source]]\nid = \"{id}\"\nkind = \"feed\"\nurl = \"{{{{base}}}}{path}\"\ncountry = \"INT\"\n"
    )
}
