//! The weights that order results, and the per-document factors applied after BM25.
//!
//! A hit's score is its BM25 score over the query's clauses (each field and clause weighted as
//! below), multiplied by four document factors: whether the document is in one of the
//! query's languages, how recent it is, the weight editors gave its source, and, for
//! community questions, what members made of it ([`crate::quality`]). Every weight
//! has a documented default and can be set in `sources.toml` (`[ranking]`, and `weight` per
//! source); the evaluation set (`agora eval`) is how a change to them is judged.

use std::collections::HashMap;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use tantivy::{DocId, Score, SegmentReader};

/// Every weight of the ranking, with the defaults the evaluation set was tuned with.
#[derive(Debug, Clone, PartialEq)]
pub struct RankingSettings {
    /// Weight of a match in the title.
    pub title_boost: f32,
    /// Weight of a match in the summary.
    pub summary_boost: f32,
    /// Weight of a match in the body.
    pub body_boost: f32,
    /// Weight of a query concept found in a document's title.
    pub concept_title_boost: f32,
    /// Weight of a query concept found in a document's summary or body.
    pub concept_body_boost: f32,
    /// Weight of words one typo away from a query word, relative to exact matches.
    pub typo_factor: f32,
    /// Weight of concepts a query names only partly, relative to named ones; and for
    /// concepts inferred from its first results, the most that a document found through them
    /// alone scores, relative to the best match.
    pub feedback_factor: f32,
    /// Factor applied to documents in none of the query's languages: below 1, a hit in the
    /// user's language outranks an equally strong hit in another.
    pub other_language_factor: f32,
    /// How much a brand-new document gains over a very old one (0 turns recency off).
    pub recency_weight: f32,
    /// Age at which a document has lost half of its recency gain.
    pub recency_half_life_days: f32,
    /// Factor per source id; sources not listed weigh 1.
    pub source_weights: HashMap<String, f32>,
}

impl Default for RankingSettings {
    fn default() -> Self {
        RankingSettings {
            title_boost: 3.0,
            summary_boost: 1.5,
            body_boost: 1.0,
            concept_title_boost: 6.0,
            concept_body_boost: 6.0,
            typo_factor: 0.5,
            feedback_factor: 0.8,
            other_language_factor: 0.8,
            recency_weight: 0.1,
            recency_half_life_days: 730.0,
            source_weights: HashMap::new(),
        }
    }
}

impl RankingSettings {
    /// Returns the factor of documents from `source`.
    pub fn source_weight(&self, source: &str) -> f32 {
        self.source_weights.get(source).copied().unwrap_or(1.0)
    }

    /// Returns the recency factor of a document dated `date`, seen at `now`.
    pub fn recency_factor(&self, date: DateTime<Utc>, now: DateTime<Utc>) -> f32 {
        if self.recency_weight <= 0.0 || self.recency_half_life_days <= 0.0 {
            return 1.0;
        }
        let age_days = (now - date).num_seconds().max(0) as f32 / 86_400.0;
        1.0 + self.recency_weight * (-age_days / self.recency_half_life_days).exp2()
    }
}

/// Computes, per segment, the factor each document's BM25 score is multiplied by.
pub(crate) struct DocumentFactors {
    settings: Arc<RankingSettings>,
    query_languages: Vec<String>,
    now: DateTime<Utc>,
}

impl DocumentFactors {
    pub(crate) fn new(settings: Arc<RankingSettings>, query_languages: &[&str]) -> Self {
        DocumentFactors {
            settings,
            query_languages: query_languages
                .iter()
                .map(|lang| lang.to_string())
                .collect(),
            now: Utc::now(),
        }
    }

    /// Returns the scoring function of one segment. Missing fast fields (an index written
    /// before they existed cannot be, since schema changes rebuild) leave factors at 1.
    pub(crate) fn for_segment(
        &self,
        segment: &SegmentReader,
    ) -> impl Fn(DocId, Score) -> Score + use<> {
        let fast_fields = segment.fast_fields();
        let language_factors = fast_fields.str("lang").ok().flatten().map(|column| {
            ord_factors(&column, |lang| {
                // Without a query language (the query is all symbols), nothing is foreign.
                if self.query_languages.is_empty()
                    || self.query_languages.iter().any(|known| known == lang)
                {
                    1.0
                } else {
                    self.settings.other_language_factor
                }
            })
        });
        let source_factors = fast_fields
            .str("source")
            .ok()
            .flatten()
            .map(|column| ord_factors(&column, |source| self.settings.source_weight(source)));
        let dates = fast_fields
            .date("sort_date")
            .ok()
            .map(|column| column.first_or_default_col(tantivy::DateTime::MIN));
        let qualities = fast_fields
            .f64("quality")
            .ok()
            .map(|column| column.first_or_default_col(crate::quality::NEUTRAL));
        let settings = Arc::clone(&self.settings);
        let now = self.now;

        move |doc: DocId, score: Score| {
            let mut factor = 1.0;
            if let Some((column, factors)) = &language_factors {
                factor *= first_factor(column, factors, doc);
            }
            if let Some((column, factors)) = &source_factors {
                factor *= first_factor(column, factors, doc);
            }
            if let Some(qualities) = &qualities {
                factor *= qualities.get_val(doc) as f32;
            }
            if let Some(dates) = &dates {
                let seconds = dates.get_val(doc).into_timestamp_secs();
                if let Some(date) = DateTime::from_timestamp(seconds, 0) {
                    factor *= settings.recency_factor(date, now);
                }
            }
            score * factor
        }
    }
}

type OrdFactors = (tantivy::columnar::StrColumn, Vec<f32>);

/// Computes `factor` once per distinct value of a segment's column, not once per document.
fn ord_factors(column: &tantivy::columnar::StrColumn, factor: impl Fn(&str) -> f32) -> OrdFactors {
    let mut factors = Vec::with_capacity(column.num_terms());
    let mut value = String::new();
    for ord in 0..column.num_terms() as u64 {
        value.clear();
        let found = column.ord_to_str(ord, &mut value).unwrap_or(false);
        factors.push(if found { factor(&value) } else { 1.0 });
    }
    (column.clone(), factors)
}

fn first_factor(column: &tantivy::columnar::StrColumn, factors: &[f32], doc: DocId) -> f32 {
    column
        .term_ords(doc)
        .next()
        .and_then(|ord| factors.get(ord as usize).copied())
        .unwrap_or(1.0)
}

#[cfg(test)]
mod tests {
    use chrono::Duration;

    use super::*;

    #[test]
    fn recency_is_mild_and_halves_with_the_half_life() {
        let settings = RankingSettings::default();
        let now = Utc::now();
        let fresh = settings.recency_factor(now, now);
        let half = settings.recency_factor(now - Duration::days(730), now);
        let ancient = settings.recency_factor(now - Duration::days(365 * 40), now);
        assert!((fresh - 1.1).abs() < 1e-6);
        assert!((half - 1.05).abs() < 1e-6);
        assert!((ancient - 1.0).abs() < 1e-3);
        assert!((settings.recency_factor(now + Duration::days(9), now) - 1.1).abs() < 1e-6);
    }

    #[test]
    fn recency_can_be_turned_off() {
        let settings = RankingSettings {
            recency_weight: 0.0,
            ..RankingSettings::default()
        };
        assert_eq!(settings.recency_factor(Utc::now(), Utc::now()), 1.0);
    }

    #[test]
    fn unlisted_sources_weigh_one() {
        let mut settings = RankingSettings::default();
        settings.source_weights.insert("opsi".into(), 1.5);
        assert_eq!(settings.source_weight("opsi"), 1.5);
        assert_eq!(settings.source_weight("other"), 1.0);
    }
}
