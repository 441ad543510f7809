//! OPML subscription lists, as feed readers export them.
//!
//! Feeds are `<outline>` elements with an `xmlUrl`, at any depth: readers nest them in folders
//! (outlines without `xmlUrl`), whose names are kept for the record. Attribute names are
//! matched case-insensitively because exporters disagree (`xmlUrl`, `xmlurl`).

use quick_xml::Reader;
use quick_xml::XmlVersion;
use quick_xml::events::{BytesStart, Event};

/// Deepest outline nesting read; real exports have two or three levels.
const MAX_DEPTH: usize = 64;

/// One feed listed in an OPML file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpmlFeed {
    /// The feed's URL (`xmlUrl`), as written.
    pub xml_url: String,
    /// Its title (`title`, else `text`), if any.
    pub title: Option<String>,
    /// The site's home page (`htmlUrl`), if any.
    pub html_url: Option<String>,
    /// Its declared language (`language`), if any.
    pub language: Option<String>,
    /// The folders it sits in, outermost first.
    pub folders: Vec<String>,
}

/// Why an OPML file could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OpmlError {
    /// The XML is malformed.
    #[error("not well-formed XML at byte {position}: {message}")]
    Xml {
        /// Byte offset of the problem.
        position: u64,
        /// What the parser reported.
        message: String,
    },
    /// The root element is not `<opml>`.
    #[error("the root element is <{root}>, not <opml>")]
    NotOpml {
        /// The root element found.
        root: String,
    },
    /// Outlines nest deeper than anything a feed reader writes.
    #[error("outlines nest more than {MAX_DEPTH} levels deep")]
    TooDeep,
}

/// Lists the feeds of an OPML document, in document order.
pub fn parse_opml(bytes: &[u8]) -> Result<Vec<OpmlFeed>, OpmlError> {
    let mut reader = Reader::from_reader(bytes);
    let mut buffer = Vec::new();
    let mut feeds = Vec::new();
    let mut has_root = false;
    // One entry per open <outline>: its folder name when it is a folder.
    let mut open: Vec<Option<String>> = Vec::new();
    // Elements still open: a file cut short is malformed, not a shorter list.
    let mut num_open_elements = 0usize;

    loop {
        let event = reader
            .read_event_into(&mut buffer)
            .map_err(|error| OpmlError::Xml {
                position: reader.buffer_position(),
                message: error.to_string(),
            })?;
        match &event {
            Event::Start(_) => num_open_elements += 1,
            Event::End(_) => num_open_elements = num_open_elements.saturating_sub(1),
            Event::Eof if num_open_elements > 0 => {
                return Err(OpmlError::Xml {
                    position: reader.buffer_position(),
                    message: "the file ends before its elements are closed".to_string(),
                });
            }
            _ => {}
        }
        match event {
            Event::Start(element) | Event::Empty(element) if !has_root => {
                let root = local_name(&element);
                if !root.eq_ignore_ascii_case("opml") {
                    return Err(OpmlError::NotOpml { root });
                }
                has_root = true;
            }
            Event::Start(element) if local_name(&element).eq_ignore_ascii_case("outline") => {
                let folder = read_outline(&element, &open, &mut feeds);
                open.push(folder);
                if open.len() > MAX_DEPTH {
                    return Err(OpmlError::TooDeep);
                }
            }
            Event::Empty(element) if local_name(&element).eq_ignore_ascii_case("outline") => {
                read_outline(&element, &open, &mut feeds);
            }
            Event::End(element)
                if element
                    .local_name()
                    .as_ref()
                    .to_string()
                    .eq_ignore_ascii_case("outline") =>
            {
                open.pop();
            }
            Event::Eof => break,
            _ => {}
        }
        buffer.clear();
    }
    if !has_root {
        return Err(OpmlError::Xml {
            position: 0,
            message: "the document is empty".to_string(),
        });
    }
    Ok(feeds)
}

/// Records the outline's feed, if it is one; returns its name when it is a folder.
fn read_outline(
    element: &BytesStart<'_>,
    open: &[Option<String>],
    feeds: &mut Vec<OpmlFeed>,
) -> Option<String> {
    let attribute = |name: &str| attribute(element, name);
    let title = attribute("title").or_else(|| attribute("text"));
    let Some(xml_url) = attribute("xmlUrl") else {
        return Some(title.unwrap_or_default());
    };
    feeds.push(OpmlFeed {
        xml_url,
        title,
        html_url: attribute("htmlUrl"),
        language: attribute("language"),
        folders: open
            .iter()
            .flatten()
            .filter(|name| !name.is_empty())
            .cloned()
            .collect(),
    });
    None
}

fn local_name(element: &BytesStart<'_>) -> String {
    element.local_name().as_ref().to_string()
}

/// Returns the trimmed, non-empty value of attribute `name`, matched case-insensitively.
fn attribute(element: &BytesStart<'_>, name: &str) -> Option<String> {
    element
        .attributes()
        .with_checks(false)
        .flatten()
        .find(|attribute| {
            attribute
                .key
                .local_name()
                .as_ref()
                .to_string()
                .eq_ignore_ascii_case(name)
        })
        .and_then(|attribute| {
            attribute
                .normalized_value(XmlVersion::Implicit1_0)
                .ok()
                .map(|value| value.split_whitespace().collect::<Vec<_>>().join(" "))
        })
        .filter(|value| !value.is_empty())
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        #[test]
        fn arbitrary_input_is_an_error_or_a_list_never_a_panic(
            pieces in proptest::collection::vec(
                prop_oneof![
                    Just("<opml>"), Just("</opml>"), Just("<body>"), Just("<outline "),
                    Just("xmlUrl='https://a.example/f'"), Just("text=\"x\""), Just("/>"),
                    Just(">"), Just("</outline>"), Just("&amp;"), Just("&bogus;"), Just("<!--"),
                    Just("\u{0}"), Just("é"),
                ],
                0..30,
            )
        ) {
            let _ = parse_opml(pieces.concat().as_bytes());
        }
    }

    #[test]
    fn nested_feeds_are_listed_with_their_folders() {
        let opml = r#"<?xml version="1.0" encoding="UTF-8"?>
            <opml version="2.0"><head><title>Subscriptions</title></head><body>
              <outline text="Cities">
                <outline text="Recife" title="Prefeitura do Recife" type="rss"
                  xmlUrl="https://recife.example/feed" htmlUrl="https://recife.example/"
                  language="pt-BR"/>
                <outline text="Europe"><outline text="Lyon &amp; Métropole"
                  xmlurl="https://lyon.example/rss.xml"/></outline>
              </outline>
              <outline text="Loose" xmlUrl=" https://loose.example/atom "></outline>
            </body></opml>"#;
        let feeds = parse_opml(opml.as_bytes()).unwrap();
        assert_eq!(feeds.len(), 3);
        assert_eq!(
            feeds[0],
            OpmlFeed {
                xml_url: "https://recife.example/feed".into(),
                title: Some("Prefeitura do Recife".into()),
                html_url: Some("https://recife.example/".into()),
                language: Some("pt-BR".into()),
                folders: vec!["Cities".into()],
            }
        );
        assert_eq!(feeds[1].title.as_deref(), Some("Lyon & Métropole"));
        assert_eq!(feeds[1].folders, ["Cities", "Europe"]);
        assert_eq!(feeds[2].xml_url, "https://loose.example/atom");
        assert!(feeds[2].folders.is_empty());
    }

    #[test]
    fn malformed_documents_are_clear_errors() {
        let cases = [
            ("", "empty"),
            ("<opml><body>", "ends before its elements are closed"),
            (
                "<opml><body><outline text='x'></body></opml>",
                "well-formed",
            ),
            ("<rss><channel/></rss>", "<rss>, not <opml>"),
            (
                "<opml><body><outline xmlUrl='a\" /></body></opml>",
                "well-formed",
            ),
            ("\u{0}\u{1}garbage", "well-formed"),
        ];
        for (input, expected) in cases {
            let error = parse_opml(input.as_bytes()).unwrap_err().to_string();
            assert!(error.contains(expected), "{input:?}: {error}");
        }
        let deep = format!(
            "<opml><body>{}</body></opml>",
            "<outline text='f'>".repeat(100) + &"</outline>".repeat(100)
        );
        assert_eq!(parse_opml(deep.as_bytes()), Err(OpmlError::TooDeep));
    }
}
