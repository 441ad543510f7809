//! Main-text and metadata extraction from HTML.
//!
//! The main text is taken from the source's `content` selector when it has one; otherwise the
//! page's blocks are cleaned of boilerplate and scored, and the best block is the main text
//! ([`blocks`] explains how). Either way the text keeps its paragraphs, separated by blank
//! lines. Metadata (title, date, declared language) is read by [`metadata`], and every choice
//! is recorded so that `agora inspect` can explain it.
//!
//! A maintained readability port was considered: `dom_smoothie` parses into its own DOM
//! (`dom_query`, a second html5ever tree beside scraper's) and reports only its result, while
//! editors need each dropped block and the winning block's score; scoring over scraper's tree
//! costs no second parse.

mod blocks;
mod metadata;

use std::fmt;
use std::sync::LazyLock;

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use ego_tree::NodeId;
use ego_tree::iter::Edge;
use scraper::{ElementRef, Html, Node, Selector};
use url::Url;

pub use blocks::{DropReason, DroppedBlock, MIN_PARAGRAPH_CHARS, ScoredBlock};
pub use metadata::{DateSource, TitleSource};

use crate::config::Selectors;
use blocks::{Analysis, BLOCK_TAGS, Cleaning};

static BODY: LazyLock<Selector> =
    LazyLock::new(|| Selector::parse("body").expect("built-in selectors are valid CSS"));
static CANONICAL: LazyLock<Selector> = LazyLock::new(|| {
    Selector::parse("link[rel~=canonical i]").expect("built-in selectors are valid CSS")
});

/// Runner-up blocks kept for `agora inspect`.
const NUM_RUNNERS_UP: usize = 3;

/// How the main text was found.
#[derive(Debug, Clone, PartialEq)]
pub enum ExtractionMethod {
    /// The source's `content` selector.
    Selector(String),
    /// The best-scoring block.
    Scored {
        /// Where the block sits (`body > main > article`).
        path: String,
        /// Its score.
        score: f64,
    },
    /// No block held a paragraph: the whole body, without boilerplate.
    Body,
    /// A fragment of HTML (a feed entry's content).
    Fragment,
}

impl fmt::Display for ExtractionMethod {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ExtractionMethod::Selector(css) => write!(formatter, "source selector `{css}`"),
            ExtractionMethod::Scored { path, score } => {
                write!(
                    formatter,
                    "the best-scoring block `{path}` (score {score:.1})"
                )
            }
            ExtractionMethod::Body => formatter
                .write_str("the whole <body>, boilerplate removed (no block held a paragraph)"),
            ExtractionMethod::Fragment => formatter.write_str("the feed entry's content"),
        }
    }
}

/// What extraction found in a page.
#[derive(Debug, Clone, PartialEq)]
pub struct ExtractedPage {
    /// Title, without the site name.
    pub title: String,
    /// Where the title came from.
    pub title_source: TitleSource,
    /// The site name removed from the title, if any.
    pub stripped_site_name: Option<String>,
    /// The page's description, if it has one.
    pub summary: String,
    /// Main text: paragraphs separated by blank lines.
    pub body: String,
    /// The language the page declares (`<html lang>`, content-language, og:locale), if any.
    pub declared_lang: Option<String>,
    /// Where the declaration was found.
    pub declared_lang_from: Option<&'static str>,
    /// The `rel=canonical` URL as written, if any.
    pub canonical: Option<String>,
    /// Publication date, if found.
    pub published: Option<DateTime<Utc>>,
    /// Where the date came from.
    pub published_from: Option<DateSource>,
    /// How the main text was found.
    pub method: ExtractionMethod,
    /// Other candidate blocks, best first.
    pub runners_up: Vec<ScoredBlock>,
    /// Blocks dropped as boilerplate, in document order.
    pub dropped: Vec<DroppedBlock>,
}

impl ExtractedPage {
    /// Takes the HTTP `Content-Language` header as the declaration when the page makes none.
    /// The page's own declaration comes first: servers often send one default for a whole site.
    pub fn fall_back_on_header_language(&mut self, content_language: Option<&str>) {
        if self.declared_lang.is_none()
            && let Some(lang) = content_language
        {
            self.declared_lang = Some(lang.to_string());
            self.declared_lang_from = Some("the Content-Language header");
        }
    }
}

/// Extracts the main text and metadata of an HTML page whose URL is unknown.
pub fn extract_page(html: &str, selectors: &Selectors) -> Result<ExtractedPage, ExtractError> {
    extract_page_at(html, None, selectors)
}

/// Extracts the main text and metadata of an HTML page fetched from `page_url`, whose host
/// helps recognise the site's name in titles.
pub fn extract_page_at(
    html: &str,
    page_url: Option<&Url>,
    selectors: &Selectors,
) -> Result<ExtractedPage, ExtractError> {
    check_nesting(html)?;
    let document = Html::parse_document(html);
    let root = document
        .select(&BODY)
        .next()
        .unwrap_or_else(|| document.root_element());
    let analysis = Analysis::clean(root, Cleaning::Full);
    let main = main_text(&document, root, &analysis, selectors);
    let main_block = main
        .block
        .and_then(|id| document.tree.get(id))
        .and_then(ElementRef::wrap);

    let title = metadata::title(&document, selectors, main_block, &analysis, page_url);
    let published = metadata::published(&document, selectors, main_block, &analysis);
    let declared = metadata::declared_lang(&document);
    Ok(ExtractedPage {
        title: title.text,
        title_source: title.source,
        stripped_site_name: title.stripped_site_name,
        summary: metadata::meta_content(&document, &["description", "og:description"])
            .unwrap_or_default(),
        body: main.text,
        declared_lang: declared.as_ref().map(|(lang, _)| lang.clone()),
        declared_lang_from: declared.map(|(_, from)| from),
        canonical: document
            .select(&CANONICAL)
            .find_map(|link| link.attr("href"))
            .map(str::to_string),
        published_from: published.as_ref().map(|(_, source)| source.clone()),
        published: published.map(|(date, _)| date),
        method: main.method,
        runners_up: main.runners_up,
        dropped: analysis
            .dropped
            .iter()
            .map(|(_, block)| block.clone())
            .collect(),
    })
}

/// Converts an HTML fragment (a feed entry's content) into plain paragraphs.
pub fn html_to_text(fragment: &str) -> Result<String, ExtractError> {
    check_nesting(fragment)?;
    let document = Html::parse_fragment(fragment);
    let root = document.root_element();
    let analysis = Analysis::clean(root, Cleaning::Light);
    let mut collector = TextCollector::default();
    collector.collect(root, &analysis);
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

/// The main text and how it was chosen.
struct MainText {
    text: String,
    method: ExtractionMethod,
    /// The chosen block, when one was chosen.
    block: Option<NodeId>,
    runners_up: Vec<ScoredBlock>,
}

fn main_text(
    document: &Html,
    root: ElementRef<'_>,
    analysis: &Analysis,
    selectors: &Selectors,
) -> MainText {
    if let Some(content) = &selectors.content {
        let mut collector = TextCollector::default();
        let mut first = None;
        for element in document.select(content.selector()) {
            // The selector names the article: only invisible and hidden parts are removed
            // from it, not what the page-wide rules would take for boilerplate.
            let inner = Analysis::clean(element, Cleaning::Light);
            collector.collect(element, &inner);
            first.get_or_insert(element.id());
        }
        return MainText {
            text: collector.finish(),
            method: ExtractionMethod::Selector(content.as_str().to_string()),
            block: first,
            runners_up: Vec::new(),
        };
    }

    let mut candidates = analysis.candidates(root).into_iter();
    let Some((best, best_block)) = candidates.next() else {
        let mut collector = TextCollector::default();
        collector.collect(root, analysis);
        return MainText {
            text: collector.finish(),
            method: ExtractionMethod::Body,
            block: None,
            runners_up: Vec::new(),
        };
    };
    let chosen = analysis.promote(root, best);
    let chosen_element = document
        .tree
        .get(chosen)
        .and_then(ElementRef::wrap)
        .unwrap_or(root);
    let mut collector = TextCollector::default();
    collector.collect(chosen_element, analysis);
    let path = if chosen == best {
        best_block.path
    } else {
        blocks::describe(*chosen_element)
    };
    MainText {
        text: collector.finish(),
        method: ExtractionMethod::Scored {
            path,
            score: best_block.score,
        },
        block: Some(chosen),
        runners_up: candidates
            .filter(|(id, _)| *id != chosen)
            .map(|(_, block)| block)
            .take(NUM_RUNNERS_UP)
            .collect(),
    }
}

/// Gathers text into paragraphs, collapsing whitespace the way a browser renders it.
#[derive(Default)]
struct TextCollector {
    paragraphs: Vec<String>,
    current: String,
    pending_space: bool,
}

impl TextCollector {
    /// Walks `root`'s subtree iteratively, leaving out what `analysis` dropped: hostile pages
    /// nest elements deeply enough to overflow a recursive walk's stack.
    fn collect(&mut self, root: ElementRef<'_>, analysis: &Analysis) {
        let mut skipping: Option<NodeId> = None;
        for edge in root.traverse() {
            match edge {
                Edge::Open(node) => {
                    if skipping.is_some() {
                        continue;
                    }
                    match node.value() {
                        Node::Text(text) => self.push_text(text),
                        Node::Element(_) if analysis.is_dropped(node.id()) => {
                            skipping = Some(node.id());
                        }
                        Node::Element(element) if BLOCK_TAGS.contains(&element.name()) => {
                            self.break_paragraph();
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

/// Parses the date formats found on the web: RFC 3339, RFC 2822, and bare ISO dates.
///
/// Dates before 1950 or more than two days ahead are rejected as misparsed placeholders.
pub fn parse_date(raw: &str) -> Option<DateTime<Utc>> {
    let raw = raw.trim();
    let parsed = DateTime::parse_from_rfc3339(raw)
        .or_else(|_| DateTime::parse_from_rfc2822(raw))
        .ok()
        .or_else(|| {
            // Offsets written without a colon (`+0200`), as PHP's `date('c')` variants do.
            ["%Y-%m-%dT%H:%M:%S%.f%z", "%Y-%m-%d %H:%M:%S%.f%z"]
                .iter()
                .find_map(|format| DateTime::parse_from_str(raw, format).ok())
        })
        .map(|date| date.with_timezone(&Utc))
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
            ["%Y-%m-%d", "%Y/%m/%d"]
                .iter()
                .find_map(|format| NaiveDate::parse_from_str(date_part, format).ok())
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
