//! Asking the indexer to bring the index up to date after a community write.

use std::fmt;
use std::sync::Arc;

/// A handle that requests an index sync; cheap to clone.
///
/// `agora serve` wires it to its indexing thread's channel; tests may sync in place.
#[derive(Clone)]
pub struct IndexTrigger(Arc<dyn Fn() + Send + Sync>);

impl IndexTrigger {
    /// Creates a trigger that calls `request` each time a sync is wanted.
    pub fn new(request: impl Fn() + Send + Sync + 'static) -> IndexTrigger {
        IndexTrigger(Arc::new(request))
    }

    /// A trigger that does nothing: for servers whose index is kept up to date elsewhere.
    pub fn none() -> IndexTrigger {
        IndexTrigger::new(|| {})
    }

    /// Requests a sync; returns at once.
    pub fn request_sync(&self) {
        (self.0)();
    }
}

impl fmt::Debug for IndexTrigger {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("IndexTrigger")
    }
}
