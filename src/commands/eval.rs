//! `agora eval`: ranks the labelled queries over a freshly indexed collection and prints
//! nDCG@10, recall@10 and MRR, overall, by kind of query and by language.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::ExitCode;
use std::sync::Arc;

use agora_crawler::Crawler;
use agora_crawler::config::Config;
use agora_indexer::{IndexSettings, SearchIndex, SearchRequest, Thesaurus, search};
use anyhow::{Context, bail};
use indicatif::ProgressBar;
use serde::Serialize;

use crate::cli::EvalArgs;
use crate::commands::index::{index_settings, open_and_sync, open_store};
use crate::commands::sources::load_ranking;
use crate::eval::{CUTOFF, JudgedQuery, QueryScores, Summary, parse_queries, score, summarize};
use crate::output::Output;

/// The source id the collection is crawled under; hits' URLs are `local://eval/PATH`.
const SOURCE_ID: &str = "eval";

#[derive(Serialize)]
struct Report {
    overall: Summary,
    by_kind: BTreeMap<String, Summary>,
    by_lang: BTreeMap<String, Summary>,
    queries: Vec<QueryReport>,
}

#[derive(Serialize)]
struct QueryReport {
    id: String,
    kind: String,
    lang: String,
    text: String,
    scores: QueryScores,
    top: Vec<String>,
}

pub async fn run(args: EvalArgs) -> anyhow::Result<ExitCode> {
    let text = std::fs::read_to_string(&args.queries)
        .with_context(|| format!("reading `{}`", args.queries.display()))?;
    let queries = parse_queries(&text).with_context(|| format!("{}", args.queries.display()))?;
    let collection = std::fs::canonicalize(&args.collection)
        .with_context(|| format!("finding the collection `{}`", args.collection.display()))?;

    let ranking = load_ranking(&args.config)?;
    let settings = if args.without_concepts {
        IndexSettings {
            thesaurus: Arc::new(Thesaurus::from_files(&[])?),
            ranking,
        }
    } else {
        index_settings(&args.thesaurus, ranking)?
    };
    let data = tempfile::tempdir().context("creating a temporary data directory")?;
    let index = build_index(&collection, data.path(), settings).await?;
    let report = tokio::task::spawn_blocking(move || evaluate(&index, &queries)).await??;

    let mut out = Output::new();
    if args.json {
        out.line(&serde_json::to_string_pretty(&report)?)?;
    } else {
        print_report(&mut out, &report, args.verbose)?;
    }
    out.finish()?;
    Ok(ExitCode::SUCCESS)
}

/// Crawls the collection into a store in `data` and indexes it.
async fn build_index(
    collection: &Path,
    data: &Path,
    settings: IndexSettings,
) -> anyhow::Result<SearchIndex> {
    let config_text = format!(
        "[[source]]\nid = \"{SOURCE_ID}\"\nkind = \"local\"\npath = {:?}\ncountry = \"INT\"\n",
        collection.display().to_string()
    );
    let config = Config::parse(&config_text, &data.join("sources.toml"))
        .map_err(|error| anyhow::anyhow!("{error}"))?;
    let store = open_store(data)?;
    let crawler = Crawler::new(config.crawler.clone(), Arc::clone(&store))
        .context("setting up the crawler")?;
    let report = crawler.crawl_source(&config.sources[0]).await;
    if let Some(error) = report.error {
        bail!("reading the collection: {error}");
    }

    let data = data.to_path_buf();
    tokio::task::spawn_blocking(move || -> anyhow::Result<SearchIndex> {
        let (index, _updater, _report) =
            open_and_sync(&data, settings, &store, false, &ProgressBar::hidden())?;
        Ok(index)
    })
    .await?
}

fn evaluate(index: &SearchIndex, queries: &[JudgedQuery]) -> anyhow::Result<Report> {
    let prefix = format!("local://{SOURCE_ID}/");
    let mut reports = Vec::with_capacity(queries.len());
    for query in queries {
        let mut request = SearchRequest::new(query.text.clone());
        request.per_page = CUTOFF;
        let response = search(index, &request).with_context(|| format!("query `{}`", query.id))?;
        let top: Vec<String> = response
            .hits
            .iter()
            .map(|hit| hit.url.trim_start_matches(&prefix).to_string())
            .collect();
        let scores = score(query, &top, |path| {
            path.split('/').next().unwrap_or_default().to_string()
        });
        reports.push(QueryReport {
            id: query.id.clone(),
            kind: query.kind.as_str().to_string(),
            lang: query.lang.clone(),
            text: query.text.clone(),
            scores,
            top,
        });
    }

    let group = |key: &dyn Fn(&QueryReport) -> String| {
        let mut groups: BTreeMap<String, Vec<&QueryScores>> = BTreeMap::new();
        for report in &reports {
            groups.entry(key(report)).or_default().push(&report.scores);
        }
        groups
            .into_iter()
            .map(|(name, scores)| (name, summarize(scores)))
            .collect::<BTreeMap<_, _>>()
    };
    Ok(Report {
        overall: summarize(reports.iter().map(|report| &report.scores)),
        by_kind: group(&|report| report.kind.clone()),
        by_lang: group(&|report| report.lang.clone()),
        queries: reports,
    })
}

fn print_report(out: &mut Output, report: &Report, verbose: bool) -> anyhow::Result<()> {
    if verbose {
        for query in &report.queries {
            out.line(&format!(
                "{:<36} nDCG {:.2}  R {:.2}  RR {:.2}  {}",
                query.id,
                query.scores.ndcg,
                query.scores.recall,
                query.scores.reciprocal_rank,
                query.text
            ))?;
        }
        out.line("")?;
    }
    out.line(&format!(
        "{:<16} {:>7} {:>8} {:>13} {:>10} {:>6} {:>17}",
        "", "queries", "nDCG@10", "own-lang nDCG", "recall@10", "MRR", "other-lang recall"
    ))?;
    let mut rows = vec![("all".to_string(), report.overall)];
    rows.extend(
        report
            .by_kind
            .iter()
            .map(|(kind, summary)| (kind.clone(), *summary)),
    );
    rows.extend(
        report
            .by_lang
            .iter()
            .map(|(lang, summary)| (lang.clone(), *summary)),
    );
    for (name, summary) in rows {
        let optional = |value: Option<f64>| {
            value.map_or_else(|| "-".to_string(), |value| format!("{value:.3}"))
        };
        let own = optional(summary.own_language_ndcg);
        let others = optional(summary.other_language_recall);
        out.line(&format!(
            "{name:<16} {:>7} {:>8.3} {own:>13} {:>10.3} {:>6.3} {others:>17}",
            summary.num_queries, summary.ndcg, summary.recall, summary.mrr
        ))?;
    }
    Ok(())
}
