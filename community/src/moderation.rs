//! Flags raised by members, moderation actions, and the audit log that records every one.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::error::UserError;
use crate::id::{AnswerId, AuditId, FlagId, MemberId, QuestionId};

/// Longest flag or moderation reason.
pub const MAX_REASON_CHARS: usize = 500;

/// A post that can be flagged and hidden, written `question:12` or `answer:7`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PostRef {
    /// A question.
    Question(QuestionId),
    /// An answer.
    Answer(AnswerId),
}

impl fmt::Display for PostRef {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PostRef::Question(id) => write!(formatter, "question:{id}"),
            PostRef::Answer(id) => write!(formatter, "answer:{id}"),
        }
    }
}

impl FromStr for PostRef {
    type Err = UserError;

    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        let invalid = || UserError::invalid("target", "a target is `question:ID` or `answer:ID`");
        let (kind, id) = raw.trim().split_once(':').ok_or_else(invalid)?;
        match kind {
            "question" => Ok(PostRef::Question(id.parse().map_err(|()| invalid())?)),
            "answer" => Ok(PostRef::Answer(id.parse().map_err(|()| invalid())?)),
            _ => Err(invalid()),
        }
    }
}

impl Serialize for PostRef {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for PostRef {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

/// A member's report that a post breaks the rules.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Flag {
    /// The flag's id.
    pub id: FlagId,
    /// Who flagged.
    pub reporter: MemberId,
    /// The post flagged.
    pub target: PostRef,
    /// Why.
    pub reason: String,
    /// When.
    pub created_at: DateTime<Utc>,
    /// When a moderator dealt with it (by hiding the post or dismissing the flag).
    pub resolved_at: Option<DateTime<Utc>>,
}

/// A flag about to be stored.
#[derive(Debug, Clone)]
pub struct NewFlag {
    /// See [`Flag::reporter`].
    pub reporter: MemberId,
    /// See [`Flag::target`].
    pub target: PostRef,
    /// See [`Flag::reason`].
    pub reason: String,
    /// See [`Flag::created_at`].
    pub created_at: DateTime<Utc>,
}

/// Who performed a moderation action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind", content = "id")]
pub enum Actor {
    /// A moderator, through the API or the pages.
    Member(MemberId),
    /// An operator, through `agora users`.
    CommandLine,
}

/// What a moderation action did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ModerationAction {
    /// A post was hidden.
    Hide,
    /// A hidden post was shown again.
    Unhide,
    /// The flags on a post were dismissed without hiding it.
    DismissFlags,
    /// A member became a moderator.
    GrantModerator,
    /// A member stopped being a moderator.
    RevokeModerator,
}

/// One line of the audit log: who did what to what, when and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    /// The entry's id.
    pub id: AuditId,
    /// Who acted.
    pub actor: Actor,
    /// What they did.
    pub action: ModerationAction,
    /// What they did it to: `question:12`, `answer:7` or `member:3`.
    pub target: String,
    /// Why, in their words.
    pub reason: String,
    /// When.
    pub at: DateTime<Utc>,
}

/// An audit entry about to be stored.
#[derive(Debug, Clone)]
pub struct NewAuditEntry {
    /// See [`AuditEntry::actor`].
    pub actor: Actor,
    /// See [`AuditEntry::action`].
    pub action: ModerationAction,
    /// See [`AuditEntry::target`].
    pub target: String,
    /// See [`AuditEntry::reason`].
    pub reason: String,
    /// See [`AuditEntry::at`].
    pub at: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn post_refs_round_trip_through_text() {
        for raw in ["question:12", "answer:7"] {
            assert_eq!(raw.parse::<PostRef>().unwrap().to_string(), raw);
        }
        for raw in ["question", "question:0", "member:1", "answer:x", ""] {
            assert!(raw.parse::<PostRef>().is_err(), "{raw}");
        }
    }
}
