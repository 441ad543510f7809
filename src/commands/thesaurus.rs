//! `agora thesaurus`: checking the editors' file, and seeing what a text is tagged with.

use std::collections::BTreeMap;
use std::process::ExitCode;

use agora_indexer::concepts::{ConceptMatch, ConceptMatcher};
use agora_indexer::language::detect_language;
use agora_indexer::query::{QueryHints, query_languages};

use crate::cli::{ThesaurusArgs, ThesaurusMatchArgs};
use crate::commands::index::load_thesaurus;
use crate::output::Output;

pub fn check(args: &ThesaurusArgs) -> anyhow::Result<ExitCode> {
    let thesaurus = match load_thesaurus(args) {
        Ok(thesaurus) => thesaurus,
        Err(error) => {
            eprintln!("{error:#}");
            return Ok(ExitCode::FAILURE);
        }
    };
    let mut labels_per_lang: BTreeMap<&str, usize> = BTreeMap::new();
    for concept in thesaurus.concepts() {
        for (lang, labels) in &concept.labels {
            *labels_per_lang.entry(lang.as_str()).or_default() += labels.len();
        }
    }
    let mut out = Output::new();
    out.line(&format!(
        "{} themes, {} concepts; labels per language: {}",
        thesaurus.themes().len(),
        thesaurus.concepts().len(),
        labels_per_lang
            .iter()
            .map(|(lang, count)| format!("{lang} {count}"))
            .collect::<Vec<_>>()
            .join(", ")
    ))?;
    for theme in thesaurus.themes() {
        let num_concepts = thesaurus
            .concepts()
            .iter()
            .filter(|concept| concept.theme.as_deref() == Some(theme.id.as_str()))
            .count();
        out.line(&format!(
            "  {:<22} {num_concepts:>3} concepts  {}",
            theme.id,
            theme.label("en")
        ))?;
    }
    out.finish()?;
    Ok(ExitCode::SUCCESS)
}

pub fn match_text(args: &ThesaurusMatchArgs) -> anyhow::Result<ExitCode> {
    let matcher = ConceptMatcher::standalone(load_thesaurus(&args.thesaurus)?);
    let thesaurus = matcher.thesaurus();
    let lang = args
        .lang
        .clone()
        .unwrap_or_else(|| detect_language(&args.text, None).lang);

    let mut out = Output::new();
    let languages = query_languages(
        &args.text,
        QueryHints {
            query_lang: Some(&lang),
            ..QueryHints::default()
        },
        &[],
    );
    out.line(&format!("as a query (read as {}):", languages.join(" + ")))?;
    for found in matcher.match_query(&args.text, &languages) {
        let concept = &thesaurus.concepts()[found.concept];
        let how = match found.how {
            ConceptMatch::Named | ConceptMatch::Inferred => "",
            ConceptMatch::Corrected => ", after a typo correction",
            ConceptMatch::Partial => ", partly",
        };
        out.line(&format!(
            "  {} ({}): matched `{}` [{}]{how}",
            concept.id,
            concept.theme.as_deref().unwrap_or("no theme"),
            found.label,
            found.lang
        ))?;
    }
    out.line(&format!("as document text ({lang}):"))?;
    for (concept, label, label_lang) in matcher.explain_in(&args.text, &lang) {
        let concept = &thesaurus.concepts()[concept];
        out.line(&format!("  {}: `{label}` [{label_lang}]", concept.id))?;
    }
    out.finish()?;
    Ok(ExitCode::SUCCESS)
}
