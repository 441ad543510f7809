//! Rendering the Markdown that members write, safely.
//!
//! Raw HTML in a post is shown as text, never interpreted; the HTML that Markdown produces
//! then goes through ammonia, which keeps a safe subset of tags and attributes, drops
//! `javascript:` and other unsafe URLs, and marks every link `rel="nofollow noopener ugc"`
//! so that posts cannot lend search engines the site's reputation.

use std::sync::LazyLock;

use pulldown_cmark::{Event, Options, Parser, TagEnd, html};

static SANITIZER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let mut builder = ammonia::Builder::default();
    builder.link_rel(Some("nofollow noopener ugc"));
    builder.url_schemes(["http", "https", "mailto"].into_iter().collect());
    builder
});

fn options() -> Options {
    Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH
}

/// Renders Markdown to sanitised HTML, ready to insert into a page as it is.
pub fn render_html(markdown: &str) -> String {
    let events = Parser::new_ext(markdown, options()).map(|event| match event {
        Event::Html(raw) | Event::InlineHtml(raw) => Event::Text(raw),
        other => other,
    });
    let mut unsafe_html = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut unsafe_html, events);
    SANITIZER.clean(&unsafe_html).to_string()
}

/// Extracts the text of Markdown, paragraphs separated by blank lines: what gets indexed.
pub fn plain_text(markdown: &str) -> String {
    let mut text = String::with_capacity(markdown.len());
    for event in Parser::new_ext(markdown, options()) {
        match event {
            Event::Text(part) | Event::Code(part) | Event::Html(part) | Event::InlineHtml(part) => {
                text.push_str(&part);
            }
            Event::SoftBreak | Event::HardBreak => text.push(' '),
            Event::End(
                TagEnd::Paragraph | TagEnd::Heading(_) | TagEnd::Item | TagEnd::CodeBlock,
            ) => {
                text.push_str("\n\n");
            }
            Event::End(TagEnd::TableCell) => text.push(' '),
            _ => {}
        }
    }
    text.trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_becomes_html() {
        let html = render_html("# Permits\n\nWe *digitised* them.\n\n- fast\n- cheap");
        assert!(html.contains("<h1>Permits</h1>"), "{html}");
        assert!(html.contains("<em>digitised</em>"), "{html}");
        assert!(html.contains("<li>fast</li>"), "{html}");
    }

    #[test]
    fn raw_html_is_shown_as_text() {
        let html = render_html("Hello <script>alert(1)</script> <img src=x onerror=alert(1)>");
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("<img"), "{html}");
        assert!(html.contains("&lt;script&gt;"), "{html}");
    }

    #[test]
    fn links_are_nofollow_and_unsafe_schemes_are_dropped() {
        let html = render_html("[report](https://example.org/r) and [x](javascript:alert(1))");
        assert!(
            html.contains(r#"<a href="https://example.org/r" rel="nofollow noopener ugc">"#),
            "{html}"
        );
        assert!(!html.contains("javascript:"), "{html}");
    }

    #[test]
    fn plain_text_keeps_words_and_paragraphs() {
        let text =
            plain_text("# Permits\n\nWe **digitised** [them](https://x.org).\n\n<b>bold</b>");
        assert_eq!(text, "Permits\n\nWe digitised them.\n\n<b>bold</b>");
    }
}
