//! `sources.toml`: the crawler settings and the sources editors curate.
//!
//! The file is read into TOML's spanned tree and validated by hand rather than through serde,
//! so that one pass reports every problem with its line (`sources.toml:14: source 'opsi':
//! unknown kind 'fead' (expected feed, sitemap, page, local)`) instead of stopping at the
//! first, and so that an editor fixes a file in one go.

use std::collections::HashMap;
use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::time::Duration;

use agora_indexer::country::{is_valid_country, suggest_country};
use agora_indexer::language::normalize_code;
use agora_indexer::{ContentKind, RankingSettings};
use toml::Spanned;
use toml::de::{DeTable, DeValue};
use url::Url;

use crate::error::ConfigError;
use crate::retry::RetryPolicy;
use crate::robots::product_token;

/// The crawler settings and every configured source.
#[derive(Debug, Clone)]
pub struct Config {
    /// The file this configuration was read from.
    pub path: PathBuf,
    /// Settings shared by every source.
    pub crawler: CrawlerSettings,
    /// The sources, in file order.
    pub sources: Vec<SourceConfig>,
    /// The weights that order search results, with the sources' weights filled in.
    pub ranking: RankingSettings,
}

/// Settings under `[crawler]`.
#[derive(Debug, Clone, PartialEq)]
pub struct CrawlerSettings {
    /// Sent with every request; should name a contact page, as robots.txt etiquette asks.
    pub user_agent: String,
    /// How often a source is recrawled unless it sets its own `interval`.
    pub default_interval: Duration,
    /// Minimum pause between two requests to the same host.
    pub politeness_delay: Duration,
    /// Limit for one request, from connecting to the last byte.
    pub request_timeout: Duration,
    /// Responses larger than this are abandoned.
    pub max_body_bytes: u64,
    /// Redirects followed before a fetch is abandoned.
    pub max_redirects: usize,
    /// Sources crawled at the same time.
    pub max_concurrent_sources: usize,
    /// HTTP requests in flight at the same time, over every host.
    pub max_concurrent_requests: usize,
    /// HTTP requests in flight at the same time to one host.
    pub max_requests_per_host: usize,
    /// Attempts after the first for a timeout, a failed connection, a 429 or a 5xx.
    pub max_retries: u32,
    /// Wait before the first retry; each further one waits about twice as long.
    pub retry_delay: Duration,
    /// Longest total wait between the attempts of one fetch.
    pub max_retry_wait: Duration,
    /// Longest time one crawl of one source may take; it then stops and keeps what it stored.
    pub source_time_budget: Duration,
    /// Longest interval a failing source's schedule backs off to.
    pub max_backoff: Duration,
    /// Entries read per source and pass unless the source sets `max_pages`.
    pub default_max_pages: usize,
}

impl CrawlerSettings {
    /// Returns how failed requests are retried.
    pub fn retry_policy(&self) -> RetryPolicy {
        RetryPolicy {
            max_retries: self.max_retries,
            base_delay: self.retry_delay,
            max_total_wait: self.max_retry_wait,
        }
    }
}

impl Default for CrawlerSettings {
    fn default() -> Self {
        CrawlerSettings {
            user_agent: format!(
                "AgoraBot/{} (+https://example.org/agora)",
                env!("CARGO_PKG_VERSION")
            ),
            default_interval: Duration::from_secs(6 * 3600),
            politeness_delay: Duration::from_secs(1),
            request_timeout: Duration::from_secs(30),
            max_body_bytes: 10 * 1024 * 1024,
            max_redirects: 10,
            max_concurrent_sources: 8,
            max_concurrent_requests: 16,
            max_requests_per_host: 1,
            max_retries: 3,
            retry_delay: Duration::from_secs(1),
            max_retry_wait: Duration::from_secs(120),
            source_time_budget: Duration::from_secs(600),
            max_backoff: Duration::from_secs(7 * 24 * 3600),
            default_max_pages: 200,
        }
    }
}

/// How a source is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceKind {
    /// An RSS, Atom or JSON feed.
    Feed,
    /// A sitemap or sitemap index.
    Sitemap,
    /// One HTML page.
    Page,
    /// A folder of HTML, Markdown or JSON-lines files.
    Local,
}

impl SourceKind {
    const ALL: [SourceKind; 4] = [
        SourceKind::Feed,
        SourceKind::Sitemap,
        SourceKind::Page,
        SourceKind::Local,
    ];

    /// Returns the kind's name as written in `sources.toml`.
    pub fn as_str(self) -> &'static str {
        match self {
            SourceKind::Feed => "feed",
            SourceKind::Sitemap => "sitemap",
            SourceKind::Page => "page",
            SourceKind::Local => "local",
        }
    }
}

impl fmt::Display for SourceKind {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}

/// Where a source is read from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SourceLocation {
    /// A URL, for feeds, sitemaps and pages.
    Url(Url),
    /// A folder, for local sources; relative paths are resolved against the config file.
    Path(PathBuf),
}

impl fmt::Display for SourceLocation {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SourceLocation::Url(url) => write!(formatter, "{url}"),
            SourceLocation::Path(path) => write!(formatter, "{}", path.display()),
        }
    }
}

/// CSS selectors that override automatic extraction for one source.
#[derive(Debug, Clone, Default)]
pub struct Selectors {
    /// Selects the element holding the title.
    pub title: Option<CssSelector>,
    /// Selects the elements holding the main text.
    pub content: Option<CssSelector>,
    /// Selects the element holding the publication date (its `datetime` attribute or text).
    pub published: Option<CssSelector>,
}

/// A CSS selector, checked when the configuration is loaded.
#[derive(Debug, Clone)]
pub struct CssSelector {
    source: String,
    selector: scraper::Selector,
}

impl CssSelector {
    /// Parses `source`, returning the parser's complaint when it is not valid CSS.
    pub fn parse(source: &str) -> Result<CssSelector, String> {
        let selector = scraper::Selector::parse(source).map_err(|error| error.to_string())?;
        Ok(CssSelector {
            source: source.to_string(),
            selector,
        })
    }

    /// Returns the compiled selector.
    pub fn selector(&self) -> &scraper::Selector {
        &self.selector
    }

    /// Returns the selector as written.
    pub fn as_str(&self) -> &str {
        &self.source
    }
}

/// One `[[source]]`.
#[derive(Debug, Clone)]
pub struct SourceConfig {
    /// Unique, stable id; documents record it.
    pub id: String,
    /// Display name.
    pub name: String,
    /// How it is read.
    pub kind: SourceKind,
    /// Where it is read from.
    pub location: SourceLocation,
    /// ISO 3166-1 alpha-2 code or `INT`, given to its documents.
    pub country: String,
    /// ISO 639-1 code of its usual language: a hint, each document is still detected.
    pub language: Option<String>,
    /// Topic slugs given to its documents.
    pub topics: Vec<String>,
    /// Kind of content it publishes.
    pub content: ContentKind,
    /// Recrawl interval, overriding the default.
    pub interval: Option<Duration>,
    /// Whether it is crawled.
    pub enabled: bool,
    /// Entries read per pass, overriding the default.
    pub max_pages: Option<usize>,
    /// Factor applied to its documents' relevance scores (1 unless set).
    pub weight: Option<f32>,
    /// Extraction overrides.
    pub selectors: Selectors,
    /// Line of its `[[source]]` header, for messages.
    pub line: usize,
}

impl SourceConfig {
    /// Returns how often this source is recrawled.
    pub fn interval(&self, settings: &CrawlerSettings) -> Duration {
        self.interval.unwrap_or(settings.default_interval)
    }

    /// Returns how many entries a pass reads.
    pub fn max_pages(&self, settings: &CrawlerSettings) -> usize {
        self.max_pages.unwrap_or(settings.default_max_pages)
    }
}

/// One problem found in a configuration file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigProblem {
    /// The file.
    pub file: PathBuf,
    /// 1-based line.
    pub line: usize,
    /// The source concerned, if the problem is inside a `[[source]]`.
    pub source_id: Option<String>,
    /// What is wrong, and what was expected.
    pub message: String,
}

impl fmt::Display for ConfigProblem {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "{}:{}: ", self.file.display(), self.line)?;
        if let Some(id) = &self.source_id {
            write!(formatter, "source '{id}': ")?;
        }
        formatter.write_str(&self.message)
    }
}

const CRAWLER_KEYS: &[&str] = &[
    "user_agent",
    "default_interval",
    "politeness_delay",
    "request_timeout",
    "max_body_bytes",
    "max_redirects",
    "max_concurrent_sources",
    "max_concurrent_requests",
    "max_requests_per_host",
    "max_retries",
    "retry_delay",
    "max_retry_wait",
    "source_time_budget",
    "max_backoff",
    "default_max_pages",
];

const SOURCE_KEYS: &[&str] = &[
    "id",
    "name",
    "kind",
    "url",
    "path",
    "country",
    "language",
    "topics",
    "content",
    "interval",
    "enabled",
    "max_pages",
    "weight",
    "selectors",
];

const SELECTOR_KEYS: &[&str] = &["title", "content", "published"];

/// Shortest recrawl interval accepted: anything faster is unkind to the sites crawled.
const MIN_INTERVAL: Duration = Duration::from_secs(60);

impl Config {
    /// Reads and validates the configuration file at `path`.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        Config::parse(&text, path)
    }

    /// Validates `text`, read from `path` (used in messages and to resolve local folders).
    pub fn parse(text: &str, path: &Path) -> Result<Config, ConfigError> {
        let mut checker = Checker {
            file: path.to_path_buf(),
            lines: LineIndex::new(text),
            problems: Vec::new(),
            source_id: None,
            first_lines: HashMap::new(),
        };
        let root = match DeTable::parse(text) {
            Ok(root) => root,
            Err(error) => {
                let line = error
                    .span()
                    .map(|span| checker.lines.line(span.start))
                    .unwrap_or(1);
                checker.report_at_line(line, format!("invalid TOML: {}", error.message().trim()));
                return Err(ConfigError::Invalid(checker.problems));
            }
        };

        let base_dir = path.parent().unwrap_or(Path::new(".")).to_path_buf();
        let mut crawler = CrawlerSettings::default();
        let mut sources = Vec::new();
        let mut ranking = RankingSettings::default();
        for (key, value) in root.get_ref() {
            match key.get_ref().as_ref() {
                "crawler" => crawler = checker.crawler_settings(value),
                "source" => sources = checker.sources(value, &base_dir),
                "ranking" => ranking = checker.ranking_settings(value),
                other => checker.report(
                    key.span(),
                    format!(
                        "unknown section `{other}` (expected [crawler], [ranking] or [[source]])"
                    ),
                ),
            }
        }
        for source in &sources {
            if let Some(weight) = source.weight {
                ranking.source_weights.insert(source.id.clone(), weight);
            }
        }

        if !checker.problems.is_empty() {
            let mut problems = checker.problems;
            problems.sort_by_key(|problem| problem.line);
            return Err(ConfigError::Invalid(problems));
        }
        Ok(Config {
            path: path.to_path_buf(),
            crawler,
            sources,
            ranking,
        })
    }

    /// Reports local sources whose folder is missing or not a folder; parsing alone does not
    /// touch the filesystem, since a folder may appear before the next crawl.
    pub fn check_paths(&self) -> Vec<ConfigProblem> {
        self.sources
            .iter()
            .filter_map(|source| {
                let SourceLocation::Path(path) = &source.location else {
                    return None;
                };
                let message = match std::fs::metadata(path) {
                    Ok(metadata) if metadata.is_dir() => return None,
                    Ok(_) => format!("path '{}' is not a folder", path.display()),
                    Err(error) => format!("path '{}' cannot be read: {error}", path.display()),
                };
                Some(ConfigProblem {
                    file: self.path.clone(),
                    line: source.line,
                    source_id: Some(source.id.clone()),
                    message,
                })
            })
            .collect()
    }

    /// Returns the source with `id`.
    pub fn source(&self, id: &str) -> Option<&SourceConfig> {
        self.sources.iter().find(|source| source.id == id)
    }
}

/// Maps byte offsets to 1-based line numbers.
struct LineIndex {
    line_starts: Vec<usize>,
}

impl LineIndex {
    fn new(text: &str) -> LineIndex {
        let line_starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(offset, _)| offset + 1))
            .collect();
        LineIndex { line_starts }
    }

    fn line(&self, offset: usize) -> usize {
        self.line_starts.partition_point(|&start| start <= offset)
    }
}

type Value<'a> = Spanned<DeValue<'a>>;

/// Collects problems while reading the spanned tree.
struct Checker {
    file: PathBuf,
    lines: LineIndex,
    problems: Vec<ConfigProblem>,
    source_id: Option<String>,
    first_lines: HashMap<String, usize>,
}

impl Checker {
    fn report(&mut self, span: Range<usize>, message: String) {
        let line = self.lines.line(span.start);
        self.report_at_line(line, message);
    }

    fn report_at_line(&mut self, line: usize, message: String) {
        self.problems.push(ConfigProblem {
            file: self.file.clone(),
            line,
            source_id: self.source_id.clone(),
            message,
        });
    }

    fn crawler_settings(&mut self, value: &Value<'_>) -> CrawlerSettings {
        let mut settings = CrawlerSettings::default();
        let DeValue::Table(table) = value.get_ref() else {
            self.report(value.span(), "[crawler] must be a table".to_string());
            return settings;
        };
        self.reject_unknown_keys(table, CRAWLER_KEYS, "[crawler]");

        if let Some(agent) = self.string(table, "user_agent") {
            if product_token(&agent).is_empty() {
                let span = table
                    .get("user_agent")
                    .map(Spanned::span)
                    .unwrap_or_default();
                self.report(
                    span,
                    "`user_agent` must start with a product token that robots.txt files can \
                     name, such as \"AgoraBot/0.1 (+https://example.org/agora)\""
                        .to_string(),
                );
            }
            settings.user_agent = agent;
        }
        if let Some(interval) = self.duration(table, "default_interval") {
            settings.default_interval = interval;
        }
        if let Some(delay) = self.duration(table, "politeness_delay") {
            settings.politeness_delay = delay;
        }
        if let Some(timeout) = self.duration(table, "request_timeout") {
            settings.request_timeout = timeout;
        }
        if let Some(bytes) = self.positive_integer(table, "max_body_bytes") {
            settings.max_body_bytes = bytes as u64;
        }
        if let Some(redirects) = self.integer(table, "max_redirects", 0) {
            settings.max_redirects = redirects;
        }
        if let Some(concurrency) = self.positive_integer(table, "max_concurrent_sources") {
            settings.max_concurrent_sources = concurrency;
        }
        if let Some(concurrency) = self.positive_integer(table, "max_concurrent_requests") {
            settings.max_concurrent_requests = concurrency;
        }
        if let Some(concurrency) = self.positive_integer(table, "max_requests_per_host") {
            settings.max_requests_per_host = concurrency;
        }
        if let Some(retries) = self.integer(table, "max_retries", 0) {
            settings.max_retries = u32::try_from(retries).unwrap_or(u32::MAX);
        }
        if let Some(delay) = self.duration(table, "retry_delay") {
            settings.retry_delay = delay;
        }
        if let Some(wait) = self.duration(table, "max_retry_wait") {
            settings.max_retry_wait = wait;
        }
        if let Some(budget) = self.duration(table, "source_time_budget") {
            settings.source_time_budget = budget;
        }
        if let Some(backoff) = self.duration(table, "max_backoff") {
            settings.max_backoff = backoff;
        }
        if let Some(pages) = self.positive_integer(table, "default_max_pages") {
            settings.default_max_pages = pages;
        }
        settings
    }

    fn sources(&mut self, value: &Value<'_>, base_dir: &Path) -> Vec<SourceConfig> {
        let DeValue::Array(entries) = value.get_ref() else {
            self.report(
                value.span(),
                "sources must be written as [[source]] tables".to_string(),
            );
            return Vec::new();
        };
        entries
            .iter()
            .filter_map(|entry| {
                let source = self.source(entry, base_dir);
                self.source_id = None;
                source
            })
            .collect()
    }

    fn source(&mut self, entry: &Value<'_>, base_dir: &Path) -> Option<SourceConfig> {
        let DeValue::Table(table) = entry.get_ref() else {
            self.report(
                entry.span(),
                "sources must be written as [[source]] tables".to_string(),
            );
            return None;
        };
        let line = self.lines.line(entry.span().start);
        let id = self.source_id(table, line);
        self.source_id = id.clone();
        self.reject_unknown_keys(table, SOURCE_KEYS, "source");

        let name = self.string(table, "name");
        let kind = self.source_kind(table, line);
        let location = kind.and_then(|kind| self.location(table, kind, base_dir, line));
        let country = self.country(table, line);
        let language = self.language(table);
        let topics = self.string_list(table, "topics").unwrap_or_default();
        let content = self.content_kind(table);
        let interval = self.duration(table, "interval");
        if let Some(interval) = interval
            && interval < MIN_INTERVAL
        {
            let span = table.get("interval").map(Spanned::span).unwrap_or_default();
            self.report(span, "interval must be at least 1m".to_string());
        }
        let enabled = self.boolean(table, "enabled").unwrap_or(true);
        let max_pages = self.positive_integer(table, "max_pages");
        let weight = self
            .number_in(table, "weight", 0.0, ranking::MAX_SOURCE_WEIGHT)
            .map(|weight| weight as f32);
        let selectors = self.selectors(table);

        Some(SourceConfig {
            name: name.unwrap_or_else(|| id.clone().unwrap_or_default()),
            id: id?,
            kind: kind?,
            location: location?,
            country: country?,
            language,
            topics,
            content,
            interval,
            enabled,
            max_pages,
            weight,
            selectors,
            line,
        })
    }

    fn source_id(&mut self, table: &DeTable<'_>, line: usize) -> Option<String> {
        let Some(id) = self.string(table, "id") else {
            if !table.contains_key("id") {
                self.report_at_line(line, "missing `id`".to_string());
            }
            return None;
        };
        self.source_id = Some(id.clone());
        self.check_unique_id(&id, line);
        let is_slug = !id.is_empty()
            && id.bytes().all(|byte| {
                byte.is_ascii_lowercase() || byte.is_ascii_digit() || byte == b'-' || byte == b'_'
            });
        if !is_slug {
            let span = table.get("id").map(Spanned::span).unwrap_or_default();
            self.report(
                span,
                format!("id '{id}' must use only lowercase letters, digits, '-' and '_'"),
            );
        }
        Some(id)
    }

    fn source_kind(&mut self, table: &DeTable<'_>, line: usize) -> Option<SourceKind> {
        let Some(raw) = self.string(table, "kind") else {
            if !table.contains_key("kind") {
                self.report_at_line(
                    line,
                    "missing `kind` (expected feed, sitemap, page, local)".to_string(),
                );
            }
            return None;
        };
        let kind = SourceKind::ALL
            .into_iter()
            .find(|kind| kind.as_str() == raw);
        if kind.is_none() {
            let span = table.get("kind").map(Spanned::span).unwrap_or_default();
            self.report(
                span,
                format!("unknown kind '{raw}' (expected feed, sitemap, page, local)"),
            );
        }
        kind
    }

    fn location(
        &mut self,
        table: &DeTable<'_>,
        kind: SourceKind,
        base_dir: &Path,
        line: usize,
    ) -> Option<SourceLocation> {
        let (wanted, unwanted) = match kind {
            SourceKind::Local => ("path", "url"),
            _ => ("url", "path"),
        };
        if let Some(value) = table.get(unwanted) {
            self.report(
                value.span(),
                format!("`{unwanted}` does not apply to {kind} sources (use `{wanted}`)"),
            );
        }
        let Some(raw) = self.string(table, wanted) else {
            if !table.contains_key(wanted) {
                self.report_at_line(line, format!("missing `{wanted}`"));
            }
            return None;
        };
        if kind == SourceKind::Local {
            return Some(SourceLocation::Path(base_dir.join(raw)));
        }
        let span = table.get(wanted).map(Spanned::span).unwrap_or_default();
        match Url::parse(&raw) {
            Ok(url) if matches!(url.scheme(), "http" | "https") && url.host().is_some() => {
                Some(SourceLocation::Url(url))
            }
            Ok(url) => {
                self.report(
                    span,
                    format!("url '{raw}' must be http or https, not {}", url.scheme()),
                );
                None
            }
            Err(error) => {
                self.report(span, format!("url '{raw}' is not a valid URL: {error}"));
                None
            }
        }
    }

    fn country(&mut self, table: &DeTable<'_>, line: usize) -> Option<String> {
        let Some(code) = self.string(table, "country") else {
            if !table.contains_key("country") {
                self.report_at_line(
                    line,
                    "missing `country` (ISO 3166-1 alpha-2 code, or INT)".to_string(),
                );
            }
            return None;
        };
        if is_valid_country(&code) {
            return Some(code);
        }
        let span = table.get("country").map(Spanned::span).unwrap_or_default();
        let hint = match suggest_country(&code) {
            Some(suggestion) => format!(" (did you mean '{suggestion}'?)"),
            None => " (expected an ISO 3166-1 alpha-2 code such as BR, or INT)".to_string(),
        };
        self.report(span, format!("unknown country '{code}'{hint}"));
        None
    }

    fn language(&mut self, table: &DeTable<'_>) -> Option<String> {
        let raw = self.string(table, "language")?;
        let code = normalize_code(&raw);
        if code.is_none() {
            let span = table.get("language").map(Spanned::span).unwrap_or_default();
            self.report(
                span,
                format!("unknown language '{raw}' (expected an ISO 639-1 code such as pt)"),
            );
        }
        code
    }

    fn content_kind(&mut self, table: &DeTable<'_>) -> ContentKind {
        let Some(raw) = self.string(table, "content") else {
            return ContentKind::default();
        };
        raw.parse().unwrap_or_else(|()| {
            let span = table.get("content").map(Spanned::span).unwrap_or_default();
            let expected = ContentKind::expected_names();
            self.report(
                span,
                format!("unknown content '{raw}' (expected {expected})"),
            );
            ContentKind::default()
        })
    }

    fn selectors(&mut self, table: &DeTable<'_>) -> Selectors {
        let mut selectors = Selectors::default();
        let Some(value) = table.get("selectors") else {
            return selectors;
        };
        let DeValue::Table(inner) = value.get_ref() else {
            self.report(
                value.span(),
                "`selectors` must be a table with title, content or published".to_string(),
            );
            return selectors;
        };
        self.reject_unknown_keys(inner, SELECTOR_KEYS, "selectors");
        let parse = |checker: &mut Checker, key: &str| {
            let raw = checker.string(inner, key)?;
            match CssSelector::parse(&raw) {
                Ok(selector) => Some(selector),
                Err(error) => {
                    let span = inner.get(key).map(Spanned::span).unwrap_or_default();
                    checker.report(
                        span,
                        format!("selectors.{key} '{raw}' is not valid CSS: {error}"),
                    );
                    None
                }
            }
        };
        selectors.title = parse(self, "title");
        selectors.content = parse(self, "content");
        selectors.published = parse(self, "published");
        selectors
    }

    /// Reports an id already used by an earlier source, valid or not.
    fn check_unique_id(&mut self, id: &str, line: usize) {
        match self.first_lines.get(id) {
            Some(first_line) => {
                let message = format!("duplicate id (first used on line {first_line})");
                self.report_at_line(line, message);
            }
            None => {
                self.first_lines.insert(id.to_string(), line);
            }
        }
    }

    fn reject_unknown_keys(&mut self, table: &DeTable<'_>, known: &[&str], context: &str) {
        for key in table.keys() {
            let name = key.get_ref().as_ref();
            if !known.contains(&name) {
                self.report(
                    key.span(),
                    format!(
                        "unknown key `{name}` in {context} (expected one of: {})",
                        known.join(", ")
                    ),
                );
            }
        }
    }

    fn string(&mut self, table: &DeTable<'_>, key: &str) -> Option<String> {
        let value = table.get(key)?;
        match value.get_ref() {
            DeValue::String(text) if !text.trim().is_empty() => Some(text.trim().to_string()),
            DeValue::String(_) => {
                self.report(value.span(), format!("`{key}` must not be empty"));
                None
            }
            other => {
                self.report(
                    value.span(),
                    format!("`{key}` must be a string, not {}", other.type_str()),
                );
                None
            }
        }
    }

    fn string_list(&mut self, table: &DeTable<'_>, key: &str) -> Option<Vec<String>> {
        let value = table.get(key)?;
        let DeValue::Array(items) = value.get_ref() else {
            self.report(value.span(), format!("`{key}` must be a list of strings"));
            return None;
        };
        let mut strings = Vec::new();
        for item in items.iter() {
            match item.get_ref() {
                DeValue::String(text) if !text.trim().is_empty() => {
                    strings.push(text.trim().to_string())
                }
                _ => self.report(
                    item.span(),
                    format!("`{key}` must hold non-empty strings only"),
                ),
            }
        }
        Some(strings)
    }

    fn boolean(&mut self, table: &DeTable<'_>, key: &str) -> Option<bool> {
        let value = table.get(key)?;
        if let DeValue::Boolean(flag) = value.get_ref() {
            return Some(*flag);
        }
        self.report(value.span(), format!("`{key}` must be true or false"));
        None
    }

    fn integer(&mut self, table: &DeTable<'_>, key: &str, minimum: usize) -> Option<usize> {
        let value = table.get(key)?;
        let parsed = match value.get_ref() {
            DeValue::Integer(integer) => {
                usize::from_str_radix(integer.as_str(), integer.radix()).ok()
            }
            _ => None,
        };
        match parsed {
            Some(number) if number >= minimum => Some(number),
            _ => {
                self.report(
                    value.span(),
                    format!("`{key}` must be a whole number of at least {minimum}"),
                );
                None
            }
        }
    }

    fn positive_integer(&mut self, table: &DeTable<'_>, key: &str) -> Option<usize> {
        self.integer(table, key, 1)
    }

    fn duration(&mut self, table: &DeTable<'_>, key: &str) -> Option<Duration> {
        let value = table.get(key)?;
        let DeValue::String(text) = value.get_ref() else {
            self.report(
                value.span(),
                format!("`{key}` must be a duration in quotes, such as \"6h\" or \"500ms\""),
            );
            return None;
        };
        match humantime::parse_duration(text) {
            Ok(duration) => Some(duration),
            Err(error) => {
                self.report(
                    value.span(),
                    format!("`{key}` '{text}' is not a duration ({error}); write for example \"6h\", \"30m\" or \"1s\""),
                );
                None
            }
        }
    }
}

mod ranking;
#[cfg(test)]
mod tests;
