//! Text analysis per language.
//!
//! Every analyzed language gets a tokenizer registered as `lang_<code>` (`lang_pt`, `lang_ja`):
//! Snowball stemming and stop words for the languages tantivy's stemmers cover, jieba word
//! segmentation for Chinese, and character bigrams for Japanese and Korean. Every document is
//! also indexed with the [`NEUTRAL_TOKENIZER`] (lowercased, ASCII-folded, CJK bigrams), which
//! matches exact words in any language and catches documents whose language was misdetected.

use tantivy::tokenizer::{
    AsciiFoldingFilter, Language, LowerCaser, RemoveLongFilter, SimpleTokenizer, Stemmer,
    StopWordFilter, TextAnalyzer, Token, TokenFilter, TokenStream, Tokenizer, TokenizerManager,
    WhitespaceTokenizer,
};

use crate::cjk::CjkBigramTokenizer;

/// Name of the language-neutral tokenizer.
pub const NEUTRAL_TOKENIZER: &str = "neutral";

/// Name of the tokenizer of the concept fields, which hold space-separated concept ids.
pub const CONCEPT_TOKENIZER: &str = "concept";

/// Name of the case-preserving tokenizer the thesaurus's acronyms are matched with.
pub const ACRONYM_TOKENIZER: &str = "acronym";

/// Tokens longer than this (base64 blobs, URLs run together) are dropped rather than indexed.
const MAX_TOKEN_BYTES: usize = 60;

/// How a language's text is split into terms.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Analysis {
    /// Words, stop words removed, Snowball stemming.
    Stemmed(Language),
    /// jieba dictionary-based word segmentation.
    Segmented,
    /// Overlapping character bigrams, as Lucene's CJK analyzer does.
    Bigrams,
}

/// A language with its own analyzer and its own fields in the index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AnalyzedLanguage {
    /// ISO 639-1 code.
    pub code: &'static str,
    /// How its text is analysed.
    pub analysis: Analysis,
}

impl AnalyzedLanguage {
    /// Returns the name under which this language's tokenizer is registered.
    pub fn tokenizer_name(&self) -> String {
        format!("lang_{}", self.code)
    }
}

const fn stemmed(code: &'static str, language: Language) -> AnalyzedLanguage {
    AnalyzedLanguage {
        code,
        analysis: Analysis::Stemmed(language),
    }
}

/// The languages that have their own analyzer and fields.
///
/// Adding one changes the index schema: existing indexes are rebuilt from the store on start.
pub const ANALYZED_LANGUAGES: &[AnalyzedLanguage] = &[
    stemmed("ar", Language::Arabic),
    stemmed("da", Language::Danish),
    stemmed("de", Language::German),
    stemmed("el", Language::Greek),
    stemmed("en", Language::English),
    stemmed("es", Language::Spanish),
    stemmed("fi", Language::Finnish),
    stemmed("fr", Language::French),
    stemmed("hu", Language::Hungarian),
    stemmed("it", Language::Italian),
    stemmed("nl", Language::Dutch),
    stemmed("no", Language::Norwegian),
    stemmed("pt", Language::Portuguese),
    stemmed("ro", Language::Romanian),
    stemmed("ru", Language::Russian),
    stemmed("sv", Language::Swedish),
    stemmed("ta", Language::Tamil),
    stemmed("tr", Language::Turkish),
    AnalyzedLanguage {
        code: "zh",
        analysis: if cfg!(feature = "chinese") {
            Analysis::Segmented
        } else {
            Analysis::Bigrams
        },
    },
    AnalyzedLanguage {
        code: "ja",
        analysis: Analysis::Bigrams,
    },
    AnalyzedLanguage {
        code: "ko",
        analysis: Analysis::Bigrams,
    },
];

/// Returns the analyzed language for an ISO 639-1 code, if Agora has a dedicated analyzer.
pub fn analyzed_language(code: &str) -> Option<&'static AnalyzedLanguage> {
    ANALYZED_LANGUAGES
        .iter()
        .find(|language| language.code == code)
}

/// Registers the neutral analyzer and every language's analyzer with an index's manager.
pub fn register_analyzers(manager: &TokenizerManager) {
    manager.register(NEUTRAL_TOKENIZER, neutral_analyzer());
    manager.register(
        ACRONYM_TOKENIZER,
        TextAnalyzer::builder(SimpleTokenizer::default())
            .filter(RemoveLongFilter::limit(MAX_TOKEN_BYTES))
            .build(),
    );
    manager.register(
        CONCEPT_TOKENIZER,
        TextAnalyzer::builder(WhitespaceTokenizer::default()).build(),
    );
    for language in ANALYZED_LANGUAGES {
        manager.register(
            &language.tokenizer_name(),
            language_analyzer(language.code, language.analysis),
        );
    }
}

fn neutral_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(CjkBigramTokenizer)
        .filter(RemoveLongFilter::limit(MAX_TOKEN_BYTES))
        .filter(LowerCaser)
        .filter(AsciiFoldingFilter)
        .build()
}

fn language_analyzer(code: &str, analysis: Analysis) -> TextAnalyzer {
    match analysis {
        Analysis::Stemmed(language) => stemmed_analyzer(code, language),
        Analysis::Bigrams => TextAnalyzer::builder(CjkBigramTokenizer)
            .filter(RemoveLongFilter::limit(MAX_TOKEN_BYTES))
            .filter(LowerCaser)
            .build(),
        Analysis::Segmented => segmented_analyzer(),
    }
}

fn stemmed_analyzer(code: &str, language: Language) -> TextAnalyzer {
    let builder = TextAnalyzer::builder(SimpleTokenizer::default())
        .filter(RemoveLongFilter::limit(MAX_TOKEN_BYTES))
        .filter(LowerCaser)
        .dynamic();
    let builder = match stop_words(code, language) {
        Some(stop_words) => builder.filter_dynamic(stop_words),
        None => builder,
    };
    builder.filter_dynamic(Stemmer::new(language)).build()
}

/// Returns the stop words of a language: Snowball's lists, which tantivy ships, and NLTK's
/// (from the `stop-words` crate) for the stemmed languages Snowball has none for (Arabic,
/// Greek, Romanian, Tamil, Turkish).
fn stop_words(code: &str, language: Language) -> Option<StopWordFilter> {
    StopWordFilter::new(language).or_else(|| {
        let words = stop_words::lookup(code)?;
        // NLTK writes Romanian with the legacy cedilla letters (ş, ţ); current text uses the
        // comma-below ones (ș, ț), so both spellings are removed.
        let comma_below = words
            .iter()
            .map(|word| word.replace('ş', "ș").replace('ţ', "ț"));
        let all: Vec<String> = words
            .iter()
            .map(|word| word.to_string())
            .chain(comma_below)
            .collect();
        Some(StopWordFilter::remove(all))
    })
}

#[cfg(feature = "chinese")]
fn segmented_analyzer() -> TextAnalyzer {
    TextAnalyzer::builder(tantivy_jieba::JiebaTokenizer::new())
        .filter(WordsOnly)
        .filter(RemoveLongFilter::limit(MAX_TOKEN_BYTES))
        .filter(LowerCaser)
        .build()
}

#[cfg(not(feature = "chinese"))]
fn segmented_analyzer() -> TextAnalyzer {
    language_analyzer("zh", Analysis::Bigrams)
}

/// Drops tokens without a letter or digit: jieba also emits spaces and punctuation.
#[derive(Clone, Copy, Debug)]
pub struct WordsOnly;

impl TokenFilter for WordsOnly {
    type Tokenizer<T: Tokenizer> = WordsOnlyTokenizer<T>;

    fn transform<T: Tokenizer>(self, tokenizer: T) -> WordsOnlyTokenizer<T> {
        WordsOnlyTokenizer { inner: tokenizer }
    }
}

/// The tokenizer produced by [`WordsOnly`].
#[derive(Clone)]
pub struct WordsOnlyTokenizer<T> {
    inner: T,
}

impl<T: Tokenizer> Tokenizer for WordsOnlyTokenizer<T> {
    type TokenStream<'a> = WordsOnlyStream<T::TokenStream<'a>>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> Self::TokenStream<'a> {
        WordsOnlyStream {
            inner: self.inner.token_stream(text),
        }
    }
}

/// The token stream produced by [`WordsOnly`].
pub struct WordsOnlyStream<S> {
    inner: S,
}

impl<S: TokenStream> TokenStream for WordsOnlyStream<S> {
    fn advance(&mut self) -> bool {
        while self.inner.advance() {
            if self.inner.token().text.chars().any(char::is_alphanumeric) {
                return true;
            }
        }
        false
    }

    fn token(&self) -> &Token {
        self.inner.token()
    }

    fn token_mut(&mut self) -> &mut Token {
        self.inner.token_mut()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn analyze(tokenizer_name: &str, text: &str) -> Vec<String> {
        let manager = TokenizerManager::default();
        register_analyzers(&manager);
        let mut analyzer = manager.get(tokenizer_name).expect("analyzer is registered");
        let mut stream = analyzer.token_stream(text);
        let mut terms = Vec::new();
        while stream.advance() {
            terms.push(stream.token().text.clone());
        }
        terms
    }

    #[test]
    fn portuguese_is_stemmed_without_stop_words() {
        assert_eq!(
            analyze("lang_pt", "Transportes escolares das escolas"),
            analyze("lang_pt", "transporte escolar escola")
        );
    }

    #[test]
    fn english_plural_and_singular_meet() {
        assert_eq!(
            analyze("lang_en", "waiting lists"),
            analyze("lang_en", "waiting list")
        );
    }

    #[test]
    fn neutral_folds_accents_and_case() {
        assert_eq!(
            analyze(NEUTRAL_TOKENIZER, "Orçamento Participativo"),
            ["orcamento", "participativo"]
        );
    }

    #[test]
    fn languages_without_snowball_stop_words_get_nltk_ones() {
        for (code, stop_word) in [("tr", "ve"), ("ro", "și"), ("el", "και"), ("ar", "في")] {
            let terms = analyze(&format!("lang_{code}"), stop_word);
            assert!(terms.is_empty(), "{code}: {terms:?}");
        }
    }

    #[test]
    fn japanese_uses_bigrams() {
        assert_eq!(analyze("lang_ja", "避難所"), ["避難", "難所"]);
    }

    #[cfg(feature = "chinese")]
    #[test]
    fn chinese_is_segmented_into_words_without_punctuation() {
        let terms = analyze("lang_zh", "医院候诊时间，大幅缩短。");
        assert!(terms.contains(&"医院".to_string()), "{terms:?}");
        assert!(
            terms
                .iter()
                .all(|term| term.chars().any(char::is_alphanumeric))
        );
    }

    #[test]
    fn every_analyzed_language_is_registered() {
        let manager = TokenizerManager::default();
        register_analyzers(&manager);
        for language in ANALYZED_LANGUAGES {
            assert!(
                manager.get(&language.tokenizer_name()).is_some(),
                "{}",
                language.code
            );
        }
    }
}
