//! The document model shared by the crawler, the store, the index and the API.
//!
//! A [`Document`] is one article or case study as Agora keeps it: cleaned text plus the
//! metadata editors filter on. Its id is derived from the canonical URL so that crawling the
//! same article twice, from a feed and from a sitemap say, lands on the same record.

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// Stable identifier of a document: 16 hex digits of the SHA-256 of its canonical URL.
///
/// 64 bits keep URLs short while making a collision among a million documents a
/// one-in-thirty-million event.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct DocId(String);

impl DocId {
    const NUM_HEX_DIGITS: usize = 16;

    /// Derives the id of the document published at `canonical_url`.
    pub fn from_canonical_url(canonical_url: &str) -> DocId {
        let digest = Sha256::digest(canonical_url.as_bytes());
        DocId(hex(&digest)[..Self::NUM_HEX_DIGITS].to_string())
    }

    /// Parses an id received from outside (an API path, a command line).
    pub fn parse(raw: &str) -> Option<DocId> {
        let is_valid = raw.len() == Self::NUM_HEX_DIGITS
            && raw
                .bytes()
                .all(|byte| matches!(byte, b'0'..=b'9' | b'a'..=b'f'));
        is_valid.then(|| DocId(raw.to_string()))
    }

    /// Returns the id as text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for DocId {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(&self.0)
    }
}

/// What kind of text a document is; editors set it per source.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum ContentKind {
    /// A documented public-sector initiative, with context, approach and results.
    #[default]
    CaseStudy,
    /// A general article or blog post.
    Article,
    /// An opinion or commentary piece.
    Opinion,
    /// A longer report or evaluation.
    Report,
    /// A news item or announcement.
    News,
    /// A member's question with its answers, from the community; never crawled.
    Question,
}

impl ContentKind {
    /// Every kind an editor can give a source, in the order used by help texts.
    pub const ALL: [ContentKind; 5] = [
        ContentKind::CaseStudy,
        ContentKind::Article,
        ContentKind::Opinion,
        ContentKind::Report,
        ContentKind::News,
    ];

    /// Returns the kind's name as written in `sources.toml` and in the API.
    pub fn as_str(self) -> &'static str {
        match self {
            ContentKind::CaseStudy => "case-study",
            ContentKind::Article => "article",
            ContentKind::Opinion => "opinion",
            ContentKind::Report => "report",
            ContentKind::News => "news",
            ContentKind::Question => "question",
        }
    }

    /// Lists the accepted names, for error messages.
    pub fn expected_names() -> String {
        Self::ALL.map(ContentKind::as_str).join(", ")
    }

    /// Every kind a search can filter on: the crawled kinds and community questions.
    pub const SEARCHABLE: [ContentKind; 6] = [
        ContentKind::CaseStudy,
        ContentKind::Article,
        ContentKind::Opinion,
        ContentKind::Report,
        ContentKind::News,
        ContentKind::Question,
    ];

    /// Parses a kind named in a search filter, questions included.
    pub fn parse_searchable(raw: &str) -> Option<ContentKind> {
        Self::SEARCHABLE
            .into_iter()
            .find(|kind| kind.as_str() == raw)
    }

    /// Lists the names a search filter accepts, for error messages.
    pub fn searchable_names() -> String {
        Self::SEARCHABLE.map(ContentKind::as_str).join(", ")
    }
}

impl fmt::Display for ContentKind {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str(self.as_str())
    }
}

impl FromStr for ContentKind {
    type Err = ();

    fn from_str(raw: &str) -> Result<Self, Self::Err> {
        Self::ALL
            .into_iter()
            .find(|kind| kind.as_str() == raw)
            .ok_or(())
    }
}

/// One article or case study, as stored and indexed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Document {
    /// Stable id derived from `canonical_url`.
    pub id: DocId,
    /// The URL the document was fetched from (after redirects).
    pub url: String,
    /// The URL that identifies the article, with tracking parameters and fragments removed.
    pub canonical_url: String,
    /// Id of the source (from `sources.toml`) that produced it.
    pub source: String,
    /// Title, without the site name.
    pub title: String,
    /// A short description: the feed summary or the page's meta description.
    #[serde(default)]
    pub summary: String,
    /// The main text, as plain text with paragraphs separated by blank lines.
    pub body: String,
    /// ISO 639-1 code of the text's language, or `und` when it could not be told.
    pub lang: String,
    /// ISO 3166-1 alpha-2 code of the country concerned, or `INT`.
    pub country: String,
    /// Topic slugs.
    #[serde(default)]
    pub topics: Vec<String>,
    /// What kind of text this is.
    #[serde(default)]
    pub kind: ContentKind,
    /// When the document was published, if known.
    pub published: Option<DateTime<Utc>>,
    /// When Agora fetched it.
    pub fetched_at: DateTime<Utc>,
    /// Hash of everything that is indexed; an unchanged hash means nothing to rewrite.
    pub content_hash: String,
    /// The document this one republishes, when the store found it to be a near-duplicate;
    /// such documents are kept but not indexed. Set by the store, not by crawlers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duplicate_of: Option<DocId>,
    /// Other URLs where the same article was found. Set by the store, not by crawlers.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub also_at: Vec<String>,
    /// How the community received it, for documents of kind `question`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub question: Option<QuestionSignals>,
}

/// What the community made of a question: it ranks answered, accepted and well-voted
/// questions above the others, and lets searches keep only answered or unanswered ones.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuestionSignals {
    /// Visible answers.
    pub num_answers: u32,
    /// Whether the asker accepted an answer.
    pub accepted: bool,
    /// The highest score among the answers (up votes minus down votes).
    pub top_score: i64,
}

/// The parts of a document that a crawler extracts, before the id and hash are derived.
#[derive(Debug, Clone, Default)]
pub struct DocumentDraft {
    /// See [`Document::url`].
    pub url: String,
    /// See [`Document::canonical_url`].
    pub canonical_url: String,
    /// See [`Document::source`].
    pub source: String,
    /// See [`Document::title`].
    pub title: String,
    /// See [`Document::summary`].
    pub summary: String,
    /// See [`Document::body`].
    pub body: String,
    /// See [`Document::lang`].
    pub lang: String,
    /// See [`Document::country`].
    pub country: String,
    /// See [`Document::topics`].
    pub topics: Vec<String>,
    /// See [`Document::kind`].
    pub kind: ContentKind,
    /// See [`Document::published`].
    pub published: Option<DateTime<Utc>>,
}

impl DocumentDraft {
    /// Completes the draft with its id, content hash and fetch time.
    pub fn finish(self, fetched_at: DateTime<Utc>) -> Document {
        self.finish_with_signals(fetched_at, None)
    }

    /// Completes the draft of a community question, with what its answers and votes say.
    pub fn finish_question(self, fetched_at: DateTime<Utc>, signals: QuestionSignals) -> Document {
        self.finish_with_signals(fetched_at, Some(signals))
    }

    fn finish_with_signals(
        self,
        fetched_at: DateTime<Utc>,
        signals: Option<QuestionSignals>,
    ) -> Document {
        let content_hash = self.content_hash(signals.as_ref());
        Document {
            id: DocId::from_canonical_url(&self.canonical_url),
            url: self.url,
            canonical_url: self.canonical_url,
            source: self.source,
            title: self.title,
            summary: self.summary,
            body: self.body,
            lang: self.lang,
            country: self.country,
            topics: self.topics,
            kind: self.kind,
            published: self.published,
            fetched_at,
            content_hash,
            question: signals,
            duplicate_of: None,
            also_at: Vec::new(),
        }
    }

    fn content_hash(&self, signals: Option<&QuestionSignals>) -> String {
        let mut hasher = Sha256::new();
        let published = self
            .published
            .map(|date| date.to_rfc3339())
            .unwrap_or_default();
        let kind = self.kind.as_str();
        // The fetched URL is left out: it is not indexed (results link to the canonical URL),
        // and the same article fetched with other tracking parameters is not a change.
        let fields = [
            self.source.as_str(),
            &self.title,
            &self.summary,
            &self.body,
            &self.lang,
            &self.country,
            &self.topics.join(","),
            kind,
            &published,
        ];
        // A separator that cannot occur in text keeps ("ab", "c") and ("a", "bc") apart.
        for field in fields {
            hasher.update(field.as_bytes());
            hasher.update([0u8]);
        }
        // Absent for crawled documents, so that their hashes are what they always were.
        if let Some(signals) = signals {
            let text = format!(
                "{}/{}/{}",
                signals.num_answers, signals.accepted, signals.top_score
            );
            hasher.update(text.as_bytes());
        }
        hex(&hasher.finalize())
    }
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut out, byte| {
            let _ = write!(out, "{byte:02x}");
            out
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn draft(body: &str) -> DocumentDraft {
        DocumentDraft {
            url: "https://example.org/a".into(),
            canonical_url: "https://example.org/a".into(),
            source: "demo".into(),
            title: "Title".into(),
            body: body.into(),
            lang: "en".into(),
            country: "GB".into(),
            ..DocumentDraft::default()
        }
    }

    #[test]
    fn id_is_stable_and_parses_back() {
        let id = DocId::from_canonical_url("https://example.org/a");
        assert_eq!(id, DocId::from_canonical_url("https://example.org/a"));
        assert_eq!(DocId::parse(id.as_str()), Some(id));
        assert_ne!(
            DocId::from_canonical_url("https://example.org/a"),
            DocId::from_canonical_url("https://example.org/b")
        );
    }

    #[test]
    fn malformed_ids_are_rejected() {
        for raw in [
            "",
            "xyz",
            "0123456789ABCDEF",
            "0123456789abcdef0",
            "../../etc/passwd",
        ] {
            assert_eq!(DocId::parse(raw), None, "{raw}");
        }
    }

    #[test]
    fn content_hash_ignores_fetch_time_but_not_text() {
        let first = draft("one").finish(Utc::now());
        let again = draft("one").finish(Utc::now() + chrono::Duration::hours(1));
        let changed = draft("two").finish(Utc::now());
        assert_eq!(first.content_hash, again.content_hash);
        assert_ne!(first.content_hash, changed.content_hash);
    }

    #[test]
    fn content_kind_round_trips_through_its_name() {
        for kind in ContentKind::ALL {
            assert_eq!(kind.as_str().parse::<ContentKind>(), Ok(kind));
        }
        assert!("fead".parse::<ContentKind>().is_err());
    }

    #[test]
    fn questions_are_searchable_but_no_source_can_claim_them() {
        assert!("question".parse::<ContentKind>().is_err());
        assert_eq!(
            ContentKind::parse_searchable("question"),
            Some(ContentKind::Question)
        );
        assert_eq!(
            ContentKind::parse_searchable("case-study"),
            Some(ContentKind::CaseStudy)
        );
    }

    #[test]
    fn question_signals_change_the_content_hash() {
        let plain = draft("one").finish(Utc::now());
        let unanswered = draft("one").finish_question(Utc::now(), QuestionSignals::default());
        let answered = draft("one").finish_question(
            Utc::now(),
            QuestionSignals {
                num_answers: 1,
                ..QuestionSignals::default()
            },
        );
        assert_ne!(plain.content_hash, unanswered.content_hash);
        assert_ne!(unanswered.content_hash, answered.content_hash);
    }
}
