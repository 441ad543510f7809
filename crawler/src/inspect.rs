//! `agora inspect URL`: what the crawler would store from one URL, and why.

use agora_indexer::ContentKind;
use chrono::{DateTime, Utc};
use serde::Serialize;
use url::Url;

use crate::charset::decode_html;
use crate::config::{Selectors, SourceConfig, SourceKind, SourceLocation};
use crate::crawl::CrawlError;
use crate::extract::{ExtractionMethod, ScoredBlock, extract_page_at};
use crate::feed::parse_feed;
use crate::fetcher::{FetchedResponse, Fetcher};
use crate::normalize::explain_canonical;
use crate::record::DocumentParts;
use crate::sitemap::{Sitemap, is_gzipped, parse_sitemap};

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

/// The document extracted from a page, with the reason for every choice.
#[derive(Debug, Clone, Serialize)]
pub struct PageReport {
    /// Canonical URL.
    pub canonical_url: String,
    /// Why that canonical URL: declaration, redirect, and every normalisation applied.
    pub canonical_reason: String,
    /// Tracking parameters removed from the URL.
    pub removed_parameters: Vec<String>,
    /// Character set and where it came from.
    pub charset: String,
    /// Title.
    pub title: String,
    /// Where the title came from, and the site name removed from it.
    pub title_source: String,
    /// Language code.
    pub language: String,
    /// Why that language.
    pub language_reason: String,
    /// The language the page declares, as written, and where.
    pub declared_language: Option<String>,
    /// What whatlang read in the text.
    pub detected_language: Option<DetectedLanguage>,
    /// Publication date.
    pub published: Option<DateTime<Utc>>,
    /// Where the date came from.
    pub published_source: Option<String>,
    /// Summary.
    pub summary: String,
    /// How the main text was found.
    pub extraction: String,
    /// The chosen block, when blocks were scored.
    pub main_block: Option<BlockReport>,
    /// The next best blocks, which lost.
    pub runners_up: Vec<BlockReport>,
    /// Blocks left out of the main text as boilerplate, with reasons.
    pub dropped_blocks: Vec<DroppedBlockReport>,
    /// The main text.
    pub body: String,
}

/// whatlang's reading of a page's text.
#[derive(Debug, Clone, Serialize)]
pub struct DetectedLanguage {
    /// ISO 639-1 code.
    pub lang: String,
    /// Confidence between 0 and 1.
    pub confidence: f64,
    /// Whether whatlang calls the reading reliable.
    pub is_reliable: bool,
}

/// A scored block.
#[derive(Debug, Clone, Serialize)]
pub struct BlockReport {
    /// CSS-like path.
    pub path: String,
    /// Score.
    pub score: f64,
    /// Text length after cleaning, in non-blank characters.
    pub num_chars: usize,
}

/// A block left out of the main text.
#[derive(Debug, Clone, Serialize)]
pub struct DroppedBlockReport {
    /// CSS-like path.
    pub path: String,
    /// Why it was dropped.
    pub reason: String,
    /// Its text length, in non-blank characters.
    pub num_chars: usize,
}

impl From<&ScoredBlock> for BlockReport {
    fn from(block: &ScoredBlock) -> Self {
        BlockReport {
            path: block.path.clone(),
            score: block.score,
            num_chars: block.num_chars,
        }
    }
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
        Sniffed::Page => report.page = Some(page_report(url, &response)?),
    }
    Ok(report)
}

fn page_report(requested: &Url, response: &FetchedResponse) -> Result<PageReport, CrawlError> {
    let (html, encoding, charset_source) =
        decode_html(&response.body, response.content_type.as_deref());
    let mut page =
        extract_page_at(&html, Some(&response.url), &Selectors::default()).map_err(|error| {
            CrawlError::Extract {
                url: response.url.to_string(),
                error,
            }
        })?;
    page.fall_back_on_header_language(response.content_language.as_deref());
    let canonical = explain_canonical(requested, &response.url, page.canonical.as_deref());
    let main_block = match &page.method {
        ExtractionMethod::Scored { path, score } => Some(BlockReport {
            path: path.clone(),
            score: *score,
            num_chars: page.body.chars().filter(|c| !c.is_whitespace()).count(),
        }),
        _ => None,
    };
    let title_source = match &page.stripped_site_name {
        Some(site) => format!("{}; site name `{site}` removed", page.title_source),
        None => page.title_source.to_string(),
    };
    let declared_language = page.declared_lang.as_ref().map(|lang| {
        format!(
            "`{lang}` in {}",
            page.declared_lang_from.unwrap_or("the page")
        )
    });
    let parts = DocumentParts {
        url: response.url.clone(),
        canonical: canonical.url.clone(),
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
        canonical_url: canonical.url.to_string(),
        canonical_reason: canonical.to_string(),
        removed_parameters: canonical.removed_parameters,
        charset: format!("{} ({charset_source})", encoding.name()),
        title: document.title,
        title_source,
        language: document.lang,
        language_reason: guess.reason.to_string(),
        declared_language,
        detected_language: guess.detected.map(|detection| DetectedLanguage {
            lang: detection.lang,
            confidence: detection.confidence,
            is_reliable: detection.is_reliable,
        }),
        published: document.published,
        published_source: page.published_from.map(|source| source.to_string()),
        summary: document.summary,
        extraction: page.method.to_string(),
        main_block,
        runners_up: page.runners_up.iter().map(BlockReport::from).collect(),
        dropped_blocks: page
            .dropped
            .iter()
            .map(|block| DroppedBlockReport {
                path: block.path.clone(),
                reason: block.reason.to_string(),
                num_chars: block.num_chars,
            })
            .collect(),
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
    // Of what a source can point at, only sitemaps are served as compressed files.
    if is_gzipped(&response.body) {
        return Sniffed::Sitemap;
    }
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
