//! Private messages between connected members.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::id::{MemberId, MessageId};

/// Longest message, in characters.
pub const MAX_MESSAGE_CHARS: usize = 5_000;

/// A message as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    /// The message's id.
    pub id: MessageId,
    /// The sender.
    pub from: MemberId,
    /// The recipient.
    pub to: MemberId,
    /// Plain text.
    pub body: String,
    /// When it was sent.
    pub sent_at: DateTime<Utc>,
    /// When the recipient opened the thread after it arrived.
    pub read_at: Option<DateTime<Utc>>,
}

/// A message about to be stored.
#[derive(Debug, Clone)]
pub struct NewMessage {
    /// See [`Message::from`].
    pub from: MemberId,
    /// See [`Message::to`].
    pub to: MemberId,
    /// See [`Message::body`].
    pub body: String,
    /// See [`Message::sent_at`].
    pub sent_at: DateTime<Utc>,
}

/// Unread messages of one member, per sender.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct UnreadCounts {
    /// All unread messages.
    pub total: u64,
    /// Unread messages per sender, most first.
    pub by_sender: Vec<UnreadFrom>,
}

/// Unread messages from one sender.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UnreadFrom {
    /// The sender.
    pub member: MemberId,
    /// How many are unread.
    pub count: u64,
}
