//! `agora export`: every stored document as JSON lines.
//!
//! The records use the keys a `kind = "local"` source reads from `.jsonl` files, so an export
//! can seed another instance.

use std::process::ExitCode;

use agora_indexer::Document;
use anyhow::Context;
use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::cli::DataArgs;
use crate::commands::index::open_store;
use crate::output::Output;

#[derive(Serialize)]
struct ExportRecord<'a> {
    id: &'a str,
    url: &'a str,
    canonical_url: &'a str,
    source: &'a str,
    title: &'a str,
    summary: &'a str,
    body: &'a str,
    lang: &'a str,
    country: &'a str,
    topics: &'a [String],
    kind: &'a str,
    published: Option<DateTime<Utc>>,
    fetched_at: DateTime<Utc>,
}

impl<'a> From<&'a Document> for ExportRecord<'a> {
    fn from(document: &'a Document) -> Self {
        ExportRecord {
            id: document.id.as_str(),
            url: &document.url,
            canonical_url: &document.canonical_url,
            source: &document.source,
            title: &document.title,
            summary: &document.summary,
            body: &document.body,
            lang: &document.lang,
            country: &document.country,
            topics: &document.topics,
            kind: document.kind.as_str(),
            published: document.published,
            fetched_at: document.fetched_at,
        }
    }
}

pub fn run(args: &DataArgs) -> anyhow::Result<ExitCode> {
    let store = open_store(&args.data)?;
    let mut out = Output::new();
    for document in store.documents() {
        let document = document.context("reading the document store")?;
        // Questions are derived from the community store, which is their source of truth;
        // as documents they could not seed another instance's community.
        if document.kind == agora_indexer::ContentKind::Question {
            continue;
        }
        let line = serde_json::to_string(&ExportRecord::from(&document))?;
        if !out.line(&line)? {
            break;
        }
    }
    out.finish()?;
    Ok(ExitCode::SUCCESS)
}
