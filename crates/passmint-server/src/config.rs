//! Configuration from the environment (docs/api.md §9). Every variable may also be
//! given as a flag of `passmint serve`.

use clap::Args;
use passmint_webhooks::{RetrySchedule, parse_duration};
use std::str::FromStr;
use std::time::Duration;

serve_options! {
    pub struct ServeConfig {
        /// Database URL: postgres://user@host:port/db or sqlite://PATH (default sqlite://passmint.db)
        #[arg(long, env = "DATABASE_URL")]
        pub database_url: Option<String>,
        /// Address to listen on.
        pub addr: String = clap::builder::StringValueParser::new(), "addr", "PASSMINT_ADDR",
            "127.0.0.1:8080",
        /// Public base URL of this server (for pass URLs); defaults to http://{addr}.
        #[arg(long, env = "PASSMINT_PUBLIC_URL")]
        pub public_url: Option<String>,
        /// Largest request body accepted, in bytes.
        pub max_body_bytes: usize = usize::from_str, "max-body-bytes", "PASSMINT_MAX_BODY_BYTES",
            "1048576",
        /// Database connections in the pool.
        pub db_pool_size: usize = usize::from_str, "db-pool-size", "PASSMINT_DB_POOL_SIZE", "16",
        /// Seconds an authenticated API key is remembered; a revocation takes effect
        /// within this time (0 disables the cache).
        pub key_cache_seconds: u64 = clap::value_parser!(u64), "key-cache-seconds",
            "PASSMINT_KEY_CACHE_SECONDS", "5",
        /// How often this process checks whether any process revoked a key; a revoked
        /// key is refused everywhere within about this interval, cache or not.
        pub revocation_poll_interval: Duration = parse_duration, "revocation-poll-interval",
            "PASSMINT_REVOCATION_POLL_INTERVAL", "250ms",
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
}

/// Declares a group of `passmint serve` options and its `Default`. A field written
/// `name: Type = parser, "flag", "ENV_VAR", "default"` is the flag `--flag`, also
/// read from `ENV_VAR`, parsed and validated by `parser`; its `Default` is what
/// `parser` makes of the default, so a config built in code and one parsed from an
/// empty command line agree. Other fields keep their own attributes and default to
/// `Default::default()`.
macro_rules! serve_options {
    (
        $(#[$meta:meta])*
        pub struct $name:ident {
            $(
                $(#[$attr:meta])*
                pub $field:ident: $ty:ty
                    $(= $parser:expr, $long:literal, $env:literal, $default:expr)?,
            )*
        }
    ) => {
        $(#[$meta])*
        #[derive(clap::Args, Clone, Debug)]
        pub struct $name {
            $(
                $(#[$attr])*
                $(#[arg(
                    long = $long, env = $env, default_value = $default, value_parser = $parser
                )])?
                pub $field: $ty,
            )*
        }

        impl Default for $name {
            fn default() -> Self {
                $name {
                    $($field: $crate::config::serve_options!(@default $($parser, $default)?),)*
                }
            }
        }
    };
    (@default) => {
        Default::default()
    };
    (@default $parser:expr, $default:expr) => {
        $crate::config::default_of($parser, $default)
    };
}
pub(crate) use serve_options;

/// What `parser` makes of an option's default (see [`serve_options`]).
pub(crate) fn default_of<P: clap::builder::TypedValueParser>(parser: P, default: &str) -> P::Value {
    let cmd = clap::Command::new("passmint");
    parser
        .parse_ref(&cmd, None, std::ffi::OsStr::new(default))
        .unwrap_or_else(|e| panic!("the default {default:?} does not parse: {e}"))
}

serve_options! {
    /// The APNs push worker of `passmint serve`.
    pub struct ApnsServeConfig {
        /// APNs base URL (Apple's production host by default; a local fake in tests).
        pub apns_url: String = clap::builder::StringValueParser::new(), "apns-url",
            "PASSMINT_APNS_URL", passmint_apns::APNS_PRODUCTION_URL,
        /// A PEM file of certificates to trust for APNs besides the system's roots (a
        /// local test server's CA).
        #[arg(long = "apns-ca-file", env = "PASSMINT_APNS_CA_FILE")]
        pub apns_ca_file: Option<std::path::PathBuf>,
        /// Most pushes in flight at once per signing identity.
        pub apns_concurrency: u32 = concurrency(), "apns-concurrency", "PASSMINT_APNS_CONCURRENCY",
            "256",
        /// Deadline of one push.
        pub apns_timeout: Duration = parse_duration, "apns-timeout", "PASSMINT_APNS_TIMEOUT", "10s",
        /// Wait before the first retry of a push APNs refused for now (doubling up to
        /// 5 minutes, 12 attempts in all).
        pub apns_retry_base: Duration = parse_duration, "apns-retry-base",
            "PASSMINT_APNS_RETRY_BASE", "1s",
        /// How often the worker looks for due retries and for pushes enqueued by other
        /// processes (pushes of this process start at once).
        pub push_poll_interval: Duration = parse_duration, "push-poll-interval",
            "PASSMINT_PUSH_POLL_INTERVAL", "1s",
        #[command(flatten)]
        pub keepalive: ApnsKeepAliveConfig,
    }
}

serve_options! {
    /// How the push worker notices an APNs connection that went silent without closing
    /// (docs/api.md §7).
    pub struct ApnsKeepAliveConfig {
        /// A connection to APNs that received nothing for this long is sent an HTTP/2
        /// PING, whether pushes are in flight or not.
        pub apns_keepalive_interval: Duration = parse_positive_duration, "apns-keepalive-interval",
            "PASSMINT_APNS_KEEPALIVE_INTERVAL", "5s",
        /// A PING not answered within this closes the connection; the pushes on it are
        /// retried on a new one.
        pub apns_keepalive_timeout: Duration = parse_positive_duration, "apns-keepalive-timeout",
            "PASSMINT_APNS_KEEPALIVE_TIMEOUT", "5s",
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

serve_options! {
    /// The webhook delivery worker of `passmint serve`.
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
        pub timeout: Duration = parse_duration, "webhook-timeout", "PASSMINT_WEBHOOK_TIMEOUT",
            "15s",
        /// Most deliveries in flight at once in this process.
        pub concurrency: u32 = concurrency(), "webhook-concurrency", "PASSMINT_WEBHOOK_CONCURRENCY",
            "64",
        /// How often the worker looks for due retries and for deliveries enqueued by
        /// other processes (work of this process starts at once).
        pub poll_interval: Duration = parse_duration, "webhook-poll-interval",
            "PASSMINT_WEBHOOK_POLL_INTERVAL", "1s",
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_are_those_of_the_flags() {
        let serve = ServeConfig::default();
        assert_eq!(serve.database_url, None);
        assert_eq!(serve.addr, "127.0.0.1:8080");
        assert_eq!(serve.public_url, None);
        assert_eq!(serve.max_body_bytes, 1024 * 1024);
        assert_eq!(serve.db_pool_size, 16);
        assert_eq!(serve.key_cache_seconds, 5);
        assert_eq!(serve.revocation_poll_interval, Duration::from_millis(250));
        assert_eq!(serve.workers, None);
        let apns = ApnsServeConfig::default();
        assert_eq!(apns.apns_url, passmint_apns::APNS_PRODUCTION_URL);
        assert_eq!(apns.apns_ca_file, None);
        assert_eq!(apns.apns_concurrency, 256);
        assert_eq!(apns.apns_timeout, Duration::from_secs(10));
        assert_eq!(apns.apns_retry_base, Duration::from_secs(1));
        assert_eq!(apns.push_poll_interval, Duration::from_secs(1));
        let keepalive = apns.keepalive;
        assert_eq!(
            keepalive.apns_keepalive_interval,
            passmint_apns::DEFAULT_KEEP_ALIVE_INTERVAL
        );
        assert_eq!(
            keepalive.apns_keepalive_timeout,
            passmint_apns::DEFAULT_KEEP_ALIVE_TIMEOUT
        );
        let webhooks = WebhookConfig::default();
        assert!(!webhooks.allow_private);
        assert_eq!(webhooks.retry_schedule, None);
        assert_eq!(webhooks.timeout, passmint_webhooks::DEFAULT_TIMEOUT);
        assert_eq!(webhooks.concurrency, 64);
        assert_eq!(webhooks.poll_interval, Duration::from_secs(1));
        let slow = crate::slow::SlowPeerConfig::default();
        assert_eq!(slow.header_timeout, crate::slow::DEFAULT_READ_TIMEOUT);
        assert_eq!(slow.body_timeout, crate::slow::DEFAULT_READ_TIMEOUT);
        let per_webhook = slow.webhook_endpoint_concurrency;
        assert_eq!(per_webhook, crate::slow::DEFAULT_ENDPOINT_CONCURRENCY);
    }

    #[test]
    #[should_panic(expected = "the default \"0s\" does not parse")]
    fn a_default_that_does_not_parse_is_caught() {
        default_of(parse_positive_duration, "0s");
    }
}
