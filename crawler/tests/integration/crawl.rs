//! Crawling each kind of source, and failing sources.

use agora_crawler::testing::{FixtureResponse, FixtureServer, gzip};
use agora_indexer::DocId;

use crate::common::{article, config, config_with, crawler, fixture_site, sitemap_source};

const SOURCES: &str = r#"
[[source]]
id = "rss"
kind = "feed"
url = "{{base}}/rss.xml"
country = "BR"
topics = ["education"]

[[source]]
id = "atom"
kind = "feed"
url = "{{base}}/atom.xml"
country = "DE"

[[source]]
id = "json"
kind = "feed"
url = "{{base}}/feed.json"
country = "JP"

[[source]]
id = "sitemap"
kind = "sitemap"
url = "{{base}}/sitemap.xml"
country = "FR"
content = "article"

[[source]]
id = "broken"
kind = "feed"
url = "{{base}}/broken.xml"
country = "INT"

[[source]]
id = "down"
kind = "feed"
url = "{{base}}/down.xml"
country = "INT"
"#;

#[tokio::test]
async fn every_kind_of_source_is_crawled_and_failures_stay_contained() {
    let server = FixtureServer::serve_dir(&fixture_site()).await;
    server.route("/down.xml", FixtureResponse::status(500));
    let config = config(&server, SOURCES);
    let (crawler, store) = crawler(&config);

    let reports = crawler.crawl_all(&config.sources).await;
    let report = |id: &str| {
        reports
            .iter()
            .find(|(source, _)| source == id)
            .unwrap()
            .1
            .clone()
    };

    assert_eq!((report("rss").num_new, report("rss").num_failed), (2, 0));
    assert_eq!(report("atom").num_new, 1);
    assert_eq!(report("json").num_new, 1);
    assert_eq!(
        (report("sitemap").num_new, report("sitemap").num_failed),
        (1, 1)
    );
    assert!(
        report("broken")
            .error
            .as_deref()
            .unwrap()
            .contains("not a readable"),
        "{:?}",
        report("broken")
    );
    assert!(
        report("down")
            .error
            .as_deref()
            .unwrap()
            .contains("HTTP status 500"),
        "{:?}",
        report("down")
    );
    assert_eq!(store.num_documents().unwrap(), 5);

    let statuses = store.source_statuses().unwrap();
    let down = statuses.iter().find(|status| status.id == "down").unwrap();
    assert!(down.last_crawl.as_ref().unwrap().failed());
    assert!(down.last_success_at.is_none());
    assert_eq!(
        statuses
            .iter()
            .find(|status| status.id == "rss")
            .unwrap()
            .num_documents,
        2
    );
}

#[tokio::test]
async fn teaser_entries_are_followed_to_their_pages() {
    let server = FixtureServer::serve_dir(&fixture_site()).await;
    let config = config(&server, SOURCES);
    let (crawler, store) = crawler(&config);
    crawler.crawl_source(config.source("rss").unwrap()).await;

    // The page's rel=canonical drops the feed's tracking parameters.
    let canonical = format!("{}/pt/transporte-escolar.html", server.base());
    let document = store
        .document(&DocId::from_canonical_url(&canonical))
        .unwrap()
        .unwrap();
    assert_eq!(
        document.title,
        "Transporte escolar rural com rotas otimizadas"
    );
    assert_eq!(document.lang, "pt");
    assert_eq!(document.country, "BR");
    assert_eq!(document.topics, ["education"]);
    assert_eq!(
        document.summary,
        "Como um município reorganizou as rotas dos ônibus escolares."
    );
    assert!(document.body.contains("roteirização"), "{}", document.body);
    for boilerplate in [
        "cookies",
        "Compartilhar",
        "Leia também",
        "Todos os direitos",
        "Contato",
    ] {
        assert!(
            !document.body.contains(boilerplate),
            "{boilerplate} in {}",
            document.body
        );
    }
    assert_eq!(
        document.published.unwrap().to_rfc3339(),
        "2023-03-14T09:00:00+00:00"
    );
}

#[tokio::test]
async fn full_text_entries_are_not_fetched_again() {
    let server = FixtureServer::serve_dir(&fixture_site()).await;
    let config = config(&server, SOURCES);
    let (crawler, store) = crawler(&config);
    crawler.crawl_source(config.source("atom").unwrap()).await;

    assert_eq!(server.requested_paths(), ["/atom.xml"]);
    let canonical = format!("{}/de/hochwasserwarnung", server.base());
    let document = store
        .document(&DocId::from_canonical_url(&canonical))
        .unwrap()
        .unwrap();
    assert_eq!(document.lang, "de");
    assert!(document.body.contains("Cell Broadcast"));
}

#[tokio::test]
async fn a_second_crawl_rewrites_nothing_unchanged() {
    let server = FixtureServer::serve_dir(&fixture_site()).await;
    let config = config(&server, SOURCES);
    let (crawler, store) = crawler(&config);
    let source = config.source("rss").unwrap();
    crawler.crawl_source(source).await;
    let last_change = store.last_change().unwrap();

    let second = crawler.crawl_source(source).await;
    assert_eq!(
        (second.num_new, second.num_updated, second.num_unchanged),
        (0, 0, 2)
    );
    assert_eq!(store.last_change().unwrap(), last_change);
}

#[tokio::test]
async fn requests_carry_the_configured_user_agent() {
    let server = FixtureServer::serve_dir(&fixture_site()).await;
    let config = config(&server, SOURCES);
    let (crawler, _store) = crawler(&config);
    crawler.crawl_source(config.source("json").unwrap()).await;
    for request in server.requests() {
        let agent = request.headers.get("user-agent").unwrap().to_str().unwrap();
        assert!(agent.starts_with("AgoraBot/"), "{agent}");
    }
}

#[tokio::test]
async fn oversized_and_non_html_pages_are_skipped_with_a_reason() {
    let server = FixtureServer::start().await;
    server.route(
        "/big.html",
        FixtureResponse::ok("text/html", vec![b'a'; 300_000]),
    );
    server.route(
        "/file.pdf",
        FixtureResponse::ok("application/pdf", b"%PDF-1.4".to_vec()),
    );
    let sources = r#"
[crawler]
max_body_bytes = 100000
[[source]]
id = "big"
kind = "page"
url = "{{base}}/big.html"
country = "INT"
[[source]]
id = "pdf"
kind = "page"
url = "{{base}}/file.pdf"
country = "INT"
"#;
    let text = sources.replace("{{base}}", &server.base());
    let config = agora_crawler::Config::parse(&text, std::path::Path::new("sources.toml")).unwrap();
    let (crawler, _store) = crawler(&config);
    let big = crawler.crawl_source(config.source("big").unwrap()).await;
    assert!(big.error.unwrap().contains("larger than 100000 bytes"));
    let pdf = crawler.crawl_source(config.source("pdf").unwrap()).await;
    assert!(pdf.error.unwrap().contains("not HTML"));
}

#[tokio::test]
async fn unreachable_hosts_fail_fast_with_a_connect_error() {
    // Port 9 on loopback is closed: the connection is refused at once.
    let sources = r#"
[[source]]
id = "closed"
kind = "feed"
url = "http://127.0.0.1:9/feed"
country = "INT"
"#;
    let config =
        agora_crawler::Config::parse(sources, std::path::Path::new("sources.toml")).unwrap();
    let (crawler, _store) = crawler(&config);
    let report = crawler.crawl_source(&config.sources[0]).await;
    assert!(report.error.unwrap().contains("cannot connect"));
}

#[tokio::test]
async fn a_gzipped_sitemap_file_is_read() {
    let server = FixtureServer::start().await;
    let xml = format!(
        "<?xml version=\"1.0\"?><urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\
         <url><loc>{}/permits.html</loc></url></urlset>",
        server.base()
    );
    // Served as the file it is, not with a Content-Encoding the client would undo.
    server.route(
        "/sitemap.xml.gz",
        FixtureResponse::ok("application/gzip", gzip(xml.as_bytes())),
    );
    server.route(
        "/permits.html",
        article("Building permits online", "Permits are filed online."),
    );
    let config = config_with(&server, "", &sitemap_source("permits", "/sitemap.xml.gz"));
    let (crawler, _store) = crawler(&config);

    let report = crawler.crawl_source(&config.sources[0]).await;

    assert_eq!((report.num_new, report.num_failed), (1, 0), "{report:?}");
}
