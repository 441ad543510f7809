//! Opening the tantivy index on disk, and what its commits record.
//!
//! Each commit carries a small JSON payload: the schema version the index was built with and
//! the last change-log sequence number it contains. An index whose schema is older than this
//! build's is recreated empty and refilled from the store, which is the source of truth.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, LazyLock, Mutex};

use serde::{Deserialize, Serialize};
use tantivy::directory::MmapDirectory;
use tantivy::{Index, IndexReader, IndexWriter, ReloadPolicy, Searcher, TantivyDocument};

use tracing::info;

use crate::analyzer::register_analyzers;
use crate::concepts::ConceptMatcher;
use crate::error::{IndexerError, Result};
use crate::ranking::RankingSettings;
use crate::schema::{IndexSchema, SCHEMA_VERSION};
use crate::thesaurus::Thesaurus;
use crate::writer::IndexUpdater;

/// Memory the writer may use for buffering documents before it flushes a segment.
const WRITER_MEMORY_BUDGET_BYTES: usize = 96 * 1024 * 1024;

/// What opening found on disk.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpenOutcome {
    /// An index of the current schema was opened.
    Opened,
    /// No index existed; an empty one was created.
    Created,
    /// The index had an older schema; it was replaced by an empty one to be refilled.
    Recreated,
}

/// The payload stored with every commit.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct CommitPayload {
    pub schema_version: u32,
    /// The last change-log sequence number the commit contains.
    pub store_seq: u64,
    /// The fingerprint of the thesaurus documents were tagged with.
    #[serde(default)]
    pub thesaurus: String,
}

/// What an index is opened with besides its directory.
#[derive(Debug, Clone)]
pub struct IndexSettings {
    /// The concepts documents are tagged with and queries expanded to.
    pub thesaurus: Arc<Thesaurus>,
    /// The weights that order results.
    pub ranking: RankingSettings,
}

impl Default for IndexSettings {
    fn default() -> Self {
        IndexSettings {
            thesaurus: Thesaurus::builtin(),
            ranking: RankingSettings::default(),
        }
    }
}

/// A tantivy index with Agora's schema and analyzers, and a reader over it.
#[derive(Clone)]
pub struct SearchIndex {
    index: Index,
    schema: Arc<IndexSchema>,
    reader: IndexReader,
    path: Option<PathBuf>,
    concepts: Arc<ConceptMatcher>,
    ranking: Arc<RankingSettings>,
}

impl SearchIndex {
    /// Opens the index in `dir` with the built-in thesaurus and the default ranking.
    pub fn open_or_create(dir: &Path) -> Result<(SearchIndex, OpenOutcome)> {
        SearchIndex::open_or_create_with(dir, IndexSettings::default())
    }

    /// Opens the index in `dir`, creating it, or recreating it if its schema is outdated or
    /// its documents were tagged with another thesaurus.
    pub fn open_or_create_with(
        dir: &Path,
        settings: IndexSettings,
    ) -> Result<(SearchIndex, OpenOutcome)> {
        std::fs::create_dir_all(dir).map_err(|source| IndexerError::Io {
            context: format!("creating index directory `{}`", dir.display()),
            source,
        })?;
        let directory = MmapDirectory::open(dir).map_err(|error| IndexerError::IndexDirectory {
            path: dir.to_path_buf(),
            message: error.to_string(),
        })?;
        let schema = IndexSchema::build();

        if !Index::exists(&directory).map_err(|error| directory_error(dir, error))? {
            let index = Index::create_in_dir(dir, schema.schema.clone())?;
            let search_index = SearchIndex::from_index(index, schema, Some(dir), settings)?;
            search_index.commit_empty()?;
            return Ok((search_index, OpenOutcome::Created));
        }

        let index = Index::open_in_dir(dir)?;
        let payload = read_payload(&index)?;
        let is_current = is_current(&index, &schema)?;
        if is_current && payload.thesaurus == settings.thesaurus.fingerprint() {
            return Ok((
                SearchIndex::from_index(index, schema, Some(dir), settings)?,
                OpenOutcome::Opened,
            ));
        }
        if is_current {
            info!("the thesaurus changed; documents will be tagged again");
        }

        drop(index);
        remove_index_files(dir)?;
        let index = Index::create_in_dir(dir, schema.schema.clone())?;
        let search_index = SearchIndex::from_index(index, schema, Some(dir), settings)?;
        search_index.commit_empty()?;
        Ok((search_index, OpenOutcome::Recreated))
    }

    /// Opens an existing index for searching only, with the built-in thesaurus.
    pub fn open_read_only(dir: &Path) -> Result<SearchIndex> {
        SearchIndex::open_read_only_with(dir, IndexSettings::default())
    }

    /// Opens an existing index for searching only; never writes to `dir`.
    ///
    /// An index tagged with another thesaurus still answers: queries expand with `settings`'s
    /// thesaurus, and only documents' tags lag until the next `agora index`.
    pub fn open_read_only_with(dir: &Path, settings: IndexSettings) -> Result<SearchIndex> {
        let missing = || IndexerError::IndexDirectory {
            path: dir.to_path_buf(),
            message: "no index here yet; run `agora crawl` or `agora index` first".to_string(),
        };
        let directory = MmapDirectory::open(dir).map_err(|_| missing())?;
        if !Index::exists(&directory).map_err(|error| directory_error(dir, error))? {
            return Err(missing());
        }
        let index = Index::open_in_dir(dir)?;
        let schema = IndexSchema::build();
        if !is_current(&index, &schema)? {
            return Err(IndexerError::IndexDirectory {
                path: dir.to_path_buf(),
                message: "the index was built by another version of agora; run `agora index \
                          --rebuild`"
                    .to_string(),
            });
        }
        SearchIndex::from_index(index, schema, Some(dir), settings)
    }

    /// Creates an empty index in memory, with the built-in thesaurus.
    #[cfg(any(test, feature = "testing"))]
    pub fn create_in_ram() -> SearchIndex {
        SearchIndex::create_in_ram_with(IndexSettings::default())
    }

    /// Creates an empty index in memory.
    #[cfg(any(test, feature = "testing"))]
    pub fn create_in_ram_with(settings: IndexSettings) -> SearchIndex {
        let schema = IndexSchema::build();
        let index = Index::create_in_ram(schema.schema.clone());
        SearchIndex::from_index(index, schema, None, settings).expect("an in-memory index opens")
    }

    fn from_index(
        index: Index,
        schema: IndexSchema,
        path: Option<&Path>,
        settings: IndexSettings,
    ) -> Result<SearchIndex> {
        register_analyzers(index.tokenizers());
        let reader = index
            .reader_builder()
            .reload_policy(ReloadPolicy::OnCommitWithDelay)
            .try_into()?;
        Ok(SearchIndex {
            concepts: concept_matcher(&settings.thesaurus, &index),
            ranking: Arc::new(settings.ranking),
            index,
            schema: Arc::new(schema),
            reader,
            path: path.map(Path::to_path_buf),
        })
    }

    /// Returns the matcher of the thesaurus's concepts.
    pub fn concepts(&self) -> &ConceptMatcher {
        &self.concepts
    }

    /// Returns the thesaurus documents are tagged with.
    pub fn thesaurus(&self) -> &Thesaurus {
        self.concepts.thesaurus()
    }

    /// Returns the ranking weights.
    pub fn ranking(&self) -> &Arc<RankingSettings> {
        &self.ranking
    }

    /// Opens the single writer of this index; a second one, in any process, is refused.
    pub fn updater(&self) -> Result<IndexUpdater> {
        let writer: IndexWriter<TantivyDocument> = self
            .index
            .writer(WRITER_MEMORY_BUDGET_BYTES)
            .map_err(|error| match error {
                tantivy::TantivyError::LockFailure(..) => IndexerError::IndexDirectory {
                    path: self.path.clone().unwrap_or_default(),
                    message: "the index is being written by another agora process".to_string(),
                },
                other => IndexerError::Index(other),
            })?;
        Ok(IndexUpdater::new(self.clone(), writer))
    }

    /// Loads what analyzers load lazily (jieba's dictionary takes a noticeable fraction of a
    /// second), so that a server's first Chinese query is as fast as the others.
    pub fn warm_up(&self) {
        for language in crate::analyzer::ANALYZED_LANGUAGES {
            if let Some(mut analyzer) = self.index.tokenizers().get(&language.tokenizer_name()) {
                let mut stream = analyzer.token_stream("公共服务 public service");
                while stream.advance() {}
            }
        }
    }

    /// Returns a searcher over the last reloaded commit.
    pub fn searcher(&self) -> Searcher {
        self.reader.searcher()
    }

    /// Makes the latest commit visible to searchers now rather than after the reload delay.
    pub fn reload(&self) -> Result<()> {
        Ok(self.reader.reload()?)
    }

    /// Returns the schema's field handles.
    pub fn schema(&self) -> &IndexSchema {
        &self.schema
    }

    /// Returns the underlying tantivy index.
    pub fn tantivy_index(&self) -> &Index {
        &self.index
    }

    /// Returns how many documents the searchable commit holds.
    pub fn num_docs(&self) -> u64 {
        self.searcher().num_docs()
    }

    /// Returns the last change-log sequence number the index holds durably.
    pub fn indexed_seq(&self) -> Result<u64> {
        Ok(read_payload(&self.index)?.store_seq)
    }

    fn commit_empty(&self) -> Result<()> {
        let mut writer: IndexWriter<TantivyDocument> = self.index.writer(15_000_000)?;
        let payload = CommitPayload {
            schema_version: SCHEMA_VERSION,
            store_seq: 0,
            thesaurus: self.thesaurus().fingerprint().to_string(),
        };
        let mut commit = writer.prepare_commit()?;
        commit.set_payload(&serde_json::to_string(&payload).expect("payload serialises"));
        commit.commit()?;
        writer.wait_merging_threads()?;
        self.reload()
    }
}

pub(crate) fn read_payload(index: &Index) -> Result<CommitPayload> {
    let metas = index.load_metas()?;
    Ok(metas
        .payload
        .as_deref()
        .and_then(|payload| serde_json::from_str(payload).ok())
        .unwrap_or_default())
}

/// Returns the matcher of `thesaurus`, shared by every index of the process: analysing
/// thousands of labels takes a noticeable fraction of a second, and the analyzers are the
/// same for every index.
fn concept_matcher(thesaurus: &Arc<Thesaurus>, index: &Index) -> Arc<ConceptMatcher> {
    static MATCHERS: LazyLock<Mutex<HashMap<String, Arc<ConceptMatcher>>>> =
        LazyLock::new(Mutex::default);
    let mut matchers = MATCHERS
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let matcher = matchers
        .entry(thesaurus.fingerprint().to_string())
        .or_insert_with(|| {
            Arc::new(ConceptMatcher::new(
                Arc::clone(thesaurus),
                index.tokenizers(),
            ))
        });
    Arc::clone(matcher)
}

fn is_current(index: &Index, schema: &IndexSchema) -> Result<bool> {
    let payload = read_payload(index)?;
    Ok(payload.schema_version == SCHEMA_VERSION && index.schema() == schema.schema)
}

/// Removes what tantivy wrote in `dir`, and nothing else, so that a mistyped `--data` never
/// costs a user unrelated files.
fn remove_index_files(dir: &Path) -> Result<()> {
    let entries = std::fs::read_dir(dir).map_err(|source| IndexerError::Io {
        context: format!("listing index directory `{}`", dir.display()),
        source,
    })?;
    for entry in entries.flatten() {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        let is_index_file = name == "meta.json"
            || name == ".managed.json"
            || name.ends_with(".lock")
            || name.split('.').next().is_some_and(|stem| {
                stem.len() == 32 && stem.bytes().all(|byte| byte.is_ascii_hexdigit())
            });
        if is_index_file {
            std::fs::remove_file(entry.path()).map_err(|source| IndexerError::Io {
                context: format!("removing outdated index file `{}`", entry.path().display()),
                source,
            })?;
        }
    }
    Ok(())
}

fn directory_error(dir: &Path, error: impl std::fmt::Display) -> IndexerError {
    IndexerError::IndexDirectory {
        path: dir.to_path_buf(),
        message: error.to_string(),
    }
}
