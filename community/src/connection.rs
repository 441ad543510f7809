//! Connections between members: a request, then acceptance. Only connected members may
//! message each other.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::id::{ConnectionId, MemberId};

/// Where a connection stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ConnectionStatus {
    /// Requested; the recipient has not answered.
    Pending,
    /// Both members are connected.
    Accepted,
    /// The recipient declined; the requester cannot ask again.
    Declined,
}

/// A connection or a request for one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Connection {
    /// The connection's id.
    pub id: ConnectionId,
    /// Who asked.
    pub requester: MemberId,
    /// Who was asked.
    pub recipient: MemberId,
    /// Where it stands.
    pub status: ConnectionStatus,
    /// When it was requested.
    pub created_at: DateTime<Utc>,
    /// When the recipient answered.
    pub responded_at: Option<DateTime<Utc>>,
}

impl Connection {
    /// Tells whether `member` is one of the two ends.
    pub fn involves(&self, member: MemberId) -> bool {
        self.requester == member || self.recipient == member
    }

    /// Returns the end that is not `member`.
    pub fn other(&self, member: MemberId) -> MemberId {
        if self.requester == member {
            self.recipient
        } else {
            self.requester
        }
    }
}

/// A connection request about to be stored.
#[derive(Debug, Clone)]
pub struct NewConnection {
    /// See [`Connection::requester`].
    pub requester: MemberId,
    /// See [`Connection::recipient`].
    pub recipient: MemberId,
    /// See [`Connection::created_at`].
    pub created_at: DateTime<Utc>,
}
