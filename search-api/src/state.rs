//! What every handler shares.

use std::net::IpAddr;
use std::sync::Arc;

use agora_community::Community;
use agora_indexer::{SearchIndex, Store};

use crate::index_trigger::IndexTrigger;

/// Shared handles; cloning is cheap.
#[derive(Clone)]
pub struct AppState {
    /// The index searches run against.
    pub index: SearchIndex,
    /// The document store, for full documents and source statuses.
    pub store: Arc<Store>,
    /// Members, questions, connections, messages and moderation.
    pub community: Arc<Community>,
    /// Asks for an index sync after a community write that changes a document.
    pub index_trigger: IndexTrigger,
    /// Whether session cookies carry `Secure` (when the site is served over HTTPS).
    pub secure_cookies: bool,
    /// Reverse proxies whose `X-Forwarded-For` names the client.
    pub trusted_proxies: Arc<[IpAddr]>,
}

impl AppState {
    /// Creates the state with no index trigger and cookies without `Secure`.
    pub fn new(index: SearchIndex, store: Arc<Store>, community: Arc<Community>) -> AppState {
        AppState {
            index,
            store,
            community,
            index_trigger: IndexTrigger::none(),
            secure_cookies: false,
            trusted_proxies: Arc::new([]),
        }
    }

    /// Requests index syncs through `trigger`.
    pub fn with_index_trigger(mut self, trigger: IndexTrigger) -> AppState {
        self.index_trigger = trigger;
        self
    }

    /// Marks session cookies `Secure`, so that browsers send them over HTTPS only.
    pub fn with_secure_cookies(mut self, secure: bool) -> AppState {
        self.secure_cookies = secure;
        self
    }

    /// Believes the `X-Forwarded-For` header of requests coming from `proxies`, so that the
    /// clients behind them are told apart (login limits count per client address).
    pub fn with_trusted_proxies(mut self, proxies: Vec<IpAddr>) -> AppState {
        self.trusted_proxies = proxies.into();
        self
    }
}
