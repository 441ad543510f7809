//! Bringing the index up to date with the store, in batched commits.
//!
//! Sync reads the store's change log from the sequence number recorded in the index's last
//! commit, so it only touches documents that changed, survives a crash at any point (the
//! next sync redoes at most one batch), and never holds more than one batch in memory.

use tantivy::schema::Facet;
use tantivy::{DateTime, IndexWriter, TantivyDocument, Term};
use tracing::{debug, info};

use crate::document::Document;
use crate::error::Result;
use crate::index::{CommitPayload, SearchIndex};
use crate::schema::{IndexSchema, SCHEMA_VERSION, TextPart};
use crate::store::Store;

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
                        .add_document(to_tantivy(self.index.schema(), &document))?;
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
                .add_document(to_tantivy(self.index.schema(), &document))?;
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
        self.commit_with_payload(last_seq)?;
        store.prune_changes_through(last_seq)?;
        Ok(())
    }

    fn commit_with_payload(&mut self, store_seq: u64) -> Result<()> {
        let payload = CommitPayload {
            schema_version: SCHEMA_VERSION,
            store_seq,
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
fn to_tantivy(schema: &IndexSchema, document: &Document) -> TantivyDocument {
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
    doc.add_facet(
        schema.facets,
        Facet::from_path(["lang", document.lang.as_str()]),
    );
    doc.add_facet(
        schema.facets,
        Facet::from_path(["country", document.country.as_str()]),
    );
    doc.add_facet(
        schema.facets,
        Facet::from_path(["kind", document.kind.as_str()]),
    );
    doc.add_facet(
        schema.facets,
        Facet::from_path(["source", document.source.as_str()]),
    );
    for topic in &document.topics {
        doc.add_text(schema.topic, topic);
        doc.add_facet(schema.facets, Facet::from_path(["topic", topic.as_str()]));
    }

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
    doc
}
