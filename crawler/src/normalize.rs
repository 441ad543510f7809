//! URL canonicalisation: one article, one URL, one document id.
//!
//! The same article is reached under many URLs: with campaign parameters from a newsletter,
//! with a fragment from a table of contents, with an upper-case host from a hand-typed link.
//! Canonicalising removes those differences; a page's own `rel=canonical` is preferred when
//! it declares one.

use std::fmt;

use url::Url;

/// Query parameters that only track where a click came from.
const TRACKING_PARAMETERS: &[&str] = &[
    "fbclid",
    "gclid",
    "dclid",
    "gbraid",
    "wbraid",
    "msclkid",
    "yclid",
    "igshid",
    "mc_cid",
    "mc_eid",
    "_ga",
    "_gl",
    "_hsenc",
    "_hsmi",
    "mkt_tok",
    "oly_anon_id",
    "oly_enc_id",
    "vero_id",
    "wt_mc",
    "at_medium",
    "at_campaign",
    "ref_src",
];

/// Why a canonical URL was chosen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CanonicalReason {
    /// The page declares it with `<link rel="canonical">`.
    Declared,
    /// The page declares an unusable canonical (another scheme, unparsable); the fetched URL
    /// was normalised instead.
    DeclaredButUnusable(String),
    /// Nothing was declared; the fetched URL was normalised.
    Normalised,
}

impl fmt::Display for CanonicalReason {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CanonicalReason::Declared => formatter.write_str("declared by the page (rel=canonical)"),
            CanonicalReason::DeclaredButUnusable(raw) => write!(
                formatter,
                "the page declares `{raw}`, which is unusable; normalised the fetched URL instead"
            ),
            CanonicalReason::Normalised => formatter.write_str(
                "no rel=canonical; normalised the fetched URL (fragment and tracking parameters removed)",
            ),
        }
    }
}

/// Removes what does not identify the article: the fragment and tracking parameters.
///
/// Scheme and host are already lower-cased and default ports dropped by [`Url`]'s parser.
pub fn canonicalize(url: &Url) -> Url {
    let mut canonical = url.clone();
    canonical.set_fragment(None);

    let kept: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(name, _)| !is_tracking_parameter(name))
        .map(|(name, value)| (name.into_owned(), value.into_owned()))
        .collect();
    if kept.is_empty() {
        canonical.set_query(None);
    } else if kept.len() != url.query_pairs().count() {
        canonical.query_pairs_mut().clear().extend_pairs(kept);
    }
    canonical
}

/// Chooses the canonical URL of a page fetched at `fetched`, which may declare its own.
pub fn choose_canonical(fetched: &Url, declared: Option<&str>) -> (Url, CanonicalReason) {
    let Some(raw) = declared.map(str::trim).filter(|raw| !raw.is_empty()) else {
        return (canonicalize(fetched), CanonicalReason::Normalised);
    };
    match fetched.join(raw) {
        Ok(url) if matches!(url.scheme(), "http" | "https") => {
            (canonicalize(&url), CanonicalReason::Declared)
        }
        _ => (
            canonicalize(fetched),
            CanonicalReason::DeclaredButUnusable(raw.to_string()),
        ),
    }
}

fn is_tracking_parameter(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    name.starts_with("utm_") || TRACKING_PARAMETERS.contains(&name.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn canonical(raw: &str) -> String {
        canonicalize(&Url::parse(raw).unwrap()).to_string()
    }

    #[test]
    fn tracking_parameters_and_fragments_are_removed() {
        let cases = [
            (
                "https://Example.ORG/a?utm_source=x&utm_medium=y#top",
                "https://example.org/a",
            ),
            (
                "https://example.org/a?id=3&fbclid=abc",
                "https://example.org/a?id=3",
            ),
            (
                "https://example.org/a?gclid=1&page=2&UTM_Campaign=z",
                "https://example.org/a?page=2",
            ),
            ("http://example.org:80/a", "http://example.org/a"),
            (
                "https://example.org/a?b=1&a=2",
                "https://example.org/a?b=1&a=2",
            ),
        ];
        for (raw, expected) in cases {
            assert_eq!(canonical(raw), expected, "{raw}");
        }
    }

    #[test]
    fn declared_canonical_wins_and_is_resolved() {
        let fetched = Url::parse("https://example.org/news/1?utm_source=rss").unwrap();
        let (url, reason) = choose_canonical(&fetched, Some("/articles/1"));
        assert_eq!(url.as_str(), "https://example.org/articles/1");
        assert_eq!(reason, CanonicalReason::Declared);
    }

    #[test]
    fn unusable_canonical_falls_back_to_the_fetched_url() {
        let fetched = Url::parse("https://example.org/a#x").unwrap();
        let (url, reason) = choose_canonical(&fetched, Some("javascript:alert(1)"));
        assert_eq!(url.as_str(), "https://example.org/a");
        assert!(matches!(reason, CanonicalReason::DeclaredButUnusable(_)));
    }
}
