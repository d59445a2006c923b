//! [`passmint_domain::ports::IdempotencyStore`]: taking, completing, releasing,
//! replaying and purging keys.

use super::{
    assert_begin, assert_key_lost, assert_replays, begin_started, fresh_request, race,
    seed_account, stale,
};
use crate::fixtures;
use passmint_domain::StoreError;
use passmint_domain::idempotency::{
    IdemBegin, IdemCompletion, IdemRequest, IdemTicket, LOCK_TTL, RETENTION,
};
use passmint_domain::mode::{Mode, Scope};
use passmint_domain::ports::Store;
use std::sync::Arc;
use time::Duration;

async fn request(store: &dyn Store, mode: Mode) -> IdemRequest {
    let account = seed_account(store).await;
    fresh_request(&fixtures::scope(&account, mode))
}

/// A request of a fresh account in `mode`, begun: the request and its ticket.
async fn started(store: &dyn Store, mode: Mode) -> (IdemRequest, IdemTicket) {
    let req = request(store, mode).await;
    let ticket = begin_started(store, &req).await;
    (req, ticket)
}

/// `req` with another fingerprint and a fresh lock token.
fn other_fingerprint(req: &IdemRequest) -> IdemRequest {
    IdemRequest {
        fingerprint: fixtures::fingerprint(),
        lock_token: fixtures::base62(24),
        ..req.clone()
    }
}

/// `req` with a fresh lock token.
fn relocked(req: &IdemRequest) -> IdemRequest {
    IdemRequest {
        lock_token: fixtures::base62(24),
        ..req.clone()
    }
}

/// `req` at another time, with a fresh lock token.
fn at(req: &IdemRequest, offset: Duration) -> IdemRequest {
    IdemRequest {
        now: req.now + offset,
        ..relocked(req)
    }
}

/// Completes `ticket` with `status`, which must succeed, and returns the completion.
async fn complete(
    store: &dyn Store,
    ticket: &IdemTicket,
    status: u16,
    what: &str,
) -> IdemCompletion {
    let completion = fixtures::completion(ticket, status);
    if let Err(e) = store.complete_idempotent(&completion).await {
        panic!("{what}: {e:?}");
    }
    completion
}

/// Completes `ticket` with `status`, after which `req` replays the response.
async fn assert_completes(
    store: &dyn Store,
    ticket: &IdemTicket,
    req: &IdemRequest,
    status: u16,
    what: &str,
) {
    let completion = complete(store, ticket, status, what).await;
    let what = format!("{what}: the response replays");
    assert_replays(store, req, &completion.response, &what).await;
}

/// Releases `ticket`, which must succeed.
async fn release(store: &dyn Store, ticket: &IdemTicket, what: &str) {
    if let Err(e) = store.release_idempotent(ticket).await {
        panic!("{what}: {e:?}");
    }
}

/// A new key starts, with a ticket for it; a second begin finds it in use.
pub async fn begin_new_key_started(factory: impl AsyncFn() -> Arc<dyn Store>) {
    let store = factory().await;
    let req = request(&*store, Mode::Test).await;
    begin_started(&*store, &req).await;
    let what = "begin while the first request is in flight";
    assert_begin(&*store, &req, IdemBegin::InUse, what).await;
}

/// Of any number of concurrent `begin`s with one key exactly one MUST get `Started`
/// (the others here get `InUse`: same fingerprint, in flight).
pub async fn concurrent_begins_exactly_one_started(factory: impl AsyncFn() -> Arc<dyn Store>) {
    let store = factory().await;
    let req = request(&*store, Mode::Live).await;
    let outcomes = race(20, |_| {
        let (store, req) = (store.clone(), relocked(&req));
        async move { store.begin_idempotent(&req).await }
    })
    .await;
    let mut started = 0;
    let mut in_use = 0;
    for outcome in outcomes {
        match outcome {
            Ok(IdemBegin::Started(_)) => started += 1,
            Ok(IdemBegin::InUse) => in_use += 1,
            other => panic!("a concurrent begin: expected Started or InUse, got {other:?}"),
        }
    }
    assert_eq!(
        (started, in_use),
        (1, 19),
        "(Started, InUse) of 20 concurrent begins"
    );
}

/// After `complete`, a `begin` with the same fingerprint replays the stored status
/// and body, as often as asked.
pub async fn complete_then_replay(factory: impl AsyncFn() -> Arc<dyn Store>) {
    let store = factory().await;
    let (req, ticket) = started(&*store, Mode::Test).await;
    let mut completion = fixtures::completion(&ticket, 201);
    completion.response.body = b"{\"id\":\"pass_x\",\"bytes\":\"\xe2\x9c\x93\"}".to_vec();
    store
        .complete_idempotent(&completion)
        .await
        .expect("complete_idempotent");
    for later in [
        Duration::ZERO,
        Duration::hours(1),
        RETENTION - Duration::seconds(1),
    ] {
        let what = format!("begin {later} after completion");
        assert_replays(&*store, &at(&req, later), &completion.response, &what).await;
    }
}

/// The same key with another fingerprint gives `Mismatch` while the first request
/// is in flight, and after it completed.
pub async fn different_fingerprint_mismatch(factory: impl AsyncFn() -> Arc<dyn Store>) {
    let store = factory().await;
    let (req, ticket) = started(&*store, Mode::Test).await;
    let other = other_fingerprint(&req);
    let what = "another fingerprint while in flight";
    assert_begin(&*store, &other, IdemBegin::Mismatch, what).await;
    let expired = at(&other, LOCK_TTL + Duration::seconds(1));
    let what = "another fingerprint after the lock expired (only the same fingerprint takes over)";
    assert_begin(&*store, &expired, IdemBegin::Mismatch, what).await;
    let completion = complete(&*store, &ticket, 400, "complete_idempotent").await;
    let what = "another fingerprint after completion";
    assert_begin(&*store, &other, IdemBegin::Mismatch, what).await;
    let what = "a mismatching begin changes nothing";
    assert_replays(&*store, &req, &completion.response, what).await;
}

/// A record older than `RETENTION` MUST be treated as absent: the key starts again,
/// whatever the fingerprint, and the new request owns it.
pub async fn expired_record_treated_as_absent(factory: impl AsyncFn() -> Arc<dyn Store>) {
    let store = factory().await;
    let (req, ticket) = started(&*store, Mode::Test).await;
    complete(&*store, &ticket, 201, "complete_idempotent").await;

    let later = at(&req, RETENTION + Duration::seconds(1));
    let ticket = begin_started(&*store, &later).await;
    let what = "the expired key is held by the new request";
    assert_begin(&*store, &later, IdemBegin::InUse, what).await;
    let done = "complete_idempotent of the new request";
    assert_completes(&*store, &ticket, &later, 200, done).await;

    // An expired record with another fingerprint, and an expired in-flight one.
    let much_later = at(
        &other_fingerprint(&req),
        RETENTION * 2 + Duration::seconds(2),
    );
    begin_started(&*store, &much_later).await;
    let abandoned = request(&*store, Mode::Live).await;
    begin_started(&*store, &abandoned).await;
    let takeover = at(
        &other_fingerprint(&abandoned),
        RETENTION + Duration::seconds(1),
    );
    begin_started(&*store, &takeover).await;
}

/// A key held longer than `LOCK_TTL` without completion is taken over by a request
/// with the same fingerprint; the old ticket then no longer holds it. (The port says
/// "may"; the server relies on it to recover keys of crashed requests.)
pub async fn stale_lock_taken_over_by_same_fingerprint(factory: impl AsyncFn() -> Arc<dyn Store>) {
    let store = factory().await;
    let (req, old) = started(&*store, Mode::Test).await;
    let within = at(&req, LOCK_TTL - Duration::seconds(1));
    assert_begin(&*store, &within, IdemBegin::InUse, "begin within LOCK_TTL").await;
    let takeover = at(&req, LOCK_TTL + Duration::seconds(1));
    let new = begin_started(&*store, &takeover).await;
    let what = "the key is held again by the request that took it over";
    assert_begin(&*store, &takeover, IdemBegin::InUse, what).await;
    assert_key_lost(
        store
            .complete_idempotent(&fixtures::completion(&old, 200))
            .await,
        "complete_idempotent with the ticket of a taken-over key",
    );
    release(&*store, &old, "release_idempotent of a taken-over ticket").await;
    let what = "releasing a taken-over ticket leaves the key to its new holder";
    assert_begin(&*store, &takeover, IdemBegin::InUse, what).await;
    let done = "complete_idempotent by the new holder";
    assert_completes(&*store, &new, &req, 200, done).await;
}

/// After `release`, the key starts again (even with another fingerprint).
pub async fn release_then_begin_started(factory: impl AsyncFn() -> Arc<dyn Store>) {
    let store = factory().await;
    let (req, ticket) = started(&*store, Mode::Live).await;
    release(&*store, &ticket, "release_idempotent").await;
    let ticket = begin_started(&*store, &relocked(&req)).await;
    release(&*store, &ticket, "release_idempotent").await;
    begin_started(&*store, &other_fingerprint(&req)).await;
}

/// `release` forgets the key only if the ticket still holds it: a stale ticket
/// releases nothing, and a completed record is kept.
pub async fn release_with_stale_ticket_keeps_key(factory: impl AsyncFn() -> Arc<dyn Store>) {
    let store = factory().await;
    let (req, ticket) = started(&*store, Mode::Test).await;
    release(
        &*store,
        &stale(&ticket),
        "release_idempotent with a stale ticket",
    )
    .await;
    let what = "a stale ticket releases nothing";
    assert_begin(&*store, &req, IdemBegin::InUse, what).await;
    let completion = complete(&*store, &ticket, 201, "complete_idempotent").await;
    release(&*store, &ticket, "release_idempotent after completion").await;
    let what = "releasing a completed key keeps its record";
    assert_replays(&*store, &req, &completion.response, what).await;
}

/// `complete` MUST return `IdempotencyKeyLost` when the ticket does not hold its key (another
/// lock token, a key never taken), storing nothing.
pub async fn complete_with_wrong_token_conflicts(factory: impl AsyncFn() -> Arc<dyn Store>) {
    let store = factory().await;
    let (req, ticket) = started(&*store, Mode::Test).await;
    assert_key_lost(
        store
            .complete_idempotent(&fixtures::completion(&stale(&ticket), 200))
            .await,
        "complete_idempotent with a wrong lock token",
    );
    let what = "a refused complete stores nothing";
    assert_begin(&*store, &req, IdemBegin::InUse, what).await;
    let mut never_taken = ticket.clone();
    never_taken.key = fixtures::idem_key();
    assert_key_lost(
        store
            .complete_idempotent(&fixtures::completion(&never_taken, 200))
            .await,
        "complete_idempotent of a key never taken",
    );
    let never = IdemRequest {
        key: never_taken.key.clone(),
        ..req.clone()
    };
    begin_started(&*store, &never).await;
    let done = "complete_idempotent with the right ticket";
    assert_completes(&*store, &ticket, &req, 200, done).await;
}

/// Once completed, the ticket no longer holds the key: completing again MUST return
/// `IdempotencyKeyLost` and keeps the first response.
pub async fn complete_twice_conflicts(factory: impl AsyncFn() -> Arc<dyn Store>) {
    let store = factory().await;
    let (req, ticket) = started(&*store, Mode::Live).await;
    let first = complete(&*store, &ticket, 201, "complete_idempotent").await;
    assert_key_lost(
        store
            .complete_idempotent(&fixtures::completion(&ticket, 200))
            .await,
        "a second complete_idempotent with the same ticket",
    );
    let what = "the first response replays";
    assert_replays(&*store, &req, &first.response, what).await;
}

/// `purge` deletes the records older than the retention (completed or not), at
/// most `limit` a call, keeps the others, and returns how many it deleted.
pub async fn purge_deletes_only_expired(factory: impl AsyncFn() -> Arc<dyn Store>) {
    let store = factory().await;
    let (old_done, ticket) = started(&*store, Mode::Test).await;
    complete(&*store, &ticket, 201, "complete_idempotent").await;
    let old_pending = IdemRequest {
        key: fixtures::idem_key(),
        ..at(&old_done, Duration::minutes(1))
    };
    begin_started(&*store, &old_pending).await;
    let recent = IdemRequest {
        key: fixtures::idem_key(),
        ..at(&old_done, Duration::hours(2))
    };
    let ticket = begin_started(&*store, &recent).await;
    let recent_completion = complete(&*store, &ticket, 200, "complete_idempotent").await;

    let now = old_done.now + RETENTION + Duration::hours(1);
    assert_eq!(
        store.purge_idempotent(now, 1).await,
        Ok(1),
        "purge_idempotent deletes at most `limit` records"
    );
    assert_eq!(
        store.purge_idempotent(now, 1000).await,
        Ok(1),
        "purge_idempotent deletes the other expired record"
    );
    assert_eq!(
        store.purge_idempotent(now, 1000).await,
        Ok(0),
        "a second purge finds nothing"
    );
    let (later, what) = (
        at(&recent, Duration::hours(1)),
        "the recent record survives",
    );
    assert_replays(&*store, &later, &recent_completion.response, what).await;
    // The purged keys are free, even for a `now` within their old retention.
    begin_started(&*store, &old_done).await;
    begin_started(&*store, &relocked(&old_pending)).await;
}

/// Scope is (account, mode, key): the same key in the other mode or another account
/// is independent.
pub async fn scope_isolation(factory: impl AsyncFn() -> Arc<dyn Store>) {
    let store = factory().await;
    let account = seed_account(&*store).await;
    let other = seed_account(&*store).await;
    let key = fixtures::idem_key();
    let fingerprint = fixtures::fingerprint();
    let now = fixtures::timestamp();
    let scopes: Vec<Scope> = vec![
        fixtures::scope(&account, Mode::Test),
        fixtures::scope(&account, Mode::Live),
        fixtures::scope(&other, Mode::Test),
        fixtures::scope(&other, Mode::Live),
    ];
    let test_req = fixtures::idem_request(&scopes[0], &key, &fingerprint, now);
    let ticket = begin_started(&*store, &test_req).await;
    let completion = complete(&*store, &ticket, 201, "complete_idempotent").await;
    for scope in &scopes[1..] {
        let req = fixtures::idem_request(scope, &key, &fingerprint, now);
        begin_started(&*store, &req).await;
        let mismatching = fixtures::idem_request(scope, &key, &fixtures::fingerprint(), now);
        let what = "another fingerprint in a scope of its own";
        assert_begin(&*store, &mismatching, IdemBegin::Mismatch, what).await;
    }
    // A ticket of one scope cannot complete the same key in another.
    let mut foreign = ticket.clone();
    foreign.scope = scopes[1].clone();
    assert!(matches!(
        store
            .complete_idempotent(&fixtures::completion(&foreign, 200))
            .await,
        Err(StoreError::IdempotencyKeyLost)
    ));
    let what = "the first scope's response replays";
    assert_replays(&*store, &test_req, &completion.response, what).await;
}
