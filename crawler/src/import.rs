//! `agora sources import FILE.opml`: adding a feed reader's subscriptions to sources.toml.
//!
//! The file is edited through toml_edit, so that its comments, spacing and order survive; new
//! sources are appended as `[[source]]` tables, each after a comment naming the OPML file and
//! folder it came from. An OPML feed gives a URL and usually a title; what it cannot give is
//! written out explicitly from [`ImportDefaults`] (the country and the kind of content), so
//! that an editor sees what to review. The result is validated like any sources.toml before
//! the caller writes it.

use std::collections::HashSet;
use std::path::Path;

use agora_indexer::ContentKind;
use agora_indexer::language::normalize_code;
use toml_edit::{ArrayOfTables, DocumentMut, Item, Table, value};
use url::Url;

use crate::config::Config;
use crate::error::ConfigError;
use crate::normalize::canonicalize;
use crate::opml::{OpmlError, OpmlFeed, parse_opml};

/// Longest generated id, before a uniqueness suffix.
const MAX_ID_CHARS: usize = 40;

/// What imported sources get for the fields an OPML file cannot give.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportDefaults {
    /// Country code for every imported source (`INT` unless told otherwise).
    pub country: String,
    /// Kind of content for every imported source (`article` unless told otherwise).
    pub content: ContentKind,
}

impl Default for ImportDefaults {
    fn default() -> Self {
        ImportDefaults {
            country: agora_indexer::country::INTERNATIONAL.to_string(),
            content: ContentKind::Article,
        }
    }
}

/// A source added by an import.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AddedSource {
    /// Its generated id.
    pub id: String,
    /// Its feed URL.
    pub url: String,
}

/// A feed an import left out, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkippedFeed {
    /// The feed's URL as the OPML file gives it.
    pub url: String,
    /// Why it was left out.
    pub reason: String,
}

/// The outcome of an import: the new sources.toml text and what changed.
#[derive(Debug, Clone)]
pub struct Import {
    /// The sources file with the new sources appended.
    pub text: String,
    /// Sources added, in OPML order.
    pub added: Vec<AddedSource>,
    /// Feeds left out.
    pub skipped: Vec<SkippedFeed>,
}

/// Why an import could not be done; the sources file is then left as it was.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The OPML file is malformed.
    #[error("cannot read the OPML file: {0}")]
    Opml(#[from] OpmlError),
    /// The OPML file lists no feed.
    #[error("the OPML file lists no feeds (no <outline> has an xmlUrl)")]
    NoFeeds,
    /// The sources file is not valid TOML, or holds sources in another shape.
    #[error("cannot edit the sources file: {message}")]
    Sources {
        /// What is wrong.
        message: String,
    },
    /// The edited file would not pass `agora sources check`.
    #[error("the imported sources would not be valid:\n{0}")]
    Invalid(ConfigError),
}

/// Adds the feeds of `opml` to `sources_text` (the content of `sources_path`), skipping feeds
/// whose URL is already configured; `opml_name` is recorded in a comment above each.
pub fn import_opml(
    sources_text: &str,
    sources_path: &Path,
    opml: &[u8],
    opml_name: &str,
    defaults: &ImportDefaults,
) -> Result<Import, ImportError> {
    let feeds = parse_opml(opml)?;
    if feeds.is_empty() {
        return Err(ImportError::NoFeeds);
    }
    let mut document: DocumentMut =
        sources_text
            .parse()
            .map_err(|error: toml_edit::TomlError| ImportError::Sources {
                message: error.to_string(),
            })?;
    let (mut ids, mut urls) = configured(&document)?;

    let mut added = Vec::new();
    let mut skipped = Vec::new();
    let mut tables = Vec::new();
    for feed in feeds {
        let url = match feed_url(&feed.xml_url) {
            Ok(url) => url,
            Err(reason) => {
                skipped.push(SkippedFeed {
                    url: feed.xml_url,
                    reason,
                });
                continue;
            }
        };
        if !urls.insert(canonicalize(&url).to_string()) {
            skipped.push(SkippedFeed {
                url: feed.xml_url,
                reason: "already configured".to_string(),
            });
            continue;
        }
        let id = unique_id(&base_id(&feed, &url), &mut ids);
        tables.push(source_table(&feed, &id, &url, opml_name, defaults));
        added.push(AddedSource {
            id,
            url: url.to_string(),
        });
    }

    if !tables.is_empty() {
        let sources = sources_array(&mut document)?;
        for table in tables {
            sources.push(table);
        }
    }
    let text = document.to_string();
    Config::parse(&text, sources_path).map_err(ImportError::Invalid)?;
    Ok(Import {
        text,
        added,
        skipped,
    })
}

/// Returns the ids and the canonical URLs of the sources already configured.
fn configured(document: &DocumentMut) -> Result<(HashSet<String>, HashSet<String>), ImportError> {
    let mut ids = HashSet::new();
    let mut urls = HashSet::new();
    let Some(item) = document.get("source") else {
        return Ok((ids, urls));
    };
    let sources = item
        .as_array_of_tables()
        .ok_or_else(|| ImportError::Sources {
            message: "`source` is not written as [[source]] tables".to_string(),
        })?;
    for source in sources.iter() {
        if let Some(id) = source.get("id").and_then(Item::as_str) {
            ids.insert(id.to_string());
        }
        if let Some(url) = source
            .get("url")
            .and_then(Item::as_str)
            .and_then(|raw| Url::parse(raw).ok())
        {
            urls.insert(canonicalize(&url).to_string());
        }
    }
    Ok((ids, urls))
}

fn sources_array(document: &mut DocumentMut) -> Result<&mut ArrayOfTables, ImportError> {
    let item = document
        .entry("source")
        .or_insert(Item::ArrayOfTables(ArrayOfTables::new()));
    item.as_array_of_tables_mut()
        .ok_or_else(|| ImportError::Sources {
            message: "`source` is not written as [[source]] tables".to_string(),
        })
}

fn feed_url(raw: &str) -> Result<Url, String> {
    let url = Url::parse(raw).map_err(|error| format!("not a valid URL: {error}"))?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err(format!("not an http(s) URL (scheme `{}`)", url.scheme()));
    }
    Ok(url)
}

fn source_table(
    feed: &OpmlFeed,
    id: &str,
    url: &Url,
    opml_name: &str,
    defaults: &ImportDefaults,
) -> Table {
    let mut table = Table::new();
    table.insert("id", value(id));
    if let Some(title) = &feed.title {
        table.insert("name", value(title.as_str()));
    }
    table.insert("kind", value("feed"));
    table.insert("url", value(url.as_str()));
    table.insert("country", value(defaults.country.as_str()));
    if let Some(language) = feed.language.as_deref().and_then(normalize_code) {
        table.insert("language", value(language));
    }
    table.insert("content", value(defaults.content.as_str()));

    let mut origin = format!("\n# Imported from {}", one_line(opml_name));
    if !feed.folders.is_empty() {
        origin.push_str(&format!(
            " (folder \"{}\")",
            one_line(&feed.folders.join(" / "))
        ));
    }
    if let Some(site) = &feed.html_url {
        origin.push_str(&format!("; site {}", one_line(site)));
    }
    origin.push('\n');
    table.decor_mut().set_prefix(origin);
    table
}

/// Keeps text that goes into a comment on one line.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// A slug from the feed's title, or from its host when the title gives none.
fn base_id(feed: &OpmlFeed, url: &Url) -> String {
    let from_title = feed.title.as_deref().map(slug).unwrap_or_default();
    if !from_title.is_empty() {
        return from_title;
    }
    let from_host = slug(
        url.host_str()
            .unwrap_or_default()
            .trim_start_matches("www."),
    );
    if from_host.is_empty() {
        "feed".to_string()
    } else {
        from_host
    }
}

fn unique_id(base: &str, taken: &mut HashSet<String>) -> String {
    let mut id = base.to_string();
    let mut number = 2;
    while taken.contains(&id) {
        id = format!("{base}-{number}");
        number += 1;
    }
    taken.insert(id.clone());
    id
}

/// Lower-case ASCII letters and digits separated by single dashes; common Latin accents are
/// folded (`São` → `sao`), other scripts are dropped.
fn slug(text: &str) -> String {
    let mut slug = String::new();
    for c in text.chars().flat_map(fold_accent) {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    let mut slug: String = slug.chars().take(MAX_ID_CHARS).collect();
    while slug.ends_with('-') {
        slug.pop();
    }
    slug
}

fn fold_accent(c: char) -> Vec<char> {
    let folded = match c.to_lowercase().next().unwrap_or(c) {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' => "a",
        'ç' | 'č' | 'ć' => "c",
        'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ę' | 'ě' => "e",
        'ì' | 'í' | 'î' | 'ï' | 'ī' => "i",
        'ñ' | 'ń' | 'ň' => "n",
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' => "o",
        'ù' | 'ú' | 'û' | 'ü' | 'ū' | 'ů' => "u",
        'ý' | 'ÿ' => "y",
        'ś' | 'š' => "s",
        'ź' | 'ż' | 'ž' => "z",
        'ł' => "l",
        'ř' => "r",
        'ß' => "ss",
        'æ' => "ae",
        'œ' => "oe",
        _ => return vec![c],
    };
    folded.chars().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SOURCES: &str = r#"# Agora's sources.
[crawler]
politeness_delay = "1s"   # be kind

# The first source, hand-written.
[[source]]
id = "recife"
kind = "feed"
url = "https://recife.example/feed"
country = "BR"
"#;

    const OPML: &str = r#"<?xml version="1.0"?>
        <opml version="1.0"><head><title>My feeds</title></head><body>
          <outline text="Cities">
            <outline title="Prefeitura do Recife" xmlUrl="https://recife.example/feed#x"/>
            <outline title="Ville de Lyon – Actualités" xmlUrl="https://lyon.example/rss"
              htmlUrl="https://lyon.example/" language="fr-FR"/>
            <outline title="Recife" xmlUrl="https://other.example/feed"/>
            <outline title="東京都" xmlUrl="https://www.metro.tokyo.example/rss.xml"/>
            <outline title="Broken" xmlUrl="ftp://files.example/feed"/>
            <outline title="Lyon again" xmlUrl="https://lyon.example/rss?utm_source=reader"/>
          </outline>
        </body></opml>"#;

    fn import(sources: &str, opml: &str) -> Result<Import, ImportError> {
        import_opml(
            sources,
            Path::new("sources.toml"),
            opml.as_bytes(),
            "feeds.opml",
            &ImportDefaults::default(),
        )
    }

    #[test]
    fn feeds_are_appended_and_the_file_keeps_its_layout() {
        let import = import(SOURCES, OPML).unwrap();
        assert!(import.text.starts_with(SOURCES), "{}", import.text);
        let added: Vec<(&str, &str)> = import
            .added
            .iter()
            .map(|source| (source.id.as_str(), source.url.as_str()))
            .collect();
        assert_eq!(
            added,
            [
                ("ville-de-lyon-actualites", "https://lyon.example/rss"),
                ("recife-2", "https://other.example/feed"),
                (
                    "metro-tokyo-example",
                    "https://www.metro.tokyo.example/rss.xml"
                ),
            ]
        );
        let skipped: Vec<(&str, &str)> = import
            .skipped
            .iter()
            .map(|feed| (feed.url.as_str(), feed.reason.as_str()))
            .collect();
        assert_eq!(
            skipped,
            [
                ("https://recife.example/feed#x", "already configured"),
                (
                    "ftp://files.example/feed",
                    "not an http(s) URL (scheme `ftp`)"
                ),
                (
                    "https://lyon.example/rss?utm_source=reader",
                    "already configured"
                ),
            ]
        );
        assert!(
            import.text.contains(
                "\n# Imported from feeds.opml (folder \"Cities\"); site https://lyon.example/\n\
             [[source]]\nid = \"ville-de-lyon-actualites\"\nname = \"Ville de Lyon – Actualités\"\n\
             kind = \"feed\"\nurl = \"https://lyon.example/rss\"\ncountry = \"INT\"\n\
             language = \"fr\"\ncontent = \"article\"\n"
            ),
            "{}",
            import.text
        );

        let config = Config::parse(&import.text, Path::new("sources.toml")).unwrap();
        assert_eq!(config.sources.len(), 4);
    }

    #[test]
    fn importing_twice_adds_nothing_more() {
        let first = import(SOURCES, OPML).unwrap();
        let second = import(&first.text, OPML).unwrap();
        assert!(second.added.is_empty());
        assert_eq!(second.text, first.text);
    }

    #[test]
    fn an_empty_sources_file_gets_its_first_sources() {
        let import = import("", OPML).unwrap();
        assert_eq!(import.added.len(), 4);
        Config::parse(&import.text, Path::new("sources.toml")).unwrap();
    }

    #[test]
    fn bad_inputs_are_errors() {
        assert!(matches!(
            import(SOURCES, "<opml><body>"),
            Err(ImportError::Opml(_))
        ));
        assert!(matches!(
            import(
                SOURCES,
                "<opml><body><outline text='folder'/></body></opml>"
            ),
            Err(ImportError::NoFeeds)
        ));
        assert!(matches!(
            import("[[source]\nid =", OPML),
            Err(ImportError::Sources { .. })
        ));
        assert!(matches!(
            import("source = 3\n", OPML),
            Err(ImportError::Sources { .. })
        ));
    }

    #[test]
    fn slugs_are_valid_ids() {
        let cases = [
            ("São Paulo: Notícias", "sao-paulo-noticias"),
            ("  --Hello__World--  ", "hello-world"),
            ("東京都", ""),
            ("Straße & Œuvre", "strasse-oeuvre"),
        ];
        for (text, expected) in cases {
            assert_eq!(slug(text), expected, "{text}");
        }
    }
}
