//! Log output: `tracing` events to standard error, filtered by `RUST_LOG`.

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

/// Installs the subscriber; `default_level` applies to Agora's crates when `RUST_LOG` is unset.
pub fn init(default_level: &str) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| {
        let directives = [
            "agora",
            "agora_crawler",
            "agora_indexer",
            "agora_search_api",
            "tower_http",
        ]
        .map(|target| format!("{target}={default_level}"))
        .join(",");
        EnvFilter::new(format!("warn,{directives}"))
    });
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
}
