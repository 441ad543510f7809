//! Finding a page's main block: measure every element, drop boilerplate, score what is left.
//!
//! Three iterative walks over scraper's tree (hostile pages nest deeply enough to overflow a
//! recursive one):
//!
//! 1. **Measure** each element: visible characters, characters inside links, commas, and the
//!    text that belongs to it directly rather than to a nested block.
//! 2. **Clean**, top down: drop elements that are never article text (scripts, navigation,
//!    footers, forms), hidden ones, those whose ARIA role is page chrome, those whose class or
//!    id names boilerplate (cookie, share, related, sidebar, meta...), link lists (more than
//!    half of their text in links) and short fragments. An element holding most of the page's
//!    text is a wrapper, not boilerplate, whatever its tag or name says, and is kept.
//! 3. **Score** on the cleaned measures, in the spirit of readability-style extractors: every
//!    paragraph of at least [`MIN_PARAGRAPH_CHARS`] gives points for its length and commas to
//!    its parent, half to its grandparent and less further up; a candidate's points, plus
//!    weights for its tag and its class or id hints, are scaled by the share of its text that
//!    is not in links. The best candidate is the main block; it grows to its parent while the
//!    parent adds little text (a heading, a byline), so that an `<article>`'s title is kept.
//!
//! Everything dropped is recorded with its reason, so that `agora inspect` can explain it.

use std::collections::{HashMap, HashSet};
use std::fmt;

use ego_tree::iter::Edge;
use ego_tree::{NodeId, NodeRef};
use scraper::node::Element;
use scraper::{ElementRef, Node};

/// Elements whose text is never visible.
const INVISIBLE_TAGS: &[&str] = &[
    "script", "style", "noscript", "template", "head", "title", "svg", "canvas", "iframe",
    "object", "embed", "map",
];

/// Page chrome and widgets: never article text, unless they wrap most of the page.
const CHROME_TAGS: &[&str] = &[
    "nav", "aside", "footer", "form", "button", "select", "textarea", "input", "dialog", "menu",
    "label",
];

/// Elements after which a new paragraph starts.
pub(super) const BLOCK_TAGS: &[&str] = &[
    "p",
    "div",
    "section",
    "article",
    "main",
    "header",
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

const HEADING_TAGS: &[&str] = &["h1", "h2", "h3", "h4", "h5", "h6"];

const MEDIA_TAGS: &[&str] = &["img", "picture", "video", "audio", "figure", "table"];

/// ARIA roles of page chrome.
const CHROME_ROLES: &[&str] = &[
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

/// Words in a class or id that mark boilerplate.
const NEGATIVE_WORDS: &[&str] = &[
    "ad",
    "ads",
    "advert",
    "advertisement",
    "author",
    "banner",
    "breadcrumb",
    "breadcrumbs",
    "byline",
    "comment",
    "comments",
    "consent",
    "cookie",
    "cookies",
    "disqus",
    "footer",
    "gdpr",
    "header",
    "masthead",
    "menu",
    "meta",
    "modal",
    "nav",
    "navbar",
    "navigation",
    "newsletter",
    "pagination",
    "popular",
    "popup",
    "promo",
    "recommended",
    "related",
    "share",
    "sharing",
    "sidebar",
    "skip",
    "social",
    "sponsor",
    "subscribe",
    "tags",
    "toolbar",
    "trending",
    "widget",
];

/// Words in a class or id that mark article text.
const POSITIVE_WORDS: &[&str] = &[
    "article", "body", "content", "entry", "hentry", "main", "post", "prose", "story", "text",
];

/// Shortest text, in non-blank characters, that counts as a paragraph when scoring.
pub const MIN_PARAGRAPH_CHARS: usize = 25;

/// Containers with less text than this and no sentence in it are fragments (dates, labels).
const MIN_BLOCK_CHARS: usize = 25;

/// A block whose share of text inside links exceeds this is a list of links.
const MAX_LINK_DENSITY: f64 = 0.5;

/// Paragraphs at least this long are kept whatever their link density (a sentence full of
/// citations is still a sentence).
const LONG_PARAGRAPH_CHARS: usize = 100;

/// The main block grows to its parent while it holds at least this share of the parent's text.
const PROMOTION_SHARE: f64 = 0.85;

/// Points added or removed for a class or id hint.
const HINT_WEIGHT: f64 = 25.0;

/// Why an element was left out of the main text.
#[derive(Debug, Clone, PartialEq)]
pub enum DropReason {
    /// Its tag is never article text (`script`, `nav`, `footer`...).
    Tag(String),
    /// It is hidden (`hidden`, `aria-hidden`, `display: none`).
    Hidden,
    /// Its ARIA role is page chrome.
    Role(String),
    /// Its class or id names boilerplate.
    ClassHint(String),
    /// Most of its text is links.
    LinkDensity(f64),
    /// A fragment without a sentence.
    TooShort(usize),
}

impl fmt::Display for DropReason {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DropReason::Tag(tag) => write!(formatter, "<{tag}> is never article text"),
            DropReason::Hidden => formatter.write_str("hidden"),
            DropReason::Role(role) => write!(formatter, "role `{role}` is page chrome"),
            DropReason::ClassHint(word) => write!(formatter, "class or id hint `{word}`"),
            DropReason::LinkDensity(density) => {
                write!(formatter, "link density {density:.2}")
            }
            DropReason::TooShort(num_chars) => {
                write!(formatter, "too short ({num_chars} characters, no sentence)")
            }
        }
    }
}

/// An element left out of the main text.
#[derive(Debug, Clone, PartialEq)]
pub struct DroppedBlock {
    /// Where it sits, as a CSS-like path (`body > div.cookie-banner`).
    pub path: String,
    /// Why it was dropped.
    pub reason: DropReason,
    /// Its visible text, in non-blank characters.
    pub num_chars: usize,
}

/// A candidate main block and its score.
#[derive(Debug, Clone, PartialEq)]
pub struct ScoredBlock {
    /// Where it sits, as a CSS-like path.
    pub path: String,
    /// Its score.
    pub score: f64,
    /// Its text after cleaning, in non-blank characters.
    pub num_chars: usize,
}

/// How thoroughly boilerplate is removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Cleaning {
    /// Invisible and hidden elements only: for feed fragments, which carry no page chrome.
    Light,
    /// Every rule.
    Full,
}

/// What was measured of one element.
#[derive(Debug, Clone, Copy, Default)]
struct Measure {
    /// Order of appearance in the document, for deterministic ties.
    order: usize,
    num_chars: usize,
    num_link_chars: usize,
    /// Text that belongs to this element rather than to a nested block.
    num_own_chars: usize,
    num_own_commas: usize,
    has_block_child: bool,
    has_heading: bool,
    has_media: bool,
    has_sentence: bool,
}

impl Measure {
    fn link_density(&self) -> f64 {
        if self.num_chars == 0 {
            return 0.0;
        }
        self.num_link_chars as f64 / self.num_chars as f64
    }

    fn add_child(&mut self, child: &Measure, child_tag: &str) {
        self.num_chars += child.num_chars;
        self.num_link_chars += child.num_link_chars;
        self.has_block_child |= BLOCK_TAGS.contains(&child_tag) || child.has_block_child;
        self.has_heading |= HEADING_TAGS.contains(&child_tag) || child.has_heading;
        self.has_media |= MEDIA_TAGS.contains(&child_tag) || child.has_media;
        self.has_sentence |= child.has_sentence;
    }
}

/// The analysis of one subtree: what is dropped, and what the best block is.
pub(super) struct Analysis {
    /// Elements whose subtree is left out, with their reasons, in document order.
    pub dropped: Vec<(NodeId, DroppedBlock)>,
    dropped_ids: HashSet<NodeId>,
    cleaned: HashMap<NodeId, Measure>,
}

impl Analysis {
    /// Measures and cleans the subtree under `root`; `root` itself is never dropped.
    pub fn clean(root: ElementRef<'_>, cleaning: Cleaning) -> Analysis {
        let raw = measure(root, &HashSet::new());
        let root_chars = raw.get(&root.id()).map_or(0, |measure| measure.num_chars);
        let dropped = find_boilerplate(root, &raw, root_chars, cleaning);
        let dropped_ids: HashSet<NodeId> = dropped.iter().map(|(id, _)| *id).collect();
        let cleaned = measure(root, &dropped_ids);
        Analysis {
            dropped,
            dropped_ids,
            cleaned,
        }
    }

    /// Tells whether the subtree of `id` was dropped.
    pub fn is_dropped(&self, id: NodeId) -> bool {
        self.dropped_ids.contains(&id)
    }

    /// Tells whether `element` or one of its ancestors was dropped.
    pub fn is_inside_dropped(&self, element: ElementRef<'_>) -> bool {
        std::iter::once(*element)
            .chain(element.ancestors())
            .any(|node| self.dropped_ids.contains(&node.id()))
    }

    /// Returns the cleaned text length of `id`, in non-blank characters.
    pub fn num_chars(&self, id: NodeId) -> usize {
        self.cleaned.get(&id).map_or(0, |measure| measure.num_chars)
    }

    /// Scores every candidate under `root` and returns them, best first.
    pub fn candidates(&self, root: ElementRef<'_>) -> Vec<(NodeId, ScoredBlock)> {
        let tree = root.tree();
        let mut points: HashMap<NodeId, f64> = HashMap::new();
        for (&id, measure) in &self.cleaned {
            if measure.num_own_chars < MIN_PARAGRAPH_CHARS {
                continue;
            }
            let Some(node) = tree.get(id) else { continue };
            let paragraph =
                1.0 + measure.num_own_commas as f64 + (measure.num_own_chars / 100).min(3) as f64;
            if element_name(node).is_some_and(|name| CONTAINER_TAGS.contains(&name)) {
                *points.entry(id).or_default() += paragraph;
            }
            // Ancestors up to `root` only: what lies above it (the <html> with its <head>) is
            // no candidate.
            if id == root.id() {
                continue;
            }
            let mut ancestors = node.ancestors();
            for level in 0..5 {
                let Some(ancestor) = ancestors.next() else {
                    break;
                };
                let divider = match level {
                    0 => 1.0,
                    1 => 2.0,
                    _ => level as f64 * 3.0,
                };
                *points.entry(ancestor.id()).or_default() += paragraph / divider;
                if ancestor.id() == root.id() {
                    break;
                }
            }
        }

        let mut scored: Vec<(NodeId, usize, ScoredBlock)> = points
            .into_iter()
            .filter_map(|(id, points)| {
                let node = tree.get(id)?;
                let element = ElementRef::wrap(node)?;
                let measure = self.cleaned.get(&id)?;
                let weight = tag_weight(element.value()) + hint_weight(element.value());
                let score = (points + weight) * (1.0 - measure.link_density());
                let block = ScoredBlock {
                    path: describe(node),
                    score,
                    num_chars: measure.num_chars,
                };
                Some((id, measure.order, block))
            })
            .collect();
        scored.sort_by(|(_, left_order, left), (_, right_order, right)| {
            right
                .score
                .total_cmp(&left.score)
                .then(left_order.cmp(right_order))
        });
        scored
            .into_iter()
            .map(|(id, _, block)| (id, block))
            .collect()
    }

    /// Grows the chosen block to its parent while the parent adds little text; stops below
    /// `root`, whose other content is what was left out.
    pub fn promote(&self, root: ElementRef<'_>, chosen: NodeId) -> NodeId {
        let tree = root.tree();
        let mut current = chosen;
        while current != root.id()
            && let Some(parent) = tree.get(current).and_then(|node| node.parent())
        {
            if parent.id() == root.id() || !parent.value().is_element() {
                break;
            }
            let share = self.num_chars(current) as f64 / self.num_chars(parent.id()).max(1) as f64;
            if share < PROMOTION_SHARE {
                break;
            }
            current = parent.id();
        }
        current
    }
}

/// Elements that can hold an article's paragraphs and so compete to be the main block.
const CONTAINER_TAGS: &[&str] = &[
    "article",
    "main",
    "section",
    "div",
    "td",
    "blockquote",
    "body",
];

fn element_name<'a>(node: NodeRef<'a, Node>) -> Option<&'a str> {
    node.value().as_element().map(Element::name)
}

fn tag_weight(element: &Element) -> f64 {
    if element
        .attr("role")
        .is_some_and(|role| role.trim().eq_ignore_ascii_case("main"))
    {
        return 10.0;
    }
    match element.name() {
        "article" | "main" => 10.0,
        "div" => 5.0,
        "section" | "pre" | "td" | "blockquote" => 3.0,
        "address" | "ol" | "ul" | "dl" | "dd" | "dt" | "li" | "form" => -3.0,
        "h1" | "h2" | "h3" | "h4" | "h5" | "h6" | "th" => -5.0,
        _ => 0.0,
    }
}

fn hint_weight(element: &Element) -> f64 {
    let mut weight = 0.0;
    if hint_word(element, NEGATIVE_WORDS).is_some() {
        weight -= HINT_WEIGHT;
    }
    if hint_word(element, POSITIVE_WORDS).is_some() {
        weight += HINT_WEIGHT;
    }
    weight
}

/// Returns the first word of `element`'s class or id found in `words`.
fn hint_word(element: &Element, words: &[&'static str]) -> Option<&'static str> {
    [element.attr("class"), element.attr("id")]
        .into_iter()
        .flatten()
        .flat_map(|value| value.split(|c: char| c.is_whitespace() || c == '-' || c == '_'))
        .find_map(|word| {
            let word = word.to_ascii_lowercase();
            words.iter().find(|known| **known == word).copied()
        })
}

/// Measures every element under `root`, leaving out the subtrees of `skipped` and of
/// invisible elements.
fn measure(root: ElementRef<'_>, skipped: &HashSet<NodeId>) -> HashMap<NodeId, Measure> {
    let mut measures = HashMap::new();
    // (element id, its tag, its measure so far)
    let mut open: Vec<(NodeId, &str, Measure)> = Vec::new();
    // Positions in `open` of block elements, which own the text of their inline children.
    let mut blocks: Vec<usize> = Vec::new();
    let mut num_links_open = 0usize;
    let mut skipping: Option<NodeId> = None;
    let mut order = 0;

    for edge in root.traverse() {
        match edge {
            Edge::Open(node) => {
                if skipping.is_some() {
                    continue;
                }
                match node.value() {
                    Node::Element(element) => {
                        if skipped.contains(&node.id()) || INVISIBLE_TAGS.contains(&element.name())
                        {
                            skipping = Some(node.id());
                            continue;
                        }
                        if element.name() == "a" {
                            num_links_open += 1;
                        }
                        if BLOCK_TAGS.contains(&element.name()) || node.id() == root.id() {
                            blocks.push(open.len());
                        }
                        order += 1;
                        let measure = Measure {
                            order,
                            ..Measure::default()
                        };
                        open.push((node.id(), element.name(), measure));
                    }
                    Node::Text(text) => {
                        let num_chars = text.chars().filter(|c| !c.is_whitespace()).count();
                        let num_commas = text.chars().filter(|c| is_comma(*c)).count();
                        let has_sentence = text.chars().any(is_sentence_end);
                        if let Some((_, _, measure)) = open.last_mut() {
                            measure.num_chars += num_chars;
                            measure.has_sentence |= has_sentence;
                            if num_links_open > 0 {
                                measure.num_link_chars += num_chars;
                            }
                        }
                        if let Some(&position) = blocks.last() {
                            let (_, _, owner) = &mut open[position];
                            owner.num_own_chars += num_chars;
                            owner.num_own_commas += num_commas;
                        }
                    }
                    _ => {}
                }
            }
            Edge::Close(node) => {
                if let Some(skipped_id) = skipping {
                    if skipped_id == node.id() {
                        skipping = None;
                    }
                    continue;
                }
                if !node.value().is_element() {
                    continue;
                }
                let Some((id, tag, measure)) = open.pop() else {
                    continue;
                };
                debug_assert_eq!(id, node.id(), "elements close in the order they opened");
                if tag == "a" {
                    num_links_open = num_links_open.saturating_sub(1);
                }
                if blocks.last() == Some(&open.len()) {
                    blocks.pop();
                }
                if let Some((_, _, parent)) = open.last_mut() {
                    parent.add_child(&measure, tag);
                }
                measures.insert(id, measure);
            }
        }
    }
    measures
}

fn is_comma(c: char) -> bool {
    matches!(c, ',' | '،' | '、' | '，')
}

fn is_sentence_end(c: char) -> bool {
    matches!(c, '.' | '!' | '?' | '。' | '！' | '？' | '…')
}

/// Walks `root` top down and returns the elements to drop, in document order.
fn find_boilerplate(
    root: ElementRef<'_>,
    raw: &HashMap<NodeId, Measure>,
    root_chars: usize,
    cleaning: Cleaning,
) -> Vec<(NodeId, DroppedBlock)> {
    let mut dropped = Vec::new();
    let mut skipping: Option<NodeId> = None;
    let mut num_articles_open = 0usize;
    for edge in root.traverse() {
        match edge {
            Edge::Open(node) => {
                if skipping.is_some() || node.id() == root.id() {
                    continue;
                }
                let Node::Element(element) = node.value() else {
                    continue;
                };
                let measure = raw.get(&node.id()).copied().unwrap_or_default();
                let context = Context {
                    root_chars,
                    is_inside_article: num_articles_open > 0,
                    cleaning,
                };
                if let Some(reason) = drop_reason(element, &measure, &context) {
                    skipping = Some(node.id());
                    let block = DroppedBlock {
                        path: describe(node),
                        reason,
                        num_chars: measure.num_chars,
                    };
                    dropped.push((node.id(), block));
                } else if matches!(element.name(), "article" | "main") {
                    num_articles_open += 1;
                }
            }
            Edge::Close(node) => {
                if skipping == Some(node.id()) {
                    skipping = None;
                } else if skipping.is_none()
                    && node.id() != root.id()
                    && element_name(node).is_some_and(|name| matches!(name, "article" | "main"))
                {
                    num_articles_open = num_articles_open.saturating_sub(1);
                }
            }
        }
    }
    dropped
}

struct Context {
    root_chars: usize,
    is_inside_article: bool,
    cleaning: Cleaning,
}

/// Decides whether `element` is boilerplate, and why.
fn drop_reason(element: &Element, measure: &Measure, context: &Context) -> Option<DropReason> {
    let name = element.name();
    if INVISIBLE_TAGS.contains(&name) {
        return Some(DropReason::Tag(name.to_string()));
    }
    if is_hidden(element) {
        return Some(DropReason::Hidden);
    }
    if context.cleaning == Cleaning::Light {
        return None;
    }
    // An element with most of the page's text wraps the article, whatever it is called
    // (ASP.NET pages put the whole body in a <form>; themes name wrappers `has-sidebar`).
    if measure.num_chars * 2 > context.root_chars {
        return None;
    }
    if CHROME_TAGS.contains(&name) || (name == "header" && !context.is_inside_article) {
        return Some(DropReason::Tag(name.to_string()));
    }
    if let Some(role) = element
        .attr("role")
        .map(|role| role.trim().to_ascii_lowercase())
        && CHROME_ROLES.contains(&role.as_str())
    {
        return Some(DropReason::Role(role));
    }
    // A negative word wins over a positive one: `entry-meta`, `post-share` and
    // `comment-content` name parts around an article, not the article, which the wrapper
    // rule above protects whatever its name.
    if let Some(word) = hint_word(element, NEGATIVE_WORDS) {
        return Some(DropReason::ClassHint(word.to_string()));
    }
    let is_link_checked = matches!(
        name,
        "div" | "section" | "ul" | "ol" | "dl" | "table" | "span"
    ) || (name == "p" && measure.num_chars < LONG_PARAGRAPH_CHARS);
    if is_link_checked && measure.link_density() > MAX_LINK_DENSITY {
        return Some(DropReason::LinkDensity(measure.link_density()));
    }
    let is_fragment = matches!(name, "div" | "section")
        && !measure.has_block_child
        && !measure.has_media
        && !measure.has_sentence
        && (1..MIN_BLOCK_CHARS).contains(&measure.num_chars);
    if is_fragment {
        return Some(DropReason::TooShort(measure.num_chars));
    }
    None
}

fn is_hidden(element: &Element) -> bool {
    element.attr("hidden").is_some()
        || element.attr("aria-hidden") == Some("true")
        || element.attr("style").is_some_and(|style| {
            let style = style.replace(' ', "").to_ascii_lowercase();
            style.contains("display:none") || style.contains("visibility:hidden")
        })
}

/// Deepest path segments shown; the rest is elided.
const MAX_PATH_SEGMENTS: usize = 4;

/// Describes where `node` sits: `body > main > div#story.entry`.
pub(super) fn describe(node: NodeRef<'_, Node>) -> String {
    let mut segments: Vec<String> = Vec::new();
    let mut is_elided = false;
    for current in std::iter::once(node).chain(node.ancestors()) {
        let Some(element) = current.value().as_element() else {
            break;
        };
        if segments.len() == MAX_PATH_SEGMENTS {
            is_elided = element.name() != "html";
            break;
        }
        if element.name() == "html" {
            break;
        }
        segments.push(segment(element));
    }
    segments.reverse();
    let path = segments.join(" > ");
    if is_elided {
        format!("… > {path}")
    } else {
        path
    }
}

fn segment(element: &Element) -> String {
    let mut segment = element.name().to_string();
    if let Some(id) = element
        .attr("id")
        .map(str::trim)
        .filter(|id| !id.is_empty())
    {
        segment.push('#');
        segment.push_str(id);
    }
    for class in element
        .attr("class")
        .unwrap_or_default()
        .split_whitespace()
        .take(2)
    {
        segment.push('.');
        segment.push_str(class);
    }
    segment
}
