//! What a user may type in the search box: words, `"quoted phrases"`, `-exclusions` and
//! field filters such as `country:BR` or `lang:ja`.
//!
//! The reader is total: every input parses. An unbalanced quote closes at the end of the
//! input, a `-` or a field name with nothing after it is ignored, and an unknown `name:value`
//! is read as plain words, so that pasting `Lisboa: plano 2030` searches what it says.

use crate::search::FacetDimension;

/// One part of a query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Clause {
    /// A plain word; scoring combines words with OR, ranking those that match more higher.
    Word(String),
    /// Words that must appear together, in this order.
    Phrase(String),
    /// A word or phrase the results must not contain.
    Exclude(String),
}

/// A query read into its parts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ParsedQuery {
    /// Words, phrases and exclusions, in the order typed.
    pub clauses: Vec<Clause>,
    /// `name:value` filters, to be combined with the request's own.
    pub filters: Vec<(FacetDimension, String)>,
}

impl ParsedQuery {
    /// Returns the words and phrases that score, joined by spaces (exclusions left out).
    pub fn positive_text(&self) -> String {
        let parts: Vec<&str> = self
            .clauses
            .iter()
            .filter_map(|clause| match clause {
                Clause::Word(text) | Clause::Phrase(text) => Some(text.as_str()),
                Clause::Exclude(_) => None,
            })
            .collect();
        parts.join(" ")
    }

    /// Tells whether nothing scores: the query is empty or holds only filters and exclusions.
    pub fn has_no_positive_clause(&self) -> bool {
        !self
            .clauses
            .iter()
            .any(|clause| matches!(clause, Clause::Word(_) | Clause::Phrase(_)))
    }
}

/// Reads `input` into clauses and filters; never fails.
pub fn parse_query(input: &str) -> ParsedQuery {
    let mut parsed = ParsedQuery::default();
    let mut rest = input.trim();
    while !rest.is_empty() {
        let (excluded, body) = match rest.strip_prefix('-') {
            Some(body) if !body.starts_with(char::is_whitespace) => (true, body),
            _ => (false, rest),
        };

        let (clause, remainder) = if let Some(quoted) = body.strip_prefix('"') {
            let (phrase, remainder) = quoted.split_once('"').unwrap_or((quoted, ""));
            (read_phrase(phrase, excluded), remainder)
        } else {
            let end = body.find(char::is_whitespace).unwrap_or(body.len());
            let (word, remainder) = body.split_at(end);
            (read_word(word, excluded, &mut parsed.filters), remainder)
        };
        if let Some(clause) = clause {
            parsed.clauses.push(clause);
        }
        rest = remainder.trim_start();
    }
    parsed
}

fn read_phrase(phrase: &str, excluded: bool) -> Option<Clause> {
    let phrase = phrase.split_whitespace().collect::<Vec<_>>().join(" ");
    if phrase.is_empty() {
        return None;
    }
    Some(if excluded {
        Clause::Exclude(phrase)
    } else if phrase.contains(' ') {
        Clause::Phrase(phrase)
    } else {
        Clause::Word(phrase)
    })
}

fn read_word(
    word: &str,
    excluded: bool,
    filters: &mut Vec<(FacetDimension, String)>,
) -> Option<Clause> {
    if let Some((name, value)) = word.split_once(':')
        && let Some(dimension) = filter_dimension(name)
    {
        let value = value.trim_matches('"');
        if !value.is_empty() && !excluded {
            filters.push((dimension, value.to_string()));
        }
        return None;
    }
    let word = word.trim_matches('"');
    if word.is_empty() || !word.chars().any(char::is_alphanumeric) {
        return None;
    }
    Some(if excluded {
        Clause::Exclude(word.to_string())
    } else {
        Clause::Word(word.to_string())
    })
}

fn filter_dimension(name: &str) -> Option<FacetDimension> {
    let name = name.to_ascii_lowercase();
    FacetDimension::ALL
        .into_iter()
        .find(|dimension| dimension.name() == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(texts: &[&str]) -> Vec<Clause> {
        texts
            .iter()
            .map(|text| Clause::Word(text.to_string()))
            .collect()
    }

    #[test]
    fn plain_words_stay_words() {
        assert_eq!(
            parse_query("  transporte   escolar ").clauses,
            words(&["transporte", "escolar"])
        );
    }

    #[test]
    fn quotes_make_phrases_and_minus_excludes() {
        let parsed = parse_query(r#""housing first" -shelter -"night shelter" vienna"#);
        assert_eq!(
            parsed.clauses,
            [
                Clause::Phrase("housing first".into()),
                Clause::Exclude("shelter".into()),
                Clause::Exclude("night shelter".into()),
                Clause::Word("vienna".into()),
            ]
        );
        assert_eq!(parsed.positive_text(), "housing first vienna");
    }

    #[test]
    fn known_fields_become_filters() {
        let parsed = parse_query("flood country:BR lang:pt Topic:disaster-risk");
        assert_eq!(parsed.clauses, words(&["flood"]));
        assert_eq!(
            parsed.filters,
            [
                (FacetDimension::Country, "BR".into()),
                (FacetDimension::Lang, "pt".into()),
                (FacetDimension::Topic, "disaster-risk".into()),
            ]
        );
    }

    #[test]
    fn malformed_syntax_falls_back_to_plain_words() {
        for input in [
            "\"unclosed phrase",
            "- lonely minus",
            "country: Lisboa:",
            "((a OR b)",
            "\"\"",
            "-",
            ":",
            "lang:",
        ] {
            let parsed = parse_query(input);
            for clause in &parsed.clauses {
                let (Clause::Word(text) | Clause::Phrase(text) | Clause::Exclude(text)) = clause;
                assert!(!text.is_empty(), "{input:?} gave an empty clause");
            }
        }
        assert_eq!(
            parse_query("\"unclosed phrase").clauses,
            [Clause::Phrase("unclosed phrase".into())]
        );
        assert_eq!(
            parse_query("Lisboa: plano").clauses,
            words(&["Lisboa:", "plano"])
        );
    }

    #[test]
    fn only_filters_and_exclusions_means_no_positive_clause() {
        assert!(parse_query("lang:ja -tokyo").has_no_positive_clause());
        assert!(!parse_query("lang:ja tokyo").has_no_positive_clause());
    }
}
