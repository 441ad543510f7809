//! The layout of the data directory.

use std::path::{Path, PathBuf};

/// Where the document store lives.
pub fn store_dir(data: &Path) -> PathBuf {
    data.join("store")
}

/// Where the index lives.
pub fn index_dir(data: &Path) -> PathBuf {
    data.join("index")
}

/// Where the community store (members, questions, messages) lives.
pub fn community_dir(data: &Path) -> PathBuf {
    data.join("community")
}
