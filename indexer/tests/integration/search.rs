//! Searching the small corpus: relevance per language, filters, facets, snippets, paging.

use agora_indexer::search::MAX_PER_PAGE;
use agora_indexer::{FacetDimension, IndexerError, SearchRequest, SortOrder, search};
use chrono::{TimeZone, Utc};

use crate::common::indexed_corpus;

fn top_url(query: &str) -> String {
    let (_store, index) = indexed_corpus();
    let response = search(&index, &SearchRequest::new(query)).unwrap();
    response
        .hits
        .first()
        .map(|hit| hit.url.clone())
        .unwrap_or_default()
}

#[test]
fn portuguese_query_finds_the_portuguese_case_first() {
    assert_eq!(
        top_url("transportes escolares"),
        "https://example.br/transporte"
    );
}

#[test]
fn japanese_query_finds_the_japanese_case_first() {
    assert_eq!(top_url("洪水警報"), "https://example.jp/kouzui");
}

#[test]
fn english_query_is_stemmed() {
    assert_eq!(
        top_url("hospital waiting list"),
        "https://example.uk/waiting"
    );
}

#[test]
fn accents_do_not_matter_across_languages() {
    // No French stemming is asked for; the neutral field still folds the accent.
    assert_eq!(top_url("participatif"), "https://example.fr/budget");
}

#[test]
fn nothing_matches_gives_no_hits_and_no_error() {
    let (_store, index) = indexed_corpus();
    let response = search(&index, &SearchRequest::new("zzzqqq")).unwrap();
    assert_eq!(response.total, 0);
    assert!(response.hits.is_empty());
}

#[test]
fn malformed_query_syntax_falls_back_to_words() {
    let (_store, index) = indexed_corpus();
    for query in [
        "\"unbalanced",
        "title:",
        "((hospital",
        "-",
        "AND OR",
        "lang:",
        "*",
        "^2",
    ] {
        let response = search(&index, &SearchRequest::new(query));
        assert!(response.is_ok(), "{query}: {response:?}");
    }
}

#[test]
fn empty_query_lists_everything_newest_first() {
    let (_store, index) = indexed_corpus();
    let response = search(&index, &SearchRequest::new("")).unwrap();
    assert_eq!(response.total, 5);
    let years: Vec<_> = response
        .hits
        .iter()
        .map(|hit| hit.published.unwrap())
        .collect();
    assert!(years.windows(2).all(|pair| pair[0] >= pair[1]), "{years:?}");
}

#[test]
fn filters_combine_and_facets_stay_disjunctive() {
    let (_store, index) = indexed_corpus();
    let mut request = SearchRequest::new("");
    request
        .filters
        .add(FacetDimension::Topic, "flood-early-warning");
    request.filters.add(FacetDimension::Lang, "de");
    let response = search(&index, &request).unwrap();

    assert_eq!(response.total, 1);
    assert_eq!(response.hits[0].lang, "de");
    // The language facet ignores the language filter: Japanese is still offered.
    assert_eq!(response.facets.lang.get("ja"), Some(&1));
    assert_eq!(response.facets.lang.get("de"), Some(&1));
    // Other dimensions are counted within every filter.
    assert_eq!(response.facets.country.len(), 1);
    // Topics are the thesaurus's themes; a concept id filters more narrowly.
    assert_eq!(response.facets.topic.get("disaster-risk"), Some(&1));
}

#[test]
fn repeated_values_of_one_filter_are_alternatives() {
    let (_store, index) = indexed_corpus();
    let mut request = SearchRequest::new("");
    request.filters.add(FacetDimension::Country, "BR");
    request.filters.add(FacetDimension::Country, "FR");
    assert_eq!(search(&index, &request).unwrap().total, 2);
}

#[test]
fn facets_count_every_match() {
    let (_store, index) = indexed_corpus();
    let response = search(&index, &SearchRequest::new("")).unwrap();
    assert_eq!(response.facets.lang.values().sum::<u64>(), 5);
    assert_eq!(response.facets.kind.get("case-study"), Some(&3));
    assert_eq!(response.facets.source.len(), 5);
}

#[test]
fn date_range_filters_on_publication() {
    let (_store, index) = indexed_corpus();
    let mut request = SearchRequest::new("");
    request.published_from = Some(Utc.with_ymd_and_hms(2021, 1, 1, 0, 0, 0).unwrap());
    request.published_to = Some(Utc.with_ymd_and_hms(2022, 12, 31, 23, 59, 59).unwrap());
    let response = search(&index, &request).unwrap();
    let mut countries: Vec<_> = response
        .hits
        .iter()
        .map(|hit| hit.country.as_str())
        .collect();
    countries.sort();
    assert_eq!(countries, ["BR", "JP"]);
}

#[test]
fn date_sort_orders_by_publication() {
    let (_store, index) = indexed_corpus();
    let mut request = SearchRequest::new("flood hochwasser 洪水");
    request.sort = SortOrder::Date;
    let response = search(&index, &request).unwrap();
    let urls: Vec<_> = response.hits.iter().map(|hit| hit.url.as_str()).collect();
    assert_eq!(
        urls,
        ["https://example.jp/kouzui", "https://example.de/hochwasser"]
    );
    assert!(response.hits.iter().all(|hit| hit.score.is_none()));
}

#[test]
fn snippets_mark_matches_and_escape_markup() {
    let (_store, index) = indexed_corpus();
    let response = search(&index, &SearchRequest::new("waiting")).unwrap();
    let snippet = &response.hits[0].snippet;
    assert!(snippet.contains("<mark>waiting</mark>"), "{snippet}");
    assert!(!snippet.contains("<script>"), "{snippet}");
}

#[test]
fn japanese_snippets_mark_the_bigrams() {
    let (_store, index) = indexed_corpus();
    let response = search(&index, &SearchRequest::new("避難")).unwrap();
    assert!(
        response.hits[0].snippet.contains("<mark>避難</mark>"),
        "{}",
        response.hits[0].snippet
    );
}

#[test]
fn pages_do_not_overlap() {
    let (_store, index) = indexed_corpus();
    let page = |number| {
        let mut request = SearchRequest::new("");
        request.per_page = 2;
        request.page = number;
        search(&index, &request).unwrap().hits
    };
    let (first, second, third) = (page(1), page(2), page(3));
    assert_eq!((first.len(), second.len(), third.len()), (2, 2, 1));
    assert!(
        first
            .iter()
            .all(|hit| second.iter().all(|other| other.id != hit.id))
    );
}

#[test]
fn out_of_range_paging_is_a_request_error() {
    let (_store, index) = indexed_corpus();
    for (page, per_page) in [(0, 10), (1, 0), (1, MAX_PER_PAGE + 1), (10_000, 100)] {
        let mut request = SearchRequest::new("x");
        request.page = page;
        request.per_page = per_page;
        let error = search(&index, &request).unwrap_err();
        assert!(
            matches!(error, IndexerError::InvalidRequest(_)),
            "{page} {per_page}"
        );
    }
}
