//! `agora search`: the index, from the terminal.

use std::io::IsTerminal;
use std::process::ExitCode;

use agora_indexer::{FacetDimension, SearchIndex, SearchRequest, search};
use anyhow::Context;

use crate::cli::SearchArgs;
use crate::commands::index::index_settings;
use crate::commands::sources::load_ranking;
use crate::output::Output;
use crate::paths::index_dir;

pub async fn run(args: SearchArgs) -> anyhow::Result<ExitCode> {
    let mut request = SearchRequest::new(args.query.clone());
    request.per_page = usize::from(args.limit);
    request.query_lang = args.qlang.clone();
    for lang in &args.langs {
        request
            .filters
            .add(FacetDimension::Lang, lang.to_lowercase());
    }

    let data = args.data.data.clone();
    let settings = index_settings(&args.thesaurus, load_ranking(&args.config)?)?;
    let response = tokio::task::spawn_blocking(move || -> anyhow::Result<_> {
        let index = SearchIndex::open_read_only_with(&index_dir(&data), settings)
            .context("opening the index")?;
        Ok(search(&index, &request)?)
    })
    .await??;

    let mut out = Output::new();
    if args.json {
        out.line(&serde_json::to_string_pretty(&response)?)?;
        out.finish()?;
        return Ok(ExitCode::SUCCESS);
    }

    let styled = std::io::stdout().is_terminal();
    for (rank, hit) in response.hits.iter().enumerate() {
        let date = hit
            .published
            .map(|date| date.format("%Y-%m-%d").to_string())
            .unwrap_or_default();
        let score = hit
            .score
            .map(|score| format!(" · score {score:.2}"))
            .unwrap_or_default();
        let mut lines = vec![
            format!("{}. {}", rank + 1, hit.title),
            format!(
                "   {} · {} · {} · {}{}",
                hit.source, hit.country, hit.lang, date, score
            ),
            format!("   {}", terminal_snippet(&hit.snippet, styled)),
            format!("   {}", hit.url),
        ];
        if !hit.also_at.is_empty() {
            lines.push(format!("   also at {}", hit.also_at.join(", ")));
        }
        for line in lines {
            if !out.line(&line)? {
                return Ok(ExitCode::SUCCESS);
            }
        }
    }
    let languages = if response.query_languages.is_empty() {
        String::new()
    } else {
        format!(", query read as {}", response.query_languages.join(" + "))
    };
    out.line(&format!(
        "{} results in {} ms{languages}",
        response.total, response.took_ms
    ))?;
    out.finish()?;
    Ok(ExitCode::SUCCESS)
}

/// Turns the API's HTML snippet into terminal text: marks become bold (or `*…*` when piped).
fn terminal_snippet(html: &str, styled: bool) -> String {
    let (open, close) = if styled {
        ("\x1b[1m", "\x1b[0m")
    } else {
        ("*", "*")
    };
    html.replace("<mark>", open)
        .replace("</mark>", close)
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}
