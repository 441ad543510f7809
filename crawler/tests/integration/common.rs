//! Shared set-up: the fixture site, a store and a source list pointing at the server.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use agora_crawler::testing::FixtureServer;
use agora_crawler::{Config, Crawler};
use agora_indexer::Store;

pub fn fixture_site() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures/site")
}

/// Parses a sources.toml whose `{{base}}` is the server's base URL, with no politeness delay.
pub fn config(server: &FixtureServer, sources: &str) -> Config {
    let text = format!(
        "[crawler]\npoliteness_delay = \"0s\"\nrequest_timeout = \"5s\"\n\n{}",
        sources.replace("{{base}}", &server.base())
    );
    Config::parse(&text, Path::new("sources.toml")).expect("test configuration is valid")
}

pub fn crawler(config: &Config) -> (Crawler, Arc<Store>) {
    let store = Arc::new(Store::open_temporary().unwrap());
    let crawler = Crawler::new(config.crawler.clone(), Arc::clone(&store)).unwrap();
    (crawler, store)
}
