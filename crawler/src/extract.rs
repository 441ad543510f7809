//! Main-text and metadata extraction from HTML.
//!
//! The main text is taken from the source's `content` selector when it has one, otherwise from
//! the page's `<article>` or `<main>`, otherwise from `<body>`. Inside it, elements that are
//! never article text (navigation, headers and footers, asides, scripts, forms) and elements
//! whose class or id names boilerplate (cookie banners, share buttons, related links) are
//! dropped, and what remains becomes plain paragraphs.
//!
//! TODO: choose the main block by scoring text and link density, as readability-style
//! extractors do, rather than by element names only; pages that wrap everything in
//! anonymous `<div>`s still let some boilerplate through.

use std::fmt;
use std::sync::LazyLock;

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use ego_tree::iter::Edge;
use scraper::{ElementRef, Html, Node, Selector};

use crate::config::Selectors;

/// Elements whose content is never article text.
const SKIPPED_TAGS: &[&str] = &[
    "script", "style", "noscript", "template", "nav", "header", "footer", "aside", "form",
    "iframe", "svg", "button", "select", "textarea", "input", "object", "embed", "canvas",
    "dialog", "menu", "head",
];

/// Elements after which a new paragraph starts.
const BLOCK_TAGS: &[&str] = &[
    "p",
    "div",
    "section",
    "article",
    "main",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "li",
    "ul",
    "ol",
    "dl",
    "dt",
    "dd",
    "blockquote",
    "pre",
    "table",
    "tr",
    "td",
    "th",
    "figure",
    "figcaption",
    "br",
    "hr",
    "address",
    "details",
    "summary",
];

/// ARIA roles of page chrome.
const SKIPPED_ROLES: &[&str] = &[
    "navigation",
    "banner",
    "contentinfo",
    "complementary",
    "search",
    "dialog",
    "alertdialog",
    "menu",
    "menubar",
];

/// Words in a class or id that mark boilerplate blocks.
const BOILERPLATE_WORDS: &[&str] = &[
    "cookie",
    "cookies",
    "consent",
    "gdpr",
    "banner",
    "share",
    "sharing",
    "social",
    "related",
    "breadcrumb",
    "breadcrumbs",
    "newsletter",
    "subscribe",
    "advert",
    "advertisement",
    "ads",
    "promo",
    "sidebar",
    "menu",
    "navbar",
    "nav",
    "navigation",
    "comments",
    "comment",
    "skip",
    "popup",
    "modal",
    "toolbar",
    "pagination",
    "footer",
    "masthead",
];

/// A container shorter than this share of the body's text is not trusted as the main block.
const MIN_CONTAINER_SHARE: f64 = 0.25;

fn selector(css: &str) -> Selector {
    Selector::parse(css).expect("built-in selectors are valid CSS")
}

static ARTICLE: LazyLock<Selector> = LazyLock::new(|| selector("article"));
static MAIN: LazyLock<Selector> = LazyLock::new(|| selector("main, [role=main]"));
static BODY: LazyLock<Selector> = LazyLock::new(|| selector("body"));
static TITLE: LazyLock<Selector> = LazyLock::new(|| selector("title"));
static H1: LazyLock<Selector> = LazyLock::new(|| selector("h1"));
static HTML: LazyLock<Selector> = LazyLock::new(|| selector("html"));
static CANONICAL: LazyLock<Selector> = LazyLock::new(|| selector("link[rel~=canonical i]"));
static JSON_LD: LazyLock<Selector> =
    LazyLock::new(|| selector("script[type=\"application/ld+json\" i]"));
static TIME: LazyLock<Selector> = LazyLock::new(|| selector("time[datetime]"));
static META: LazyLock<Selector> = LazyLock::new(|| selector("meta[content]"));

/// How the main text was found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExtractionMethod {
    /// The source's `content` selector.
    Selector(String),
    /// A semantic element (`article`, `main`).
    Element(String),
    /// The whole body, without boilerplate.
    Body,
    /// A fragment of HTML (a feed entry's content).
    Fragment,
}

impl fmt::Display for ExtractionMethod {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExtractionMethod::Selector(css) => write!(formatter, "source selector `{css}`"),
            ExtractionMethod::Element(name) => write!(formatter, "the page's <{name}> element"),
            ExtractionMethod::Body => formatter.write_str("the whole <body>, boilerplate removed"),
            ExtractionMethod::Fragment => formatter.write_str("the feed entry's content"),
        }
    }
}

/// What extraction found in a page.
#[derive(Debug, Clone, PartialEq)]
pub struct ExtractedPage {
    /// Title, without the site name.
    pub title: String,
    /// The page's description, if it has one.
    pub summary: String,
    /// Main text: paragraphs separated by blank lines.
    pub body: String,
    /// The language the page declares (`<html lang>`, content-language), if any.
    pub declared_lang: Option<String>,
    /// The `rel=canonical` URL as written, if any.
    pub canonical: Option<String>,
    /// Publication date, if found.
    pub published: Option<DateTime<Utc>>,
    /// How the main text was found.
    pub method: ExtractionMethod,
    /// Blocks dropped from the main text, described as `tag.class#id`.
    pub dropped: Vec<String>,
}

/// Extracts the main text and metadata of an HTML page.
pub fn extract_page(html: &str, selectors: &Selectors) -> Result<ExtractedPage, ExtractError> {
    check_nesting(html)?;
    let document = Html::parse_document(html);
    let (body, method, dropped) = main_text(&document, selectors);
    let site_name = meta_content(&document, &["og:site_name"]);
    Ok(ExtractedPage {
        title: title(&document, selectors, site_name.as_deref()),
        summary: meta_content(&document, &["description", "og:description"]).unwrap_or_default(),
        body,
        declared_lang: declared_lang(&document),
        canonical: document
            .select(&CANONICAL)
            .find_map(|link| link.attr("href"))
            .map(str::to_string),
        published: published(&document, selectors),
        method,
        dropped,
    })
}

/// Converts an HTML fragment (a feed entry's content) into plain paragraphs.
pub fn html_to_text(fragment: &str) -> Result<String, ExtractError> {
    check_nesting(fragment)?;
    let document = Html::parse_fragment(fragment);
    let mut collector = TextCollector::default();
    collector.collect(document.root_element(), false);
    Ok(collector.finish())
}

/// Why a page could not be extracted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExtractError {
    /// The markup nests elements absurdly deep.
    #[error("the page nests elements more than {MAX_NESTING} levels deep; not parsed")]
    TooDeep,
}

/// Deepest element nesting parsed. Real pages stay under a few hundred levels, while the
/// HTML parser's cost grows with the square of the depth, so a hostile page of nested `<div>`s
/// would otherwise hold a worker for hours.
const MAX_NESTING: usize = 4_000;

/// Elements that are never closed (void) or that the parser closes implicitly, so that
/// counting them as nesting would misjudge old hand-written pages.
const NON_NESTING_TAGS: &[&str] = &[
    "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source",
    "track", "wbr", "p", "li", "dt", "dd", "option", "tr", "td", "th", "tbody",
];

fn check_nesting(html: &str) -> Result<(), ExtractError> {
    let mut depth: usize = 0;
    for (position, _) in html.match_indices('<') {
        let rest = &html[position + 1..];
        if rest.starts_with('/') {
            depth = depth.saturating_sub(1);
            continue;
        }
        let name_len = rest.bytes().take_while(u8::is_ascii_alphanumeric).count();
        if name_len == 0 {
            continue;
        }
        let name = rest[..name_len].to_ascii_lowercase();
        let tag_end = rest.find('>').unwrap_or(rest.len());
        let is_self_closing = rest[..tag_end].ends_with('/');
        if NON_NESTING_TAGS.contains(&name.as_str()) || is_self_closing {
            continue;
        }
        depth += 1;
        if depth > MAX_NESTING {
            return Err(ExtractError::TooDeep);
        }
    }
    Ok(())
}

fn main_text(document: &Html, selectors: &Selectors) -> (String, ExtractionMethod, Vec<String>) {
    if let Some(content) = &selectors.content {
        let mut collector = TextCollector::default();
        for element in document.select(content.selector()) {
            collector.collect(element, true);
        }
        let method = ExtractionMethod::Selector(content.as_str().to_string());
        let dropped = std::mem::take(&mut collector.dropped);
        return (collector.finish(), method, dropped);
    }

    let body_text = document
        .select(&BODY)
        .next()
        .map(|body| collect(body, true));
    let body_len = body_text
        .as_ref()
        .map(|(text, _)| text.chars().count())
        .unwrap_or(0);
    let candidates = [(&*ARTICLE, "article"), (&*MAIN, "main")];
    for (css, name) in candidates {
        // Listing pages hold several articles; the longest is the one being read.
        let best = document
            .select(css)
            .map(|element| collect(element, true))
            .max_by_key(|(text, _)| text.chars().count());
        if let Some((text, dropped)) = best {
            let share = text.chars().count() as f64 / body_len.max(1) as f64;
            if !text.is_empty() && share >= MIN_CONTAINER_SHARE {
                return (text, ExtractionMethod::Element(name.to_string()), dropped);
            }
        }
    }
    match body_text {
        Some((text, dropped)) => (text, ExtractionMethod::Body, dropped),
        None => {
            let (text, dropped) = collect(document.root_element(), true);
            (text, ExtractionMethod::Body, dropped)
        }
    }
}

fn collect(element: ElementRef<'_>, skip_boilerplate: bool) -> (String, Vec<String>) {
    let mut collector = TextCollector::default();
    collector.collect(element, skip_boilerplate);
    let dropped = std::mem::take(&mut collector.dropped);
    (collector.finish(), dropped)
}

/// Gathers text into paragraphs, collapsing whitespace the way a browser renders it.
#[derive(Default)]
struct TextCollector {
    paragraphs: Vec<String>,
    current: String,
    pending_space: bool,
    dropped: Vec<String>,
}

impl TextCollector {
    /// Walks `root`'s subtree iteratively: hostile pages nest elements deeply enough to
    /// overflow a recursive walk's stack.
    fn collect(&mut self, root: ElementRef<'_>, skip_boilerplate: bool) {
        let mut skipping: Option<ego_tree::NodeId> = None;
        for edge in root.traverse() {
            match edge {
                Edge::Open(node) => {
                    if skipping.is_some() {
                        continue;
                    }
                    match node.value() {
                        Node::Text(text) => self.push_text(text),
                        Node::Element(element) => {
                            let is_root = node.id() == root.id();
                            if !is_root && let Some(reason) = boilerplate(element, skip_boilerplate)
                            {
                                self.dropped.push(reason);
                                skipping = Some(node.id());
                            } else if BLOCK_TAGS.contains(&element.name()) {
                                self.break_paragraph();
                            }
                        }
                        _ => {}
                    }
                }
                Edge::Close(node) => {
                    if skipping == Some(node.id()) {
                        skipping = None;
                    } else if skipping.is_none()
                        && let Node::Element(element) = node.value()
                        && BLOCK_TAGS.contains(&element.name())
                    {
                        self.break_paragraph();
                    }
                }
            }
        }
    }

    fn push_text(&mut self, text: &str) {
        let mut words = text.split_whitespace().peekable();
        if words.peek().is_none() {
            self.pending_space |= !text.is_empty();
            return;
        }
        self.pending_space |= text.starts_with(char::is_whitespace);
        for word in words {
            if self.pending_space && !self.current.is_empty() {
                self.current.push(' ');
            }
            self.current.push_str(word);
            self.pending_space = true;
        }
        self.pending_space = text.ends_with(char::is_whitespace);
    }

    fn break_paragraph(&mut self) {
        let paragraph = std::mem::take(&mut self.current);
        if !paragraph.is_empty() {
            self.paragraphs.push(paragraph);
        }
        self.pending_space = false;
    }

    fn finish(mut self) -> String {
        self.break_paragraph();
        self.paragraphs.join("\n\n")
    }
}

/// Describes why `element` is dropped from the main text, or returns `None` to keep it.
fn boilerplate(element: &scraper::node::Element, check_names: bool) -> Option<String> {
    let name = element.name();
    let describe = || {
        let mut description = name.to_string();
        if let Some(class) = element.attr("class") {
            for class in class.split_whitespace().take(3) {
                description.push('.');
                description.push_str(class);
            }
        }
        if let Some(id) = element.attr("id") {
            description.push('#');
            description.push_str(id);
        }
        description
    };

    if SKIPPED_TAGS.contains(&name) {
        return Some(describe());
    }
    let is_hidden = element.attr("hidden").is_some()
        || element.attr("aria-hidden") == Some("true")
        || element.attr("style").is_some_and(|style| {
            let style = style.replace(' ', "").to_ascii_lowercase();
            style.contains("display:none") || style.contains("visibility:hidden")
        });
    let has_chrome_role = element
        .attr("role")
        .is_some_and(|role| SKIPPED_ROLES.contains(&role.trim().to_ascii_lowercase().as_str()));
    if is_hidden || has_chrome_role {
        return Some(describe());
    }
    if !check_names {
        return None;
    }
    let names = [element.attr("class"), element.attr("id")];
    let is_named_boilerplate = names.into_iter().flatten().any(|value| {
        value
            .split(|c: char| c.is_whitespace() || c == '-' || c == '_')
            .any(|word| BOILERPLATE_WORDS.contains(&word.to_ascii_lowercase().as_str()))
    });
    is_named_boilerplate.then(describe)
}

fn text_of(element: ElementRef<'_>) -> String {
    element
        .text()
        .collect::<Vec<_>>()
        .join(" ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// Returns the `content` of the first `<meta>` whose `name`, `property` or `itemprop` is one
/// of `keys` (case-insensitively), trying keys in order of preference.
fn meta_content(document: &Html, keys: &[&str]) -> Option<String> {
    keys.iter().find_map(|key| {
        document.select(&META).find_map(|meta| {
            let matches = ["name", "property", "itemprop", "http-equiv"]
                .iter()
                .any(|attribute| {
                    meta.attr(attribute)
                        .is_some_and(|value| value.trim().eq_ignore_ascii_case(key))
                });
            let content = meta
                .attr("content")?
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ");
            (matches && !content.is_empty()).then_some(content)
        })
    })
}

fn title(document: &Html, selectors: &Selectors, site_name: Option<&str>) -> String {
    if let Some(css) = &selectors.title
        && let Some(element) = document.select(css.selector()).next()
    {
        let text = text_of(element);
        if !text.is_empty() {
            return text;
        }
    }
    if let Some(og_title) = meta_content(document, &["og:title", "twitter:title"]) {
        return strip_site_name(&og_title, site_name);
    }
    if let Some(heading) = document
        .select(&H1)
        .map(text_of)
        .find(|text| !text.is_empty())
    {
        return heading;
    }
    let title = document
        .select(&TITLE)
        .next()
        .map(text_of)
        .unwrap_or_default();
    strip_site_name(&title, site_name)
}

/// Removes the site's name from a title such as "Flood alerts | City of Recife".
fn strip_site_name(title: &str, site_name: Option<&str>) -> String {
    const SEPARATORS: &[&str] = &[" | ", " - ", " – ", " — ", " · ", " :: ", " » "];
    let title = title.trim();
    if let Some(site) = site_name
        .map(str::trim)
        .filter(|site| !site.is_empty() && *site != title)
    {
        for separator in SEPARATORS {
            if let Some(stripped) = title.strip_suffix(&format!("{separator}{site}")) {
                return stripped.trim().to_string();
            }
            if let Some(stripped) = title.strip_prefix(&format!("{site}{separator}")) {
                return stripped.trim().to_string();
            }
        }
        return title.to_string();
    }
    // Without a declared site name, the longest part is the article's own title.
    SEPARATORS
        .iter()
        .find(|separator| title.contains(**separator))
        .and_then(|separator| {
            title
                .split(separator)
                .max_by_key(|part| part.chars().count())
        })
        .map(|part| part.trim().to_string())
        .unwrap_or_else(|| title.to_string())
}

fn declared_lang(document: &Html) -> Option<String> {
    let html_lang = document
        .select(&HTML)
        .next()
        .and_then(|html| html.attr("lang").or_else(|| html.attr("xml:lang")))
        .map(str::trim)
        .filter(|lang| !lang.is_empty())
        .map(str::to_string);
    html_lang.or_else(|| meta_content(document, &["content-language", "og:locale", "language"]))
}

fn published(document: &Html, selectors: &Selectors) -> Option<DateTime<Utc>> {
    if let Some(css) = &selectors.published
        && let Some(element) = document.select(css.selector()).next()
    {
        let raw = element
            .attr("datetime")
            .or_else(|| element.attr("content"))
            .map(str::to_string)
            .unwrap_or_else(|| text_of(element));
        if let Some(date) = parse_date(&raw) {
            return Some(date);
        }
    }
    let meta_keys = [
        "article:published_time",
        "datePublished",
        "dcterms.date",
        "dcterms.issued",
        "dc.date.issued",
        "dc.date",
        "date",
        "pubdate",
        "publish_date",
    ];
    if let Some(date) = meta_content(document, &meta_keys).and_then(|raw| parse_date(&raw)) {
        return Some(date);
    }
    if let Some(date) = json_ld_date(document) {
        return Some(date);
    }
    document
        .select(&TIME)
        .find_map(|time| time.attr("datetime").and_then(parse_date))
}

fn json_ld_date(document: &Html) -> Option<DateTime<Utc>> {
    document.select(&JSON_LD).find_map(|script| {
        let json: serde_json::Value =
            serde_json::from_str(&script.text().collect::<String>()).ok()?;
        find_json_key(&json, "datePublished").and_then(parse_date)
    })
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

/// Parses the date formats found on the web: RFC 3339, RFC 2822, and bare ISO dates.
///
/// Dates before 1950 or more than two days ahead are rejected as misparsed placeholders.
pub fn parse_date(raw: &str) -> Option<DateTime<Utc>> {
    let raw = raw.trim();
    let parsed = DateTime::parse_from_rfc3339(raw)
        .or_else(|_| DateTime::parse_from_rfc2822(raw))
        .map(|date| date.with_timezone(&Utc))
        .ok()
        .or_else(|| {
            [
                "%Y-%m-%dT%H:%M:%S%.f",
                "%Y-%m-%dT%H:%M:%S",
                "%Y-%m-%d %H:%M:%S",
                "%Y-%m-%dT%H:%M",
            ]
            .iter()
            .find_map(|format| NaiveDateTime::parse_from_str(raw, format).ok())
            .map(|naive| naive.and_utc())
        })
        .or_else(|| {
            let date_part = raw.get(..10)?;
            NaiveDate::parse_from_str(date_part, "%Y-%m-%d")
                .ok()
                .and_then(|date| date.and_hms_opt(0, 0, 0))
                .map(|naive| naive.and_utc())
        })?;
    let earliest = NaiveDate::from_ymd_opt(1950, 1, 1)?
        .and_hms_opt(0, 0, 0)?
        .and_utc();
    let latest = Utc::now() + chrono::Duration::days(2);
    (earliest..=latest).contains(&parsed).then_some(parsed)
}

#[cfg(test)]
mod tests;
