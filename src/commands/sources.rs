//! `agora sources check` and `agora sources status`, and configuration loading for the others.

use std::path::Path;
use std::process::ExitCode;

use agora_crawler::{Config, ConfigError, register_sources};
use agora_indexer::{CrawlReport, SourceStatus};
use anyhow::Context;

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
