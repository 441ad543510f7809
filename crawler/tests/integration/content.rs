//! What is stored from real-looking pages: character sets, boilerplate, metadata, duplicates.

use std::path::{Path, PathBuf};

use agora_crawler::inspect::inspect;
use agora_crawler::testing::{FixtureResponse, FixtureServer};
use agora_indexer::{DocId, Document, SearchIndex, SearchRequest, Store, search};

use crate::common::{config, crawler};

fn content_fixture(name: &str) -> Vec<u8> {
    let path: PathBuf = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/content")
        .join(name);
    std::fs::read(path).expect("content fixture is readable")
}

fn stored(store: &Store, canonical_url: &str) -> Document {
    store
        .document(&DocId::from_canonical_url(canonical_url))
        .unwrap()
        .unwrap_or_else(|| panic!("nothing stored for {canonical_url}"))
}

fn encoded_page(encoding: &'static encoding_rs::Encoding, head: &str, body: &str) -> Vec<u8> {
    let html = format!("<html><head>{head}</head><body><article>{body}</article></body></html>");
    let (bytes, _, unmappable) = encoding.encode(&html);
    assert!(!unmappable, "the fixture text fits {}", encoding.name());
    bytes.into_owned()
}

#[tokio::test]
async fn pages_in_legacy_character_sets_are_decoded() {
    let server = FixtureServer::start().await;
    let portuguese = "<h1>Educação pública no interior</h1><p>A secretaria de educação \
        ampliou o transporte escolar e as crianças não caminham mais até a estrada principal.</p>";
    let japanese = "<h1>洪水警報の配信</h1><p>市は川の水位が上がると、地域のすべての携帯電話に\
        避難の情報を自動で送るようにしました。高齢者にも確実に届くようになりました。</p>";
    let chinese = "<h1>医院预约挂号改革</h1><p>市卫生部门把各医院的号源集中到一个平台，\
        病人可以在网上预约最早的门诊时间，排队时间明显缩短。</p>";
    // Latin-1 declared only by the HTTP header; Shift_JIS only by a meta tag; GB18030 by an
    // http-equiv meta that says gb2312, as many Chinese sites still do.
    server.route(
        "/latin1",
        FixtureResponse::ok(
            "text/html; charset=ISO-8859-1",
            encoded_page(encoding_rs::WINDOWS_1252, "", portuguese),
        ),
    );
    server.route(
        "/sjis",
        FixtureResponse::ok(
            "text/html",
            encoded_page(
                encoding_rs::SHIFT_JIS,
                "<meta charset=\"Shift_JIS\">",
                japanese,
            ),
        ),
    );
    server.route(
        "/gb",
        FixtureResponse::ok(
            "text/html",
            encoded_page(
                encoding_rs::GB18030,
                "<meta http-equiv=\"Content-Type\" content=\"text/html; charset=gb2312\">",
                chinese,
            ),
        ),
    );
    let sources = r#"
[[source]]
id = "latin1"
kind = "page"
url = "{{base}}/latin1"
country = "BR"
[[source]]
id = "sjis"
kind = "page"
url = "{{base}}/sjis"
country = "JP"
[[source]]
id = "gb"
kind = "page"
url = "{{base}}/gb"
country = "CN"
"#;
    let config = config(&server, sources);
    let (crawler, store) = crawler(&config);
    crawler.crawl_all(&config.sources).await;

    let cases = [
        (
            "/latin1",
            "Educação pública no interior",
            "não caminham",
            "pt",
        ),
        ("/sjis", "洪水警報の配信", "避難の情報", "ja"),
        ("/gb", "医院预约挂号改革", "排队时间明显缩短", "zh"),
    ];
    for (path, title, text, lang) in cases {
        let document = stored(&store, &format!("{}{path}", server.base()));
        assert_eq!(document.title, title, "{path}");
        assert!(document.body.contains(text), "{path}: {}", document.body);
        assert_eq!(document.lang, lang, "{path}");
    }
    let mut paths = server.requested_paths();
    paths.sort();
    assert_eq!(paths, ["/gb", "/latin1", "/sjis"]);
}

#[tokio::test]
async fn a_real_looking_page_is_stored_without_its_boilerplate() {
    let server = FixtureServer::start().await;
    server.route(
        "/news/flood-warnings",
        FixtureResponse::ok(
            "text/html; charset=utf-8",
            content_fixture("flood-warnings.html"),
        ),
    );
    let sources = r#"
[[source]]
id = "riverton"
kind = "page"
url = "{{base}}/news/flood-warnings?utm_source=newsletter&utm_medium=email"
country = "GB"
"#;
    let config = config(&server, sources);
    let (crawler, store) = crawler(&config);
    crawler.crawl_all(&config.sources).await;

    assert_eq!(
        server.requested_paths(),
        ["/news/flood-warnings?utm_source=newsletter&utm_medium=email"]
    );
    let document = stored(&store, &format!("{}/news/flood-warnings", server.base()));
    assert_eq!(document.title, "Flood warnings now reach every phone");
    assert_eq!(
        document.published.unwrap().to_rfc3339(),
        "2024-03-12T09:30:00+00:00"
    );
    assert_eq!(document.lang, "en");
    assert!(
        document
            .body
            .starts_with("Flood warnings now reach every phone\n\nFrom this spring")
    );
    assert!(document.body.contains("\n\nThe change follows the floods"));
    assert!(document.body.contains("open data portal."));
    for boilerplate in [
        "cookies",
        "Skip to main content",
        "Council and democracy",
        "Search",
        "Home",
        "Share this page",
        "Related news",
        "sandbags",
        "Was this page useful",
        "Accessibility statement",
        "All rights reserved",
        "Published 12 March 2024 by",
    ] {
        assert!(
            !document.body.contains(boilerplate),
            "`{boilerplate}` reached the body:\n{}",
            document.body
        );
    }
}

#[tokio::test]
async fn the_same_article_under_tracking_parameters_is_stored_once() {
    let server = FixtureServer::start().await;
    server.route(
        "/news/flood-warnings",
        FixtureResponse::ok("text/html", content_fixture("flood-warnings.html")),
    );
    let feed = r#"<?xml version="1.0"?><rss version="2.0"><channel><title>News</title>
        <item><title>Flood warnings</title><link>{{base}}/news/flood-warnings?utm_source=rss</link></item>
        <item><title>Flood warnings</title><link>{{base}}/news/flood-warnings?fbclid=abc#top</link></item>
        <item><title>Flood warnings</title><link>{{base}}/NEWS/../news/flood-warnings?gclid=1&amp;mc_cid=2</link></item>
        </channel></rss>"#;
    server.route(
        "/feed.xml",
        FixtureResponse::ok("application/rss+xml", feed),
    );
    let sources = r#"
[[source]]
id = "riverton"
kind = "feed"
url = "{{base}}/feed.xml"
country = "GB"
"#;
    let config = config(&server, sources);
    let (crawler, store) = crawler(&config);
    let report = crawler.crawl_source(&config.sources[0]).await;

    assert_eq!(
        server.requested_paths(),
        [
            "/feed.xml",
            "/news/flood-warnings?utm_source=rss",
            "/news/flood-warnings?fbclid=abc",
            "/news/flood-warnings?gclid=1&mc_cid=2",
        ]
    );
    assert_eq!((report.num_new, report.num_unchanged), (1, 2));
    assert_eq!(store.num_documents().unwrap(), 1);
    let document = stored(&store, &format!("{}/news/flood-warnings", server.base()));
    assert_eq!(
        document.canonical_url,
        format!("{}/news/flood-warnings", server.base())
    );
}

#[tokio::test]
async fn the_same_article_under_two_urls_is_stored_once() {
    let server = FixtureServer::start().await;
    let page = content_fixture("flood-warnings.html");
    server.route(
        "/news/flood-warnings",
        FixtureResponse::ok("text/html", page.clone()),
    );
    server.route("/print/4711", FixtureResponse::ok("text/html", page));
    let sources = r#"
[[source]]
id = "riverton"
kind = "page"
url = "{{base}}/news/flood-warnings"
country = "GB"
[[source]]
id = "riverton-print"
kind = "page"
url = "{{base}}/print/4711"
country = "GB"
"#;
    let config = config(&server, sources);
    let (crawler, store) = crawler(&config);
    crawler.crawl_source(&config.sources[0]).await;
    let second = crawler.crawl_source(&config.sources[1]).await;

    assert_eq!(
        server.requested_paths(),
        ["/news/flood-warnings", "/print/4711"]
    );
    assert_eq!((second.num_new, second.num_unchanged), (0, 1));
    assert_eq!(store.num_documents().unwrap(), 1);
    let print_url = format!("{}/print/4711", server.base());
    assert!(
        store
            .document(&DocId::from_canonical_url(&print_url))
            .unwrap()
            .is_none()
    );
    let original = stored(&store, &format!("{}/news/flood-warnings", server.base()));
    assert_eq!(original.also_at, [print_url]);
}

#[tokio::test]
async fn a_republished_article_is_linked_and_shown_once_in_search() {
    let city = FixtureServer::start().await;
    let wire = FixtureServer::start().await;
    city.route(
        "/news/flood-warnings",
        FixtureResponse::ok("text/html", content_fixture("flood-warnings.html")),
    );
    wire.route(
        "/2024/03/13/flood-warnings",
        FixtureResponse::ok("text/html", content_fixture("republished.html")),
    );
    let sources = format!(
        r#"
[[source]]
id = "riverton"
kind = "page"
url = "{}/news/flood-warnings"
country = "GB"
[[source]]
id = "wire"
kind = "page"
url = "{}/2024/03/13/flood-warnings"
country = "GB"
content = "news"
"#,
        city.base(),
        wire.base()
    );
    let config = config(&city, &sources);
    let (crawler, store) = crawler(&config);
    crawler.crawl_source(&config.sources[0]).await;
    crawler.crawl_source(&config.sources[1]).await;

    let original_url = format!("{}/news/flood-warnings", city.base());
    let copy_url = format!("{}/2024/03/13/flood-warnings", wire.base());
    let original = stored(&store, &original_url);
    let copy = stored(&store, &copy_url);
    assert_eq!(copy.duplicate_of, Some(original.id.clone()));
    assert!(
        copy.body
            .starts_with("Flood warnings now reach every phone\n\nThis article was")
    );
    assert!(!copy.body.contains("Most read"), "{}", copy.body);
    assert_eq!(
        copy.published.unwrap().date_naive().to_string(),
        "2024-03-13"
    );
    assert_eq!(original.also_at, std::slice::from_ref(&copy_url));

    let index = SearchIndex::create_in_ram();
    index.updater().unwrap().sync(&store, |_| {}).unwrap();
    let response = search(&index, &SearchRequest::new("flood warnings cell broadcast")).unwrap();
    assert_eq!(response.total, 1);
    assert_eq!(response.hits[0].url, original_url);
    assert_eq!(response.hits[0].also_at, [copy_url]);
}

#[tokio::test]
async fn the_content_language_header_declares_a_page_that_does_not() {
    let server = FixtureServer::start().await;
    let page = "<html><head><title>Smart City 2030</title></head>\
                <body><article><p>Smart City 2030.</p></article></body></html>";
    server.route(
        "/declared",
        FixtureResponse::ok("text/html", page).with_header("Content-Language", "de-AT"),
    );
    server.route("/undeclared", FixtureResponse::ok("text/html", page));
    let sources = r#"
[[source]]
id = "declared"
kind = "page"
url = "{{base}}/declared"
country = "AT"

[[source]]
id = "undeclared"
kind = "page"
url = "{{base}}/undeclared"
country = "AT"
"#;
    let config = config(&server, sources);
    let (crawler, store) = crawler(&config);
    crawler.crawl_all(&config.sources).await;

    assert_eq!(stored(&store, server.url("/declared").as_str()).lang, "de");
    assert_ne!(
        stored(&store, server.url("/undeclared").as_str()).lang,
        "de"
    );

    let report = inspect(crawler.fetcher(), &server.url("/declared"))
        .await
        .unwrap();
    assert_eq!(
        report.page.unwrap().declared_language.as_deref(),
        Some("`de-AT` in the Content-Language header")
    );
}
