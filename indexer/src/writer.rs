//! Bringing the index up to date with the store, in batched commits.
//!
//! Sync reads the store's change log from the sequence number recorded in the index's last
//! commit, so it only touches documents that changed, survives a crash at any point (the
//! next sync redoes at most one batch), and never holds more than one batch in memory.

use std::collections::BTreeSet;

use tantivy::schema::Facet;
use tantivy::{DateTime, IndexWriter, TantivyDocument, Term};
use tracing::{debug, info};

use crate::document::Document;
use crate::error::Result;
use crate::index::{CommitPayload, SearchIndex};
use crate::schema::{SCHEMA_VERSION, TextPart};
use crate::store::Store;

/// Mentions of one concept counted per field; past this, repetition says nothing more.
const MAX_COUNTED_MENTIONS: u32 = 10;

/// Body mentions that make a concept central to a document: listed in its concepts, and its
/// theme one of its topics. A title mention is enough on its own.
const MIN_CENTRAL_MENTIONS: u32 = 2;

/// Documents per commit: large enough to amortise a commit, small enough that a crash
/// costs little and new documents become searchable while a big crawl is still running.
const DOCS_PER_COMMIT: u64 = 5_000;

/// What a sync or rebuild did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SyncReport {
    /// Documents added or replaced in the index.
    pub num_indexed: u64,
    /// Documents removed because the store no longer has them.
    pub num_removed: u64,
    /// Commits made.
    pub num_commits: u64,
    /// Documents the index holds afterwards.
    pub num_docs: u64,
}

/// The single writer of an index.
pub struct IndexUpdater {
    index: SearchIndex,
    writer: IndexWriter<TantivyDocument>,
}

impl IndexUpdater {
    pub(crate) fn new(index: SearchIndex, writer: IndexWriter<TantivyDocument>) -> IndexUpdater {
        IndexUpdater { index, writer }
    }

    /// Indexes every document changed in `store` since the last commit.
    ///
    /// `on_progress` is called with the number of documents handled so far.
    pub fn sync(&mut self, store: &Store, mut on_progress: impl FnMut(u64)) -> Result<SyncReport> {
        let mut report = SyncReport::default();
        let mut pending = 0;
        let mut last_seq = self.index.indexed_seq()?;

        for change in store.changes_after(last_seq) {
            let (seq, id) = change?;
            self.writer
                .delete_term(Term::from_field_text(self.index.schema().id, id.as_str()));
            match store.document(&id)? {
                // A near-duplicate stays out of the index: its original lists it in `also_at`.
                Some(document) if document.duplicate_of.is_some() => report.num_removed += 1,
                Some(document) => {
                    self.writer
                        .add_document(to_tantivy(&self.index, &document))?;
                    report.num_indexed += 1;
                }
                None => report.num_removed += 1,
            }
            last_seq = seq;
            pending += 1;
            on_progress(report.num_indexed + report.num_removed);

            if pending == DOCS_PER_COMMIT {
                self.commit(store, last_seq)?;
                report.num_commits += 1;
                pending = 0;
            }
        }
        if pending > 0 {
            self.commit(store, last_seq)?;
            report.num_commits += 1;
        }
        report.num_docs = self.index.num_docs();
        if report.num_commits > 0 {
            info!(
                num_indexed = report.num_indexed,
                num_removed = report.num_removed,
                num_docs = report.num_docs,
                "index sync committed"
            );
        }
        Ok(report)
    }

    /// Empties the index and refills it from every document in `store`.
    pub fn rebuild(
        &mut self,
        store: &Store,
        mut on_progress: impl FnMut(u64),
    ) -> Result<SyncReport> {
        // Changes made while the scan runs get sequence numbers above this one, so the next
        // sync re-indexes them even if the scan already saw them: nothing falls in between.
        let last_seq = store.last_change()?;
        self.writer.delete_all_documents()?;

        let mut report = SyncReport::default();
        for document in store.documents() {
            let document = document?;
            if document.duplicate_of.is_some() {
                continue;
            }
            self.writer
                .add_document(to_tantivy(&self.index, &document))?;
            report.num_indexed += 1;
            on_progress(report.num_indexed);
            if report.num_indexed % DOCS_PER_COMMIT == 0 {
                // Intermediate commits keep memory bounded; they record sequence 0 so that a
                // crash mid-rebuild leads to a full sync rather than a partial index.
                self.commit_with_payload(0)?;
                report.num_commits += 1;
            }
        }
        self.commit(store, last_seq)?;
        report.num_commits += 1;
        report.num_docs = self.index.num_docs();
        info!(num_docs = report.num_docs, "index rebuilt");
        Ok(report)
    }

    fn commit(&mut self, store: &Store, last_seq: u64) -> Result<()> {
        // The payload must never name a change the store could still lose in a crash: the
        // next sync would skip the change written again under that number.
        store.flush()?;
        self.commit_with_payload(last_seq)?;
        store.prune_changes_through(last_seq)?;
        Ok(())
    }

    fn commit_with_payload(&mut self, store_seq: u64) -> Result<()> {
        let payload = CommitPayload {
            schema_version: SCHEMA_VERSION,
            store_seq,
            thesaurus: self.index.thesaurus().fingerprint().to_string(),
        };
        let mut commit = self.writer.prepare_commit()?;
        commit.set_payload(&serde_json::to_string(&payload).expect("payload serialises"));
        commit.commit()?;
        self.index.reload()?;
        debug!(store_seq, "index commit");
        Ok(())
    }
}

/// Converts a stored document into the fields tantivy indexes.
fn to_tantivy(index: &SearchIndex, document: &Document) -> TantivyDocument {
    let schema = index.schema();
    let mut doc = TantivyDocument::default();
    doc.add_text(schema.id, document.id.as_str());
    // Results link to the canonical URL: the fetched one may carry tracking parameters.
    doc.add_text(schema.url, &document.canonical_url);
    for url in &document.also_at {
        doc.add_text(schema.also_at, url);
    }

    let texts = [
        (TextPart::Title, &document.title),
        (TextPart::Summary, &document.summary),
        (TextPart::Body, &document.body),
    ];
    let language_fields = schema.language_fields(&document.lang);
    for (part, text) in texts {
        doc.add_text(schema.neutral.get(part), text);
        if let Some(fields) = language_fields {
            doc.add_text(fields.get(part), text);
        }
    }

    doc.add_text(schema.lang, &document.lang);
    doc.add_text(schema.country, &document.country);
    doc.add_text(schema.kind, document.kind.as_str());
    doc.add_text(schema.source, &document.source);
    for (dimension, value) in [
        ("lang", document.lang.as_str()),
        ("country", document.country.as_str()),
        ("kind", document.kind.as_str()),
        ("source", document.source.as_str()),
    ] {
        doc.add_facet(schema.facets, Facet::from_path([dimension, value]));
    }
    add_concepts(index, document, &mut doc);

    if let Some(published) = document.published {
        doc.add_date(
            schema.published,
            DateTime::from_timestamp_secs(published.timestamp()),
        );
    }
    let sort_date = document.published.unwrap_or(document.fetched_at);
    doc.add_date(
        schema.sort_date,
        DateTime::from_timestamp_secs(sort_date.timestamp()),
    );
    crate::quality::add_quality_fields(schema, document, &mut doc);
    doc
}

/// Tags the document with the concepts its text mentions, and files it under their themes
/// and the themes of the topics its source or editor gave it.
fn add_concepts(index: &SearchIndex, document: &Document, doc: &mut TantivyDocument) {
    let schema = index.schema();
    let matcher = index.concepts();
    let thesaurus = matcher.thesaurus();
    let in_title = matcher.count_in(&document.title, &document.lang);
    let mut in_body = matcher.count_in(&document.summary, &document.lang);
    for (concept, count) in matcher.count_in(&document.body, &document.lang) {
        *in_body.entry(concept).or_default() += count;
    }

    for (field, counts) in [
        (schema.concept_title, &in_title),
        (schema.concept_body, &in_body),
    ] {
        let mentions: Vec<&str> = counts
            .iter()
            .flat_map(|(&concept, &count)| {
                let id = thesaurus.concepts()[concept].id.as_str();
                std::iter::repeat_n(id, count.min(MAX_COUNTED_MENTIONS) as usize)
            })
            .collect();
        if !mentions.is_empty() {
            doc.add_text(field, mentions.join(" "));
        }
    }

    let mut themes = BTreeSet::new();
    let mut concepts = BTreeSet::new();
    for &position in in_title.keys().chain(in_body.keys()) {
        // A passing mention in the body does not make a document about a concept or a theme.
        let is_central = in_title.contains_key(&position)
            || in_body.get(&position).copied().unwrap_or(0) >= MIN_CENTRAL_MENTIONS;
        if !is_central {
            continue;
        }
        let concept = &thesaurus.concepts()[position];
        concepts.insert(concept.id.as_str());
        if let Some(theme) = &concept.theme {
            themes.insert(theme.as_str());
        }
    }
    themes.extend(
        document
            .topics
            .iter()
            .filter_map(|topic| thesaurus.theme_of_topic(topic)),
    );
    for concept in concepts {
        doc.add_text(schema.concept, concept);
    }
    for theme in themes {
        doc.add_text(schema.topic, theme);
        doc.add_facet(schema.facets, Facet::from_path(["topic", theme]));
    }
}
