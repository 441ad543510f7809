//! What the crawler remembers about each URL it fetched, for conditional requests.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The validators and time of the last successful fetch of one URL.
///
/// The crawler sends them back as `If-None-Match` and `If-Modified-Since` on the next crawl,
/// so that an unchanged feed, sitemap or page costs a `304 Not Modified` and no body, and
/// compares a sitemap's `lastmod` with `fetched_at` to skip pages that did not change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FetchState {
    /// The `ETag` the server sent, verbatim (quotes and `W/` included).
    #[serde(default)]
    pub etag: Option<String>,
    /// The `Last-Modified` date the server sent, verbatim.
    #[serde(default)]
    pub last_modified: Option<String>,
    /// When the URL was last fetched successfully (a full answer or a 304).
    pub fetched_at: DateTime<Utc>,
    /// The URL that finally answered, after redirects, when it differs from the one asked.
    #[serde(default)]
    pub final_url: Option<String>,
}

impl FetchState {
    /// Tells whether there is a validator to send with a conditional request.
    pub fn has_validators(&self) -> bool {
        self.etag.is_some() || self.last_modified.is_some()
    }
}
