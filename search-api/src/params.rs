//! Reading search parameters from a query string, shared by the API and the page.
//!
//! Filters may repeat (`lang=pt&lang=es`), which serde's URL-encoded deserializer does not
//! support, so the pairs are read by hand; that also lets every message name its parameter.

use agora_indexer::country::is_valid_country;
use agora_indexer::search::{MAX_PER_PAGE, MAX_RESULT_WINDOW};
use agora_indexer::{ContentKind, FacetDimension, LanguageScope, SearchRequest, SortOrder};
use axum::http::HeaderMap;
use axum::http::header::ACCEPT_LANGUAGE;
use chrono::{DateTime, NaiveDate, Utc};

use crate::error::ApiError;

/// Longest query accepted, in characters.
const MAX_QUERY_CHARS: usize = 500;

/// Longest filter value accepted, in characters.
const MAX_VALUE_CHARS: usize = 100;

/// Language tags of an `Accept-Language` header looked at; browsers send a handful.
const MAX_ACCEPT_LANGUAGE_TAGS: usize = 20;

/// Values accepted per filter.
const MAX_VALUES_PER_FILTER: usize = 20;

/// How unknown parameters are treated.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnknownParams {
    /// A typo in an API call is better reported than silently ignored.
    Reject,
    /// Browsers and link trackers add parameters to page URLs; they are ignored.
    Ignore,
}

/// Parses a raw query string into a search request.
pub fn parse_search_params(
    raw_query: &str,
    unknown: UnknownParams,
) -> Result<SearchRequest, ApiError> {
    let mut request = SearchRequest::default();
    let mut query: Option<String> = None;
    for (name, value) in url::form_urlencoded::parse(raw_query.as_bytes()) {
        let value = value.trim();
        match name.as_ref() {
            "q" => {
                if query.is_some() {
                    return Err(ApiError::invalid("q", "q may be given only once"));
                }
                if value.chars().count() > MAX_QUERY_CHARS {
                    return Err(ApiError::invalid(
                        "q",
                        format!("q is longer than {MAX_QUERY_CHARS} characters"),
                    ));
                }
                query = Some(value.to_string());
            }
            "qlang" => request.query_lang = parse_qlang(value)?,
            "lang" => add_filter(&mut request, FacetDimension::Lang, value, check_lang)?,
            "country" => add_filter(&mut request, FacetDimension::Country, value, check_country)?,
            "topic" => add_filter(&mut request, FacetDimension::Topic, value, |_| Ok(()))?,
            "kind" => add_filter(&mut request, FacetDimension::Kind, value, check_kind)?,
            "source" => add_filter(&mut request, FacetDimension::Source, value, |_| Ok(()))?,
            "from" => request.published_from = parse_date("from", value, false)?,
            "to" => request.published_to = parse_date("to", value, true)?,
            "sort" => request.sort = parse_sort(value)?,
            "scope" => request.scope = parse_scope(value)?,
            "answered" => request.answered = parse_answered(value)?,
            "page" => request.page = parse_number("page", value, 1, MAX_RESULT_WINDOW)?,
            "per_page" => request.per_page = parse_number("per_page", value, 1, MAX_PER_PAGE)?,
            other => {
                if unknown == UnknownParams::Reject {
                    return Err(ApiError::invalid(
                        other,
                        format!(
                            "unknown parameter `{other}` (expected q, qlang, lang, country, topic, kind, \
                             source, answered, from, to, sort, scope, page, per_page)"
                        ),
                    ));
                }
            }
        }
    }
    request.query = query.unwrap_or_default();

    if let (Some(from), Some(to)) = (request.published_from, request.published_to)
        && from > to
    {
        return Err(ApiError::invalid("from", "from is later than to"));
    }
    if request.page.saturating_mul(request.per_page) > MAX_RESULT_WINDOW {
        return Err(ApiError::invalid(
            "page",
            format!(
                "only the first {MAX_RESULT_WINDOW} results can be paged through; narrow the search"
            ),
        ));
    }
    Ok(request)
}

fn add_filter(
    request: &mut SearchRequest,
    dimension: FacetDimension,
    value: &str,
    check: impl Fn(&str) -> Result<(), String>,
) -> Result<(), ApiError> {
    let name = dimension.name();
    if value.is_empty() {
        return Ok(());
    }
    if value.chars().count() > MAX_VALUE_CHARS {
        return Err(ApiError::invalid(
            name,
            format!("{name} values are at most {MAX_VALUE_CHARS} characters"),
        ));
    }
    if request.filters.get(dimension).len() == MAX_VALUES_PER_FILTER {
        return Err(ApiError::invalid(
            name,
            format!("at most {MAX_VALUES_PER_FILTER} {name} values"),
        ));
    }
    check(value).map_err(|message| ApiError::invalid(name, message))?;
    request.filters.add(dimension, value);
    Ok(())
}

fn check_lang(value: &str) -> Result<(), String> {
    let is_code =
        (2..=3).contains(&value.len()) && value.bytes().all(|byte| byte.is_ascii_lowercase());
    if is_code {
        return Ok(());
    }
    Err(format!(
        "lang '{value}' is not a language code (expected ISO 639-1, such as pt)"
    ))
}

fn check_country(value: &str) -> Result<(), String> {
    if is_valid_country(value) {
        return Ok(());
    }
    Err(format!(
        "country '{value}' is not an ISO 3166-1 alpha-2 code (such as BR) or INT"
    ))
}

fn check_kind(value: &str) -> Result<(), String> {
    match ContentKind::parse_searchable(value) {
        Some(_) => Ok(()),
        None => Err(format!(
            "kind '{value}' is unknown (expected {})",
            ContentKind::searchable_names()
        )),
    }
}

/// `answered=true|false` keeps community questions with or without answers; empty means
/// no filter, as the page's "any" choice sends.
fn parse_answered(value: &str) -> Result<Option<bool>, ApiError> {
    match value {
        "" => Ok(None),
        "true" => Ok(Some(true)),
        "false" => Ok(Some(false)),
        _ => Err(ApiError::invalid("answered", "answered is true or false")),
    }
}

fn parse_qlang(value: &str) -> Result<Option<String>, ApiError> {
    if value.is_empty() {
        return Ok(None);
    }
    agora_indexer::language::normalize_code(value)
        .map(Some)
        .ok_or_else(|| {
            ApiError::invalid(
                "qlang",
                format!("qlang '{value}' is not a language code (such as pt)"),
            )
        })
}

fn parse_sort(value: &str) -> Result<SortOrder, ApiError> {
    match value {
        "" | "relevance" => Ok(SortOrder::Relevance),
        "date" => Ok(SortOrder::Date),
        other => Err(ApiError::invalid(
            "sort",
            format!("sort '{other}' is unknown (expected relevance or date)"),
        )),
    }
}

fn parse_scope(value: &str) -> Result<LanguageScope, ApiError> {
    match value {
        "" | "all" => Ok(LanguageScope::All),
        "own" => Ok(LanguageScope::Own),
        other => Err(ApiError::invalid(
            "scope",
            format!("scope '{other}' is unknown (expected all or own)"),
        )),
    }
}

/// Returns the user's preferred interface language from `Accept-Language`: the tag with the
/// highest weight that is a language code, as a hint for reading short queries.
pub fn interface_language(headers: &HeaderMap) -> Option<String> {
    let header = headers.get(ACCEPT_LANGUAGE)?.to_str().ok()?;
    let mut best: Option<(f32, String)> = None;
    for item in header.split(',').take(MAX_ACCEPT_LANGUAGE_TAGS) {
        let mut parts = item.split(';');
        let tag = parts.next().unwrap_or_default().trim();
        let weight = parts
            .find_map(|part| part.trim().strip_prefix("q="))
            .map_or(Some(1.0), |weight| weight.trim().parse::<f32>().ok());
        let (Some(weight), Some(code)) = (weight, agora_indexer::language::normalize_code(tag))
        else {
            continue;
        };
        if weight > 0.0 && best.as_ref().is_none_or(|(known, _)| weight > *known) {
            best = Some((weight, code));
        }
    }
    best.map(|(_, code)| code)
}

fn parse_number(name: &str, value: &str, min: usize, max: usize) -> Result<usize, ApiError> {
    match value.parse::<usize>() {
        Ok(number) if (min..=max).contains(&number) => Ok(number),
        _ => Err(ApiError::invalid(
            name,
            format!("{name} must be a whole number from {min} to {max}"),
        )),
    }
}

/// Parses `YYYY-MM-DD` (the whole day: its start for `from`, its end for `to`) or RFC 3339.
fn parse_date(
    name: &str,
    value: &str,
    end_of_day: bool,
) -> Result<Option<DateTime<Utc>>, ApiError> {
    if value.is_empty() {
        return Ok(None);
    }
    if let Ok(date) = NaiveDate::parse_from_str(value, "%Y-%m-%d") {
        let time = if end_of_day {
            date.and_hms_opt(23, 59, 59)
        } else {
            date.and_hms_opt(0, 0, 0)
        };
        return Ok(time.map(|time| time.and_utc()));
    }
    DateTime::parse_from_rfc3339(value)
        .map(|date| Some(date.with_timezone(&Utc)))
        .map_err(|_| ApiError::invalid(name, format!("{name} must be a date such as 2024-05-31")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(raw: &str) -> Result<SearchRequest, String> {
        parse_search_params(raw, UnknownParams::Reject).map_err(|error| match error {
            ApiError::InvalidParameter { param, .. } => param,
            other => other.to_string(),
        })
    }

    #[test]
    fn a_full_query_string_is_read() {
        let request =
            parse("q=transporte+escolar&qlang=pt&lang=pt&lang=es&country=BR&kind=case-study&from=2020-01-01&to=2024-12-31&sort=date&page=2&per_page=20")
                .unwrap();
        assert_eq!(request.query, "transporte escolar");
        assert_eq!(request.query_lang.as_deref(), Some("pt"));
        assert_eq!(request.filters.get(FacetDimension::Lang), ["pt", "es"]);
        assert_eq!(request.sort, SortOrder::Date);
        assert_eq!((request.page, request.per_page), (2, 20));
        assert_eq!(
            request.published_to.unwrap().to_rfc3339(),
            "2024-12-31T23:59:59+00:00"
        );
    }

    #[test]
    fn each_bad_parameter_is_named() {
        let cases = [
            ("page=0", "page"),
            ("page=abc", "page"),
            ("per_page=1000", "per_page"),
            ("sort=best", "sort"),
            ("scope=mine", "scope"),
            ("from=yesterday", "from"),
            ("from=2024-02-01&to=2024-01-01", "from"),
            ("country=Brazil", "country"),
            ("kind=blog", "kind"),
            ("lang=Portuguese", "lang"),
            ("qlang=klingon", "qlang"),
            ("q=a&q=b", "q"),
            ("langs=pt", "langs"),
            ("page=200&per_page=100", "page"),
        ];
        for (raw, param) in cases {
            assert_eq!(parse(raw).err().as_deref(), Some(param), "{raw}");
        }
    }

    #[test]
    fn hostile_input_is_an_error_not_a_panic() {
        let long = format!("q={}", "a".repeat(10_000));
        assert_eq!(parse(&long).err().as_deref(), Some("q"));
        assert!(parse("q=%FF%FE%00&lang=%00").is_err());
        assert!(parse("%%%&&&===").is_err());
        let many = (0..30).map(|_| "topic=x").collect::<Vec<_>>().join("&");
        assert_eq!(parse(&many).err().as_deref(), Some("topic"));
    }

    #[test]
    fn the_interface_language_is_the_heaviest_accepted_language() {
        let headers = |value: &str| {
            let mut headers = HeaderMap::new();
            headers.insert(ACCEPT_LANGUAGE, value.parse().unwrap());
            headers
        };
        let cases = [
            ("pt-BR,pt;q=0.9,en;q=0.8", Some("pt")),
            ("en;q=0.2, ja;q=0.9", Some("ja")),
            ("*", None),
            ("xx-YY;q=abc, ;;;", None),
            ("de;q=0", None),
        ];
        for (value, expected) in cases {
            assert_eq!(
                interface_language(&headers(value)).as_deref(),
                expected,
                "{value}"
            );
        }
        assert_eq!(interface_language(&HeaderMap::new()), None);
    }

    #[test]
    fn pages_ignore_unknown_parameters() {
        assert!(parse_search_params("q=x&utm_source=mail", UnknownParams::Ignore).is_ok());
    }

    #[test]
    fn empty_values_mean_no_filter() {
        let request = parse("q=&lang=&country=&sort=&qlang=").unwrap();
        assert!(request.filters.is_empty());
        assert_eq!(request.query, "");
    }
}
