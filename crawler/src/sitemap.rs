//! Sitemaps (`<urlset>`) and sitemap indexes (`<sitemapindex>`), per sitemaps.org, plain or
//! gzipped.

use std::borrow::Cow;
use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::io::Read;

use chrono::{DateTime, Utc};
use flate2::read::MultiGzDecoder;
use quick_xml::Reader;
use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::Event;
use url::Url;

use crate::extract::parse_date;

/// The entries cap of one sitemap file, from the protocol.
const MAX_SITEMAP_ENTRIES: usize = 50_000;

/// The uncompressed size cap of one sitemap file, from the protocol.
const MAX_SITEMAP_BYTES: u64 = 50 * 1024 * 1024;

/// The first bytes of every gzip stream.
const GZIP_MAGIC: [u8; 2] = [0x1f, 0x8b];

/// One page listed by a sitemap.
#[derive(Debug, Clone, PartialEq)]
pub struct SitemapUrl {
    /// The page.
    pub loc: Url,
    /// When it last changed, if the sitemap says.
    pub lastmod: Option<DateTime<Utc>>,
}

/// A parsed sitemap file.
#[derive(Debug, Clone, PartialEq)]
pub enum Sitemap {
    /// A list of pages.
    Urls(Vec<SitemapUrl>),
    /// A list of further sitemaps.
    Index(Vec<Url>),
}

/// A listed page's rank among the kept ones: its date, then its place in the listing.
type PageRank = (Option<DateTime<Utc>>, Reverse<u64>, Url);

/// The most recently changed pages of a listing, at most `limit` of them, kept while the
/// entries stream by: memory holds the pages a pass will fetch, not every page a sitemap
/// index lists (up to 50,000 per file).
#[derive(Debug)]
pub struct RecentPages {
    limit: usize,
    /// The kept pages, least recent on top; among equal dates the later-listed page counts
    /// as less recent, so that listing order breaks ties.
    kept: BinaryHeap<Reverse<PageRank>>,
    offered: u64,
    dropped: bool,
}

impl RecentPages {
    /// Keeps at most `limit` pages.
    pub fn new(limit: usize) -> Self {
        RecentPages {
            limit,
            kept: BinaryHeap::new(),
            offered: 0,
            dropped: false,
        }
    }

    /// Offers one listed page; it is kept if it is among the `limit` most recent so far.
    pub fn offer(&mut self, entry: SitemapUrl) {
        let key = Reverse((entry.lastmod, Reverse(self.offered), entry.loc));
        self.offered += 1;
        if self.kept.len() < self.limit {
            self.kept.push(key);
            return;
        }
        self.dropped = true;
        if let Some(least_recent) = self.kept.peek()
            && key < *least_recent
        {
            self.kept.pop();
            self.kept.push(key);
        }
    }

    /// The kept pages, most recent first, and whether any offered page was left out.
    pub fn into_pages(self) -> (Vec<Url>, bool) {
        let pages = self
            .kept
            .into_sorted_vec()
            .into_iter()
            .map(|Reverse((_, _, url))| url)
            .collect();
        (pages, self.dropped)
    }
}

/// Why a sitemap could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a readable sitemap: {message}")]
pub struct SitemapError {
    message: String,
}

/// Parses a sitemap fetched from `sitemap_url`; relative and non-HTTP locations are skipped.
pub fn parse_sitemap(bytes: &[u8], sitemap_url: &Url) -> Result<Sitemap, SitemapError> {
    let xml = uncompressed(bytes)?;
    let mut reader = Reader::from_reader(xml.as_ref());
    let mut buffer = Vec::new();
    let mut root: Option<String> = None;
    let mut current_tag = String::new();
    let mut loc: Option<String> = None;
    let mut lastmod: Option<String> = None;
    let mut urls = Vec::new();
    let mut sitemaps = Vec::new();

    loop {
        let event = reader
            .read_event_into(&mut buffer)
            .map_err(|error| SitemapError {
                message: format!("at byte {}: {error}", reader.buffer_position()),
            })?;
        match event {
            Event::Start(start) => {
                let name = start.local_name().as_ref().to_string();
                if root.is_none() {
                    if name != "urlset" && name != "sitemapindex" {
                        return Err(SitemapError {
                            message: format!(
                                "root element is <{name}>, not <urlset> or <sitemapindex>"
                            ),
                        });
                    }
                    root = Some(name.clone());
                }
                current_tag = name;
            }
            // Text arrives in pieces, split at every entity reference (`&amp;` in URLs).
            Event::Text(text) => {
                append(&current_tag, &text.xml10_content(), &mut loc, &mut lastmod)
            }
            Event::CData(data) => append(&current_tag, &data, &mut loc, &mut lastmod),
            Event::GeneralRef(reference) => {
                let resolved = match reference.resolve_char_ref() {
                    Ok(Some(character)) => character.to_string(),
                    _ => resolve_predefined_entity(&reference)
                        .unwrap_or_default()
                        .to_string(),
                };
                append(&current_tag, &resolved, &mut loc, &mut lastmod);
            }
            Event::End(end) => {
                let name = end.local_name().as_ref().to_string();
                if name == "url" || name == "sitemap" {
                    let location = loc
                        .take()
                        .and_then(|raw| absolute_http(sitemap_url, raw.trim()));
                    let modified = lastmod.take().and_then(|raw| parse_date(raw.trim()));
                    match (name.as_str(), location) {
                        ("url", Some(loc)) if urls.len() < MAX_SITEMAP_ENTRIES => {
                            urls.push(SitemapUrl {
                                loc,
                                lastmod: modified,
                            });
                        }
                        ("sitemap", Some(loc)) if sitemaps.len() < MAX_SITEMAP_ENTRIES => {
                            sitemaps.push(loc)
                        }
                        _ => {}
                    }
                }
                current_tag.clear();
            }
            Event::Eof => break,
            _ => {}
        }
        buffer.clear();
    }

    match root.as_deref() {
        Some("sitemapindex") => Ok(Sitemap::Index(sitemaps)),
        Some(_) => Ok(Sitemap::Urls(urls)),
        None => Err(SitemapError {
            message: "empty document".to_string(),
        }),
    }
}

/// Whether `bytes` are gzip-compressed.
pub fn is_gzipped(bytes: &[u8]) -> bool {
    bytes.starts_with(&GZIP_MAGIC)
}

/// The XML of a sitemap file. Files named `sitemap.xml.gz` are usually served compressed as
/// they are stored (`application/gzip`), not with a Content-Encoding the HTTP client undoes.
/// The output is capped, so a small compressed file cannot expand without bound.
fn uncompressed(bytes: &[u8]) -> Result<Cow<'_, [u8]>, SitemapError> {
    if !is_gzipped(bytes) {
        return Ok(Cow::Borrowed(bytes));
    }
    let mut xml = Vec::new();
    // Several gzip members one after another are one file, as `gzip -d` reads them.
    MultiGzDecoder::new(bytes)
        .take(MAX_SITEMAP_BYTES + 1)
        .read_to_end(&mut xml)
        .map_err(|error| SitemapError {
            message: format!("gzip: {error}"),
        })?;
    if xml.len() as u64 > MAX_SITEMAP_BYTES {
        return Err(SitemapError {
            message: format!(
                "uncompressed, it is larger than {} MiB, the protocol's limit",
                MAX_SITEMAP_BYTES / (1024 * 1024)
            ),
        });
    }
    Ok(Cow::Owned(xml))
}

fn append(tag: &str, text: &str, loc: &mut Option<String>, lastmod: &mut Option<String>) {
    let target = match tag {
        "loc" => loc,
        "lastmod" => lastmod,
        _ => return,
    };
    target.get_or_insert_with(String::new).push_str(text);
}

fn absolute_http(base: &Url, raw: &str) -> Option<Url> {
    base.join(raw)
        .ok()
        .filter(|url| matches!(url.scheme(), "http" | "https"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn base() -> Url {
        Url::parse("https://example.org/sitemap.xml").unwrap()
    }

    #[test]
    fn urlset_entries_are_read_with_lastmod() {
        let xml = r#"<?xml version="1.0" encoding="UTF-8"?>
            <urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
              <url><loc>https://example.org/a</loc><lastmod>2023-05-01</lastmod></url>
              <url><loc> https://example.org/b?x=1&amp;y=2 </loc></url>
              <url><loc>ftp://example.org/c</loc></url>
            </urlset>"#;
        let Sitemap::Urls(urls) = parse_sitemap(xml.as_bytes(), &base()).unwrap() else {
            panic!("expected a urlset");
        };
        assert_eq!(urls.len(), 2);
        assert_eq!(
            urls[0].lastmod.unwrap().date_naive().to_string(),
            "2023-05-01"
        );
        assert_eq!(urls[1].loc.as_str(), "https://example.org/b?x=1&y=2");
    }

    #[test]
    fn sitemap_index_lists_child_sitemaps() {
        let xml = r#"<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
            <sitemap><loc>https://example.org/sitemap-1.xml</loc></sitemap></sitemapindex>"#;
        assert_eq!(
            parse_sitemap(xml.as_bytes(), &base()).unwrap(),
            Sitemap::Index(vec![
                Url::parse("https://example.org/sitemap-1.xml").unwrap()
            ])
        );
    }

    #[test]
    fn malformed_or_foreign_xml_is_an_error() {
        for input in [
            "",
            "<html><body/></html>",
            "<urlset><url><loc>x</url>",
            "\u{0}",
        ] {
            assert!(
                parse_sitemap(input.as_bytes(), &base()).is_err(),
                "{input:?}"
            );
        }
    }

    fn gzip(bytes: &[u8]) -> Vec<u8> {
        use std::io::Write;
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
        encoder.write_all(bytes).unwrap();
        encoder.finish().unwrap()
    }

    #[test]
    fn gzipped_sitemaps_are_read_like_plain_ones() {
        let xml = r#"<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
            <url><loc>https://example.org/a</loc></url></urlset>"#;
        assert_eq!(
            parse_sitemap(&gzip(xml.as_bytes()), &base()).unwrap(),
            parse_sitemap(xml.as_bytes(), &base()).unwrap()
        );
        let (head, tail) = xml.split_at(40);
        let members = [gzip(head.as_bytes()), gzip(tail.as_bytes())].concat();
        assert_eq!(
            parse_sitemap(&members, &base()).unwrap(),
            parse_sitemap(xml.as_bytes(), &base()).unwrap()
        );
    }

    #[test]
    fn broken_or_oversized_gzip_is_an_error() {
        let xml = gzip(b"<urlset><url><loc>https://example.org/a</loc></url></urlset>");
        let truncated = parse_sitemap(&xml[..xml.len() / 2], &base()).unwrap_err();
        assert!(truncated.to_string().contains("gzip"), "{truncated}");

        let mut bomb = b"<urlset>".to_vec();
        bomb.resize(MAX_SITEMAP_BYTES as usize + 1, b' ');
        let oversized = parse_sitemap(&gzip(&bomb), &base()).unwrap_err();
        assert!(oversized.to_string().contains("50 MiB"), "{oversized}");
    }

    fn listed(path: &str, day: Option<u32>) -> SitemapUrl {
        SitemapUrl {
            loc: Url::parse(&format!("https://example.org/{path}")).unwrap(),
            lastmod: day.map(|day| Utc.with_ymd_and_hms(2024, 5, day, 0, 0, 0).unwrap()),
        }
    }

    #[test]
    fn recent_pages_keep_the_latest_changes_in_listing_order() {
        let mut recent = RecentPages::new(3);
        for entry in [
            listed("undated", None),
            listed("second", Some(2)),
            listed("ninth", Some(9)),
            listed("fifth-a", Some(5)),
            listed("fifth-b", Some(5)),
            listed("first", Some(1)),
        ] {
            recent.offer(entry);
        }
        let (pages, dropped) = recent.into_pages();
        let paths: Vec<&str> = pages.iter().map(|url| url.path()).collect();
        assert_eq!(paths, ["/ninth", "/fifth-a", "/fifth-b"]);
        assert!(dropped);
    }

    #[test]
    fn recent_pages_within_the_limit_drop_nothing() {
        let mut recent = RecentPages::new(5);
        recent.offer(listed("undated", None));
        recent.offer(listed("dated", Some(3)));
        let (pages, dropped) = recent.into_pages();
        let paths: Vec<&str> = pages.iter().map(|url| url.path()).collect();
        assert_eq!(paths, ["/dated", "/undated"]);
        assert!(!dropped);
    }
}
