//! The use cases. Each takes the caller's identity (account, mode), validates, and
//! performs its writes through one port call, so that a change, its event and its
//! idempotency record are committed together or not at all.

use crate::account::ApiKey;
use crate::design::Design;
use crate::error::{DomainError, StoreError};
use crate::idempotency::StoredResponse;
use crate::ids::{AccountId, ApiKeyId, ID_BODY_LEN};
use crate::mode::{Mode, Scope};
use crate::page::{Cursor, PageRequest};
use crate::pass::Pass;
use crate::ports::{Clock, DeliveryWaker, IdGen, Store};
use crate::template::{AppleStyle, TemplateType};
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Arc;

mod accounts;
mod bundles;
mod events;
mod health;
mod idempotency;
mod passes;
mod retention;
mod signing;
mod template_cache;
mod templates;
mod wallet;
mod webhooks;

pub use bundles::NewBundle;
pub use template_cache::{IssueTemplate, TEMPLATE_CACHE_CAPACITY, TemplateCache};
pub use webhooks::{NewWebhook, WebhookPatch};

/// Length of a pass's public slug (about 71 bits: unguessable).
pub const SHORT_ID_LEN: usize = 12;
pub const SERIAL_LEN: usize = 24;
pub const AUTH_TOKEN_LEN: usize = 32;
/// Attempts of an optimistic update before giving up.
const UPDATE_ATTEMPTS: usize = 8;
/// Devices that may register for one pass unless configured (docs/api.md §7).
pub const DEFAULT_MAX_DEVICES_PER_PASS: u32 = 20;

/// Who is calling: resolved from an API key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Principal {
    pub account_id: AccountId,
    pub mode: Mode,
    pub key_id: ApiKeyId,
}

impl Principal {
    pub fn scope(&self) -> Scope {
        Scope::new(self.account_id.clone(), self.mode)
    }
}

pub struct NewTemplate {
    pub name: String,
    pub kind: TemplateType,
    pub apple_style: AppleStyle,
    pub design: Design,
}

#[derive(Default)]
pub struct TemplatePatch {
    pub name: Option<String>,
    pub design: Option<Design>,
    pub archived: Option<bool>,
}

pub struct NewPass {
    pub template_id: String,
    pub holder_email: Option<String>,
    pub holder_name: Option<String>,
    pub field_values: BTreeMap<String, String>,
    pub metadata: Map<String, Value>,
}

/// A PATCH of a pass. `None` values remove the metadata key or reset the field to
/// the design's default.
#[derive(Default)]
pub struct PassPatch {
    pub field_values: Option<BTreeMap<String, Option<String>>>,
    pub metadata: Option<Map<String, Value>>,
}

/// What [`Passmint::issue_pass_claiming`] did.
#[derive(Debug)]
pub enum ClaimedIssue {
    /// Issued under the new key, which is stored completed with `response` (send it
    /// as is).
    Issued {
        pass: Box<Pass>,
        response: StoredResponse,
    },
    /// Nothing was written: the key exists, the request is invalid, the template
    /// changed, the limit is reached... Run the request the usual way
    /// ([`Passmint::begin_idempotent`], then [`Passmint::issue_pass`]), which
    /// answers each of these cases.
    Fallback,
}

/// A freshly minted API key: the only moment its secret exists outside the caller.
pub struct MintedKey {
    pub key: String,
    pub record: ApiKey,
}

/// The Passmint use cases over a store, a clock and an id generator.
#[derive(Clone)]
pub struct Passmint {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    ids: Arc<dyn IdGen>,
    waker: Option<Arc<dyn DeliveryWaker>>,
    push_waker: Option<Arc<dyn DeliveryWaker>>,
    /// Shared by the clones: one cache per process (or per `Passmint::new`).
    templates: Arc<TemplateCache>,
    /// Most devices registered for one pass.
    max_devices_per_pass: u32,
}

/// Runs a read-modify-write until it lands. `attempt` reads the row, decides, and
/// writes conditionally on what it read; `Ok(None)` means the write found the row
/// changed meanwhile ([`written`] turns `StoreError::VersionChanged` into it) and
/// the next attempt reads it again. After [`UPDATE_ATTEMPTS`] the caller gets an
/// internal error saying `gave_up`.
async fn retry_changed<T, F, Fut>(gave_up: &str, mut attempt: F) -> Result<T, DomainError>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Option<T>, DomainError>>,
{
    for _ in 0..UPDATE_ATTEMPTS {
        if let Some(done) = attempt().await? {
            return Ok(done);
        }
    }
    Err(DomainError::Internal(gave_up.to_owned()))
}

/// A store call whose `NotFound` is the resource's 404.
fn found<T>(
    result: Result<T, StoreError>,
    resource: &'static str,
    id: &str,
) -> Result<T, DomainError> {
    result.map_err(|e| match e {
        StoreError::NotFound => DomainError::not_found(resource, id),
        e => e.into(),
    })
}

/// The object behind a public short id, read by `find` unless the short id cannot
/// be one (empty, over 64 characters or not base62): `NotFound` of `resource`
/// either way.
async fn public_lookup<T>(
    resource: &'static str,
    short_id: &str,
    find: impl Future<Output = Result<T, StoreError>>,
) -> Result<T, DomainError> {
    if short_id.is_empty() || short_id.len() > 64 || !crate::ids::is_base62(short_id) {
        return Err(DomainError::not_found(resource, short_id));
    }
    found(find.await, resource, short_id)
}

/// A conditional write's result inside [`retry_changed`]: `VersionChanged` asks for
/// another attempt, `NotFound` is the resource's 404, a lost idempotency key its 409.
fn written<T>(
    result: Result<T, StoreError>,
    resource: &'static str,
    id: &str,
) -> Result<Option<T>, DomainError> {
    match result {
        Ok(value) => Ok(Some(value)),
        Err(StoreError::VersionChanged) => Ok(None),
        Err(StoreError::NotFound) => Err(DomainError::not_found(resource, id)),
        Err(e) => Err(e.into()),
    }
}

impl Passmint {
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>, ids: Arc<dyn IdGen>) -> Self {
        Passmint {
            store,
            clock,
            ids,
            waker: None,
            push_waker: None,
            templates: Arc::new(TemplateCache::default()),
            max_devices_per_pass: DEFAULT_MAX_DEVICES_PER_PASS,
        }
    }

    /// The same use cases, allowing at most `max` devices per pass (at least 1).
    pub fn with_max_devices_per_pass(mut self, max: u32) -> Self {
        self.max_devices_per_pass = max.max(1);
        self
    }

    /// The same use cases, telling `waker` whenever a write may have enqueued push
    /// jobs (a change that alters what devices show).
    pub fn with_push_waker(mut self, waker: Arc<dyn DeliveryWaker>) -> Self {
        self.push_waker = Some(waker);
        self
    }

    /// Wakes the push worker after a write that may have enqueued push jobs.
    fn pushed(&self) {
        if let Some(waker) = &self.push_waker {
            waker.wake();
        }
    }

    /// The templates remembered for issuing passes.
    pub fn template_cache(&self) -> &TemplateCache {
        &self.templates
    }

    /// The same use cases, telling `waker` whenever a write enqueued webhook
    /// deliveries.
    pub fn with_waker(mut self, waker: Arc<dyn DeliveryWaker>) -> Self {
        self.waker = Some(waker);
        self
    }

    /// Wakes the delivery worker when `enqueued` deliveries are waiting.
    fn enqueued(&self, enqueued: u64) {
        if enqueued > 0
            && let Some(waker) = &self.waker
        {
            waker.wake();
        }
    }

    pub fn now(&self) -> time::OffsetDateTime {
        self.clock.now()
    }

    fn body(&self) -> String {
        self.ids.base62(ID_BODY_LEN)
    }
}

fn cursor_param(page: &PageRequest) -> Option<(&'static str, &str)> {
    match &page.cursor {
        Cursor::First => None,
        Cursor::After(id) => Some(("starting_after", id)),
        Cursor::Before(id) => Some(("ending_before", id)),
    }
}

/// A cursor must name an object of the listed type.
fn check_cursor(page: &PageRequest, prefix: &str) -> Result<(), DomainError> {
    match cursor_param(page) {
        Some((param, id)) if !id.starts_with(prefix) || id.len() != prefix.len() + ID_BODY_LEN => {
            Err(DomainError::invalid_code(
                param,
                "resource_missing",
                format!("No such object: '{id}'"),
            ))
        }
        _ => Ok(()),
    }
}

fn cursor_missing(page: &PageRequest) -> impl Fn(StoreError) -> DomainError + '_ {
    move |e| match (e, cursor_param(page)) {
        (StoreError::NotFound, Some((param, id))) => {
            DomainError::invalid_code(param, "resource_missing", format!("No such object: '{id}'"))
        }
        (e, _) => e.into(),
    }
}
