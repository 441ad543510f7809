//! Agora's crawler: reads the sources editors list in `sources.toml` and stores their articles.
#![warn(missing_docs)]

pub mod charset;
pub mod config;
mod crawl;
mod error;
pub mod extract;
pub mod feed;
pub mod fetcher;
pub mod import;
pub mod incremental;
pub mod inspect;
pub mod local;
pub mod normalize;
pub mod opml;
pub mod politeness;
pub mod record;
pub mod reload;
pub mod retry;
pub mod robots;
pub mod schedule;
pub mod sitemap;
#[cfg(feature = "testing")]
pub mod testing;

pub use config::{
    Config, ConfigProblem, CrawlerSettings, SourceConfig, SourceKind, SourceLocation,
};
pub use crawl::{CrawlError, CrawlObserver, Crawler, EntryOutcome, register_sources};
pub use error::ConfigError;
