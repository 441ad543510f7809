//! Agora's community: members and their profiles, questions and answers with votes,
//! connections and private messages, flags, moderation and its audit log.
//!
//! [`Community`] holds the rules (who may do what, what is valid) over a
//! [`CommunityStore`], the storage interface that sled implements today ([`SledStore`]) and
//! PostgreSQL can implement later. Questions with their answers are also published into the
//! indexer's document store as documents of kind `question`, so that they are searched beside
//! case studies.
#![warn(missing_docs)]

pub mod clock;
pub mod connection;
mod error;
pub mod id;
pub mod markdown;
pub mod member;
pub mod message;
pub mod moderation;
pub mod password;
pub mod publish;
pub mod question;
pub mod rate_limit;
mod service;
pub mod session;
pub mod store;
pub mod validate;

pub use error::{CommunityError, InternalError, Result, UserError};
pub use id::{AnswerId, AuditId, ConnectionId, FlagId, MemberId, MessageId, QuestionId};
pub use service::{
    AnswerView, Authenticated, AuthorRef, Community, CommunitySettings, ConnectionView,
    Conversation, Direction, FlagView, LoggedIn, QuestionDraft, QuestionEdit, QuestionSummary,
    QuestionView, SignUp,
};
pub use store::{CommunityStore, SledStore};
