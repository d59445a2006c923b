//! The limits of what needs no API key (docs/api.md §6, §7, §10): a pass's public
//! pages and Apple's web service.
//!
//! Everything here is keyed on (pass, client address), never on the address
//! alone (the pass by its public short id, so that a client over its rate is
//! refused before the pass is looked up, at no cost to the database): hundreds of phones behind one public address (a venue's Wi-Fi, a
//! carrier's NAT) each open their own pass and never limit one another.
//!
//! - **Rate**: a token bucket per (pass, address) of `PASSMINT_PUBLIC_RATE_LIMIT`
//!   requests, refilled at that many a minute. An empty bucket answers `429` with
//!   `Retry-After`, the seconds until the next token.
//!   The `429` is answered only after `PASSMINT_PUBLIC_REFUSAL_DELAY` (at most
//!   `Retry-After`): a client that keeps asking past its rate waits on each
//!   refusal, so however many connections it opens it gets few answers a second
//!   and leaves the CPU to everyone else. A client within its rate never waits.
//! - **Recording once**: `url_viewed` and `downloaded` are recorded for a
//!   (pass, address) at most once per `PASSMINT_PUBLIC_DEDUPE_WINDOW`.
//!
//! Both live in one table of at most [`TABLE_CAPACITY`] (pass, address) pairs per
//! process, the least recently seen evicted first, so no client can grow it. An
//! evicted pair starts afresh (a full bucket, its next view recorded).

use super::client_addr::TrustedProxies;
use clap::Args;
use lru::LruCache;
use passmint_domain::event::EventType;
use passmint_webhooks::parse_duration;
use std::net::IpAddr;
use std::num::NonZeroUsize;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The most (pass, address) pairs remembered per process.
pub const TABLE_CAPACITY: usize = 100_000;

/// The limits of the endpoints without an API key.
#[derive(Args, Clone, Debug)]
pub struct PublicLimitsConfig {
    /// Requests a minute one client address may make to one pass's public pages
    /// (landing page and download together) before `429` (0: no limit).
    #[arg(
        long = "public-rate-limit",
        env = "PASSMINT_PUBLIC_RATE_LIMIT",
        default_value_t = 120
    )]
    pub rate_per_minute: u32,
    /// A pass's views (or downloads) from one client address within this time are
    /// recorded once.
    #[arg(
        long = "public-dedupe-window",
        env = "PASSMINT_PUBLIC_DEDUPE_WINDOW",
        default_value = "60s",
        value_parser = parse_duration
    )]
    pub dedupe_window: Duration,
    /// How long a request over the rate waits before its `429` is answered (at
    /// most its `Retry-After`; `0s` answers at once).
    #[arg(
        long = "public-refusal-delay",
        env = "PASSMINT_PUBLIC_REFUSAL_DELAY",
        default_value = "1s",
        value_parser = parse_duration
    )]
    pub refusal_delay: Duration,
    /// Reverse proxies whose `X-Forwarded-For` names the client: comma-separated
    /// IP addresses and CIDR ranges (default: none, the TCP peer is the client).
    #[arg(
        long = "trusted-proxies",
        env = "PASSMINT_TRUSTED_PROXIES",
        default_value = "",
        value_parser = TrustedProxies::parse
    )]
    pub trusted_proxies: TrustedProxies,
    /// Devices that may register for one pass (Apple's web service answers 429
    /// beyond).
    #[arg(
        long = "max-devices-per-pass",
        env = "PASSMINT_MAX_DEVICES_PER_PASS",
        default_value_t = passmint_domain::service::DEFAULT_MAX_DEVICES_PER_PASS,
        value_parser = clap::value_parser!(u32).range(1..)
    )]
    pub max_devices_per_pass: u32,
}

impl Default for PublicLimitsConfig {
    fn default() -> Self {
        PublicLimitsConfig {
            rate_per_minute: 120,
            dedupe_window: Duration::from_secs(60),
            refusal_delay: Duration::from_secs(1),
            trusted_proxies: TrustedProxies::default(),
            max_devices_per_pass: passmint_domain::service::DEFAULT_MAX_DEVICES_PER_PASS,
        }
    }
}

/// What is remembered of one (pass, address).
struct Entry {
    /// Requests left in the bucket, as of `refilled`.
    tokens: f64,
    refilled: Instant,
    /// When a view and a download were last recorded.
    viewed: Option<Instant>,
    downloaded: Option<Instant>,
}

/// The rate limit and the recording window of the public pages.
pub struct PublicLimits {
    pub trusted_proxies: TrustedProxies,
    rate_per_minute: u32,
    dedupe_window: Duration,
    refusal_delay: Duration,
    table: Mutex<LruCache<(String, IpAddr), Entry>>,
}

impl PublicLimits {
    pub fn new(cfg: &PublicLimitsConfig) -> Self {
        Self::with_capacity(cfg, TABLE_CAPACITY)
    }

    fn with_capacity(cfg: &PublicLimitsConfig, capacity: usize) -> Self {
        PublicLimits {
            trusted_proxies: cfg.trusted_proxies.clone(),
            rate_per_minute: cfg.rate_per_minute,
            dedupe_window: cfg.dedupe_window,
            refusal_delay: cfg.refusal_delay,
            table: Mutex::new(LruCache::new(
                NonZeroUsize::new(capacity).unwrap_or(NonZeroUsize::MIN),
            )),
        }
    }

    /// Runs `f` on the entry of (pass, address), made when absent.
    fn with_entry<T>(
        &self,
        pass: &str,
        addr: IpAddr,
        now: Instant,
        f: impl FnOnce(&mut Entry) -> T,
    ) -> T {
        let mut table = self.table.lock().unwrap_or_else(|e| e.into_inner());
        let entry = table.get_or_insert_mut((pass.to_owned(), addr), || Entry {
            tokens: f64::from(self.rate_per_minute),
            refilled: now,
            viewed: None,
            downloaded: None,
        });
        f(entry)
    }

    /// The bucket of (pass, address) refilled to `now`: its tokens, or the whole
    /// seconds until it holds one again (at least 1) when it holds none.
    fn refill(&self, e: &Entry, now: Instant) -> (f64, Result<(), u64>) {
        let capacity = f64::from(self.rate_per_minute);
        let per_second = capacity / 60.0;
        let elapsed = now.saturating_duration_since(e.refilled).as_secs_f64();
        let tokens = (e.tokens + elapsed * per_second).min(capacity);
        if tokens >= 1.0 {
            (tokens, Ok(()))
        } else {
            let wait = ((1.0 - tokens) / per_second).ceil();
            // At most 60 s (a full minute refills the bucket): the cast is exact.
            (tokens, Err((wait as u64).max(1)))
        }
    }

    /// Takes one request from the bucket of (pass, address); when it is empty,
    /// `Err` with the whole seconds until it holds one again (at least 1).
    /// `pass` is the pass's short id.
    pub fn admit(&self, pass: &str, addr: IpAddr, now: Instant) -> Result<(), u64> {
        if self.rate_per_minute == 0 {
            return Ok(());
        }
        self.with_entry(pass, addr, now, |e| {
            let (tokens, answer) = self.refill(e, now);
            e.tokens = if answer.is_ok() { tokens - 1.0 } else { tokens };
            e.refilled = now;
            answer
        })
    }

    /// `Err` as [`PublicLimits::admit`] would answer when (pass, address) is known
    /// and its bucket is empty; takes nothing and remembers nothing, so a request
    /// for a short id no pass has cannot fill the table.
    pub fn refused(&self, pass: &str, addr: IpAddr, now: Instant) -> Result<(), u64> {
        if self.rate_per_minute == 0 {
            return Ok(());
        }
        let table = self.table.lock().unwrap_or_else(|e| e.into_inner());
        match table.peek(&(pass.to_owned(), addr)) {
            Some(e) => self.refill(e, now).1,
            None => Ok(()),
        }
    }

    /// How long to wait before answering a refusal whose `Retry-After` is
    /// `retry_after` seconds: `PASSMINT_PUBLIC_REFUSAL_DELAY`, at most that.
    pub fn refusal_delay(&self, retry_after: u64) -> Duration {
        self.refusal_delay.min(Duration::from_secs(retry_after))
    }

    /// Whether an event of `kind` of (pass, address) is to be recorded: the first
    /// in its window is (and starts it), the others are not. Kinds other than
    /// `url_viewed` and `downloaded` always are.
    pub fn first_in_window(&self, pass: &str, addr: IpAddr, kind: EventType, now: Instant) -> bool {
        if self.dedupe_window.is_zero() {
            return true;
        }
        let window = self.dedupe_window;
        self.with_entry(pass, addr, now, |e| {
            let last = match kind {
                EventType::UrlViewed => &mut e.viewed,
                EventType::Downloaded => &mut e.downloaded,
                _ => return true,
            };
            if last.is_some_and(|at| now.saturating_duration_since(at) < window) {
                return false;
            }
            *last = Some(now);
            true
        })
    }

    /// How many (pass, address) pairs are remembered.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.table.lock().map(|t| t.len()).unwrap_or(0)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    fn pass(c: char) -> String {
        c.to_string().repeat(10)
    }

    fn addr(n: u8) -> IpAddr {
        IpAddr::from([198, 51, 100, n])
    }

    fn limits(rate: u32, window_secs: u64) -> PublicLimits {
        PublicLimits::new(&PublicLimitsConfig {
            rate_per_minute: rate,
            dedupe_window: Duration::from_secs(window_secs),
            ..PublicLimitsConfig::default()
        })
    }

    #[test]
    fn the_bucket_empties_then_refills_at_the_rate() {
        let l = limits(60, 60);
        let t0 = Instant::now();
        for _ in 0..60 {
            assert_eq!(l.admit(&pass('a'), addr(1), t0), Ok(()));
        }
        assert_eq!(l.admit(&pass('a'), addr(1), t0), Err(1));
        // One a second at 60 a minute.
        let t1 = t0 + Duration::from_millis(1000);
        assert_eq!(l.admit(&pass('a'), addr(1), t1), Ok(()));
        assert_eq!(l.admit(&pass('a'), addr(1), t1), Err(1));
        let slow = limits(2, 60);
        slow.admit(&pass('a'), addr(1), t0).unwrap();
        slow.admit(&pass('a'), addr(1), t0).unwrap();
        assert_eq!(slow.admit(&pass('a'), addr(1), t0), Err(30));
    }

    #[test]
    fn a_refusal_waits_the_delay_but_never_past_its_retry_after() {
        let l = PublicLimits::new(&PublicLimitsConfig {
            refusal_delay: Duration::from_secs(5),
            ..PublicLimitsConfig::default()
        });
        assert_eq!(l.refusal_delay(30), Duration::from_secs(5));
        assert_eq!(l.refusal_delay(2), Duration::from_secs(2));
        assert_eq!(limits(60, 60).refusal_delay(30), Duration::from_secs(1));
    }

    #[test]
    fn an_empty_bucket_is_refused_before_the_look_up_and_nothing_else() {
        let l = limits(2, 60);
        let t0 = Instant::now();
        assert_eq!(l.refused(&pass('x'), addr(1), t0), Ok(()));
        assert_eq!(l.len(), 0, "an unknown pass is not remembered");
        l.admit(&pass('a'), addr(1), t0).unwrap();
        assert_eq!(l.refused(&pass('a'), addr(1), t0), Ok(()), "one token left");
        l.admit(&pass('a'), addr(1), t0).unwrap();
        assert_eq!(l.refused(&pass('a'), addr(1), t0), Err(30));
        assert_eq!(l.refused(&pass('a'), addr(2), t0), Ok(()), "per address");
        // Refusing takes nothing: the bucket refills as if it had not been asked.
        let t1 = t0 + Duration::from_secs(30);
        assert_eq!(l.refused(&pass('a'), addr(1), t1), Ok(()));
        assert_eq!(l.admit(&pass('a'), addr(1), t1), Ok(()));
        assert_eq!(l.admit(&pass('a'), addr(1), t1), Err(30));
        assert_eq!(limits(0, 60).refused(&pass('a'), addr(1), t0), Ok(()));
    }

    #[test]
    fn limits_are_per_pass_and_address() {
        let l = limits(1, 60);
        let t0 = Instant::now();
        assert_eq!(l.admit(&pass('a'), addr(1), t0), Ok(()));
        assert!(l.admit(&pass('a'), addr(1), t0).is_err());
        // The same address, another pass; another address, the same pass.
        assert_eq!(l.admit(&pass('b'), addr(1), t0), Ok(()));
        assert_eq!(l.admit(&pass('a'), addr(2), t0), Ok(()));
        let off = limits(0, 60);
        for _ in 0..1000 {
            assert_eq!(off.admit(&pass('a'), addr(1), t0), Ok(()));
        }
    }

    #[test]
    fn views_and_downloads_are_recorded_once_per_window() {
        let l = limits(60, 60);
        let t0 = Instant::now();
        let (p, a) = (pass('a'), addr(1));
        assert!(l.first_in_window(&p, a, EventType::UrlViewed, t0));
        assert!(!l.first_in_window(&p, a, EventType::UrlViewed, t0 + Duration::from_secs(59)));
        assert!(l.first_in_window(&p, a, EventType::Downloaded, t0));
        assert!(l.first_in_window(&p, addr(2), EventType::UrlViewed, t0));
        assert!(l.first_in_window(&pass('b'), a, EventType::UrlViewed, t0));
        assert!(l.first_in_window(&p, a, EventType::UrlViewed, t0 + Duration::from_secs(60)));
        assert!(l.first_in_window(&p, a, EventType::Installed, t0));
        assert!(l.first_in_window(&p, a, EventType::Installed, t0));
        let every = limits(60, 0);
        assert!(every.first_in_window(&p, a, EventType::UrlViewed, t0));
        assert!(every.first_in_window(&p, a, EventType::UrlViewed, t0));
    }

    #[derive(clap::Parser)]
    struct Cli {
        #[command(flatten)]
        limits: PublicLimitsConfig,
    }

    #[test]
    fn flags_and_defaults() {
        use clap::Parser;
        let d = Cli::try_parse_from(["passmint"]).unwrap().limits;
        let default = PublicLimitsConfig::default();
        assert_eq!(d.rate_per_minute, default.rate_per_minute);
        assert_eq!(d.dedupe_window, default.dedupe_window);
        assert!(d.trusted_proxies.is_empty());
        assert_eq!(d.max_devices_per_pass, 20);
        let c = Cli::try_parse_from([
            "passmint",
            "--trusted-proxies",
            "10.0.0.0/8,::1",
            "--public-dedupe-window",
            "0s",
            "--max-devices-per-pass",
            "3",
        ])
        .unwrap()
        .limits;
        assert_eq!(
            c.trusted_proxies,
            TrustedProxies::parse("10.0.0.0/8, ::1").unwrap()
        );
        assert!(c.dedupe_window.is_zero());
        assert_eq!(c.max_devices_per_pass, 3);
        for bad in [
            ["--trusted-proxies", "10.0.0.0/40"],
            ["--max-devices-per-pass", "0"],
        ] {
            assert!(
                Cli::try_parse_from(["passmint", bad[0], bad[1]]).is_err(),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn the_table_is_bounded() {
        let cfg = PublicLimitsConfig {
            rate_per_minute: 1,
            ..PublicLimitsConfig::default()
        };
        let l = PublicLimits::with_capacity(&cfg, 100);
        let t0 = Instant::now();
        for n in 0..=200 {
            l.admit(&pass('a'), addr(n), t0).unwrap();
        }
        assert_eq!(l.len(), 100);
        // The least recently seen went first: address 0 starts afresh, while
        // address 200, still remembered, is limited.
        assert_eq!(l.admit(&pass('a'), addr(0), t0), Ok(()));
        assert!(l.admit(&pass('a'), addr(200), t0).is_err());
    }
}
