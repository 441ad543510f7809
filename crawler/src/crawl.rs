//! Crawling sources: fetch, extract, store, and record how it went.
//!
//! Entries stream through one at a time: a feed's entry is fetched, extracted and stored
//! before the next is looked at, so memory does not grow with the size of a source. A failed
//! entry is counted and logged and the crawl goes on; a source that cannot be read at all
//! (its feed is unreachable or malformed) records its error and never affects the others.

use std::sync::Arc;

use agora_indexer::{CrawlReport, IndexerError, PutOutcome, SourceStatus, Store};
use chrono::Utc;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tracing::{info, instrument, warn};
use url::Url;

use crate::config::{CrawlerSettings, SourceConfig, SourceKind, SourceLocation};
use crate::extract::{ExtractError, extract_page_at};
use crate::feed::{FeedEntry, FeedError, ParsedFeed, parse_feed};
use crate::fetcher::{FetchError, FetchedResponse, Fetcher};
use crate::local::{self, LocalError};
use crate::normalize::{canonicalize, choose_canonical};
use crate::record::{DocumentParts, RecordError};
use crate::sitemap::{Sitemap, SitemapError, parse_sitemap};

/// Child sitemaps read from one sitemap index per pass.
const MAX_CHILD_SITEMAPS: usize = 50;

/// Why a source or one of its entries could not be crawled.
#[derive(Debug, thiserror::Error)]
pub enum CrawlError {
    /// Fetching failed.
    #[error("{url}: {error}")]
    Fetch {
        /// What was fetched.
        url: String,
        /// Why it failed.
        error: FetchError,
    },
    /// The feed is malformed.
    #[error(transparent)]
    Feed(#[from] FeedError),
    /// The sitemap is malformed.
    #[error(transparent)]
    Sitemap(#[from] SitemapError),
    /// A local file is unreadable.
    #[error(transparent)]
    Local(#[from] LocalError),
    /// The page could not be parsed.
    #[error("{url}: {error}")]
    Extract {
        /// The page.
        url: String,
        /// Why.
        error: ExtractError,
    },
    /// The response is not HTML.
    #[error("{url}: content type `{content_type}` is not HTML; skipped")]
    NotHtml {
        /// The page.
        url: String,
        /// What the server said it is.
        content_type: String,
    },
    /// The extracted parts do not make a document.
    #[error("{url}: {error}")]
    Record {
        /// The page or file.
        url: String,
        /// Why.
        error: RecordError,
    },
    /// A feed entry has neither a link nor full text.
    #[error("feed entry `{title}` has no link to its article")]
    NoLink {
        /// The entry's title.
        title: String,
    },
    /// The store failed; the crawl stops, since nothing more could be saved.
    #[error(transparent)]
    Store(#[from] IndexerError),
}

impl CrawlError {
    /// Returns a short stable name of the kind of error, for status pages.
    pub fn kind(&self) -> &'static str {
        match self {
            CrawlError::Fetch { error, .. } => error.kind(),
            CrawlError::Feed(_) | CrawlError::Sitemap(_) | CrawlError::Extract { .. } => "parse",
            CrawlError::Local(_) => "local",
            CrawlError::NotHtml { .. } => "content-type",
            CrawlError::Record { .. } | CrawlError::NoLink { .. } => "content",
            CrawlError::Store(_) => "store",
        }
    }
}

/// What happened to one entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryOutcome {
    /// Stored for the first time.
    New,
    /// Stored again with changed content.
    Updated,
    /// Fetched again with unchanged content; not rewritten.
    Unchanged,
    /// The same text is already stored under another URL; not stored again (counted with the
    /// unchanged entries in reports).
    Duplicate,
    /// Could not be fetched or extracted.
    Failed,
}

/// Receives progress while sources are crawled (progress bars, index triggers).
pub trait CrawlObserver: Send + Sync {
    /// Called after each entry.
    fn entry_done(&self, _source_id: &str, _outcome: EntryOutcome) {}
    /// Called when a source's crawl ends, successfully or not.
    fn source_done(&self, _source_id: &str, _report: &CrawlReport) {}
}

struct NoObserver;

impl CrawlObserver for NoObserver {}

/// Crawls sources into a store. Cheap to clone; clones share the fetcher and its throttle.
#[derive(Clone)]
pub struct Crawler {
    fetcher: Arc<Fetcher>,
    store: Arc<Store>,
    settings: Arc<CrawlerSettings>,
    observer: Arc<dyn CrawlObserver>,
}

impl Crawler {
    /// Creates a crawler that stores into `store`.
    pub fn new(settings: CrawlerSettings, store: Arc<Store>) -> Result<Crawler, CrawlError> {
        let fetcher = Fetcher::new(&settings).map_err(|error| CrawlError::Fetch {
            url: String::new(),
            error,
        })?;
        Ok(Crawler {
            fetcher: Arc::new(fetcher),
            store,
            settings: Arc::new(settings),
            observer: Arc::new(NoObserver),
        })
    }

    /// Reports progress to `observer`.
    pub fn with_observer(mut self, observer: Arc<dyn CrawlObserver>) -> Crawler {
        self.observer = observer;
        self
    }

    /// Returns the fetcher, for one-off fetches such as `agora inspect`.
    pub fn fetcher(&self) -> &Fetcher {
        &self.fetcher
    }

    /// Crawls `sources`, several at a time; local sources go first since they are fast and
    /// make a fresh install searchable at once. Returns each source's report, in input order.
    pub async fn crawl_all(&self, sources: &[SourceConfig]) -> Vec<(String, CrawlReport)> {
        let permits = Arc::new(Semaphore::new(self.settings.max_concurrent_sources));
        let mut order: Vec<usize> = (0..sources.len()).collect();
        order.sort_by_key(|&index| sources[index].kind != SourceKind::Local);

        let mut tasks = JoinSet::new();
        for index in order {
            let crawler = self.clone();
            let source = sources[index].clone();
            let permits = Arc::clone(&permits);
            tasks.spawn(async move {
                let _permit = permits
                    .acquire_owned()
                    .await
                    .expect("the semaphore is never closed");
                (index, crawler.crawl_source(&source).await)
            });
        }

        let mut reports: Vec<Option<(String, CrawlReport)>> = vec![None; sources.len()];
        while let Some(joined) = tasks.join_next().await {
            match joined {
                Ok((index, report)) => reports[index] = Some((sources[index].id.clone(), report)),
                Err(error) => warn!(error = %error, "crawl task ended abnormally"),
            }
        }
        reports.into_iter().flatten().collect()
    }

    /// Crawls one source and records its status in the store.
    #[instrument(skip_all, fields(source = %source.id, kind = %source.kind))]
    pub async fn crawl_source(&self, source: &SourceConfig) -> CrawlReport {
        let mut tally = Tally::new(source, Arc::clone(&self.observer));
        let result = match source.kind {
            SourceKind::Feed => self.crawl_feed(source, &mut tally).await,
            SourceKind::Sitemap => self.crawl_sitemap(source, &mut tally).await,
            SourceKind::Page => self.crawl_page(source, &mut tally).await,
            SourceKind::Local => {
                let (finished, result) = self.crawl_local(source, tally).await;
                tally = finished;
                result
            }
        };
        if let Err(error) = result {
            warn!(source = %source.id, error_kind = error.kind(), error = %error, "source crawl failed");
            tally.report.error = Some(error.to_string());
        }

        let report = tally.finish();
        if let Err(error) = record_status(&self.store, source, &self.settings, &report) {
            warn!(source = %source.id, error = %error, "cannot record source status");
        }
        if !report.failed() {
            info!(
            source = %source.id,
            num_fetched = report.num_fetched,
            num_new = report.num_new,
            num_updated = report.num_updated,
            num_unchanged = report.num_unchanged,
            num_failed = report.num_failed,
            "source crawled"
            );
        }
        self.observer.source_done(&source.id, &report);
        report
    }

    async fn crawl_feed(&self, source: &SourceConfig, tally: &mut Tally) -> Result<(), CrawlError> {
        let url = source_url(source);
        let response = self.fetch(url).await?;
        let feed = parse_feed(&response.body, &response.url)?;
        for entry in feed.entries.iter().take(source.max_pages(&self.settings)) {
            let result = self.feed_entry_document(source, &feed, entry).await;
            tally.add(self.store_parts(source, result).await)?;
        }
        Ok(())
    }

    async fn feed_entry_document(
        &self,
        source: &SourceConfig,
        feed: &ParsedFeed,
        entry: &FeedEntry,
    ) -> Result<DocumentParts, CrawlError> {
        let declared_lang = feed.language.clone();
        let Some(link) = &entry.link else {
            return Err(CrawlError::NoLink {
                title: entry.title.clone(),
            });
        };
        if entry.has_full_text() {
            return Ok(DocumentParts {
                url: link.clone(),
                canonical: canonicalize(link),
                title: entry.title.clone(),
                summary: entry.summary.clone(),
                body: entry.content.clone(),
                declared_lang,
                published: entry.published,
                country: None,
                topics: None,
                kind: None,
            });
        }

        // A teaser: the article itself is on the linked page.
        let mut parts = self.page_document(source, link).await?;
        if !entry.title.is_empty() {
            parts.title = entry.title.clone();
        }
        if !entry.summary.is_empty() {
            parts.summary = entry.summary.clone();
        }
        if parts.body.trim().is_empty() {
            parts.body = if entry.content.is_empty() {
                entry.summary.clone()
            } else {
                entry.content.clone()
            };
        }
        parts.published = entry.published.or(parts.published);
        parts.declared_lang = parts.declared_lang.or(declared_lang);
        Ok(parts)
    }

    async fn crawl_sitemap(
        &self,
        source: &SourceConfig,
        tally: &mut Tally,
    ) -> Result<(), CrawlError> {
        let max_pages = source.max_pages(&self.settings);
        let response = self.fetch(source_url(source)).await?;
        let sitemaps = match parse_sitemap(&response.body, &response.url)? {
            Sitemap::Urls(urls) => vec![Sitemap::Urls(urls)],
            Sitemap::Index(children) => {
                let mut sitemaps = Vec::new();
                for child in children.iter().take(MAX_CHILD_SITEMAPS) {
                    match self
                        .fetch(child)
                        .await
                        .and_then(|response| Ok(parse_sitemap(&response.body, &response.url)?))
                    {
                        Ok(sitemap @ Sitemap::Urls(_)) => sitemaps.push(sitemap),
                        Ok(Sitemap::Index(_)) => {
                            warn!(source = %source.id, url = %child, "nested sitemap index ignored")
                        }
                        Err(error) => tally.add(Err(error))?,
                    }
                }
                sitemaps
            }
        };

        let mut num_pages = 0;
        for sitemap in sitemaps {
            let Sitemap::Urls(mut urls) = sitemap else {
                continue;
            };
            // With a page budget, the most recently changed pages matter most.
            urls.sort_by_key(|entry| std::cmp::Reverse(entry.lastmod));
            for entry in urls {
                if num_pages == max_pages {
                    return Ok(());
                }
                num_pages += 1;
                let result = self.page_document(source, &entry.loc).await;
                tally.add(self.store_parts(source, result).await)?;
            }
        }
        Ok(())
    }

    async fn crawl_page(&self, source: &SourceConfig, tally: &mut Tally) -> Result<(), CrawlError> {
        let parts = self.page_document(source, source_url(source)).await?;
        tally.add(self.store_parts(source, Ok(parts)).await)
    }

    /// Reads a local folder on a blocking thread; the tally comes back whatever happens.
    async fn crawl_local(
        &self,
        source: &SourceConfig,
        mut tally: Tally,
    ) -> (Tally, Result<(), CrawlError>) {
        let SourceLocation::Path(root) = source.location.clone() else {
            unreachable!("configuration validation gives local sources a path");
        };
        let store = Arc::clone(&self.store);
        let source = source.clone();
        let max_bytes = self.settings.max_body_bytes;
        let task = tokio::task::spawn_blocking(move || {
            let result = read_local(&root, &source, &store, max_bytes, &mut tally);
            (tally, result)
        });
        task.await.expect("local crawl does not panic")
    }

    /// Fetches and extracts one HTML page.
    async fn page_document(
        &self,
        source: &SourceConfig,
        url: &Url,
    ) -> Result<DocumentParts, CrawlError> {
        let response = self.fetch(url).await?;
        if !is_html(&response) {
            return Err(CrawlError::NotHtml {
                url: response.url.to_string(),
                content_type: response.content_type.unwrap_or_default(),
            });
        }
        let selectors = source.selectors.clone();
        let final_url = response.url.clone();
        let (page, final_url) = tokio::task::spawn_blocking(move || {
            let (html, _, _) =
                crate::charset::decode_html(&response.body, response.content_type.as_deref());
            (
                extract_page_at(&html, Some(&final_url), &selectors),
                final_url,
            )
        })
        .await
        .expect("extraction does not panic");
        let page = page.map_err(|error| CrawlError::Extract {
            url: final_url.to_string(),
            error,
        })?;

        let (canonical, _) = choose_canonical(&final_url, page.canonical.as_deref());
        Ok(DocumentParts {
            url: final_url,
            canonical,
            title: page.title,
            summary: page.summary,
            body: page.body,
            declared_lang: page.declared_lang,
            published: page.published,
            country: None,
            topics: None,
            kind: None,
        })
    }

    async fn fetch(&self, url: &Url) -> Result<FetchedResponse, CrawlError> {
        self.fetcher
            .get(url)
            .await
            .map_err(|error| CrawlError::Fetch {
                url: url.to_string(),
                error,
            })
    }

    async fn store_parts(
        &self,
        source: &SourceConfig,
        parts: Result<DocumentParts, CrawlError>,
    ) -> Result<PutOutcome, CrawlError> {
        let parts = parts?;
        let url = parts.url.to_string();
        let (document, _) = parts
            .into_document(source)
            .map_err(|error| CrawlError::Record { url, error })?;
        let store = Arc::clone(&self.store);
        let outcome = tokio::task::spawn_blocking(move || store.put_document(&document))
            .await
            .expect("storing does not panic")?;
        Ok(outcome)
    }
}

fn read_local(
    root: &std::path::Path,
    source: &SourceConfig,
    store: &Store,
    max_bytes: u64,
    tally: &mut Tally,
) -> Result<(), CrawlError> {
    let files = local::list_files(root)?;
    let max_files = source.max_pages.unwrap_or(usize::MAX);
    for path in files.iter().take(max_files) {
        for result in local::read_file(root, path, source, max_bytes) {
            let outcome = result.map_err(CrawlError::from).and_then(|parts| {
                let url = parts.url.to_string();
                let (document, _) = parts
                    .into_document(source)
                    .map_err(|error| CrawlError::Record { url, error })?;
                Ok(store.put_document(&document)?)
            });
            tally.add(outcome)?;
        }
    }
    Ok(())
}

/// Counts a crawl's outcomes as they happen.
struct Tally {
    source_id: String,
    report: CrawlReport,
    observer: Arc<dyn CrawlObserver>,
}

impl Tally {
    fn new(source: &SourceConfig, observer: Arc<dyn CrawlObserver>) -> Tally {
        Tally {
            source_id: source.id.clone(),
            report: CrawlReport {
                started_at: Some(Utc::now()),
                ..CrawlReport::default()
            },
            observer,
        }
    }

    /// Counts one entry. A store failure is returned: nothing further could be saved.
    fn add(&mut self, outcome: Result<PutOutcome, CrawlError>) -> Result<(), CrawlError> {
        let entry_outcome = match outcome {
            Ok(PutOutcome::New) => EntryOutcome::New,
            Ok(PutOutcome::Updated) => EntryOutcome::Updated,
            Ok(PutOutcome::Unchanged) => EntryOutcome::Unchanged,
            Ok(PutOutcome::Duplicate) => EntryOutcome::Duplicate,
            Err(CrawlError::Store(error)) => return Err(CrawlError::Store(error)),
            Err(error) => {
                warn!(source = %self.source_id, error_kind = error.kind(), error = %error, "entry skipped");
                self.report.last_entry_error = Some(error.to_string());
                EntryOutcome::Failed
            }
        };
        match entry_outcome {
            EntryOutcome::New => self.report.num_new += 1,
            EntryOutcome::Updated => self.report.num_updated += 1,
            EntryOutcome::Unchanged | EntryOutcome::Duplicate => self.report.num_unchanged += 1,
            EntryOutcome::Failed => self.report.num_failed += 1,
        }
        if entry_outcome != EntryOutcome::Failed {
            self.report.num_fetched += 1;
        }
        self.observer.entry_done(&self.source_id, entry_outcome);
        Ok(())
    }

    fn finish(mut self) -> CrawlReport {
        self.report.finished_at = Some(Utc::now());
        self.report
    }
}

fn source_url(source: &SourceConfig) -> &Url {
    match &source.location {
        SourceLocation::Url(url) => url,
        SourceLocation::Path(_) => {
            unreachable!("configuration validation gives remote sources a URL")
        }
    }
}

fn is_html(response: &FetchedResponse) -> bool {
    match response.content_type.as_deref() {
        Some(content_type) => {
            let mime = content_type
                .split(';')
                .next()
                .unwrap_or_default()
                .trim()
                .to_ascii_lowercase();
            mime == "text/html" || mime == "application/xhtml+xml"
        }
        None => {
            response
                .body
                .iter()
                .find(|byte| !byte.is_ascii_whitespace())
                == Some(&b'<')
        }
    }
}

/// Makes the store list exactly the configured sources, keeping their crawl history.
pub fn register_sources(store: &Store, sources: &[SourceConfig]) -> Result<(), IndexerError> {
    for source in sources {
        store.put_source_status(&configured_status(store, source)?)?;
    }
    let ids: Vec<&str> = sources.iter().map(|source| source.id.as_str()).collect();
    store.retain_sources(&ids)
}

/// Returns the stored status of `source` with its configuration refreshed, or a new one.
fn configured_status(store: &Store, source: &SourceConfig) -> Result<SourceStatus, IndexerError> {
    let location = source.location.to_string();
    Ok(match store.source_status(&source.id)? {
        Some(mut status) => {
            status.name.clone_from(&source.name);
            status.kind = source.kind.to_string();
            status.location = location;
            status.enabled = source.enabled;
            status
        }
        None => SourceStatus::new(
            &source.id,
            &source.name,
            source.kind.as_str(),
            &location,
            source.enabled,
        ),
    })
}

fn record_status(
    store: &Store,
    source: &SourceConfig,
    settings: &CrawlerSettings,
    report: &CrawlReport,
) -> Result<(), IndexerError> {
    let mut status = configured_status(store, source)?;
    status.last_crawl = Some(report.clone());
    if !report.failed() {
        status.last_success_at = report.finished_at;
    }
    let interval =
        chrono::Duration::from_std(source.interval(settings)).unwrap_or(chrono::Duration::hours(6));
    status.next_crawl_at = report.finished_at.map(|finished| finished + interval);
    store.put_source_status(&status)
}
