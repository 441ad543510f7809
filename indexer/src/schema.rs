//! The tantivy schema: which fields exist and how each is analysed.
//!
//! Text is indexed twice. `title`, `summary` and `body` use the language-neutral analyzer for
//! every document and also hold the stored text. `title_<lang>`, `summary_<lang>` and
//! `body_<lang>` use the document's own language analyzer and are filled only for documents
//! in that language. A query searches its language's fields plus the neutral ones, so a
//! misdetected language costs stemming, never the document.
//!
//! The index stores everything a result list shows, so a search needs nothing but the index:
//! a read replica can serve searches without the document store.

use std::collections::HashMap;

use tantivy::schema::{
    DateOptions, DateTimePrecision, FAST, FacetOptions, Field, INDEXED, IndexRecordOption, STORED,
    STRING, Schema, TextFieldIndexing, TextOptions,
};

use crate::analyzer::{ANALYZED_LANGUAGES, CONCEPT_TOKENIZER, NEUTRAL_TOKENIZER};

/// Bumped whenever the fields or their analysis change; an index with another version is
/// rebuilt from the document store.
pub const SCHEMA_VERSION: u32 = 4;

/// The three text parts of a document, in decreasing weight.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TextPart {
    /// The title.
    Title,
    /// The summary or description.
    Summary,
    /// The main text.
    Body,
}

impl TextPart {
    /// Every part.
    pub const ALL: [TextPart; 3] = [TextPart::Title, TextPart::Summary, TextPart::Body];

    fn name(self) -> &'static str {
        match self {
            TextPart::Title => "title",
            TextPart::Summary => "summary",
            TextPart::Body => "body",
        }
    }
}

/// The title, summary and body fields of one analysis.
#[derive(Debug, Clone, Copy)]
pub struct TextFields {
    /// The title field.
    pub title: Field,
    /// The summary field.
    pub summary: Field,
    /// The body field.
    pub body: Field,
}

impl TextFields {
    /// Returns the field holding `part`.
    pub fn get(&self, part: TextPart) -> Field {
        match part {
            TextPart::Title => self.title,
            TextPart::Summary => self.summary,
            TextPart::Body => self.body,
        }
    }
}

/// Handles to every field of the schema.
#[derive(Debug, Clone)]
pub struct IndexSchema {
    /// The tantivy schema itself.
    pub schema: Schema,
    /// Document id, indexed as one term for updates and lookups.
    pub id: Field,
    /// Canonical URL, stored only.
    pub url: Field,
    /// Other URLs of the same article (duplicates the index leaves out), stored only.
    pub also_at: Field,
    /// Language-neutral, stored text fields.
    pub neutral: TextFields,
    /// Per-language text fields, keyed by ISO 639-1 code.
    pub languages: HashMap<&'static str, TextFields>,
    /// Language code, for filtering.
    pub lang: Field,
    /// Country code, for filtering.
    pub country: Field,
    /// Theme ids of the thesaurus (several per document), for filtering.
    pub topic: Field,
    /// Ids of the thesaurus concepts the document is about (named in its title, or more than
    /// once in its text), for filtering, display and feedback.
    pub concept: Field,
    /// Concept ids once per mention in the title, for scoring cross-lingual matches.
    pub concept_title: Field,
    /// Concept ids once per mention in the summary and body, for scoring.
    pub concept_body: Field,
    /// Content kind, for filtering.
    pub kind: Field,
    /// Source id, for filtering.
    pub source: Field,
    /// `/lang/..`, `/country/..`, `/topic/..`, `/kind/..`, `/source/..` facets, for counts.
    pub facets: Field,
    /// Publication date, for range filters.
    pub published: Field,
    /// Publication date, or fetch date when unknown, for sorting by date.
    pub sort_date: Field,
    /// `true` or `false` for community questions (whether they have answers), for filtering.
    pub answered: Field,
    /// The quality signal that scales relevance (see [`crate::quality`]).
    pub quality: Field,
}

impl IndexSchema {
    /// Builds the schema with a field set for every analyzed language.
    pub fn build() -> IndexSchema {
        let mut builder = Schema::builder();
        let id = builder.add_text_field("id", STRING | STORED);
        let url = builder.add_text_field("url", STORED);
        let also_at = builder.add_text_field("also_at", STORED);

        let neutral_options = text_options(NEUTRAL_TOKENIZER).set_stored();
        let neutral = TextFields {
            title: builder.add_text_field("title", neutral_options.clone()),
            summary: builder.add_text_field("summary", neutral_options.clone()),
            body: builder.add_text_field("body", neutral_options),
        };

        let mut languages = HashMap::new();
        for language in ANALYZED_LANGUAGES {
            let options = text_options(&language.tokenizer_name());
            let mut field_for = |part: TextPart| {
                let name = format!("{}_{}", part.name(), language.code);
                builder.add_text_field(&name, options.clone())
            };
            let fields = TextFields {
                title: field_for(TextPart::Title),
                summary: field_for(TextPart::Summary),
                body: field_for(TextPart::Body),
            };
            languages.insert(language.code, fields);
        }

        let date_options =
            DateOptions::from(INDEXED | STORED | FAST).set_precision(DateTimePrecision::Seconds);
        IndexSchema {
            id,
            url,
            also_at,
            neutral,
            languages,
            // `lang` and `source` are fast fields for the ranking's per-document factors.
            lang: builder.add_text_field("lang", STRING | STORED | FAST),
            country: builder.add_text_field("country", STRING | STORED),
            topic: builder.add_text_field("topic", STRING | STORED),
            concept: builder.add_text_field("concept", STRING | STORED),
            concept_title: builder.add_text_field("concept_title", concept_options()),
            concept_body: builder.add_text_field("concept_body", concept_options()),
            kind: builder.add_text_field("kind", STRING | STORED),
            source: builder.add_text_field("source", STRING | STORED | FAST),
            facets: builder.add_facet_field("facets", FacetOptions::default()),
            published: builder.add_date_field("published", date_options),
            sort_date: builder.add_date_field(
                "sort_date",
                DateOptions::from(FAST).set_precision(DateTimePrecision::Seconds),
            ),
            answered: builder.add_text_field("answered", STRING),
            quality: builder.add_f64_field("quality", FAST),
            schema: builder.build(),
        }
    }

    /// Returns the fields analysed for `lang`, if the language has its own analyzer.
    pub fn language_fields(&self, lang: &str) -> Option<&TextFields> {
        self.languages.get(lang)
    }
}

/// Concept mentions are counted (BM25 uses their frequency) but have no positions.
fn concept_options() -> TextOptions {
    let indexing = TextFieldIndexing::default()
        .set_tokenizer(CONCEPT_TOKENIZER)
        .set_index_option(IndexRecordOption::WithFreqs);
    TextOptions::default().set_indexing_options(indexing)
}

fn text_options(tokenizer: &str) -> TextOptions {
    let indexing = TextFieldIndexing::default()
        .set_tokenizer(tokenizer)
        .set_index_option(IndexRecordOption::WithFreqsAndPositions);
    TextOptions::default().set_indexing_options(indexing)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_analyzed_language_has_its_fields() {
        let schema = IndexSchema::build();
        for language in ANALYZED_LANGUAGES {
            let fields = schema.language_fields(language.code).expect("fields exist");
            let name = schema.schema.get_field_name(fields.body);
            assert_eq!(name, format!("body_{}", language.code));
        }
        assert!(schema.language_fields("xx").is_none());
    }
}
