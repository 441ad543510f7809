//! Recrawling each source on its interval while Agora serves, following configuration edits.
//!
//! The schedule keeps up to `max_concurrent_sources` crawls running, each in its own task, and
//! starts a source when it falls due: never crawled, or its last crawl finished one interval
//! ago (longer while it keeps failing, see [`backoff_interval`]). A long crawl of one source
//! therefore never delays another that falls due meanwhile. A new configuration (from
//! [`crate::reload`]) takes effect at once: added sources are due immediately, removed or
//! disabled ones have their running crawl stopped and are not started again, changed ones
//! are scheduled with their new interval and crawled with their new settings, and changed
//! `[crawler]` settings give a new fetcher to the crawls started from then on.

use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use agora_indexer::{SourceStatus, Store};
use chrono::{DateTime, Utc};
use tokio::sync::watch;
use tokio::task::{AbortHandle, JoinError, JoinSet};
use tracing::{debug, error, info, warn};

use crate::config::{Config, CrawlerSettings, SourceConfig, SourceKind};
use crate::crawl::{Crawler, register_sources};

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

/// Returns the enabled sources never crawled or whose next crawl time has come, local
/// sources first (they are quick and make a fresh install searchable at once).
pub fn due_sources<'a>(
    config: &'a Config,
    store: &Store,
    now: DateTime<Utc>,
) -> Vec<&'a SourceConfig> {
    let mut due: Vec<&SourceConfig> = config
        .sources
        .iter()
        .filter(|source| source.enabled)
        .filter(|source| match store.source_status(&source.id) {
            Ok(Some(status)) => {
                next_crawl_at(&status, source, &config.crawler).is_none_or(|next| next <= now)
            }
            Ok(None) => true,
            Err(error) => {
                warn!(source = %source.id, error = %error, "cannot read source status; crawling it");
                true
            }
        })
        .collect();
    due.sort_by_key(|source| source.kind != SourceKind::Local);
    due
}

/// Crawls sources as they fall due, following each configuration `configs` publishes,
/// until `shutdown` completes; running crawls are abandoned then.
pub async fn run_schedule(
    crawler: Crawler,
    store: Arc<Store>,
    mut configs: watch::Receiver<Arc<Config>>,
    shutdown: impl Future<Output = ()>,
) {
    tokio::pin!(shutdown);
    let mut config: Arc<Config> = configs.borrow_and_update().clone();
    let mut crawler = crawler;
    let mut running = RunningCrawls::default();
    let mut watching = true;
    refresh_next_crawls(&store, &config);
    loop {
        running.start_due(&crawler, &config, &store);
        tokio::select! {
            Some(joined) = running.tasks.join_next_with_id(), if !running.is_empty() => {
                running.finished(joined);
            }
            () = tokio::time::sleep(CHECK_INTERVAL) => {}
            changed = configs.changed(), if watching => {
                let Ok(()) = changed else {
                    // Nobody publishes configurations any more: keep the current one.
                    watching = false;
                    continue;
                };
                let new_config = configs.borrow_and_update().clone();
                crawler = apply_config(&crawler, &store, &mut running, &config, &new_config).await;
                config = new_config;
            }
            () = &mut shutdown => return,
        }
    }
}

/// Switches to `new`: stops the crawls of sources gone or disabled, updates the stored
/// source list and schedule, and returns the crawler to use from now on.
async fn apply_config(
    crawler: &Crawler,
    store: &Store,
    running: &mut RunningCrawls,
    old: &Config,
    new: &Config,
) -> Crawler {
    let stopped: Vec<String> = running
        .source_ids()
        .filter(|id| new.source(id).is_none_or(|source| !source.enabled))
        .collect();
    running.stop(&stopped).await;
    if let Err(error) = register_sources(store, &new.sources) {
        error!(error = %error, "cannot record the configured sources");
    }
    refresh_next_crawls(store, new);
    info!(
        num_sources = new.sources.len(),
        num_stopped = stopped.len(),
        "configuration applied"
    );
    if new.crawler == old.crawler {
        return crawler.clone();
    }
    match crawler.with_settings(new.crawler.clone()) {
        Ok(crawler) => crawler,
        Err(error) => {
            error!(error = %error, "cannot apply the new [crawler] settings; keeping the previous ones");
            crawler.clone()
        }
    }
}

/// Stores each source's next crawl time as its current interval and failures give it.
fn refresh_next_crawls(store: &Store, config: &Config) {
    for source in &config.sources {
        let status = match store.source_status(&source.id) {
            Ok(Some(status)) => status,
            Ok(None) => continue,
            Err(error) => {
                warn!(source = %source.id, error = %error, "cannot read source status");
                continue;
            }
        };
        let next = next_crawl_at(&status, source, &config.crawler);
        let backoff_until = next.filter(|_| status.consecutive_failures > 0);
        if status.next_crawl_at == next && status.backoff_until == backoff_until {
            continue;
        }
        let updated = SourceStatus {
            next_crawl_at: next,
            backoff_until,
            ..status
        };
        if let Err(error) = store.put_source_status(&updated) {
            warn!(source = %source.id, error = %error, "cannot record source status");
        }
    }
}

/// The crawls in progress, one task per source.
#[derive(Default)]
struct RunningCrawls {
    tasks: JoinSet<()>,
    sources_by_task: HashMap<tokio::task::Id, String>,
    tasks_by_source: HashMap<String, AbortHandle>,
}

impl RunningCrawls {
    fn is_empty(&self) -> bool {
        self.tasks.is_empty()
    }

    fn source_ids(&self) -> impl Iterator<Item = String> + '_ {
        self.tasks_by_source.keys().cloned()
    }

    /// Starts the due sources not already running, within `max_concurrent_sources`.
    fn start_due(&mut self, crawler: &Crawler, config: &Config, store: &Store) {
        let room = config
            .crawler
            .max_concurrent_sources
            .saturating_sub(self.tasks_by_source.len());
        let due: Vec<SourceConfig> = due_sources(config, store, Utc::now())
            .into_iter()
            .filter(|source| !self.tasks_by_source.contains_key(&source.id))
            .take(room)
            .cloned()
            .collect();
        for source in due {
            debug!(source = %source.id, "crawl started");
            let crawler = crawler.clone();
            let id = source.id.clone();
            let handle = self.tasks.spawn(async move {
                crawler.crawl_source(&source).await;
            });
            self.sources_by_task.insert(handle.id(), id.clone());
            self.tasks_by_source.insert(id, handle);
        }
    }

    /// Forgets a finished (or stopped) crawl.
    fn finished(&mut self, joined: Result<(tokio::task::Id, ()), JoinError>) {
        let task = match &joined {
            Ok((task, ())) => *task,
            Err(error) => error.id(),
        };
        let Some(source) = self.sources_by_task.remove(&task) else {
            return;
        };
        self.tasks_by_source.remove(&source);
        if let Err(error) = joined
            && error.is_panic()
        {
            error!(source = %source, error = %error, "crawl task panicked");
        }
    }

    /// Stops the crawls of `sources` and waits until they are gone, so that none records
    /// its status after the source was removed.
    async fn stop(&mut self, sources: &[String]) {
        for source in sources {
            if let Some(handle) = self.tasks_by_source.get(source) {
                handle.abort();
            }
        }
        while sources
            .iter()
            .any(|source| self.tasks_by_source.contains_key(source))
        {
            let Some(joined) = self.tasks.join_next_with_id().await else {
                break;
            };
            self.finished(joined);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn failures_double_the_interval_up_to_the_cap() {
        let hour = Duration::from_secs(3600);
        let cap = 10 * hour;
        assert_eq!(backoff_interval(hour, 0, cap), hour);
        assert_eq!(backoff_interval(hour, 1, cap), 2 * hour);
        assert_eq!(backoff_interval(hour, 3, cap), 8 * hour);
        assert_eq!(backoff_interval(hour, 4, cap), cap);
        assert_eq!(backoff_interval(hour, u32::MAX, cap), cap);
        // A cap below the interval never shortens it.
        assert_eq!(backoff_interval(20 * hour, 2, cap), 20 * hour);
    }
}
