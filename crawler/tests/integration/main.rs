//! Integration tests of the crawler against a loopback fixture server.

mod common;
mod content;
mod crawl;
mod fetch;
mod incremental;
mod inspect;
mod politeness;
mod status;
