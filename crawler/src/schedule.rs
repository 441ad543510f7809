//! Recrawling each source on its interval while Agora serves.

use std::future::Future;
use std::time::Duration;

use agora_indexer::{SourceStatus, Store};
use chrono::{DateTime, Utc};
use tracing::{info, warn};

use crate::config::{CrawlerSettings, SourceConfig};
use crate::crawl::Crawler;

/// How often the schedule looks for sources that are due.
const CHECK_INTERVAL: Duration = Duration::from_secs(30);

/// Returns the interval before the next crawl of a source that failed
/// `consecutive_failures` times in a row: its interval, doubled for each failure, up to
/// `max_backoff` (or the interval itself, if that is longer).
pub fn backoff_interval(
    interval: Duration,
    consecutive_failures: u32,
    max_backoff: Duration,
) -> Duration {
    let factor = 1u32 << consecutive_failures.min(16);
    interval
        .saturating_mul(factor)
        .min(max_backoff.max(interval))
}

/// Returns when `source` should next be crawled, from its last crawl, its configured
/// interval and its failures; `None` when it was never crawled.
pub fn next_crawl_at(
    status: &SourceStatus,
    source: &SourceConfig,
    settings: &CrawlerSettings,
) -> Option<DateTime<Utc>> {
    let finished = status.last_crawl.as_ref()?.finished_at?;
    let wait = backoff_interval(
        source.interval(settings),
        status.consecutive_failures,
        settings.max_backoff,
    );
    let wait = chrono::Duration::from_std(wait).unwrap_or(chrono::Duration::MAX);
    Some(
        finished
            .checked_add_signed(wait)
            .unwrap_or(DateTime::<Utc>::MAX_UTC),
    )
}

/// Returns the enabled sources never crawled or whose next crawl time has come.
pub fn due_sources<'a>(
    sources: &'a [SourceConfig],
    store: &Store,
    now: DateTime<Utc>,
) -> Vec<&'a SourceConfig> {
    sources
        .iter()
        .filter(|source| source.enabled)
        .filter(|source| match store.source_status(&source.id) {
            Ok(Some(status)) => status.last_crawl.is_none() || status.next_crawl_at.is_none_or(|next| next <= now),
            Ok(None) => true,
            Err(error) => {
                warn!(source = %source.id, error = %error, "cannot read source status; crawling it");
                true
            }
        })
        .collect()
}

/// Crawls due sources until `shutdown` completes; an unfinished pass is abandoned then.
pub async fn run_schedule(
    crawler: Crawler,
    store: &Store,
    sources: Vec<SourceConfig>,
    shutdown: impl Future<Output = ()>,
) {
    tokio::pin!(shutdown);
    loop {
        let due: Vec<SourceConfig> = due_sources(&sources, store, Utc::now())
            .into_iter()
            .cloned()
            .collect();
        if !due.is_empty() {
            info!(num_sources = due.len(), "crawl pass started");
            tokio::select! {
                _ = crawler.crawl_all(&due) => info!(num_sources = due.len(), "crawl pass finished"),
                () = &mut shutdown => return,
            }
        }
        tokio::select! {
            () = tokio::time::sleep(CHECK_INTERVAL) => {}
            () = &mut shutdown => return,
        }
    }
}
