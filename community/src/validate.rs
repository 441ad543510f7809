//! Checking and normalising what members type: emails, bounded texts, topics, countries and
//! languages. Every function returns the cleaned value or a [`UserError::Invalid`] naming the
//! field.

use agora_indexer::country::{is_valid_country, suggest_country};
use agora_indexer::language::{is_known_iso639_1, normalize_code};
use email_address::{EmailAddress, Options};

use crate::error::UserError;

/// Longest email address accepted (RFC 5321's path limit).
const MAX_EMAIL_CHARS: usize = 254;

/// Topics a question or a profile may carry.
pub const MAX_TOPICS: usize = 10;

/// Longest topic slug.
const MAX_TOPIC_CHARS: usize = 40;

/// Languages a profile may list.
const MAX_LANGUAGES: usize = 20;

/// Normalises an email address (trimmed, lowercased) after checking its syntax.
///
/// Display names and domain literals are refused, and the domain needs a dot: these are
/// valid in RFC 5322 but never what someone signing up means.
pub fn email(raw: &str) -> Result<String, UserError> {
    let trimmed = raw.trim();
    if trimmed.is_empty() {
        return Err(UserError::invalid("email", "an email address is required"));
    }
    if trimmed.chars().count() > MAX_EMAIL_CHARS {
        return Err(UserError::invalid(
            "email",
            format!("an email address has at most {MAX_EMAIL_CHARS} characters"),
        ));
    }
    let options = Options::default()
        .with_required_tld()
        .without_display_text()
        .without_domain_literal();
    match EmailAddress::parse_with_options(trimmed, options) {
        Ok(address) => Ok(address.as_str().to_lowercase()),
        Err(_) => Err(UserError::invalid(
            "email",
            format!("`{trimmed}` is not an email address like name@example.org"),
        )),
    }
}

/// Trims `raw` and checks it is non-empty and at most `max_chars` long.
pub fn required_text(
    field: &'static str,
    raw: &str,
    max_chars: usize,
) -> Result<String, UserError> {
    let text = optional_text(field, raw, max_chars)?;
    if text.is_empty() {
        return Err(UserError::invalid(field, format!("{field} is required")));
    }
    Ok(text)
}

/// Trims `raw` and checks it is at most `max_chars` long; empty is allowed.
pub fn optional_text(
    field: &'static str,
    raw: &str,
    max_chars: usize,
) -> Result<String, UserError> {
    let text = raw.trim();
    if text.chars().count() > max_chars {
        return Err(UserError::invalid(
            field,
            format!("{field} has at most {max_chars} characters"),
        ));
    }
    if text
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
    {
        return Err(UserError::invalid(
            field,
            format!("{field} contains control characters"),
        ));
    }
    Ok(text.to_string())
}

/// Turns topics as typed ("Digital services") into slugs ("digital-services"), dropping
/// empty and repeated ones.
pub fn topics(field: &'static str, raw: &[String]) -> Result<Vec<String>, UserError> {
    let mut slugs: Vec<String> = Vec::new();
    for topic in raw {
        let slug = slugify(topic);
        if slug.is_empty() || slugs.contains(&slug) {
            continue;
        }
        if slug.chars().count() > MAX_TOPIC_CHARS {
            return Err(UserError::invalid(
                field,
                format!("a topic has at most {MAX_TOPIC_CHARS} characters"),
            ));
        }
        slugs.push(slug);
    }
    if slugs.len() > MAX_TOPICS {
        return Err(UserError::invalid(
            field,
            format!("at most {MAX_TOPICS} topics"),
        ));
    }
    Ok(slugs)
}

/// Lowercases and joins runs of anything but letters and digits with single hyphens.
pub fn slugify(text: &str) -> String {
    let lower = text.trim().to_lowercase();
    let mut slug = String::with_capacity(lower.len());
    for c in lower.chars() {
        if c.is_alphanumeric() {
            slug.push(c);
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    slug.trim_end_matches('-').to_string()
}

/// Checks a country code (ISO 3166-1 alpha-2 or `INT`); an empty value means none.
pub fn country(field: &'static str, raw: &str) -> Result<Option<String>, UserError> {
    let code = raw.trim();
    if code.is_empty() {
        return Ok(None);
    }
    if is_valid_country(code) {
        return Ok(Some(code.to_string()));
    }
    let hint = suggest_country(code)
        .map(|suggestion| format!("; did you mean `{suggestion}`?"))
        .unwrap_or_default();
    Err(UserError::invalid(
        field,
        format!("`{code}` is not an ISO 3166-1 alpha-2 country code or INT{hint}"),
    ))
}

/// Normalises language tags (`pt-BR` → `pt`) and checks each is an ISO 639-1 code.
pub fn languages(field: &'static str, raw: &[String]) -> Result<Vec<String>, UserError> {
    let mut codes: Vec<String> = Vec::new();
    for tag in raw
        .iter()
        .map(|tag| tag.trim())
        .filter(|tag| !tag.is_empty())
    {
        let code = normalize_code(tag)
            .filter(|code| is_known_iso639_1(code))
            .ok_or_else(|| {
                UserError::invalid(
                    field,
                    format!("`{tag}` is not an ISO 639-1 language code such as pt or ja"),
                )
            })?;
        if !codes.contains(&code) {
            codes.push(code);
        }
    }
    if codes.len() > MAX_LANGUAGES {
        return Err(UserError::invalid(
            field,
            format!("at most {MAX_LANGUAGES} languages"),
        ));
    }
    Ok(codes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_are_checked_and_lowercased() {
        assert_eq!(email("  Ana@Example.ORG ").unwrap(), "ana@example.org");
        for raw in [
            "",
            "ana",
            "ana@",
            "@example.org",
            "ana@localhost",
            "Ana <ana@example.org>",
            "ana@[127.0.0.1]",
            "a b@example.org",
        ] {
            assert!(email(raw).is_err(), "{raw}");
        }
    }

    #[test]
    fn topics_become_unique_slugs() {
        let raw = vec![
            "Digital Services".to_string(),
            "digital_services".to_string(),
            "  ".to_string(),
            "Transporte escolar!".to_string(),
        ];
        assert_eq!(
            topics("topics", &raw).unwrap(),
            ["digital-services", "transporte-escolar"]
        );
    }

    #[test]
    fn countries_and_languages_are_validated() {
        assert_eq!(country("country", "BR").unwrap().as_deref(), Some("BR"));
        assert_eq!(country("country", "").unwrap(), None);
        let error = country("country", "UK").unwrap_err().to_string();
        assert!(error.contains("GB"), "{error}");
        assert_eq!(
            languages("languages", &["pt-BR".into(), "ja".into(), "pt".into()]).unwrap(),
            ["pt", "ja"]
        );
        assert!(languages("languages", &["klingon".into()]).is_err());
    }

    #[test]
    fn texts_are_bounded_and_free_of_control_characters() {
        assert_eq!(required_text("name", "  Ana ", 10).unwrap(), "Ana");
        assert!(required_text("name", "   ", 10).is_err());
        assert!(required_text("name", "abcdefghijk", 10).is_err());
        assert!(optional_text("bio", "a\u{0}b", 10).is_err());
        assert_eq!(optional_text("bio", "a\nb", 10).unwrap(), "a\nb");
    }
}
