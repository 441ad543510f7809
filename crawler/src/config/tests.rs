use std::path::Path;
use std::time::Duration;

use super::*;

fn problems(text: &str) -> Vec<String> {
    match Config::parse(text, Path::new("sources.toml")) {
        Ok(_) => Vec::new(),
        Err(ConfigError::Invalid(problems)) => problems.iter().map(ToString::to_string).collect(),
        Err(other) => vec![other.to_string()],
    }
}

const VALID: &str = r#"
[crawler]
user_agent = "AgoraBot/0.1 (+https://example.org/agora)"
default_interval = "6h"
politeness_delay = "1s"

[[source]]
id = "opsi"
name = "Observatory of Public Sector Innovation"
kind = "feed"
url = "https://example.org/feed/"
country = "INT"
language = "en"
topics = ["innovation"]
content = "case-study"
selectors = { content = "article .body" }

[[source]]
id = "bundled"
kind = "local"
path = "collection"
country = "INT"
interval = "24h"
enabled = false
max_pages = 1000
"#;

#[test]
fn a_valid_file_is_read_with_its_defaults() {
    let config = Config::parse(VALID, Path::new("/etc/agora/sources.toml")).unwrap();
    assert_eq!(
        config.crawler.default_interval,
        Duration::from_secs(6 * 3600)
    );
    assert_eq!(config.crawler.politeness_delay, Duration::from_secs(1));
    assert_eq!(config.sources.len(), 2);

    let opsi = config.source("opsi").unwrap();
    assert_eq!(opsi.kind, SourceKind::Feed);
    assert_eq!(opsi.line, 7);
    assert_eq!(opsi.language.as_deref(), Some("en"));
    assert_eq!(opsi.content, ContentKind::CaseStudy);
    assert!(opsi.enabled);
    assert_eq!(
        opsi.selectors.content.as_ref().unwrap().as_str(),
        "article .body"
    );

    let bundled = config.source("bundled").unwrap();
    assert_eq!(bundled.name, "bundled");
    assert_eq!(
        bundled.location,
        SourceLocation::Path("/etc/agora/collection".into())
    );
    assert!(!bundled.enabled);
    assert_eq!(bundled.max_pages, Some(1000));
}

#[test]
fn every_problem_is_reported_with_its_line() {
    let text = r#"
[[source]]
id = "opsi"
kind = "fead"
url = "https://example.org/feed/"
country = "INT"

[[source]]
id = "opsi"
kind = "feed"
url = "not a url"
country = "UK"
colour = "blue"
"#;
    assert_eq!(
        problems(text),
        [
            "sources.toml:4: source 'opsi': unknown kind 'fead' (expected feed, sitemap, page, local)",
            "sources.toml:8: source 'opsi': duplicate id (first used on line 2)",
            "sources.toml:11: source 'opsi': url 'not a url' is not a valid URL: relative URL without a base",
            "sources.toml:12: source 'opsi': unknown country 'UK' (did you mean 'GB'?)",
            "sources.toml:13: source 'opsi': unknown key `colour` in source (expected one of: id, name, kind, url, path, country, language, topics, content, interval, enabled, max_pages, weight, selectors)",
        ]
    );
}

#[test]
fn duplicate_ids_name_the_first_line() {
    let text = r#"
[[source]]
id = "a"
kind = "page"
url = "https://example.org/"
country = "FR"

[[source]]
id = "a"
kind = "page"
url = "https://example.org/other"
country = "FR"
"#;
    assert_eq!(
        problems(text),
        ["sources.toml:8: source 'a': duplicate id (first used on line 2)"]
    );
}

#[test]
fn missing_required_keys_are_named() {
    let text = "[[source]]\nid = \"x\"\n";
    assert_eq!(
        problems(text),
        [
            "sources.toml:1: source 'x': missing `kind` (expected feed, sitemap, page, local)",
            "sources.toml:1: source 'x': missing `country` (ISO 3166-1 alpha-2 code, or INT)",
        ]
    );
}

#[test]
fn wrong_types_and_values_are_explained() {
    let text = r#"
[crawler]
politeness_delay = 5
default_interval = "soon"
max_concurrent_sources = 0
speed = "fast"

[[source]]
id = "Bad Id"
kind = "local"
url = "https://example.org"
path = "folder"
country = "BR"
language = "portuguese"
topics = "transport"
content = "blog"
interval = "10s"
enabled = "yes"
selectors = { content = "div[", author = ".by" }
"#;
    let found = problems(text);
    let expected_fragments = [
        "sources.toml:3: `politeness_delay` must be a duration in quotes",
        "sources.toml:4: `default_interval` 'soon' is not a duration",
        "sources.toml:5: `max_concurrent_sources` must be a whole number of at least 1",
        "sources.toml:6: unknown key `speed` in [crawler]",
        "sources.toml:9: source 'Bad Id': id 'Bad Id' must use only lowercase letters",
        "sources.toml:11: source 'Bad Id': `url` does not apply to local sources (use `path`)",
        "sources.toml:14: source 'Bad Id': unknown language 'portuguese'",
        "sources.toml:15: source 'Bad Id': `topics` must be a list of strings",
        "sources.toml:16: source 'Bad Id': unknown content 'blog' (expected case-study, article, opinion, report, news)",
        "sources.toml:17: source 'Bad Id': interval must be at least 1m",
        "sources.toml:18: source 'Bad Id': `enabled` must be true or false",
        "sources.toml:19: source 'Bad Id': selectors.content 'div[' is not valid CSS",
        "sources.toml:19: source 'Bad Id': unknown key `author` in selectors",
    ];
    for fragment in expected_fragments {
        assert!(
            found.iter().any(|problem| problem.starts_with(fragment)),
            "missing {fragment:?} in {found:#?}"
        );
    }
    assert_eq!(found.len(), expected_fragments.len(), "{found:#?}");
}

#[test]
fn invalid_toml_names_the_line() {
    let found = problems("[[source]]\nid = \"x\nkind = \"feed\"\n");
    assert_eq!(found.len(), 1);
    assert!(
        found[0].starts_with("sources.toml:2: invalid TOML"),
        "{found:?}"
    );
}

#[test]
fn non_http_urls_are_refused() {
    let text =
        "[[source]]\nid = \"x\"\nkind = \"feed\"\nurl = \"file:///etc/passwd\"\ncountry = \"BR\"\n";
    assert_eq!(
        problems(text),
        ["sources.toml:4: source 'x': url 'file:///etc/passwd' must be http or https, not file"]
    );
}

#[test]
fn an_empty_file_is_a_valid_empty_configuration() {
    let config = Config::parse("", Path::new("sources.toml")).unwrap();
    assert!(config.sources.is_empty());
    assert_eq!(config.crawler, CrawlerSettings::default());
}

#[test]
fn ranking_weights_and_source_weights_are_read() {
    let text = r#"
[ranking]
title_boost = 4
other_language_factor = 0.7
recency_half_life = "1year"

[[source]]
id = "opsi"
kind = "feed"
url = "https://example.org/feed/"
country = "INT"
weight = 1.5
"#;
    let config = Config::parse(text, Path::new("sources.toml")).unwrap();
    assert_eq!(config.ranking.title_boost, 4.0);
    assert_eq!(config.ranking.other_language_factor, 0.7);
    assert!((config.ranking.recency_half_life_days - 365.25).abs() < 0.01);
    assert_eq!(config.ranking.source_weight("opsi"), 1.5);
    assert_eq!(config.ranking.source_weight("other"), 1.0);
}

#[test]
fn out_of_range_ranking_weights_name_their_line() {
    let text = r#"
[ranking]
title_boost = -1
other_language_factor = 2
typo_factor = "high"
colour = 1

[[source]]
id = "opsi"
kind = "feed"
url = "https://example.org/feed/"
country = "INT"
weight = 0.0e400
"#;
    let found = problems(text);
    assert!(
        found[0].starts_with("sources.toml:3: `title_boost` must be a number from 0 to 100"),
        "{found:?}"
    );
    assert!(
        found[1]
            .starts_with("sources.toml:4: `other_language_factor` must be a number from 0 to 1"),
        "{found:?}"
    );
    assert!(
        found[2].starts_with("sources.toml:5: `typo_factor`"),
        "{found:?}"
    );
    assert!(
        found[3].contains("unknown key `colour` in [ranking]"),
        "{found:?}"
    );
    assert_eq!(found.len(), 4, "{found:?}");
}

#[test]
fn politeness_and_retry_settings_are_read() {
    let text = r#"
[crawler]
max_concurrent_requests = 4
max_requests_per_host = 2
max_retries = 0
retry_delay = "250ms"
max_retry_wait = "30s"
source_time_budget = "5m"
max_backoff = "2d"
"#;
    let settings = Config::parse(text, Path::new("sources.toml"))
        .unwrap()
        .crawler;
    assert_eq!(settings.max_concurrent_requests, 4);
    assert_eq!(settings.max_requests_per_host, 2);
    assert_eq!(
        settings.retry_policy(),
        RetryPolicy {
            max_retries: 0,
            base_delay: Duration::from_millis(250),
            max_total_wait: Duration::from_secs(30),
        }
    );
    assert_eq!(settings.source_time_budget, Duration::from_secs(300));
    assert_eq!(settings.max_backoff, Duration::from_secs(2 * 24 * 3600));
}

#[test]
fn a_user_agent_needs_a_product_token_for_robots_txt() {
    let found = problems("[crawler]\nuser_agent = \"(compatible) bot\"\n");
    assert_eq!(found.len(), 1);
    assert!(
        found[0].starts_with("sources.toml:2: `user_agent` must start with a product token"),
        "{found:?}"
    );
}
