//! `agora index`, and the index set-up shared by `crawl` and `serve`.

use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use agora_indexer::{
    IndexSettings, IndexUpdater, OpenOutcome, RankingSettings, SearchIndex, Store, SyncReport,
    Thesaurus,
};
use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};

use crate::cli::{DEFAULT_THESAURUS, IndexArgs, ThesaurusArgs};
use crate::paths::{index_dir, store_dir};

/// Reads the thesaurus: the built-in one, extended by the editors' file when there is one.
pub fn load_thesaurus(args: &ThesaurusArgs) -> anyhow::Result<Arc<Thesaurus>> {
    let builtin = Thesaurus::builtin();
    let text = match std::fs::read_to_string(&args.thesaurus) {
        Ok(text) => text,
        // Only an explicitly named file must exist; the default one is optional.
        Err(error)
            if error.kind() == std::io::ErrorKind::NotFound
                && args.thesaurus == Path::new(DEFAULT_THESAURUS) =>
        {
            return Ok(builtin);
        }
        Err(error) => {
            return Err(error)
                .with_context(|| format!("reading the thesaurus `{}`", args.thesaurus.display()));
        }
    };
    let name = args.thesaurus.display().to_string();
    Ok(Arc::new(builtin.extended(&name, &text)?))
}

/// Returns what the index is opened with: the thesaurus and the ranking weights.
pub fn index_settings(
    args: &ThesaurusArgs,
    ranking: RankingSettings,
) -> anyhow::Result<IndexSettings> {
    Ok(IndexSettings {
        thesaurus: load_thesaurus(args)?,
        ranking,
    })
}

/// Opens (or creates) the store in `data`.
pub fn open_store(data: &Path) -> anyhow::Result<Arc<Store>> {
    let store = Store::open(&store_dir(data)).context("opening the document store")?;
    Ok(Arc::new(store))
}

/// Opens the index for writing and brings it up to date: a full rebuild when `rebuild` is
/// asked for or the index had to be recreated for a new schema, the pending changes otherwise.
pub fn open_and_sync(
    data: &Path,
    settings: IndexSettings,
    store: &Store,
    rebuild: bool,
    progress: &ProgressBar,
) -> anyhow::Result<(SearchIndex, IndexUpdater, SyncReport)> {
    let (index, outcome) = SearchIndex::open_or_create_with(&index_dir(data), settings)
        .context("opening the index")?;
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
    // Indexing does not rank: the weights only matter to searches.
    let settings = index_settings(&args.thesaurus, RankingSettings::default())?;
    let report = tokio::task::spawn_blocking(move || -> anyhow::Result<SyncReport> {
        let store = open_store(&data)?;
        let progress = indexing_progress();
        let (_index, _updater, report) =
            open_and_sync(&data, settings, &store, args.rebuild, &progress)?;
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
