//! RSS 0.9x/1.0/2.0, Atom and JSON Feed, through feed-rs.

use chrono::{DateTime, Utc};
use url::Url;

use crate::extract::html_to_text;

/// A feed entry's text shorter than this is a teaser: the linked page is fetched instead.
pub const FULL_TEXT_MIN_CHARS: usize = 600;

/// One entry of a feed.
#[derive(Debug, Clone, PartialEq)]
pub struct FeedEntry {
    /// The article's page, resolved against the feed's URL.
    pub link: Option<Url>,
    /// Title as plain text.
    pub title: String,
    /// Summary as plain text.
    pub summary: String,
    /// Full content as plain text, when the feed carries it.
    pub content: String,
    /// Publication (or, failing that, update) date.
    pub published: Option<DateTime<Utc>>,
}

impl FeedEntry {
    /// Tells whether the feed carries the article's full text, so its page need not be fetched.
    pub fn has_full_text(&self) -> bool {
        self.content.chars().count() >= FULL_TEXT_MIN_CHARS
    }
}

/// A parsed feed.
#[derive(Debug, Clone, PartialEq)]
pub struct ParsedFeed {
    /// The feed's title.
    pub title: String,
    /// The language the feed declares, if any.
    pub language: Option<String>,
    /// Its entries, in feed order.
    pub entries: Vec<FeedEntry>,
}

/// Why a feed could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a readable RSS, Atom or JSON feed: {message}")]
pub struct FeedError {
    message: String,
}

/// Parses a feed fetched from `feed_url`.
pub fn parse_feed(bytes: &[u8], feed_url: &Url) -> Result<ParsedFeed, FeedError> {
    let parser = feed_rs::parser::Builder::new()
        .base_uri(Some(feed_url.as_str()))
        .build();
    let feed = parser.parse(bytes).map_err(|error| FeedError {
        message: error.to_string(),
    })?;

    let entries = feed
        .entries
        .into_iter()
        .map(|entry| {
            let link = entry
                .links
                .iter()
                .find(|link| link.rel.as_deref().is_none_or(|rel| rel == "alternate"))
                .or(entry.links.first())
                .and_then(|link| feed_url.join(link.href.trim()).ok())
                .filter(|url| matches!(url.scheme(), "http" | "https"));
            FeedEntry {
                link,
                title: entry
                    .title
                    .map(|text| plain(&text.content))
                    .unwrap_or_default(),
                summary: entry
                    .summary
                    .map(|text| plain(&text.content))
                    .unwrap_or_default(),
                content: entry
                    .content
                    .and_then(|content| content.body)
                    .map(|body| plain(&body))
                    .unwrap_or_default(),
                published: entry.published.or(entry.updated),
            }
        })
        .collect();

    Ok(ParsedFeed {
        title: feed
            .title
            .map(|text| plain(&text.content))
            .unwrap_or_default(),
        language: feed.language,
        entries,
    })
}

/// Feeds mix plain text and HTML freely; text without markup passes through unchanged.
fn plain(text: &str) -> String {
    // A fragment too deeply nested to parse loses its markup rather than its entry.
    html_to_text(text).unwrap_or_else(|_| text.split_whitespace().collect::<Vec<_>>().join(" "))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base() -> Url {
        Url::parse("https://example.org/feed/").unwrap()
    }

    #[test]
    fn rss_entries_are_read_with_relative_links_resolved() {
        let rss = r#"<?xml version="1.0"?><rss version="2.0"><channel><title>Demo</title>
            <language>pt-br</language>
            <item><title>Rotas &amp; escolas</title><link>/rotas</link>
            <description>&lt;p&gt;Resumo &lt;b&gt;curto&lt;/b&gt;&lt;/p&gt;</description>
            <pubDate>Wed, 05 Apr 2023 10:00:00 GMT</pubDate></item></channel></rss>"#;
        let feed = parse_feed(rss.as_bytes(), &base()).unwrap();
        assert_eq!(feed.language.as_deref(), Some("pt-br"));
        let entry = &feed.entries[0];
        assert_eq!(entry.title, "Rotas & escolas");
        assert_eq!(entry.summary, "Resumo curto");
        assert_eq!(
            entry.link.as_ref().unwrap().as_str(),
            "https://example.org/rotas"
        );
        assert!(entry.published.is_some());
        assert!(!entry.has_full_text());
    }

    #[test]
    fn atom_content_is_full_text() {
        let long = "Texte intégral. ".repeat(60);
        let atom = format!(
            r#"<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">
            <title>Demo</title><id>urn:x</id><updated>2023-01-01T00:00:00Z</updated>
            <entry><title>Budget</title><id>urn:1</id><updated>2023-02-01T00:00:00Z</updated>
            <link rel="alternate" href="https://example.org/budget"/>
            <content type="html">&lt;p&gt;{long}&lt;/p&gt;</content></entry></feed>"#
        );
        let feed = parse_feed(atom.as_bytes(), &base()).unwrap();
        assert!(feed.entries[0].has_full_text());
        assert_eq!(
            feed.entries[0].published.unwrap().to_rfc3339(),
            "2023-02-01T00:00:00+00:00"
        );
    }

    #[test]
    fn json_feed_is_read() {
        let json = r#"{"version": "https://jsonfeed.org/version/1.1", "title": "Demo",
            "items": [{"id": "1", "url": "https://example.org/j", "title": "JSON item",
            "content_text": "Plain text", "date_published": "2022-03-01T00:00:00Z"}]}"#;
        let feed = parse_feed(json.as_bytes(), &base()).unwrap();
        assert_eq!(feed.entries[0].title, "JSON item");
        assert_eq!(
            feed.entries[0].link.as_ref().unwrap().as_str(),
            "https://example.org/j"
        );
    }

    #[test]
    fn the_xml_declaration_gives_the_encoding() {
        let rss = "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><rss version=\"2.0\">\
            <channel><title>Sa\u{fa}de</title><item><title>Educa\u{e7}\u{e3}o p\u{fa}blica</title>\
            <link>https://example.org/e</link></item></channel></rss>";
        let (bytes, _, _) = encoding_rs::WINDOWS_1252.encode(rss);
        let feed = parse_feed(&bytes, &base()).unwrap();
        assert_eq!(feed.title, "Saúde");
        assert_eq!(feed.entries[0].title, "Educação pública");

        let (bytes, _, _) = encoding_rs::SHIFT_JIS.encode(
            "<?xml version=\"1.0\" encoding=\"Shift_JIS\"?><rss version=\"2.0\"><channel>\
             <title>防災</title><item><title>洪水警報</title></item></channel></rss>",
        );
        assert_eq!(
            parse_feed(&bytes, &base()).unwrap().entries[0].title,
            "洪水警報"
        );
    }

    #[test]
    fn malformed_feeds_are_errors_not_panics() {
        for input in [
            "",
            "<rss><channel><item>",
            "{\"version\": 3}",
            "\u{0}\u{0}",
            "<html></html>",
        ] {
            assert!(parse_feed(input.as_bytes(), &base()).is_err(), "{input:?}");
        }
    }

    #[test]
    fn non_http_links_are_ignored() {
        let rss = r#"<rss version="2.0"><channel><title>x</title>
            <item><title>t</title><link>javascript:alert(1)</link></item></channel></rss>"#;
        assert_eq!(
            parse_feed(rss.as_bytes(), &base()).unwrap().entries[0].link,
            None
        );
    }
}
