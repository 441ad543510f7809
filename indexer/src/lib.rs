//! Agora's indexer: the document model, the document store and the multilingual index.
//!
//! Documents flow one way. The crawler hands [`Document`]s to the [`Store`], which keeps them
//! and logs every change; [`IndexUpdater::sync`] replays that log into the tantivy index in
//! batched commits; [`search()`] answers queries from the index alone.
//!
//! Text is analysed per language ([`analyzer`]) and, for every document, language-neutrally,
//! so that a query finds documents in its own language by stem and in every language by
//! exact word.
#![warn(missing_docs)]

pub mod analyzer;
pub mod cjk;
pub mod concepts;
pub mod country;
pub mod document;
mod error;
pub mod fetch_state;
pub mod fingerprint;
mod index;
pub mod language;
pub mod quality;
pub mod query;
pub mod query_syntax;
pub mod ranking;
pub mod schema;
pub mod search;
pub mod source_status;
pub mod store;
pub mod text;
pub mod thesaurus;
mod writer;

pub use document::{ContentKind, DocId, Document, DocumentDraft, QuestionSignals};
pub use error::{IndexerError, Result};
pub use fetch_state::FetchState;
pub use index::{IndexSettings, OpenOutcome, SearchIndex};
pub use ranking::RankingSettings;
pub use search::{
    FacetDimension, Facets, Filters, Hit, LanguageScope, MatchedConcept, SearchRequest,
    SearchResponse, SortOrder, search,
};
pub use source_status::{CrawlReport, SourceStatus};
pub use store::{PutOutcome, Store};
pub use thesaurus::{Thesaurus, ThesaurusError};
pub use writer::{IndexUpdater, SyncReport};
