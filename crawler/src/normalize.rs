//! URL canonicalisation: one article, one URL, one document id.
//!
//! The same article is reached under many URLs: with campaign parameters from a newsletter,
//! with a fragment from a table of contents, with an upper-case host from a hand-typed link,
//! with its query parameters in another order. Canonicalising removes those differences; a
//! page's own `rel=canonical` is preferred when it is usable.
//!
//! A declared canonical is only trusted on the page's own site: since the document id derives
//! from the canonical URL, a page declaring another site's URL would otherwise overwrite that
//! site's article in the store.

use std::fmt;

use url::{Host, Url};

/// Query parameters that only track where a click came from.
const TRACKING_PARAMETERS: &[&str] = &[
    "fbclid",
    "gclid",
    "gclsrc",
    "dclid",
    "gbraid",
    "wbraid",
    "msclkid",
    "yclid",
    "twclid",
    "ttclid",
    "li_fat_id",
    "igshid",
    "srsltid",
    "mc_cid",
    "mc_eid",
    "_ga",
    "_gl",
    "_hsenc",
    "_hsmi",
    "_openstat",
    "mkt_tok",
    "oly_anon_id",
    "oly_enc_id",
    "vero_id",
    "wt_mc",
    "at_medium",
    "at_campaign",
    "ref_src",
    "ref_url",
    "pk_campaign",
    "pk_kwd",
    "pk_source",
    "pk_medium",
];

/// Prefixes of tracking parameter families (Google Analytics, Matomo, HubSpot ads).
const TRACKING_PREFIXES: &[&str] = &["utm_", "mtm_", "hsa_"];

/// The canonical URL of a page, and how it was arrived at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Canonical {
    /// The canonical URL.
    pub url: Url,
    /// Whether it came from the page's declaration.
    pub reason: CanonicalReason,
    /// Tracking parameters removed from the URL, by name.
    pub removed_parameters: Vec<String>,
    /// Whether a fragment was removed.
    pub removed_fragment: bool,
    /// Whether the remaining query parameters were put in order.
    pub sorted_query: bool,
    /// The URL asked for, when the server redirected elsewhere.
    pub redirected_from: Option<Url>,
}

impl fmt::Display for Canonical {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(formatter, "{}", self.reason)?;
        if let Some(requested) = &self.redirected_from {
            write!(formatter, "; reached by a redirect from {requested}")?;
        }
        if !self.removed_parameters.is_empty() {
            let names = self.removed_parameters.join(", ");
            write!(formatter, "; tracking parameters removed: {names}")?;
        }
        if self.removed_fragment {
            formatter.write_str("; fragment removed")?;
        }
        if self.sorted_query {
            formatter.write_str("; query parameters sorted")?;
        }
        Ok(())
    }
}

/// Why a canonical URL was chosen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CanonicalReason {
    /// The page declares it with `<link rel="canonical">`.
    Declared,
    /// The page declares a canonical that cannot be trusted; the fetched URL was normalised.
    DeclaredButUnusable {
        /// The declaration as written.
        declared: String,
        /// Why it was not used.
        why: &'static str,
    },
    /// Nothing was declared; the fetched URL was normalised.
    Normalised,
}

impl fmt::Display for CanonicalReason {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CanonicalReason::Declared => {
                formatter.write_str("declared by the page (rel=canonical)")
            }
            CanonicalReason::DeclaredButUnusable { declared, why } => write!(
                formatter,
                "the page declares `{declared}` as canonical, which {why}; normalised the fetched \
                 URL instead"
            ),
            CanonicalReason::Normalised => {
                formatter.write_str("no rel=canonical; normalised the fetched URL")
            }
        }
    }
}

/// Removes what does not identify the article: the fragment and tracking parameters; puts the
/// remaining query parameters in order.
///
/// Scheme and host are already lower-cased and default ports dropped by [`Url`]'s parser.
pub fn canonicalize(url: &Url) -> Url {
    clean(url).url
}

/// Chooses the canonical URL of a page fetched at `fetched`, which may declare its own.
pub fn choose_canonical(fetched: &Url, declared: Option<&str>) -> (Url, CanonicalReason) {
    let canonical = explain_canonical(fetched, fetched, declared);
    (canonical.url, canonical.reason)
}

/// Chooses the canonical URL of a page asked for at `requested` and answered at `fetched`
/// (after redirects), and records every step taken.
pub fn explain_canonical(requested: &Url, fetched: &Url, declared: Option<&str>) -> Canonical {
    let redirected_from = (clean(requested).url != clean(fetched).url).then(|| requested.clone());
    let (base, reason) = match declared.map(str::trim).filter(|raw| !raw.is_empty()) {
        None => (fetched.clone(), CanonicalReason::Normalised),
        Some(raw) => match usable_declaration(fetched, raw) {
            Ok(url) => (url, CanonicalReason::Declared),
            Err(why) => (
                fetched.clone(),
                CanonicalReason::DeclaredButUnusable {
                    declared: raw.chars().take(200).collect(),
                    why,
                },
            ),
        },
    };
    // What the fetched URL carried is worth reporting even when the declaration replaces it.
    let fetched_cleaned = clean(fetched);
    let cleaned = clean(&base);
    let mut removed_parameters = fetched_cleaned.removed_parameters;
    for name in cleaned.removed_parameters {
        if !removed_parameters.contains(&name) {
            removed_parameters.push(name);
        }
    }
    Canonical {
        url: cleaned.url,
        reason,
        removed_parameters,
        removed_fragment: cleaned.removed_fragment || fetched_cleaned.removed_fragment,
        sorted_query: cleaned.sorted_query,
        redirected_from,
    }
}

/// Resolves a declared canonical, or says why it cannot be trusted.
fn usable_declaration(fetched: &Url, raw: &str) -> Result<Url, &'static str> {
    let url = fetched.join(raw).map_err(|_| "is not a valid URL")?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err("is not an http(s) URL");
    }
    if site_of(&url) != site_of(fetched) {
        return Err("is on another site");
    }
    // A CMS template that declares the home page canonical for every article would otherwise
    // fold a whole site into one document.
    let is_home = url.path() == "/" && url.query().is_none();
    if is_home && fetched.path() != "/" {
        return Err("is the site's home page, not this article");
    }
    Ok(url)
}

/// The registrable part of a URL's host by the Public Suffix List: `www.rio.rj.gov.br` →
/// `rio.rj.gov.br`, `www.pref.osaka.jp` → `pref.osaka.jp`. A host that is itself a public
/// suffix, or has none (`localhost`), an IP address included, is its own site.
fn site_of(url: &Url) -> Option<String> {
    match url.host()? {
        Host::Domain(domain) => {
            let domain = domain.trim_end_matches('.');
            Some(psl::domain_str(domain).unwrap_or(domain).to_string())
        }
        host => Some(host.to_string()),
    }
}

struct Cleaned {
    url: Url,
    removed_parameters: Vec<String>,
    removed_fragment: bool,
    sorted_query: bool,
}

fn clean(url: &Url) -> Cleaned {
    let mut canonical = url.clone();
    let removed_fragment = url.fragment().is_some();
    canonical.set_fragment(None);

    // The query is filtered and sorted as written, without decoding and re-encoding, so that
    // `%20` and `+` stay as the site wrote them and the result never depends on the order
    // parameters came in.
    let mut removed_parameters = Vec::new();
    let mut kept: Vec<&str> = Vec::new();
    for pair in url.query().unwrap_or_default().split('&') {
        if pair.is_empty() {
            continue;
        }
        let name = pair.split('=').next().unwrap_or_default();
        if is_tracking_parameter(name) {
            removed_parameters.push(name.to_string());
        } else {
            kept.push(pair);
        }
    }
    let original_order = kept.clone();
    kept.sort_by(|left, right| parameter_name(left).cmp(parameter_name(right)));
    let sorted_query = kept != original_order;
    if kept.is_empty() {
        canonical.set_query(None);
    } else {
        canonical.set_query(Some(&kept.join("&")));
    }
    Cleaned {
        url: canonical,
        removed_parameters,
        removed_fragment,
        sorted_query,
    }
}

fn parameter_name(pair: &str) -> &str {
    pair.split('=').next().unwrap_or_default()
}

fn is_tracking_parameter(raw_name: &str) -> bool {
    let name = raw_name.to_ascii_lowercase();
    TRACKING_PREFIXES
        .iter()
        .any(|prefix| name.starts_with(prefix))
        || TRACKING_PARAMETERS.contains(&name.as_str())
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

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
            (
                "https://example.org/a?mc_cid=1&mc_eid=2&igshid=3&_ga=4&yclid=5&ref_src=6&dclid=7\
                 &msclkid=8&mtm_source=9",
                "https://example.org/a",
            ),
            ("http://example.org:80/a", "http://example.org/a"),
            ("HTTPS://EXAMPLE.org:443/a?", "https://example.org/a"),
            ("https://example.org:8443/a", "https://example.org:8443/a"),
        ];
        for (raw, expected) in cases {
            assert_eq!(canonical(raw), expected, "{raw}");
        }
    }

    #[test]
    fn remaining_parameters_are_sorted_as_written() {
        let cases = [
            (
                "https://example.org/a?b=1&a=2",
                "https://example.org/a?a=2&b=1",
            ),
            (
                "https://example.org/a?q=flood%20alert&lang=pt&&utm_source=x",
                "https://example.org/a?lang=pt&q=flood%20alert",
            ),
            // Repeated parameters keep their relative order: it can be meaningful.
            (
                "https://example.org/a?tag=b&id=1&tag=a",
                "https://example.org/a?id=1&tag=b&tag=a",
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

        let (url, reason) = choose_canonical(&fetched, Some("https://www.example.org/a#x"));
        assert_eq!(url.as_str(), "https://www.example.org/a");
        assert_eq!(reason, CanonicalReason::Declared);
    }

    #[test]
    fn untrustworthy_canonicals_fall_back_to_the_fetched_url() {
        let fetched = Url::parse("https://news.city.gov.br/a?utm_medium=x#x").unwrap();
        let cases = [
            ("javascript:alert(1)", "is not an http(s) URL"),
            ("https://other.org/a", "is on another site"),
            ("https://other.gov.br/a", "is on another site"),
            (
                "https://www.city.gov.br/",
                "is the site's home page, not this article",
            ),
            ("http://[::1", "is not a valid URL"),
        ];
        for (declared, expected_why) in cases {
            let (url, reason) = choose_canonical(&fetched, Some(declared));
            assert_eq!(url.as_str(), "https://news.city.gov.br/a", "{declared}");
            assert!(
                matches!(reason, CanonicalReason::DeclaredButUnusable { why, .. } if why == expected_why),
                "{declared}"
            );
        }
        let (url, reason) = choose_canonical(&fetched, Some("https://www.city.gov.br/a"));
        assert_eq!(
            (url.as_str(), reason),
            ("https://www.city.gov.br/a", CanonicalReason::Declared)
        );
    }

    #[test]
    fn sites_are_told_apart_by_the_public_suffix_list() {
        let cases = [
            (
                "https://www.pref.osaka.jp/a",
                "https://www.city.osaka.jp/a",
                false,
            ),
            (
                "https://one.blogspot.com/a",
                "https://two.blogspot.com/a",
                false,
            ),
            (
                "https://www.recife.pe.gov.br/a",
                "https://portal.recife.pe.gov.br/a",
                true,
            ),
            (
                "https://news.example.co.uk/a",
                "https://www.example.co.uk/a",
                true,
            ),
            ("http://127.0.0.1:8080/a", "http://127.0.0.1:9090/a", true),
            ("http://localhost/a", "http://127.0.0.1/a", false),
        ];
        for (fetched, declared, same) in cases {
            let fetched = Url::parse(fetched).unwrap();
            let (_, reason) = choose_canonical(&fetched, Some(declared));
            assert_eq!(reason == CanonicalReason::Declared, same, "{declared}");
        }
    }

    #[test]
    fn explanations_report_what_the_fetched_url_carried() {
        let fetched = Url::parse("https://example.org/a?utm_source=rss#x").unwrap();
        let canonical = explain_canonical(&fetched, &fetched, Some("/b?fbclid=1"));
        assert_eq!(canonical.url.as_str(), "https://example.org/b");
        assert_eq!(canonical.removed_parameters, ["utm_source", "fbclid"]);
        assert!(canonical.removed_fragment);
    }

    #[test]
    fn explanations_name_every_step() {
        let requested = Url::parse("http://example.org/old?utm_source=mail").unwrap();
        let fetched = Url::parse("https://example.org/new?b=2&a=1&fbclid=x#top").unwrap();
        let canonical = explain_canonical(&requested, &fetched, None);
        assert_eq!(canonical.url.as_str(), "https://example.org/new?a=1&b=2");
        assert_eq!(canonical.removed_parameters, ["fbclid"]);
        assert!(canonical.removed_fragment && canonical.sorted_query);
        assert_eq!(canonical.redirected_from, Some(requested));
        let text = canonical.to_string();
        for part in [
            "no rel=canonical",
            "redirect from",
            "fbclid",
            "fragment",
            "sorted",
        ] {
            assert!(text.contains(part), "{part} missing from {text}");
        }
    }

    fn any_url() -> impl Strategy<Value = String> {
        let name = prop_oneof![
            Just("utm_source".to_string()),
            Just("fbclid".to_string()),
            Just("GCLID".to_string()),
            "[a-z]{1,3}",
        ];
        let pair =
            (name, "[a-zA-Z0-9%+ ]{0,4}").prop_map(|(name, value)| format!("{name}={value}"));
        (
            prop_oneof![Just("http"), Just("https"), Just("HTTPS")],
            "[a-zA-Z]{1,6}\\.(org|gov\\.br|CO\\.UK)",
            proptest::option::of(1u16..),
            "(/[a-zA-Z0-9%._-]{0,6}){0,3}",
            proptest::collection::vec(pair, 0..5),
            proptest::option::of("[a-z]{0,4}"),
        )
            .prop_map(|(scheme, host, port, path, pairs, fragment)| {
                let port = port.map(|port| format!(":{port}")).unwrap_or_default();
                let query = if pairs.is_empty() {
                    String::new()
                } else {
                    format!("?{}", pairs.join("&"))
                };
                let fragment = fragment.map(|f| format!("#{f}")).unwrap_or_default();
                format!("{scheme}://{host}{port}{path}{query}{fragment}")
            })
    }

    proptest! {
        #[test]
        fn canonicalisation_is_idempotent_and_strips_tracking(raw in any_url()) {
            let url = Url::parse(&raw).unwrap();
            let once = canonicalize(&url);
            prop_assert_eq!(&canonicalize(&once), &once);
            prop_assert!(once.fragment().is_none());
            for (name, _) in once.query_pairs() {
                prop_assert!(!is_tracking_parameter(&name), "{} kept in {}", name, once);
            }
            prop_assert_eq!(once.host_str().map(str::to_lowercase), once.host_str().map(String::from));
        }

        #[test]
        fn parameter_order_does_not_change_the_canonical(raw in any_url()) {
            let url = Url::parse(&raw).unwrap();
            let mut reversed = url.clone();
            if let Some(query) = url.query() {
                let pairs: Vec<&str> = query.split('&').rev().collect();
                reversed.set_query(Some(&pairs.join("&")));
            }
            let names = |url: &Url| -> Vec<String> {
                url.query_pairs().map(|(name, _)| name.into_owned()).collect()
            };
            // Repeated names keep their relative order, so only URLs without repeats compare.
            let original_names = names(&url);
            let mut unique = original_names.clone();
            unique.sort();
            unique.dedup();
            prop_assume!(unique.len() == original_names.len());
            prop_assert_eq!(canonicalize(&url), canonicalize(&reversed));
        }

        #[test]
        fn any_declared_canonical_is_handled(raw in any_url(), declared in "\\PC{0,40}") {
            let fetched = Url::parse(&raw).unwrap();
            let (url, _) = choose_canonical(&fetched, Some(&declared));
            prop_assert!(matches!(url.scheme(), "http" | "https"));
        }
    }
}
