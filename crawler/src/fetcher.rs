//! HTTP fetching with timeouts, a body-size cap, bounded redirects and per-host spacing.

use std::fmt;
use std::time::{Duration, Instant};

use reqwest::header::{ACCEPT, ACCEPT_LANGUAGE, CONTENT_TYPE, HeaderMap, HeaderValue};
use reqwest::redirect::Policy;
use tracing::debug;
use url::Url;

use crate::config::CrawlerSettings;
use crate::politeness::HostThrottle;

/// What a fetch returned.
#[derive(Debug, Clone)]
pub struct FetchedResponse {
    /// The URL finally answered, after redirects.
    pub url: Url,
    /// HTTP status (always a success: errors are [`FetchError::Status`]).
    pub status: u16,
    /// The `Content-Type` header, if any.
    pub content_type: Option<String>,
    /// The body, decompressed.
    pub body: Vec<u8>,
    /// Time from sending the request to the last byte.
    pub elapsed: Duration,
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
    /// The connection could not be made (refused, unreachable, TLS handshake).
    #[error("cannot connect: {message}")]
    Connect {
        /// Details.
        message: String,
    },
    /// No complete answer within the request timeout.
    #[error("timed out after {seconds}s")]
    Timeout {
        /// The timeout.
        seconds: u64,
    },
    /// More redirects than allowed, or a redirect loop.
    #[error("too many redirects (more than {limit})")]
    Redirects {
        /// The limit.
        limit: usize,
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
    /// Anything else the HTTP client reported.
    #[error("{message}")]
    Other {
        /// Details.
        message: String,
    },
}

impl FetchError {
    /// Returns a short stable name for the kind of error, for status counts.
    pub fn kind(&self) -> &'static str {
        match self {
            FetchError::Dns { .. } => "dns",
            FetchError::Connect { .. } => "connect",
            FetchError::Timeout { .. } => "timeout",
            FetchError::Redirects { .. } => "redirect",
            FetchError::Status { .. } => "http",
            FetchError::TooLarge { .. } => "too-large",
            FetchError::Other { .. } => "other",
        }
    }
}

/// Fetches URLs politely.
pub struct Fetcher {
    client: reqwest::Client,
    throttle: HostThrottle,
    max_body_bytes: u64,
    timeout: Duration,
    max_redirects: usize,
}

impl fmt::Debug for Fetcher {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter
            .debug_struct("Fetcher")
            .field("max_body_bytes", &self.max_body_bytes)
            .finish()
    }
}

impl Fetcher {
    /// Builds a fetcher from the crawler settings.
    pub fn new(settings: &CrawlerSettings) -> Result<Fetcher, FetchError> {
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
            .redirect(Policy::limited(settings.max_redirects))
            .build()
            .map_err(|error| FetchError::Other {
                message: error.to_string(),
            })?;
        Ok(Fetcher {
            client,
            throttle: HostThrottle::new(settings.politeness_delay),
            max_body_bytes: settings.max_body_bytes,
            timeout: settings.request_timeout,
            max_redirects: settings.max_redirects,
        })
    }

    /// Fetches `url`, waiting for its host's turn first.
    pub async fn get(&self, url: &Url) -> Result<FetchedResponse, FetchError> {
        self.throttle.wait_turn(url).await;
        let started = Instant::now();
        let mut response = self
            .client
            .get(url.clone())
            .send()
            .await
            .map_err(|error| self.classify(url, &error))?;

        let status = response.status();
        if !status.is_success() {
            return Err(FetchError::Status {
                status: status.as_u16(),
            });
        }
        if response
            .content_length()
            .is_some_and(|length| length > self.max_body_bytes)
        {
            return Err(FetchError::TooLarge {
                limit: self.max_body_bytes,
            });
        }

        let final_url = response.url().clone();
        let content_type = response
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .map(str::to_string);
        let mut body = Vec::new();
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|error| self.classify(url, &error))?
        {
            if body.len() as u64 + chunk.len() as u64 > self.max_body_bytes {
                return Err(FetchError::TooLarge {
                    limit: self.max_body_bytes,
                });
            }
            body.extend_from_slice(&chunk);
        }

        let elapsed = started.elapsed();
        debug!(url = %final_url, status = status.as_u16(), elapsed_ms = elapsed.as_millis() as u64, "fetched");
        Ok(FetchedResponse {
            url: final_url,
            status: status.as_u16(),
            content_type,
            body,
            elapsed,
        })
    }

    fn classify(&self, url: &Url, error: &reqwest::Error) -> FetchError {
        if error.is_timeout() {
            return FetchError::Timeout {
                seconds: self.timeout.as_secs(),
            };
        }
        if error.is_redirect() {
            return FetchError::Redirects {
                limit: self.max_redirects,
            };
        }
        if error.is_dns() {
            return FetchError::Dns {
                host: url.host_str().unwrap_or_default().to_string(),
            };
        }
        let message = error_chain(error);
        if error.is_connect() {
            return FetchError::Connect { message };
        }
        FetchError::Other { message }
    }
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
