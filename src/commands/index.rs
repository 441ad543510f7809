//! `agora index`, and the index set-up shared by `crawl` and `serve`.

use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use agora_indexer::{IndexUpdater, OpenOutcome, SearchIndex, Store, SyncReport};
use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};

use crate::cli::IndexArgs;
use crate::paths::{index_dir, store_dir};

/// Opens (or creates) the store in `data`.
pub fn open_store(data: &Path) -> anyhow::Result<Arc<Store>> {
    let store = Store::open(&store_dir(data)).context("opening the document store")?;
    Ok(Arc::new(store))
}

/// Opens the index for writing and brings it up to date: a full rebuild when `rebuild` is
/// asked for or the index had to be recreated for a new schema, the pending changes otherwise.
pub fn open_and_sync(
    data: &Path,
    store: &Store,
    rebuild: bool,
    progress: &ProgressBar,
) -> anyhow::Result<(SearchIndex, IndexUpdater, SyncReport)> {
    let (index, outcome) =
        SearchIndex::open_or_create(&index_dir(data)).context("opening the index")?;
    let mut updater = index.updater().context("opening the index for writing")?;
    let report = if rebuild || outcome == OpenOutcome::Recreated {
        progress.set_message("rebuilding the index");
        updater.rebuild(store, |num_done| progress.set_position(num_done))
    } else {
        progress.set_message("indexing changes");
        updater.sync(store, |num_done| progress.set_position(num_done))
    }
    .context("updating the index")?;
    Ok((index, updater, report))
}

/// A counter shown while documents are indexed.
pub fn indexing_progress() -> ProgressBar {
    let progress = ProgressBar::new_spinner().with_style(
        ProgressStyle::with_template("{spinner} {msg}: {pos} documents ({per_sec})")
            .expect("the progress template is valid"),
    );
    progress.enable_steady_tick(std::time::Duration::from_millis(120));
    progress
}

pub async fn run(args: IndexArgs) -> anyhow::Result<ExitCode> {
    let data = args.data.data;
    let report = tokio::task::spawn_blocking(move || -> anyhow::Result<SyncReport> {
        let store = open_store(&data)?;
        let progress = indexing_progress();
        let (_index, _updater, report) = open_and_sync(&data, &store, args.rebuild, &progress)?;
        progress.finish_and_clear();
        Ok(report)
    })
    .await??;
    println!(
        "indexed {} documents ({} removed); the index holds {}",
        report.num_indexed, report.num_removed, report.num_docs
    );
    Ok(ExitCode::SUCCESS)
}
