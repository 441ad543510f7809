//! The relevance evaluation: labelled queries, and the metrics ranking changes are judged by.
//!
//! `eval/queries.toml` lists queries with graded judgments (3 = exactly the need, 2 =
//! substantially relevant, 1 = marginal) over the bundled collection, whatever the
//! documents' languages. A document counts as relevant for recall and MRR from grade 2;
//! nDCG uses every grade. For cross-lingual queries the headline figure is the recall of the
//! relevant documents in languages other than the query's; for the others, nDCG is also
//! computed over the judged documents in the query's own language, which is how monolingual
//! retrieval is usually measured.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// Results looked at per query.
pub const CUTOFF: usize = 10;

/// The grade from which a document counts as relevant for recall and MRR.
const RELEVANT_GRADE: u8 = 2;

/// The kind of need a query expresses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum QueryKind {
    /// Answered by documents in the query's language.
    Monolingual,
    /// Answered mostly by documents in other languages.
    CrossLingual,
    /// A monolingual query with a typo.
    Typo,
}

impl QueryKind {
    pub fn as_str(self) -> &'static str {
        match self {
            QueryKind::Monolingual => "monolingual",
            QueryKind::CrossLingual => "cross-lingual",
            QueryKind::Typo => "typo",
        }
    }
}

/// One labelled query.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct JudgedQuery {
    pub id: String,
    pub text: String,
    pub lang: String,
    pub kind: QueryKind,
    /// Grade per document path, relative to the collection.
    pub relevant: BTreeMap<String, u8>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct QueryFile {
    query: Vec<JudgedQuery>,
}

/// Reads the labelled queries from the text of `eval/queries.toml`.
pub fn parse_queries(text: &str) -> Result<Vec<JudgedQuery>, toml::de::Error> {
    Ok(toml::from_str::<QueryFile>(text)?.query)
}

/// The metrics of one query's ranked result paths.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct QueryScores {
    pub ndcg: f64,
    /// nDCG against the judged documents in the query's language only; `None` without any.
    pub own_language_ndcg: Option<f64>,
    pub recall: f64,
    pub reciprocal_rank: f64,
    /// Recall of the relevant documents in other languages; `None` when there are none.
    pub other_language_recall: Option<f64>,
}

/// Scores `ranked` (document paths, best first) against the query's judgments; `lang_of`
/// tells a path's language.
pub fn score(
    query: &JudgedQuery,
    ranked: &[String],
    lang_of: impl Fn(&str) -> String,
) -> QueryScores {
    let top = &ranked[..ranked.len().min(CUTOFF)];
    let grade = |path: &str| query.relevant.get(path).copied().unwrap_or(0);
    let own_language: BTreeMap<String, u8> = query
        .relevant
        .iter()
        .filter(|(path, _)| lang_of(path) == query.lang)
        .map(|(path, grade)| (path.clone(), *grade))
        .collect();

    let relevant: Vec<&String> = query
        .relevant
        .iter()
        .filter(|(_, grade)| **grade >= RELEVANT_GRADE)
        .map(|(path, _)| path)
        .collect();
    let found = |paths: &[&String]| {
        paths
            .iter()
            .filter(|path| top.iter().any(|hit| hit == **path))
            .count()
    };
    let recall = ratio(found(&relevant), relevant.len());
    let others: Vec<&String> = relevant
        .iter()
        .copied()
        .filter(|path| lang_of(path) != query.lang)
        .collect();
    let reciprocal_rank = top
        .iter()
        .position(|path| grade(path) >= RELEVANT_GRADE)
        .map_or(0.0, |rank| 1.0 / (rank + 1) as f64);

    QueryScores {
        ndcg: ndcg(top, &query.relevant),
        own_language_ndcg: (!own_language.is_empty()).then(|| ndcg(top, &own_language)),
        recall,
        reciprocal_rank,
        other_language_recall: (!others.is_empty()).then(|| ratio(found(&others), others.len())),
    }
}

fn ndcg(top: &[String], judged: &BTreeMap<String, u8>) -> f64 {
    let dcg: f64 = top
        .iter()
        .enumerate()
        .map(|(rank, path)| gain(judged.get(path).copied().unwrap_or(0), rank))
        .sum();
    let mut ideal: Vec<u8> = judged.values().copied().collect();
    ideal.sort_unstable_by(|a, b| b.cmp(a));
    let ideal_dcg: f64 = ideal
        .iter()
        .take(CUTOFF)
        .enumerate()
        .map(|(rank, &grade)| gain(grade, rank))
        .sum();
    if ideal_dcg > 0.0 {
        dcg / ideal_dcg
    } else {
        0.0
    }
}

fn gain(grade: u8, rank: usize) -> f64 {
    (f64::from(grade).exp2() - 1.0) / (rank as f64 + 2.0).log2()
}

fn ratio(part: usize, whole: usize) -> f64 {
    if whole == 0 {
        return 0.0;
    }
    part as f64 / whole as f64
}

/// Mean metrics over a group of queries.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize)]
pub struct Summary {
    pub num_queries: usize,
    pub ndcg: f64,
    /// Mean over the queries that have judged documents in their own language.
    pub own_language_ndcg: Option<f64>,
    pub recall: f64,
    pub mrr: f64,
    /// Mean over the queries that have relevant documents in other languages.
    pub other_language_recall: Option<f64>,
}

/// Averages `scores`.
pub fn summarize<'a>(scores: impl IntoIterator<Item = &'a QueryScores>) -> Summary {
    let scores: Vec<&QueryScores> = scores.into_iter().collect();
    let mean = |value: &dyn Fn(&QueryScores) -> f64| {
        if scores.is_empty() {
            return 0.0;
        }
        scores.iter().map(|score| value(score)).sum::<f64>() / scores.len() as f64
    };
    let optional_mean = |value: &dyn Fn(&QueryScores) -> Option<f64>| {
        let values: Vec<f64> = scores.iter().filter_map(|score| value(score)).collect();
        (!values.is_empty()).then(|| values.iter().sum::<f64>() / values.len() as f64)
    };
    Summary {
        num_queries: scores.len(),
        ndcg: mean(&|score| score.ndcg),
        own_language_ndcg: optional_mean(&|score| score.own_language_ndcg),
        recall: mean(&|score| score.recall),
        mrr: mean(&|score| score.reciprocal_rank),
        other_language_recall: optional_mean(&|score| score.other_language_recall),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn query(relevant: &[(&str, u8)]) -> JudgedQuery {
        JudgedQuery {
            id: "q".into(),
            text: "q".into(),
            lang: "pt".into(),
            kind: QueryKind::CrossLingual,
            relevant: relevant
                .iter()
                .map(|(path, grade)| (path.to_string(), *grade))
                .collect(),
        }
    }

    fn lang_of(path: &str) -> String {
        path.split('/').next().unwrap_or_default().to_string()
    }

    fn ranked(paths: &[&str]) -> Vec<String> {
        paths.iter().map(|path| path.to_string()).collect()
    }

    #[test]
    fn the_ideal_ranking_scores_one() {
        let judged = query(&[("pt/a.md", 3), ("ja/b.md", 2), ("de/c.md", 1)]);
        let scores = score(
            &judged,
            &ranked(&["pt/a.md", "ja/b.md", "de/c.md"]),
            lang_of,
        );
        assert!((scores.ndcg - 1.0).abs() < 1e-9);
        assert_eq!(scores.recall, 1.0);
        assert_eq!(scores.reciprocal_rank, 1.0);
        assert_eq!(scores.other_language_recall, Some(1.0));
        assert_eq!(scores.own_language_ndcg, Some(1.0));
    }

    #[test]
    fn misses_and_late_hits_lower_every_metric() {
        let judged = query(&[("pt/a.md", 3), ("ja/b.md", 3)]);
        let scores = score(&judged, &ranked(&["x/1.md", "pt/a.md"]), lang_of);
        assert!(scores.ndcg < 0.5, "{scores:?}");
        assert_eq!(scores.recall, 0.5);
        assert_eq!(scores.reciprocal_rank, 0.5);
        assert_eq!(scores.other_language_recall, Some(0.0));
    }

    #[test]
    fn marginal_documents_count_for_ndcg_only() {
        let judged = query(&[("pt/a.md", 1)]);
        let scores = score(&judged, &ranked(&["pt/a.md"]), lang_of);
        assert!((scores.ndcg - 1.0).abs() < 1e-9);
        assert_eq!(scores.reciprocal_rank, 0.0);
        assert_eq!(scores.other_language_recall, None);
    }

    #[test]
    fn summaries_average_and_skip_queries_without_other_languages() {
        let first = QueryScores {
            ndcg: 1.0,
            own_language_ndcg: Some(0.8),
            recall: 1.0,
            reciprocal_rank: 1.0,
            other_language_recall: Some(0.5),
        };
        let second = QueryScores::default();
        let summary = summarize([&first, &second]);
        assert_eq!(summary.num_queries, 2);
        assert_eq!(summary.ndcg, 0.5);
        assert_eq!(summary.other_language_recall, Some(0.5));
        assert_eq!(summary.own_language_ndcg, Some(0.8));
    }

    #[test]
    fn the_shipped_query_set_parses() {
        let text = include_str!("../eval/queries.toml");
        let queries = parse_queries(text).expect("eval/queries.toml is valid");
        assert!(queries.len() >= 60);
    }
}
