//! Retrying failed requests: how long to wait before the next attempt, and when to give up.
//!
//! Timeouts, failed connections, `429 Too Many Requests` and `5xx` answers are usually
//! transient ([`crate::fetcher::FetchError::is_retryable`] decides). They are retried a bounded
//! number of times, each wait twice the previous one with random jitter, so that requests
//! failing together do not all come back together, and never shorter than the server's
//! `Retry-After`. The total wait of one fetch is bounded too: a server asking for longer is
//! given up on for this crawl, and the source's schedule backs off instead.

use std::time::{Duration, SystemTime};

/// Largest exponent of the backoff; beyond it the total-wait bound has long been reached.
const MAX_DOUBLINGS: u32 = 16;

/// How failed requests are retried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts after the first; 0 disables retries.
    pub max_retries: u32,
    /// Wait before the first retry; each further retry waits about twice as long.
    pub base_delay: Duration,
    /// Upper bound of the time one fetch spends waiting between its attempts.
    pub max_total_wait: Duration,
}

impl RetryPolicy {
    /// Returns how long to wait before retry number `retry` (0 for the first), given what
    /// the server asked for and what this fetch already waited, or `None` to give up.
    pub fn next_wait(
        &self,
        retry: u32,
        retry_after: Option<Duration>,
        waited: Duration,
    ) -> Option<Duration> {
        if retry >= self.max_retries {
            return None;
        }
        let backoff = self
            .base_delay
            .saturating_mul(1 << retry.min(MAX_DOUBLINGS));
        let wait = match retry_after {
            Some(asked) => asked.max(jitter(backoff)),
            None => jitter(backoff),
        };
        (waited.saturating_add(wait) <= self.max_total_wait).then_some(wait)
    }
}

/// Picks a duration uniformly between half of `delay` and `delay`.
fn jitter(delay: Duration) -> Duration {
    let half = delay / 2;
    half + half.mul_f64(fastrand::f64())
}

/// Reads a `Retry-After` value: a number of seconds or an HTTP date (RFC 9110, 10.2.3).
/// A date in the past means no wait; anything unreadable is ignored.
pub fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let date = httpdate::parse_http_date(value).ok()?;
    Some(date.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    const POLICY: RetryPolicy = RetryPolicy {
        max_retries: 3,
        base_delay: Duration::from_secs(1),
        max_total_wait: Duration::from_secs(60),
    };

    #[test]
    fn waits_double_with_jitter_until_the_attempts_run_out() {
        for (retry, low, high) in [(0, 500, 1000), (1, 1000, 2000), (2, 2000, 4000)] {
            let wait = POLICY.next_wait(retry, None, Duration::ZERO).unwrap();
            assert!(
                wait >= Duration::from_millis(low) && wait <= Duration::from_millis(high),
                "retry {retry}: {wait:?}"
            );
        }
        assert_eq!(POLICY.next_wait(3, None, Duration::ZERO), None);
    }

    #[test]
    fn retry_after_is_a_lower_bound() {
        let wait = POLICY
            .next_wait(0, Some(Duration::from_secs(7)), Duration::ZERO)
            .unwrap();
        assert_eq!(wait, Duration::from_secs(7));
    }

    #[test]
    fn the_total_wait_is_bounded() {
        assert_eq!(
            POLICY.next_wait(0, Some(Duration::from_secs(61)), Duration::ZERO),
            None
        );
        assert_eq!(
            POLICY.next_wait(1, None, Duration::from_secs(59)),
            None,
            "a wait of at least 1s would pass the 60s bound"
        );
    }

    #[test]
    fn retry_after_reads_seconds_and_http_dates() {
        let now = httpdate::parse_http_date("Wed, 21 Oct 2015 07:28:00 GMT").unwrap();
        let read = |value| parse_retry_after(value, now);
        assert_eq!(read("120"), Some(Duration::from_secs(120)));
        assert_eq!(read(" 0 "), Some(Duration::ZERO));
        assert_eq!(
            read("Wed, 21 Oct 2015 07:29:30 GMT"),
            Some(Duration::from_secs(90))
        );
        // The obsolete RFC 850 form, which recipients must still accept.
        assert_eq!(
            read("Wednesday, 21-Oct-15 07:28:10 GMT"),
            Some(Duration::from_secs(10))
        );
        assert_eq!(read("Tue, 20 Oct 2015 07:28:00 GMT"), Some(Duration::ZERO));
        assert_eq!(read("soon"), None);
        assert_eq!(read("-5"), None);
    }
}
