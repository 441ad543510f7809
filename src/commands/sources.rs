//! `agora sources check`, `status` and `import`, and configuration loading for the others.

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use agora_crawler::import::{ImportDefaults, ImportError, import_opml};
use agora_crawler::{Config, ConfigError, register_sources};
use agora_indexer::{CrawlReport, SourceStatus};
use anyhow::Context;

use agora_indexer::RankingSettings;

use crate::cli::{ConfigArgs, DEFAULT_CONFIG, ImportArgs, StatusArgs};
use crate::commands::index::open_store;

/// Loads the configuration; on problems, prints each on standard error and returns `None`.
pub fn load_config(path: &Path) -> anyhow::Result<Option<Config>> {
    match Config::load(path) {
        Ok(config) => Ok(Some(config)),
        Err(ConfigError::Invalid(problems)) => {
            for problem in &problems {
                eprintln!("{problem}");
            }
            eprintln!(
                "{}: {} problem(s); nothing was done",
                path.display(),
                problems.len()
            );
            Ok(None)
        }
        Err(error) => Err(error).context("loading the sources"),
    }
}

/// Returns the ranking weights of the sources file, or the defaults when the default file
/// is absent: searching must not require a crawl configuration.
pub fn load_ranking(path: &Path) -> anyhow::Result<RankingSettings> {
    let is_default = path == Path::new(DEFAULT_CONFIG);
    match std::fs::metadata(path) {
        Err(error) if error.kind() == std::io::ErrorKind::NotFound && is_default => {
            return Ok(RankingSettings::default());
        }
        _ => {}
    }
    match load_config(path)? {
        Some(config) => Ok(config.ranking),
        None => anyhow::bail!(
            "{} is invalid; fix it or pass another --config",
            path.display()
        ),
    }
}

pub fn check(args: &ConfigArgs) -> anyhow::Result<ExitCode> {
    let Some(config) = load_config(&args.config)? else {
        return Ok(ExitCode::FAILURE);
    };
    let problems = config.check_paths();
    for problem in &problems {
        eprintln!("{problem}");
    }
    if !problems.is_empty() {
        eprintln!("{}: {} problem(s)", args.config.display(), problems.len());
        return Ok(ExitCode::FAILURE);
    }
    let num_enabled = config
        .sources
        .iter()
        .filter(|source| source.enabled)
        .count();
    println!(
        "{}: {} sources, {} enabled; no problems found",
        args.config.display(),
        config.sources.len(),
        num_enabled
    );
    Ok(ExitCode::SUCCESS)
}

pub fn status(args: &StatusArgs) -> anyhow::Result<ExitCode> {
    let Some(config) = load_config(&args.config.config)? else {
        return Ok(ExitCode::FAILURE);
    };
    let store = open_store(&args.data.data)?;
    register_sources(&store, &config.sources).context("recording the configured sources")?;
    let statuses = store.source_statuses().context("reading source statuses")?;
    if args.json {
        println!("{}", serde_json::to_string_pretty(&statuses)?);
        return Ok(ExitCode::SUCCESS);
    }

    let width = statuses
        .iter()
        .map(|status| status.id.len())
        .max()
        .unwrap_or(0)
        .max(6);
    println!(
        "{:<width$}  {:<7}  {:>9}  {:>5}  {:>7}  {:>5}  {:>6}  {:<17}  {:<28}  {:<24}  last error",
        "source",
        "kind",
        "documents",
        "new",
        "updated",
        "304",
        "robots",
        "last crawl",
        "next crawl",
        "errors"
    );
    for status in &statuses {
        print_status_line(status, width);
    }
    Ok(ExitCode::SUCCESS)
}

pub fn import(args: &ImportArgs) -> anyhow::Result<ExitCode> {
    let sources_path = &args.config.config;
    let country = args.country.trim().to_ascii_uppercase();
    if !agora_indexer::country::is_valid_country(&country) {
        eprintln!(
            "error: --country '{}' is not an ISO 3166-1 alpha-2 code or INT",
            args.country
        );
        return Ok(ExitCode::FAILURE);
    }
    let defaults = ImportDefaults {
        country,
        content: args
            .content
            .parse()
            .map_err(|()| anyhow::anyhow!("unknown content kind `{}`", args.content))?,
    };
    let opml =
        std::fs::read(&args.file).with_context(|| format!("reading `{}`", args.file.display()))?;
    let sources_text = std::fs::read_to_string(sources_path)
        .with_context(|| format!("reading `{}`", sources_path.display()))?;
    let opml_name = args
        .file
        .file_name()
        .map(|name| name.to_string_lossy().into_owned())
        .unwrap_or_else(|| args.file.display().to_string());

    let import = match import_opml(&sources_text, sources_path, &opml, &opml_name, &defaults) {
        Ok(import) => import,
        Err(error) => {
            let culprit = match error {
                ImportError::Opml(_) | ImportError::NoFeeds => &args.file,
                ImportError::Sources { .. } | ImportError::Invalid(_) => sources_path,
            };
            eprintln!("error: {}: {error}", culprit.display());
            eprintln!("{}: not changed", sources_path.display());
            return Ok(ExitCode::FAILURE);
        }
    };

    let width = import
        .added
        .iter()
        .map(|source| source.id.len())
        .max()
        .unwrap_or(0);
    for source in &import.added {
        println!("added    {:<width$}  {}", source.id, source.url);
    }
    for feed in &import.skipped {
        println!("skipped  {} ({})", feed.url, feed.reason);
    }
    let (num_added, num_skipped) = (import.added.len(), import.skipped.len());
    if args.dry_run {
        println!(
            "{}: {num_added} source(s) would be added, {num_skipped} skipped; dry run, not changed",
            sources_path.display()
        );
        return Ok(ExitCode::SUCCESS);
    }
    if num_added > 0 {
        write_atomically(sources_path, &import.text)?;
    }
    println!(
        "{}: {num_added} source(s) added, {num_skipped} skipped",
        sources_path.display()
    );
    Ok(ExitCode::SUCCESS)
}

/// Replaces `path` by `text` through a temporary file in the same folder, so that a crash or a
/// full disk leaves either the old file or the new one, never half of one.
fn write_atomically(path: &Path, text: &str) -> anyhow::Result<()> {
    let dir = path
        .parent()
        .filter(|dir| !dir.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let file_name = path
        .file_name()
        .context("the sources path names no file")?
        .to_string_lossy();
    let temporary = dir.join(format!(".{file_name}.import-{}", std::process::id()));
    let written = std::fs::File::create(&temporary)
        .and_then(|mut file| {
            file.write_all(text.as_bytes())?;
            file.sync_all()
        })
        .and_then(|()| std::fs::rename(&temporary, path));
    if written.is_err() {
        // Best effort: the original file is untouched either way.
        let _ = std::fs::remove_file(&temporary);
    }
    written.with_context(|| format!("writing `{}`", path.display()))
}

/// Prints one source's line of `agora sources status`.
fn print_status_line(status: &SourceStatus, width: usize) {
    let date = |date: Option<chrono::DateTime<chrono::Utc>>| {
        date.map(|date| date.format("%Y-%m-%d %H:%M").to_string())
            .unwrap_or_else(|| "-".to_string())
    };
    let last = status.last_crawl.as_ref();
    let count = |value: fn(&CrawlReport) -> u64| last.map(value).unwrap_or(0);
    let mut next = date(status.next_crawl_at);
    if status.backoff_until.is_some() {
        next.push_str(&format!(" (backoff x{})", status.consecutive_failures));
    }
    let mut errors = last
        .map(|report| {
            report
                .errors_by_kind
                .iter()
                .map(|(kind, count)| format!("{kind}:{count}"))
                .collect::<Vec<_>>()
                .join(" ")
        })
        .unwrap_or_default();
    if last.is_some_and(|report| report.budget_exhausted) {
        errors.push_str(" out-of-time");
    }
    let error = last
        .and_then(|report| {
            report
                .error
                .clone()
                .or_else(|| report.last_entry_error.clone())
        })
        .unwrap_or_default();
    println!(
        "{:<width$}  {:<7}  {:>9}  {:>5}  {:>7}  {:>5}  {:>6}  {:<17}  {:<28}  {:<24}  {}",
        status.id,
        if status.enabled {
            status.kind.as_str()
        } else {
            "off"
        },
        status.num_documents,
        count(|report| report.num_new),
        count(|report| report.num_updated),
        count(|report| report.num_not_modified),
        count(|report| report.num_robots_excluded),
        date(last.and_then(|report| report.finished_at)),
        next,
        if errors.trim().is_empty() {
            "-"
        } else {
            errors.trim()
        },
        error
    );
}
