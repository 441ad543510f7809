//! Incremental crawling: what each URL's last fetch left, sent back to fetch it again.
//!
//! After a feed, sitemap or page has been fully processed, its validators (`ETag`,
//! `Last-Modified`) and the time are kept in the store, keyed by the URL asked for. The next
//! crawl sends them, so that an unchanged resource answers `304 Not Modified` without a
//! body, and skips sitemap pages whose `lastmod` is not newer than that time.
//!
//! The state is written only once what the answer led to is safely stored: a page after its
//! document, a feed or sitemap after all of its entries (and only when no entry failed in a
//! way the next crawl could fix). Otherwise a later 304 would hide an article never stored.

use agora_indexer::{FetchState, IndexerError, Store};
use chrono::{DateTime, Utc};
use url::Url;

use crate::fetcher::{FetchedResponse, Validators};

/// What to remember about one fetch once what it led to is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchMark {
    requested: Url,
    final_url: Url,
    /// The new validators; `None` after a 304, which keeps the stored ones.
    validators: Option<Validators>,
}

impl FetchMark {
    /// Marks a full answer to a request for `requested`.
    pub fn fetched(requested: &Url, response: &FetchedResponse) -> FetchMark {
        FetchMark {
            requested: requested.clone(),
            final_url: response.url.clone(),
            validators: Some(Validators {
                etag: response.etag.clone(),
                last_modified: response.last_modified.clone(),
            }),
        }
    }

    /// Marks a 304 answer to a request for `requested`, which `final_url` gave.
    pub fn not_modified(requested: &Url, final_url: &Url) -> FetchMark {
        FetchMark {
            requested: requested.clone(),
            final_url: final_url.clone(),
            validators: None,
        }
    }
}

/// Returns the validators kept for `url`, if any.
///
/// Reads the store directly: reading one small value takes microseconds, which is
/// fine on the async runtime.
pub fn stored_validators(store: &Store, url: &Url) -> Result<Option<Validators>, IndexerError> {
    Ok(store
        .fetch_state(url.as_str())?
        .filter(FetchState::has_validators)
        .map(|state| Validators {
            etag: state.etag,
            last_modified: state.last_modified,
        }))
}

/// Records `mark` as the URL's last successful fetch, at `now`.
pub fn remember(store: &Store, mark: &FetchMark, now: DateTime<Utc>) -> Result<(), IndexerError> {
    let key = mark.requested.as_str();
    let validators = match &mark.validators {
        Some(validators) => validators.clone(),
        None => stored_validators(store, &mark.requested)?.unwrap_or_default(),
    };
    let state = FetchState {
        etag: validators.etag,
        last_modified: validators.last_modified,
        fetched_at: now,
        final_url: (mark.final_url != mark.requested).then(|| mark.final_url.to_string()),
    };
    store.put_fetch_state(key, &state)
}

/// Tells whether a sitemap page whose `lastmod` is given has not changed since its last
/// successful fetch; a page without `lastmod`, or never fetched, may have.
pub fn unchanged_since_last_fetch(
    store: &Store,
    url: &Url,
    lastmod: Option<DateTime<Utc>>,
) -> Result<bool, IndexerError> {
    let Some(lastmod) = lastmod else {
        return Ok(false);
    };
    Ok(store
        .fetch_state(url.as_str())?
        .is_some_and(|state| lastmod <= state.fetched_at))
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use chrono::TimeZone;

    use super::*;

    fn url(text: &str) -> Url {
        Url::parse(text).unwrap()
    }

    fn response(at: &str, etag: Option<&str>) -> FetchedResponse {
        FetchedResponse {
            url: url(at),
            status: 200,
            content_type: None,
            content_language: None,
            body: Vec::new(),
            elapsed: Duration::ZERO,
            etag: etag.map(str::to_string),
            last_modified: Some("Tue, 01 Oct 2024 10:00:00 GMT".to_string()),
        }
    }

    #[test]
    fn a_304_keeps_the_validators_and_moves_the_fetch_time() {
        let store = Store::open_temporary().unwrap();
        let page = url("https://a.example/page");
        let first = Utc.with_ymd_and_hms(2024, 10, 1, 12, 0, 0).unwrap();
        let fetched =
            FetchMark::fetched(&page, &response("https://a.example/page", Some("\"v1\"")));
        remember(&store, &fetched, first).unwrap();

        let later = first + chrono::Duration::days(1);
        remember(&store, &FetchMark::not_modified(&page, &page), later).unwrap();
        let state = store.fetch_state(page.as_str()).unwrap().unwrap();
        assert_eq!(state.etag.as_deref(), Some("\"v1\""));
        assert_eq!(state.fetched_at, later);
        assert_eq!(
            stored_validators(&store, &page)
                .unwrap()
                .unwrap()
                .etag
                .as_deref(),
            Some("\"v1\"")
        );
    }

    #[test]
    fn the_final_url_is_kept_when_a_redirect_led_elsewhere() {
        let store = Store::open_temporary().unwrap();
        let asked = url("https://a.example/old");
        let mark = FetchMark::fetched(&asked, &response("https://a.example/new", None));
        remember(&store, &mark, Utc::now()).unwrap();
        let state = store.fetch_state(asked.as_str()).unwrap().unwrap();
        assert_eq!(state.final_url.as_deref(), Some("https://a.example/new"));
    }

    #[test]
    fn only_pages_fetched_after_their_lastmod_are_unchanged() {
        let store = Store::open_temporary().unwrap();
        let page = url("https://a.example/page");
        let fetched_at = Utc.with_ymd_and_hms(2024, 10, 1, 12, 0, 0).unwrap();
        let older = Some(fetched_at - chrono::Duration::hours(1));
        let newer = Some(fetched_at + chrono::Duration::hours(1));
        assert!(!unchanged_since_last_fetch(&store, &page, older).unwrap());

        let mark = FetchMark::fetched(&page, &response("https://a.example/page", None));
        remember(&store, &mark, fetched_at).unwrap();
        assert!(unchanged_since_last_fetch(&store, &page, older).unwrap());
        assert!(unchanged_since_last_fetch(&store, &page, Some(fetched_at)).unwrap());
        assert!(!unchanged_since_last_fetch(&store, &page, newer).unwrap());
        assert!(!unchanged_since_last_fetch(&store, &page, None).unwrap());
    }
}
