//! [`passmint_domain::ports::IdempotencyStore`]: taking, completing, releasing,
//! replaying and purging keys.

use super::{assert_key_lost, begin, begin_started, fresh_request, seed_account, stale};
use crate::fixtures;
use passmint_domain::StoreError;
use passmint_domain::idempotency::{IdemBegin, IdemRequest, LOCK_TTL, RETENTION};
use passmint_domain::mode::{Mode, Scope};
use passmint_domain::ports::Store;
use std::sync::Arc;
use time::Duration;

async fn request(store: &dyn Store, mode: Mode) -> IdemRequest {
    let account = seed_account(store).await;
    fresh_request(&fixtures::scope(&account, mode))
}

/// `req` with another fingerprint and a fresh lock token.
fn other_fingerprint(req: &IdemRequest) -> IdemRequest {
    IdemRequest {
        fingerprint: fixtures::fingerprint(),
        lock_token: fixtures::base62(24),
        ..req.clone()
    }
}

/// `req` at another time, with a fresh lock token.
fn at(req: &IdemRequest, offset: Duration) -> IdemRequest {
    IdemRequest {
        now: req.now + offset,
        lock_token: fixtures::base62(24),
        ..req.clone()
    }
}

/// A new key starts, with a ticket for it; a second begin finds it in use.
pub async fn begin_new_key_started(factory: impl AsyncFn() -> Arc<dyn Store>) {
    let store = factory().await;
    let req = request(&*store, Mode::Test).await;
    begin_started(&*store, &req).await;
    assert_eq!(
        begin(&*store, &req).await,
        IdemBegin::InUse,
        "begin while the first request is in flight"
    );
}

/// Of any number of concurrent `begin`s with one key exactly one MUST get `Started`
/// (the others here get `InUse`: same fingerprint, in flight).
pub async fn concurrent_begins_exactly_one_started(factory: impl AsyncFn() -> Arc<dyn Store>) {
    let store = factory().await;
    let req = request(&*store, Mode::Live).await;
    let barrier = Arc::new(tokio::sync::Barrier::new(20));
    let mut tasks = Vec::new();
    for _ in 0..20 {
        let store = store.clone();
        let barrier = barrier.clone();
        let mut req = req.clone();
        req.lock_token = fixtures::base62(24);
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            store.begin_idempotent(&req).await
        }));
    }
    let mut started = 0;
    let mut in_use = 0;
    for task in tasks {
        match task.await.expect("begin task") {
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
    let req = request(&*store, Mode::Test).await;
    let ticket = begin_started(&*store, &req).await;
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
        assert_eq!(
            begin(&*store, &at(&req, later)).await,
            IdemBegin::Replay(completion.response.clone()),
            "begin {later} after completion"
        );
    }
}

/// The same key with another fingerprint gives `Mismatch` while the first request
/// is in flight, and after it completed.
pub async fn different_fingerprint_mismatch(factory: impl AsyncFn() -> Arc<dyn Store>) {
    let store = factory().await;
    let req = request(&*store, Mode::Test).await;
    let ticket = begin_started(&*store, &req).await;
    assert_eq!(
        begin(&*store, &other_fingerprint(&req)).await,
        IdemBegin::Mismatch,
        "another fingerprint while in flight"
    );
    assert_eq!(
        begin(
            &*store,
            &at(&other_fingerprint(&req), LOCK_TTL + Duration::seconds(1))
        )
        .await,
        IdemBegin::Mismatch,
        "another fingerprint after the lock expired (only the same fingerprint takes over)"
    );
    let completion = fixtures::completion(&ticket, 400);
    store
        .complete_idempotent(&completion)
        .await
        .expect("complete_idempotent");
    assert_eq!(
        begin(&*store, &other_fingerprint(&req)).await,
        IdemBegin::Mismatch,
        "another fingerprint after completion"
    );
    assert_eq!(
        begin(&*store, &req).await,
        IdemBegin::Replay(completion.response),
        "a mismatching begin changes nothing"
    );
}

/// A record older than `RETENTION` MUST be treated as absent: the key starts again,
/// whatever the fingerprint, and the new request owns it.
pub async fn expired_record_treated_as_absent(factory: impl AsyncFn() -> Arc<dyn Store>) {
    let store = factory().await;
    let req = request(&*store, Mode::Test).await;
    let ticket = begin_started(&*store, &req).await;
    store
        .complete_idempotent(&fixtures::completion(&ticket, 201))
        .await
        .expect("complete_idempotent");

    let later = at(&req, RETENTION + Duration::seconds(1));
    let ticket = begin_started(&*store, &later).await;
    assert_eq!(begin(&*store, &later).await, IdemBegin::InUse);
    let completion = fixtures::completion(&ticket, 200);
    store
        .complete_idempotent(&completion)
        .await
        .expect("complete_idempotent of the new request");
    assert_eq!(
        begin(&*store, &later).await,
        IdemBegin::Replay(completion.response),
        "the new request's response replays"
    );

    // An expired record with another fingerprint, and an expired in-flight one.
    let much_later = at(
        &other_fingerprint(&req),
        RETENTION * 2 + Duration::seconds(2),
    );
    begin_started(&*store, &much_later).await;
    let abandoned = request(&*store, Mode::Live).await;
    begin_started(&*store, &abandoned).await;
    begin_started(
        &*store,
        &at(
            &other_fingerprint(&abandoned),
            RETENTION + Duration::seconds(1),
        ),
    )
    .await;
}

/// A key held longer than `LOCK_TTL` without completion is taken over by a request
/// with the same fingerprint; the old ticket then no longer holds it. (The port says
/// "may"; the server relies on it to recover keys of crashed requests.)
pub async fn stale_lock_taken_over_by_same_fingerprint(factory: impl AsyncFn() -> Arc<dyn Store>) {
    let store = factory().await;
    let req = request(&*store, Mode::Test).await;
    let old = begin_started(&*store, &req).await;
    assert_eq!(
        begin(&*store, &at(&req, LOCK_TTL - Duration::seconds(1))).await,
        IdemBegin::InUse,
        "begin within LOCK_TTL"
    );
    let takeover = at(&req, LOCK_TTL + Duration::seconds(1));
    let new = begin_started(&*store, &takeover).await;
    assert_eq!(
        begin(&*store, &takeover).await,
        IdemBegin::InUse,
        "the key is held again by the request that took it over"
    );
    assert_key_lost(
        store
            .complete_idempotent(&fixtures::completion(&old, 200))
            .await,
        "complete_idempotent with the ticket of a taken-over key",
    );
    store
        .release_idempotent(&old)
        .await
        .expect("release_idempotent of a taken-over ticket");
    assert_eq!(
        begin(&*store, &takeover).await,
        IdemBegin::InUse,
        "releasing a taken-over ticket leaves the key to its new holder"
    );
    let completion = fixtures::completion(&new, 200);
    store
        .complete_idempotent(&completion)
        .await
        .expect("complete_idempotent by the new holder");
    assert_eq!(
        begin(&*store, &req).await,
        IdemBegin::Replay(completion.response)
    );
}

/// After `release`, the key starts again (even with another fingerprint).
pub async fn release_then_begin_started(factory: impl AsyncFn() -> Arc<dyn Store>) {
    let store = factory().await;
    let req = request(&*store, Mode::Live).await;
    let ticket = begin_started(&*store, &req).await;
    store
        .release_idempotent(&ticket)
        .await
        .expect("release_idempotent");
    let ticket = begin_started(
        &*store,
        &IdemRequest {
            lock_token: fixtures::base62(24),
            ..req.clone()
        },
    )
    .await;
    store
        .release_idempotent(&ticket)
        .await
        .expect("release_idempotent");
    begin_started(&*store, &other_fingerprint(&req)).await;
}

/// `release` forgets the key only if the ticket still holds it: a stale ticket
/// releases nothing, and a completed record is kept.
pub async fn release_with_stale_ticket_keeps_key(factory: impl AsyncFn() -> Arc<dyn Store>) {
    let store = factory().await;
    let req = request(&*store, Mode::Test).await;
    let ticket = begin_started(&*store, &req).await;
    store
        .release_idempotent(&stale(&ticket))
        .await
        .expect("release_idempotent with a stale ticket");
    assert_eq!(
        begin(&*store, &req).await,
        IdemBegin::InUse,
        "a stale ticket releases nothing"
    );
    let completion = fixtures::completion(&ticket, 201);
    store
        .complete_idempotent(&completion)
        .await
        .expect("complete_idempotent");
    store
        .release_idempotent(&ticket)
        .await
        .expect("release_idempotent after completion");
    assert_eq!(
        begin(&*store, &req).await,
        IdemBegin::Replay(completion.response),
        "releasing a completed key keeps its record"
    );
}

/// `complete` MUST return `IdempotencyKeyLost` when the ticket does not hold its key (another
/// lock token, a key never taken), storing nothing.
pub async fn complete_with_wrong_token_conflicts(factory: impl AsyncFn() -> Arc<dyn Store>) {
    let store = factory().await;
    let req = request(&*store, Mode::Test).await;
    let ticket = begin_started(&*store, &req).await;
    assert_key_lost(
        store
            .complete_idempotent(&fixtures::completion(&stale(&ticket), 200))
            .await,
        "complete_idempotent with a wrong lock token",
    );
    assert_eq!(
        begin(&*store, &req).await,
        IdemBegin::InUse,
        "a refused complete stores nothing"
    );
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
    let completion = fixtures::completion(&ticket, 200);
    store
        .complete_idempotent(&completion)
        .await
        .expect("complete_idempotent with the right ticket");
    assert_eq!(
        begin(&*store, &req).await,
        IdemBegin::Replay(completion.response)
    );
}

/// Once completed, the ticket no longer holds the key: completing again MUST return
/// `IdempotencyKeyLost` and keeps the first response.
pub async fn complete_twice_conflicts(factory: impl AsyncFn() -> Arc<dyn Store>) {
    let store = factory().await;
    let req = request(&*store, Mode::Live).await;
    let ticket = begin_started(&*store, &req).await;
    let first = fixtures::completion(&ticket, 201);
    store
        .complete_idempotent(&first)
        .await
        .expect("complete_idempotent");
    assert_key_lost(
        store
            .complete_idempotent(&fixtures::completion(&ticket, 200))
            .await,
        "a second complete_idempotent with the same ticket",
    );
    assert_eq!(
        begin(&*store, &req).await,
        IdemBegin::Replay(first.response)
    );
}

/// `purge` deletes the records older than the retention (completed or not), at
/// most `limit` a call, keeps the others, and returns how many it deleted.
pub async fn purge_deletes_only_expired(factory: impl AsyncFn() -> Arc<dyn Store>) {
    let store = factory().await;
    let old_done = request(&*store, Mode::Test).await;
    let ticket = begin_started(&*store, &old_done).await;
    store
        .complete_idempotent(&fixtures::completion(&ticket, 201))
        .await
        .expect("complete_idempotent");
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
    let recent_completion = fixtures::completion(&ticket, 200);
    store
        .complete_idempotent(&recent_completion)
        .await
        .expect("complete_idempotent");

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
    assert_eq!(
        begin(&*store, &at(&recent, Duration::hours(1))).await,
        IdemBegin::Replay(recent_completion.response),
        "the recent record survives the purge"
    );
    // The purged keys are free, even for a `now` within their old retention.
    begin_started(&*store, &old_done).await;
    begin_started(
        &*store,
        &IdemRequest {
            lock_token: fixtures::base62(24),
            ..old_pending
        },
    )
    .await;
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
    let completion = fixtures::completion(&ticket, 201);
    store
        .complete_idempotent(&completion)
        .await
        .expect("complete_idempotent");
    for scope in &scopes[1..] {
        let req = fixtures::idem_request(scope, &key, &fingerprint, now);
        begin_started(&*store, &req).await;
        let mismatching = fixtures::idem_request(scope, &key, &fixtures::fingerprint(), now);
        assert_eq!(begin(&*store, &mismatching).await, IdemBegin::Mismatch);
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
    assert_eq!(
        begin(&*store, &test_req).await,
        IdemBegin::Replay(completion.response)
    );
}
