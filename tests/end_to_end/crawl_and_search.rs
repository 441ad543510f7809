//! `agora crawl` over every kind of source, then `agora search`, `export` and `sources status`.

use crate::common::{FIXTURE_SOURCES, Workspace, fixture_site};

#[tokio::test(flavor = "multi_thread")]
async fn crawl_then_search_finds_each_language_first() {
    let server = fixture_site().await;
    let workspace = Workspace::new(FIXTURE_SOURCES, Some(&server));

    let run = tokio::task::block_in_place(|| workspace.agora(&["crawl"])).assert_success();
    assert!(
        run.stdout.contains("rss") && run.stdout.contains("new    2"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("broken") && run.stdout.contains("error: not a readable"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("crawled 5 sources (1 failed)"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("the index holds 5"), "{}", run.stdout);

    let cases = [
        ("transporte escolar", "pt", "/pt/transporte-escolar.html"),
        (
            "listas de espera hospital waiting lists",
            "en",
            "/en/waiting-lists.html",
        ),
        ("洪水警報", "ja", "/ja/kouzui.html"),
        ("Hochwasserwarnung", "de", "/de/hochwasserwarnung"),
        ("budget participatif", "fr", "/fr/budget-participatif.html"),
    ];
    for (query, lang, path) in cases {
        let run = tokio::task::block_in_place(|| workspace.agora(&["search", query, "--json"]))
            .assert_success();
        let json = run.json();
        let top = &json["hits"][0];
        assert_eq!(top["lang"], lang, "{query}: {json}");
        assert_eq!(top["url"], format!("{}{path}", server.base()), "{query}");
        assert_eq!(
            json["facets"]["lang"][lang], 1,
            "{query}: facets {}",
            json["facets"]
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn export_and_status_describe_what_was_crawled() {
    let server = fixture_site().await;
    let workspace = Workspace::new(FIXTURE_SOURCES, Some(&server));
    tokio::task::block_in_place(|| {
        workspace.agora(&["crawl", "--source", "rss", "--source", "broken"])
    })
    .assert_success();

    let export = tokio::task::block_in_place(|| workspace.agora(&["export"])).assert_success();
    let records: Vec<serde_json::Value> = export
        .stdout
        .lines()
        .map(|line| serde_json::from_str(line).unwrap())
        .collect();
    assert_eq!(records.len(), 2);
    for field in [
        "id",
        "url",
        "canonical_url",
        "source",
        "title",
        "summary",
        "body",
        "lang",
        "country",
        "topics",
        "kind",
        "published",
        "fetched_at",
    ] {
        assert!(records[0].get(field).is_some(), "export lacks {field}");
    }

    let status =
        tokio::task::block_in_place(|| workspace.agora(&["sources", "status"])).assert_success();
    let broken = status
        .stdout
        .lines()
        .find(|line| line.starts_with("broken"))
        .unwrap();
    assert!(broken.contains("not a readable"), "{broken}");
    assert!(broken.contains("parse:1"), "errors by kind: {broken}");
    assert!(broken.contains("(backoff x1)"), "back-off: {broken}");
    let rss = status
        .stdout
        .lines()
        .find(|line| line.starts_with("rss"))
        .unwrap();
    assert!(rss.contains(" 2 "), "{rss}");
    // Sources not crawled yet are listed as never crawled.
    assert!(
        status
            .stdout
            .lines()
            .any(|line| line.starts_with("atom") && line.contains(" - ")),
        "{}",
        status.stdout
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_second_crawl_stores_nothing_new() {
    let server = fixture_site().await;
    let workspace = Workspace::new(FIXTURE_SOURCES, Some(&server));
    tokio::task::block_in_place(|| workspace.agora(&["crawl"])).assert_success();
    let second = tokio::task::block_in_place(|| workspace.agora(&["crawl"])).assert_success();
    assert!(
        second
            .stdout
            .contains("indexed 0 changed documents; the index holds 5"),
        "{}",
        second.stdout
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn unknown_source_ids_are_refused() {
    let server = fixture_site().await;
    let workspace = Workspace::new(FIXTURE_SOURCES, Some(&server));
    let run = tokio::task::block_in_place(|| workspace.agora(&["crawl", "--source", "nope"]));
    assert_eq!(run.code, Some(1));
    assert!(
        run.stderr.contains("unknown source id(s): nope"),
        "{}",
        run.stderr
    );
}
