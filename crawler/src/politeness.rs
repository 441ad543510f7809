//! Politeness: how many requests each host gets at once, and how far apart.
//!
//! Each host (by name: two ports of one machine are one host) has its own small queue: a
//! semaphore of `max_requests_per_host` permits (one by default) and the earliest time the
//! next request may start. A request holds a [`HostPermit`] while it is in flight; releasing it
//! pushes the next start `delay` after the response ended. The delay is the configured
//! `politeness_delay`, raised (never lowered) by the host's robots.txt `Crawl-delay` and, for a
//! while, by a server's `Retry-After`. Requests to other hosts never wait on this one: a slow
//! host only holds its own queue.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};
use tokio::time::Instant;
use url::Url;

/// Longest `Crawl-delay` honoured. A site asking for more would take days to read a few
/// hundred pages; it is crawled at this pace instead, and its source's time budget applies.
pub const MAX_CRAWL_DELAY: Duration = Duration::from_secs(60);

/// Queues the requests sent to each host.
#[derive(Debug)]
pub struct HostThrottle {
    /// The configured spacing; an edit of the configuration changes it in place.
    delay: Mutex<Duration>,
    max_per_host: usize,
    hosts: Mutex<HashMap<String, Arc<HostQueue>>>,
}

#[derive(Debug)]
struct HostQueue {
    in_flight: Arc<Semaphore>,
    pace: Mutex<Pace>,
}

#[derive(Debug)]
struct Pace {
    next_start: Instant,
    crawl_delay: Option<Duration>,
}

/// The right to send one request to a host; dropping it schedules the host's next request.
#[derive(Debug)]
pub struct HostPermit {
    queue: Arc<HostQueue>,
    delay: Duration,
    _permit: OwnedSemaphorePermit,
}

impl HostThrottle {
    /// Creates a throttle that keeps `delay` between requests to one host and lets at most
    /// `max_per_host` of them (at least one) be in flight together.
    pub fn new(delay: Duration, max_per_host: usize) -> HostThrottle {
        HostThrottle {
            delay: Mutex::new(delay),
            max_per_host: max_per_host.max(1),
            hosts: Mutex::new(HashMap::new()),
        }
    }

    /// Whether this throttle lets `max_per_host` requests to a host go together.
    pub fn allows_per_host(&self, max_per_host: usize) -> bool {
        self.max_per_host == max_per_host.max(1)
    }

    /// Spaces requests to each host by `delay` from now on, requests already queued included.
    pub fn set_delay(&self, delay: Duration) {
        *lock(&self.delay) = delay;
    }

    /// Waits until a request to `url`'s host may be sent, and returns the permit to hold
    /// while it is in flight.
    pub async fn acquire(&self, url: &Url) -> HostPermit {
        let queue = self.queue(url);
        let permit = Arc::clone(&queue.in_flight)
            .acquire_owned()
            .await
            .expect("host semaphores are never closed");
        // The start time can move while this request sleeps (a Retry-After from another
        // request to the host), so it is read again after each wait.
        loop {
            let next_start = lock(&queue.pace).next_start;
            if next_start <= Instant::now() {
                break;
            }
            tokio::time::sleep_until(next_start).await;
        }
        let delay = self.effective_delay(&lock(&queue.pace));
        HostPermit {
            queue,
            delay,
            _permit: permit,
        }
    }

    /// Records the `Crawl-delay` of `url`'s host, from its robots.txt.
    pub fn set_crawl_delay(&self, url: &Url, crawl_delay: Option<Duration>) {
        lock(&self.queue(url).pace).crawl_delay =
            crawl_delay.map(|delay| delay.min(MAX_CRAWL_DELAY));
    }

    /// Keeps every request to `url`'s host waiting until `until` (a server's `Retry-After`).
    pub fn defer(&self, url: &Url, until: Instant) {
        let queue = self.queue(url);
        let mut pace = lock(&queue.pace);
        pace.next_start = pace.next_start.max(until);
    }

    /// Returns the spacing currently applied to `url`'s host.
    pub fn delay_for(&self, url: &Url) -> Duration {
        self.effective_delay(&lock(&self.queue(url).pace))
    }

    fn effective_delay(&self, pace: &Pace) -> Duration {
        let delay = *lock(&self.delay);
        pace.crawl_delay
            .map_or(delay, |crawl_delay| crawl_delay.max(delay))
    }

    fn queue(&self, url: &Url) -> Arc<HostQueue> {
        let host = url.host_str().unwrap_or_default().to_ascii_lowercase();
        let mut hosts = lock(&self.hosts);
        let queue = hosts.entry(host).or_insert_with(|| {
            Arc::new(HostQueue {
                in_flight: Arc::new(Semaphore::new(self.max_per_host)),
                pace: Mutex::new(Pace {
                    next_start: Instant::now(),
                    crawl_delay: None,
                }),
            })
        });
        Arc::clone(queue)
    }
}

impl Drop for HostPermit {
    fn drop(&mut self) {
        let mut pace = lock(&self.queue.pace);
        pace.next_start = pace.next_start.max(Instant::now() + self.delay);
    }
}

/// Locks `mutex`; the data stays consistent even if a holder panicked, since every update
/// is a single assignment.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(text: &str) -> Url {
        Url::parse(text).unwrap()
    }

    #[tokio::test(start_paused = true)]
    async fn requests_to_one_host_are_spaced_from_the_end_of_the_previous_one() {
        let throttle = HostThrottle::new(Duration::from_secs(1), 1);
        let page = url("https://example.org/a");
        let start = Instant::now();
        for _ in 0..3 {
            let permit = throttle.acquire(&page).await;
            tokio::time::sleep(Duration::from_millis(500)).await;
            drop(permit);
        }
        // Three responses of 0.5 s each, with 1 s between the end of one and the next start.
        assert_eq!(start.elapsed(), Duration::from_millis(3500));
    }

    #[tokio::test(start_paused = true)]
    async fn one_request_per_host_is_in_flight() {
        let throttle = Arc::new(HostThrottle::new(Duration::ZERO, 1));
        let first = throttle.acquire(&url("https://example.org/a")).await;
        let waiting = {
            let throttle = Arc::clone(&throttle);
            tokio::spawn(async move { throttle.acquire(&url("https://example.org/b")).await })
        };
        tokio::time::sleep(Duration::from_secs(5)).await;
        assert!(!waiting.is_finished());
        drop(first);
        waiting.await.unwrap();
    }

    #[tokio::test(start_paused = true)]
    async fn other_hosts_are_not_delayed() {
        let throttle = HostThrottle::new(Duration::from_secs(5), 1);
        let start = Instant::now();
        let _slow = throttle.acquire(&url("https://a.example/")).await;
        let _other = throttle.acquire(&url("https://b.example/")).await;
        assert_eq!(start.elapsed(), Duration::ZERO);
    }

    #[tokio::test(start_paused = true)]
    async fn crawl_delay_raises_the_delay_but_never_lowers_it() {
        let throttle = HostThrottle::new(Duration::from_secs(2), 1);
        let page = url("https://example.org/");
        throttle.set_crawl_delay(&page, Some(Duration::from_secs(1)));
        assert_eq!(throttle.delay_for(&page), Duration::from_secs(2));
        throttle.set_crawl_delay(&page, Some(Duration::from_secs(10)));
        assert_eq!(throttle.delay_for(&page), Duration::from_secs(10));
        throttle.set_crawl_delay(&page, Some(Duration::from_secs(3600)));
        assert_eq!(throttle.delay_for(&page), MAX_CRAWL_DELAY);
    }

    #[tokio::test(start_paused = true)]
    async fn a_deferred_host_waits_for_everyone() {
        let throttle = HostThrottle::new(Duration::ZERO, 1);
        let page = url("https://example.org/");
        let start = Instant::now();
        throttle.defer(&page, start + Duration::from_secs(30));
        drop(throttle.acquire(&page).await);
        assert_eq!(start.elapsed(), Duration::from_secs(30));
    }
}
