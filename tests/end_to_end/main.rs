//! End-to-end tests: the `agora` binary against a loopback fixture site and the bundled
//! collection, as a user runs it.

mod bundled;
mod cli;
mod common;
mod community;
mod crawl_and_search;
mod serve;
