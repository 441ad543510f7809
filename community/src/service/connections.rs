//! Connection requests, answers to them, and the list of a member's connections.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::Community;
use super::questions::AuthorRef;
use crate::connection::{Connection, ConnectionStatus, NewConnection};
use crate::error::{Result, UserError};
use crate::id::{ConnectionId, MemberId};
use crate::member::Member;

/// Which way a request went, seen from the member listing it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    /// The member asked.
    Outgoing,
    /// The member was asked.
    Incoming,
}

/// A connection as one of its ends sees it.
#[derive(Debug, Clone, Serialize)]
pub struct ConnectionView {
    /// The connection's id.
    pub id: ConnectionId,
    /// The other member.
    pub member: AuthorRef,
    /// Where it stands.
    pub status: ConnectionStatus,
    /// Who asked whom.
    pub direction: Direction,
    /// When it was requested.
    pub created_at: DateTime<Utc>,
}

impl Community {
    /// Asks `to` to connect with `member`.
    ///
    /// Asking someone who declined you is refused; asking someone you declined turns the
    /// old request around into yours.
    pub fn request_connection(&self, member: &Member, to: MemberId) -> Result<Connection> {
        if to == member.id {
            return Err(
                UserError::invalid("user_id", "members cannot connect with themselves").into(),
            );
        }
        if self.store.member(to)?.is_none() {
            return Err(UserError::not_found("member", to).into());
        }
        let now = self.now();
        if let Some(mut existing) = self.store.connection_between(member.id, to)? {
            let declined_by_me =
                existing.status == ConnectionStatus::Declined && existing.recipient == member.id;
            if !declined_by_me {
                let message = match existing.status {
                    ConnectionStatus::Accepted => "you are connected already",
                    ConnectionStatus::Pending => "a connection request is pending already",
                    ConnectionStatus::Declined => "this member declined your request",
                };
                return Err(UserError::Conflict {
                    message: message.to_string(),
                }
                .into());
            }
            existing.requester = member.id;
            existing.recipient = to;
            existing.status = ConnectionStatus::Pending;
            existing.created_at = now;
            existing.responded_at = None;
            self.store.update_connection(&existing)?;
            return Ok(existing);
        }
        self.store.insert_connection(&NewConnection {
            requester: member.id,
            recipient: to,
            created_at: now,
        })
    }

    /// Accepts or declines a pending request made to `member`.
    pub fn respond_to_connection(
        &self,
        member: &Member,
        id: ConnectionId,
        accept: bool,
    ) -> Result<Connection> {
        let mut connection = self.own_connection(member, id)?;
        if connection.recipient != member.id {
            return Err(UserError::forbidden(
                "only the member asked can answer a connection request",
            )
            .into());
        }
        if connection.status != ConnectionStatus::Pending {
            return Err(UserError::Conflict {
                message: "this request was answered already".to_string(),
            }
            .into());
        }
        connection.status = if accept {
            ConnectionStatus::Accepted
        } else {
            ConnectionStatus::Declined
        };
        connection.responded_at = Some(self.now());
        self.store.update_connection(&connection)?;
        Ok(connection)
    }

    /// Removes a connection, or withdraws a request; either end may.
    pub fn remove_connection(&self, member: &Member, id: ConnectionId) -> Result<()> {
        self.own_connection(member, id)?;
        self.store.delete_connection(id)
    }

    /// Lists `member`'s connections and requests, newest first; declined requests are
    /// shown only to the member who declined them.
    pub fn connections(&self, member: &Member) -> Result<Vec<ConnectionView>> {
        let connections: Vec<Connection> = self
            .store
            .connections_of(member.id)?
            .into_iter()
            .filter(|connection| {
                connection.status != ConnectionStatus::Declined || connection.recipient == member.id
            })
            .collect();
        let names = self.names(
            connections
                .iter()
                .map(|connection| connection.other(member.id)),
        )?;
        Ok(connections
            .into_iter()
            .map(|connection| {
                let other = connection.other(member.id);
                ConnectionView {
                    id: connection.id,
                    member: AuthorRef {
                        id: other,
                        name: names
                            .get(&other)
                            .cloned()
                            .unwrap_or_else(|| "former member".to_string()),
                    },
                    status: connection.status,
                    direction: if connection.requester == member.id {
                        Direction::Outgoing
                    } else {
                        Direction::Incoming
                    },
                    created_at: connection.created_at,
                }
            })
            .collect())
    }

    /// Tells whether two members are connected (an accepted request).
    pub fn are_connected(&self, a: MemberId, b: MemberId) -> Result<bool> {
        Ok(self
            .store
            .connection_between(a, b)?
            .is_some_and(|connection| connection.status == ConnectionStatus::Accepted))
    }

    /// Returns a connection `member` is one end of; others' connections are "not found".
    fn own_connection(&self, member: &Member, id: ConnectionId) -> Result<Connection> {
        match self.store.connection(id)? {
            Some(connection) if connection.involves(member.id) => Ok(connection),
            _ => Err(UserError::not_found("connection", id).into()),
        }
    }
}
