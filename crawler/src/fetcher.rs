//! HTTP fetching: robots.txt, per-host queues, retries, redirects, validators, a size cap.
//!
//! Every hop of a fetch (the URL asked for, then each redirect target) goes through the same
//! steps, so that a redirect to another host meets that host's rules:
//!
//! 1. the origin's robots.txt ([`crate::robots`]): a disallowed URL is never requested;
//! 2. the host's queue ([`crate::politeness`]), then one of `max_concurrent_requests` slots,
//!    taken in that order so that waiting for a slow host holds no slot;
//! 3. the request, carrying the stored validators (`If-None-Match`, `If-Modified-Since`),
//!    within `request_timeout` from connecting to the last byte;
//! 4. on a transient failure, a wait ([`crate::retry`]) with both slots released, then again;
//! 5. a redirect is followed by hand, at most `max_redirects` times, and a URL met twice is a
//!    loop;
//! 6. the body is streamed and abandoned once it passes `max_body_bytes`.

use std::collections::HashSet;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime};

use reqwest::StatusCode;
use reqwest::header::{
    ACCEPT, ACCEPT_LANGUAGE, CONTENT_LANGUAGE, CONTENT_TYPE, ETAG, HeaderMap, HeaderName,
    HeaderValue, IF_MODIFIED_SINCE, IF_NONE_MATCH, LAST_MODIFIED, LOCATION, RETRY_AFTER,
};
use reqwest::redirect::Policy;
use tokio::sync::Semaphore;
use tracing::debug;
use url::Url;

use crate::config::CrawlerSettings;
use crate::politeness::HostThrottle;
use crate::retry::{RetryPolicy, parse_retry_after};
use crate::robots::{ROBOTS_MAX_BYTES, RobotsCache, RobotsFetch, RobotsVerdict, robots_url};

/// Redirects followed for a robots.txt, as RFC 9309 asks (at least five).
const ROBOTS_MAX_REDIRECTS: usize = 5;

/// What a fetch returned.
#[derive(Debug, Clone)]
pub struct FetchedResponse {
    /// The URL finally answered, after redirects.
    pub url: Url,
    /// HTTP status (always a success: errors are [`FetchError::Status`]).
    pub status: u16,
    /// The `Content-Type` header, if any.
    pub content_type: Option<String>,
    /// The `Content-Language` header, when it names a single language: a list names the
    /// audiences of a page, not the language of its text.
    pub content_language: Option<String>,
    /// The body, decompressed.
    pub body: Vec<u8>,
    /// Time from sending the request to the last byte.
    pub elapsed: Duration,
    /// The `ETag` header, to send back as `If-None-Match` next time.
    pub etag: Option<String>,
    /// The `Last-Modified` header, to send back as `If-Modified-Since` next time.
    pub last_modified: Option<String>,
}

/// What a conditional fetch returned.
#[derive(Debug, Clone)]
pub enum FetchOutcome {
    /// A full answer: the resource is new or changed.
    Fetched(FetchedResponse),
    /// `304 Not Modified`: the resource is what the validators describe.
    NotModified {
        /// The URL that answered, after redirects.
        url: Url,
    },
}

/// Validators of a previous answer, sent to make a request conditional.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Validators {
    /// The previous `ETag`.
    pub etag: Option<String>,
    /// The previous `Last-Modified`.
    pub last_modified: Option<String>,
}

/// Why a fetch failed, by kind, so that editors see which sources have which problem.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FetchError {
    /// The host name did not resolve.
    #[error("DNS lookup failed for `{host}`")]
    Dns {
        /// The host.
        host: String,
    },
    /// The connection could not be made (refused, unreachable) or broke.
    #[error("cannot connect: {message}")]
    Connect {
        /// Details.
        message: String,
    },
    /// The TLS handshake failed (certificate, protocol).
    #[error("TLS failed: {message}")]
    Tls {
        /// Details.
        message: String,
    },
    /// No complete answer within the request timeout.
    #[error("timed out after {seconds}s")]
    Timeout {
        /// The timeout.
        seconds: u64,
    },
    /// More redirects than allowed.
    #[error("too many redirects (more than {limit})")]
    Redirects {
        /// The limit.
        limit: usize,
    },
    /// A redirect led back to a URL already visited.
    #[error("redirect loop at `{url}`")]
    RedirectLoop {
        /// The URL met twice.
        url: String,
    },
    /// The server answered with an error status.
    #[error("HTTP status {status}")]
    Status {
        /// The status code.
        status: u16,
    },
    /// The body exceeded the size cap; reading stopped there.
    #[error("response larger than {limit} bytes; abandoned")]
    TooLarge {
        /// The cap.
        limit: u64,
    },
    /// The host's robots.txt excludes the URL; it was not requested.
    #[error("`{url}` is disallowed by robots.txt (rule `{rule}`)")]
    RobotsDisallowed {
        /// The URL.
        url: String,
        /// The rule that excludes it.
        rule: String,
    },
    /// The host's robots.txt could not be read, so nothing is fetched from it for now.
    #[error("`{url}` not fetched: {reason}")]
    RobotsUnavailable {
        /// The URL.
        url: String,
        /// Why robots.txt could not be read.
        reason: String,
    },
    /// Anything else the HTTP client reported.
    #[error("{message}")]
    Other {
        /// Details.
        message: String,
    },
}

impl FetchError {
    /// Returns a short stable name for the kind of error, for logs.
    pub fn kind(&self) -> &'static str {
        match self {
            FetchError::Dns { .. } => "dns",
            FetchError::Connect { .. } => "connect",
            FetchError::Tls { .. } => "tls",
            FetchError::Timeout { .. } => "timeout",
            FetchError::Redirects { .. } | FetchError::RedirectLoop { .. } => "redirect",
            FetchError::Status { .. } => "http",
            FetchError::TooLarge { .. } => "too-large",
            FetchError::RobotsDisallowed { .. } => "robots",
            FetchError::RobotsUnavailable { .. } => "robots-unavailable",
            FetchError::Other { .. } => "other",
        }
    }

    /// Returns the kind with the status for HTTP errors (`http-503`), for status counts.
    pub fn counted_kind(&self) -> String {
        match self {
            FetchError::Status { status } => format!("http-{status}"),
            other => other.kind().to_string(),
        }
    }

    /// Tells whether trying again later may succeed: timeouts, connections, 408, 429, 5xx.
    pub fn is_retryable(&self) -> bool {
        match self {
            FetchError::Timeout { .. } | FetchError::Connect { .. } => true,
            FetchError::Status { status } => matches!(status, 408 | 429 | 500..=599),
            _ => false,
        }
    }

    /// Tells whether the same fetch may succeed at the next crawl without anything changing
    /// on the site: a retryable failure, or robots.txt that could not be read.
    pub fn is_transient(&self) -> bool {
        self.is_retryable() || matches!(self, FetchError::RobotsUnavailable { .. })
    }
}

/// A failed attempt, with what the server asked before the next one.
struct Failure {
    error: FetchError,
    retry_after: Option<Duration>,
}

impl From<FetchError> for Failure {
    fn from(error: FetchError) -> Failure {
        Failure {
            error,
            retry_after: None,
        }
    }
}

/// Where one request led.
enum Hop {
    Done(FetchOutcome),
    Redirect(Url),
}

/// How one fetch is made: the crawl's own fetches, or a robots.txt.
struct Request<'a> {
    validators: Option<&'a Validators>,
    check_robots: bool,
    retries: bool,
    max_redirects: usize,
    max_bytes: u64,
    /// Whether a body past `max_bytes` is cut there (robots.txt) rather than abandoned.
    truncate: bool,
}

/// Fetches URLs politely.
pub struct Fetcher {
    client: reqwest::Client,
    throttle: Arc<HostThrottle>,
    robots: Arc<RobotsCache>,
    request_slots: Semaphore,
    retry: RetryPolicy,
    max_body_bytes: u64,
    timeout: Duration,
    max_redirects: usize,
}

impl fmt::Debug for Fetcher {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("Fetcher")
            .field("max_body_bytes", &self.max_body_bytes)
            .field("retry", &self.retry)
            .finish()
    }
}

impl Fetcher {
    /// Builds a fetcher from the crawler settings.
    pub fn new(settings: &CrawlerSettings) -> Result<Fetcher, FetchError> {
        Fetcher::build(settings, None, None)
    }

    /// Builds a fetcher with new settings that keeps this one's robots.txt cache while the
    /// user agent's product token is the same, and its per-host queues (with the new delay)
    /// while the number of requests a host may have in flight is, so that applying an edit of
    /// `[crawler]` neither asks every host for its robots.txt again nor lets crawls under the
    /// old settings overlap new ones on a host.
    pub fn with_settings(&self, settings: &CrawlerSettings) -> Result<Fetcher, FetchError> {
        let robots = Some(&self.robots).filter(|robots| robots.serves(&settings.user_agent));
        let throttle = Some(&self.throttle)
            .filter(|throttle| throttle.allows_per_host(settings.max_requests_per_host));
        let fetcher = Fetcher::build(settings, robots.cloned(), throttle.cloned())?;
        fetcher.throttle.set_delay(settings.politeness_delay);
        Ok(fetcher)
    }

    fn build(
        settings: &CrawlerSettings,
        robots: Option<Arc<RobotsCache>>,
        throttle: Option<Arc<HostThrottle>>,
    ) -> Result<Fetcher, FetchError> {
        let mut headers = HeaderMap::new();
        headers.insert(
            ACCEPT,
            HeaderValue::from_static(
                "text/html,application/xhtml+xml,application/rss+xml,application/atom+xml,\
                 application/feed+json,application/xml;q=0.9,*/*;q=0.5",
            ),
        );
        // Sites that negotiate languages should send their own; `*` asks for no translation.
        headers.insert(ACCEPT_LANGUAGE, HeaderValue::from_static("*"));
        let client = reqwest::Client::builder()
            .user_agent(&settings.user_agent)
            .default_headers(headers)
            .timeout(settings.request_timeout)
            .connect_timeout(settings.request_timeout.min(Duration::from_secs(10)))
            // Redirects are followed by hand, so that every hop meets robots.txt and its
            // host's queue.
            .redirect(Policy::none())
            .build()
            .map_err(|error| FetchError::Other {
                message: error.to_string(),
            })?;
        Ok(Fetcher {
            client,
            throttle: throttle.unwrap_or_else(|| {
                Arc::new(HostThrottle::new(
                    settings.politeness_delay,
                    settings.max_requests_per_host,
                ))
            }),
            robots: robots.unwrap_or_else(|| Arc::new(RobotsCache::new(&settings.user_agent))),
            request_slots: Semaphore::new(settings.max_concurrent_requests.max(1)),
            retry: settings.retry_policy(),
            max_body_bytes: settings.max_body_bytes,
            timeout: settings.request_timeout,
            max_redirects: settings.max_redirects,
        })
    }

    /// Fetches `url` unconditionally, as the crawler would (robots.txt, queue, retries).
    pub async fn get(&self, url: &Url) -> Result<FetchedResponse, FetchError> {
        match self.fetch(url, None).await? {
            FetchOutcome::Fetched(response) => Ok(response),
            // Without validators, a 304 is an answer to a question not asked.
            FetchOutcome::NotModified { .. } => Err(FetchError::Status { status: 304 }),
        }
    }

    /// Fetches `url`, conditionally when `validators` are given.
    pub async fn fetch(
        &self,
        url: &Url,
        validators: Option<&Validators>,
    ) -> Result<FetchOutcome, FetchError> {
        let request = Request {
            validators: validators.filter(|validators| {
                validators.etag.is_some() || validators.last_modified.is_some()
            }),
            check_robots: true,
            retries: true,
            max_redirects: self.max_redirects,
            max_bytes: self.max_body_bytes,
            truncate: false,
        };
        self.follow(url, &request).await
    }

    /// Follows redirects from `url` until a final answer.
    async fn follow(&self, url: &Url, request: &Request<'_>) -> Result<FetchOutcome, FetchError> {
        let mut current = url.clone();
        let mut visited: HashSet<Url> = HashSet::from([current.clone()]);
        for _ in 0..=request.max_redirects {
            if request.check_robots {
                self.check_robots(&current).await?;
            }
            let next = match self.attempt_with_retries(&current, request).await? {
                Hop::Done(outcome) => return Ok(outcome),
                Hop::Redirect(next) => next,
            };
            debug!(url = %current, location = %next, "redirected");
            if !visited.insert(next.clone()) {
                return Err(FetchError::RedirectLoop {
                    url: next.to_string(),
                });
            }
            current = next;
        }
        Err(FetchError::Redirects {
            limit: request.max_redirects,
        })
    }

    /// Asks the robots.txt of `url`'s origin, fetching it when needed, and applies its
    /// `Crawl-delay` to the host.
    async fn check_robots(&self, url: &Url) -> Result<(), FetchError> {
        let Some(robots_url) = robots_url(url) else {
            return Ok(());
        };
        let rules = self
            .robots
            .rules(&robots_url, || self.fetch_robots(&robots_url))
            .await;
        self.throttle.set_crawl_delay(url, rules.crawl_delay());
        match rules.verdict(url) {
            RobotsVerdict::Allowed => Ok(()),
            RobotsVerdict::Disallowed { rule } => Err(FetchError::RobotsDisallowed {
                url: url.to_string(),
                rule,
            }),
            RobotsVerdict::Unavailable {
                unreachable: Some(error),
                ..
            } => Err(error),
            RobotsVerdict::Unavailable { reason, .. } => Err(FetchError::RobotsUnavailable {
                url: url.to_string(),
                reason,
            }),
        }
    }

    /// Fetches one robots.txt: no retries (a failure is cached briefly instead) and a cut
    /// rather than an error past its size cap.
    fn fetch_robots<'a>(
        &'a self,
        robots_url: &'a Url,
    ) -> Pin<Box<dyn Future<Output = RobotsFetch> + Send + 'a>> {
        // Boxed: fetching robots.txt goes through `follow`, which asks robots.txt.
        Box::pin(async move {
            let request = Request {
                validators: None,
                check_robots: false,
                retries: false,
                max_redirects: ROBOTS_MAX_REDIRECTS,
                max_bytes: ROBOTS_MAX_BYTES,
                truncate: true,
            };
            let outcome = self.follow(robots_url, &request).await;
            debug!(url = %robots_url, ok = outcome.is_ok(), "robots.txt fetched");
            match outcome {
                Ok(FetchOutcome::Fetched(response)) => RobotsFetch::Found(response.body),
                Ok(FetchOutcome::NotModified { .. }) => RobotsFetch::Status(304),
                Err(FetchError::Status { status }) => RobotsFetch::Status(status),
                // RFC 9309, 2.3.1.2: past five redirects the file may be taken as missing.
                Err(FetchError::Redirects { .. } | FetchError::RedirectLoop { .. }) => {
                    RobotsFetch::Status(404)
                }
                Err(error) => RobotsFetch::Failed(error),
            }
        })
    }

    /// Sends the request for one hop, retrying transient failures as the policy allows.
    async fn attempt_with_retries(
        &self,
        url: &Url,
        request: &Request<'_>,
    ) -> Result<Hop, FetchError> {
        let mut waited = Duration::ZERO;
        let mut retry = 0;
        loop {
            let failure = match self.attempt(url, request).await {
                Ok(hop) => return Ok(hop),
                Err(failure) => failure,
            };
            let wait = if request.retries && failure.error.is_retryable() {
                self.retry.next_wait(retry, failure.retry_after, waited)
            } else {
                None
            };
            let Some(wait) = wait else {
                return Err(failure.error);
            };
            // Retry-After speaks for the whole host, not only this request.
            if let Some(asked) = failure.retry_after {
                self.throttle
                    .defer(url, tokio::time::Instant::now() + asked);
            }
            debug!(
                url = %url,
                error = %failure.error,
                retry = retry + 1,
                wait_ms = wait.as_millis() as u64,
                "fetch failed; retrying"
            );
            tokio::time::sleep(wait).await;
            waited += wait;
            retry += 1;
        }
    }

    /// Sends one request, in the host's turn and within the overall bound.
    async fn attempt(&self, url: &Url, request: &Request<'_>) -> Result<Hop, Failure> {
        let _host_permit = self.throttle.acquire(url).await;
        let _slot = self
            .request_slots
            .acquire()
            .await
            .expect("the request semaphore is never closed");
        let started = Instant::now();
        let mut builder = self.client.get(url.clone());
        if let Some(validators) = request.validators {
            builder = with_validator(builder, IF_NONE_MATCH, validators.etag.as_deref());
            builder = with_validator(
                builder,
                IF_MODIFIED_SINCE,
                validators.last_modified.as_deref(),
            );
        }
        let response = builder
            .send()
            .await
            .map_err(|error| self.classify(url, &error))?;

        let status = response.status();
        if status == StatusCode::NOT_MODIFIED && request.validators.is_some() {
            debug!(url = %url, status = 304, "not modified");
            return Ok(Hop::Done(FetchOutcome::NotModified { url: url.clone() }));
        }
        if status.is_redirection()
            && let Some(location) = redirect_target(&response, url)
        {
            return Ok(Hop::Redirect(location));
        }
        if !status.is_success() {
            return Err(Failure {
                error: FetchError::Status {
                    status: status.as_u16(),
                },
                retry_after: header(&response, RETRY_AFTER)
                    .and_then(|value| parse_retry_after(&value, SystemTime::now())),
            });
        }

        let fetched = self.read(url, response, request).await?;
        let elapsed = started.elapsed();
        debug!(url = %url, status = status.as_u16(), elapsed_ms = elapsed.as_millis() as u64, "fetched");
        Ok(Hop::Done(FetchOutcome::Fetched(FetchedResponse {
            elapsed,
            ..fetched
        })))
    }

    /// Streams the body of a successful answer, within the size cap.
    async fn read(
        &self,
        url: &Url,
        mut response: reqwest::Response,
        request: &Request<'_>,
    ) -> Result<FetchedResponse, FetchError> {
        let too_large = FetchError::TooLarge {
            limit: request.max_bytes,
        };
        if !request.truncate
            && response
                .content_length()
                .is_some_and(|length| length > request.max_bytes)
        {
            return Err(too_large);
        }
        let status = response.status().as_u16();
        let content_type = header(&response, CONTENT_TYPE);
        let content_language = header(&response, CONTENT_LANGUAGE)
            .map(|value| value.trim().to_string())
            .filter(|value| !value.is_empty() && !value.contains(','));
        let etag = header(&response, ETAG);
        let last_modified = header(&response, LAST_MODIFIED);

        let mut body = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|error| self.classify(url, &error))?
        {
            let room = request.max_bytes.saturating_sub(body.len() as u64) as usize;
            if chunk.len() > room {
                if !request.truncate {
                    return Err(too_large);
                }
                body.extend_from_slice(&chunk[..room]);
                break;
            }
            body.extend_from_slice(&chunk);
        }
        Ok(FetchedResponse {
            url: url.clone(),
            status,
            content_type,
            content_language,
            body,
            elapsed: Duration::ZERO,
            etag,
            last_modified,
        })
    }

    fn classify(&self, url: &Url, error: &reqwest::Error) -> FetchError {
        if error.is_timeout() {
            return FetchError::Timeout {
                seconds: self.timeout.as_secs(),
            };
        }
        if error.is_dns() {
            return FetchError::Dns {
                host: url.host_str().unwrap_or_default().to_string(),
            };
        }
        let message = error_chain(error);
        if is_tls_error(error) {
            return FetchError::Tls { message };
        }
        if error.is_connect() || error.is_body() || error.is_request() {
            return FetchError::Connect { message };
        }
        FetchError::Other { message }
    }
}

/// Adds a conditional header, unless the stored value cannot be sent as one.
fn with_validator(
    builder: reqwest::RequestBuilder,
    name: HeaderName,
    value: Option<&str>,
) -> reqwest::RequestBuilder {
    match value.and_then(|value| HeaderValue::from_str(value).ok()) {
        Some(value) => builder.header(name, value),
        None => builder,
    }
}

/// Returns the `Location` of a redirect, resolved against the URL that sent it, when it is
/// an HTTP(S) URL.
fn redirect_target(response: &reqwest::Response, url: &Url) -> Option<Url> {
    let location = header(response, LOCATION)?;
    let target = url.join(&location).ok()?;
    matches!(target.scheme(), "http" | "https").then_some(target)
}

fn header(response: &reqwest::Response, name: HeaderName) -> Option<String> {
    response
        .headers()
        .get(name)
        .and_then(|value| value.to_str().ok())
        .map(str::to_string)
}

/// Tells whether a TLS library error is among the causes of `error`.
fn is_tls_error(error: &(dyn std::error::Error + 'static)) -> bool {
    if error.is::<rustls::Error>() {
        return true;
    }
    // An I/O error hides the error it wraps from `source()`, and the connector wraps the
    // TLS error in two of them.
    if let Some(inner) = error
        .downcast_ref::<std::io::Error>()
        .and_then(std::io::Error::get_ref)
        && is_tls_error(inner)
    {
        return true;
    }
    error.source().is_some_and(is_tls_error)
}

/// Joins an error with its causes: reqwest's own message rarely says what actually failed.
fn error_chain(error: &dyn std::error::Error) -> String {
    let mut message = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let cause_text = cause.to_string();
        if !message.contains(&cause_text) {
            message.push_str(": ");
            message.push_str(&cause_text);
        }
        source = cause.source();
    }
    message
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn new_settings_keep_the_host_queues_and_robots_cache_they_leave_valid() {
        let settings = CrawlerSettings::default();
        let fetcher = Fetcher::new(&settings).unwrap();

        let longer_timeout = CrawlerSettings {
            request_timeout: settings.request_timeout * 2,
            ..settings.clone()
        };
        let kept = fetcher.with_settings(&longer_timeout).unwrap();
        assert!(Arc::ptr_eq(&kept.throttle, &fetcher.throttle));
        assert!(Arc::ptr_eq(&kept.robots, &fetcher.robots));

        let url = Url::parse("https://example.org/a").unwrap();
        let slower = CrawlerSettings {
            politeness_delay: settings.politeness_delay * 2,
            ..settings.clone()
        };
        let kept = fetcher.with_settings(&slower).unwrap();
        assert!(Arc::ptr_eq(&kept.throttle, &fetcher.throttle));
        assert_eq!(fetcher.throttle.delay_for(&url), slower.politeness_delay);

        let renamed_and_wider = CrawlerSettings {
            max_requests_per_host: settings.max_requests_per_host + 1,
            user_agent: "OtherBot/1.0".to_string(),
            ..settings
        };
        let renewed = fetcher.with_settings(&renamed_and_wider).unwrap();
        assert!(!Arc::ptr_eq(&renewed.throttle, &fetcher.throttle));
        assert!(!Arc::ptr_eq(&renewed.robots, &fetcher.robots));
    }
}
