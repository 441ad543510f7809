//! Agora's crawler: reads the sources editors list in `sources.toml` and stores their articles.
#![warn(missing_docs)]

pub mod charset;
pub mod config;
mod error;
pub mod extract;
pub mod feed;
pub mod fetcher;
pub mod local;
pub mod normalize;
pub mod politeness;
pub mod record;
pub mod sitemap;

pub use config::{Config, ConfigProblem, CrawlerSettings, SourceConfig, SourceKind, SourceLocation};
pub use error::ConfigError;
