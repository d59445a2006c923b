//! What is kept and for how long (docs/api.md §10): expired idempotency records,
//! webhook deliveries past the newest [`DELIVERIES_KEPT`] of their webhook, push
//! jobs left [`PUSH_JOB_RETENTION`] after they were enqueued, and, when the
//! operator asks for it, events older than a configured age.

use time::Duration;

/// Deliveries kept per webhook: what its delivery list shows (docs/api.md §8).
pub const DELIVERIES_KEPT: u32 = 100;

/// How long a push job may stay once enqueued (delivered and given-up jobs are
/// deleted at once by the push worker; this removes any the worker left).
pub const PUSH_JOB_RETENTION: Duration = Duration::days(1);

/// Rows one removal statement deletes at the most, so that no run holds its locks
/// for long.
pub const BATCH: u32 = 50;

/// One kind of row a retention pass removes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Retained {
    /// Idempotency records past [`crate::idempotency::RETENTION`].
    IdempotencyKeys,
    /// Settled deliveries beyond the newest [`DELIVERIES_KEPT`] of each webhook.
    WebhookDeliveries,
    /// Push jobs enqueued more than [`PUSH_JOB_RETENTION`] ago.
    PushJobs,
    /// Events older than this age (kept while a delivery refers to them).
    Events(Duration),
}

impl Retained {
    /// The name logs use.
    pub fn name(self) -> &'static str {
        match self {
            Retained::IdempotencyKeys => "idempotency_keys",
            Retained::WebhookDeliveries => "webhook_deliveries",
            Retained::PushJobs => "push_jobs",
            Retained::Events(_) => "pass_events",
        }
    }
}
