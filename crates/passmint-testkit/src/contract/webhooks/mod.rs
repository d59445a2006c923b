//! [`passmint_domain::ports::WebhookStore`], and the outbox obligation of the
//! [`passmint_domain::ports::PassStore`] writes: every event enqueues, in its own
//! transaction, one delivery per enabled webhook of its scope that subscribes to it;
//! workers claim due deliveries under exclusive, expiring leases.

mod claims;
mod crud;
mod outbox;
pub(crate) mod support;

pub use claims::*;
pub use crud::*;
pub use outbox::*;
