//! Turning what a user typed into a tantivy query.
//!
//! The query is analysed for its likely languages (each language's stemmed fields) and also
//! against the neutral fields, which match exact words whatever the document's language.
//! Title matches weigh more than summary matches, which weigh more than body matches.

use tantivy::query::{Query, QueryParser};
use whatlang::{Detector, Lang};

use crate::analyzer::analyzed_language;
use crate::cjk::is_cjk;
use crate::index::SearchIndex;
use crate::language::{iso639_1, normalize_code};
use crate::schema::{TextFields, TextPart};

/// Relative weight of a match in each part of a document.
const PART_BOOSTS: [(TextPart, f32); 3] = [
    (TextPart::Title, 3.0),
    (TextPart::Summary, 1.5),
    (TextPart::Body, 1.0),
];

/// Decides which languages' analyzers a query is analysed with.
///
/// The declared `hint` wins when Agora analyses that language. Otherwise the script decides
/// for CJK text (kana means Japanese; ideographs alone could be Chinese or Japanese, so both),
/// and whatlang, restricted to analysed languages, decides for the rest. Short queries are
/// often misread; the neutral fields, always searched, keep that from losing documents.
pub fn query_languages(query: &str, hint: Option<&str>) -> Vec<&'static str> {
    if let Some(language) = hint
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

    let allowed: Vec<Lang> = Lang::all()
        .iter()
        .copied()
        .filter(|lang| analyzed_language(iso639_1(*lang)).is_some())
        .collect();
    let Some(first) = Detector::with_allowlist(allowed.clone()).detect(query) else {
        return Vec::new();
    };
    let mut languages = vec![iso639_1(first.lang())];
    // A short query often reads equally well in a neighbouring language ("transporte escolar"
    // is Portuguese and Spanish); when unsure, the runner-up is searched too.
    if !first.is_reliable() {
        let others = allowed
            .into_iter()
            .filter(|lang| *lang != first.lang())
            .collect();
        if let Some(second) = Detector::with_allowlist(others).detect_lang(query) {
            languages.push(iso639_1(second));
        }
    }
    languages
}

/// Builds the scoring part of a search: `text` analysed for `languages` and neutrally.
///
/// Query syntax (`"phrases"`, `-exclusions`, `field:value`) is honoured where it parses; what
/// does not parse is read as plain words, so no input is ever an error.
pub fn text_query(index: &SearchIndex, text: &str, languages: &[&str]) -> Box<dyn Query> {
    let schema = index.schema();
    let mut field_sets: Vec<&TextFields> = languages
        .iter()
        .filter_map(|code| schema.language_fields(code))
        .collect();
    field_sets.push(&schema.neutral);

    let fields = field_sets
        .iter()
        .flat_map(|set| TextPart::ALL.map(|part| set.get(part)))
        .collect();
    let mut parser = QueryParser::for_index(index.tantivy_index(), fields);
    for set in &field_sets {
        for (part, boost) in PART_BOOSTS {
            parser.set_field_boost(set.get(part), boost);
        }
    }
    let (query, _errors) = parser.parse_query_lenient(text);
    query
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hint_wins_when_analysed() {
        assert_eq!(query_languages("transporte escolar", Some("pt-BR")), ["pt"]);
    }

    #[test]
    fn unknown_hint_falls_back_to_detection() {
        assert_eq!(query_languages("洪水の警報", Some("xx")), ["ja"]);
    }

    #[test]
    fn ideographs_alone_search_chinese_and_japanese() {
        assert_eq!(query_languages("洪水警報", None), ["zh", "ja"]);
    }

    #[test]
    fn ambiguous_short_queries_search_two_languages() {
        let languages = query_languages("transporte escolar", None);
        assert!(
            languages.contains(&"pt") && languages.contains(&"es"),
            "{languages:?}"
        );
    }

    #[test]
    fn longer_latin_queries_are_detected() {
        let languages = query_languages(
            "como reduzir as filas de espera nos hospitais públicos",
            None,
        );
        assert_eq!(languages[0], "pt");
        assert_eq!(
            query_languages(
                "the hospital reduced waiting lists for planned surgery",
                None
            ),
            ["en"]
        );
    }
}
