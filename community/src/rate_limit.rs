//! Counting failed logins per key (an account, a client address) in a sliding window.
//!
//! The counts live in memory: they protect one running server and are forgotten on restart,
//! which only ever gives an attacker one fresh window.
//! TODO: several servers behind one address would each count separately; a shared store
//! (the PostgreSQL backend) should hold the counts once there is more than one.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

use chrono::{DateTime, Duration, Utc};

/// Keys tracked before stale ones are swept, which bounds memory under a spray of addresses.
const SWEEP_ABOVE_KEYS: usize = 10_000;

/// At most `max_failures` failures per key within any `window`.
#[derive(Debug)]
pub struct FailureLimiter {
    max_failures: usize,
    window: Duration,
    failures: Mutex<HashMap<String, VecDeque<DateTime<Utc>>>>,
}

impl FailureLimiter {
    /// Creates a limiter allowing `max_failures` per `window`.
    pub fn new(max_failures: u32, window: Duration) -> FailureLimiter {
        FailureLimiter {
            max_failures: max_failures.max(1) as usize,
            window,
            failures: Mutex::new(HashMap::new()),
        }
    }

    /// Returns how long `key` must wait before its next attempt, or `None` if it may try now.
    pub fn wait_time(&self, key: &str, now: DateTime<Utc>) -> Option<Duration> {
        let mut failures = self.lock();
        let times = failures.get_mut(key)?;
        self.forget_old(times, now);
        if times.len() < self.max_failures {
            return None;
        }
        let oldest = *times.front()?;
        Some(oldest + self.window - now)
    }

    /// Records a failure for `key`.
    pub fn record_failure(&self, key: &str, now: DateTime<Utc>) {
        let mut failures = self.lock();
        if failures.len() >= SWEEP_ABOVE_KEYS {
            let cutoff = now - self.window;
            failures.retain(|_, times| times.back().is_some_and(|last| *last > cutoff));
        }
        let times = failures.entry(key.to_string()).or_default();
        self.forget_old(times, now);
        times.push_back(now);
        // Only the most recent failures matter for the limit.
        while times.len() > self.max_failures {
            times.pop_front();
        }
    }

    /// Forgets the failures of `key`, after a successful login.
    pub fn clear(&self, key: &str) {
        self.lock().remove(key);
    }

    fn forget_old(&self, times: &mut VecDeque<DateTime<Utc>>, now: DateTime<Utc>) {
        while times.front().is_some_and(|time| *time <= now - self.window) {
            times.pop_front();
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, VecDeque<DateTime<Utc>>>> {
        // A panic while holding the lock leaves counts that are still meaningful.
        self.failures
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_limit_applies_within_the_window_and_lifts_after_it() {
        let limiter = FailureLimiter::new(3, Duration::minutes(10));
        let start = Utc::now();
        for minute in 0..3 {
            assert_eq!(limiter.wait_time("ana", start), None);
            limiter.record_failure("ana", start + Duration::minutes(minute));
        }
        let now = start + Duration::minutes(3);
        assert_eq!(limiter.wait_time("ana", now), Some(Duration::minutes(7)));
        assert_eq!(limiter.wait_time("bruno", now), None, "keys are separate");
        assert_eq!(
            limiter.wait_time("ana", start + Duration::minutes(10)),
            None
        );
    }

    #[test]
    fn clearing_forgets_the_failures() {
        let limiter = FailureLimiter::new(1, Duration::minutes(10));
        let now = Utc::now();
        limiter.record_failure("ana", now);
        assert!(limiter.wait_time("ana", now).is_some());
        limiter.clear("ana");
        assert_eq!(limiter.wait_time("ana", now), None);
    }
}
