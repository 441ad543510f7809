//! Where community records are kept: the [`CommunityStore`] trait, and its sled backend.
//!
//! The rest of Agora sees only the trait, through an `Arc<dyn CommunityStore>`, so that a
//! PostgreSQL backend can replace sled when one machine is no longer enough. The trait is
//! shaped after what such a backend would do, and every implementation must honour these
//! contracts:
//!
//! - **Ids** are assigned by the store on insert, increasing (a sequence).
//! - **Atomicity**: each method is one transaction. Where a method changes several records
//!   (a vote and the answer's score; hiding an answer, the question's answer count and the
//!   audit log), either all changes happen or none.
//! - **Uniqueness**: one member per email address, one connection per pair of members, one
//!   vote per member and answer; inserts that would break it fail with a user error.
//! - **Durability**: a write that returned `Ok` survives a crash of the process.
//! - **Cascades**: deleting a question deletes its answers and their votes; deleting an
//!   answer deletes its votes and clears it as the accepted answer.
//!
//! Business rules (who may do what) are not the store's job: they live in
//! [`crate::Community`], above it.

mod sled_store;

use chrono::{DateTime, Utc};

pub use sled_store::SledStore;

use crate::connection::{Connection, NewConnection};
use crate::error::Result;
use crate::id::{AnswerId, ConnectionId, MemberId, QuestionId};
use crate::member::{Member, NewMember};
use crate::message::{Message, NewMessage};
use crate::moderation::{AuditEntry, Flag, NewAuditEntry, NewFlag, PostRef};
use crate::question::{Answer, NewAnswer, NewQuestion, Question, QuestionFilter, Vote};
use crate::session::{Session, TokenHash};

/// Which members the directory lists, in id order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MemberFilter {
    /// Only members interested in this topic.
    pub topic: Option<String>,
    /// Only members in this country.
    pub country: Option<String>,
    /// Only members whose organisation contains this text (case-insensitive).
    pub organisation: Option<String>,
    /// Only members whose name, role, organisation or bio contains this text.
    pub text: Option<String>,
    /// Only members after this one, for paging.
    pub after: Option<MemberId>,
    /// At most this many.
    pub limit: usize,
}

impl MemberFilter {
    /// Tells whether `member` passes the filter.
    pub fn accepts(&self, member: &Member) -> bool {
        let profile = &member.profile;
        let contains =
            |haystack: &str, needle: &str| haystack.to_lowercase().contains(&needle.to_lowercase());
        self.after.is_none_or(|after| member.id > after)
            && self
                .topic
                .as_ref()
                .is_none_or(|topic| profile.topics.contains(topic))
            && self
                .country
                .as_ref()
                .is_none_or(|country| profile.country.as_ref() == Some(country))
            && self
                .organisation
                .as_ref()
                .is_none_or(|organisation| contains(&profile.organisation, organisation))
            && self.text.as_ref().is_none_or(|text| {
                [
                    &member.name,
                    &profile.role,
                    &profile.organisation,
                    &profile.bio,
                ]
                .iter()
                .any(|field| contains(field, text))
            })
    }
}

/// Storage of every community record. See the module documentation for the contracts.
pub trait CommunityStore: Send + Sync {
    /// Stores a new member; fails with `EmailTaken` if the email is in use.
    fn insert_member(&self, new: &NewMember) -> Result<Member>;
    /// Returns the member with `id`.
    fn member(&self, id: MemberId) -> Result<Option<Member>>;
    /// Returns the member with this (lowercased) email address.
    fn member_by_email(&self, email: &str) -> Result<Option<Member>>;
    /// Replaces a member's name and profile (not the email, password or role).
    fn update_profile(&self, member: &Member) -> Result<()>;
    /// Lists members passing `filter`.
    fn members(&self, filter: &MemberFilter) -> Result<Vec<Member>>;
    /// Sets a member's moderator role and records the audit entry, together.
    fn set_moderator(&self, member: MemberId, moderator: bool, audit: &NewAuditEntry)
    -> Result<()>;

    /// Stores a new session.
    fn insert_session(&self, session: &Session) -> Result<()>;
    /// Returns the session opened by the token with this hash.
    fn session(&self, token: &TokenHash) -> Result<Option<Session>>;
    /// Ends one session.
    fn delete_session(&self, token: &TokenHash) -> Result<()>;
    /// Deletes sessions that expired before `now`; returns how many.
    fn delete_expired_sessions(&self, now: DateTime<Utc>) -> Result<u64>;
    /// Replaces a member's password hash and ends all their sessions but `keep`, together.
    fn change_password(
        &self,
        member: MemberId,
        password_hash: &str,
        keep: Option<&TokenHash>,
    ) -> Result<()>;

    /// Stores a new question.
    fn insert_question(&self, new: &NewQuestion) -> Result<Question>;
    /// Returns the question with `id`.
    fn question(&self, id: QuestionId) -> Result<Option<Question>>;
    /// Replaces a question's title, body, topics, country, edit time and accepted answer.
    fn update_question(&self, question: &Question) -> Result<()>;
    /// Deletes a question with its answers and their votes.
    fn delete_question(&self, id: QuestionId) -> Result<()>;
    /// Lists questions passing `filter`, newest first.
    fn questions(&self, filter: &QuestionFilter) -> Result<Vec<Question>>;

    /// Stores a new answer and counts it on its question.
    fn insert_answer(&self, new: &NewAnswer) -> Result<Answer>;
    /// Returns the answer with `id`.
    fn answer(&self, id: AnswerId) -> Result<Option<Answer>>;
    /// Returns the answers to a question, oldest first.
    fn answers_to(&self, question: QuestionId) -> Result<Vec<Answer>>;
    /// Replaces an answer's body and edit time.
    fn update_answer(&self, answer: &Answer) -> Result<()>;
    /// Deletes an answer and its votes, uncounts it, and clears it as accepted answer.
    fn delete_answer(&self, id: AnswerId) -> Result<()>;
    /// Records `voter`'s vote on an answer, replacing any earlier one, and updates the
    /// answer's score, together; returns the new score.
    fn set_vote(&self, answer: AnswerId, voter: MemberId, vote: Vote) -> Result<i64>;
    /// Returns `voter`'s votes on the given answers (answers without a vote are left out).
    fn votes_by(&self, voter: MemberId, answers: &[AnswerId]) -> Result<Vec<(AnswerId, Vote)>>;

    /// Hides or shows a post, resolves its open flags when hiding, keeps the question's
    /// answer count, and records the audit entry, together.
    fn set_hidden(&self, post: PostRef, hidden: bool, audit: &NewAuditEntry) -> Result<()>;
    /// Stores a new flag.
    fn insert_flag(&self, new: &NewFlag) -> Result<Flag>;
    /// Lists unresolved flags, oldest first.
    fn open_flags(&self, limit: usize) -> Result<Vec<Flag>>;
    /// Resolves the open flags on a post without hiding it, and records the audit entry.
    fn dismiss_flags(&self, post: PostRef, audit: &NewAuditEntry) -> Result<u64>;
    /// Lists the audit log, newest first.
    fn audit_log(&self, limit: usize) -> Result<Vec<AuditEntry>>;

    /// Stores a connection request; fails with a conflict if the pair has one already.
    fn insert_connection(&self, new: &NewConnection) -> Result<Connection>;
    /// Returns the connection with `id`.
    fn connection(&self, id: ConnectionId) -> Result<Option<Connection>>;
    /// Returns the connection between two members, whoever asked.
    fn connection_between(&self, a: MemberId, b: MemberId) -> Result<Option<Connection>>;
    /// Replaces a connection's status, requester, recipient and response time.
    fn update_connection(&self, connection: &Connection) -> Result<()>;
    /// Deletes a connection.
    fn delete_connection(&self, id: ConnectionId) -> Result<()>;
    /// Lists a member's connections and requests, newest first.
    fn connections_of(&self, member: MemberId) -> Result<Vec<Connection>>;

    /// Stores a new message.
    fn insert_message(&self, new: &NewMessage) -> Result<Message>;
    /// Returns the last `limit` messages between two members, oldest first.
    fn thread(&self, a: MemberId, b: MemberId, limit: usize) -> Result<Vec<Message>>;
    /// Marks what `sender` sent `reader` as read at `at`; returns how many were unread.
    fn mark_read(&self, reader: MemberId, sender: MemberId, at: DateTime<Utc>) -> Result<u64>;
    /// Counts `member`'s unread messages per sender.
    fn unread_counts(&self, member: MemberId) -> Result<Vec<(MemberId, u64)>>;

    /// Writes everything buffered to disk.
    fn flush(&self) -> Result<()>;
}
