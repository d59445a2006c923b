//! Passmint's domain: the models (accounts, API keys, templates, passes, bundles,
//! events, webhooks and their deliveries),
//! their validation, the ports (storage, clock, ids) and the use cases.
//!
//! Nothing here performs I/O or knows about HTTP, SQL or an async runtime: adapters
//! implement the [`ports`] and the server drives the [`service::Passmint`] use cases.
//! Internal tools may depend on this crate alone.

pub mod account;
pub mod bundle;
pub mod design;
pub mod error;
pub mod event;
pub mod idempotency;
pub mod ids;
pub mod mode;
pub mod page;
pub mod pass;
pub mod ports;
pub mod retention;
pub mod service;
pub mod signing;
pub mod storable;
pub mod template;
pub mod validate;
pub mod wallet;
pub mod webhook;

pub use error::{DomainError, StoreError};
pub use mode::{Mode, Scope};
