//! What the store remembers about each source's crawls.
//!
//! Statuses are stored as JSON; every field added after the first release has
//! `#[serde(default)]`, so statuses written by an older version still decode.

use std::collections::BTreeMap;

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
    /// Crawls in a row that failed as a whole; 0 after a success.
    #[serde(default)]
    pub consecutive_failures: u32,
    /// While the source keeps failing, the later crawl time its lengthened interval gives.
    #[serde(default)]
    pub backoff_until: Option<DateTime<Utc>>,
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
            consecutive_failures: 0,
            backoff_until: None,
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
    /// Requests answered `304 Not Modified`: the feed, sitemap or page had not changed.
    #[serde(default)]
    pub num_not_modified: u64,
    /// Sitemap pages not fetched because their `lastmod` is older than the last fetch.
    #[serde(default)]
    pub num_skipped_by_lastmod: u64,
    /// URLs not fetched because the host's robots.txt disallows them.
    #[serde(default)]
    pub num_robots_excluded: u64,
    /// Failed entries (and the source's own failure) by kind: `dns`, `tls`, `timeout`,
    /// `http-404`, `parse`, `content-type`...
    #[serde(default)]
    pub errors_by_kind: BTreeMap<String, u64>,
    /// Whether the crawl stopped because the source's time budget ran out; what was stored
    /// until then is kept.
    #[serde(default)]
    pub budget_exhausted: bool,
    /// Why the crawl failed as a whole (the feed itself could not be read), if it did.
    pub error: Option<String>,
    /// The kind of that error, as counted in `errors_by_kind`.
    #[serde(default)]
    pub error_kind: Option<String>,
    /// The last error met on a single entry, if any.
    pub last_entry_error: Option<String>,
}

impl CrawlReport {
    /// Tells whether the source as a whole could not be read.
    pub fn failed(&self) -> bool {
        self.error.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_stored_before_the_crawl_counters_still_decode() {
        let stored = r#"{"id":"a","name":"A","kind":"feed","location":"https://a.example/",
            "enabled":true,"last_crawl":{"started_at":null,"finished_at":null,"num_fetched":3,
            "num_new":1,"num_updated":0,"num_unchanged":2,"num_failed":0,"error":null,
            "last_entry_error":null},"last_success_at":null,"next_crawl_at":null}"#;
        let status: SourceStatus = serde_json::from_str(stored).unwrap();
        assert_eq!(status.consecutive_failures, 0);
        let report = status.last_crawl.unwrap();
        assert_eq!(report.num_fetched, 3);
        assert!(report.errors_by_kind.is_empty());
        assert_eq!(report.num_not_modified, 0);
    }
}
