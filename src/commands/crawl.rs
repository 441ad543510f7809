//! `agora crawl`: one pass over the sources, then index.

use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use agora_crawler::{Config, CrawlObserver, Crawler, EntryOutcome, register_sources};
use agora_indexer::CrawlReport;
use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};

use crate::cli::CrawlArgs;
use crate::commands::index::{index_settings, indexing_progress, open_and_sync, open_store};
use crate::commands::sources::load_config;

/// Keeps a spinner's message up to date while sources are crawled.
struct CrawlProgress {
    bar: ProgressBar,
    num_sources: usize,
    num_sources_done: AtomicU64,
    num_entries: AtomicU64,
    num_failed: AtomicU64,
}

impl CrawlProgress {
    fn refresh(&self) {
        self.bar.set_message(format!(
            "{}/{} sources · {} documents · {} failed",
            self.num_sources_done.load(Ordering::Relaxed),
            self.num_sources,
            self.num_entries.load(Ordering::Relaxed),
            self.num_failed.load(Ordering::Relaxed),
        ));
    }
}

impl CrawlObserver for CrawlProgress {
    fn entry_done(&self, _source_id: &str, outcome: EntryOutcome) {
        let counter = match outcome {
            EntryOutcome::Failed => &self.num_failed,
            // Not fetched: robots.txt excludes it.
            EntryOutcome::Excluded => return,
            EntryOutcome::New
            | EntryOutcome::Updated
            | EntryOutcome::Unchanged
            | EntryOutcome::Duplicate => &self.num_entries,
        };
        counter.fetch_add(1, Ordering::Relaxed);
        self.refresh();
    }

    fn source_done(&self, _source_id: &str, _report: &CrawlReport) {
        self.num_sources_done.fetch_add(1, Ordering::Relaxed);
        self.refresh();
    }
}

pub async fn run(args: CrawlArgs) -> anyhow::Result<ExitCode> {
    let Some(config) = load_config(&args.config.config)? else {
        return Ok(ExitCode::FAILURE);
    };
    let sources = match select_sources(&config, &args.sources) {
        Ok(sources) => sources,
        Err(message) => {
            eprintln!("error: {message}");
            return Ok(ExitCode::FAILURE);
        }
    };

    let settings = index_settings(&args.thesaurus, config.ranking.clone())?;
    let store = open_store(&args.data.data)?;
    register_sources(&store, &config.sources).context("recording the configured sources")?;
    let progress = Arc::new(CrawlProgress {
        bar: ProgressBar::new_spinner().with_style(
            ProgressStyle::with_template("{spinner} crawling: {msg} [{elapsed}]")
                .expect("valid template"),
        ),
        num_sources: sources.len(),
        num_sources_done: AtomicU64::new(0),
        num_entries: AtomicU64::new(0),
        num_failed: AtomicU64::new(0),
    });
    progress
        .bar
        .enable_steady_tick(std::time::Duration::from_millis(120));
    progress.refresh();

    let crawler = Crawler::new(config.crawler.clone(), Arc::clone(&store))
        .context("setting up the HTTP client")?
        .with_observer(progress.clone());
    let reports = crawler.crawl_all(&sources).await;
    progress.bar.finish_and_clear();
    print_summary(&reports);

    let data = args.data.data.clone();
    let index_report = tokio::task::spawn_blocking(move || {
        let progress = indexing_progress();
        let result = open_and_sync(&data, settings, &store, false, &progress);
        progress.finish_and_clear();
        store.flush().context("flushing the document store")?;
        result.map(|(_, _, report)| report)
    })
    .await??;
    println!(
        "indexed {} changed documents; the index holds {}",
        index_report.num_indexed, index_report.num_docs
    );
    Ok(ExitCode::SUCCESS)
}

/// Picks the sources named on the command line, or every enabled one.
fn select_sources(
    config: &Config,
    ids: &[String],
) -> Result<Vec<agora_crawler::SourceConfig>, String> {
    if ids.is_empty() {
        return Ok(config
            .sources
            .iter()
            .filter(|source| source.enabled)
            .cloned()
            .collect());
    }
    let unknown: Vec<&str> = ids
        .iter()
        .filter(|id| config.source(id).is_none())
        .map(String::as_str)
        .collect();
    if !unknown.is_empty() {
        let known: Vec<&str> = config
            .sources
            .iter()
            .map(|source| source.id.as_str())
            .collect();
        return Err(format!(
            "unknown source id(s): {} (configured: {})",
            unknown.join(", "),
            known.join(", ")
        ));
    }
    Ok(ids
        .iter()
        .filter_map(|id| config.source(id))
        .cloned()
        .collect())
}

fn print_summary(reports: &[(String, CrawlReport)]) {
    let width = reports.iter().map(|(id, _)| id.len()).max().unwrap_or(0);
    let mut totals = CrawlReport::default();
    for (id, report) in reports {
        println!(
            "{id:<width$}  fetched {:>4}  new {:>4}  updated {:>4}  unchanged {:>4}  failed {:>4}  \
             not-modified {:>4}  robots-excluded {:>4}{}{}",
            report.num_fetched,
            report.num_new,
            report.num_updated,
            report.num_unchanged,
            report.num_failed,
            report.num_not_modified,
            report.num_robots_excluded,
            if report.budget_exhausted {
                "  (stopped: time budget ran out)"
            } else {
                ""
            },
            report
                .error
                .as_deref()
                .map(|error| format!("  error: {error}"))
                .unwrap_or_default(),
        );
        totals.num_fetched += report.num_fetched;
        totals.num_new += report.num_new;
        totals.num_updated += report.num_updated;
        totals.num_failed += report.num_failed;
    }
    let num_failed_sources = reports.iter().filter(|(_, report)| report.failed()).count();
    println!(
        "crawled {} sources ({} failed): {} documents fetched, {} new, {} updated, {} entries failed",
        reports.len(),
        num_failed_sources,
        totals.num_fetched,
        totals.num_new,
        totals.num_updated,
        totals.num_failed
    );
}
