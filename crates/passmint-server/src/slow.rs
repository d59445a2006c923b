//! Bounds against slow peers (docs/api.md §10): clients that trickle a request's
//! headers or body, and webhook endpoints that hold their deliveries until the
//! attempt's deadline. Flattened into `ServeConfig`.

use clap::Args;
use passmint_webhooks::parse_duration;
use std::time::Duration;

/// The default deadline of a request's headers and of its body.
pub const DEFAULT_READ_TIMEOUT: Duration = Duration::from_secs(10);

/// The default cap of one webhook's deliveries in flight.
pub const DEFAULT_ENDPOINT_CONCURRENCY: u32 = 32;

#[derive(Args, Clone, Debug)]
pub struct SlowPeerConfig {
    /// Deadline for a client to send a request's headers once it connected; past
    /// it the connection is closed.
    #[arg(
        long = "header-timeout",
        env = "PASSMINT_HEADER_TIMEOUT",
        default_value = "10s",
        value_parser = parse_duration
    )]
    pub header_timeout: Duration,
    /// Deadline for a client to send a request's whole body once its headers
    /// arrived; past it the answer is 408 and the connection is closed.
    #[arg(
        long = "body-timeout",
        env = "PASSMINT_BODY_TIMEOUT",
        default_value = "10s",
        value_parser = parse_duration
    )]
    pub body_timeout: Duration,
    /// Most deliveries of one webhook in flight at once, so that a slow endpoint
    /// cannot take every delivery slot.
    #[arg(
        long = "webhook-endpoint-concurrency",
        env = "PASSMINT_WEBHOOK_ENDPOINT_CONCURRENCY",
        default_value_t = DEFAULT_ENDPOINT_CONCURRENCY,
        value_parser = crate::config::concurrency()
    )]
    pub webhook_endpoint_concurrency: u32,
}

impl Default for SlowPeerConfig {
    fn default() -> Self {
        SlowPeerConfig {
            header_timeout: DEFAULT_READ_TIMEOUT,
            body_timeout: DEFAULT_READ_TIMEOUT,
            webhook_endpoint_concurrency: DEFAULT_ENDPOINT_CONCURRENCY,
        }
    }
}
