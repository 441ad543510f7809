//! robots.txt, read per origin as RFC 9309 describes, cached, and asked before every fetch.
//!
//! The file of an origin (scheme, host and port) is fetched once through the crawler's own
//! fetcher, so it queues behind the host's other requests, and its rules for the configured
//! user agent's product token (`AgoraBot` in `AgoraBot/0.1 (+https://…)`, or the `*` group)
//! are kept for a day. How a fetch ends decides what is allowed (RFC 9309, 2.3.1):
//!
//! - a 2xx answer is parsed (the first 512 KiB of it; the RFC asks for at least 500 KiB);
//! - a 4xx answer means there are no rules: everything is allowed;
//! - so do more than five redirects (2.3.1.2);
//! - a 5xx answer (429 included, as the largest crawlers do) or an unreachable server means
//!   nothing may be fetched for now. The previous rules, if any were read, stay in force
//!   instead, and the file is asked again after [`RETRY_AFTER_FAILURE`] rather than a day.

use std::collections::HashMap;
use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use robotxt::{Agent, Robots};
use tokio::time::Instant;
use url::{Position, Url};

use crate::fetcher::FetchError;

/// Bytes of a robots.txt read; the rest of a larger file is ignored.
pub const ROBOTS_MAX_BYTES: u64 = 512 * 1024;

/// How long a robots.txt that was read (or found missing) is trusted.
pub const FRESH_FOR: Duration = Duration::from_secs(24 * 3600);

/// How soon a robots.txt that could not be read is asked for again.
pub const RETRY_AFTER_FAILURE: Duration = Duration::from_secs(30 * 60);

/// How fetching one robots.txt ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RobotsFetch {
    /// A 2xx answer with this body (cut at [`ROBOTS_MAX_BYTES`]).
    Found(Vec<u8>),
    /// An answer with this non-2xx status.
    Status(u16),
    /// No answer: the server could not be reached or timed out.
    Failed(FetchError),
}

/// The rules an origin's robots.txt gives this crawler.
#[derive(Debug, Clone)]
pub enum RobotsRules {
    /// The file was read; these are the rules of the group that applies.
    Parsed(Arc<Robots>),
    /// There is no file (a 4xx answer): everything is allowed.
    AllowAll,
    /// The file could not be read: nothing is allowed for now.
    DisallowAll {
        /// Why, for the source's status.
        reason: String,
        /// The fetch error, when the server could not be reached at all; the URLs asked
        /// then fail with it, since it says more than "robots.txt unavailable".
        unreachable: Option<FetchError>,
    },
}

/// Whether one URL may be fetched.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RobotsVerdict {
    /// Yes.
    Allowed,
    /// No: a rule of the file excludes it.
    Disallowed {
        /// The `Disallow` pattern that matched.
        rule: String,
    },
    /// No: the file could not be read, so the whole origin is off limits for now.
    Unavailable {
        /// Why the file could not be read.
        reason: String,
        /// The fetch error, when the server could not be reached at all.
        unreachable: Option<FetchError>,
    },
}

impl RobotsRules {
    /// Turns a fetch outcome into rules for `token`, keeping `previous` rules that were read
    /// when the file cannot be read now. Returns the rules and how long to trust them.
    pub fn from_fetch(
        fetch: RobotsFetch,
        token: &str,
        previous: Option<&RobotsRules>,
    ) -> (RobotsRules, Duration) {
        let (reason, unreachable) = match fetch {
            RobotsFetch::Found(body) => {
                let robots = Robots::parse(&body, Agent::Exact(token));
                return (RobotsRules::Parsed(Arc::new(robots)), FRESH_FOR);
            }
            RobotsFetch::Status(status) if (400..500).contains(&status) && status != 429 => {
                return (RobotsRules::AllowAll, FRESH_FOR);
            }
            RobotsFetch::Status(status) => {
                (format!("robots.txt answered HTTP status {status}"), None)
            }
            RobotsFetch::Failed(error) => (
                format!("robots.txt could not be fetched: {error}"),
                Some(error),
            ),
        };
        let rules = match previous {
            Some(rules @ RobotsRules::Parsed(_)) => rules.clone(),
            _ => RobotsRules::DisallowAll {
                reason,
                unreachable,
            },
        };
        (rules, RETRY_AFTER_FAILURE)
    }

    /// Tells whether `url` (of this origin) may be fetched.
    pub fn verdict(&self, url: &Url) -> RobotsVerdict {
        match self {
            RobotsRules::AllowAll => RobotsVerdict::Allowed,
            RobotsRules::DisallowAll {
                reason,
                unreachable,
            } => RobotsVerdict::Unavailable {
                reason: reason.clone(),
                unreachable: unreachable.clone(),
            },
            RobotsRules::Parsed(robots) => {
                if robots.is_url_allowed(url) {
                    return RobotsVerdict::Allowed;
                }
                let path = &url[Position::BeforePath..Position::AfterQuery];
                let rule = robots
                    .matching_rule(path)
                    .map(|rule| rule.pattern().to_string())
                    .unwrap_or_else(|| "/".to_string());
                RobotsVerdict::Disallowed { rule }
            }
        }
    }

    /// Returns the `Crawl-delay` the file asks of this crawler, if any.
    pub fn crawl_delay(&self) -> Option<Duration> {
        match self {
            RobotsRules::Parsed(robots) => robots.crawl_delay(),
            _ => None,
        }
    }
}

/// Returns the product token of a `User-Agent` value, the name robots.txt groups match:
/// `AgoraBot` for `AgoraBot/0.1 (+https://example.org/agora)`.
pub fn product_token(user_agent: &str) -> &str {
    let end = user_agent
        .find(|character: char| {
            !(character.is_ascii_alphanumeric() || matches!(character, '-' | '_'))
        })
        .unwrap_or(user_agent.len());
    &user_agent[..end]
}

/// Returns the URL of the robots.txt that governs `url`, or `None` for URLs without a host.
pub fn robots_url(url: &Url) -> Option<Url> {
    url.host_str()?;
    let mut robots = url.clone();
    robots.set_path("/robots.txt");
    robots.set_query(None);
    robots.set_fragment(None);
    let _ = robots.set_username("");
    let _ = robots.set_password(None);
    Some(robots)
}

/// The robots.txt rules of every origin met, fetched on first use and when stale.
#[derive(Debug)]
pub struct RobotsCache {
    token: String,
    origins: Mutex<HashMap<String, Arc<tokio::sync::Mutex<Option<CachedRules>>>>>,
}

#[derive(Debug)]
struct CachedRules {
    rules: RobotsRules,
    expires_at: Instant,
}

impl RobotsCache {
    /// Creates an empty cache for a crawler sending `user_agent`.
    pub fn new(user_agent: &str) -> RobotsCache {
        RobotsCache {
            token: product_token(user_agent).to_string(),
            origins: Mutex::new(HashMap::new()),
        }
    }

    /// Whether this cache holds the rules for a crawler sending `user_agent`: robots.txt
    /// groups are chosen by the product token alone, so a new version number keeps them.
    pub fn serves(&self, user_agent: &str) -> bool {
        self.token == product_token(user_agent)
    }

    /// Returns the rules of `robots_url`'s origin, calling `fetch` when they are missing or
    /// stale. Concurrent callers for one origin wait for a single fetch.
    pub async fn rules<F, Fut>(&self, robots_url: &Url, fetch: F) -> RobotsRules
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = RobotsFetch>,
    {
        let key = robots_url[..Position::BeforePath].to_string();
        let slot = {
            let mut origins = self
                .origins
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            Arc::clone(origins.entry(key).or_default())
        };
        let mut cached = slot.lock().await;
        if let Some(entry) = cached.as_ref()
            && entry.expires_at > Instant::now()
        {
            return entry.rules.clone();
        }
        let previous = cached.as_ref().map(|entry| &entry.rules);
        let (rules, fresh_for) = RobotsRules::from_fetch(fetch().await, &self.token, previous);
        *cached = Some(CachedRules {
            rules: rules.clone(),
            expires_at: Instant::now() + fresh_for,
        });
        rules
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &[u8] = b"User-agent: *\nDisallow: /private/\n\n\
        User-agent: AgoraBot\nDisallow: /drafts/\nAllow: /drafts/published\nCrawl-delay: 2.5\n";

    fn url(text: &str) -> Url {
        Url::parse(text).unwrap()
    }

    fn parsed(file: &[u8]) -> RobotsRules {
        RobotsRules::from_fetch(RobotsFetch::Found(file.to_vec()), "AgoraBot", None).0
    }

    #[test]
    fn the_group_of_our_product_token_applies() {
        let rules = parsed(FILE);
        assert_eq!(
            rules.verdict(&url("https://a.example/drafts/x")),
            RobotsVerdict::Disallowed {
                rule: "/drafts/".to_string()
            }
        );
        assert_eq!(
            rules.verdict(&url("https://a.example/drafts/published")),
            RobotsVerdict::Allowed
        );
        // The `*` group does not apply once a group names us.
        assert_eq!(
            rules.verdict(&url("https://a.example/private/x")),
            RobotsVerdict::Allowed
        );
        assert_eq!(rules.crawl_delay(), Some(Duration::from_millis(2500)));
    }

    #[test]
    fn other_crawlers_fall_back_to_the_star_group() {
        let rules = RobotsRules::from_fetch(RobotsFetch::Found(FILE.to_vec()), "OtherBot", None).0;
        assert!(matches!(
            rules.verdict(&url("https://a.example/private/x")),
            RobotsVerdict::Disallowed { .. }
        ));
        assert_eq!(rules.crawl_delay(), None);
    }

    #[test]
    fn a_missing_file_allows_everything_for_a_day() {
        for status in [401, 403, 404, 410] {
            let (rules, fresh_for) =
                RobotsRules::from_fetch(RobotsFetch::Status(status), "AgoraBot", None);
            assert_eq!(
                rules.verdict(&url("https://a.example/x")),
                RobotsVerdict::Allowed
            );
            assert_eq!(fresh_for, FRESH_FOR);
        }
    }

    #[test]
    fn server_errors_and_unreachable_hosts_disallow_everything_for_a_while() {
        for fetch in [
            RobotsFetch::Status(500),
            RobotsFetch::Status(503),
            RobotsFetch::Status(429),
            RobotsFetch::Failed(FetchError::Connect {
                message: "connection refused".to_string(),
            }),
        ] {
            let (rules, fresh_for) = RobotsRules::from_fetch(fetch, "AgoraBot", None);
            assert!(matches!(
                rules.verdict(&url("https://a.example/x")),
                RobotsVerdict::Unavailable { .. }
            ));
            assert_eq!(fresh_for, RETRY_AFTER_FAILURE);
        }
    }

    #[test]
    fn rules_already_read_outlive_a_failed_refresh() {
        let previous = parsed(FILE);
        let (rules, fresh_for) =
            RobotsRules::from_fetch(RobotsFetch::Status(503), "AgoraBot", Some(&previous));
        assert_eq!(
            rules.verdict(&url("https://a.example/x")),
            RobotsVerdict::Allowed
        );
        assert_eq!(fresh_for, RETRY_AFTER_FAILURE);
    }

    #[test]
    fn product_tokens_and_robots_urls() {
        assert_eq!(
            product_token("AgoraBot/0.1 (+https://example.org)"),
            "AgoraBot"
        );
        assert_eq!(product_token("my_bot-2"), "my_bot-2");
        assert_eq!(
            robots_url(&url("https://user@a.example:8443/x/y?q=1#f"))
                .unwrap()
                .as_str(),
            "https://a.example:8443/robots.txt"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn rules_are_fetched_once_until_they_expire() {
        let cache = RobotsCache::new("AgoraBot/0.1");
        let robots = url("https://a.example/robots.txt");
        let num_fetches = std::sync::atomic::AtomicUsize::new(0);
        let fetch = || async {
            num_fetches.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            RobotsFetch::Status(503)
        };
        cache.rules(&robots, fetch).await;
        cache.rules(&robots, fetch).await;
        assert_eq!(num_fetches.load(std::sync::atomic::Ordering::Relaxed), 1);
        tokio::time::advance(RETRY_AFTER_FAILURE).await;
        cache.rules(&robots, fetch).await;
        assert_eq!(num_fetches.load(std::sync::atomic::Ordering::Relaxed), 2);
    }
}
