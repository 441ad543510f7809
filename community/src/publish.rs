//! Turning a question and its answers into a document of the search index.
//!
//! The community store is the source of truth; the document is derived from it and rewritten
//! after every change that shows in search (an edit, a new answer, a vote, an acceptance, a
//! moderator hiding a post). Hidden and deleted questions are removed from the document
//! store, and the index drops them at its next sync. Should the process stop between the two
//! writes, [`crate::Community::publish_all_questions`] at the next start puts things right.

use agora_indexer::language::detect_language;
use agora_indexer::text::excerpt;
use agora_indexer::{ContentKind, DocId, Document, DocumentDraft, QuestionSignals};
use chrono::{DateTime, Utc};

use crate::id::QuestionId;
use crate::markdown::plain_text;
use crate::question::{Answer, Question};

/// The source id of community documents in the document store and in search facets.
pub const SOURCE_ID: &str = "community";

/// Characters of the question's text used as the document's summary.
const SUMMARY_CHARS: usize = 300;

/// Returns the path of a question's page; it is also the document's canonical URL, so that
/// search results link to the discussion on whichever host serves it.
pub fn question_url(id: QuestionId) -> String {
    format!("/questions/{id}")
}

/// Returns the id of the document that represents question `id`.
pub fn question_doc_id(id: QuestionId) -> DocId {
    DocId::from_canonical_url(&question_url(id))
}

/// Builds the document of a visible question from its visible answers.
pub fn question_document(question: &Question, answers: &[Answer], now: DateTime<Utc>) -> Document {
    let question_text = plain_text(&question.body);
    let visible: Vec<&Answer> = answers.iter().filter(|answer| !answer.hidden).collect();
    let mut body = question_text.clone();
    for answer in &visible {
        body.push_str("\n\n");
        body.push_str(&plain_text(&answer.body));
    }
    let sample = format!("{}\n{question_text}", question.title);
    let lang = detect_language(&sample, None).lang;
    let signals = QuestionSignals {
        num_answers: visible.len() as u32,
        accepted: question
            .accepted_answer
            .is_some_and(|accepted| visible.iter().any(|answer| answer.id == accepted)),
        top_score: visible.iter().map(|answer| answer.score).max().unwrap_or(0),
    };
    let url = question_url(question.id);
    DocumentDraft {
        url: url.clone(),
        canonical_url: url,
        source: SOURCE_ID.to_string(),
        title: question.title.clone(),
        summary: excerpt(&question_text, SUMMARY_CHARS),
        body,
        lang,
        country: question
            .country
            .clone()
            .unwrap_or_else(|| agora_indexer::country::INTERNATIONAL.to_string()),
        topics: question.topics.clone(),
        kind: ContentKind::Question,
        published: Some(question.created_at),
    }
    .finish_question(now, signals)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::id::{AnswerId, MemberId};

    fn question() -> Question {
        Question {
            id: QuestionId(7),
            author: MemberId(1),
            title: "Has any municipality digitised building permits?".into(),
            body: "We want to move **building permits** online. What went wrong elsewhere?".into(),
            topics: vec!["permits".into()],
            country: None,
            created_at: Utc::now(),
            edited_at: None,
            accepted_answer: Some(AnswerId(9)),
            num_answers: 1,
            hidden: false,
        }
    }

    fn answer(id: u64, body: &str, score: i64, hidden: bool) -> Answer {
        Answer {
            id: AnswerId(id),
            question: QuestionId(7),
            author: MemberId(2),
            body: body.into(),
            score,
            created_at: Utc::now(),
            edited_at: None,
            hidden,
        }
    }

    #[test]
    fn a_question_document_holds_visible_answers_and_their_signals() {
        let answers = [
            answer(
                9,
                "Lisbon did it in 2019; *training* the staff took longest.",
                3,
                false,
            ),
            answer(10, "Spam spam spam", 0, true),
        ];
        let document = question_document(&question(), &answers, Utc::now());
        assert_eq!(document.kind, ContentKind::Question);
        assert_eq!(document.source, SOURCE_ID);
        assert_eq!(document.canonical_url, "/questions/7");
        assert_eq!(document.id, question_doc_id(QuestionId(7)));
        assert_eq!(document.lang, "en");
        assert_eq!(document.country, "INT");
        assert!(
            document.body.contains("training the staff"),
            "{}",
            document.body
        );
        assert!(!document.body.contains("Spam"));
        assert!(!document.body.contains("**"));
        let signals = document.question.unwrap();
        assert_eq!(signals.num_answers, 1);
        assert!(signals.accepted);
        assert_eq!(signals.top_score, 3);
    }

    #[test]
    fn a_hidden_accepted_answer_does_not_count_as_accepted() {
        let answers = [answer(9, "Hidden by a moderator", 5, true)];
        let signals = question_document(&question(), &answers, Utc::now())
            .question
            .unwrap();
        assert_eq!(signals.num_answers, 0);
        assert!(!signals.accepted);
        assert_eq!(signals.top_score, 0);
    }
}
