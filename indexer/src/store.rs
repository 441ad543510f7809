//! The document store: the source of truth from which the index is built.
//!
//! Documents, per-source crawl status, per-URL fetch state, the duplicate indexes and a change
//! log live in a redb database (`store.redb`). Nothing outside this module sees redb: callers
//! use [`Store`]'s methods, so that the engine can change without touching the crawler or the
//! API.
//!
//! redb rather than sled: sled 0.34 keeps what it reads in memory beyond its cache capacity, so
//! a sync over a million documents (or duplicate lookups reading many candidates) grew the
//! process by kilobytes per document read; redb's memory is its fixed page cache. Writes are
//! transactions; most commit without waiting for the disk, and one a second (and every
//! [`Store::flush`]) is durable, so a crash loses at most the last second of writes, which the
//! next crawl fetches again.
//!
//! The change log is what makes indexing incremental and crash-safe. Every write that changes
//! a document appends its id under a new sequence number; the index records in each commit the
//! last sequence number it contains, and the next sync resumes from there. The index flushes the
//! store before it commits, so it never records a sequence number the store could lose.

use std::collections::VecDeque;
use std::ops::Bound;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use redb::{
    Database, Durability, ReadableDatabase, ReadableTable, TableDefinition, WriteTransaction,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use tracing::warn;

use crate::document::{DocId, Document};
use crate::error::{IndexerError, Result};
use crate::fetch_state::FetchState;
use crate::fingerprint::{Fingerprint, NEAR_DUPLICATE_SIMILARITY};
use crate::source_status::SourceStatus;

/// Document id → the document, as JSON.
const DOCUMENTS: TableDefinition<&str, &[u8]> = TableDefinition::new("documents");
/// Sequence number → id of the document that changed.
const CHANGES: TableDefinition<u64, &str> = TableDefinition::new("changes");
/// Source id → its status, as JSON.
const SOURCES: TableDefinition<&str, &[u8]> = TableDefinition::new("sources");
/// Source id → documents stored from it.
const SOURCE_COUNTS: TableDefinition<&str, u64> = TableDefinition::new("source_counts");
/// Exact text hash → id of the original document with that text.
const TEXT_HASHES: TableDefinition<&[u8], &str> = TableDefinition::new("text_hashes");
/// `[band][band key][id]` → nothing: originals by MinHash band, for near-duplicates.
const MINHASH_BANDS: TableDefinition<&[u8], ()> = TableDefinition::new("minhash_bands");
/// Id of an original → its fingerprint, so that candidates are compared (and entries
/// removed) without reading and fingerprinting their text again.
const FINGERPRINTS: TableDefinition<&str, &[u8]> = TableDefinition::new("fingerprints");
/// URL → what its last successful fetch left, as JSON.
const FETCH_STATES: TableDefinition<&str, &[u8]> = TableDefinition::new("fetch_states");
/// Counters: the last sequence number handed out.
const META: TableDefinition<&str, u64> = TableDefinition::new("meta");
const LAST_SEQ: &str = "last_seq";

/// The database file inside the store's folder.
const DATABASE_FILE: &str = "store.redb";

/// A band entry's key: band number, band key, then the document id.
const BAND_PREFIX_LEN: usize = 1 + 8;

/// Candidates compared per lookup; a band shared by more documents than this is boilerplate
/// that many pages repeat, not a sign of one article.
///
const MAX_NEAR_CANDIDATES: usize = 200;

/// URLs listed in one document's `also_at`.
const MAX_ALSO_AT: usize = 20;

/// The page cache: documents are read back once per index sync, so a modest cache loses
/// little, and it bounds the store's memory whatever the number of documents.
const CACHE_BYTES: usize = 64 * 1024 * 1024;

/// How long a write may stay in memory only; a crash loses at most this much.
const DURABLE_EVERY: Duration = Duration::from_secs(1);

/// Entries read per transaction by the streaming scans, so that no snapshot is held for long.
const SCAN_CHUNK: usize = 256;

/// What storing a document did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PutOutcome {
    /// The document was not in the store.
    New,
    /// The document was there with other content; it was replaced.
    Updated,
    /// The document was there with the same content; nothing was written.
    Unchanged,
    /// Another document has exactly the same text; this one was not stored, its URL was added
    /// to the other's `also_at`.
    Duplicate,
}

/// Documents, crawl state and the change log, on disk.
pub struct Store {
    db: Database,
    path: PathBuf,
    /// When the last durable commit was made.
    last_durable: Mutex<Instant>,
}

impl Store {
    /// Opens the store in the folder `path`, creating it if needed.
    pub fn open(path: &Path) -> Result<Store> {
        std::fs::create_dir_all(path).map_err(|source| IndexerError::Io {
            context: format!("creating the store folder `{}`", path.display()),
            source,
        })?;
        let file = path.join(DATABASE_FILE);
        if std::fs::metadata(&file).is_err() && std::fs::metadata(path.join("conf")).is_ok() {
            // Agora stored documents in sled before; crawling again rebuilds them here.
            warn!(path = %path.display(), "the store folder holds an older store format, which is not read; sources will be crawled afresh");
        }
        let db = Database::builder()
            .set_cache_size(CACHE_BYTES)
            .create(file)
            .map_err(|error| IndexerError::store(path, error))?;
        Store::from_db(db, path.to_path_buf())
    }

    /// Opens a store that lives in memory and vanishes when dropped.
    #[cfg(any(test, feature = "testing"))]
    pub fn open_temporary() -> Result<Store> {
        let db = Database::builder()
            .create_with_backend(redb::backends::InMemoryBackend::new())
            .map_err(|error| IndexerError::store("<temporary>", error))?;
        Store::from_db(db, PathBuf::from("<temporary>"))
    }

    fn from_db(db: Database, path: PathBuf) -> Result<Store> {
        let store = Store {
            db,
            path,
            last_durable: Mutex::new(Instant::now()),
        };
        // Reads open tables; creating them all once means a read never finds one missing.
        let txn = store.begin_write()?;
        {
            txn.open_table(DOCUMENTS).map_err(|e| store.error(e))?;
            txn.open_table(CHANGES).map_err(|e| store.error(e))?;
            txn.open_table(SOURCES).map_err(|e| store.error(e))?;
            txn.open_table(SOURCE_COUNTS).map_err(|e| store.error(e))?;
            txn.open_table(TEXT_HASHES).map_err(|e| store.error(e))?;
            txn.open_table(MINHASH_BANDS).map_err(|e| store.error(e))?;
            txn.open_table(FINGERPRINTS).map_err(|e| store.error(e))?;
            txn.open_table(FETCH_STATES).map_err(|e| store.error(e))?;
            txn.open_table(META).map_err(|e| store.error(e))?;
        }
        store.commit(txn, true)?;
        Ok(store)
    }

    /// Stores `document`, unless an identical version is already there.
    ///
    /// Duplicates are recognised by their text. A new document whose text is exactly that of
    /// another is not stored: its URL joins the other's `also_at`, and
    /// [`PutOutcome::Duplicate`] is returned. One whose text is nearly the same (the article
    /// republished elsewhere) is stored with `duplicate_of` naming the other, which the index
    /// leaves out, and its URL also joins the other's `also_at`.
    pub fn put_document(&self, document: &Document) -> Result<PutOutcome> {
        // Fingerprinting a long text takes longer than the rest of the write, so it is done
        // before the transaction, which excludes every other writer while it is open.
        let fingerprint = Fingerprint::of(&document.body);
        // The whole decision runs in one write transaction: redb serialises writers, so the
        // documents read here cannot change before the write, and sequence numbers become
        // visible in the order they are handed out.
        let txn = self.begin_write()?;
        let previous = self.read_document(&txn, &document.id)?;
        if let Some(previous) = &previous
            && previous.content_hash == document.content_hash
            && previous.source == document.source
        {
            return Ok(PutOutcome::Unchanged);
        }

        let original = match &fingerprint {
            Some(fingerprint) => self.find_original(&txn, &document.id, fingerprint)?,
            None => None,
        };
        if let Some((original, true)) = &original
            && previous.is_none()
        {
            let mut original = original.clone();
            if add_url(&mut original.also_at, &document.canonical_url) {
                self.write(&txn, &[], &[original], &IndexChanges::default())?;
                self.commit(txn, false)?;
            }
            return Ok(PutOutcome::Duplicate);
        }

        let original = original.map(|(original, _)| original);
        let (stored, related) = self.link(&txn, document, previous.as_ref(), original)?;
        let index_changes = IndexChanges {
            remove: match &previous {
                Some(previous) if previous.duplicate_of.is_none() => {
                    self.stored_fingerprint(&txn, &previous.id)?
                }
                _ => None,
            },
            add: fingerprint.filter(|_| stored.duplicate_of.is_none()),
        };
        let previous_source = previous.as_ref().map(|previous| previous.source.clone());
        self.write(&txn, &[(stored, previous_source)], &related, &index_changes)?;
        // Copies repeat the text: an edit of the title or the date leaves them where they are.
        let text_changed = index_changes.remove.as_ref().map(|removed| removed.exact)
            != index_changes.add.as_ref().map(|added| added.exact);
        if let Some(previous) = &previous
            && previous.duplicate_of.is_none()
            && text_changed
        {
            self.reexamine_copies(&txn, previous)?;
        }
        self.commit(txn, false)?;
        Ok(if previous.is_some() {
            PutOutcome::Updated
        } else {
            PutOutcome::New
        })
    }

    /// Returns `document` as it is to be stored (keeping the `also_at` the store learnt, and
    /// naming its original, if any) and the other documents whose `also_at` changes.
    fn link(
        &self,
        txn: &WriteTransaction,
        document: &Document,
        previous: Option<&Document>,
        original: Option<Document>,
    ) -> Result<(Document, Vec<Document>)> {
        let mut stored = document.clone();
        stored.duplicate_of = original.as_ref().map(|original| original.id.clone());
        stored.also_at = previous
            .map(|previous| previous.also_at.clone())
            .unwrap_or_default();

        let mut related = Vec::new();
        if let Some(mut original) = original
            && add_url(&mut original.also_at, &document.canonical_url)
        {
            related.push(original);
        }
        // A document that no longer repeats its former original leaves that one's `also_at`.
        if let Some(former) = previous.and_then(|previous| previous.duplicate_of.as_ref())
            && stored.duplicate_of.as_ref() != Some(former)
            && let Some(mut former) = self.read_document(txn, former)?
        {
            former.also_at.retain(|url| *url != document.canonical_url);
            related.push(former);
        }
        Ok((stored, related))
    }

    /// Looks again at the stored copies of `former`, an original as it was before it changed
    /// or was deleted: a copy that still repeats it stays linked, one that repeats another
    /// original is linked to that one, and any other becomes an original, back in search.
    ///
    /// Exact copies are not stored, only listed in `also_at`: such a URL stays listed until
    /// it is fetched again and found to differ.
    fn reexamine_copies(&self, txn: &WriteTransaction, former: &Document) -> Result<()> {
        for url in &former.also_at {
            let Some(mut copy) = self.read_document(txn, &DocId::from_canonical_url(url))? else {
                continue;
            };
            if copy.duplicate_of.as_ref() != Some(&former.id) {
                continue;
            }
            let fingerprint = Fingerprint::of(&copy.body);
            let original = match &fingerprint {
                Some(fingerprint) => self.find_original(txn, &copy.id, fingerprint)?,
                None => None,
            };
            let mut related = Vec::new();
            match original {
                Some((original, _)) if original.id == former.id => continue,
                Some((mut original, _)) => {
                    copy.duplicate_of = Some(original.id.clone());
                    if add_url(&mut original.also_at, url) {
                        related.push(original);
                    }
                }
                None => {
                    copy.duplicate_of = None;
                    if let Some(fingerprint) = &fingerprint {
                        self.index_fingerprint(txn, &copy.id, fingerprint)?;
                    }
                }
            }
            if let Some(mut current) = self.read_document(txn, &former.id)? {
                current.also_at.retain(|listed| listed != url);
                related.push(current);
            }
            related.push(copy);
            // Written one copy at a time, so that the next lookup sees this one's new place.
            self.write(txn, &[], &related, &IndexChanges::default())?;
        }
        Ok(())
    }

    /// Finds the stored original that `fingerprint`'s text repeats: exactly (`true`) or nearly
    /// (`false`). Near-duplicates are looked up through the MinHash bands, so the cost depends
    /// on the number of candidates sharing a band, not on the size of the store.
    fn find_original(
        &self,
        txn: &WriteTransaction,
        id: &DocId,
        fingerprint: &Fingerprint,
    ) -> Result<Option<(Document, bool)>> {
        let exact = {
            let text_hashes = txn.open_table(TEXT_HASHES).map_err(|e| self.error(e))?;
            let found = text_hashes
                .get(fingerprint.exact.as_slice())
                .map_err(|e| self.error(e))?;
            found.and_then(|found| DocId::parse(found.value()))
        };
        if let Some(original) = exact
            && original != *id
            && let Some(original) = self.read_document(txn, &original)?
            && original.duplicate_of.is_none()
        {
            return Ok(Some((original, true)));
        }
        let Some(minhash) = &fingerprint.minhash else {
            return Ok(None);
        };

        let mut candidates: Vec<DocId> = Vec::new();
        {
            let bands = txn.open_table(MINHASH_BANDS).map_err(|e| self.error(e))?;
            'bands: for (band, key) in minhash.band_keys().iter().enumerate() {
                let prefix = band_prefix(band, *key);
                let start: &[u8] = &prefix;
                for entry in bands.range(start..).map_err(|e| self.error(e))? {
                    let (entry_key, _) = entry.map_err(|e| self.error(e))?;
                    let entry_key = entry_key.value();
                    if !entry_key.starts_with(&prefix) {
                        break;
                    }
                    let raw_id = String::from_utf8_lossy(&entry_key[BAND_PREFIX_LEN..]);
                    if let Some(candidate) = DocId::parse(&raw_id)
                        && candidate != *id
                        && !candidates.contains(&candidate)
                    {
                        candidates.push(candidate);
                    }
                    if candidates.len() >= MAX_NEAR_CANDIDATES {
                        break 'bands;
                    }
                }
            }
        }

        let mut similar: Vec<(f64, DocId)> = Vec::new();
        for candidate in candidates {
            let Some(other) = self.stored_fingerprint(txn, &candidate)? else {
                continue;
            };
            let Some(other_minhash) = &other.minhash else {
                continue;
            };
            let similarity = minhash.similarity(other_minhash);
            if similarity >= NEAR_DUPLICATE_SIMILARITY && fingerprint.may_repeat(&other) {
                similar.push((similarity, candidate));
            }
        }
        similar.sort_by(|(left, _), (right, _)| right.total_cmp(left));
        for (_, candidate) in similar {
            if let Some(document) = self.read_document(txn, &candidate)?
                && document.duplicate_of.is_none()
            {
                return Ok(Some((document, false)));
            }
        }
        Ok(None)
    }

    /// The fingerprint stored for the original `id`, if it is one.
    fn stored_fingerprint(
        &self,
        txn: &WriteTransaction,
        id: &DocId,
    ) -> Result<Option<Fingerprint>> {
        let fingerprints = txn.open_table(FINGERPRINTS).map_err(|e| self.error(e))?;
        let found = fingerprints.get(id.as_str()).map_err(|e| self.error(e))?;
        match found {
            Some(bytes) => match Fingerprint::from_bytes(bytes.value()) {
                Some(fingerprint) => Ok(Some(fingerprint)),
                None => Err(IndexerError::Corrupt {
                    what: "fingerprint",
                    key: id.as_str().to_string(),
                    reason: format!("{} bytes do not make a fingerprint", bytes.value().len()),
                }),
            },
            None => Ok(None),
        }
    }

    /// Writes documents (each with the source it was stored under before, for the counts)
    /// and related documents whose `also_at` changed, logging a change for each, and
    /// updates the fingerprint indexes, all within `txn`.
    fn write(
        &self,
        txn: &WriteTransaction,
        documents: &[(Document, Option<String>)],
        related: &[Document],
        index_changes: &IndexChanges,
    ) -> Result<()> {
        let mut stored = txn.open_table(DOCUMENTS).map_err(|e| self.error(e))?;
        let mut changes = txn.open_table(CHANGES).map_err(|e| self.error(e))?;
        for document in documents
            .iter()
            .map(|(document, _)| document)
            .chain(related)
        {
            let seq = self.next_seq(txn)?;
            let id = document.id.as_str();
            stored
                .insert(id, encode(document).as_slice())
                .map_err(|e| self.error(e))?;
            changes.insert(seq, id).map_err(|e| self.error(e))?;
        }

        let mut counts = txn.open_table(SOURCE_COUNTS).map_err(|e| self.error(e))?;
        for (document, previous_source) in documents {
            if previous_source.as_deref() != Some(document.source.as_str()) {
                if let Some(old_source) = previous_source {
                    add_to_count(&mut counts, old_source, -1).map_err(|e| self.error(e))?;
                }
                add_to_count(&mut counts, &document.source, 1).map_err(|e| self.error(e))?;
            }
            if let Some(removed) = &index_changes.remove {
                self.unindex_fingerprint(txn, &document.id, removed)?;
            }
            if let Some(added) = &index_changes.add {
                self.index_fingerprint(txn, &document.id, added)?;
            }
        }
        Ok(())
    }

    /// Records `fingerprint` as that of the original `id`, for the duplicate lookups.
    fn index_fingerprint(
        &self,
        txn: &WriteTransaction,
        id: &DocId,
        fingerprint: &Fingerprint,
    ) -> Result<()> {
        let id = id.as_str();
        let mut text_hashes = txn.open_table(TEXT_HASHES).map_err(|e| self.error(e))?;
        text_hashes
            .insert(fingerprint.exact.as_slice(), id)
            .map_err(|e| self.error(e))?;
        let mut bands = txn.open_table(MINHASH_BANDS).map_err(|e| self.error(e))?;
        for (band, key) in band_keys(fingerprint) {
            bands
                .insert(band_entry(band, key, id.as_bytes()).as_slice(), ())
                .map_err(|e| self.error(e))?;
        }
        let mut fingerprints = txn.open_table(FINGERPRINTS).map_err(|e| self.error(e))?;
        fingerprints
            .insert(id, fingerprint.to_bytes().as_slice())
            .map_err(|e| self.error(e))?;
        Ok(())
    }

    /// Removes what [`Store::index_fingerprint`] recorded for `id`.
    fn unindex_fingerprint(
        &self,
        txn: &WriteTransaction,
        id: &DocId,
        fingerprint: &Fingerprint,
    ) -> Result<()> {
        let id = id.as_str();
        let mut text_hashes = txn.open_table(TEXT_HASHES).map_err(|e| self.error(e))?;
        let owner = text_hashes
            .get(fingerprint.exact.as_slice())
            .map_err(|e| self.error(e))?
            .map(|owner| owner.value().to_string());
        if owner.as_deref() == Some(id) {
            text_hashes
                .remove(fingerprint.exact.as_slice())
                .map_err(|e| self.error(e))?;
        }
        let mut bands = txn.open_table(MINHASH_BANDS).map_err(|e| self.error(e))?;
        for (band, key) in band_keys(fingerprint) {
            bands
                .remove(band_entry(band, key, id.as_bytes()).as_slice())
                .map_err(|e| self.error(e))?;
        }
        let mut fingerprints = txn.open_table(FINGERPRINTS).map_err(|e| self.error(e))?;
        fingerprints.remove(id).map_err(|e| self.error(e))?;
        Ok(())
    }

    /// Hands out the next sequence number of the change log; 0 means "nothing indexed yet".
    fn next_seq(&self, txn: &WriteTransaction) -> Result<u64> {
        let mut meta = txn.open_table(META).map_err(|e| self.error(e))?;
        let last = meta
            .get(LAST_SEQ)
            .map_err(|e| self.error(e))?
            .map(|last| last.value())
            .unwrap_or(0);
        let seq = last + 1;
        meta.insert(LAST_SEQ, seq).map_err(|e| self.error(e))?;
        Ok(seq)
    }

    /// Removes the document with `id`, logging the change so that the next sync drops it
    /// from the index; returns whether it was stored.
    pub fn delete_document(&self, id: &DocId) -> Result<bool> {
        let txn = self.begin_write()?;
        let Some(previous) = self.read_document(&txn, id)? else {
            return Ok(false);
        };
        if let Some(fingerprint) = self.stored_fingerprint(&txn, id)? {
            self.unindex_fingerprint(&txn, id, &fingerprint)?;
        }
        let seq = self.next_seq(&txn)?;
        {
            let mut documents = txn.open_table(DOCUMENTS).map_err(|e| self.error(e))?;
            documents.remove(id.as_str()).map_err(|e| self.error(e))?;
            let mut changes = txn.open_table(CHANGES).map_err(|e| self.error(e))?;
            changes
                .insert(seq, id.as_str())
                .map_err(|e| self.error(e))?;
            let mut counts = txn.open_table(SOURCE_COUNTS).map_err(|e| self.error(e))?;
            add_to_count(&mut counts, &previous.source, -1).map_err(|e| self.error(e))?;
        }
        match &previous.duplicate_of {
            None => self.reexamine_copies(&txn, &previous)?,
            Some(original) => {
                if let Some(mut original) = self.read_document(&txn, original)? {
                    original
                        .also_at
                        .retain(|url| *url != previous.canonical_url);
                    self.write(&txn, &[], &[original], &IndexChanges::default())?;
                }
            }
        }
        self.commit(txn, false)?;
        Ok(true)
    }

    /// Returns the document with `id`, if stored.
    pub fn document(&self, id: &DocId) -> Result<Option<Document>> {
        let txn = self.db.begin_read().map_err(|e| self.error(e))?;
        let documents = txn.open_table(DOCUMENTS).map_err(|e| self.error(e))?;
        match documents.get(id.as_str()).map_err(|e| self.error(e))? {
            Some(bytes) => Ok(Some(decode("document", id.as_str(), bytes.value())?)),
            None => Ok(None),
        }
    }

    fn read_document(&self, txn: &WriteTransaction, id: &DocId) -> Result<Option<Document>> {
        let documents = txn.open_table(DOCUMENTS).map_err(|e| self.error(e))?;
        match documents.get(id.as_str()).map_err(|e| self.error(e))? {
            Some(bytes) => Ok(Some(decode("document", id.as_str(), bytes.value())?)),
            None => Ok(None),
        }
    }

    /// Streams every stored document in id order, without loading them all: each chunk is
    /// read in a transaction of its own.
    pub fn documents(&self) -> impl Iterator<Item = Result<Document>> + '_ {
        ChunkedScan::new(move |after: Option<&String>| {
            let txn = self.db.begin_read().map_err(|e| self.error(e))?;
            let documents = txn.open_table(DOCUMENTS).map_err(|e| self.error(e))?;
            let lower = match after {
                Some(after) => Bound::Excluded(after.as_str()),
                None => Bound::Unbounded,
            };
            let range = documents
                .range((lower, Bound::Unbounded))
                .map_err(|e| self.error(e))?;
            let mut chunk = Vec::with_capacity(SCAN_CHUNK);
            for entry in range.take(SCAN_CHUNK) {
                let (key, bytes) = entry.map_err(|e| self.error(e))?;
                let key = key.value().to_string();
                let document = decode("document", &key, bytes.value())?;
                chunk.push((key, document));
            }
            Ok(chunk)
        })
    }

    /// Returns how many documents are stored, from the per-source counters (no scan).
    pub fn num_documents(&self) -> Result<u64> {
        let txn = self.db.begin_read().map_err(|e| self.error(e))?;
        let counts = txn.open_table(SOURCE_COUNTS).map_err(|e| self.error(e))?;
        let mut total = 0;
        for entry in counts.iter().map_err(|e| self.error(e))? {
            let (_, count) = entry.map_err(|e| self.error(e))?;
            total += count.value();
        }
        Ok(total)
    }

    /// Returns how many documents are stored from `source`.
    pub fn num_documents_from(&self, source: &str) -> Result<u64> {
        let txn = self.db.begin_read().map_err(|e| self.error(e))?;
        let counts = txn.open_table(SOURCE_COUNTS).map_err(|e| self.error(e))?;
        let count = counts.get(source).map_err(|e| self.error(e))?;
        Ok(count.map(|count| count.value()).unwrap_or(0))
    }

    /// Streams the change log after `seq`: sequence numbers with the id of the changed document.
    pub fn changes_after(&self, seq: u64) -> impl Iterator<Item = Result<(u64, DocId)>> + '_ {
        ChunkedScan::new(move |after: Option<&u64>| {
            let txn = self.db.begin_read().map_err(|e| self.error(e))?;
            let changes = txn.open_table(CHANGES).map_err(|e| self.error(e))?;
            let start = after.copied().unwrap_or(seq).saturating_add(1);
            let mut chunk = Vec::with_capacity(SCAN_CHUNK);
            for entry in changes
                .range(start..)
                .map_err(|e| self.error(e))?
                .take(SCAN_CHUNK)
            {
                let (key, value) = entry.map_err(|e| self.error(e))?;
                let seq = key.value();
                let id = DocId::parse(value.value()).ok_or_else(|| IndexerError::Corrupt {
                    what: "change",
                    key: seq.to_string(),
                    reason: "malformed document id".to_string(),
                })?;
                chunk.push((seq, (seq, id)));
            }
            Ok(chunk)
        })
    }

    /// Returns the highest sequence number in the change log, or 0 when it is empty.
    pub fn last_change(&self) -> Result<u64> {
        let txn = self.db.begin_read().map_err(|e| self.error(e))?;
        let changes = txn.open_table(CHANGES).map_err(|e| self.error(e))?;
        let last = changes.last().map_err(|e| self.error(e))?;
        Ok(last.map(|(key, _)| key.value()).unwrap_or(0))
    }

    /// Forgets changes up to and including `seq`, once the index holds them durably.
    pub fn prune_changes_through(&self, seq: u64) -> Result<()> {
        let txn = self.begin_write()?;
        {
            let mut changes = txn.open_table(CHANGES).map_err(|e| self.error(e))?;
            changes
                .retain_in(..=seq, |_, _| false)
                .map_err(|e| self.error(e))?;
        }
        self.commit(txn, false)
    }

    /// Saves the status of a source.
    pub fn put_source_status(&self, status: &SourceStatus) -> Result<()> {
        let txn = self.begin_write()?;
        {
            let mut sources = txn.open_table(SOURCES).map_err(|e| self.error(e))?;
            sources
                .insert(status.id.as_str(), encode(status).as_slice())
                .map_err(|e| self.error(e))?;
        }
        self.commit(txn, false)
    }

    /// Returns the status of source `id`, with its current document count.
    pub fn source_status(&self, id: &str) -> Result<Option<SourceStatus>> {
        let txn = self.db.begin_read().map_err(|e| self.error(e))?;
        let sources = txn.open_table(SOURCES).map_err(|e| self.error(e))?;
        let Some(bytes) = sources.get(id).map_err(|e| self.error(e))? else {
            return Ok(None);
        };
        let mut status: SourceStatus = decode("source", id, bytes.value())?;
        status.num_documents = self.num_documents_from(id)?;
        Ok(Some(status))
    }

    /// Returns the status of every known source, in id order.
    pub fn source_statuses(&self) -> Result<Vec<SourceStatus>> {
        let txn = self.db.begin_read().map_err(|e| self.error(e))?;
        let sources = txn.open_table(SOURCES).map_err(|e| self.error(e))?;
        let mut statuses = Vec::new();
        for entry in sources.iter().map_err(|e| self.error(e))? {
            let (key, bytes) = entry.map_err(|e| self.error(e))?;
            let id = key.value().to_string();
            let mut status: SourceStatus = decode("source", &id, bytes.value())?;
            status.num_documents = self.num_documents_from(&id)?;
            statuses.push(status);
        }
        Ok(statuses)
    }

    /// Forgets the status of sources no longer configured; their documents stay searchable.
    pub fn retain_sources(&self, configured_ids: &[&str]) -> Result<()> {
        let txn = self.begin_write()?;
        {
            let mut sources = txn.open_table(SOURCES).map_err(|e| self.error(e))?;
            sources
                .retain(|id, _| configured_ids.contains(&id))
                .map_err(|e| self.error(e))?;
        }
        self.commit(txn, false)
    }

    /// Returns what the last successful fetch of `url` left: its validators and time.
    pub fn fetch_state(&self, url: &str) -> Result<Option<FetchState>> {
        let txn = self.db.begin_read().map_err(|e| self.error(e))?;
        let states = txn.open_table(FETCH_STATES).map_err(|e| self.error(e))?;
        match states.get(url).map_err(|e| self.error(e))? {
            Some(bytes) => Ok(Some(decode("fetch state", url, bytes.value())?)),
            None => Ok(None),
        }
    }

    /// Records the outcome of a successful fetch of `url`, replacing the previous one.
    pub fn put_fetch_state(&self, url: &str, state: &FetchState) -> Result<()> {
        let txn = self.begin_write()?;
        {
            let mut states = txn.open_table(FETCH_STATES).map_err(|e| self.error(e))?;
            states
                .insert(url, encode(state).as_slice())
                .map_err(|e| self.error(e))?;
        }
        self.commit(txn, false)
    }

    /// Makes every write so far durable.
    pub fn flush(&self) -> Result<()> {
        let txn = self.begin_write()?;
        self.commit(txn, true)
    }

    fn begin_write(&self) -> Result<WriteTransaction> {
        self.db.begin_write().map_err(|error| self.error(error))
    }

    /// Commits `txn`, durably when asked or when the last durable commit is older than
    /// [`DURABLE_EVERY`].
    fn commit(&self, mut txn: WriteTransaction, durable: bool) -> Result<()> {
        let mut last_durable = self
            .last_durable
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let durable = durable || last_durable.elapsed() >= DURABLE_EVERY;
        if !durable {
            txn.set_durability(Durability::None)
                .map_err(|error| self.error(error))?;
        }
        txn.commit().map_err(|error| self.error(error))?;
        if durable {
            *last_durable = Instant::now();
        }
        Ok(())
    }

    fn error(&self, error: impl Into<redb::Error>) -> IndexerError {
        IndexerError::store(&self.path, error)
    }
}

/// An iterator that reads a table in chunks, each in its own read transaction, resuming after
/// the last key of the previous chunk.
struct ChunkedScan<K, T, F> {
    read_chunk: F,
    last_key: Option<K>,
    buffer: VecDeque<T>,
    done: bool,
}

impl<K, T, F> ChunkedScan<K, T, F>
where
    F: FnMut(Option<&K>) -> Result<Vec<(K, T)>>,
{
    fn new(read_chunk: F) -> Self {
        ChunkedScan {
            read_chunk,
            last_key: None,
            buffer: VecDeque::new(),
            done: false,
        }
    }
}

impl<K, T, F> Iterator for ChunkedScan<K, T, F>
where
    F: FnMut(Option<&K>) -> Result<Vec<(K, T)>>,
{
    type Item = Result<T>;

    fn next(&mut self) -> Option<Result<T>> {
        if self.buffer.is_empty() && !self.done {
            match (self.read_chunk)(self.last_key.as_ref()) {
                Ok(chunk) => {
                    self.done = chunk.len() < SCAN_CHUNK;
                    for (key, item) in chunk {
                        self.last_key = Some(key);
                        self.buffer.push_back(item);
                    }
                }
                Err(error) => {
                    self.done = true;
                    return Some(Err(error));
                }
            }
        }
        self.buffer.pop_front().map(Ok)
    }
}

/// Fingerprint entries to remove and add with a write.
#[derive(Default)]
struct IndexChanges {
    remove: Option<Fingerprint>,
    add: Option<Fingerprint>,
}

fn band_keys(fingerprint: &Fingerprint) -> impl Iterator<Item = (usize, u64)> + '_ {
    fingerprint
        .minhash
        .iter()
        .flat_map(|minhash| minhash.band_keys().into_iter().enumerate())
}

fn band_prefix(band: usize, key: u64) -> [u8; BAND_PREFIX_LEN] {
    let mut prefix = [0u8; BAND_PREFIX_LEN];
    prefix[0] = u8::try_from(band).expect("fewer than 256 bands");
    prefix[1..].copy_from_slice(&key.to_be_bytes());
    prefix
}

fn band_entry(band: usize, key: u64, id: &[u8]) -> Vec<u8> {
    let mut entry = band_prefix(band, key).to_vec();
    entry.extend_from_slice(id);
    entry
}

/// Adds `url` to a list of other locations; returns whether the list changed.
fn add_url(also_at: &mut Vec<String>, url: &str) -> bool {
    if also_at.iter().any(|known| known == url) || also_at.len() >= MAX_ALSO_AT {
        return false;
    }
    also_at.push(url.to_string());
    true
}

fn add_to_count(
    counts: &mut redb::Table<'_, &'static str, u64>,
    source: &str,
    delta: i64,
) -> std::result::Result<(), redb::StorageError> {
    let current = counts.get(source)?.map(|count| count.value()).unwrap_or(0);
    counts.insert(source, current.saturating_add_signed(delta))?;
    Ok(())
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

    const ARTICLE: &str = "The city opened three new shelters for families this winter. Each \
        shelter has a shared kitchen, a playroom and a caseworker on site, so that families can \
        see a caseworker on the day they arrive. Waiting times for a first meeting fell from \
        nine days to one, and most families moved to permanent housing within six months. The \
        council now plans two more shelters in the northern districts, where demand is highest, \
        and will publish monthly figures on placements and waiting times.";

    const OTHER_ARTICLE: &str = "The regional health service pooled the waiting lists of \
        three hospitals for planned surgery. Patients are offered the first free slot at any \
        of the three sites, clinicians prioritise by need, and staff call those who waited \
        longest first. Within a year the number waiting more than eighteen weeks fell \
        noticeably, and a transport service now helps patients reach distant hospitals.";

    #[test]
    fn the_same_text_under_another_url_is_stored_once() {
        let store = Store::open_temporary().unwrap();
        let original = document("https://a.example/shelters", "a", ARTICLE);
        let copy = document(
            "https://a.example/news?id=7",
            "a",
            &ARTICLE.replace(". ", ".\n\n"),
        );
        assert_eq!(store.put_document(&original).unwrap(), PutOutcome::New);
        assert_eq!(store.put_document(&copy).unwrap(), PutOutcome::Duplicate);
        assert_eq!(store.put_document(&copy).unwrap(), PutOutcome::Duplicate);

        assert_eq!(store.document(&copy.id).unwrap(), None);
        assert_eq!(store.num_documents().unwrap(), 1);
        let stored = store.document(&original.id).unwrap().unwrap();
        assert_eq!(stored.also_at, ["https://a.example/news?id=7"]);
        // The original is logged again, so that the index learns its other URL.
        let changed: Vec<DocId> = store
            .changes_after(0)
            .map(|change| change.unwrap().1)
            .collect();
        assert_eq!(changed, [original.id.clone(), original.id.clone()]);

        // Recrawling the original keeps what the store learnt.
        assert_eq!(
            store.put_document(&original).unwrap(),
            PutOutcome::Unchanged
        );
        let edited = document(
            "https://a.example/shelters",
            "a",
            &format!("{ARTICLE} Updated."),
        );
        assert_eq!(store.put_document(&edited).unwrap(), PutOutcome::Updated);
        assert_eq!(
            store.document(&original.id).unwrap().unwrap().also_at.len(),
            1
        );
    }

    #[test]
    fn a_republished_copy_is_linked_to_its_original() {
        let store = Store::open_temporary().unwrap();
        let original = document("https://city.example/shelters", "city", ARTICLE);
        let republished = document(
            "https://news.example/2024/shelters",
            "news",
            &format!("First published by the city council. {ARTICLE} Reproduced with permission."),
        );
        let unrelated = document("https://health.example/lists", "health", OTHER_ARTICLE);
        for doc in [&original, &republished, &unrelated] {
            assert_eq!(store.put_document(doc).unwrap(), PutOutcome::New);
        }

        let copy = store.document(&republished.id).unwrap().unwrap();
        assert_eq!(copy.duplicate_of, Some(original.id.clone()));
        let stored_original = store.document(&original.id).unwrap().unwrap();
        assert_eq!(
            stored_original.also_at,
            ["https://news.example/2024/shelters"]
        );
        assert_eq!(stored_original.duplicate_of, None);
        assert_eq!(
            store.document(&unrelated.id).unwrap().unwrap().duplicate_of,
            None
        );
        assert_eq!(store.num_documents_from("news").unwrap(), 1);

        // Rewritten into another article, the copy is an original again and unlinked.
        let rewritten = document(
            "https://news.example/2024/shelters",
            "news",
            OTHER_ARTICLE.replace("regional", "national").as_str(),
        );
        assert_eq!(store.put_document(&rewritten).unwrap(), PutOutcome::Updated);
        // It now repeats the health article nearly word for word.
        assert_eq!(
            store.document(&rewritten.id).unwrap().unwrap().duplicate_of,
            Some(unrelated.id)
        );
        assert!(
            store
                .document(&original.id)
                .unwrap()
                .unwrap()
                .also_at
                .is_empty()
        );
    }

    #[test]
    fn editions_of_a_templated_page_are_not_linked() {
        let store = Store::open_temporary().unwrap();
        let edition = |month: &str, housed: u32, placed: u32| {
            document(
                &format!("https://city.example/shelters/{month}"),
                "city",
                &format!(
                    "{ARTICLE} In {month} 2024 the shelters housed {housed} families and \
                     placed {placed} of them. {OTHER_ARTICLE}"
                ),
            )
        };
        let april = edition("april", 212, 37);
        let may = edition("may", 198, 41);
        assert_eq!(store.put_document(&april).unwrap(), PutOutcome::New);
        assert_eq!(store.put_document(&may).unwrap(), PutOutcome::New);
        for doc in [&april, &may] {
            let stored = store.document(&doc.id).unwrap().unwrap();
            assert_eq!((stored.duplicate_of, stored.also_at.len()), (None, 0));
        }
    }

    #[test]
    fn short_texts_are_never_duplicates() {
        let store = Store::open_temporary().unwrap();
        for url in ["https://a.example/1", "https://a.example/2"] {
            assert_eq!(
                store
                    .put_document(&document(url, "a", "Read more"))
                    .unwrap(),
                PutOutcome::New
            );
        }
    }

    #[test]
    fn deleting_a_document_logs_the_change_and_uncounts_it() {
        let store = Store::open_temporary().unwrap();
        let doc = document("https://a.example/1", "a", "x");
        store.put_document(&doc).unwrap();
        let before = store.last_change().unwrap();
        assert!(store.delete_document(&doc.id).unwrap());
        assert!(!store.delete_document(&doc.id).unwrap());
        assert_eq!(store.document(&doc.id).unwrap(), None);
        assert_eq!(store.num_documents_from("a").unwrap(), 0);
        let changes: Vec<_> = store.changes_after(before).collect::<Result<_>>().unwrap();
        assert_eq!(changes.len(), 1);
        assert_eq!(changes[0].1, doc.id);
    }

    #[test]
    fn a_deleted_original_is_forgotten_by_the_duplicate_lookups() {
        let store = Store::open_temporary().unwrap();
        let original = document("https://a.example/shelters", "a", ARTICLE);
        let copy = document("https://b.example/shelters", "b", ARTICLE);
        store.put_document(&original).unwrap();
        assert!(store.delete_document(&original.id).unwrap());
        assert_eq!(store.put_document(&copy).unwrap(), PutOutcome::New);
        assert_eq!(
            store.document(&copy.id).unwrap().unwrap().duplicate_of,
            None
        );
    }

    #[test]
    fn copies_of_an_original_that_changed_or_went_are_examined_again() {
        let store = Store::open_temporary().unwrap();
        let original = document("https://city.example/shelters", "city", ARTICLE);
        let credited = |url: &str, source: &str| {
            document(
                url,
                source,
                &format!("First published by the city council. {ARTICLE} Reproduced here."),
            )
        };
        let wire = credited("https://wire.example/shelters", "wire");
        let daily = credited("https://daily.example/shelters", "daily");
        for doc in [&original, &wire, &daily] {
            store.put_document(doc).unwrap();
        }
        let duplicate_of = |doc: &Document| store.document(&doc.id).unwrap().unwrap().duplicate_of;
        assert_eq!(duplicate_of(&daily), Some(original.id.clone()));

        // Lightly edited, the original still has its copies.
        let edited = document(
            "https://city.example/shelters",
            "city",
            &format!("{ARTICLE} Updated in June."),
        );
        store.put_document(&edited).unwrap();
        assert_eq!(duplicate_of(&wire), Some(original.id.clone()));

        // Rewritten into another article, it lets them go: the first is an original again,
        // and the second, which repeats the first, is now linked to it.
        let rewritten = document("https://city.example/shelters", "city", OTHER_ARTICLE);
        let last_seq = store.last_change().unwrap();
        assert_eq!(store.put_document(&rewritten).unwrap(), PutOutcome::Updated);
        assert_eq!(duplicate_of(&wire), None);
        assert_eq!(duplicate_of(&daily), Some(wire.id.clone()));
        let also_at = |doc: &Document| store.document(&doc.id).unwrap().unwrap().also_at;
        assert!(also_at(&original).is_empty());
        assert_eq!(also_at(&wire), ["https://daily.example/shelters"]);
        let changed: Vec<DocId> = store
            .changes_after(last_seq)
            .map(|change| change.unwrap().1)
            .collect();
        assert!(changed.contains(&wire.id) && changed.contains(&daily.id));

        // Deleting the new original releases its copy in turn, and a deleted copy leaves
        // its original's `also_at`.
        assert!(store.delete_document(&wire.id).unwrap());
        assert_eq!(duplicate_of(&daily), None);
        let reprint = document(
            "https://reprint.example/shelters",
            "reprint",
            &format!("{ARTICLE} Reprinted."),
        );
        store.put_document(&reprint).unwrap();
        assert_eq!(duplicate_of(&reprint), Some(daily.id.clone()));
        assert!(store.delete_document(&reprint.id).unwrap());
        assert!(also_at(&daily).is_empty());
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
