//! The community's rules: who may do what, and what is valid, over a [`CommunityStore`].
//!
//! Every operation takes the acting member (as authenticated from a session token) and
//! checks, before anything is written, that they may act: only the author edits a post, only
//! the asker accepts an answer, only connected members exchange messages, only moderators
//! hide posts. The methods block (storage, password hashing): async callers run them on a
//! blocking pool.

mod accounts;
mod connections;
mod messages;
mod moderation;
mod profiles;
mod questions;

use std::sync::{Arc, OnceLock};

use chrono::{DateTime, Duration, Utc};

pub use accounts::{Authenticated, LoggedIn, SignUp};
pub use connections::{ConnectionView, Direction};
pub use messages::Conversation;
pub use moderation::FlagView;
pub use questions::{
    AnswerView, AuthorRef, QuestionDraft, QuestionEdit, QuestionSummary, QuestionView,
};

use crate::clock::{Clock, SystemClock};
use crate::password::HashingCost;
use crate::rate_limit::FailureLimiter;
use crate::store::CommunityStore;

/// How the community behaves; the defaults suit a public server.
#[derive(Debug, Clone)]
pub struct CommunitySettings {
    /// How long a session lasts after login.
    pub session_ttl: Duration,
    /// The cost of hashing new passwords.
    pub password_cost: HashingCost,
    /// Failed logins allowed per account within `login_window`.
    pub max_login_failures_per_account: u32,
    /// Failed logins allowed per client address within `login_window`.
    pub max_login_failures_per_address: u32,
    /// The sliding window of the login limits.
    pub login_window: Duration,
}

impl Default for CommunitySettings {
    fn default() -> Self {
        CommunitySettings {
            session_ttl: Duration::days(14),
            password_cost: HashingCost::default(),
            max_login_failures_per_account: 5,
            max_login_failures_per_address: 20,
            login_window: Duration::minutes(15),
        }
    }
}

impl CommunitySettings {
    /// The defaults with the cheapest password hashing: for tests only.
    #[cfg(any(test, feature = "testing"))]
    pub fn for_tests() -> CommunitySettings {
        CommunitySettings {
            password_cost: HashingCost::cheapest(),
            ..CommunitySettings::default()
        }
    }
}

/// The community service. Share it behind an `Arc`.
pub struct Community {
    store: Arc<dyn CommunityStore>,
    documents: Option<Arc<agora_indexer::Store>>,
    clock: Arc<dyn Clock>,
    settings: CommunitySettings,
    account_failures: FailureLimiter,
    address_failures: FailureLimiter,
    decoy_hash: OnceLock<String>,
}

impl Community {
    /// Creates the service over `store`, with the system clock and no search publishing.
    pub fn new(store: Arc<dyn CommunityStore>, settings: CommunitySettings) -> Community {
        Community {
            store,
            documents: None,
            clock: Arc::new(SystemClock),
            account_failures: FailureLimiter::new(
                settings.max_login_failures_per_account,
                settings.login_window,
            ),
            address_failures: FailureLimiter::new(
                settings.max_login_failures_per_address,
                settings.login_window,
            ),
            settings,
            decoy_hash: OnceLock::new(),
        }
    }

    /// Publishes questions into `documents`, the indexer's store, so that they are searched.
    pub fn with_documents(mut self, documents: Arc<agora_indexer::Store>) -> Community {
        self.documents = Some(documents);
        self
    }

    /// Reads the time from `clock` instead of the system.
    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Community {
        self.clock = clock;
        self
    }

    /// Returns the storage backend.
    pub fn store(&self) -> &Arc<dyn CommunityStore> {
        &self.store
    }

    /// Returns the settings.
    pub fn settings(&self) -> &CommunitySettings {
        &self.settings
    }

    fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }
}

#[cfg(test)]
mod tests;
