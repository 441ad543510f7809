//! A page's title, publication date and declared language, and where each came from.

use std::fmt;
use std::sync::LazyLock;

use chrono::{DateTime, Utc};
use scraper::{ElementRef, Html, Selector};
use url::{Host, Url};

use super::blocks::Analysis;
use super::parse_date;
use crate::config::Selectors;

fn selector(css: &str) -> Selector {
    Selector::parse(css).expect("built-in selectors are valid CSS")
}

static TITLE: LazyLock<Selector> = LazyLock::new(|| selector("title"));
static H1: LazyLock<Selector> = LazyLock::new(|| selector("h1"));
static HTML: LazyLock<Selector> = LazyLock::new(|| selector("html"));
static JSON_LD: LazyLock<Selector> =
    LazyLock::new(|| selector("script[type=\"application/ld+json\" i]"));
static TIME: LazyLock<Selector> = LazyLock::new(|| selector("time[datetime]"));
static MARKED_DATE: LazyLock<Selector> = LazyLock::new(|| {
    selector(
        "time[pubdate], [itemprop=datePublished i][datetime], [itemprop=datePublished i][content]",
    )
});
static META: LazyLock<Selector> = LazyLock::new(|| selector("meta[content]"));

/// Separators between an article's title and its site's name.
const TITLE_SEPARATORS: &[&str] = &[
    " | ", " - ", " – ", " — ", " · ", " • ", " :: ", " » ", " « ", " // ",
];

/// Where the title came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TitleSource {
    /// The source's `title` selector.
    Selector,
    /// `og:title` or `twitter:title`.
    OpenGraph,
    /// The main block's (or the page's first) `<h1>`.
    Heading,
    /// The `<title>` element.
    TitleElement,
    /// Nothing: the title is left to be derived from the text.
    None,
}

impl fmt::Display for TitleSource {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(match self {
            TitleSource::Selector => "the source's title selector",
            TitleSource::OpenGraph => "og:title",
            TitleSource::Heading => "the main <h1>",
            TitleSource::TitleElement => "<title>",
            TitleSource::None => "nothing found",
        })
    }
}

/// Where the publication date came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DateSource {
    /// The source's `published` selector.
    Selector,
    /// `<meta property="article:published_time">`.
    ArticlePublishedTime,
    /// JSON-LD `datePublished`.
    JsonLd,
    /// A `<time datetime>` element.
    TimeElement,
    /// Another `<meta>`, by name.
    Meta(String),
}

impl fmt::Display for DateSource {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DateSource::Selector => formatter.write_str("the source's published selector"),
            DateSource::ArticlePublishedTime => formatter.write_str("article:published_time"),
            DateSource::JsonLd => formatter.write_str("JSON-LD datePublished"),
            DateSource::TimeElement => formatter.write_str("a <time datetime> element"),
            DateSource::Meta(name) => write!(formatter, "<meta name=\"{name}\">"),
        }
    }
}

/// A title and where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct FoundTitle {
    pub text: String,
    pub source: TitleSource,
    pub stripped_site_name: Option<String>,
}

/// Returns the `content` of the first `<meta>` whose `name`, `property`, `itemprop` or
/// `http-equiv` is one of `keys` (case-insensitively), trying keys in order of preference.
pub(super) fn meta_content(document: &Html, keys: &[&str]) -> Option<String> {
    meta_content_keyed(document, keys).map(|(_, content)| content)
}

fn meta_content_keyed<'k>(document: &Html, keys: &[&'k str]) -> Option<(&'k str, String)> {
    keys.iter().find_map(|key| {
        document.select(&META).find_map(|meta| {
            let matches = ["name", "property", "itemprop", "http-equiv"]
                .iter()
                .any(|attribute| {
                    meta.attr(attribute)
                        .is_some_and(|value| value.trim().eq_ignore_ascii_case(key))
                });
            let content = collapse(meta.attr("content")?);
            (matches && !content.is_empty()).then_some((*key, content))
        })
    })
}

pub(super) fn text_of(element: ElementRef<'_>) -> String {
    collapse(&element.text().collect::<Vec<_>>().join(" "))
}

fn collapse(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Finds the title: the source's selector, then og:title, then the main `<h1>`, then
/// `<title>`; the site's name is stripped from the last.
pub(super) fn title(
    document: &Html,
    selectors: &Selectors,
    main_block: Option<ElementRef<'_>>,
    analysis: &Analysis,
    page_url: Option<&Url>,
) -> FoundTitle {
    let site_names = site_names(document, page_url);
    let found = |text: String, source| FoundTitle {
        text,
        source,
        stripped_site_name: None,
    };
    let stripped = |raw: &str, source| {
        let (text, site) = strip_site_name(raw, &site_names);
        FoundTitle {
            text,
            source,
            stripped_site_name: site,
        }
    };

    if let Some(css) = &selectors.title
        && let Some(text) = document
            .select(css.selector())
            .map(text_of)
            .find(|text| !text.is_empty())
    {
        return found(text, TitleSource::Selector);
    }
    if let Some(og_title) = meta_content(document, &["og:title", "twitter:title"]) {
        return stripped(&og_title, TitleSource::OpenGraph);
    }
    // The main block's own heading first: a page's first <h1> is often the site's logo.
    let in_main =
        main_block.and_then(|block| block.select(&H1).map(text_of).find(|t| !t.is_empty()));
    let heading = in_main.or_else(|| {
        document
            .select(&H1)
            .filter(|h1| !analysis.is_inside_dropped(*h1))
            .map(text_of)
            .find(|text| !text.is_empty())
    });
    if let Some(heading) = heading {
        return found(heading, TitleSource::Heading);
    }
    match document.select(&TITLE).next().map(text_of) {
        Some(title) if !title.is_empty() => stripped(&title, TitleSource::TitleElement),
        _ => found(String::new(), TitleSource::None),
    }
}

/// Names the site may go by: its declared name, and its host's distinctive label.
fn site_names(document: &Html, page_url: Option<&Url>) -> Vec<String> {
    let mut names: Vec<String> = [
        "og:site_name",
        "application-name",
        "apple-mobile-web-app-title",
    ]
    .iter()
    .filter_map(|key| meta_content(document, &[key]))
    .collect();
    if let Some(Host::Domain(host)) = page_url.and_then(Url::host) {
        let host = host.trim_start_matches("www.");
        names.push(host.to_string());
        let generic = ["gov", "gob", "gouv", "org", "com", "net", "edu", "int"];
        if let Some(label) = host
            .split('.')
            .find(|label| label.len() >= 4 && !generic.contains(label))
        {
            names.push(label.to_string());
        }
    }
    names
}

/// Removes the site's name from a title such as "Flood alerts | City of Recife"; returns the
/// title and the name removed.
pub(super) fn strip_site_name(title: &str, site_names: &[String]) -> (String, Option<String>) {
    let title = collapse(title);
    let names: Vec<String> = site_names
        .iter()
        .map(|name| squash(name))
        .filter(|name| !name.is_empty())
        .collect();
    let is_site_name = |segment: &str| {
        let segment_squashed = squash(segment);
        !segment_squashed.is_empty()
            && names.iter().any(|name| {
                segment_squashed == *name
                    || (name.len() >= 4
                        && segment.split_whitespace().count() <= 6
                        && segment_squashed.contains(name.as_str()))
            })
    };

    for separator in TITLE_SEPARATORS {
        if let Some((head, tail)) = title.rsplit_once(separator)
            && !head.trim().is_empty()
            && is_site_name(tail)
        {
            return (head.trim().to_string(), Some(tail.trim().to_string()));
        }
        if let Some((head, tail)) = title.split_once(separator)
            && !tail.trim().is_empty()
            && is_site_name(head)
        {
            return (tail.trim().to_string(), Some(head.trim().to_string()));
        }
    }
    // Unknown names after a pipe are site names far more often than parts of a title.
    if let Some((head, tail)) = title.rsplit_once(" | ")
        && tail.chars().count() < head.chars().count()
    {
        return (head.trim().to_string(), Some(tail.trim().to_string()));
    }
    (title, None)
}

/// Lower-cases and keeps letters and digits only, so that "GOV.UK" matches "gov.uk".
fn squash(text: &str) -> String {
    text.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// Meta names that carry a publication date, after `article:published_time`.
const DATE_META_NAMES: &[&str] = &[
    "citation_publication_date",
    "citation_date",
    "DC.date.issued",
    "dcterms.issued",
    "dcterms.date",
    "dcterms.created",
    "DC.date",
    "date",
    "pubdate",
    "publish_date",
    "publication_date",
    "sailthru.date",
    "parsely-pub-date",
];

/// Finds the publication date: the source's selector, `article:published_time`, JSON-LD
/// `datePublished`, a `<time datetime>`, then other meta names.
pub(super) fn published(
    document: &Html,
    selectors: &Selectors,
    main_block: Option<ElementRef<'_>>,
    analysis: &Analysis,
) -> Option<(DateTime<Utc>, DateSource)> {
    if let Some(css) = &selectors.published
        && let Some(element) = document.select(css.selector()).next()
    {
        let raw = element
            .attr("datetime")
            .or_else(|| element.attr("content"))
            .map(str::to_string)
            .unwrap_or_else(|| text_of(element));
        if let Some(date) = parse_date(&raw) {
            return Some((date, DateSource::Selector));
        }
    }
    let published_time = ["article:published_time", "og:article:published_time"];
    if let Some(date) = meta_content(document, &published_time).and_then(|raw| parse_date(&raw)) {
        return Some((date, DateSource::ArticlePublishedTime));
    }
    if let Some(date) = json_ld_date(document) {
        return Some((date, DateSource::JsonLd));
    }
    if let Some(date) = time_element_date(document, main_block, analysis) {
        return Some((date, DateSource::TimeElement));
    }
    DATE_META_NAMES.iter().find_map(|name| {
        let (key, raw) = meta_content_keyed(document, &[name])?;
        Some((parse_date(&raw)?, DateSource::Meta(key.to_string())))
    })
}

/// Prefers an element marked as the publication date, then a `<time>` in the main block, then
/// any `<time>` outside dropped boilerplate (a sidebar's related articles have dates too).
fn time_element_date(
    document: &Html,
    main_block: Option<ElementRef<'_>>,
    analysis: &Analysis,
) -> Option<DateTime<Utc>> {
    let date_of = |element: ElementRef<'_>| {
        element
            .attr("datetime")
            .or_else(|| element.attr("content"))
            .and_then(parse_date)
    };
    document
        .select(&MARKED_DATE)
        .find_map(date_of)
        .or_else(|| main_block.and_then(|block| block.select(&TIME).find_map(date_of)))
        .or_else(|| {
            document
                .select(&TIME)
                .filter(|time| !analysis.is_inside_dropped(*time))
                .find_map(date_of)
        })
}

fn json_ld_date(document: &Html) -> Option<DateTime<Utc>> {
    document.select(&JSON_LD).find_map(|script| {
        let text = script.text().collect::<String>();
        match parse_json_ld(&text) {
            Some(json) => find_json_key(&json, "datePublished").and_then(parse_date),
            None => scan_json_string(&text, "datePublished").and_then(|raw| parse_date(&raw)),
        }
    })
}

/// Parses JSON-LD as sites write it: wrapped in HTML comments or CDATA, with raw line breaks
/// inside strings, or with trailing commas.
fn parse_json_ld(text: &str) -> Option<serde_json::Value> {
    let text = text.trim();
    if let Ok(json) = serde_json::from_str(text) {
        return Some(json);
    }
    let unwrapped = text
        .trim_start_matches("<!--")
        .trim_end_matches("-->")
        .trim()
        .trim_start_matches("/*<![CDATA[*/")
        .trim_start_matches("<![CDATA[")
        .trim_end_matches("/*]]>*/")
        .trim_end_matches("]]>");
    serde_json::from_str(&repair_json(unwrapped)).ok()
}

/// Replaces control characters inside strings with spaces and drops commas that close a list.
fn repair_json(text: &str) -> String {
    let mut repaired = String::with_capacity(text.len());
    let mut is_in_string = false;
    let mut is_escaped = false;
    let mut pending_comma = false;
    for c in text.chars() {
        if is_in_string {
            match c {
                _ if is_escaped => is_escaped = false,
                '\\' => is_escaped = true,
                '"' => is_in_string = false,
                _ => {}
            }
            repaired.push(if c.is_control() { ' ' } else { c });
            continue;
        }
        if c == ',' {
            if pending_comma {
                continue;
            }
            pending_comma = true;
            continue;
        }
        if pending_comma && !c.is_whitespace() {
            if !matches!(c, '}' | ']') {
                repaired.push(',');
            }
            pending_comma = false;
        }
        if c == '"' {
            is_in_string = true;
        }
        repaired.push(c);
    }
    repaired
}

/// Finds `"key": "value"` in text that is not valid JSON even after repair.
fn scan_json_string(text: &str, key: &str) -> Option<String> {
    let quoted_key = format!("\"{key}\"");
    let after_key = &text[text.find(&quoted_key)? + quoted_key.len()..];
    let after_colon = after_key.trim_start().strip_prefix(':')?.trim_start();
    let value = after_colon.strip_prefix('"')?;
    Some(value[..value.find('"')?].to_string())
}

/// Finds `key` anywhere in a JSON-LD document (it may sit inside `@graph` arrays).
fn find_json_key<'a>(json: &'a serde_json::Value, key: &str) -> Option<&'a str> {
    let mut pending = vec![json];
    while let Some(value) = pending.pop() {
        match value {
            serde_json::Value::Object(object) => {
                if let Some(found) = object.get(key).and_then(serde_json::Value::as_str) {
                    return Some(found);
                }
                pending.extend(object.values());
            }
            serde_json::Value::Array(items) => pending.extend(items.iter().rev()),
            _ => {}
        }
    }
    None
}

/// Finds the language the page declares, and where: `<html lang>`, a Content-Language meta,
/// or `og:locale`.
pub(super) fn declared_lang(document: &Html) -> Option<(String, &'static str)> {
    let html_lang = document
        .select(&HTML)
        .next()
        .and_then(|html| html.attr("lang").or_else(|| html.attr("xml:lang")))
        .map(str::trim)
        .filter(|lang| !lang.is_empty())
        .map(|lang| (lang.to_string(), "<html lang>"));
    html_lang
        .or_else(|| {
            meta_content(document, &["content-language", "language", "dc.language"])
                .map(|lang| (lang, "a Content-Language meta tag"))
        })
        .or_else(|| meta_content(document, &["og:locale"]).map(|lang| (lang, "og:locale")))
}
