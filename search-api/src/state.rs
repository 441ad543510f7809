//! What every handler shares.

use std::sync::Arc;

use agora_indexer::{SearchIndex, Store};

/// Shared handles; cloning is cheap.
#[derive(Clone)]
pub struct AppState {
    /// The index searches run against.
    pub index: SearchIndex,
    /// The document store, for full documents and source statuses.
    pub store: Arc<Store>,
}
