//! Questions, answers and votes.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::UserError;
use crate::id::{AnswerId, MemberId, QuestionId};

/// Longest question title.
pub const MAX_TITLE_CHARS: usize = 200;

/// Longest question or answer body, in characters of Markdown.
pub const MAX_BODY_CHARS: usize = 20_000;

/// A question as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Question {
    /// The question's id.
    pub id: QuestionId,
    /// Who asked.
    pub author: MemberId,
    /// One line that says what is asked.
    pub title: String,
    /// Details, in Markdown.
    pub body: String,
    /// Topic slugs.
    pub topics: Vec<String>,
    /// The country the question concerns, if one.
    pub country: Option<String>,
    /// When it was asked.
    pub created_at: DateTime<Utc>,
    /// When its author last edited it.
    pub edited_at: Option<DateTime<Utc>>,
    /// The answer the asker accepted.
    pub accepted_answer: Option<AnswerId>,
    /// Answers not hidden by moderators; kept by the store.
    pub num_answers: u32,
    /// Hidden by a moderator.
    pub hidden: bool,
}

/// A question about to be stored.
#[derive(Debug, Clone)]
pub struct NewQuestion {
    /// See [`Question::author`].
    pub author: MemberId,
    /// See [`Question::title`].
    pub title: String,
    /// See [`Question::body`].
    pub body: String,
    /// See [`Question::topics`].
    pub topics: Vec<String>,
    /// See [`Question::country`].
    pub country: Option<String>,
    /// See [`Question::created_at`].
    pub created_at: DateTime<Utc>,
}

/// An answer as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Answer {
    /// The answer's id.
    pub id: AnswerId,
    /// The question it answers.
    pub question: QuestionId,
    /// Who answered.
    pub author: MemberId,
    /// The answer, in Markdown.
    pub body: String,
    /// Sum of the votes; kept by the store.
    pub score: i64,
    /// When it was written.
    pub created_at: DateTime<Utc>,
    /// When its author last edited it.
    pub edited_at: Option<DateTime<Utc>>,
    /// Hidden by a moderator.
    pub hidden: bool,
}

/// An answer about to be stored.
#[derive(Debug, Clone)]
pub struct NewAnswer {
    /// See [`Answer::question`].
    pub question: QuestionId,
    /// See [`Answer::author`].
    pub author: MemberId,
    /// See [`Answer::body`].
    pub body: String,
    /// See [`Answer::created_at`].
    pub created_at: DateTime<Utc>,
}

/// A member's vote on an answer: up, down, or withdrawn.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "i64", into = "i64")]
pub enum Vote {
    /// The answer helped (`1`).
    Up,
    /// The answer is wrong or unhelpful (`-1`).
    Down,
    /// No vote (`0`): withdraws an earlier one.
    None,
}

impl Vote {
    /// Returns the vote's weight in an answer's score.
    pub fn value(self) -> i64 {
        match self {
            Vote::Up => 1,
            Vote::Down => -1,
            Vote::None => 0,
        }
    }
}

impl TryFrom<i64> for Vote {
    type Error = UserError;

    fn try_from(value: i64) -> Result<Self, Self::Error> {
        match value {
            1 => Ok(Vote::Up),
            -1 => Ok(Vote::Down),
            0 => Ok(Vote::None),
            _ => Err(UserError::invalid("value", "a vote is 1, -1 or 0")),
        }
    }
}

impl From<Vote> for i64 {
    fn from(vote: Vote) -> Self {
        vote.value()
    }
}

/// Which questions to list, newest first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QuestionFilter {
    /// Only questions with (`true`) or without (`false`) answers.
    pub answered: Option<bool>,
    /// Only questions with this topic.
    pub topic: Option<String>,
    /// Only questions about this country.
    pub country: Option<String>,
    /// Only questions by this member.
    pub author: Option<MemberId>,
    /// Only questions older than this one, for paging.
    pub before: Option<QuestionId>,
    /// Include questions hidden by moderators.
    pub include_hidden: bool,
    /// At most this many.
    pub limit: usize,
}

impl QuestionFilter {
    /// Tells whether `question` passes the filter.
    pub fn accepts(&self, question: &Question) -> bool {
        (self.include_hidden || !question.hidden)
            && self
                .answered
                .is_none_or(|answered| answered == (question.num_answers > 0))
            && self
                .topic
                .as_ref()
                .is_none_or(|topic| question.topics.contains(topic))
            && self
                .country
                .as_ref()
                .is_none_or(|country| question.country.as_ref() == Some(country))
            && self.author.is_none_or(|author| question.author == author)
            && self.before.is_none_or(|before| question.id < before)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn votes_read_from_numbers() {
        assert_eq!(serde_json::from_str::<Vote>("1").unwrap(), Vote::Up);
        assert_eq!(serde_json::from_str::<Vote>("-1").unwrap(), Vote::Down);
        assert_eq!(serde_json::from_str::<Vote>("0").unwrap(), Vote::None);
        assert!(serde_json::from_str::<Vote>("2").is_err());
        assert_eq!(serde_json::to_string(&Vote::Down).unwrap(), "-1");
    }
}
