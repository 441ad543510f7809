//! Keeping the index in step with the store.

use agora_indexer::{DocumentDraft, SearchIndex, SearchRequest, Store, search};
use chrono::Utc;

use crate::common::corpus_documents;

fn total(index: &SearchIndex, query: &str) -> u64 {
    search(index, &SearchRequest::new(query)).unwrap().total
}

#[test]
fn sync_indexes_only_what_changed() {
    let store = Store::open_temporary().unwrap();
    let index = SearchIndex::create_in_ram();
    let mut updater = index.updater().unwrap();
    for document in corpus_documents() {
        store.put_document(&document).unwrap();
    }
    assert_eq!(updater.sync(&store, |_| {}).unwrap().num_indexed, 5);
    assert_eq!(updater.sync(&store, |_| {}).unwrap().num_indexed, 0);

    let mut edited = corpus_documents().remove(0);
    edited.title = "Transporte escolar com vans elétricas".into();
    edited.content_hash = "changed".into();
    store.put_document(&edited).unwrap();
    let report = updater.sync(&store, |_| {}).unwrap();
    assert_eq!((report.num_indexed, report.num_docs), (1, 5));
    assert_eq!(total(&index, "elétricas"), 1);
}

#[test]
fn rebuild_refills_from_the_store() {
    let store = Store::open_temporary().unwrap();
    for document in corpus_documents() {
        store.put_document(&document).unwrap();
    }
    let index = SearchIndex::create_in_ram();
    let report = index.updater().unwrap().rebuild(&store, |_| {}).unwrap();
    assert_eq!(report.num_docs, 5);
    assert_eq!(total(&index, "hospital"), 1);
}

#[test]
fn index_on_disk_resumes_where_it_stopped() {
    let data = tempfile::tempdir().unwrap();
    let store = Store::open(&data.path().join("store")).unwrap();
    let index_dir = data.path().join("index");
    {
        let (index, _) = SearchIndex::open_or_create(&index_dir).unwrap();
        for document in corpus_documents().into_iter().take(2) {
            store.put_document(&document).unwrap();
        }
        index.updater().unwrap().sync(&store, |_| {}).unwrap();
    }
    for document in corpus_documents().into_iter().skip(2) {
        store.put_document(&document).unwrap();
    }
    let (index, outcome) = SearchIndex::open_or_create(&index_dir).unwrap();
    assert_eq!(outcome, agora_indexer::OpenOutcome::Opened);
    let report = index.updater().unwrap().sync(&store, |_| {}).unwrap();
    assert_eq!((report.num_indexed, report.num_docs), (3, 5));
}

#[test]
fn read_only_open_of_a_missing_index_explains_what_to_do() {
    let data = tempfile::tempdir().unwrap();
    let error = SearchIndex::open_read_only(&data.path().join("index"))
        .err()
        .unwrap();
    assert!(error.to_string().contains("agora crawl"), "{error}");
}

#[test]
fn documents_without_language_fields_are_still_found() {
    let store = Store::open_temporary().unwrap();
    let document = DocumentDraft {
        url: "https://example.pl/a".into(),
        canonical_url: "https://example.pl/a".into(),
        source: "pl".into(),
        title: "Budżet obywatelski w Krakowie".into(),
        body: "Mieszkańcy głosują na projekty.".into(),
        lang: "pl".into(),
        country: "PL".into(),
        ..DocumentDraft::default()
    }
    .finish(Utc::now());
    store.put_document(&document).unwrap();
    let index = SearchIndex::create_in_ram();
    index.updater().unwrap().sync(&store, |_| {}).unwrap();
    assert_eq!(total(&index, "budzet obywatelski"), 1);
}

#[test]
fn a_republished_article_is_found_once_with_its_other_url() {
    let article = "Three hospitals pooled their waiting lists for planned surgery, so that \
        patients are offered the first free slot at any of the three sites. Clinicians \
        prioritise patients by clinical need, and staff call those who have waited longest \
        first. Within a year, the number of patients waiting more than eighteen weeks fell \
        noticeably, and a patient transport service now takes people to distant hospitals.";
    let draft = |url: &str, source: &str, body: String| {
        DocumentDraft {
            url: url.into(),
            canonical_url: url.into(),
            source: source.into(),
            title: "Pooled waiting lists".into(),
            body,
            lang: "en".into(),
            country: "GB".into(),
            ..DocumentDraft::default()
        }
        .finish(Utc::now())
    };
    let store = Store::open_temporary().unwrap();
    let original = draft("https://nhs.example/pooled", "nhs", article.to_string());
    let copy = draft(
        "https://news.example/pooled",
        "news",
        format!("Republished from the health service. {article}"),
    );
    store.put_document(&original).unwrap();
    store.put_document(&copy).unwrap();

    let index = SearchIndex::create_in_ram();
    let mut updater = index.updater().unwrap();
    updater.sync(&store, |_| {}).unwrap();
    let response = search(&index, &SearchRequest::new("pooled waiting lists")).unwrap();
    assert_eq!(response.total, 1);
    assert_eq!(response.hits[0].url, "https://nhs.example/pooled");
    assert_eq!(response.hits[0].also_at, ["https://news.example/pooled"]);
    assert_eq!(response.facets.source.get("news"), None);

    let rebuilt = updater.rebuild(&store, |_| {}).unwrap();
    assert_eq!(rebuilt.num_docs, 1);
}
