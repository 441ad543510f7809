//! Errors of the community crate.
//!
//! What a member got wrong ([`UserError`]: a malformed email, a forbidden action) is kept
//! apart from what broke on our side ([`InternalError`]: storage, hashing), because the two
//! are answered differently: the first goes back to the member with detail, the second is
//! logged and answered with a generic message.

use std::path::PathBuf;

/// Everything a community operation can fail with.
#[derive(Debug, thiserror::Error)]
pub enum CommunityError {
    /// The request cannot be honoured as made; the member can fix it.
    #[error(transparent)]
    User(#[from] UserError),
    /// Something broke on our side.
    #[error(transparent)]
    Internal(#[from] InternalError),
}

/// Errors caused by the request: each tells the member what to change.
#[derive(Debug, thiserror::Error)]
pub enum UserError {
    /// A field is missing, malformed or out of bounds.
    #[error("{message}")]
    Invalid {
        /// The field's name, as in the API.
        field: &'static str,
        /// What is wrong and what is expected.
        message: String,
    },
    /// Another account already uses this email address.
    #[error("an account with this email address already exists; log in instead")]
    EmailTaken,
    /// The request contradicts what is stored (a connection that already exists, say).
    #[error("{message}")]
    Conflict {
        /// What stands in the way.
        message: String,
    },
    /// The thing asked for does not exist, or the member may not know that it does.
    #[error("no {what} with id `{id}`")]
    NotFound {
        /// The kind of thing: `member`, `question`...
        what: &'static str,
        /// The id asked for.
        id: String,
    },
    /// The email address or the password is wrong; which one is not said.
    #[error("the email address or the password is wrong")]
    WrongCredentials,
    /// The session token is unknown, revoked or expired.
    #[error("the session has expired or was ended; log in again")]
    SessionExpired,
    /// The member is known but may not do this.
    #[error("{message}")]
    Forbidden {
        /// What is not allowed, and why.
        message: String,
    },
    /// Too many failed logins for this account or from this address.
    #[error("too many failed login attempts; try again in {retry_after_secs} seconds")]
    RateLimited {
        /// Seconds until an attempt is allowed again.
        retry_after_secs: u64,
    },
}

impl UserError {
    /// A malformed or missing field.
    pub fn invalid(field: &'static str, message: impl Into<String>) -> UserError {
        UserError::Invalid {
            field,
            message: message.into(),
        }
    }

    /// A forbidden action.
    pub fn forbidden(message: impl Into<String>) -> UserError {
        UserError::Forbidden {
            message: message.into(),
        }
    }

    /// A missing record.
    pub fn not_found(what: &'static str, id: impl ToString) -> UserError {
        UserError::NotFound {
            what,
            id: id.to_string(),
        }
    }
}

/// Errors on our side: the member can do nothing about them.
#[derive(Debug, thiserror::Error)]
pub enum InternalError {
    /// The community store could not be opened, read or written.
    #[error("community store at `{path}`: {source}")]
    Storage {
        /// Where the store lives.
        path: PathBuf,
        /// What the storage backend reported.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// Another process holds the store open.
    #[error(
        "community store at `{path}` is in use by another agora process; stop it or use another \
         --data directory"
    )]
    Locked {
        /// Where the store lives.
        path: PathBuf,
    },
    /// A stored record could not be decoded: it was written by an incompatible version.
    #[error("stored {what} `{key}` cannot be decoded: {reason}")]
    Corrupt {
        /// The kind of record.
        what: &'static str,
        /// Its key.
        key: String,
        /// Why it cannot be decoded.
        reason: String,
    },
    /// Hashing a password failed.
    #[error("password hashing failed: {message}")]
    Hashing {
        /// What argon2 reported.
        message: String,
    },
    /// The operating system's random number generator failed.
    #[error("no randomness available: {message}")]
    Randomness {
        /// What the generator reported.
        message: String,
    },
    /// Publishing a question to the document store failed.
    #[error("publishing a question for search: {0}")]
    Documents(#[from] agora_indexer::IndexerError),
}

impl From<agora_indexer::IndexerError> for CommunityError {
    fn from(error: agora_indexer::IndexerError) -> Self {
        CommunityError::Internal(InternalError::Documents(error))
    }
}

/// Result alias of the community crate.
pub type Result<T, E = CommunityError> = std::result::Result<T, E>;
