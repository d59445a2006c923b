//! The contract suites of the storage ports: one public async function per
//! obligation of `passmint_domain::ports` (every sentence with MUST, and the few
//! behaviours a caller relies on without them being spelt MUST; each such function
//! says so).
//!
//! Every function takes a factory, an async closure or `async fn` returning a fresh,
//! empty [`Store`], calls it once, and panics with a message naming the obligation
//! when the store breaks it. The functions only use the ports and satisfy the
//! referential integrity a database would enforce (a template's account, a pass's
//! template and account, an event's pass exist first). Most adapters want
//! [`crate::store_contract_tests!`], which stamps one `#[tokio::test]` per function;
//! the ones whose name starts with `concurrent_` need a multi-threaded runtime.
//!
//! Groups: [`accounts`], [`templates`], [`passes`], [`claiming`], [`events`],
//! [`idempotency`], [`signing`], [`webhooks`], [`wallet`], [`retention`].

pub mod accounts;
pub mod claiming;
pub mod events;
pub mod idempotency;
pub mod passes;
pub mod retention;
pub mod signing;
pub mod templates;
pub mod wallet;
pub mod webhooks;

use crate::fixtures;
use passmint_domain::account::Account;
use passmint_domain::error::StoreError;
use passmint_domain::event::{EventType, PassEvent};
use passmint_domain::idempotency::{IdemBegin, IdemRequest, IdemTicket};
use passmint_domain::mode::{Mode, Scope};
use passmint_domain::page::{Cursor, Page, PageRequest};
use passmint_domain::pass::Pass;
use passmint_domain::ports::{Store, StoreResult};
use passmint_domain::template::Template;
use std::fmt::Debug;
use std::sync::Arc;

/// `ping` answers on a fresh store.
pub async fn ping_answers(factory: impl AsyncFn() -> Arc<dyn Store>) {
    let store = factory().await;
    assert_eq!(store.ping().await, Ok(()), "ping on a fresh store");
}

/// Objects with an id, to compare pages by id.
pub(crate) trait HasId {
    fn id_str(&self) -> &str;
}

impl HasId for Template {
    fn id_str(&self) -> &str {
        self.id.as_str()
    }
}

impl HasId for Pass {
    fn id_str(&self) -> &str {
        self.id.as_str()
    }
}

impl HasId for PassEvent {
    fn id_str(&self) -> &str {
        self.id.as_str()
    }
}

pub(crate) fn ids<T: HasId>(items: &[T]) -> Vec<String> {
    items.iter().map(|t| t.id_str().to_owned()).collect()
}

/// The ids of a page and its `has_more`, to compare with one `assert_eq!`.
pub(crate) fn summary<T: HasId>(page: &Page<T>) -> (Vec<String>, bool) {
    (ids(&page.data), page.has_more)
}

/// The ids of `items` at these positions.
pub(crate) fn pick<T: HasId>(items: &[T], positions: &[usize]) -> Vec<String> {
    positions
        .iter()
        .map(|&i| items[i].id_str().to_owned())
        .collect()
}

pub(crate) fn first(limit: u32) -> PageRequest {
    PageRequest::first(limit)
}

pub(crate) fn after(id: &str, limit: u32) -> PageRequest {
    PageRequest {
        limit,
        cursor: Cursor::After(id.to_owned()),
    }
}

pub(crate) fn before(id: &str, limit: u32) -> PageRequest {
    PageRequest {
        limit,
        cursor: Cursor::Before(id.to_owned()),
    }
}

#[track_caller]
pub(crate) fn assert_not_found<T: Debug>(result: StoreResult<T>, what: &str) {
    assert!(
        matches!(result, Err(StoreError::NotFound)),
        "{what}: expected NotFound, got {result:?}"
    );
}

/// Asserters for each refusal a store may answer, one per `StoreError` variant.
macro_rules! refusal_asserts {
    ($($name:ident => $pattern:pat, $label:literal;)*) => {$(
        #[track_caller]
        pub(crate) fn $name<T: Debug>(result: StoreResult<T>, what: &str) {
            assert!(
                matches!(result, Err($pattern)),
                "{what}: expected {}, got {result:?}",
                $label
            );
        }
    )*};
}

refusal_asserts! {
    assert_duplicate => StoreError::Duplicate(_), "Duplicate";
    assert_changed => StoreError::VersionChanged, "VersionChanged";
    assert_key_lost => StoreError::IdempotencyKeyLost, "IdempotencyKeyLost";
    assert_lease_lost => StoreError::LeaseLost, "LeaseLost";
}

pub(crate) async fn seed_account(store: &dyn Store) -> Account {
    let account = fixtures::account();
    store
        .insert_account(&account)
        .await
        .expect("insert_account of a fresh account");
    account
}

pub(crate) async fn seed_template(store: &dyn Store, account: &Account) -> Template {
    let template = fixtures::template(account);
    store
        .insert_template(&template, None)
        .await
        .expect("insert_template of a fresh template");
    template
}

/// Inserts a fresh pass with its `created` event.
pub(crate) async fn seed_pass(
    store: &dyn Store,
    account: &Account,
    mode: Mode,
    template: &Template,
) -> (Pass, PassEvent) {
    let pass = fixtures::pass(account, mode, template);
    let event = fixtures::event(&pass, EventType::Created);
    store
        .insert_pass(&pass, &event, None)
        .await
        .expect("insert_pass of a fresh pass");
    (pass, event)
}

/// A `begin` request in `scope` with a fresh key and fingerprint, made now.
pub(crate) fn fresh_request(scope: &Scope) -> IdemRequest {
    fixtures::idem_request(
        scope,
        &fixtures::idem_key(),
        &fixtures::fingerprint(),
        fixtures::timestamp(),
    )
}

/// Seeds an account with this `live_pass_limit` and a template.
pub(crate) async fn limited_account(store: &dyn Store, limit: Option<i64>) -> (Account, Template) {
    let mut account = fixtures::account();
    account.live_pass_limit = limit;
    store
        .insert_account(&account)
        .await
        .expect("insert_account with a live pass limit");
    let template = seed_template(store, &account).await;
    (account, template)
}

/// Begins `req`, which must start, and returns its ticket.
pub(crate) async fn begin_started(store: &dyn Store, req: &IdemRequest) -> IdemTicket {
    match store.begin_idempotent(req).await {
        Ok(IdemBegin::Started(ticket)) => {
            assert_eq!(
                ticket.scope, req.scope,
                "begin_idempotent: the ticket's scope"
            );
            assert_eq!(ticket.key, req.key, "begin_idempotent: the ticket's key");
            assert_eq!(
                ticket.lock_token, req.lock_token,
                "begin_idempotent: the ticket's lock token"
            );
            ticket
        }
        other => panic!("begin_idempotent on a free key: expected Started, got {other:?}"),
    }
}

/// What `begin` answers now for `req` (with a fresh lock token).
pub(crate) async fn begin(store: &dyn Store, req: &IdemRequest) -> IdemBegin {
    let mut req = req.clone();
    req.lock_token = fixtures::base62(24);
    store
        .begin_idempotent(&req)
        .await
        .expect("begin_idempotent")
}

/// A ticket for the key of `ticket` that does not hold it (another lock token).
pub(crate) fn stale(ticket: &IdemTicket) -> IdemTicket {
    IdemTicket {
        lock_token: fixtures::base62(24),
        ..ticket.clone()
    }
}
