//! `agora inspect URL`: what the crawler would store from one URL, and why.

use agora_indexer::ContentKind;
use chrono::{DateTime, Utc};
use serde::Serialize;
use url::Url;

use crate::charset::decode_html;
use crate::config::{Selectors, SourceConfig, SourceKind, SourceLocation};
use crate::crawl::CrawlError;
use crate::extract::extract_page;
use crate::feed::parse_feed;
use crate::fetcher::{FetchedResponse, Fetcher};
use crate::normalize::choose_canonical;
use crate::record::DocumentParts;
use crate::sitemap::{Sitemap, parse_sitemap};

/// Everything `inspect` found.
#[derive(Debug, Clone, Serialize)]
pub struct InspectReport {
    /// The URL asked for.
    pub url: String,
    /// The URL that answered, after redirects.
    pub final_url: String,
    /// HTTP status.
    pub status: u16,
    /// The response's content type.
    pub content_type: Option<String>,
    /// What the response was read as.
    pub read_as: &'static str,
    /// The document a page would become.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub page: Option<PageReport>,
    /// A feed's entries.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub feed: Option<FeedReport>,
    /// A sitemap's locations.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sitemap: Option<Vec<String>>,
}

/// The document extracted from a page.
#[derive(Debug, Clone, Serialize)]
pub struct PageReport {
    /// Canonical URL.
    pub canonical_url: String,
    /// Why that canonical URL.
    pub canonical_reason: String,
    /// Character set and where it came from.
    pub charset: String,
    /// Title.
    pub title: String,
    /// Language code.
    pub language: String,
    /// Why that language.
    pub language_reason: String,
    /// Publication date.
    pub published: Option<DateTime<Utc>>,
    /// Summary.
    pub summary: String,
    /// How the main text was found.
    pub extraction: String,
    /// Blocks left out of the main text.
    pub dropped_blocks: Vec<String>,
    /// The main text.
    pub body: String,
}

/// A feed's entries.
#[derive(Debug, Clone, Serialize)]
pub struct FeedReport {
    /// The feed's title.
    pub title: String,
    /// Its declared language.
    pub language: Option<String>,
    /// Its entries.
    pub entries: Vec<FeedEntryReport>,
}

/// One feed entry.
#[derive(Debug, Clone, Serialize)]
pub struct FeedEntryReport {
    /// Title.
    pub title: String,
    /// Link to the article.
    pub link: Option<String>,
    /// Publication date.
    pub published: Option<DateTime<Utc>>,
    /// Whether the feed carries the full text (otherwise the page is fetched).
    pub has_full_text: bool,
}

/// Fetches `url` and reports what the crawler would make of it.
pub async fn inspect(fetcher: &Fetcher, url: &Url) -> Result<InspectReport, CrawlError> {
    let response = fetcher.get(url).await.map_err(|error| CrawlError::Fetch {
        url: url.to_string(),
        error,
    })?;
    let mut report = InspectReport {
        url: url.to_string(),
        final_url: response.url.to_string(),
        status: response.status,
        content_type: response.content_type.clone(),
        read_as: "page",
        page: None,
        feed: None,
        sitemap: None,
    };

    match sniff(&response) {
        Sniffed::Sitemap => {
            let sitemap = parse_sitemap(&response.body, &response.url)?;
            let (read_as, locations) = match sitemap {
                Sitemap::Urls(urls) => (
                    "sitemap",
                    urls.into_iter()
                        .map(|entry| entry.loc.to_string())
                        .collect(),
                ),
                Sitemap::Index(children) => (
                    "sitemap index",
                    children.into_iter().map(String::from).collect(),
                ),
            };
            report.read_as = read_as;
            report.sitemap = Some(locations);
        }
        Sniffed::Feed => {
            let feed = parse_feed(&response.body, &response.url)?;
            report.read_as = "feed";
            report.feed = Some(FeedReport {
                title: feed.title,
                language: feed.language,
                entries: feed
                    .entries
                    .iter()
                    .map(|entry| FeedEntryReport {
                        title: entry.title.clone(),
                        link: entry.link.as_ref().map(Url::to_string),
                        published: entry.published,
                        has_full_text: entry.has_full_text(),
                    })
                    .collect(),
            });
        }
        Sniffed::Page => report.page = Some(page_report(&response)?),
    }
    Ok(report)
}

fn page_report(response: &FetchedResponse) -> Result<PageReport, CrawlError> {
    let (html, encoding, charset_source) =
        decode_html(&response.body, response.content_type.as_deref());
    let page = extract_page(&html, &Selectors::default()).map_err(|error| CrawlError::Extract {
        url: response.url.to_string(),
        error,
    })?;
    let (canonical, canonical_reason) = choose_canonical(&response.url, page.canonical.as_deref());
    let parts = DocumentParts {
        url: response.url.clone(),
        canonical: canonical.clone(),
        title: page.title,
        summary: page.summary,
        body: page.body,
        declared_lang: page.declared_lang,
        published: page.published,
        country: None,
        topics: None,
        kind: None,
    };
    let (document, guess) = parts
        .into_document(&adhoc_source(&response.url))
        .map_err(|error| CrawlError::Record {
            url: response.url.to_string(),
            error,
        })?;
    Ok(PageReport {
        canonical_url: canonical.to_string(),
        canonical_reason: canonical_reason.to_string(),
        charset: format!("{} ({charset_source})", encoding.name()),
        title: document.title,
        language: document.lang,
        language_reason: guess.reason.to_string(),
        published: document.published,
        summary: document.summary,
        extraction: page.method.to_string(),
        dropped_blocks: page.dropped,
        body: document.body,
    })
}

/// A stand-in source for a URL that belongs to no configured source.
fn adhoc_source(url: &Url) -> SourceConfig {
    SourceConfig {
        id: "inspect".to_string(),
        name: "inspect".to_string(),
        kind: SourceKind::Page,
        location: SourceLocation::Url(url.clone()),
        country: agora_indexer::country::INTERNATIONAL.to_string(),
        language: None,
        topics: Vec::new(),
        content: ContentKind::Article,
        interval: None,
        enabled: true,
        max_pages: None,
        weight: None,
        selectors: Selectors::default(),
        line: 0,
    }
}

enum Sniffed {
    Page,
    Feed,
    Sitemap,
}

/// Decides how to read a response from its content type, then from its first bytes.
fn sniff(response: &FetchedResponse) -> Sniffed {
    let head_len = response.body.len().min(2048);
    let head = String::from_utf8_lossy(&response.body[..head_len]).to_ascii_lowercase();
    if head.contains("<urlset") || head.contains("<sitemapindex") {
        return Sniffed::Sitemap;
    }
    let mime = response
        .content_type
        .as_deref()
        .and_then(|content_type| content_type.split(';').next())
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    let trimmed = head.trim_start();
    let looks_like_feed = mime.contains("rss")
        || mime.contains("atom")
        || mime.contains("feed+json")
        || trimmed.starts_with("<rss")
        || trimmed.starts_with("<feed")
        || trimmed.starts_with("<rdf")
        || (trimmed.starts_with("<?xml")
            && (head.contains("<rss") || head.contains("<feed") || head.contains("<rdf")))
        || (trimmed.starts_with('{') && head.contains("jsonfeed.org"));
    if looks_like_feed {
        Sniffed::Feed
    } else {
        Sniffed::Page
    }
}
