//! What the store remembers about each source's crawls.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The state of one configured source, as editors see it in `agora sources status` and
/// `GET /api/sources`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SourceStatus {
    /// The source id from `sources.toml`.
    pub id: String,
    /// Its display name.
    pub name: String,
    /// `feed`, `sitemap`, `page` or `local`.
    pub kind: String,
    /// The URL (or, for local sources, the folder) it is read from.
    pub location: String,
    /// Whether the source is crawled.
    pub enabled: bool,
    /// Documents currently stored from this source; maintained by the store.
    #[serde(default)]
    pub num_documents: u64,
    /// The most recent crawl, finished or failed.
    pub last_crawl: Option<CrawlReport>,
    /// When the last crawl that did not fail as a whole finished.
    pub last_success_at: Option<DateTime<Utc>>,
    /// When the scheduler will crawl it next.
    pub next_crawl_at: Option<DateTime<Utc>>,
}

impl SourceStatus {
    /// Describes a configured source that has never been crawled.
    pub fn new(id: &str, name: &str, kind: &str, location: &str, enabled: bool) -> SourceStatus {
        SourceStatus {
            id: id.to_string(),
            name: name.to_string(),
            kind: kind.to_string(),
            location: location.to_string(),
            enabled,
            num_documents: 0,
            last_crawl: None,
            last_success_at: None,
            next_crawl_at: None,
        }
    }
}

/// The outcome of one crawl of one source.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CrawlReport {
    /// When the crawl started.
    pub started_at: Option<DateTime<Utc>>,
    /// When it ended.
    pub finished_at: Option<DateTime<Utc>>,
    /// Documents fetched and extracted.
    pub num_fetched: u64,
    /// Documents seen for the first time.
    pub num_new: u64,
    /// Documents whose content changed.
    pub num_updated: u64,
    /// Documents fetched again with identical content.
    pub num_unchanged: u64,
    /// Entries that could not be fetched or extracted.
    pub num_failed: u64,
    /// Why the crawl failed as a whole (the feed itself could not be read), if it did.
    pub error: Option<String>,
    /// The last error met on a single entry, if any.
    pub last_entry_error: Option<String>,
}

impl CrawlReport {
    /// Tells whether the source as a whole could not be read.
    pub fn failed(&self) -> bool {
        self.error.is_some()
    }
}
