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
