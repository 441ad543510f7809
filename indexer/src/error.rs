//! Errors of the indexer crate.

use std::path::PathBuf;

/// Everything that can go wrong while storing, indexing or searching documents.
#[derive(Debug, thiserror::Error)]
pub enum IndexerError {
    /// The document store could not be opened, read or written.
    #[error("document store at `{path}`: {source}")]
    Store {
        /// Where the store lives.
        path: PathBuf,
        /// What the storage engine reported.
        #[source]
        source: redb::Error,
    },
    /// Another process holds the store open; one process at a time may.
    #[error(
        "document store at `{path}` is in use by another agora process; stop it or use another \
         --data directory"
    )]
    StoreLocked {
        /// Where the store lives.
        path: PathBuf,
    },
    /// A stored record could not be decoded: the store was written by an incompatible version.
    #[error("stored {what} `{key}` cannot be decoded: {reason}")]
    Corrupt {
        /// The kind of record.
        what: &'static str,
        /// Its key.
        key: String,
        /// Why it cannot be decoded.
        reason: String,
    },
    /// The search index reported an error.
    #[error("search index: {0}")]
    Index(#[from] tantivy::TantivyError),
    /// The search index directory could not be used.
    #[error("search index at `{path}`: {message}")]
    IndexDirectory {
        /// Where the index lives.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
    /// A request to the search index was invalid.
    #[error("{0}")]
    InvalidRequest(String),
    /// A filesystem operation failed.
    #[error("{context}: {source}")]
    Io {
        /// What was being attempted.
        context: String,
        /// The underlying error.
        #[source]
        source: std::io::Error,
    },
}

impl IndexerError {
    pub(crate) fn store(path: impl Into<PathBuf>, source: impl Into<redb::Error>) -> IndexerError {
        let path = path.into();
        match source.into() {
            redb::Error::DatabaseAlreadyOpen => IndexerError::StoreLocked { path },
            source => IndexerError::Store { path, source },
        }
    }
}

/// Result alias of the indexer crate.
pub type Result<T, E = IndexerError> = std::result::Result<T, E>;
