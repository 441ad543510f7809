//! Command-line behaviour: validation, inspection and errors a user can act on.

use crate::common::{Workspace, fixture_site};

#[test]
fn sources_check_lists_every_problem_with_its_line() {
    let workspace = Workspace::new(
        r#"[crawler]
politeness_delay = "soon"

[[source]]
id = "opsi"
kind = "fead"
url = "https://example.org/feed/"
country = "INT"

[[source]]
id = "opsi"
kind = "feed"
url = "example.org"
country = "UK"
"#,
        None,
    );
    let run = workspace.agora(&["sources", "check"]);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    let file = workspace.config().display().to_string();
    for expected in [
        format!("{file}:2: `politeness_delay` 'soon' is not a duration"),
        format!(
            "{file}:6: source 'opsi': unknown kind 'fead' (expected feed, sitemap, page, local)"
        ),
        format!("{file}:10: source 'opsi': duplicate id (first used on line 4)"),
        format!("{file}:13: source 'opsi': url 'example.org' is not a valid URL"),
        format!("{file}:14: source 'opsi': unknown country 'UK' (did you mean 'GB'?)"),
    ] {
        assert!(
            run.stderr.contains(&expected),
            "missing {expected:?} in:\n{}",
            run.stderr
        );
    }
}

#[test]
fn sources_check_accepts_the_default_configuration() {
    let run = std::process::Command::new(env!("CARGO_BIN_EXE_agora"))
        .args(["sources", "check", "--config"])
        .arg(crate::common::repo_root().join("sources.toml"))
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
}

#[test]
fn sources_check_reports_a_missing_local_folder() {
    let workspace = Workspace::new(
        "[[source]]\nid = \"files\"\nkind = \"local\"\npath = \"no-such-folder\"\ncountry = \"BR\"\n",
        None,
    );
    let run = workspace.agora(&["sources", "check"]);
    assert_eq!(run.code, Some(1));
    assert!(
        run.stderr.contains(":1: source 'files': path"),
        "{}",
        run.stderr
    );
}

#[test]
fn search_before_any_crawl_says_what_to_do() {
    let workspace = Workspace::new("", None);
    let run = workspace.agora(&["search", "anything"]);
    assert_eq!(run.code, Some(1));
    assert!(run.stderr.contains("agora crawl"), "{}", run.stderr);
}

#[test]
fn help_documents_every_command() {
    let workspace = Workspace::new("", None);
    let run = workspace.agora(&["--help"]).assert_success();
    for command in [
        "serve", "crawl", "index", "search", "sources", "inspect", "export",
    ] {
        assert!(
            run.stdout.contains(command),
            "{command} missing from --help"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn inspect_explains_a_page_and_lists_a_feed() {
    let server = fixture_site().await;
    let workspace = Workspace::new("", None);
    let page_url = server
        .url("/pt/transporte-escolar.html?utm_source=x")
        .to_string();
    let page = tokio::task::block_in_place(|| workspace.agora(&["inspect", &page_url, "--json"]))
        .assert_success()
        .json();
    assert_eq!(page["page"]["language"], "pt");
    assert_eq!(
        page["page"]["canonical_url"],
        format!("{}/pt/transporte-escolar.html", server.base())
    );
    assert!(
        page["page"]["canonical_reason"]
            .as_str()
            .unwrap()
            .contains("rel=canonical")
    );
    assert!(
        page["page"]["dropped_blocks"]
            .as_array()
            .unwrap()
            .iter()
            .any(
                |block| block["path"].as_str().unwrap().contains("share-buttons")
                    && block["reason"].as_str().unwrap().contains("share")
            )
    );
    assert_eq!(page["page"]["removed_parameters"][0], "utm_source");
    assert_eq!(page["page"]["published_source"], "article:published_time");

    let text =
        tokio::task::block_in_place(|| workspace.agora(&["inspect", &page_url])).assert_success();
    for expected in [
        "tracking parameters removed: utm_source",
        "main block:   body > main",
        "dropped:      ",
        "class or id hint `cookie`",
        "title from:   the main <h1>",
    ] {
        assert!(
            text.stdout.contains(expected),
            "{expected}\n{}",
            text.stdout
        );
    }

    let feed_url = server.url("/atom.xml").to_string();
    let feed =
        tokio::task::block_in_place(|| workspace.agora(&["inspect", &feed_url])).assert_success();
    assert!(
        feed.stdout.contains("read as:      feed"),
        "{}",
        feed.stdout
    );
    assert!(
        feed.stdout.contains("Hochwasserwarnung per Cell Broadcast"),
        "{}",
        feed.stdout
    );
}

const OPML: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0">
  <head><title>Reader export</title></head>
  <body>
    <outline text="Cities">
      <outline type="rss" text="Prefeitura de São Paulo" xmlUrl="https://sp.example/feed"/>
      <outline type="rss" text="Already here" xmlUrl="https://example.org/feed/"/>
    </outline>
    <outline type="rss" title="Stadt Wien" xmlUrl="https://wien.example/rss" language="de-AT"/>
  </body>
</opml>"#;

const COMMENTED_SOURCES: &str = r#"# Our sources: keep this comment.
[crawler]
politeness_delay = "2s" # slower for small sites

[[source]]
id = "opsi"
kind = "feed"
url = "https://example.org/feed/"
country = "INT"
"#;

#[test]
fn sources_import_adds_opml_feeds_and_keeps_the_file_layout() {
    let workspace = Workspace::new(COMMENTED_SOURCES, None);
    std::fs::write(workspace.dir.path().join("feeds.opml"), OPML).unwrap();

    let dry = workspace
        .agora(&["sources", "import", "feeds.opml", "--dry-run"])
        .assert_success();
    assert!(
        dry.stdout.contains("2 source(s) would be added, 1 skipped"),
        "{}",
        dry.stdout
    );
    assert_eq!(
        std::fs::read_to_string(workspace.config()).unwrap(),
        COMMENTED_SOURCES
    );

    let run = workspace
        .agora(&[
            "sources",
            "import",
            "feeds.opml",
            "--country",
            "br",
            "--content",
            "news",
        ])
        .assert_success();
    for expected in [
        "added    prefeitura-de-sao-paulo  https://sp.example/feed",
        "added    stadt-wien               https://wien.example/rss",
        "skipped  https://example.org/feed/ (already configured)",
        "2 source(s) added, 1 skipped",
    ] {
        assert!(run.stdout.contains(expected), "{expected}\n{}", run.stdout);
    }
    let text = std::fs::read_to_string(workspace.config()).unwrap();
    assert!(text.starts_with(COMMENTED_SOURCES), "{text}");
    assert!(
        text.contains("# Imported from feeds.opml (folder \"Cities\")\n[[source]]"),
        "{text}"
    );
    assert!(
        text.contains("country = \"BR\"\nlanguage = \"de\"\ncontent = \"news\""),
        "{text}"
    );
    workspace.agora(&["sources", "check"]).assert_success();

    let again = workspace
        .agora(&["sources", "import", "feeds.opml"])
        .assert_success();
    assert!(
        again.stdout.contains("0 source(s) added, 3 skipped"),
        "{}",
        again.stdout
    );
    assert_eq!(std::fs::read_to_string(workspace.config()).unwrap(), text);
}

#[test]
fn sources_import_of_a_malformed_opml_changes_nothing() {
    let workspace = Workspace::new(COMMENTED_SOURCES, None);
    let opml = workspace.dir.path().join("broken.opml");
    std::fs::write(
        &opml,
        "<opml><body><outline text='x' xmlUrl='https://a.example/'>",
    )
    .unwrap();
    let run = workspace.agora(&["sources", "import", "broken.opml"]);
    assert_eq!(run.code, Some(1), "{}", run.stderr);
    assert!(
        run.stderr
            .contains("broken.opml: cannot read the OPML file"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("not changed"), "{}", run.stderr);
    assert_eq!(
        std::fs::read_to_string(workspace.config()).unwrap(),
        COMMENTED_SOURCES
    );

    let bad_country = workspace.agora(&["sources", "import", "broken.opml", "--country", "XX"]);
    assert_eq!(bad_country.code, Some(1));
    assert!(
        bad_country.stderr.contains("--country 'XX'"),
        "{}",
        bad_country.stderr
    );

    let leftovers: Vec<_> = std::fs::read_dir(workspace.dir.path())
        .unwrap()
        .flatten()
        .map(|entry| entry.file_name().to_string_lossy().into_owned())
        .filter(|name| name.contains("import"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}
