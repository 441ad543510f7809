//! Politeness: spacing the requests sent to each host.
//!
//! Each host has a next free slot. A request reserves the slot and the following one
//! `delay` later before sleeping until its own, so concurrent tasks fetching from one host
//! queue up at the configured spacing while other hosts are not held back at all.
//!
//! TODO: honour robots.txt (disallow rules and Crawl-delay) per host; until then a site
//! owner's exclusions are not respected, which must land before crawling at scale.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;
use url::Url;

/// Spaces requests to the same host by a fixed delay.
#[derive(Debug)]
pub struct HostThrottle {
    delay: Duration,
    next_slots: Mutex<HashMap<String, Instant>>,
}

impl HostThrottle {
    /// Creates a throttle that keeps `delay` between two requests to one host.
    pub fn new(delay: Duration) -> HostThrottle {
        HostThrottle {
            delay,
            next_slots: Mutex::new(HashMap::new()),
        }
    }

    /// Waits until a request to `url`'s host may be sent.
    pub async fn wait_turn(&self, url: &Url) {
        let Some(host) = url.host_str() else {
            return;
        };
        let slot = {
            let mut slots = self
                .next_slots
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            let now = Instant::now();
            let slot = slots
                .get(host)
                .copied()
                .filter(|slot| *slot > now)
                .unwrap_or(now);
            slots.insert(host.to_string(), slot + self.delay);
            slot
        };
        tokio::time::sleep_until(slot).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn requests_to_one_host_are_spaced() {
        let throttle = HostThrottle::new(Duration::from_secs(1));
        let url = Url::parse("https://example.org/a").unwrap();
        let start = Instant::now();
        for _ in 0..3 {
            throttle.wait_turn(&url).await;
        }
        assert_eq!(start.elapsed(), Duration::from_secs(2));
    }

    #[tokio::test(start_paused = true)]
    async fn other_hosts_are_not_delayed() {
        let throttle = HostThrottle::new(Duration::from_secs(5));
        let start = Instant::now();
        throttle
            .wait_turn(&Url::parse("https://a.example/").unwrap())
            .await;
        throttle
            .wait_turn(&Url::parse("https://b.example/").unwrap())
            .await;
        assert_eq!(start.elapsed(), Duration::ZERO);
    }
}
