//! Local collections: a folder of Markdown, HTML and JSON-lines files.
//!
//! This is how the bundled collection is read, and how editors bulk-import an existing
//! case-study database: export it as JSON lines, or as Markdown files with YAML (`---`) or
//! TOML (`+++`) front matter, and point a `kind = "local"` source at the folder.
//!
//! Front matter keys (all optional): `title`, `date` (or `published`), `country`, `language`
//! (or `lang`), `topics`, `kind`, `summary`, `url`. JSON-lines records use the same keys plus
//! `body` (or `content`, `text`). Missing values fall back to the source's settings.

use std::fs;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

use pulldown_cmark::{Event, Parser, TagEnd};
use serde::Deserialize;
use url::Url;

use crate::config::SourceConfig;
use crate::extract::{extract_page, parse_date};
use crate::record::DocumentParts;

/// A file or record that could not be read, with where it came from.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{location}: {message}")]
pub struct LocalError {
    /// File (and line, for JSON lines).
    pub location: String,
    /// What is wrong.
    pub message: String,
}

/// Metadata of a Markdown file or a JSON-lines record.
#[derive(Debug, Default, Deserialize)]
struct Metadata {
    title: Option<String>,
    #[serde(alias = "published")]
    date: Option<Scalar>,
    country: Option<String>,
    #[serde(alias = "lang")]
    language: Option<String>,
    topics: Option<Vec<String>>,
    kind: Option<String>,
    summary: Option<String>,
    url: Option<String>,
    #[serde(alias = "content", alias = "text")]
    body: Option<String>,
}

/// Dates arrive as strings from YAML and JSON, and as native datetimes from TOML.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Scalar {
    Text(String),
    Toml(toml::value::Datetime),
}

impl Scalar {
    fn as_text(&self) -> String {
        match self {
            Scalar::Text(text) => text.clone(),
            Scalar::Toml(datetime) => datetime.to_string(),
        }
    }
}

/// Lists the readable files under `root`, sorted, skipping hidden files, symbolic links and
/// README files (which document a collection rather than belong to it).
pub fn list_files(root: &Path) -> Result<Vec<PathBuf>, LocalError> {
    let mut files = Vec::new();
    let mut pending = vec![root.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let entries = fs::read_dir(&dir).map_err(|error| LocalError {
            location: dir.display().to_string(),
            message: format!("cannot read folder: {error}"),
        })?;
        for entry in entries.flatten() {
            let is_hidden = entry.file_name().to_string_lossy().starts_with('.');
            let Ok(file_type) = entry.file_type() else {
                continue;
            };
            if is_hidden || file_type.is_symlink() {
                continue;
            }
            if file_type.is_dir() {
                pending.push(entry.path());
            } else if file_type.is_file() && is_supported(&entry.path()) {
                files.push(entry.path());
            }
        }
    }
    files.sort();
    Ok(files)
}

fn is_supported(path: &Path) -> bool {
    let is_readme = path
        .file_stem()
        .is_some_and(|stem| stem.eq_ignore_ascii_case("readme"));
    if is_readme {
        return false;
    }
    let extension = path
        .extension()
        .and_then(|ext| ext.to_str())
        .unwrap_or_default();
    matches!(
        extension.to_ascii_lowercase().as_str(),
        "md" | "markdown" | "html" | "htm" | "jsonl" | "ndjson"
    )
}

/// Reads one file into document parts; a JSON-lines file yields one result per line.
pub fn read_file(
    root: &Path,
    path: &Path,
    source: &SourceConfig,
    max_bytes: u64,
) -> Vec<Result<DocumentParts, LocalError>> {
    let relative = path
        .strip_prefix(root)
        .unwrap_or(path)
        .to_string_lossy()
        .replace('\\', "/");
    let location = path.display().to_string();
    let fail = |message: String| {
        vec![Err(LocalError {
            location: location.clone(),
            message,
        })]
    };

    let size = fs::metadata(path)
        .map(|metadata| metadata.len())
        .unwrap_or(0);
    if size > max_bytes {
        return fail(format!("file is larger than {max_bytes} bytes; skipped"));
    }
    let extension = path
        .extension()
        .and_then(|ext| ext.to_str())
        .unwrap_or_default()
        .to_ascii_lowercase();
    if extension == "jsonl" || extension == "ndjson" {
        return read_json_lines(path, &relative, source);
    }
    let text = match fs::read(path) {
        Ok(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
        Err(error) => return fail(format!("cannot read file: {error}")),
    };
    let parts = match extension.as_str() {
        "html" | "htm" => html_parts(&text, &relative, source),
        _ => markdown_parts(&text, &relative, source),
    };
    vec![parts.map_err(|message| LocalError { location, message })]
}

fn markdown_parts(
    text: &str,
    relative: &str,
    source: &SourceConfig,
) -> Result<DocumentParts, String> {
    let (metadata, markdown) = split_front_matter(text)?;
    let body = markdown_to_text(markdown);
    metadata_parts(metadata, body, local_url(source, relative))
}

fn html_parts(text: &str, relative: &str, source: &SourceConfig) -> Result<DocumentParts, String> {
    let page = extract_page(text, &source.selectors).map_err(|error| error.to_string())?;
    let url = local_url(source, relative);
    let canonical = page
        .canonical
        .as_deref()
        .and_then(|raw| Url::parse(raw).ok())
        .filter(|url| matches!(url.scheme(), "http" | "https"))
        .unwrap_or_else(|| url.clone());
    Ok(DocumentParts {
        url: canonical.clone(),
        canonical,
        title: page.title,
        summary: page.summary,
        body: page.body,
        declared_lang: page.declared_lang,
        published: page.published,
        country: None,
        topics: None,
        kind: None,
    })
}

fn read_json_lines(
    path: &Path,
    relative: &str,
    source: &SourceConfig,
) -> Vec<Result<DocumentParts, LocalError>> {
    let file = match fs::File::open(path) {
        Ok(file) => file,
        Err(error) => {
            return vec![Err(LocalError {
                location: path.display().to_string(),
                message: format!("cannot read file: {error}"),
            })];
        }
    };
    let mut results = Vec::new();
    for (index, line) in BufReader::new(file).lines().enumerate() {
        let location = format!("{}:{}", path.display(), index + 1);
        let line = match line {
            Ok(line) if line.trim().is_empty() => continue,
            Ok(line) => line,
            Err(error) => {
                results.push(Err(LocalError {
                    location,
                    message: format!("unreadable line: {error}"),
                }));
                continue;
            }
        };
        let parsed = serde_json::from_str::<Metadata>(&line)
            .map_err(|error| format!("invalid JSON record: {error}"))
            .and_then(|mut metadata| {
                let body = metadata.body.take().unwrap_or_default();
                let url = local_url(source, &format!("{relative}#{}", index + 1));
                metadata_parts(metadata, body, url)
            });
        results.push(parsed.map_err(|message| LocalError { location, message }));
    }
    results
}

/// Splits YAML (`---`) or TOML (`+++`) front matter from the Markdown that follows.
fn split_front_matter(text: &str) -> Result<(Metadata, &str), String> {
    let text = text.trim_start_matches('\u{feff}');
    for (fence, is_yaml) in [("---", true), ("+++", false)] {
        let Some(rest) = text
            .strip_prefix(fence)
            .and_then(|rest| rest.strip_prefix(['\n', '\r']))
        else {
            continue;
        };
        let rest = rest.strip_prefix('\n').unwrap_or(rest);
        let end = rest
            .match_indices(fence)
            .find(|(position, _)| *position == 0 || rest[..*position].ends_with('\n'))
            .map(|(position, _)| position)
            .ok_or_else(|| format!("front matter opened with `{fence}` is never closed"))?;
        let header = &rest[..end];
        let body = rest[end + fence.len()..].trim_start_matches(['\r', '\n']);
        let metadata = if is_yaml {
            serde_yaml_ng::from_str(header).map_err(|error| format!("front matter: {error}"))?
        } else {
            toml::from_str(header).map_err(|error| format!("front matter: {}", error.message()))?
        };
        return Ok((metadata, body));
    }
    Ok((Metadata::default(), text))
}

fn markdown_to_text(markdown: &str) -> String {
    let mut paragraphs: Vec<String> = Vec::new();
    let mut current = String::new();
    let mut flush = |current: &mut String| {
        let paragraph = current.split_whitespace().collect::<Vec<_>>().join(" ");
        if !paragraph.is_empty() {
            paragraphs.push(paragraph);
        }
        current.clear();
    };
    for event in Parser::new(markdown) {
        match event {
            Event::Text(text) | Event::Code(text) => current.push_str(&text),
            Event::SoftBreak | Event::HardBreak => current.push(' '),
            Event::End(
                TagEnd::Paragraph
                | TagEnd::Heading(_)
                | TagEnd::Item
                | TagEnd::CodeBlock
                | TagEnd::BlockQuote(_)
                | TagEnd::TableRow,
            ) => flush(&mut current),
            // Raw HTML in Markdown is dropped: it is markup, not text, and never trusted.
            _ => {}
        }
    }
    flush(&mut current);
    paragraphs.join("\n\n")
}

fn metadata_parts(
    metadata: Metadata,
    body: String,
    default_url: Url,
) -> Result<DocumentParts, String> {
    let url = match metadata
        .url
        .as_deref()
        .map(str::trim)
        .filter(|raw| !raw.is_empty())
    {
        Some(raw) => Url::parse(raw)
            .ok()
            .filter(|url| matches!(url.scheme(), "http" | "https"))
            .ok_or_else(|| format!("url '{raw}' is not an http or https URL"))?,
        None => default_url,
    };
    let published = match &metadata.date {
        Some(raw) => {
            let text = raw.as_text();
            Some(
                parse_date(&text)
                    .ok_or_else(|| format!("date '{text}' is not a date (expected YYYY-MM-DD)"))?,
            )
        }
        None => None,
    };
    Ok(DocumentParts {
        canonical: url.clone(),
        url,
        title: metadata.title.unwrap_or_default(),
        summary: metadata.summary.unwrap_or_default(),
        body,
        declared_lang: metadata.language,
        published,
        country: metadata.country,
        topics: metadata.topics,
        kind: metadata.kind,
    })
}

/// Gives a local file a stable URL of its own: `local://SOURCE/relative/path`.
fn local_url(source: &SourceConfig, relative: &str) -> Url {
    let mut url =
        Url::parse(&format!("local://{}/", source.id)).expect("source ids are valid URL hosts");
    url.set_path(relative);
    if let Some((path, line)) = relative.rsplit_once('#') {
        url.set_path(path);
        url.set_fragment(Some(line));
    }
    url
}

#[cfg(test)]
mod tests;
