//! Turning what was extracted from a page, feed entry or file into a [`Document`].

use agora_indexer::country::{is_valid_country, suggest_country};
use agora_indexer::language::{LanguageGuess, detect_language};
use agora_indexer::{ContentKind, Document, DocumentDraft};
use chrono::{DateTime, Utc};
use url::Url;

use crate::config::SourceConfig;

/// Characters of body text used as a title when a document has none.
const FALLBACK_TITLE_CHARS: usize = 90;

/// Everything known about one document before the source's defaults are applied.
#[derive(Debug, Clone, PartialEq)]
pub struct DocumentParts {
    /// Where it was read from.
    pub url: Url,
    /// Its canonical URL.
    pub canonical: Url,
    /// Title.
    pub title: String,
    /// Summary.
    pub summary: String,
    /// Main text.
    pub body: String,
    /// Language declared by the page, feed or file.
    pub declared_lang: Option<String>,
    /// Publication date.
    pub published: Option<DateTime<Utc>>,
    /// Country given by the file, overriding the source's.
    pub country: Option<String>,
    /// Topics given by the file, overriding the source's.
    pub topics: Option<Vec<String>>,
    /// Content kind given by the file, overriding the source's.
    pub kind: Option<String>,
}

/// Why parts could not become a document.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RecordError {
    /// Nothing to index.
    #[error("no text found")]
    NoText,
    /// A per-document country that is not a code.
    #[error("unknown country '{code}'{hint}")]
    Country {
        /// The value.
        code: String,
        /// A suggestion, formatted.
        hint: String,
    },
    /// A per-document kind that is not a kind.
    #[error("unknown kind '{kind}' (expected {})", ContentKind::expected_names())]
    Kind {
        /// The value.
        kind: String,
    },
}

impl DocumentParts {
    /// Applies `source`'s defaults, detects the language and derives the id and hash.
    pub fn into_document(
        self,
        source: &SourceConfig,
    ) -> Result<(Document, LanguageGuess), RecordError> {
        if self.body.trim().is_empty() && self.summary.trim().is_empty() {
            return Err(RecordError::NoText);
        }
        let country = match self.country.map(|code| code.trim().to_string()) {
            Some(code) if is_valid_country(&code) => code,
            Some(code) => {
                let hint = suggest_country(&code)
                    .map(|known| format!(" (did you mean '{known}'?)"))
                    .unwrap_or_default();
                return Err(RecordError::Country { code, hint });
            }
            None => source.country.clone(),
        };
        let kind = match self.kind {
            Some(kind) => kind
                .trim()
                .parse()
                .map_err(|()| RecordError::Kind { kind })?,
            None => source.content,
        };
        let topics = match self.topics {
            Some(topics) => topics
                .iter()
                .map(|topic| topic.trim().to_lowercase())
                .filter(|t| !t.is_empty())
                .collect(),
            None => source.topics.clone(),
        };

        let title = if self.title.trim().is_empty() {
            agora_indexer::text::excerpt(&self.body, FALLBACK_TITLE_CHARS)
        } else {
            self.title.trim().to_string()
        };
        let declared = self.declared_lang.as_deref().or(source.language.as_deref());
        let sample = format!("{title}\n{}\n{}", self.summary, self.body);
        let guess = detect_language(&sample, declared);

        let draft = DocumentDraft {
            url: self.url.to_string(),
            canonical_url: self.canonical.to_string(),
            source: source.id.clone(),
            title,
            summary: self.summary.trim().to_string(),
            body: self.body,
            lang: guess.lang.clone(),
            country,
            topics,
            kind,
            published: self.published,
        };
        Ok((draft.finish(Utc::now()), guess))
    }
}
