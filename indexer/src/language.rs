//! Language codes and language detection.
//!
//! Agora stores every language as an ISO 639-1 code (`pt`, `ja`). Pages declare their language
//! in many spellings (`pt-BR`, `zh_Hant`, `por`), and declarations are often wrong (a CMS
//! template left at `en`), so a document's language is decided once, at ingestion, from the
//! declaration checked against whatlang's reading of the text.

use std::fmt;

use whatlang::Lang;

/// Code used when a document's language cannot be told.
pub const UNDETERMINED: &str = "und";

/// Below this many characters of text, whatlang's guess does not override a declaration.
const MIN_TEXT_TO_OVERRIDE: usize = 200;

/// whatlang's confidence above which it overrides a contradicting declaration.
const MIN_CONFIDENCE_TO_OVERRIDE: f64 = 0.9;

/// How much text detection reads; the start of an article is representative enough.
const DETECTION_SAMPLE_CHARS: usize = 3_000;

/// The decided language of a text, and how it was decided.
#[derive(Debug, Clone, PartialEq)]
pub struct LanguageGuess {
    /// ISO 639-1 code, or [`UNDETERMINED`].
    pub lang: String,
    /// Why this language was chosen.
    pub reason: LanguageReason,
    /// What whatlang read in the text, whether or not it decided.
    pub detected: Option<Detection>,
}

/// whatlang's reading of a text.
#[derive(Debug, Clone, PartialEq)]
pub struct Detection {
    /// ISO 639-1 code.
    pub lang: String,
    /// whatlang's confidence, between 0 and 1.
    pub confidence: f64,
    /// Whether whatlang considers the reading reliable.
    pub is_reliable: bool,
}

/// Why a language was chosen, for `agora inspect` and debugging.
#[derive(Debug, Clone, PartialEq)]
pub enum LanguageReason {
    /// The declaration and the text agree.
    DeclaredAndDetected {
        /// whatlang's confidence, between 0 and 1.
        confidence: f64,
    },
    /// The declaration was kept because the text is too short or too ambiguous to contradict.
    Declared,
    /// Nothing usable was declared; whatlang decided.
    Detected {
        /// whatlang's confidence, between 0 and 1.
        confidence: f64,
    },
    /// The text is clearly in another language than declared.
    DetectedOverDeclared {
        /// The declaration that was overridden.
        declared: String,
        /// whatlang's confidence, between 0 and 1.
        confidence: f64,
    },
    /// Nothing was declared and whatlang could not tell.
    Undetermined,
}

impl fmt::Display for LanguageReason {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LanguageReason::DeclaredAndDetected { confidence } => {
                write!(
                    formatter,
                    "declared, and the text agrees (confidence {confidence:.2})"
                )
            }
            LanguageReason::Declared => {
                formatter.write_str("declared; the text is too short or ambiguous to contradict")
            }
            LanguageReason::Detected { confidence } => {
                write!(
                    formatter,
                    "detected from the text (confidence {confidence:.2})"
                )
            }
            LanguageReason::DetectedOverDeclared {
                declared,
                confidence,
            } => write!(
                formatter,
                "detected from the text (confidence {confidence:.2}), overriding the declared `{declared}`"
            ),
            LanguageReason::Undetermined => formatter.write_str("nothing declared or detected"),
        }
    }
}

/// Decides the language of `text`, given what the page or the source declared.
///
/// A declaration wins unless a long text clearly says otherwise.
pub fn detect_language(text: &str, declared: Option<&str>) -> LanguageGuess {
    let sample = sample(text);
    let detected = whatlang::detect(sample)
        .map(|info| (iso639_1(info.lang()), info.confidence(), info.is_reliable()));
    let declared = declared.and_then(normalize_code);
    let detection = detected.map(|(lang, confidence, is_reliable)| Detection {
        lang: lang.to_string(),
        confidence,
        is_reliable,
    });

    let (lang, reason) = match (declared, detected) {
        (Some(declared), Some((lang, confidence, _))) if lang == declared => {
            (declared, LanguageReason::DeclaredAndDetected { confidence })
        }
        (Some(declared), Some((lang, confidence, is_reliable)))
            if is_reliable
                && confidence >= MIN_CONFIDENCE_TO_OVERRIDE
                && sample.chars().count() >= MIN_TEXT_TO_OVERRIDE =>
        {
            (
                lang.to_string(),
                LanguageReason::DetectedOverDeclared {
                    declared,
                    confidence,
                },
            )
        }
        (Some(declared), _) => (declared, LanguageReason::Declared),
        (None, Some((lang, confidence, _))) => {
            (lang.to_string(), LanguageReason::Detected { confidence })
        }
        (None, None) => (UNDETERMINED.to_string(), LanguageReason::Undetermined),
    };
    LanguageGuess {
        lang,
        reason,
        detected: detection,
    }
}

/// Normalises a declared language tag (`pt-BR`, `zh_Hant`, `por`, `NB`) to ISO 639-1; of a
/// list (`Content-Language: de, en`), the first is taken.
///
/// Returns `None` for tags that name no known language.
pub fn normalize_code(tag: &str) -> Option<String> {
    let primary = tag
        .split(',')
        .next()
        .unwrap_or_default()
        .trim()
        .split(['-', '_'])
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    let code = match primary.as_str() {
        // Bokmål and Nynorsk share Snowball's Norwegian stemmer and one field.
        "nb" | "nn" => "no",
        // Deprecated codes still found in the wild.
        "iw" => "he",
        "in" => "id",
        "ji" => "yi",
        two if two.len() == 2 && two.bytes().all(|byte| byte.is_ascii_lowercase()) => {
            return is_known_iso639_1(two).then(|| two.to_string());
        }
        three if three.len() == 3 => {
            return Lang::from_code(three).map(|lang| iso639_1(lang).to_string());
        }
        _ => return None,
    };
    Some(code.to_string())
}

/// Maps whatlang's language to its ISO 639-1 code.
pub fn iso639_1(lang: Lang) -> &'static str {
    match lang {
        Lang::Epo => "eo",
        Lang::Eng => "en",
        Lang::Rus => "ru",
        Lang::Cmn => "zh",
        Lang::Spa => "es",
        Lang::Por => "pt",
        Lang::Ita => "it",
        Lang::Ben => "bn",
        Lang::Fra => "fr",
        Lang::Deu => "de",
        Lang::Ukr => "uk",
        Lang::Kat => "ka",
        Lang::Ara => "ar",
        Lang::Hin => "hi",
        Lang::Jpn => "ja",
        Lang::Heb => "he",
        Lang::Yid => "yi",
        Lang::Pol => "pl",
        Lang::Amh => "am",
        Lang::Jav => "jv",
        Lang::Kor => "ko",
        Lang::Nob => "no",
        Lang::Dan => "da",
        Lang::Swe => "sv",
        Lang::Fin => "fi",
        Lang::Tur => "tr",
        Lang::Nld => "nl",
        Lang::Hun => "hu",
        Lang::Ces => "cs",
        Lang::Ell => "el",
        Lang::Bul => "bg",
        Lang::Bel => "be",
        Lang::Mar => "mr",
        Lang::Kan => "kn",
        Lang::Ron => "ro",
        Lang::Slv => "sl",
        Lang::Hrv => "hr",
        Lang::Srp => "sr",
        Lang::Mkd => "mk",
        Lang::Lit => "lt",
        Lang::Lav => "lv",
        Lang::Est => "et",
        Lang::Tam => "ta",
        Lang::Vie => "vi",
        Lang::Urd => "ur",
        Lang::Tha => "th",
        Lang::Guj => "gu",
        Lang::Uzb => "uz",
        Lang::Pan => "pa",
        Lang::Aze => "az",
        Lang::Ind => "id",
        Lang::Tel => "te",
        Lang::Pes => "fa",
        Lang::Mal => "ml",
        Lang::Ori => "or",
        Lang::Mya => "my",
        Lang::Nep => "ne",
        Lang::Sin => "si",
        Lang::Khm => "km",
        Lang::Tuk => "tk",
        Lang::Aka => "ak",
        Lang::Zul => "zu",
        Lang::Sna => "sn",
        Lang::Afr => "af",
        Lang::Lat => "la",
        Lang::Slk => "sk",
        Lang::Cat => "ca",
        Lang::Tgl => "tl",
        Lang::Hye => "hy",
        Lang::Cym => "cy",
    }
}

/// Returns the language's name in itself (`Português`, `日本語`), when whatlang knows it.
pub fn native_name(code: &str) -> Option<&'static str> {
    Lang::all()
        .iter()
        .find(|lang| iso639_1(**lang) == code)
        .map(|lang| lang.name())
}

/// Tells whether `code` is an ISO 639-1 code Agora knows, through whatlang or its analyzers.
pub fn is_known_iso639_1(code: &str) -> bool {
    Lang::all()
        .iter()
        .map(|lang| iso639_1(*lang))
        .chain(EXTRA_ISO639_1.iter().copied())
        .any(|known| known == code)
}

/// Codes whatlang does not detect but that editors may declare for a source.
const EXTRA_ISO639_1: &[&str] = &[
    "ga", "eu", "gl", "is", "lb", "mt", "sq", "bs", "ms", "sw", "so", "ha", "yo", "ig", "rw", "mn",
    "kk", "ky", "tg", "ps", "ku", "lo", "mg", "qu", "gn", "ay", "ht", "fj", "sm", "to", "mi",
];

fn sample(text: &str) -> &str {
    match text.char_indices().nth(DETECTION_SAMPLE_CHARS) {
        Some((end, _)) => &text[..end],
        None => text,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PORTUGUESE: &str = "A prefeitura reorganizou as rotas do transporte escolar rural \
        para que nenhuma criança caminhe mais de dois quilômetros até o ponto de ônibus. \
        Os motoristas receberam formação e os pais acompanham o trajeto por aplicativo.";

    #[test]
    fn declared_tags_are_normalised() {
        let cases = [
            ("pt-BR", Some("pt")),
            ("zh_Hant_TW", Some("zh")),
            ("EN", Some("en")),
            ("por", Some("pt")),
            ("nb", Some("no")),
            ("iw", Some("he")),
            ("xx", None),
            ("", None),
            ("english", None),
            ("de, en", Some("de")),
            (" pt_BR ", Some("pt")),
        ];
        for (tag, expected) in cases {
            assert_eq!(normalize_code(tag).as_deref(), expected, "{tag}");
        }
    }

    #[test]
    fn agreeing_declaration_is_confirmed() {
        let guess = detect_language(PORTUGUESE, Some("pt-BR"));
        assert_eq!(guess.lang, "pt");
        assert!(matches!(
            guess.reason,
            LanguageReason::DeclaredAndDetected { .. }
        ));
        assert_eq!(guess.detected.unwrap().lang, "pt");
    }

    #[test]
    fn long_text_overrides_a_wrong_declaration() {
        let text = PORTUGUESE.repeat(2);
        let guess = detect_language(&text, Some("en"));
        assert_eq!(guess.lang, "pt");
        assert!(matches!(
            guess.reason,
            LanguageReason::DetectedOverDeclared { .. }
        ));
    }

    #[test]
    fn short_text_keeps_the_declaration() {
        let guess = detect_language("Rota escolar", Some("pt"));
        assert_eq!(guess.lang, "pt");
    }

    #[test]
    fn a_kept_declaration_still_reports_what_was_detected() {
        let short = "As crianças da zona rural caminham menos até o ponto do ônibus escolar.";
        let guess = detect_language(short, Some("fr"));
        assert_eq!(guess.lang, "fr");
        assert_eq!(guess.reason, LanguageReason::Declared);
        assert!(
            guess
                .detected
                .is_some_and(|detection| detection.lang != "fr")
        );
    }

    #[test]
    fn undeclared_text_is_detected() {
        let guess = detect_language("洪水の危険が高まったため、市は避難指示を出しました。", None);
        assert_eq!(guess.lang, "ja");
    }

    #[test]
    fn native_names_are_known_for_detected_languages() {
        assert_eq!(native_name("pt"), Some("Português"));
        assert_eq!(native_name("ja"), Some("日本語"));
        assert_eq!(native_name("und"), None);
    }

    #[test]
    fn nothing_to_go_on_is_undetermined() {
        let guess = detect_language("", None);
        assert_eq!(guess.lang, UNDETERMINED);
    }
}
