//! Crawling sources: fetch, extract, store, and record how it went.
//!
//! Entries stream through a few at a time ([`ENTRIES_IN_FLIGHT`]): a feed's entry is fetched,
//! extracted and stored while the next ones are fetched, so memory does not grow with the size
//! of a source. A failed entry is counted and logged and the crawl goes on; a source that
//! cannot be read at all (its feed is unreachable or malformed) records its error and never
//! affects the others. Each crawl of a remote source has a time budget; when it runs out the
//! crawl stops, and what was stored stays. Requests are conditional ([`crate::incremental`]):
//! an unchanged feed or sitemap is skipped whole, an unchanged page counts as unchanged
//! without being rewritten.

use std::sync::Arc;

use agora_indexer::{CrawlReport, IndexerError, PutOutcome, SourceStatus, Store};
use chrono::Utc;
use futures_util::StreamExt;
use futures_util::stream;
use tokio::sync::Semaphore;
use tokio::task::JoinSet;
use tracing::{debug, info, instrument, warn};
use url::Url;

use crate::config::{CrawlerSettings, SourceConfig, SourceKind, SourceLocation};
use crate::extract::{ExtractError, extract_page_at};
use crate::feed::{FeedEntry, FeedError, ParsedFeed, parse_feed};
use crate::fetcher::{FetchError, FetchOutcome, FetchedResponse, Fetcher};
use crate::incremental::{self, FetchMark};
use crate::local::{self, LocalError};
use crate::normalize::{canonicalize, choose_canonical};
use crate::record::{DocumentParts, RecordError};
use crate::schedule::next_crawl_at;
use crate::sitemap::{RecentPages, Sitemap, SitemapError, SitemapUrl, parse_sitemap};

/// Child sitemaps read from one sitemap index per pass.
const MAX_CHILD_SITEMAPS: usize = 50;

/// Entries of one source worked on at once. Requests to one host still go one at a time;
/// a few entries in flight let extraction and storing overlap with the next fetches.
pub const ENTRIES_IN_FLIGHT: usize = 4;

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

    /// Returns the kind as counted in a source's status, with the status of HTTP errors
    /// (`http-404`).
    pub fn counted_kind(&self) -> String {
        match self {
            CrawlError::Fetch { error, .. } => error.counted_kind(),
            other => other.kind().to_string(),
        }
    }

    /// Tells whether the next crawl may succeed without anything changing on the site.
    fn is_transient(&self) -> bool {
        match self {
            CrawlError::Fetch { error, .. } => error.is_transient(),
            CrawlError::Store(_) => true,
            _ => false,
        }
    }

    fn is_robots_exclusion(&self) -> bool {
        matches!(
            self,
            CrawlError::Fetch {
                error: FetchError::RobotsDisallowed { .. },
                ..
            }
        )
    }
}

/// What happened to one entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EntryOutcome {
    /// Stored for the first time.
    New,
    /// Stored again with changed content.
    Updated,
    /// Fetched again with unchanged content (or answered 304, or skipped by its sitemap
    /// `lastmod`); not rewritten.
    Unchanged,
    /// The same text is already stored under another URL; not stored again (counted with the
    /// unchanged entries in reports).
    Duplicate,
    /// Not fetched: robots.txt excludes it.
    Excluded,
    /// Could not be fetched or extracted.
    Failed,
}

/// What reading one page gave.
enum Page {
    /// The page, and what to remember about its fetch once it is stored.
    Read(Box<DocumentParts>, Option<FetchMark>),
    /// A 304: the stored document is current.
    NotModified(FetchMark),
}

/// What became of one entry.
enum Entry {
    /// Stored (or found identical in the store).
    Stored(PutOutcome),
    /// Answered 304 Not Modified.
    NotModified,
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

    /// Returns a crawler with new settings, sharing this one's store and observer, and its
    /// robots.txt cache and host queues where the settings leave them valid.
    pub fn with_settings(&self, settings: CrawlerSettings) -> Result<Crawler, CrawlError> {
        let fetcher = self
            .fetcher
            .with_settings(&settings)
            .map_err(|error| CrawlError::Fetch {
                url: String::new(),
                error,
            })?;
        Ok(Crawler {
            fetcher: Arc::new(fetcher),
            store: Arc::clone(&self.store),
            settings: Arc::new(settings),
            observer: Arc::clone(&self.observer),
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
        let result = if source.kind == SourceKind::Local {
            let (finished, result) = self.crawl_local(source, tally).await;
            tally = finished;
            result
        } else {
            self.crawl_remote_within_budget(source, &mut tally).await
        };
        if let Err(error) = result {
            if error.is_robots_exclusion() {
                tally.report.num_robots_excluded += 1;
            }
            warn!(source = %source.id, error_kind = error.kind(), error = %error, "source crawl failed");
            tally.count_error(&error);
            tally.report.error = Some(error.to_string());
            tally.report.error_kind = Some(error.counted_kind());
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
                num_not_modified = report.num_not_modified,
                num_robots_excluded = report.num_robots_excluded,
                num_failed = report.num_failed,
                budget_exhausted = report.budget_exhausted,
                "source crawled"
            );
        }
        self.observer.source_done(&source.id, &report);
        report
    }

    /// Crawls a feed, sitemap or page source until done or until its time budget runs out;
    /// then the crawl is dropped between two awaits, and what it stored so far stays.
    async fn crawl_remote_within_budget(
        &self,
        source: &SourceConfig,
        tally: &mut Tally,
    ) -> Result<(), CrawlError> {
        let budget = self.settings.source_time_budget;
        let crawl = async {
            match source.kind {
                SourceKind::Feed => self.crawl_feed(source, tally).await,
                SourceKind::Sitemap => self.crawl_sitemap(source, tally).await,
                SourceKind::Page => self.crawl_page(source, tally).await,
                SourceKind::Local => unreachable!("local sources are read on a blocking thread"),
            }
        };
        match tokio::time::timeout(budget, crawl).await {
            Ok(result) => result,
            Err(_elapsed) => {
                warn!(source = %source.id, budget_s = budget.as_secs(), "source time budget exhausted; crawl stopped");
                tally.report.budget_exhausted = true;
                Ok(())
            }
        }
    }

    async fn crawl_feed(&self, source: &SourceConfig, tally: &mut Tally) -> Result<(), CrawlError> {
        let url = source_url(source);
        let Some(response) = self.fetch_listing(url, tally).await? else {
            return Ok(());
        };
        let feed = parse_feed(&response.body, &response.url)?;
        let max_pages = source.max_pages(&self.settings);
        // Indices rather than references: a closure over borrowed entries would not be
        // `Send` for every lifetime, which spawning the crawl requires.
        let feed = &feed;
        let mut entries = stream::iter(0..feed.entries.len().min(max_pages))
            .map(|index| async move {
                let page = self
                    .feed_entry_document(source, feed, &feed.entries[index])
                    .await;
                self.store_page(source, page).await
            })
            .buffered(ENTRIES_IN_FLIGHT);
        while let Some(outcome) = entries.next().await {
            tally.add(outcome)?;
        }
        drop(entries);

        if feed.entries.len() <= max_pages {
            self.remember_listing(&[FetchMark::fetched(url, &response)], tally)?;
        }
        Ok(())
    }

    async fn feed_entry_document(
        &self,
        source: &SourceConfig,
        feed: &ParsedFeed,
        entry: &FeedEntry,
    ) -> Result<Page, CrawlError> {
        let declared_lang = feed.language.clone();
        let Some(link) = &entry.link else {
            return Err(CrawlError::NoLink {
                title: entry.title.clone(),
            });
        };
        if entry.has_full_text() {
            let parts = DocumentParts {
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
            };
            return Ok(Page::Read(Box::new(parts), None));
        }

        // A teaser: the article itself is on the linked page.
        let (mut parts, mark) = match self.page_document(source, link).await? {
            Page::Read(parts, mark) => (parts, mark),
            not_modified @ Page::NotModified(_) => return Ok(not_modified),
        };
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
        Ok(Page::Read(parts, mark))
    }

    async fn crawl_sitemap(
        &self,
        source: &SourceConfig,
        tally: &mut Tally,
    ) -> Result<(), CrawlError> {
        let url = source_url(source);
        let Some(response) = self.fetch_listing(url, tally).await? else {
            return Ok(());
        };
        let mut listings = vec![FetchMark::fetched(url, &response)];
        // With a page budget, the most recently changed pages matter most.
        let mut recent = RecentPages::new(source.max_pages(&self.settings));
        match parse_sitemap(&response.body, &response.url)? {
            Sitemap::Urls(urls) => {
                drop(response);
                self.select_changed(urls, &mut recent, tally)?;
            }
            Sitemap::Index(children) => {
                drop(response);
                self.read_child_sitemaps(source, &children, &mut listings, &mut recent, tally)
                    .await?;
            }
        }
        let (pages, truncated) = recent.into_pages();

        let mut outcomes = stream::iter(pages)
            .map(|page| async move {
                let read = self.page_document(source, &page).await;
                self.store_page(source, read).await
            })
            .buffered(ENTRIES_IN_FLIGHT);
        while let Some(outcome) = outcomes.next().await {
            tally.add(outcome)?;
        }
        drop(outcomes);

        if !truncated {
            self.remember_listing(&listings, tally)?;
        }
        Ok(())
    }

    /// Offers the pages that changed since their last fetch (by their lastmod) to `recent`.
    fn select_changed(
        &self,
        urls: Vec<SitemapUrl>,
        recent: &mut RecentPages,
        tally: &mut Tally,
    ) -> Result<(), CrawlError> {
        for entry in urls {
            if incremental::unchanged_since_last_fetch(&self.store, &entry.loc, entry.lastmod)? {
                tally.skip_by_lastmod();
            } else {
                recent.offer(entry);
            }
        }
        Ok(())
    }

    /// Reads the child sitemaps of an index one at a time, offering their changed pages to
    /// `recent`; unchanged ones (304) list nothing.
    async fn read_child_sitemaps(
        &self,
        source: &SourceConfig,
        children: &[Url],
        listings: &mut Vec<FetchMark>,
        recent: &mut RecentPages,
        tally: &mut Tally,
    ) -> Result<(), CrawlError> {
        for child in children.iter().take(MAX_CHILD_SITEMAPS) {
            let response = match self.fetch_listing(child, tally).await {
                Ok(Some(response)) => response,
                Ok(None) => continue,
                Err(error) => {
                    tally.add(Err(error))?;
                    continue;
                }
            };
            match parse_sitemap(&response.body, &response.url) {
                Ok(Sitemap::Urls(child_urls)) => {
                    listings.push(FetchMark::fetched(child, &response));
                    drop(response);
                    self.select_changed(child_urls, recent, tally)?;
                }
                Ok(Sitemap::Index(_)) => {
                    warn!(source = %source.id, url = %child, "nested sitemap index ignored")
                }
                Err(error) => tally.add(Err(error.into()))?,
            }
        }
        Ok(())
    }

    async fn crawl_page(&self, source: &SourceConfig, tally: &mut Tally) -> Result<(), CrawlError> {
        let page = self.page_document(source, source_url(source)).await?;
        tally.add(self.store_page(source, Ok(page)).await)
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

    /// Fetches and extracts one HTML page, conditionally when it was fetched before.
    async fn page_document(&self, source: &SourceConfig, url: &Url) -> Result<Page, CrawlError> {
        let response = match self.fetch_conditional(url).await? {
            FetchOutcome::Fetched(response) => response,
            FetchOutcome::NotModified { url: final_url } => {
                return Ok(Page::NotModified(FetchMark::not_modified(url, &final_url)));
            }
        };
        if !is_html(&response) {
            return Err(CrawlError::NotHtml {
                url: response.url.to_string(),
                content_type: response.content_type.unwrap_or_default(),
            });
        }
        let mark = FetchMark::fetched(url, &response);
        let selectors = source.selectors.clone();
        let final_url = response.url.clone();
        let (page, final_url) = tokio::task::spawn_blocking(move || {
            let (html, _, _) =
                crate::charset::decode_html(&response.body, response.content_type.as_deref());
            let page = extract_page_at(&html, Some(&final_url), &selectors).map(|mut page| {
                page.fall_back_on_header_language(response.content_language.as_deref());
                page
            });
            (page, final_url)
        })
        .await
        .expect("extraction does not panic");
        let page = page.map_err(|error| CrawlError::Extract {
            url: final_url.to_string(),
            error,
        })?;

        let (canonical, _) = choose_canonical(&final_url, page.canonical.as_deref());
        let parts = DocumentParts {
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
        };
        Ok(Page::Read(Box::new(parts), Some(mark)))
    }

    /// Fetches a feed or sitemap with its stored validators; `None` when it answered 304.
    async fn fetch_listing(
        &self,
        url: &Url,
        tally: &mut Tally,
    ) -> Result<Option<FetchedResponse>, CrawlError> {
        match self.fetch_conditional(url).await? {
            FetchOutcome::Fetched(response) => Ok(Some(response)),
            FetchOutcome::NotModified { url: final_url } => {
                debug!(url = %url, "listing not modified");
                tally.report.num_not_modified += 1;
                let mark = FetchMark::not_modified(url, &final_url);
                incremental::remember(&self.store, &mark, Utc::now())?;
                Ok(None)
            }
        }
    }

    /// Remembers the validators of a feed or sitemap (and its children) whose entries were
    /// all processed, unless one failed in a way the next crawl may fix: a 304 would then
    /// hide that entry until the listing changes.
    fn remember_listing(&self, listings: &[FetchMark], tally: &Tally) -> Result<(), CrawlError> {
        if tally.num_transient_failures > 0 {
            return Ok(());
        }
        let now = Utc::now();
        for mark in listings {
            incremental::remember(&self.store, mark, now)?;
        }
        Ok(())
    }

    async fn fetch_conditional(&self, url: &Url) -> Result<FetchOutcome, CrawlError> {
        let validators = incremental::stored_validators(&self.store, url)?;
        self.fetcher
            .fetch(url, validators.as_ref())
            .await
            .map_err(|error| CrawlError::Fetch {
                url: url.to_string(),
                error,
            })
    }

    /// Stores a page read (or counts it unchanged after a 304), then remembers its fetch.
    async fn store_page(
        &self,
        source: &SourceConfig,
        page: Result<Page, CrawlError>,
    ) -> Result<Entry, CrawlError> {
        let (parts, mark) = match page? {
            Page::Read(parts, mark) => (parts, mark),
            Page::NotModified(mark) => {
                incremental::remember(&self.store, &mark, Utc::now())?;
                return Ok(Entry::NotModified);
            }
        };
        let outcome = self.store_parts(source, Ok(*parts)).await?;
        if let Some(mark) = mark {
            incremental::remember(&self.store, &mark, Utc::now())?;
        }
        Ok(Entry::Stored(outcome))
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
                Ok(Entry::Stored(store.put_document(&document)?))
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
    /// Entries that failed in a way the next crawl may fix (timeouts, 5xx...).
    num_transient_failures: u64,
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
            num_transient_failures: 0,
        }
    }

    /// Counts one entry. A store failure is returned: nothing further could be saved.
    fn add(&mut self, outcome: Result<Entry, CrawlError>) -> Result<(), CrawlError> {
        let entry_outcome = match outcome {
            Ok(Entry::Stored(PutOutcome::New)) => EntryOutcome::New,
            Ok(Entry::Stored(PutOutcome::Updated)) => EntryOutcome::Updated,
            Ok(Entry::Stored(PutOutcome::Unchanged)) => EntryOutcome::Unchanged,
            Ok(Entry::Stored(PutOutcome::Duplicate)) => EntryOutcome::Duplicate,
            Ok(Entry::NotModified) => {
                self.report.num_not_modified += 1;
                EntryOutcome::Unchanged
            }
            Err(CrawlError::Store(error)) => return Err(CrawlError::Store(error)),
            Err(error) if error.is_robots_exclusion() => {
                debug!(source = %self.source_id, error = %error, "excluded by robots.txt");
                EntryOutcome::Excluded
            }
            Err(error) => {
                warn!(source = %self.source_id, error_kind = error.kind(), error = %error, "entry skipped");
                self.count_error(&error);
                if error.is_transient() {
                    self.num_transient_failures += 1;
                }
                self.report.last_entry_error = Some(error.to_string());
                EntryOutcome::Failed
            }
        };
        match entry_outcome {
            EntryOutcome::New => self.report.num_new += 1,
            EntryOutcome::Updated => self.report.num_updated += 1,
            EntryOutcome::Unchanged | EntryOutcome::Duplicate => self.report.num_unchanged += 1,
            EntryOutcome::Excluded => self.report.num_robots_excluded += 1,
            EntryOutcome::Failed => self.report.num_failed += 1,
        }
        if matches!(
            entry_outcome,
            EntryOutcome::New | EntryOutcome::Updated | EntryOutcome::Unchanged
        ) {
            self.report.num_fetched += 1;
        }
        self.observer.entry_done(&self.source_id, entry_outcome);
        Ok(())
    }

    /// Counts a sitemap page left alone because its `lastmod` predates its last fetch.
    fn skip_by_lastmod(&mut self) {
        self.report.num_skipped_by_lastmod += 1;
        self.report.num_unchanged += 1;
        self.observer
            .entry_done(&self.source_id, EntryOutcome::Unchanged);
    }

    fn count_error(&mut self, error: &CrawlError) {
        *self
            .report
            .errors_by_kind
            .entry(error.counted_kind())
            .or_default() += 1;
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

/// Records a finished crawl: a failure lengthens the wait before the next one, a success
/// resets it.
fn record_status(
    store: &Store,
    source: &SourceConfig,
    settings: &CrawlerSettings,
    report: &CrawlReport,
) -> Result<(), IndexerError> {
    let mut status = configured_status(store, source)?;
    status.last_crawl = Some(report.clone());
    if report.failed() {
        status.consecutive_failures = status.consecutive_failures.saturating_add(1);
    } else {
        status.consecutive_failures = 0;
        status.last_success_at = report.finished_at;
    }
    status.next_crawl_at = next_crawl_at(&status, source, settings);
    status.backoff_until = status
        .next_crawl_at
        .filter(|_| status.consecutive_failures > 0);
    store.put_source_status(&status)
}
