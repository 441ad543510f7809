//! `agora inspect URL`.

use std::process::ExitCode;

use agora_crawler::fetcher::Fetcher;
use agora_crawler::inspect::{InspectReport, inspect};
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
    if report.final_url != report.url {
        println!("redirected:   {}", report.final_url);
    }
    println!("status:       {}", report.status);
    println!(
        "content type: {}",
        report.content_type.as_deref().unwrap_or("-")
    );
    println!("read as:      {}", report.read_as);
    if let Some(page) = &report.page {
        println!("canonical:    {}", page.canonical_url);
        println!("              {}", page.canonical_reason);
        println!("charset:      {}", page.charset);
        println!("title:        {}", page.title);
        println!("language:     {} ({})", page.language, page.language_reason);
        let published = page
            .published
            .map(|date| date.to_rfc3339())
            .unwrap_or_else(|| "not found".to_string());
        println!("published:    {published}");
        println!("summary:      {}", page.summary);
        println!("extraction:   {}", page.extraction);
        println!(
            "dropped:      {}",
            if page.dropped_blocks.is_empty() {
                "nothing".to_string()
            } else {
                page.dropped_blocks.join(", ")
            }
        );
        println!("\n{}", page.body);
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
