//! The background work of `passmint serve`, each stopping with the server's
//! runtime (webhook deliveries on a thread of their own, the others on that
//! runtime): webhook deliveries ([`delivery`]), APNs pushes ([`push`]), the
//! removal of what is past its retention ([`retention`]), and the watcher that
//! makes the key cache forget revoked keys ([`revocations`]). The composition
//! root (`compose.rs`) starts them.

use passmint_domain::ports::DeliveryWaker;
use std::sync::Arc;
use tokio::sync::Notify;

pub mod delivery;
pub mod push;
pub mod retention;
pub mod revocations;

/// Wakes a worker of this process (the domain calls it after a write that
/// enqueued deliveries or pushes).
pub struct NotifyWaker(pub Arc<Notify>);

impl DeliveryWaker for NotifyWaker {
    fn wake(&self) {
        self.0.notify_one();
    }
}
