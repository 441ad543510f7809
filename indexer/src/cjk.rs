//! A tokenizer for mixed text that splits Chinese, Japanese and Korean runs into bigrams.
//!
//! CJK scripts do not separate words with spaces. Without a dictionary, overlapping character
//! bigrams are the standard fallback (it is what Lucene's and Elasticsearch's `cjk` analyzers
//! do): a two-character word is found exactly, a longer word as a phrase of its bigrams, and
//! no dictionary download is needed. Runs of other letters and digits become ordinary words,
//! so one analyzer serves the language-neutral field of every document.

use tantivy::tokenizer::{Token, TokenStream, Tokenizer};

/// Splits text into words, and CJK runs into overlapping character bigrams.
#[derive(Clone, Debug, Default)]
pub struct CjkBigramTokenizer;

/// The tokens of one text, computed eagerly: texts are bounded by the crawler's size cap.
pub struct CjkBigramTokenStream {
    tokens: Vec<Token>,
    next: usize,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum CharClass {
    Cjk,
    Word,
    Separator,
}

impl Tokenizer for CjkBigramTokenizer {
    type TokenStream<'a> = CjkBigramTokenStream;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> CjkBigramTokenStream {
        CjkBigramTokenStream {
            tokens: tokenize(text),
            next: 0,
        }
    }
}

impl TokenStream for CjkBigramTokenStream {
    fn advance(&mut self) -> bool {
        self.next += 1;
        self.next <= self.tokens.len()
    }

    fn token(&self) -> &Token {
        &self.tokens[self.next - 1]
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.tokens[self.next - 1]
    }
}

fn tokenize(text: &str) -> Vec<Token> {
    let mut tokens = Vec::new();
    let mut run_start = 0;
    let mut run_class = CharClass::Separator;

    for (offset, character) in text.char_indices() {
        let class = classify(character);
        if class != run_class {
            push_run(text, run_start..offset, run_class, &mut tokens);
            run_start = offset;
            run_class = class;
        }
    }
    push_run(text, run_start..text.len(), run_class, &mut tokens);
    tokens
}

fn push_run(text: &str, range: std::ops::Range<usize>, class: CharClass, tokens: &mut Vec<Token>) {
    match class {
        CharClass::Separator => {}
        CharClass::Word => {
            let word = fold_width(&text[range.clone()]);
            push_token(tokens, range, word);
        }
        CharClass::Cjk => push_bigrams(text, range, tokens),
    }
}

fn push_bigrams(text: &str, range: std::ops::Range<usize>, tokens: &mut Vec<Token>) {
    let run = &text[range.clone()];
    let offsets: Vec<usize> = run
        .char_indices()
        .map(|(offset, _)| range.start + offset)
        .chain(std::iter::once(range.end))
        .collect();

    // A lone character is its own token, so that single-character words still match.
    if offsets.len() == 2 {
        push_token(tokens, range, run.to_string());
        return;
    }
    for window in offsets.windows(3) {
        let bigram = window[0]..window[2];
        push_token(tokens, bigram.clone(), text[bigram].to_string());
    }
}

fn push_token(tokens: &mut Vec<Token>, range: std::ops::Range<usize>, text: String) {
    tokens.push(Token {
        offset_from: range.start,
        offset_to: range.end,
        position: tokens.len(),
        text,
        position_length: 1,
    });
}

fn classify(character: char) -> CharClass {
    if is_cjk(character) {
        CharClass::Cjk
    } else if character.is_alphanumeric() {
        CharClass::Word
    } else {
        CharClass::Separator
    }
}

/// Tells whether a character belongs to a script written without spaces between words.
pub fn is_cjk(character: char) -> bool {
    matches!(character as u32,
        0x3040..=0x309F       // Hiragana
        | 0x30A0..=0x30FF     // Katakana
        | 0x31F0..=0x31FF     // Katakana phonetic extensions
        | 0x3400..=0x4DBF     // CJK unified ideographs extension A
        | 0x4E00..=0x9FFF     // CJK unified ideographs
        | 0xF900..=0xFAFF     // CJK compatibility ideographs
        | 0xFF66..=0xFF9F     // Half-width katakana
        | 0x1100..=0x11FF     // Hangul jamo
        | 0x3130..=0x318F     // Hangul compatibility jamo
        | 0xAC00..=0xD7AF     // Hangul syllables
        | 0x20000..=0x2FA1F   // CJK extensions B and later
    )
}

/// Folds full-width Latin letters and digits (common in Japanese text) to ASCII.
fn fold_width(word: &str) -> String {
    word.chars()
        .map(|character| match character as u32 {
            code @ 0xFF01..=0xFF5E => char::from_u32(code - 0xFEE0).unwrap_or(character),
            _ => character,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(text: &str) -> Vec<String> {
        let mut tokenizer = CjkBigramTokenizer;
        let mut stream = tokenizer.token_stream(text);
        let mut tokens = Vec::new();
        while stream.advance() {
            tokens.push(stream.token().text.clone());
        }
        tokens
    }

    #[test]
    fn cjk_runs_become_overlapping_bigrams() {
        assert_eq!(texts("洪水警報"), ["洪水", "水警", "警報"]);
    }

    #[test]
    fn lone_cjk_character_is_kept() {
        assert_eq!(texts("市 が"), ["市", "が"]);
    }

    #[test]
    fn latin_words_and_cjk_mix() {
        assert_eq!(
            texts("LINEで避難情報"),
            ["LINE", "で避", "避難", "難情", "情報"]
        );
    }

    #[test]
    fn full_width_latin_is_folded() {
        assert_eq!(texts("ＳＮＳ"), ["SNS"]);
    }

    #[test]
    fn offsets_point_into_the_original_text() {
        let text = "a 防災 b";
        let mut tokenizer = CjkBigramTokenizer;
        let mut stream = tokenizer.token_stream(text);
        let mut spans = Vec::new();
        while stream.advance() {
            let token = stream.token();
            spans.push(&text[token.offset_from..token.offset_to]);
        }
        assert_eq!(spans, ["a", "防災", "b"]);
    }

    #[test]
    fn empty_and_punctuation_only_texts_have_no_tokens() {
        assert!(texts("").is_empty());
        assert!(texts("。、！ ,.;").is_empty());
    }
}
