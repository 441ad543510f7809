//! Finding the thesaurus's concepts in documents and in queries.
//!
//! Every label is analysed the way the text it should match is analysed: with its language's
//! analyzer (so that `orçamentos participativos` matches the label `orçamento participativo`
//! by stem) and with the neutral analyzer (so that `Housing First` in a German text, or a
//! Chinese label in a document whose segmentation differs, still matches). A label matches
//! where its terms appear at the same relative positions, which keeps the gaps left by
//! stop words.
//!
//! Queries are matched the same way, plus one typo per word of five letters or more, so that
//! `orçamento particpativo` still expands to every language.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use tantivy::tokenizer::{TextAnalyzer, TokenizerManager};

use crate::analyzer::{
    ACRONYM_TOKENIZER, NEUTRAL_TOKENIZER, analyzed_language, register_analyzers,
};
use crate::cjk::is_cjk;
use crate::thesaurus::Thesaurus;

/// Text read for tagging: the start of a long document says what it is about, and the cap
/// keeps indexing time bounded whatever the crawler stores.
const MAX_TAGGED_CHARS: usize = 20_000;

/// Share of a label's terms a query must hold to name it.
const FULL_MATCH: f32 = 1.0;

/// Share of a long CJK label's bigrams a query must hold to name it.
const CJK_MATCH: f32 = 0.75;

/// Share of a label's terms (two at least) that makes a partial match.
const PARTIAL_MATCH: f32 = 0.66;

/// Words shorter than this are not corrected: too many short words are one edit apart.
const MIN_FUZZY_CHARS: usize = 5;

/// A label, analysed: its terms with their positions relative to the first.
#[derive(Debug, Clone)]
struct Pattern {
    terms: Vec<(u32, String)>,
    concept: usize,
    label: String,
    lang: String,
}

/// The patterns produced by one analyzer, looked up by their first term.
#[derive(Default)]
struct PatternTable {
    patterns: Vec<Pattern>,
    by_first_term: HashMap<String, Vec<usize>>,
    by_term: HashMap<String, Vec<usize>>,
}

impl PatternTable {
    fn add(&mut self, pattern: Pattern) {
        let position = self.patterns.len();
        self.by_first_term
            .entry(pattern.terms[0].1.clone())
            .or_default()
            .push(position);
        let distinct: BTreeSet<&String> = pattern.terms.iter().map(|(_, term)| term).collect();
        for term in distinct {
            self.by_term.entry(term.clone()).or_default().push(position);
        }
        self.patterns.push(pattern);
    }
}

/// How often one concept occurs in a text.
pub type ConceptCounts = BTreeMap<usize, u32>;

/// A concept found in a query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryConcept {
    /// The concept's position in the thesaurus.
    pub concept: usize,
    /// The label that matched, as written in the thesaurus.
    pub label: String,
    /// The language of that label.
    pub lang: String,
    /// How the concept was found.
    pub how: ConceptMatch,
}

/// How a query's concept was found, from the surest to the weakest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ConceptMatch {
    /// The query holds every word of one of its labels.
    Named,
    /// It does after a typo correction.
    Corrected,
    /// The query holds two thirds of a label's words (at least two).
    Partial,
    /// The first results are about it; the query named no concept.
    Inferred,
}

impl ConceptMatch {
    /// Tells whether the concept weighs less than a named one.
    pub fn is_weak(self) -> bool {
        matches!(self, ConceptMatch::Partial | ConceptMatch::Inferred)
    }
}

/// Finds concepts in text; built once per index, shared by the writer and searches.
pub struct ConceptMatcher {
    thesaurus: Arc<Thesaurus>,
    analyzers: HashMap<String, TextAnalyzer>,
    tables: HashMap<String, PatternTable>,
    /// Every term of the neutral patterns, for typo correction of queries.
    neutral_terms: Vec<String>,
}

impl ConceptMatcher {
    /// Analyses every label of `thesaurus` with the analyzers registered in `tokenizers`.
    pub fn new(thesaurus: Arc<Thesaurus>, tokenizers: &TokenizerManager) -> ConceptMatcher {
        let mut matcher = ConceptMatcher {
            thesaurus: Arc::clone(&thesaurus),
            analyzers: HashMap::new(),
            tables: HashMap::new(),
            neutral_terms: Vec::new(),
        };
        for (position, concept) in thesaurus.concepts().iter().enumerate() {
            for (lang, labels) in &concept.labels {
                for label in labels {
                    // `CADA`, `ETE` or `APP` lowercased are everyday words in some language
                    // (chaque, été, app): acronyms only match as capitals.
                    let mut tokenizer_names = vec![if is_acronym(label) {
                        ACRONYM_TOKENIZER.to_string()
                    } else {
                        NEUTRAL_TOKENIZER.to_string()
                    }];
                    if let Some(language) = analyzed_language(lang)
                        && !is_acronym(label)
                    {
                        tokenizer_names.push(language.tokenizer_name());
                    }
                    for name in tokenizer_names {
                        matcher.add_label(tokenizers, &name, position, label, lang);
                    }
                }
            }
        }
        let mut neutral_terms: Vec<String> = matcher
            .tables
            .get(NEUTRAL_TOKENIZER)
            .map(|table| {
                table
                    .patterns
                    .iter()
                    .flat_map(|pattern| pattern.terms.iter().map(|(_, term)| term.clone()))
                    .filter(|term| term.chars().count() >= MIN_FUZZY_CHARS)
                    .collect()
            })
            .unwrap_or_default();
        neutral_terms.sort();
        neutral_terms.dedup();
        matcher.neutral_terms = neutral_terms;
        matcher
    }

    fn add_label(
        &mut self,
        tokenizers: &TokenizerManager,
        tokenizer_name: &str,
        concept: usize,
        label: &str,
        lang: &str,
    ) {
        if !self.analyzers.contains_key(tokenizer_name) {
            let Some(analyzer) = tokenizers.get(tokenizer_name) else {
                return;
            };
            self.analyzers.insert(tokenizer_name.to_string(), analyzer);
        }
        let analyzer = self
            .analyzers
            .get_mut(tokenizer_name)
            .expect("inserted just above");
        let tokens = analyze(analyzer, label);
        let Some(&(first_position, _)) = tokens.first() else {
            return;
        };
        let terms = tokens
            .into_iter()
            .map(|(position, term)| (position.saturating_sub(first_position), term))
            .collect();
        self.tables
            .entry(tokenizer_name.to_string())
            .or_default()
            .add(Pattern {
                terms,
                concept,
                label: label.to_string(),
                lang: lang.to_string(),
            });
    }

    /// Builds a matcher with Agora's analyzers, outside any index (for editors' tools).
    pub fn standalone(thesaurus: Arc<Thesaurus>) -> ConceptMatcher {
        let tokenizers = TokenizerManager::default();
        register_analyzers(&tokenizers);
        ConceptMatcher::new(thesaurus, &tokenizers)
    }

    /// Returns the thesaurus the matcher was built from.
    pub fn thesaurus(&self) -> &Thesaurus {
        &self.thesaurus
    }

    /// Counts the concepts mentioned in `text`, written in `lang`.
    ///
    /// Each occurrence is found by the language's analyzer, the neutral one, or both; a
    /// concept's count is the larger of the two readings, so nothing is counted twice.
    pub fn count_in(&self, text: &str, lang: &str) -> ConceptCounts {
        let text = truncate(text, MAX_TAGGED_CHARS);
        let mut counts = self.count_with(NEUTRAL_TOKENIZER, text);
        let mut others = vec![ACRONYM_TOKENIZER.to_string()];
        others.extend(analyzed_language(lang).map(|language| language.tokenizer_name()));
        for name in others {
            for (concept, count) in self.count_with(&name, text) {
                let total = counts.entry(concept).or_default();
                *total = (*total).max(count);
            }
        }
        counts
    }

    /// Lists every label found in `text` (written in `lang`), for editors checking why a
    /// document was tagged: `(concept, label, label's language)`, once per occurrence.
    pub fn explain_in(&self, text: &str, lang: &str) -> Vec<(usize, String, String)> {
        let text = truncate(text, MAX_TAGGED_CHARS);
        let mut names = vec![NEUTRAL_TOKENIZER.to_string(), ACRONYM_TOKENIZER.to_string()];
        names.extend(analyzed_language(lang).map(|language| language.tokenizer_name()));
        let mut found = Vec::new();
        for name in names {
            let (Some(table), Some(analyzer)) = (self.tables.get(&name), self.analyzers.get(&name))
            else {
                continue;
            };
            let tokens = analyze(&mut analyzer.clone(), text);
            for_each_match(table, &tokens, |pattern| {
                let entry = (pattern.concept, pattern.label.clone(), pattern.lang.clone());
                if !found.contains(&entry) {
                    found.push(entry);
                }
            });
        }
        found
    }

    fn count_with(&self, tokenizer_name: &str, text: &str) -> ConceptCounts {
        let mut counts = ConceptCounts::new();
        let (Some(table), Some(analyzer)) = (
            self.tables.get(tokenizer_name),
            self.analyzers.get(tokenizer_name),
        ) else {
            return counts;
        };
        let tokens = analyze(&mut analyzer.clone(), text);
        for_each_match(table, &tokens, |pattern| {
            *counts.entry(pattern.concept).or_default() += 1;
        });
        counts
    }

    /// Finds the concepts a query names, reading it in `languages` and neutrally, with one
    /// typo allowed per long word when no label matches as typed.
    pub fn match_query(&self, query: &str, languages: &[&str]) -> Vec<QueryConcept> {
        let mut tokenizer_names =
            vec![NEUTRAL_TOKENIZER.to_string(), ACRONYM_TOKENIZER.to_string()];
        tokenizer_names.extend(
            languages
                .iter()
                .filter_map(|lang| analyzed_language(lang))
                .map(|language| language.tokenizer_name()),
        );

        let mut found: Vec<QueryConcept> = Vec::new();
        for name in &tokenizer_names {
            let (Some(table), Some(analyzer)) = (self.tables.get(name), self.analyzers.get(name))
            else {
                continue;
            };
            let tokens = analyze(&mut analyzer.clone(), query);
            for_each_query_match(table, &tokens, FULL_MATCH, |pattern| {
                push_concept(&mut found, pattern, ConceptMatch::Named);
            });
        }
        // Searchers seldom type capitals: `ppp` finds the acronyms of the query's languages.
        if let (Some(table), Some(analyzer)) = (
            self.tables.get(ACRONYM_TOKENIZER),
            self.analyzers.get(ACRONYM_TOKENIZER),
        ) {
            let tokens = analyze(&mut analyzer.clone(), &query.to_uppercase());
            for_each_match(table, &tokens, |pattern| {
                if languages.contains(&pattern.lang.as_str()) {
                    push_concept(&mut found, pattern, ConceptMatch::Named);
                }
            });
        }
        if !found.is_empty() {
            return found;
        }

        let (Some(table), Some(analyzer)) = (
            self.tables.get(NEUTRAL_TOKENIZER),
            self.analyzers.get(NEUTRAL_TOKENIZER),
        ) else {
            return found;
        };
        let corrected: Vec<(u32, String)> = analyze(&mut analyzer.clone(), query)
            .into_iter()
            .map(|(position, term)| (position, self.correct(&term).unwrap_or(term)))
            .collect();
        for_each_query_match(table, &corrected, FULL_MATCH, |pattern| {
            push_concept(&mut found, pattern, ConceptMatch::Corrected);
        });
        if !found.is_empty() {
            return found;
        }

        // `hospital waiting times` is not `hospital waiting lists`, but close enough to
        // search for, at a lower weight.
        for name in &tokenizer_names {
            let (Some(table), Some(analyzer)) = (self.tables.get(name), self.analyzers.get(name))
            else {
                continue;
            };
            let tokens = analyze(&mut analyzer.clone(), query);
            for_each_query_match(table, &tokens, PARTIAL_MATCH, |pattern| {
                push_concept(&mut found, pattern, ConceptMatch::Partial);
            });
        }
        found
    }

    /// Returns the label term one edit away from `term`, when `term` itself is no label term.
    fn correct(&self, term: &str) -> Option<String> {
        if term.chars().count() < MIN_FUZZY_CHARS
            || self
                .neutral_terms
                .binary_search_by(|known| known.as_str().cmp(term))
                .is_ok()
        {
            return None;
        }
        self.neutral_terms
            .iter()
            .find(|known| strsim::damerau_levenshtein(known, term) == 1)
            .cloned()
    }
}

/// Tells whether a label is an acronym: one word of capitals (and digits), such as `BRT`,
/// `ÖPP` or `PPP/PPC`'s parts.
fn is_acronym(label: &str) -> bool {
    let letters: Vec<char> = label.chars().filter(|c| c.is_alphabetic()).collect();
    letters.len() >= 2
        && letters.len() <= 8
        && !label.contains(char::is_whitespace)
        && letters.iter().all(|c| c.is_uppercase())
}

fn push_concept(found: &mut Vec<QueryConcept>, pattern: &Pattern, how: ConceptMatch) {
    if found.iter().any(|known| known.concept == pattern.concept) {
        return;
    }
    found.push(QueryConcept {
        concept: pattern.concept,
        label: pattern.label.clone(),
        lang: pattern.lang.clone(),
        how,
    });
}

/// Calls `on_match` for every pattern whose terms a query holds, in any order: a query is a
/// handful of words, and `waiting lists hospital` names the same thing as `hospital waiting
/// lists`. A long CJK label (four bigrams or more) needs three quarters of its bigrams, so
/// that a particle inside it (`参加型の予算`) does not hide it.
fn for_each_query_match(
    table: &PatternTable,
    tokens: &[(u32, String)],
    min_share: f32,
    mut on_match: impl FnMut(&Pattern),
) {
    let query_terms: BTreeSet<&str> = tokens.iter().map(|(_, term)| term.as_str()).collect();
    let mut candidates: BTreeSet<usize> = BTreeSet::new();
    for term in &query_terms {
        if let Some(patterns) = table.by_term.get(*term) {
            candidates.extend(patterns);
        }
    }
    for candidate in candidates {
        let pattern = &table.patterns[candidate];
        let terms: BTreeSet<&str> = pattern
            .terms
            .iter()
            .map(|(_, term)| term.as_str())
            .collect();
        let num_present = terms
            .iter()
            .filter(|term| query_terms.contains(*term))
            .count();
        let is_long_cjk = terms.len() >= 4 && pattern.label.chars().any(is_cjk);
        let share = num_present as f32 / terms.len() as f32;
        let is_match = if min_share >= FULL_MATCH {
            share >= FULL_MATCH || (is_long_cjk && share >= CJK_MATCH)
        } else {
            num_present >= 2 && share >= min_share
        };
        if is_match {
            on_match(pattern);
        }
    }
}

/// Calls `on_match` for every pattern of `table` found in `tokens` (sorted by position).
fn for_each_match(
    table: &PatternTable,
    tokens: &[(u32, String)],
    mut on_match: impl FnMut(&Pattern),
) {
    for (start, (first_position, first_term)) in tokens.iter().enumerate() {
        let Some(candidates) = table.by_first_term.get(first_term) else {
            continue;
        };
        for &candidate in candidates {
            let pattern = &table.patterns[candidate];
            if matches_at(&pattern.terms, tokens, start, *first_position) {
                on_match(pattern);
            }
        }
    }
}

fn matches_at(
    terms: &[(u32, String)],
    tokens: &[(u32, String)],
    start: usize,
    origin: u32,
) -> bool {
    let mut next = start + 1;
    for (offset, term) in &terms[1..] {
        let wanted = origin.saturating_add(*offset);
        while next < tokens.len() && tokens[next].0 < wanted {
            next += 1;
        }
        // Segmenters may put several tokens at one position; any of them may be the one.
        let at_wanted = tokens[next.min(tokens.len())..]
            .iter()
            .take_while(|(position, _)| *position == wanted);
        match at_wanted.clone().position(|(_, text)| text == term) {
            Some(found) => next += found + 1,
            None => return false,
        }
    }
    true
}

/// Returns the tokens of `text` sorted by position: jieba's search mode emits a compound's
/// parts after the compound, at earlier positions.
fn analyze(analyzer: &mut TextAnalyzer, text: &str) -> Vec<(u32, String)> {
    let mut stream = analyzer.token_stream(text);
    let mut tokens = Vec::new();
    while stream.advance() {
        let token = stream.token();
        let position = u32::try_from(token.position).unwrap_or(u32::MAX);
        tokens.push((position, token.text.clone()));
    }
    tokens.sort_by_key(|(position, _)| *position);
    tokens
}

fn truncate(text: &str, max_chars: usize) -> &str {
    match text.char_indices().nth(max_chars) {
        Some((cut, _)) => &text[..cut],
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const THESAURUS: &str = r#"
[theme]
id = "governance"
en = "Governance"

[[concept]]
id = "participatory-budgeting"
en = ["participatory budgeting"]
pt = ["orçamento participativo"]
de = ["Bürgerhaushalt", "Beteiligungshaushalt"]
ja = ["参加型予算"]
fr = ["budget participatif"]

[[concept]]
id = "on-demand-transport"
fr = ["transport à la demande"]
en = ["demand-responsive transport"]

[[concept]]
id = "public-private-partnership"
en = ["public-private partnership", "PPP"]
es = ["asociación público-privada", "APP"]
"#;

    fn matcher() -> ConceptMatcher {
        let thesaurus = Thesaurus::from_files(&[("governance.toml", THESAURUS)]).unwrap();
        let tokenizers = TokenizerManager::default();
        register_analyzers(&tokenizers);
        ConceptMatcher::new(Arc::new(thesaurus), &tokenizers)
    }

    fn ids(matcher: &ConceptMatcher, counts: &ConceptCounts) -> Vec<(String, u32)> {
        counts
            .iter()
            .map(|(&concept, &count)| (matcher.thesaurus().concepts()[concept].id.clone(), count))
            .collect()
    }

    #[test]
    fn inflected_forms_match_by_stem() {
        let matcher = matcher();
        let counts = matcher.count_in(
            "Os orçamentos participativos de Porto Alegre. O orçamento participativo cresceu.",
            "pt",
        );
        assert_eq!(
            ids(&matcher, &counts),
            [("participatory-budgeting".to_string(), 2)]
        );
    }

    #[test]
    fn labels_in_another_language_match_neutrally() {
        let matcher = matcher();
        let counts = matcher.count_in("Die Stadt führte Participatory Budgeting ein.", "de");
        assert_eq!(
            ids(&matcher, &counts),
            [("participatory-budgeting".to_string(), 1)]
        );
    }

    #[test]
    fn cjk_labels_match_inside_longer_runs() {
        let matcher = matcher();
        let counts = matcher.count_in("市は参加型予算制度を導入した。", "ja");
        assert_eq!(
            ids(&matcher, &counts),
            [("participatory-budgeting".to_string(), 1)]
        );
    }

    #[test]
    fn stop_word_gaps_must_be_the_same() {
        let matcher = matcher();
        let found = matcher.count_in("Le transport à la demande dessert les villages.", "fr");
        assert_eq!(
            ids(&matcher, &found),
            [("on-demand-transport".to_string(), 1)]
        );
        let scattered = matcher.count_in("Le transport des enfants, à leur demande.", "fr");
        assert!(scattered.is_empty(), "{scattered:?}");
    }

    #[test]
    fn acronyms_match_only_in_capitals() {
        let matcher = matcher();
        let tagged = matcher.count_in("El Estado firmó una APP para el hospital.", "es");
        assert_eq!(
            ids(&matcher, &tagged),
            [("public-private-partnership".to_string(), 1)]
        );
        let everyday = matcher.count_in("Download the app to pay.", "en");
        assert!(everyday.is_empty(), "{everyday:?}");

        assert_eq!(matcher.match_query("ppp hospitals", &["en"]).len(), 1);
        assert!(matcher.match_query("mobile app", &["en"]).is_empty());
    }

    #[test]
    fn queries_map_to_concepts_with_one_typo_allowed() {
        let matcher = matcher();
        let exact = matcher.match_query("orçamento participativo", &["pt"]);
        assert_eq!(exact.len(), 1);
        assert_eq!(exact[0].how, ConceptMatch::Named);

        let typo = matcher.match_query("orçamento particpativo", &["pt"]);
        assert_eq!(typo.len(), 1, "{typo:?}");
        assert_eq!(typo[0].how, ConceptMatch::Corrected);

        assert!(
            matcher
                .match_query("transporte escolar", &["pt"])
                .is_empty()
        );
        assert_eq!(
            matcher
                .match_query("participativo orçamento", &["pt"])
                .len(),
            1
        );
        assert_eq!(
            matcher.match_query("住民参加型の予算編成", &["ja"]).len(),
            1
        );
        assert!(matcher.match_query("予算", &["ja"]).is_empty());
    }
}
