//! The multilingual public-policy thesaurus: concepts, their labels in many languages, and
//! the themes they belong to.
//!
//! It is what lets a Portuguese query find the Japanese case study: documents are tagged at
//! index time with the concepts they mention, in whatever language, and a query is mapped to
//! concepts and expanded to their labels in every language (see [`crate::concepts`]). The
//! themes are the topic facet.
//!
//! The built-in thesaurus is the set of `indexer/thesaurus/*.toml` files, one per theme,
//! embedded at build time so that a binary and a read replica need no data folder. Editors
//! extend it with a file of the same format (new concepts, new labels for existing ones,
//! synonyms and abbreviations), read at start-up.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, OnceLock};

use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::language::normalize_code;

/// The built-in theme files, as `(file name, contents)`.
const BUILTIN_FILES: &[(&str, &str)] = include!(concat!(env!("OUT_DIR"), "/thesaurus.rs"));

/// Labels longer than this are not noun phrases but sentences, and are refused.
const MAX_LABEL_CHARS: usize = 80;

/// A group of related concepts; themes are the values of the topic facet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Theme {
    /// Slug, as used in the `topic` filter.
    pub id: String,
    /// Display label per ISO 639-1 code.
    pub labels: BTreeMap<String, String>,
}

impl Theme {
    /// Returns the label in `lang`, falling back to English, then to the id.
    pub fn label(&self, lang: &str) -> &str {
        self.labels
            .get(lang)
            .or_else(|| self.labels.get("en"))
            .map_or(self.id.as_str(), String::as_str)
    }
}

/// Something public servants work on, named in many languages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Concept {
    /// Slug, unique across the thesaurus.
    pub id: String,
    /// Id of the theme it belongs to; editors' synonym sets may have none.
    pub theme: Option<String>,
    /// Id of a broader concept, if this one is a narrower case of it.
    pub broader: Option<String>,
    /// Labels per ISO 639-1 code; the first of each list is the preferred one.
    pub labels: BTreeMap<String, Vec<String>>,
}

impl Concept {
    /// Returns the preferred label in `lang`, if the concept has one.
    pub fn preferred_label(&self, lang: &str) -> Option<&str> {
        self.labels
            .get(lang)
            .and_then(|labels| labels.first())
            .map(String::as_str)
    }

    /// Returns the preferred label in `lang`, or in English, or the id.
    pub fn display_label(&self, lang: &str) -> &str {
        self.preferred_label(lang)
            .or_else(|| self.preferred_label("en"))
            .unwrap_or(&self.id)
    }
}

/// Why a thesaurus file was refused; every problem is listed, each with its file.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid thesaurus:\n  {}", problems.join("\n  "))]
pub struct ThesaurusError {
    /// One line per problem, `FILE: what is wrong`.
    pub problems: Vec<String>,
}

/// The concepts and themes Agora tags documents and expands queries with.
#[derive(Debug, Clone)]
pub struct Thesaurus {
    themes: Vec<Theme>,
    concepts: Vec<Concept>,
    concept_index: HashMap<String, usize>,
    fingerprint: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    theme: Option<RawTheme>,
    #[serde(default)]
    concept: Vec<RawConcept>,
}

#[derive(Deserialize)]
struct RawTheme {
    id: String,
    #[serde(flatten)]
    labels: BTreeMap<String, String>,
}

#[derive(Deserialize)]
struct RawConcept {
    id: String,
    #[serde(default)]
    theme: Option<String>,
    #[serde(default)]
    broader: Option<String>,
    #[serde(flatten)]
    labels: BTreeMap<String, Vec<String>>,
}

impl Thesaurus {
    /// Returns the built-in thesaurus, parsed once per process.
    pub fn builtin() -> Arc<Thesaurus> {
        static BUILTIN: OnceLock<Arc<Thesaurus>> = OnceLock::new();
        let thesaurus = BUILTIN.get_or_init(|| {
            Arc::new(
                Thesaurus::from_files(BUILTIN_FILES)
                    .expect("the built-in thesaurus is valid, as its tests check"),
            )
        });
        Arc::clone(thesaurus)
    }

    /// Reads a thesaurus from `(file name, contents)` pairs; later files extend earlier ones.
    pub fn from_files(files: &[(&str, &str)]) -> Result<Thesaurus, ThesaurusError> {
        let mut builder = Builder::default();
        for (name, text) in files {
            builder.add_file(name, text);
        }
        builder.finish()
    }

    /// Returns this thesaurus extended by an editors' file (same format as the theme files).
    pub fn extended(&self, name: &str, text: &str) -> Result<Thesaurus, ThesaurusError> {
        let mut builder = Builder::from_thesaurus(self);
        builder.add_file(name, text);
        builder.finish()
    }

    /// Returns every theme, in file order.
    pub fn themes(&self) -> &[Theme] {
        &self.themes
    }

    /// Returns the theme with `id`.
    pub fn theme(&self, id: &str) -> Option<&Theme> {
        self.themes.iter().find(|theme| theme.id == id)
    }

    /// Returns every concept; a concept's position is its stable index in this thesaurus.
    pub fn concepts(&self) -> &[Concept] {
        &self.concepts
    }

    /// Returns the concept with `id`.
    pub fn concept(&self, id: &str) -> Option<&Concept> {
        self.concept_index
            .get(id)
            .map(|&position| &self.concepts[position])
    }

    /// Returns the position of the concept with `id` in [`Thesaurus::concepts`].
    pub fn concept_position(&self, id: &str) -> Option<usize> {
        self.concept_index.get(id).copied()
    }

    /// Returns the theme a topic slug stands for: a theme id itself, or a concept's theme.
    pub fn theme_of_topic(&self, topic: &str) -> Option<&str> {
        if self.theme(topic).is_some() {
            return self.theme(topic).map(|theme| theme.id.as_str());
        }
        self.concept(topic)?.theme.as_deref()
    }

    /// Returns a digest of the whole thesaurus: an index tagged with another one is rebuilt.
    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
    }
}

/// Accumulates files, then validates the whole.
#[derive(Default)]
struct Builder {
    themes: Vec<Theme>,
    concepts: Vec<Concept>,
    concept_index: HashMap<String, usize>,
    /// The file each concept was first defined in, for messages.
    origins: Vec<String>,
    problems: Vec<String>,
    hasher: Sha256,
}

impl Builder {
    fn from_thesaurus(thesaurus: &Thesaurus) -> Builder {
        let mut hasher = Sha256::new();
        hasher.update(thesaurus.fingerprint.as_bytes());
        Builder {
            themes: thesaurus.themes.clone(),
            concepts: thesaurus.concepts.clone(),
            concept_index: thesaurus.concept_index.clone(),
            origins: vec!["the built-in thesaurus".to_string(); thesaurus.concepts.len()],
            problems: Vec::new(),
            hasher,
        }
    }

    fn add_file(&mut self, name: &str, text: &str) {
        self.hasher.update(name.as_bytes());
        self.hasher.update([0]);
        self.hasher.update(text.as_bytes());
        self.hasher.update([0]);

        let raw: RawFile = match toml::from_str(text) {
            Ok(raw) => raw,
            Err(error) => {
                let message = error.to_string().replace('\n', " ");
                self.problems.push(format!("{name}: {}", message.trim()));
                return;
            }
        };
        let file_theme = raw.theme.and_then(|theme| self.add_theme(name, theme));
        for concept in raw.concept {
            self.add_concept(name, file_theme.as_deref(), concept);
        }
    }

    fn add_theme(&mut self, file: &str, raw: RawTheme) -> Option<String> {
        if !is_slug(&raw.id) {
            self.problems.push(format!(
                "{file}: theme id `{}` is not a lowercase slug (a-z, 0-9, -)",
                raw.id
            ));
            return None;
        }
        let mut labels = BTreeMap::new();
        for (key, label) in raw.labels {
            match language_key(&key) {
                Some(lang) if !label.trim().is_empty() => {
                    labels.insert(lang, label.trim().to_string());
                }
                Some(_) => self
                    .problems
                    .push(format!("{file}: theme `{}`: empty `{key}` label", raw.id)),
                None => self.problems.push(format!(
                    "{file}: theme `{}`: `{key}` is not a language code",
                    raw.id
                )),
            }
        }
        match self.themes.iter_mut().find(|theme| theme.id == raw.id) {
            Some(existing) => existing.labels.extend(labels),
            None => self.themes.push(Theme {
                id: raw.id.clone(),
                labels,
            }),
        }
        Some(raw.id)
    }

    fn add_concept(&mut self, file: &str, file_theme: Option<&str>, raw: RawConcept) {
        let context = format!("{file}: concept `{}`", raw.id);
        if !is_slug(&raw.id) {
            self.problems.push(format!(
                "{context}: the id is not a lowercase slug (a-z, 0-9, -)"
            ));
            return;
        }
        let labels = self.check_labels(&context, raw.labels);
        let theme = raw.theme.or_else(|| file_theme.map(str::to_string));

        match self.concept_index.get(&raw.id) {
            // A second definition extends the first: that is how editors add synonyms to a
            // built-in concept. Within the built-in files it is a mistake.
            Some(&position) if file == self.origins[position] => {
                self.problems
                    .push(format!("{context}: defined twice in this file"));
            }
            Some(&position) => {
                let concept = &mut self.concepts[position];
                for (lang, new_labels) in labels {
                    let existing = concept.labels.entry(lang).or_default();
                    for label in new_labels {
                        if !existing.contains(&label) {
                            existing.push(label);
                        }
                    }
                }
                if concept.theme.is_none() {
                    concept.theme = theme;
                }
                if raw.broader.is_some() {
                    concept.broader = raw.broader;
                }
            }
            None => {
                self.concept_index
                    .insert(raw.id.clone(), self.concepts.len());
                self.origins.push(file.to_string());
                self.concepts.push(Concept {
                    id: raw.id,
                    theme,
                    broader: raw.broader,
                    labels,
                });
            }
        }
    }

    fn check_labels(
        &mut self,
        context: &str,
        raw: BTreeMap<String, Vec<String>>,
    ) -> BTreeMap<String, Vec<String>> {
        let mut labels = BTreeMap::new();
        for (key, values) in raw {
            let Some(lang) = language_key(&key) else {
                self.problems
                    .push(format!("{context}: `{key}` is not a language code"));
                continue;
            };
            let mut kept: Vec<String> = Vec::with_capacity(values.len());
            for value in values {
                let label = value.split_whitespace().collect::<Vec<_>>().join(" ");
                if label.is_empty() || label.chars().count() > MAX_LABEL_CHARS {
                    self.problems.push(format!(
                        "{context}: `{key}` label `{value}` is empty or longer than \
                         {MAX_LABEL_CHARS} characters"
                    ));
                } else if !kept.contains(&label) {
                    kept.push(label);
                }
            }
            if !kept.is_empty() {
                labels.insert(lang, kept);
            }
        }
        if labels.is_empty() {
            self.problems.push(format!("{context}: no labels"));
        }
        labels
    }

    fn finish(mut self) -> Result<Thesaurus, ThesaurusError> {
        for (concept, origin) in self.concepts.iter().zip(&self.origins) {
            if let Some(theme) = &concept.theme
                && !self.themes.iter().any(|known| &known.id == theme)
            {
                self.problems.push(format!(
                    "{origin}: concept `{}`: unknown theme `{theme}`",
                    concept.id
                ));
            }
            if let Some(broader) = &concept.broader
                && (!self.concept_index.contains_key(broader) || broader == &concept.id)
            {
                self.problems.push(format!(
                    "{origin}: concept `{}`: broader concept `{broader}` does not exist",
                    concept.id
                ));
            }
        }
        if !self.problems.is_empty() {
            return Err(ThesaurusError {
                problems: self.problems,
            });
        }
        let digest = self.hasher.finalize();
        Ok(Thesaurus {
            themes: self.themes,
            concepts: self.concepts,
            concept_index: self.concept_index,
            fingerprint: digest[..8]
                .iter()
                .map(|byte| format!("{byte:02x}"))
                .collect(),
        })
    }
}

/// Reads a label key as a language code; `id`, `theme` and `broader` never get here.
fn language_key(key: &str) -> Option<String> {
    let code = normalize_code(key)?;
    (code.len() == 2).then_some(code)
}

fn is_slug(id: &str) -> bool {
    !id.is_empty()
        && !id.starts_with('-')
        && id
            .bytes()
            .all(|byte| matches!(byte, b'a'..=b'z' | b'0'..=b'9' | b'-'))
}

#[cfg(test)]
mod tests {
    use super::*;

    const MOBILITY: &str = r#"
[theme]
id = "mobility"
en = "Transport and mobility"
pt = "Transporte e mobilidade"

[[concept]]
id = "school-transport"
en = ["school transport", "school bus"]
pt = ["transporte escolar"]

[[concept]]
id = "rural-school-transport"
broader = "school-transport"
en = ["rural school transport"]
"#;

    #[test]
    fn the_builtin_thesaurus_is_valid_and_names_the_collection_topics() {
        let thesaurus = Thesaurus::builtin();
        for topic in [
            "school-transport",
            "participatory-budgeting",
            "waste-management",
            "flood-early-warning",
            "digital-identity",
            "elderly-care",
            "health-waiting-times",
            "housing-first",
            "e-procurement",
            "open-data",
            "public-transport",
            "air-quality",
        ] {
            let concept = thesaurus.concept(topic);
            assert!(concept.is_some_and(|c| c.theme.is_some()), "{topic}");
        }
        for concept in thesaurus.concepts() {
            for lang in ["en", "fr", "de", "es", "pt", "it", "nl", "ja", "zh", "ko"] {
                assert!(
                    concept.preferred_label(lang).is_some(),
                    "concept `{}` has no `{lang}` label",
                    concept.id
                );
            }
        }
    }

    #[test]
    fn reads_themes_concepts_and_preferred_labels() {
        let thesaurus = Thesaurus::from_files(&[("mobility.toml", MOBILITY)]).unwrap();
        let concept = thesaurus.concept("school-transport").unwrap();
        assert_eq!(concept.theme.as_deref(), Some("mobility"));
        assert_eq!(concept.preferred_label("en"), Some("school transport"));
        assert_eq!(concept.display_label("ja"), "school transport");
        assert_eq!(
            thesaurus.theme("mobility").unwrap().label("pt"),
            "Transporte e mobilidade"
        );
        assert_eq!(
            thesaurus.theme_of_topic("school-transport"),
            Some("mobility")
        );
        assert_eq!(thesaurus.theme_of_topic("mobility"), Some("mobility"));
        assert_eq!(thesaurus.theme_of_topic("innovation"), None);
    }

    #[test]
    fn an_editors_file_adds_synonyms_to_existing_concepts() {
        let builtin = Thesaurus::from_files(&[("mobility.toml", MOBILITY)]).unwrap();
        let extension = r#"
[[concept]]
id = "school-transport"
en = ["pupil transport", "school bus"]

[[concept]]
id = "ppp"
en = ["PPP", "public-private partnership"]
"#;
        let extended = builtin.extended("synonyms.toml", extension).unwrap();
        let labels = &extended.concept("school-transport").unwrap().labels["en"];
        assert_eq!(
            labels,
            &["school transport", "school bus", "pupil transport"]
        );
        assert_eq!(extended.concept("ppp").unwrap().theme, None);
        assert_ne!(builtin.fingerprint(), extended.fingerprint());
    }

    #[test]
    fn every_problem_is_reported_with_its_file() {
        let broken = r#"
[theme]
id = "Bad Theme"
en = "Bad"

[[concept]]
id = "x"
klingon = ["qapla"]
en = [""]

[[concept]]
id = "y"
broader = "nowhere"
en = ["why"]
"#;
        let error = Thesaurus::from_files(&[("broken.toml", broken)]).unwrap_err();
        let text = error.problems.join("\n");
        assert!(text.contains("broken.toml: theme id `Bad Theme`"), "{text}");
        assert!(text.contains("`klingon` is not a language code"), "{text}");
        assert!(text.contains("label `` is empty"), "{text}");
        assert!(text.contains("broader concept `nowhere`"), "{text}");
    }

    #[test]
    fn malformed_toml_is_an_error_not_a_panic() {
        let error = Thesaurus::from_files(&[("x.toml", "[[concept]\nid = ")]).unwrap_err();
        assert!(error.problems[0].starts_with("x.toml: "), "{error}");
    }

    #[test]
    fn a_concept_defined_twice_in_one_file_is_refused() {
        let twice =
            "[[concept]]\nid = \"a\"\nen = [\"a\"]\n[[concept]]\nid = \"a\"\nen = [\"b\"]\n";
        let error = Thesaurus::from_files(&[("twice.toml", twice)]).unwrap_err();
        assert!(error.problems[0].contains("defined twice"), "{error}");
    }
}
