//! Integration tests of the indexer: store, sync and search together.

mod common;
mod multilingual;
mod search;
mod sync;
