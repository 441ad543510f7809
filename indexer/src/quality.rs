//! How community questions take part in search: a quality signal that scales relevance, and
//! the answered / unanswered filter.
//!
//! Every document gets a `quality` fast field. Crawled documents have 1.0, so their ranking
//! is untouched. A question's quality follows what members made of it: an unanswered one
//! ranks a little below a case study of equal relevance, an answered one level with it, and
//! an accepted answer and well-voted answers lift it further. The factor is bounded, so that
//! votes reorder close results but never bury a much better match.
//!
//! The factor is applied with the ranking's other per-document factors
//! ([`crate::ranking`]); this module computes it at index time and filters on answers.

use tantivy::query::{Occur, Query, TermQuery};
use tantivy::schema::IndexRecordOption;
use tantivy::{TantivyDocument, Term};

use crate::document::Document;
use crate::schema::IndexSchema;

/// Quality of a crawled document, and the neutral factor.
pub(crate) const NEUTRAL: f64 = 1.0;

/// Quality of a question nobody has answered yet.
const UNANSWERED: f64 = 0.8;

/// Added when the asker accepted an answer.
const ACCEPTED_BONUS: f64 = 0.3;

/// Added per natural-log unit of the best answer's score, up to [`MAX_VOTES_BONUS`].
const VOTES_BONUS_PER_LOG: f64 = 0.15;

/// The most that votes can add.
const MAX_VOTES_BONUS: f64 = 0.5;

/// Returns the factor that scales the relevance of `document`.
pub fn document_quality(document: &Document) -> f64 {
    let Some(signals) = &document.question else {
        return NEUTRAL;
    };
    if signals.num_answers == 0 {
        return UNANSWERED;
    }
    let accepted = if signals.accepted {
        ACCEPTED_BONUS
    } else {
        0.0
    };
    let votes =
        (VOTES_BONUS_PER_LOG * (1.0 + signals.top_score.max(0) as f64).ln()).min(MAX_VOTES_BONUS);
    NEUTRAL + accepted + votes
}

/// Writes the quality and, for questions, whether they are answered.
pub(crate) fn add_quality_fields(
    schema: &IndexSchema,
    document: &Document,
    doc: &mut TantivyDocument,
) {
    doc.add_f64(schema.quality, document_quality(document));
    if let Some(signals) = &document.question {
        let answered = if signals.num_answers > 0 {
            "true"
        } else {
            "false"
        };
        doc.add_text(schema.answered, answered);
    }
}

/// The clause that keeps only answered (`true`) or unanswered (`false`) questions.
pub(crate) fn answered_clause(
    schema: &IndexSchema,
    answered: Option<bool>,
) -> Option<(Occur, Box<dyn Query>)> {
    let value = if answered? { "true" } else { "false" };
    let term = Term::from_field_text(schema.answered, value);
    Some((
        Occur::Must,
        Box::new(TermQuery::new(term, IndexRecordOption::Basic)),
    ))
}

#[cfg(test)]
mod tests {
    use chrono::Utc;

    use super::*;
    use crate::document::{DocumentDraft, QuestionSignals};

    fn question(signals: QuestionSignals) -> Document {
        DocumentDraft {
            url: "/questions/1".into(),
            canonical_url: "/questions/1".into(),
            ..DocumentDraft::default()
        }
        .finish_question(Utc::now(), signals)
    }

    #[test]
    fn crawled_documents_are_neutral() {
        let document = DocumentDraft::default().finish(Utc::now());
        assert_eq!(document_quality(&document), NEUTRAL);
    }

    #[test]
    fn answers_acceptance_and_votes_raise_quality_within_bounds() {
        let unanswered = document_quality(&question(QuestionSignals::default()));
        let answered = document_quality(&question(QuestionSignals {
            num_answers: 1,
            ..QuestionSignals::default()
        }));
        let accepted = document_quality(&question(QuestionSignals {
            num_answers: 1,
            accepted: true,
            top_score: 0,
        }));
        let loved = document_quality(&question(QuestionSignals {
            num_answers: 3,
            accepted: true,
            top_score: 1_000_000,
        }));
        assert!(unanswered < answered && answered < accepted && accepted < loved);
        assert!(loved <= NEUTRAL + ACCEPTED_BONUS + MAX_VOTES_BONUS);
        let disliked = document_quality(&question(QuestionSignals {
            num_answers: 1,
            accepted: false,
            top_score: -5,
        }));
        assert_eq!(disliked, answered, "down votes never sink below answered");
    }
}
