//! `agora inspect URL`.

use std::process::ExitCode;

use agora_crawler::fetcher::Fetcher;
use agora_crawler::inspect::{InspectReport, PageReport, inspect};
use agora_crawler::{Config, CrawlerSettings};

use crate::cli::InspectArgs;
use crate::commands::sources::load_config;

pub async fn run(args: InspectArgs) -> anyhow::Result<ExitCode> {
    // The sources file only lends its crawler settings; inspecting works without one.
    let settings = match std::fs::metadata(&args.config) {
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => CrawlerSettings::default(),
        _ => match load_config(&args.config)? {
            Some(Config { crawler, .. }) => crawler,
            None => return Ok(ExitCode::FAILURE),
        },
    };
    let fetcher = Fetcher::new(&settings)?;
    let report = match inspect(&fetcher, &args.url).await {
        Ok(report) => report,
        Err(error) => {
            eprintln!("error: {error}");
            return Ok(ExitCode::FAILURE);
        }
    };
    if args.json {
        println!("{}", serde_json::to_string_pretty(&report)?);
    } else {
        print_report(&report);
    }
    Ok(ExitCode::SUCCESS)
}

fn print_report(report: &InspectReport) {
    println!("url:          {}", report.url);
    // The fragment never reaches the server, so it alone is no redirect.
    if report.final_url != report.url.split('#').next().unwrap_or_default() {
        println!("redirected:   {}", report.final_url);
    }
    println!("status:       {}", report.status);
    println!(
        "content type: {}",
        report.content_type.as_deref().unwrap_or("-")
    );
    println!("read as:      {}", report.read_as);
    if let Some(page) = &report.page {
        print_page(page);
    }
    if let Some(feed) = &report.feed {
        println!("feed title:   {}", feed.title);
        println!("language:     {}", feed.language.as_deref().unwrap_or("-"));
        println!("entries:      {}", feed.entries.len());
        for entry in &feed.entries {
            let date = entry
                .published
                .map(|date| date.format("%Y-%m-%d").to_string())
                .unwrap_or_default();
            let text = if entry.has_full_text {
                "full text"
            } else {
                "teaser; page is fetched"
            };
            println!(
                "  - {} [{date}; {text}]\n    {}",
                entry.title,
                entry.link.as_deref().unwrap_or("(no link)")
            );
        }
    }
    if let Some(locations) = &report.sitemap {
        println!("locations:    {}", locations.len());
        for location in locations {
            println!("  - {location}");
        }
    }
}

fn print_page(page: &PageReport) {
    println!("canonical:    {}", page.canonical_url);
    println!("              {}", page.canonical_reason);
    println!("charset:      {}", page.charset);
    println!("title:        {}", page.title);
    println!("title from:   {}", page.title_source);
    println!("language:     {} ({})", page.language, page.language_reason);
    if let Some(declared) = &page.declared_language {
        println!("              declared {declared}");
    }
    if let Some(detected) = &page.detected_language {
        println!(
            "              whatlang reads {} (confidence {:.2}{})",
            detected.lang,
            detected.confidence,
            if detected.is_reliable {
                ""
            } else {
                ", unreliable"
            }
        );
    }
    match (page.published, &page.published_source) {
        (Some(date), Some(source)) => {
            println!("published:    {} (from {source})", date.to_rfc3339())
        }
        (Some(date), None) => println!("published:    {}", date.to_rfc3339()),
        (None, _) => println!("published:    not found"),
    }
    println!("summary:      {}", page.summary);
    println!("extraction:   {}", page.extraction);
    if let Some(block) = &page.main_block {
        println!(
            "main block:   {} (score {:.1}, {} characters)",
            block.path, block.score, block.num_chars
        );
    }
    for block in &page.runners_up {
        println!(
            "runner-up:    {} (score {:.1}, {} characters)",
            block.path, block.score, block.num_chars
        );
    }
    if page.dropped_blocks.is_empty() {
        println!("dropped:      nothing");
    }
    for block in &page.dropped_blocks {
        println!(
            "dropped:      {} ({}; {} characters)",
            block.path, block.reason, block.num_chars
        );
    }
    println!("\n{}", page.body);
}
