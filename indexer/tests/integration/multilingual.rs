//! Searching across languages: the thesaurus, query syntax, typos, language scope and the
//! ranking factors.

use agora_indexer::concepts::ConceptMatch;
use agora_indexer::{
    ContentKind, DocumentDraft, IndexSettings, LanguageScope, RankingSettings, SearchIndex,
    SearchRequest, Store, Thesaurus, search,
};
use chrono::{TimeZone, Utc};

use crate::common::indexed_corpus;

fn urls(index: &SearchIndex, request: &SearchRequest) -> Vec<String> {
    search(index, request)
        .unwrap()
        .hits
        .into_iter()
        .map(|hit| hit.url)
        .collect()
}

#[test]
fn a_german_query_finds_the_japanese_flood_warning_through_its_concept() {
    let (_store, index) = indexed_corpus();
    let response = search(&index, &SearchRequest::new("Hochwasserwarnung")).unwrap();
    let found: Vec<&str> = response.hits.iter().map(|hit| hit.url.as_str()).collect();
    assert!(
        found.contains(&"https://example.de/hochwasser"),
        "{found:?}"
    );
    assert!(found.contains(&"https://example.jp/kouzui"), "{found:?}");
    assert!(
        response
            .concepts
            .iter()
            .any(|concept| concept.id == "flood-early-warning"),
        "{:?}",
        response.concepts
    );
}

#[test]
fn a_query_naming_no_concept_reaches_other_languages_through_its_best_match() {
    let (_store, index) = indexed_corpus();
    let mut request = SearchRequest::new("warnt alle Handys");
    request.query_lang = Some("de".into());
    let response = search(&index, &request).unwrap();
    let found: Vec<&str> = response.hits.iter().map(|hit| hit.url.as_str()).collect();
    assert_eq!(
        found.first(),
        Some(&"https://example.de/hochwasser"),
        "{found:?}"
    );
    assert!(found.contains(&"https://example.jp/kouzui"), "{found:?}");
    let inferred = response
        .concepts
        .iter()
        .find(|concept| concept.id == "flood-early-warning")
        .expect("the concept of the best match's title is fed back");
    assert_eq!(inferred.how, ConceptMatch::Inferred);

    request.query = "warnt alle Handys -河川".into();
    let excluded = urls(&index, &request);
    assert!(
        !excluded.contains(&"https://example.jp/kouzui".to_string()),
        "{excluded:?}"
    );
}

#[test]
fn scope_own_keeps_only_the_query_language() {
    let (_store, index) = indexed_corpus();
    let mut request = SearchRequest::new("Hochwasserwarnung");
    request.query_lang = Some("de".into());
    request.scope = LanguageScope::Own;
    let found = urls(&index, &request);
    assert_eq!(found, ["https://example.de/hochwasser"]);
}

#[test]
fn quoted_phrases_are_required_and_exclusions_remove() {
    let (_store, index) = indexed_corpus();
    let phrase = urls(&index, &SearchRequest::new("\"waiting lists\""));
    assert_eq!(phrase, ["https://example.uk/waiting"]);
    let excluded = urls(&index, &SearchRequest::new("Hochwasserwarnung -broadcast"));
    assert!(
        !excluded.contains(&"https://example.de/hochwasser".to_string()),
        "{excluded:?}"
    );
}

#[test]
fn field_filters_typed_in_the_query_apply() {
    let (_store, index) = indexed_corpus();
    let found = urls(&index, &SearchRequest::new("lang:ja"));
    assert_eq!(found, ["https://example.jp/kouzui"]);
    let none = urls(&index, &SearchRequest::new("hospital country:JP"));
    assert!(none.is_empty(), "{none:?}");
}

#[test]
fn one_typo_in_a_long_word_still_finds_it_below_exact_matches() {
    let (_store, index) = indexed_corpus();
    let response = search(&index, &SearchRequest::new("hosptals")).unwrap();
    assert_eq!(response.hits[0].url, "https://example.uk/waiting");
    assert!(
        response
            .corrections
            .iter()
            .any(|(typed, read_as)| typed == "hosptals" && read_as == "hospitals"),
        "{:?}",
        response.corrections
    );
}

#[test]
fn documents_are_filed_under_the_themes_of_their_concepts() {
    let (_store, index) = indexed_corpus();
    let response = search(&index, &SearchRequest::new("")).unwrap();
    assert!(
        response.facets.topic.contains_key("disaster-risk"),
        "{:?}",
        response.facets.topic
    );
    let mut request = SearchRequest::new("");
    request
        .filters
        .add(agora_indexer::FacetDimension::Topic, "flood-early-warning");
    let found = urls(&index, &request);
    assert_eq!(
        found.len(),
        2,
        "a concept id filters like a theme: {found:?}"
    );
}

/// Two documents that say the same; the one in the query's language ranks first.
#[test]
fn of_two_equal_matches_the_one_in_the_query_language_ranks_first() {
    let store = Store::open_temporary().unwrap();
    for (lang, title) in [
        ("fr", "Housing First à Lyon"),
        ("en", "Housing First in Lyon"),
    ] {
        let url = format!("https://{lang}.example/housing-first");
        let document = DocumentDraft {
            url: url.clone(),
            canonical_url: url,
            source: "cases".into(),
            title: title.into(),
            lang: lang.into(),
            country: "FR".into(),
            published: Some(Utc.with_ymd_and_hms(2022, 1, 1, 0, 0, 0).unwrap()),
            ..DocumentDraft::default()
        }
        .finish(Utc::now());
        store.put_document(&document).unwrap();
    }
    let index = SearchIndex::create_in_ram();
    index.updater().unwrap().sync(&store, |_| {}).unwrap();
    for (lang, first) in [
        ("en", "https://en.example/housing-first"),
        ("fr", "https://fr.example/housing-first"),
    ] {
        let mut request = SearchRequest::new("housing first");
        request.query_lang = Some(lang.into());
        assert_eq!(urls(&index, &request)[0], first, "query read as {lang}");
    }
}

/// Two documents that differ only in their source; the editors weigh one source higher.
#[test]
fn a_source_weight_reorders_equal_matches() {
    let store = Store::open_temporary().unwrap();
    for source in ["plain", "trusted"] {
        let url = format!("https://{source}.example/case");
        let document = DocumentDraft {
            url: url.clone(),
            canonical_url: url,
            source: source.into(),
            title: "Participatory budgeting in small towns".into(),
            body: "Residents proposed and voted on projects.".into(),
            lang: "en".into(),
            country: "GB".into(),
            kind: ContentKind::CaseStudy,
            published: Some(Utc.with_ymd_and_hms(2022, 1, 1, 0, 0, 0).unwrap()),
            ..DocumentDraft::default()
        }
        .finish(Utc::now());
        store.put_document(&document).unwrap();
    }
    let mut ranking = RankingSettings::default();
    ranking.source_weights.insert("trusted".into(), 2.0);
    let index = SearchIndex::create_in_ram_with(IndexSettings {
        thesaurus: Thesaurus::builtin(),
        ranking,
    });
    index.updater().unwrap().sync(&store, |_| {}).unwrap();
    let found = urls(&index, &SearchRequest::new("participatory budgeting"));
    assert_eq!(found[0], "https://trusted.example/case", "{found:?}");
}
