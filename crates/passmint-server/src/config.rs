//! Configuration from the environment (docs/api.md §9). Every variable may also be
//! given as a flag of `passmint serve`.

use clap::Args;
use passmint_webhooks::{RetrySchedule, parse_duration};
use std::time::Duration;

#[derive(Args, Clone, Debug)]
pub struct ServeConfig {
    /// Database URL: postgres://user@host:port/db or sqlite://PATH (default sqlite://passmint.db)
    #[arg(long, env = "DATABASE_URL")]
    pub database_url: Option<String>,
    /// Address to listen on.
    #[arg(long, env = "PASSMINT_ADDR", default_value = "127.0.0.1:8080")]
    pub addr: String,
    /// Public base URL of this server (for pass URLs); defaults to http://{addr}.
    #[arg(long, env = "PASSMINT_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Largest request body accepted, in bytes.
    #[arg(long, env = "PASSMINT_MAX_BODY_BYTES", default_value_t = 1024 * 1024)]
    pub max_body_bytes: usize,
    /// Database connections in the pool.
    #[arg(long, env = "PASSMINT_DB_POOL_SIZE", default_value_t = 16)]
    pub db_pool_size: usize,
    /// Seconds an authenticated API key is remembered; a revocation takes effect
    /// within this time (0 disables the cache).
    #[arg(long, env = "PASSMINT_KEY_CACHE_SECONDS", default_value_t = 5)]
    pub key_cache_seconds: u64,
    /// How often this process checks whether any process revoked a key; a revoked
    /// key is refused everywhere within about this interval, cache or not.
    #[arg(
        long = "revocation-poll-interval",
        env = "PASSMINT_REVOCATION_POLL_INTERVAL",
        default_value = "250ms",
        value_parser = parse_duration
    )]
    pub revocation_poll_interval: Duration,
    /// HTTP worker threads (default: one per core).
    #[arg(long, env = "PASSMINT_WORKERS")]
    pub workers: Option<usize>,
    #[command(flatten)]
    pub webhooks: WebhookConfig,
    #[command(flatten)]
    pub apns: ApnsServeConfig,
    #[command(flatten)]
    pub pkpass: crate::pkpass::config::PkpassCacheConfig,
    #[command(flatten)]
    pub public: crate::http::public_limits::PublicLimitsConfig,
    #[command(flatten)]
    pub slow: crate::slow::SlowPeerConfig,
    #[command(flatten)]
    pub secrets: crate::secrets::SecretKeyConfig,
    #[command(flatten)]
    pub retention: crate::workers::retention::RetentionConfig,
}

/// The APNs push worker of `passmint serve`.
#[derive(Args, Clone, Debug)]
pub struct ApnsServeConfig {
    /// APNs base URL (Apple's production host by default; a local fake in tests).
    #[arg(
        long = "apns-url",
        env = "PASSMINT_APNS_URL",
        default_value = passmint_apns::APNS_PRODUCTION_URL
    )]
    pub apns_url: String,
    /// A PEM file of certificates to trust for APNs besides the system's roots (a
    /// local test server's CA).
    #[arg(long = "apns-ca-file", env = "PASSMINT_APNS_CA_FILE")]
    pub apns_ca_file: Option<std::path::PathBuf>,
    /// Most pushes in flight at once per signing identity.
    #[arg(
        long = "apns-concurrency",
        env = "PASSMINT_APNS_CONCURRENCY",
        default_value_t = 256,
        value_parser = concurrency()
    )]
    pub apns_concurrency: u32,
    /// Deadline of one push.
    #[arg(
        long = "apns-timeout",
        env = "PASSMINT_APNS_TIMEOUT",
        default_value = "10s",
        value_parser = parse_duration
    )]
    pub apns_timeout: Duration,
    /// Wait before the first retry of a push APNs refused for now (doubling up to
    /// 5 minutes, 12 attempts in all).
    #[arg(
        long = "apns-retry-base",
        env = "PASSMINT_APNS_RETRY_BASE",
        default_value = "1s",
        value_parser = parse_duration
    )]
    pub apns_retry_base: Duration,
    /// How often the worker looks for due retries and for pushes enqueued by other
    /// processes (pushes of this process start at once).
    #[arg(
        long = "push-poll-interval",
        env = "PASSMINT_PUSH_POLL_INTERVAL",
        default_value = "1s",
        value_parser = parse_duration
    )]
    pub push_poll_interval: Duration,
    #[command(flatten)]
    pub keepalive: ApnsKeepAliveConfig,
}

/// How the push worker notices an APNs connection that went silent without closing
/// (docs/api.md §7).
#[derive(Args, Clone, Debug)]
pub struct ApnsKeepAliveConfig {
    /// A connection to APNs that received nothing for this long is sent an HTTP/2
    /// PING, whether pushes are in flight or not.
    #[arg(
        long = "apns-keepalive-interval",
        env = "PASSMINT_APNS_KEEPALIVE_INTERVAL",
        default_value = "5s",
        value_parser = parse_positive_duration
    )]
    pub apns_keepalive_interval: Duration,
    /// A PING not answered within this closes the connection; the pushes on it are
    /// retried on a new one.
    #[arg(
        long = "apns-keepalive-timeout",
        env = "PASSMINT_APNS_KEEPALIVE_TIMEOUT",
        default_value = "5s",
        value_parser = parse_positive_duration
    )]
    pub apns_keepalive_timeout: Duration,
}

impl Default for ApnsKeepAliveConfig {
    fn default() -> Self {
        ApnsKeepAliveConfig {
            apns_keepalive_interval: passmint_apns::DEFAULT_KEEP_ALIVE_INTERVAL,
            apns_keepalive_timeout: passmint_apns::DEFAULT_KEEP_ALIVE_TIMEOUT,
        }
    }
}

/// A cap of work in flight at once: 1 to 4096.
pub(crate) fn concurrency() -> clap::builder::RangedI64ValueParser<u32> {
    clap::value_parser!(u32).range(1..=4096)
}

/// A duration above zero.
fn parse_positive_duration(s: &str) -> Result<Duration, String> {
    match parse_duration(s) {
        Ok(d) if d.is_zero() => Err("must be more than zero".to_owned()),
        Ok(d) => Ok(d),
        Err(e) => Err(e.to_string()),
    }
}

impl Default for ApnsServeConfig {
    fn default() -> Self {
        ApnsServeConfig {
            apns_url: passmint_apns::APNS_PRODUCTION_URL.to_owned(),
            apns_ca_file: None,
            apns_concurrency: 256,
            apns_timeout: Duration::from_secs(10),
            apns_retry_base: Duration::from_secs(1),
            push_poll_interval: Duration::from_secs(1),
            keepalive: ApnsKeepAliveConfig::default(),
        }
    }
}

/// The webhook delivery worker of `passmint serve`.
#[derive(Args, Clone, Debug)]
pub struct WebhookConfig {
    /// Deliver webhooks to private, loopback, link-local and other non-public
    /// addresses too (true/false).
    #[arg(
        long = "webhook-allow-private",
        env = "PASSMINT_WEBHOOK_ALLOW_PRIVATE",
        default_value = "false",
        num_args = 0..=1,
        default_missing_value = "true",
        value_parser = clap::builder::BoolishValueParser::new()
    )]
    pub allow_private: bool,
    /// Delays before each retry of a failed delivery, comma-separated (e.g.
    /// `5s,5m,30m`); a delivery is dead after the last. Jittered by ±20 %.
    /// Default: 5s,5m,30m,2h,5h,10h,14h,20h,24h.
    #[arg(
        long = "webhook-retry-schedule",
        env = "PASSMINT_WEBHOOK_RETRY_SCHEDULE",
        value_parser = RetrySchedule::parse
    )]
    pub retry_schedule: Option<RetrySchedule>,
    /// Deadline of one delivery attempt (DNS, connect, request, response).
    #[arg(
        long = "webhook-timeout",
        env = "PASSMINT_WEBHOOK_TIMEOUT",
        default_value = "15s",
        value_parser = parse_duration
    )]
    pub timeout: Duration,
    /// Most deliveries in flight at once in this process.
    #[arg(
        long = "webhook-concurrency",
        env = "PASSMINT_WEBHOOK_CONCURRENCY",
        default_value_t = 64,
        value_parser = concurrency()
    )]
    pub concurrency: u32,
    /// How often the worker looks for due retries and for deliveries enqueued by
    /// other processes (work of this process starts at once).
    #[arg(
        long = "webhook-poll-interval",
        env = "PASSMINT_WEBHOOK_POLL_INTERVAL",
        default_value = "1s",
        value_parser = parse_duration
    )]
    pub poll_interval: Duration,
}

impl Default for WebhookConfig {
    fn default() -> Self {
        WebhookConfig {
            allow_private: false,
            retry_schedule: None,
            timeout: passmint_webhooks::DEFAULT_TIMEOUT,
            concurrency: 64,
            poll_interval: Duration::from_secs(1),
        }
    }
}

impl WebhookConfig {
    /// The retry schedule (that of docs/api.md §8 unless configured).
    pub fn schedule(&self) -> RetrySchedule {
        self.retry_schedule.clone().unwrap_or_default()
    }

    /// How long a claimed delivery stays its worker's: an attempt's deadline plus a
    /// margin to record it. A worker that dies holding deliveries releases them
    /// after this.
    pub fn lease(&self) -> Duration {
        self.timeout + self.timeout.min(Duration::from_secs(15)) + Duration::from_secs(5)
    }
}

impl ServeConfig {
    pub fn public_url(&self) -> String {
        match &self.public_url {
            Some(u) => u.trim_end_matches('/').to_owned(),
            None => format!("http://{}", self.addr),
        }
    }
}

/// The default database when `DATABASE_URL` is unset: an embedded SQLite file in
/// the working directory.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://passmint.db";

#[derive(Args, Clone, Debug)]
pub struct DbConfig {
    /// Database URL: postgres://user@host:port/db or sqlite://PATH (default sqlite://passmint.db)
    #[arg(long, env = "DATABASE_URL")]
    pub database_url: Option<String>,
    #[command(flatten)]
    pub secrets: crate::secrets::SecretKeyConfig,
}

pub fn database_url(given: &Option<String>) -> String {
    given
        .clone()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| DEFAULT_DATABASE_URL.to_owned())
}
