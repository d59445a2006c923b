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
//! Groups: [`accounts`], [`templates`], [`passes`], [`bundles`], [`claiming`], [`events`],
//! [`idempotency`], [`signing`], [`webhooks`], [`wallet`], [`retention`].

pub mod accounts;
pub mod bundles;
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
use passmint_domain::idempotency::{
    IdemBegin, IdemCompletion, IdemRequest, IdemTicket, StoredResponse,
};
use passmint_domain::mode::{Mode, Scope};
use passmint_domain::page::{Cursor, Page, PageRequest};
use passmint_domain::pass::Pass;
use passmint_domain::ports::{PoolStatus, Store, StoreResult, TemplateUpdate};
use passmint_domain::template::Template;
use std::collections::HashSet;
use std::fmt::Debug;
use std::future::Future;
use std::hash::Hash;
use std::sync::Arc;
use time::OffsetDateTime;

/// `ping` answers on a fresh store.
pub async fn ping_answers(factory: impl AsyncFn() -> Arc<dyn Store>) {
    let store = factory().await;
    assert_eq!(store.ping().await, Ok(()), "ping on a fresh store");
}

/// A store whose pool holds at most `max` connections has none open before its
/// first need (`before` says why), and `ping` opens one and gives it back.
pub async fn ping_opens_one_pooled_connection(store: &dyn Store, max: u64, before: &str) {
    let status = |open| {
        Some(PoolStatus {
            in_use: 0,
            open,
            max,
        })
    };
    assert_eq!(store.pool_status(), status(0), "{before}");
    store.ping().await.expect("ping");
    assert_eq!(store.pool_status(), status(1));
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

/// Cases of a list, per filter: a name, the filter, and each page request with the
/// positions of the items it lists, newest first, and its `has_more`.
pub(crate) type PageCases<'a, F> = Vec<(&'a str, F, Vec<(PageRequest, &'a [usize], bool)>)>;

/// Pages of 10 `after` and `before` each `(label, id)`, named `after(label)` and
/// `before(label)`.
pub(crate) fn cursors_on(ids: &[(&str, &str)]) -> Vec<(String, PageRequest)> {
    ids.iter()
        .flat_map(|&(label, id)| {
            [
                (format!("after({label})"), after(id, 10)),
                (format!("before({label})"), before(id, 10)),
            ]
        })
        .collect()
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

/// A fresh account with one template.
pub(crate) async fn seed_owner(store: &dyn Store) -> (Account, Template) {
    let account = seed_account(store).await;
    let template = seed_template(store, &account).await;
    (account, template)
}

/// Two fresh accounts, the first with one template: an owner, a stranger and the
/// owner's template.
pub(crate) async fn seed_rivals(store: &dyn Store) -> (Account, Account, Template) {
    let account = seed_account(store).await;
    let other = seed_account(store).await;
    let template = seed_template(store, &account).await;
    (account, other, template)
}

/// A fresh account and template with one pass in `mode`, with its `created` event.
pub(crate) async fn seed_owned_pass(
    store: &dyn Store,
    mode: Mode,
) -> (Account, Template, Pass, PassEvent) {
    let (account, template) = seed_owner(store).await;
    let (pass, created) = seed_pass(store, &account, mode, &template).await;
    (account, template, pass, created)
}

/// Asserts that `expected`'s pass reads back as `expected`.
pub(crate) async fn assert_pass(store: &dyn Store, expected: &Pass, what: &str) {
    let got = store.get_pass(&expected.scope(), &expected.id).await;
    assert_eq!(got, Ok(expected.clone()), "{what}");
}

/// Writes `next` over a pass expected at version `expected`, with an `updated`
/// event and no ticket, enqueuing pushes if `push`.
pub(crate) async fn try_update(
    store: &dyn Store,
    next: &Pass,
    expected: i64,
    push: bool,
) -> StoreResult<u64> {
    let event = fixtures::event(next, EventType::Updated);
    store
        .update_pass(next, expected, Some(&event), None, push)
        .await
}

/// Inserts `pass` with its `created` event, completing `idem` if given.
pub(crate) async fn insert_created(
    store: &dyn Store,
    pass: &Pass,
    idem: Option<&IdemCompletion>,
) -> StoreResult<u64> {
    let event = fixtures::event(pass, EventType::Created);
    store.insert_pass(pass, &event, idem).await
}

/// The completion of `ticket` once it no longer holds its key.
pub(crate) fn stale_completion(ticket: &IdemTicket) -> IdemCompletion {
    fixtures::completion(&stale(ticket), 200)
}

/// Writes `next` over a pass expected at version `expected` with `event`, no
/// ticket and no pushes.
pub(crate) async fn update_with(
    store: &dyn Store,
    next: &Pass,
    expected: i64,
    event: &PassEvent,
) -> StoreResult<u64> {
    store
        .update_pass(next, expected, Some(event), None, false)
        .await
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

pub(crate) use fixtures::fresh_idem_request as fresh_request;

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

/// A fresh request in `scope`, begun: the request and its ticket.
pub(crate) async fn begun(store: &dyn Store, scope: &Scope) -> (IdemRequest, IdemTicket) {
    let req = fresh_request(scope);
    let ticket = begin_started(store, &req).await;
    (req, ticket)
}

/// Asserts what `begin` answers now for `req` (with a fresh lock token).
pub(crate) async fn assert_begin(
    store: &dyn Store,
    req: &IdemRequest,
    expected: IdemBegin,
    what: &str,
) {
    assert_eq!(begin(store, req).await, expected, "{what}");
}

/// Asserts that `begin` for `req` replays `response`.
pub(crate) async fn assert_replays(
    store: &dyn Store,
    req: &IdemRequest,
    response: &StoredResponse,
    what: &str,
) {
    assert_begin(store, req, IdemBegin::Replay(response.clone()), what).await;
}

/// A ticket for the key of `ticket` that does not hold it (another lock token).
pub(crate) fn stale(ticket: &IdemTicket) -> IdemTicket {
    IdemTicket {
        lock_token: fixtures::base62(24),
        ..ticket.clone()
    }
}

/// Runs `n` tasks at once, the i-th made by `task(i)`, all started behind one
/// barrier; returns their outputs in order.
pub(crate) async fn race<T, Fut>(n: usize, mut task: impl FnMut(usize) -> Fut) -> Vec<T>
where
    Fut: Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    let barrier = Arc::new(tokio::sync::Barrier::new(n));
    let tasks: Vec<_> = (0..n)
        .map(|i| {
            let (barrier, run) = (barrier.clone(), task(i));
            tokio::spawn(async move {
                barrier.wait().await;
                run.await
            })
        })
        .collect();
    let mut outputs = Vec::with_capacity(n);
    for t in tasks {
        outputs.push(t.await.expect("a concurrent task"));
    }
    outputs
}

/// The value of the one concurrent `write` that succeeded; every other must have
/// failed with the `refusal` that `lost` accepts.
#[track_caller]
pub(crate) fn sole_winner<V, R, E: Debug>(
    outcomes: Vec<(V, Result<R, E>)>,
    lost: impl Fn(&E) -> bool,
    write: &str,
    refusal: &str,
) -> V {
    let mut won = Vec::new();
    for (value, result) in outcomes {
        match result {
            Ok(_) => won.push(value),
            Err(e) => assert!(
                lost(&e),
                "a losing concurrent {write}: expected {refusal}, got {e:?}"
            ),
        }
    }
    assert_eq!(won.len(), 1, "exactly one concurrent {write} wins");
    won.remove(0)
}

/// `update_template` of `next` over the version updated at `expected_updated_at`,
/// without an idempotency ticket or a cascade.
pub(crate) async fn replace_template(
    store: &dyn Store,
    next: &Template,
    expected_updated_at: OffsetDateTime,
) -> StoreResult<u64> {
    store
        .update_template(&TemplateUpdate {
            template: next,
            expected_updated_at,
            idem: None,
            cascade: None,
        })
        .await
}

/// Renames `template` to `name` (no cascade) and returns it as stored.
pub(crate) async fn rename_template(
    store: &dyn Store,
    template: &Template,
    name: &str,
) -> Template {
    let mut renamed = template.clone();
    renamed.name = name.into();
    renamed.updated_at = fixtures::timestamp();
    replace_template(store, &renamed, template.updated_at)
        .await
        .expect("update_template without cascade");
    renamed
}

/// Runs `n` claimers of `store` at once, each calling `claim` until it answers
/// nothing; asserts that no id was claimed twice and returns every id claimed.
pub(crate) async fn claim_concurrently<I, Fut>(
    n: usize,
    store: &Arc<dyn Store>,
    claim: impl Fn(Arc<dyn Store>) -> Fut + Clone + Send + 'static,
) -> HashSet<I>
where
    Fut: Future<Output = Vec<I>> + Send,
    I: Eq + Hash + Debug + Send + 'static,
{
    let claimers = race(n, |_| {
        let claim = claim.clone();
        let store = store.clone();
        async move {
            let mut mine = Vec::new();
            loop {
                let got = claim(store.clone()).await;
                if got.is_empty() {
                    return mine;
                }
                mine.extend(got);
            }
        }
    })
    .await;
    let mut seen = HashSet::new();
    for id in claimers.into_iter().flatten() {
        assert!(!seen.contains(&id), "{id:?} was claimed twice");
        seen.insert(id);
    }
    seen
}
