//! `agora sources check` and `agora sources status`, and configuration loading for the others.

use std::path::Path;
use std::process::ExitCode;

use agora_crawler::{Config, ConfigError, register_sources};
use anyhow::Context;

use agora_indexer::RankingSettings;

use crate::cli::DEFAULT_CONFIG;
use crate::cli::{ConfigArgs, StatusArgs};
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
        "{:<width$}  {:<7}  {:>9}  {:<17}  {:<17}  last error",
        "source", "kind", "documents", "last crawl", "next crawl"
    );
    for status in &statuses {
        let date = |date: Option<chrono::DateTime<chrono::Utc>>| {
            date.map(|date| date.format("%Y-%m-%d %H:%M").to_string())
                .unwrap_or_else(|| "-".to_string())
        };
        let last = status.last_crawl.as_ref();
        let error = last
            .and_then(|report| {
                report
                    .error
                    .clone()
                    .or_else(|| report.last_entry_error.clone())
            })
            .unwrap_or_default();
        println!(
            "{:<width$}  {:<7}  {:>9}  {:<17}  {:<17}  {}",
            status.id,
            if status.enabled {
                status.kind.as_str()
            } else {
                "off"
            },
            status.num_documents,
            date(last.and_then(|report| report.finished_at)),
            date(status.next_crawl_at),
            error
        );
    }
    Ok(ExitCode::SUCCESS)
}
