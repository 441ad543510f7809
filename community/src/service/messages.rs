//! Messages between connected members, threads, and unread counts.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::Community;
use super::questions::AuthorRef;
use crate::error::{Result, UserError};
use crate::id::MemberId;
use crate::member::Member;
use crate::message::{MAX_MESSAGE_CHARS, Message, NewMessage, UnreadCounts, UnreadFrom};
use crate::validate;

/// Messages returned with a thread: the most recent ones.
pub const THREAD_MESSAGES: usize = 200;

/// One conversation in a member's inbox.
#[derive(Debug, Clone, Serialize)]
pub struct Conversation {
    /// The other member.
    pub member: AuthorRef,
    /// Messages from them not read yet.
    pub num_unread: u64,
    /// When the last message was sent, either way.
    pub last_message_at: Option<DateTime<Utc>>,
}

impl Community {
    /// Sends a message from `member` to `to`; only connected members may write to each other.
    pub fn send_message(&self, member: &Member, to: MemberId, body: &str) -> Result<Message> {
        if to == member.id {
            return Err(UserError::invalid("to", "members cannot message themselves").into());
        }
        let body = validate::required_text("body", body, MAX_MESSAGE_CHARS)?;
        if !self.are_connected(member.id, to)? {
            return Err(UserError::forbidden(
                "messages go only to connected members; send a connection request first",
            )
            .into());
        }
        self.store.insert_message(&NewMessage {
            from: member.id,
            to,
            body,
            sent_at: self.now(),
        })
    }

    /// Returns `member`'s thread with `with`, oldest first, and marks what they received in
    /// it as read. Only the member's own threads can be read: there is no way to name
    /// another pair.
    pub fn thread(&self, member: &Member, with: MemberId) -> Result<Vec<Message>> {
        if self.store.member(with)?.is_none() {
            return Err(UserError::not_found("member", with).into());
        }
        let mut messages = self.store.thread(member.id, with, THREAD_MESSAGES)?;
        let now = self.now();
        if self.store.mark_read(member.id, with, now)? > 0 {
            for message in messages.iter_mut() {
                if message.to == member.id && message.read_at.is_none() {
                    message.read_at = Some(now);
                }
            }
        }
        Ok(messages)
    }

    /// Counts `member`'s unread messages, in total and per sender.
    pub fn unread(&self, member: &Member) -> Result<UnreadCounts> {
        let mut by_sender: Vec<UnreadFrom> = self
            .store
            .unread_counts(member.id)?
            .into_iter()
            .map(|(sender, count)| UnreadFrom {
                member: sender,
                count,
            })
            .collect();
        by_sender.sort_by(|a, b| b.count.cmp(&a.count).then(a.member.cmp(&b.member)));
        Ok(UnreadCounts {
            total: by_sender.iter().map(|from| from.count).sum(),
            by_sender,
        })
    }

    /// Lists the members `member` can write to or has unread messages from, with counts.
    pub fn conversations(&self, member: &Member) -> Result<Vec<Conversation>> {
        let unread = self.unread(member)?;
        let mut others: Vec<MemberId> = unread.by_sender.iter().map(|from| from.member).collect();
        for connection in self.connections(member)? {
            if connection.status == crate::connection::ConnectionStatus::Accepted
                && !others.contains(&connection.member.id)
            {
                others.push(connection.member.id);
            }
        }
        let names = self.names(others.iter().copied())?;
        let mut conversations = Vec::with_capacity(others.len());
        for other in others {
            let last = self.store.thread(member.id, other, 1)?;
            conversations.push(Conversation {
                member: AuthorRef {
                    id: other,
                    name: names
                        .get(&other)
                        .cloned()
                        .unwrap_or_else(|| "former member".to_string()),
                },
                num_unread: unread
                    .by_sender
                    .iter()
                    .find(|from| from.member == other)
                    .map_or(0, |from| from.count),
                last_message_at: last.first().map(|message| message.sent_at),
            });
        }
        conversations.sort_by(|a, b| {
            b.num_unread
                .cmp(&a.num_unread)
                .then(b.last_message_at.cmp(&a.last_message_at))
        });
        Ok(conversations)
    }
}
