//! The document store: the source of truth from which the index is built.
//!
//! Documents, per-source crawl status, per-URL fetch state and a change log live in sled
//! today. Nothing outside this module sees sled: callers use [`Store`]'s methods, so that the
//! community data can later move to PostgreSQL without touching the crawler or the API.
//!
//! The change log is what makes indexing incremental and crash-safe. Every write that changes
//! a document appends its id under a new sequence number; the index records in each commit the
//! last sequence number it contains, and the next sync resumes from there.

use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::Serialize;
use serde::de::DeserializeOwned;
use sled::transaction::{ConflictableTransactionError, TransactionError, TransactionalTree};
use sled::{Transactional, Tree};

use crate::document::{DocId, Document};
use crate::error::{IndexerError, Result};
use crate::fetch_state::FetchState;
use crate::source_status::SourceStatus;

const DOCUMENTS: &str = "documents";
const CHANGES: &str = "changes";
const SOURCES: &str = "sources";
const SOURCE_COUNTS: &str = "source_counts";
const FETCH_STATES: &str = "fetch_states";

/// What storing a document did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PutOutcome {
    /// The document was not in the store.
    New,
    /// The document was there with other content; it was replaced.
    Updated,
    /// The document was there with the same content; nothing was written.
    Unchanged,
}

// sled's default cache is 1 GiB, which alone would outgrow the memory budget of a small
// machine; documents are read back once per index sync, so a modest cache loses little.
const CACHE_CAPACITY_BYTES: u64 = 64 * 1024 * 1024;

/// Documents, crawl state and the change log, on disk.
pub struct Store {
    db: sled::Db,
    path: PathBuf,
    documents: Tree,
    changes: Tree,
    sources: Tree,
    source_counts: Tree,
    fetch_states: Tree,
    // Sequence numbers must become visible in the order they are handed out, or a sync running
    // between two writers could skip the lower one; serialising writers guarantees that.
    write_lock: Mutex<()>,
}

impl Store {
    /// Opens the store in `path`, creating it if needed.
    pub fn open(path: &Path) -> Result<Store> {
        let db = sled::Config::new()
            .path(path)
            .cache_capacity(CACHE_CAPACITY_BYTES)
            .open()
            .map_err(|error| IndexerError::store(path, error))?;
        Store::from_db(db, path.to_path_buf())
    }

    /// Opens a store that lives in a temporary directory and vanishes when dropped.
    #[cfg(any(test, feature = "testing"))]
    pub fn open_temporary() -> Result<Store> {
        let db = sled::Config::new()
            .temporary(true)
            .open()
            .map_err(|error| IndexerError::store("<temporary>", error))?;
        Store::from_db(db, PathBuf::from("<temporary>"))
    }

    fn from_db(db: sled::Db, path: PathBuf) -> Result<Store> {
        let open_tree = |name: &str| {
            db.open_tree(name)
                .map_err(|error| IndexerError::store(&path, error))
        };
        Ok(Store {
            documents: open_tree(DOCUMENTS)?,
            changes: open_tree(CHANGES)?,
            sources: open_tree(SOURCES)?,
            source_counts: open_tree(SOURCE_COUNTS)?,
            fetch_states: open_tree(FETCH_STATES)?,
            db,
            path,
            write_lock: Mutex::new(()),
        })
    }

    /// Stores `document`, unless an identical version is already there.
    pub fn put_document(&self, document: &Document) -> Result<PutOutcome> {
        let key = document.id.as_str().as_bytes();
        let encoded = encode(document);
        let _guard = self
            .write_lock
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());

        let previous: Option<Document> = match self.documents.get(key).map_err(|e| self.error(e))? {
            Some(bytes) => Some(decode("document", document.id.as_str(), &bytes)?),
            None => None,
        };
        if let Some(previous) = &previous
            && previous.content_hash == document.content_hash
            && previous.source == document.source
        {
            return Ok(PutOutcome::Unchanged);
        }

        // sled counts from 0, which the change log reserves for "nothing indexed yet".
        let seq = self.db.generate_id().map_err(|e| self.error(e))? + 1;
        let previous_source = previous.as_ref().map(|previous| previous.source.as_str());
        let result: Result<(), TransactionError<()>> =
            (&self.documents, &self.changes, &self.source_counts).transaction(
                |(documents, changes, counts)| {
                    documents.insert(key, encoded.as_slice())?;
                    changes.insert(&seq.to_be_bytes(), key)?;
                    if previous_source != Some(document.source.as_str()) {
                        if let Some(old_source) = previous_source {
                            add_to_count(counts, old_source, -1)?;
                        }
                        add_to_count(counts, &document.source, 1)?;
                    }
                    Ok(())
                },
            );
        result.map_err(|error| match error {
            TransactionError::Abort(()) => unreachable!("the transaction never aborts"),
            TransactionError::Storage(error) => self.error(error),
        })?;

        Ok(if previous.is_some() {
            PutOutcome::Updated
        } else {
            PutOutcome::New
        })
    }

    /// Returns the document with `id`, if stored.
    pub fn document(&self, id: &DocId) -> Result<Option<Document>> {
        match self.documents.get(id.as_str()).map_err(|e| self.error(e))? {
            Some(bytes) => Ok(Some(decode("document", id.as_str(), &bytes)?)),
            None => Ok(None),
        }
    }

    /// Streams every stored document in id order, without loading them all.
    pub fn documents(&self) -> impl Iterator<Item = Result<Document>> + '_ {
        self.documents.iter().map(|entry| {
            let (key, bytes) = entry.map_err(|e| self.error(e))?;
            decode("document", &String::from_utf8_lossy(&key), &bytes)
        })
    }

    /// Returns how many documents are stored, from the per-source counters (no scan).
    pub fn num_documents(&self) -> Result<u64> {
        self.source_counts.iter().try_fold(0, |total, entry| {
            let (_, count) = entry.map_err(|e| self.error(e))?;
            Ok(total + decode_count(&count))
        })
    }

    /// Returns how many documents are stored from `source`.
    pub fn num_documents_from(&self, source: &str) -> Result<u64> {
        let count = self.source_counts.get(source).map_err(|e| self.error(e))?;
        Ok(count.map(|bytes| decode_count(&bytes)).unwrap_or(0))
    }

    /// Streams the change log after `seq`: sequence numbers with the id of the changed document.
    pub fn changes_after(&self, seq: u64) -> impl Iterator<Item = Result<(u64, DocId)>> + '_ {
        let start = seq.saturating_add(1).to_be_bytes();
        self.changes.range(start..).map(|entry| {
            let (key, value) = entry.map_err(|e| self.error(e))?;
            let seq = u64::from_be_bytes(key.as_ref().try_into().unwrap_or([0; 8]));
            let id = DocId::parse(&String::from_utf8_lossy(&value));
            let id = id.ok_or_else(|| IndexerError::Corrupt {
                what: "change",
                key: seq.to_string(),
                reason: "malformed document id".to_string(),
            })?;
            Ok((seq, id))
        })
    }

    /// Returns the highest sequence number in the change log, or 0 when it is empty.
    pub fn last_change(&self) -> Result<u64> {
        let last = self.changes.last().map_err(|e| self.error(e))?;
        Ok(last
            .map(|(key, _)| u64::from_be_bytes(key.as_ref().try_into().unwrap_or([0; 8])))
            .unwrap_or(0))
    }

    /// Forgets changes up to and including `seq`, once the index holds them durably.
    pub fn prune_changes_through(&self, seq: u64) -> Result<()> {
        let end = seq.saturating_add(1).to_be_bytes();
        let mut batch = sled::Batch::default();
        for entry in self.changes.range(..end) {
            let (key, _) = entry.map_err(|e| self.error(e))?;
            batch.remove(key);
        }
        self.changes.apply_batch(batch).map_err(|e| self.error(e))
    }

    /// Saves the status of a source.
    pub fn put_source_status(&self, status: &SourceStatus) -> Result<()> {
        self.sources
            .insert(status.id.as_bytes(), encode(status))
            .map_err(|e| self.error(e))?;
        Ok(())
    }

    /// Returns the status of source `id`, with its current document count.
    pub fn source_status(&self, id: &str) -> Result<Option<SourceStatus>> {
        let Some(bytes) = self.sources.get(id).map_err(|e| self.error(e))? else {
            return Ok(None);
        };
        let mut status: SourceStatus = decode("source", id, &bytes)?;
        status.num_documents = self.num_documents_from(id)?;
        Ok(Some(status))
    }

    /// Returns the status of every known source, in id order.
    pub fn source_statuses(&self) -> Result<Vec<SourceStatus>> {
        let mut statuses = Vec::new();
        for entry in self.sources.iter() {
            let (key, bytes) = entry.map_err(|e| self.error(e))?;
            let id = String::from_utf8_lossy(&key).into_owned();
            let mut status: SourceStatus = decode("source", &id, &bytes)?;
            status.num_documents = self.num_documents_from(&id)?;
            statuses.push(status);
        }
        Ok(statuses)
    }

    /// Forgets the status of sources no longer configured; their documents stay searchable.
    pub fn retain_sources(&self, configured_ids: &[&str]) -> Result<()> {
        for entry in self.sources.iter() {
            let (key, _) = entry.map_err(|e| self.error(e))?;
            if !configured_ids
                .iter()
                .any(|id| id.as_bytes() == key.as_ref())
            {
                self.sources.remove(key).map_err(|e| self.error(e))?;
            }
        }
        Ok(())
    }

    /// Returns what the last successful fetch of `url` left: its validators and time.
    pub fn fetch_state(&self, url: &str) -> Result<Option<FetchState>> {
        match self.fetch_states.get(url).map_err(|e| self.error(e))? {
            Some(bytes) => Ok(Some(decode("fetch state", url, &bytes)?)),
            None => Ok(None),
        }
    }

    /// Records the outcome of a successful fetch of `url`, replacing the previous one.
    pub fn put_fetch_state(&self, url: &str, state: &FetchState) -> Result<()> {
        self.fetch_states
            .insert(url.as_bytes(), encode(state))
            .map_err(|e| self.error(e))?;
        Ok(())
    }

    /// Writes everything buffered to disk.
    pub fn flush(&self) -> Result<()> {
        self.db.flush().map_err(|e| self.error(e))?;
        Ok(())
    }

    fn error(&self, error: sled::Error) -> IndexerError {
        IndexerError::store(&self.path, error)
    }
}

fn add_to_count(
    counts: &TransactionalTree,
    source: &str,
    delta: i64,
) -> std::result::Result<(), ConflictableTransactionError<()>> {
    let current = counts
        .get(source)?
        .map(|bytes| decode_count(&bytes))
        .unwrap_or(0);
    let updated = current.saturating_add_signed(delta);
    counts.insert(source.as_bytes(), &updated.to_be_bytes())?;
    Ok(())
}

fn decode_count(bytes: &[u8]) -> u64 {
    u64::from_be_bytes(bytes.try_into().unwrap_or([0; 8]))
}

fn encode<T: Serialize>(value: &T) -> Vec<u8> {
    serde_json::to_vec(value).expect("documents and statuses always serialise to JSON")
}

fn decode<T: DeserializeOwned>(what: &'static str, key: &str, bytes: &[u8]) -> Result<T> {
    serde_json::from_slice(bytes).map_err(|error| IndexerError::Corrupt {
        what,
        key: key.to_string(),
        reason: error.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use chrono::Utc;

    use super::*;
    use crate::document::DocumentDraft;

    fn document(url: &str, source: &str, body: &str) -> Document {
        DocumentDraft {
            url: url.into(),
            canonical_url: url.into(),
            source: source.into(),
            title: "A title".into(),
            body: body.into(),
            lang: "en".into(),
            country: "GB".into(),
            ..DocumentDraft::default()
        }
        .finish(Utc::now())
    }

    #[test]
    fn put_reports_new_unchanged_and_updated() {
        let store = Store::open_temporary().unwrap();
        let first = document("https://a.example/1", "a", "one");
        assert_eq!(store.put_document(&first).unwrap(), PutOutcome::New);
        assert_eq!(store.put_document(&first).unwrap(), PutOutcome::Unchanged);
        let edited = document("https://a.example/1", "a", "two");
        assert_eq!(store.put_document(&edited).unwrap(), PutOutcome::Updated);
        assert_eq!(store.document(&first.id).unwrap().unwrap().body, "two");
    }

    #[test]
    fn unchanged_documents_leave_no_change_entry() {
        let store = Store::open_temporary().unwrap();
        let doc = document("https://a.example/1", "a", "one");
        store.put_document(&doc).unwrap();
        store.put_document(&doc).unwrap();
        let changes: Vec<_> = store.changes_after(0).collect::<Result<_>>().unwrap();
        assert_eq!(changes.len(), 1);
        assert_eq!(changes[0].1, doc.id);
    }

    #[test]
    fn changes_resume_after_a_sequence_number_and_can_be_pruned() {
        let store = Store::open_temporary().unwrap();
        for index in 0..3 {
            store
                .put_document(&document(&format!("https://a.example/{index}"), "a", "x"))
                .unwrap();
        }
        let all: Vec<_> = store.changes_after(0).collect::<Result<_>>().unwrap();
        let after_first: Vec<_> = store
            .changes_after(all[0].0)
            .collect::<Result<_>>()
            .unwrap();
        assert_eq!(after_first.len(), 2);

        store.prune_changes_through(all[1].0).unwrap();
        let remaining: Vec<_> = store.changes_after(0).collect::<Result<_>>().unwrap();
        assert_eq!(remaining, vec![all[2].clone()]);
        assert_eq!(store.last_change().unwrap(), all[2].0);
    }

    #[test]
    fn counts_follow_documents_between_sources() {
        let store = Store::open_temporary().unwrap();
        store
            .put_document(&document("https://a.example/1", "a", "x"))
            .unwrap();
        store
            .put_document(&document("https://a.example/2", "a", "x"))
            .unwrap();
        store
            .put_document(&document("https://a.example/2", "b", "x"))
            .unwrap();
        assert_eq!(store.num_documents_from("a").unwrap(), 1);
        assert_eq!(store.num_documents_from("b").unwrap(), 1);
        assert_eq!(store.num_documents().unwrap(), 2);
    }

    #[test]
    fn source_statuses_round_trip_and_can_be_retained() {
        let store = Store::open_temporary().unwrap();
        for id in ["a", "b"] {
            store
                .put_source_status(&SourceStatus::new(id, id, "feed", "https://x", true))
                .unwrap();
        }
        store.retain_sources(&["b"]).unwrap();
        let ids: Vec<_> = store
            .source_statuses()
            .unwrap()
            .into_iter()
            .map(|s| s.id)
            .collect();
        assert_eq!(ids, ["b"]);
    }

    #[test]
    fn fetch_states_are_kept_per_url() {
        let store = Store::open_temporary().unwrap();
        let url = "https://a.example/feed.xml";
        assert_eq!(store.fetch_state(url).unwrap(), None);
        let state = FetchState {
            etag: Some("\"v1\"".into()),
            last_modified: None,
            fetched_at: Utc::now(),
            final_url: None,
        };
        store.put_fetch_state(url, &state).unwrap();
        assert_eq!(store.fetch_state(url).unwrap(), Some(state));
        assert_eq!(store.fetch_state("https://a.example/other").unwrap(), None);
    }

    #[test]
    fn documents_survive_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let doc = document("https://a.example/1", "a", "kept");
        {
            let store = Store::open(dir.path()).unwrap();
            store.put_document(&doc).unwrap();
            store.flush().unwrap();
        }
        let store = Store::open(dir.path()).unwrap();
        assert_eq!(store.document(&doc.id).unwrap(), Some(doc));
    }
}
