//! Turning what a user typed into a tantivy query.
//!
//! A query is read into words, phrases, exclusions and filters ([`crate::query_syntax`]), and
//! its likely languages are decided ([`query_languages`]). Each word and phrase is then
//! analysed for those languages' fields (stems) and for the neutral fields (exact words in any
//! language); the concepts it names are added as language-independent clauses, which is what
//! finds the other languages' documents; and a long word found nowhere in the index is read
//! as a typo of the words one edit away.
//!
//! Title matches weigh more than summary matches, which weigh more than body matches
//! ([`RankingSettings`]).

use std::collections::BTreeSet;

use tantivy::query::{
    AllQuery, Bm25Weight, BooleanQuery, BoostQuery, FuzzyTermQuery, Occur, PhraseQuery, Query,
    TermQuery,
};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{Searcher, Term};
use whatlang::{Detector, Lang};

use crate::analyzer::{NEUTRAL_TOKENIZER, analyzed_language};
use crate::cjk::is_cjk;
use crate::concepts::{ConceptMatch, QueryConcept};
use crate::index::SearchIndex;
use crate::language::{iso639_1, normalize_code};
use crate::query_syntax::{Clause, ParsedQuery, parse_query};
use crate::ranking::RankingSettings;
use crate::schema::{TextFields, TextPart};

/// Words shorter than this are never read as typos: too many short words are one edit apart.
const MIN_TYPO_CHARS: usize = 5;

/// Index terms a misspelt word is expanded to, at most.
const MAX_TYPO_EXPANSIONS: usize = 8;

/// Multi-term CJK words longer than this also match by their single bigrams: a long run of
/// ideographs is often several words, and requiring the exact run would miss reworded text.
const MAX_EXACT_CJK_TERMS: usize = 3;

/// What the user told us about the query besides its text.
#[derive(Debug, Clone, Copy, Default)]
pub struct QueryHints<'a> {
    /// The language the user says the query is in.
    pub query_lang: Option<&'a str>,
    /// The language of the user's interface, a weaker hint.
    pub interface_lang: Option<&'a str>,
}

/// A query made ready to run, with what it was understood to mean.
pub struct QueryPlan {
    /// The query's parts.
    pub parsed: ParsedQuery,
    /// Languages whose analyzers read the query, besides the neutral one.
    pub languages: Vec<&'static str>,
    /// Concepts the query names.
    pub concepts: Vec<QueryConcept>,
    /// Index terms that misspelt words were read as, `(typed, read as)`.
    pub corrections: Vec<(String, String)>,
    /// The scoring query (filters are added by the caller).
    pub scoring: Box<dyn Query>,
    /// The clauses `scoring` is made of, which concepts fed back from the results join.
    clauses: Vec<(Occur, Box<dyn Query>)>,
}

/// The field sets a query is analysed for, with the tokenizer each uses.
struct Analysis<'a> {
    fields: &'a TextFields,
    tokenizer: String,
}

/// Plans `text` against `index`: languages, concepts, typo corrections and the query.
pub fn plan_query(
    index: &SearchIndex,
    searcher: &Searcher,
    text: &str,
    hints: QueryHints<'_>,
) -> QueryPlan {
    let parsed = parse_query(text);
    let positive_text = parsed.positive_text();
    let index_languages = index_languages(index, searcher);
    let languages = if positive_text.trim().is_empty() {
        Vec::new()
    } else {
        query_languages(&positive_text, hints, &index_languages)
    };
    let concepts = index.concepts().match_query(&positive_text, &languages);

    let mut builder = QueryBuilder::new(index, searcher, &languages);
    for clause in &parsed.clauses {
        builder.add_clause(clause);
    }
    builder.add_concepts(&concepts);
    let corrections = builder.corrections.clone();
    let clauses = builder.finish(parsed.has_no_positive_clause());
    QueryPlan {
        parsed,
        languages,
        concepts,
        corrections,
        scoring: combine(&clauses),
        clauses,
    }
}

struct QueryBuilder<'a> {
    index: &'a SearchIndex,
    searcher: &'a Searcher,
    ranking: &'a RankingSettings,
    analyses: Vec<Analysis<'a>>,
    clauses: Vec<(Occur, Box<dyn Query>)>,
    corrections: Vec<(String, String)>,
}

impl<'a> QueryBuilder<'a> {
    fn new(index: &'a SearchIndex, searcher: &'a Searcher, languages: &[&str]) -> Self {
        let schema = index.schema();
        let mut analyses: Vec<Analysis<'a>> = languages
            .iter()
            .filter_map(|code| {
                let fields = schema.language_fields(code)?;
                let tokenizer = analyzed_language(code)?.tokenizer_name();
                Some(Analysis { fields, tokenizer })
            })
            .collect();
        analyses.push(Analysis {
            fields: &schema.neutral,
            tokenizer: NEUTRAL_TOKENIZER.to_string(),
        });
        QueryBuilder {
            index,
            searcher,
            ranking: index.ranking(),
            analyses,
            clauses: Vec::new(),
            corrections: Vec::new(),
        }
    }

    fn add_clause(&mut self, clause: &Clause) {
        match clause {
            Clause::Word(word) => {
                if let Some(query) = self.text_query(word) {
                    self.clauses.push((Occur::Should, query));
                }
                if let Some(query) = self.typo_query(word) {
                    self.clauses.push((Occur::Should, query));
                }
            }
            // A phrase the user quoted is required, as search engines have taught users.
            Clause::Phrase(phrase) => {
                if let Some(query) = self.text_query(phrase) {
                    self.clauses.push((Occur::Must, query));
                }
            }
            Clause::Exclude(text) => {
                if let Some(query) = self.text_query(text) {
                    self.clauses.push((Occur::MustNot, query));
                }
            }
        }
    }

    /// Matches `text` (one word, or a phrase) in every analysis's title, summary and body.
    fn text_query(&self, text: &str) -> Option<Box<dyn Query>> {
        let mut alternatives: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for analysis in &self.analyses {
            let Some(mut analyzer) = self.analyzer(&analysis.tokenizer) else {
                continue;
            };
            let tokens = analyze(&mut analyzer, text);
            if tokens.is_empty() {
                continue;
            }
            for part in TextPart::ALL {
                let field = analysis.fields.get(part);
                let boost = part_boost(self.ranking, part);
                for query in word_queries(field, &tokens, text) {
                    alternatives.push((Occur::Should, Box::new(BoostQuery::new(query, boost))));
                }
            }
        }
        (!alternatives.is_empty()).then(|| Box::new(BooleanQuery::new(alternatives)) as _)
    }

    /// Reads a long word that the index does not know as the known words one edit away.
    fn typo_query(&mut self, word: &str) -> Option<Box<dyn Query>> {
        let neutral = &self.index.schema().neutral;
        let mut analyzer = self.analyzer(NEUTRAL_TOKENIZER)?;
        let tokens = analyze(&mut analyzer, word);
        let [(_, term_text)] = tokens.as_slice() else {
            return None;
        };
        if term_text.chars().count() < MIN_TYPO_CHARS || term_text.chars().any(is_cjk) {
            return None;
        }
        let is_known = TextPart::ALL
            .into_iter()
            .map(|part| neutral.get(part))
            .any(|field| {
                let term = Term::from_field_text(field, term_text);
                self.searcher.doc_freq(&term).unwrap_or(0) > 0
            });
        if is_known {
            return None;
        }

        let expansions = neighbours(self.searcher, neutral, term_text);
        let mut alternatives: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for expansion in &expansions {
            self.corrections.push((word.to_string(), expansion.clone()));
            for part in TextPart::ALL {
                let term = Term::from_field_text(neutral.get(part), expansion);
                let query = TermQuery::new(term, IndexRecordOption::WithFreqs);
                let boost = part_boost(self.ranking, part) * self.ranking.typo_factor;
                alternatives.push((
                    Occur::Should,
                    Box::new(BoostQuery::new(Box::new(query), boost)),
                ));
            }
        }
        (!alternatives.is_empty()).then(|| Box::new(BooleanQuery::new(alternatives)) as _)
    }

    /// Adds the concepts' language-independent clauses: the documents that mention a concept,
    /// in whatever language, score by how often and where.
    fn add_concepts(&mut self, concepts: &[QueryConcept]) {
        for found in concepts {
            let factor = if found.how.is_weak() {
                self.ranking.feedback_factor
            } else {
                1.0
            };
            self.clauses
                .extend(concept_clauses(self.index, found.concept, factor));
        }
    }

    fn finish(mut self, has_no_positive_clause: bool) -> Vec<(Occur, Box<dyn Query>)> {
        // Exclusions alone select everything else; a query needs something to start from.
        if has_no_positive_clause {
            self.clauses.push((Occur::Must, Box::new(AllQuery)));
        }
        self.clauses
    }

    fn analyzer(&self, name: &str) -> Option<TextAnalyzer> {
        self.index.tantivy_index().tokenizers().get(name)
    }
}

/// The clauses matching documents tagged with `concept`, weighted by `factor`.
fn concept_clauses(
    index: &SearchIndex,
    concept: usize,
    factor: f32,
) -> Vec<(Occur, Box<dyn Query>)> {
    let schema = index.schema();
    let ranking = index.ranking();
    let id = &index.thesaurus().concepts()[concept].id;
    [
        (schema.concept_title, ranking.concept_title_boost),
        (schema.concept_body, ranking.concept_body_boost),
    ]
    .into_iter()
    .map(|(field, boost)| {
        let term = Term::from_field_text(field, id);
        let query = TermQuery::new(term, IndexRecordOption::WithFreqs);
        let clause: Box<dyn Query> = Box::new(BoostQuery::new(Box::new(query), boost * factor));
        (Occur::Should, clause)
    })
    .collect()
}

impl QueryPlan {
    /// Adds concepts inferred from the first results (the query named none): the best
    /// same-language matches say what the query is about, and their concepts reach the
    /// other languages' documents, which need not share a word with the query. Quoted phrases
    /// and exclusions still apply. The concepts are weighed so that a document found through
    /// them alone scores at most `feedback_factor` of `best_score`, the best match's: a
    /// borrowed subject never outranks what matched the words best.
    pub fn add_feedback(
        &mut self,
        index: &SearchIndex,
        searcher: &Searcher,
        concepts: &[usize],
        best_score: f32,
    ) {
        if concepts.is_empty() || best_score <= 0.0 {
            return;
        }
        let ranking = index.ranking();
        let schema = index.schema();
        let share = ranking.feedback_factor * best_score / concepts.len() as f32;
        for &concept in concepts {
            let id = &index.thesaurus().concepts()[concept].id;
            let ceiling: f32 = [
                (schema.concept_title, ranking.concept_title_boost),
                (schema.concept_body, ranking.concept_body_boost),
            ]
            .into_iter()
            .map(|(field, boost)| boost * max_bm25(searcher, &Term::from_field_text(field, id)))
            .sum();
            if ceiling <= 0.0 {
                continue;
            }
            self.clauses
                .extend(concept_clauses(index, concept, share / ceiling));
            self.concepts.push(QueryConcept {
                concept,
                label: String::new(),
                lang: String::new(),
                how: ConceptMatch::Inferred,
            });
        }
        self.scoring = combine(&self.clauses);
    }
}

/// The highest BM25 score a document can get from `term`, as tantivy scores it; 0 for a
/// term no document holds.
fn max_bm25(searcher: &Searcher, term: &Term) -> f32 {
    if searcher.doc_freq(term).unwrap_or(0) == 0 {
        return 0.0;
    }
    Bm25Weight::for_terms(searcher, std::slice::from_ref(term))
        .map_or(0.0, |weight| weight.max_score())
}

/// The query that combines `clauses`.
fn combine(clauses: &[(Occur, Box<dyn Query>)]) -> Box<dyn Query> {
    let clauses = clauses
        .iter()
        .map(|(occur, query)| (*occur, query.box_clone()))
        .collect();
    Box::new(BooleanQuery::new(clauses))
}

fn part_boost(ranking: &RankingSettings, part: TextPart) -> f32 {
    match part {
        TextPart::Title => ranking.title_boost,
        TextPart::Summary => ranking.summary_boost,
        TextPart::Body => ranking.body_boost,
    }
}

/// The queries matching one word's (or phrase's) tokens in `field`: a term, or a phrase of
/// the terms, and for long CJK runs their bigrams too.
fn word_queries(field: Field, tokens: &[(usize, String)], text: &str) -> Vec<Box<dyn Query>> {
    let term = |token: &str| Term::from_field_text(field, token);
    if let [(_, single)] = tokens {
        return vec![Box::new(TermQuery::new(
            term(single),
            IndexRecordOption::WithFreqs,
        ))];
    }
    let offset = tokens[0].0;
    let phrase = PhraseQuery::new_with_offset(
        tokens
            .iter()
            .map(|(position, token)| (position.saturating_sub(offset), term(token)))
            .collect(),
    );
    let mut queries: Vec<Box<dyn Query>> = vec![Box::new(phrase)];
    if tokens.len() > MAX_EXACT_CJK_TERMS && text.chars().any(is_cjk) {
        let distinct: BTreeSet<&str> = tokens.iter().map(|(_, token)| token.as_str()).collect();
        let share = 1.0 / distinct.len() as f32;
        for token in distinct {
            let query = TermQuery::new(term(token), IndexRecordOption::WithFreqs);
            queries.push(Box::new(BoostQuery::new(Box::new(query), share)));
        }
    }
    queries
}

/// Returns the terms of the neutral fields one edit (insertion, deletion, substitution or
/// transposition) away from `text`, most frequent first.
fn neighbours(searcher: &Searcher, fields: &TextFields, text: &str) -> Vec<String> {
    let mut found: Vec<(u64, String)> = Vec::new();
    for part in TextPart::ALL {
        let field = fields.get(part);
        let fuzzy = FuzzyTermQuery::new(Term::from_field_text(field, text), 1, true);
        for segment in searcher.segment_readers() {
            let (Ok(inverted_index), Ok(automaton)) =
                (segment.inverted_index(field), fuzzy.automaton())
            else {
                continue;
            };
            let Ok(mut stream) = inverted_index.terms().search(automaton).into_stream() else {
                continue;
            };
            while stream.advance() {
                let Ok(term) = std::str::from_utf8(stream.key()) else {
                    continue;
                };
                if term == text {
                    continue;
                }
                let doc_freq = searcher
                    .doc_freq(&Term::from_field_text(field, term))
                    .unwrap_or(0);
                match found.iter_mut().find(|(_, known)| known == term) {
                    Some((total, _)) => *total += doc_freq,
                    None => found.push((doc_freq, term.to_string())),
                }
            }
        }
    }
    found.sort_by(|a, b| b.0.cmp(&a.0).then_with(|| a.1.cmp(&b.1)));
    found
        .into_iter()
        .take(MAX_TYPO_EXPANSIONS)
        .map(|(_, term)| term)
        .collect()
}

/// Returns the tokens of `text` by position (jieba emits a compound's parts after it).
fn analyze(analyzer: &mut TextAnalyzer, text: &str) -> Vec<(usize, String)> {
    let mut stream = analyzer.token_stream(text);
    let mut tokens = Vec::new();
    while stream.advance() {
        let token = stream.token();
        tokens.push((token.position, token.text.clone()));
    }
    tokens.sort_by_key(|(position, _)| *position);
    tokens
}

/// Returns the languages the index has documents in, read from its `lang` terms.
fn index_languages(index: &SearchIndex, searcher: &Searcher) -> Vec<String> {
    let mut languages = BTreeSet::new();
    for segment in searcher.segment_readers() {
        let Ok(inverted_index) = segment.inverted_index(index.schema().lang) else {
            continue;
        };
        let Ok(mut stream) = inverted_index.terms().stream() else {
            continue;
        };
        while stream.advance() {
            if let Ok(lang) = std::str::from_utf8(stream.key()) {
                languages.insert(lang.to_string());
            }
        }
    }
    languages.into_iter().collect()
}

/// Decides which languages' analyzers a query is analysed with.
///
/// The declared language wins when Agora analyses it. Otherwise the script decides for CJK
/// text (kana means Japanese; ideographs alone could be Chinese or Japanese, so both), and
/// whatlang, restricted to the analysed languages the index has documents in, decides for
/// the rest. Short queries are often misread, so when whatlang is unsure the interface
/// language (or whatlang's runner-up) is searched too; the neutral fields, always searched,
/// keep a misreading from losing documents.
pub fn query_languages(
    query: &str,
    hints: QueryHints<'_>,
    index_languages: &[String],
) -> Vec<&'static str> {
    if let Some(language) = hints
        .query_lang
        .and_then(normalize_code)
        .and_then(|code| analyzed_language(&code))
    {
        return vec![language.code];
    }

    let has_kana = query
        .chars()
        .any(|c| matches!(c as u32, 0x3040..=0x30FF | 0xFF66..=0xFF9F));
    let has_hangul = query
        .chars()
        .any(|c| matches!(c as u32, 0xAC00..=0xD7AF | 0x1100..=0x11FF));
    if has_kana {
        return vec!["ja"];
    }
    if has_hangul {
        return vec!["ko"];
    }
    if query.chars().any(is_cjk) {
        return vec!["zh", "ja"];
    }

    let interface = hints
        .interface_lang
        .and_then(normalize_code)
        .and_then(|code| analyzed_language(&code))
        .map(|language| language.code);
    let allowed = detectable_languages(index_languages);
    let Some(first) = Detector::with_allowlist(allowed.clone()).detect(query) else {
        return interface.into_iter().collect();
    };
    let mut languages = vec![iso639_1(first.lang())];
    if !first.is_reliable() {
        // A short query often reads equally well in a neighbouring language ("transporte
        // escolar" is Portuguese and Spanish); the user's interface language is the better
        // tie-breaker when there is one.
        let second = interface.or_else(|| {
            let others = allowed
                .into_iter()
                .filter(|lang| *lang != first.lang())
                .collect();
            Detector::with_allowlist(others)
                .detect_lang(query)
                .map(iso639_1)
        });
        if let Some(second) = second
            && !languages.contains(&second)
        {
            languages.push(second);
        }
    }
    languages
}

/// The analysed languages whatlang may answer with: those the index has documents in, or all
/// of them for an empty index.
fn detectable_languages(index_languages: &[String]) -> Vec<Lang> {
    let analysed: Vec<Lang> = Lang::all()
        .iter()
        .copied()
        .filter(|lang| analyzed_language(iso639_1(*lang)).is_some())
        .collect();
    let present: Vec<Lang> = analysed
        .iter()
        .copied()
        .filter(|lang| index_languages.iter().any(|code| code == iso639_1(*lang)))
        .collect();
    // whatlang needs two candidates to compare; one language means nothing to decide.
    if present.len() >= 2 {
        present
    } else {
        analysed
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn languages(query: &str, hints: QueryHints<'_>) -> Vec<&'static str> {
        query_languages(query, hints, &[])
    }

    #[test]
    fn hint_wins_when_analysed() {
        let hints = QueryHints {
            query_lang: Some("pt-BR"),
            ..QueryHints::default()
        };
        assert_eq!(languages("transporte escolar", hints), ["pt"]);
    }

    #[test]
    fn unknown_hint_falls_back_to_detection() {
        let hints = QueryHints {
            query_lang: Some("xx"),
            ..QueryHints::default()
        };
        assert_eq!(languages("洪水の警報", hints), ["ja"]);
    }

    #[test]
    fn ideographs_alone_search_chinese_and_japanese() {
        assert_eq!(languages("洪水警報", QueryHints::default()), ["zh", "ja"]);
    }

    #[test]
    fn ambiguous_short_queries_search_two_languages() {
        let found = languages("transporte escolar", QueryHints::default());
        assert!(found.contains(&"pt") && found.contains(&"es"), "{found:?}");
    }

    #[test]
    fn the_interface_language_breaks_ties_on_short_queries() {
        let hints = QueryHints {
            interface_lang: Some("pt"),
            ..QueryHints::default()
        };
        let found = languages("transporte escolar", hints);
        assert!(found.contains(&"pt"), "{found:?}");
    }

    #[test]
    fn longer_latin_queries_are_detected() {
        let found = languages(
            "como reduzir as filas de espera nos hospitais públicos",
            QueryHints::default(),
        );
        assert_eq!(found[0], "pt");
        assert_eq!(
            languages(
                "the hospital reduced waiting lists for planned surgery",
                QueryHints::default()
            ),
            ["en"]
        );
    }

    #[test]
    fn detection_is_restricted_to_the_index_languages() {
        let index_languages = vec!["pt".to_string(), "en".to_string()];
        let found = query_languages(
            "transporte escolar",
            QueryHints::default(),
            &index_languages,
        );
        assert!(
            found.iter().all(|lang| ["pt", "en"].contains(lang)),
            "{found:?}"
        );
    }
}
