//! Bounds against slow peers (docs/api.md §10): clients that trickle a request's
//! headers or body, and webhook endpoints that hold their deliveries until the
//! attempt's deadline. Flattened into `ServeConfig`.

use passmint_webhooks::parse_duration;
use std::time::Duration;

/// The default deadline of a request's headers and of its body.
pub const DEFAULT_READ_TIMEOUT: Duration = Duration::from_secs(10);

/// The default cap of one webhook's deliveries in flight.
pub const DEFAULT_ENDPOINT_CONCURRENCY: u32 = 32;

crate::config::serve_options! {
    pub struct SlowPeerConfig {
        /// Deadline for a client to send a request's headers once it connected; past
        /// it the connection is closed.
        pub header_timeout: Duration = parse_duration, "header-timeout", "PASSMINT_HEADER_TIMEOUT",
            "10s",
        /// Deadline for a client to send a request's whole body once its headers
        /// arrived; past it the answer is 408 and the connection is closed.
        pub body_timeout: Duration = parse_duration, "body-timeout", "PASSMINT_BODY_TIMEOUT", "10s",
        /// Most deliveries of one webhook in flight at once, so that a slow endpoint
        /// cannot take every delivery slot.
        pub webhook_endpoint_concurrency: u32 = crate::config::concurrency(),
            "webhook-endpoint-concurrency", "PASSMINT_WEBHOOK_ENDPOINT_CONCURRENCY", "32",
    }
}
