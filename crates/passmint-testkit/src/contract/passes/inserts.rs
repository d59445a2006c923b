//! Inserting and reading passes: unique constraints, idempotency completion, lookups.

use super::support::{all_events, all_passes, assert_insert_refused};

use crate::contract::{
    assert_begin, assert_key_lost, assert_not_found, assert_pass, assert_replays, begun, first,
    seed_owned_pass, seed_owner, seed_pass, seed_rivals, seed_template, stale,
};
use crate::fixtures;
use passmint_domain::event::EventType;
use passmint_domain::idempotency::{IdemBegin, IdemTicket};
use passmint_domain::mode::Mode;
use passmint_domain::ports::Store;
use std::sync::Arc;

/// An inserted pass reads back equal, and its `created` event is stored with it.
pub async fn insert_and_get_pass(factory: impl AsyncFn() -> Arc<dyn Store>) {
    let store = factory().await;
    let (account, template) = seed_owner(&*store).await;
    let mut pass = fixtures::pass(&account, Mode::Live, &template);
    pass.holder_email = None;
    pass.holder_name = None;
    pass.field_values.clear();
    pass.created_via_api = false;
    let event = fixtures::event(&pass, EventType::Created);
    store
        .insert_pass(&pass, &event, None)
        .await
        .expect("insert_pass");
    let (full, full_event) = seed_pass(&*store, &account, Mode::Live, &template).await;
    for p in [&pass, &full] {
        let what = "an inserted pass reads back equal";
        assert_pass(&*store, p, what).await;
    }
    let page = store
        .list_events(&pass.scope(), Some(&pass.id), &first(10))
        .await
        .expect("list_events of the pass");
    assert_eq!(
        page.data,
        vec![event.clone()],
        "the created event of the pass"
    );
    assert_eq!(
        all_events(&*store, &pass.scope()).await,
        vec![full_event, event]
    );
}

/// `get_pass` MUST return `NotFound` when the pass is absent or outside the scope
/// (the other mode, another account).
pub async fn get_pass_outside_scope_not_found(factory: impl AsyncFn() -> Arc<dyn Store>) {
    let store = factory().await;
    let (account, other, template) = seed_rivals(&*store).await;
    let (pass, _) = seed_pass(&*store, &account, Mode::Test, &template).await;
    let unknown = fixtures::pass(&account, Mode::Test, &template).id;
    for (scope, id, what) in [
        (
            fixtures::scope(&account, Mode::Live),
            &pass.id,
            "a test pass in live mode",
        ),
        (
            fixtures::scope(&other, Mode::Test),
            &pass.id,
            "another account's pass",
        ),
        (pass.scope(), &unknown, "an unknown id"),
    ] {
        let what = format!("get_pass of {what}");
        assert_not_found(store.get_pass(&scope, id).await, &what);
    }
}

/// `insert_pass` MUST return `Duplicate`, writing nothing, when the id exists.
pub async fn insert_pass_duplicate_id_conflicts(factory: impl AsyncFn() -> Arc<dyn Store>) {
    let store = factory().await;
    let (account, template, pass, event) = seed_owned_pass(&*store, Mode::Test).await;
    let mut dup = fixtures::pass(&account, Mode::Test, &template);
    dup.id = pass.id.clone();
    assert_insert_refused(&*store, &pass, &event, &dup, "an existing id").await;
}

/// `insert_pass` MUST return `Duplicate`, writing nothing, when the short id exists,
/// whatever the scope of the pass that has it (short ids are public URLs).
pub async fn insert_pass_duplicate_short_id_conflicts(factory: impl AsyncFn() -> Arc<dyn Store>) {
    let store = factory().await;
    let (account, other, template) = seed_rivals(&*store).await;
    let their_template = seed_template(&*store, &other).await;
    let (pass, event) = seed_pass(&*store, &account, Mode::Test, &template).await;
    let cases = [
        (&account, Mode::Test, &template, "an existing short id"),
        (
            &other,
            Mode::Live,
            &their_template,
            "a short id existing in another account",
        ),
    ];
    for (owner, mode, template, what) in cases {
        let mut dup = fixtures::pass(owner, mode, template);
        dup.short_id = pass.short_id.clone();
        assert_insert_refused(&*store, &pass, &event, &dup, what).await;
    }
}

/// `insert_pass` MUST return `Duplicate`, writing nothing, when the serial number
/// exists, whatever the scope of the pass that has it.
pub async fn insert_pass_duplicate_serial_conflicts(factory: impl AsyncFn() -> Arc<dyn Store>) {
    let store = factory().await;
    let (account, template, pass, event) = seed_owned_pass(&*store, Mode::Test).await;
    for (mode, what) in [
        (Mode::Test, "an existing serial number"),
        (Mode::Live, "a serial number existing in the other mode"),
    ] {
        let mut dup = fixtures::pass(&account, mode, &template);
        dup.serial_number = pass.serial_number.clone();
        assert_insert_refused(&*store, &pass, &event, &dup, what).await;
    }
}

/// `insert_pass` MUST return `IdempotencyKeyLost`, writing neither the pass nor its event, when
/// the ticket no longer holds its key.
pub async fn insert_pass_with_stale_ticket_writes_nothing(
    factory: impl AsyncFn() -> Arc<dyn Store>,
) {
    let store = factory().await;
    let (account, template) = seed_owner(&*store).await;
    let scope = fixtures::scope(&account, Mode::Test);
    let (req, ticket) = begun(&*store, &scope).await;
    let pass = fixtures::pass(&account, Mode::Test, &template);
    let event = fixtures::event(&pass, EventType::Created);
    assert_key_lost(
        store
            .insert_pass(
                &pass,
                &event,
                Some(&fixtures::completion(&stale(&ticket), 201)),
            )
            .await,
        "insert_pass with a ticket that does not hold its key",
    );
    assert_not_found(
        store.get_pass(&scope, &pass.id).await,
        "the pass of a refused insert_pass",
    );
    assert!(
        all_events(&*store, &scope).await.is_empty(),
        "a refused insert_pass writes no event"
    );
    assert_begin(
        &*store,
        &req,
        IdemBegin::InUse,
        "the key is still held by its first request",
    )
    .await;

    let unheld = IdemTicket {
        scope: scope.clone(),
        key: fixtures::idem_key(),
        lock_token: fixtures::base62(24),
    };
    assert_key_lost(
        store
            .insert_pass(&pass, &event, Some(&fixtures::completion(&unheld, 201)))
            .await,
        "insert_pass with a ticket for a key never taken",
    );
    assert!(all_passes(&*store, &scope).await.is_empty());
    assert!(all_events(&*store, &scope).await.is_empty());
}

/// `insert_pass` with a valid completion completes the record in the same
/// transaction: a later `begin` with the same fingerprint replays it.
pub async fn insert_pass_completes_idempotency(factory: impl AsyncFn() -> Arc<dyn Store>) {
    let store = factory().await;
    let (account, template) = seed_owner(&*store).await;
    let scope = fixtures::scope(&account, Mode::Live);
    let (req, ticket) = begun(&*store, &scope).await;
    let pass = fixtures::pass(&account, Mode::Live, &template);
    let event = fixtures::event(&pass, EventType::Created);
    let completion = fixtures::completion(&ticket, 201);
    store
        .insert_pass(&pass, &event, Some(&completion))
        .await
        .expect("insert_pass with a valid ticket");
    assert_eq!(store.get_pass(&scope, &pass.id).await, Ok(pass));
    assert_eq!(all_events(&*store, &scope).await, vec![event]);
    assert_replays(
        &*store,
        &req,
        &completion.response,
        "begin after insert_pass completed the key",
    )
    .await;
}

/// `find_public_pass` finds a pass of any account and mode together with its
/// template as stored, reads the latest version of each, and MUST return
/// `NotFound` for an unknown short id.
pub async fn find_public_pass_any_scope(factory: impl AsyncFn() -> Arc<dyn Store>) {
    let store = factory().await;
    let (account, template, test, _) = seed_owned_pass(&*store, Mode::Test).await;
    let (live, _) = seed_pass(&*store, &account, Mode::Live, &template).await;
    let stored = store
        .get_template(&account.id, &template.id)
        .await
        .expect("get_template");
    assert_eq!(
        store.find_public_pass(&test.short_id).await,
        Ok((test, stored.clone()))
    );
    assert_eq!(
        store.find_public_pass(&live.short_id).await,
        Ok((live.clone(), stored.clone()))
    );
    let next = fixtures::next_version(&live);
    store
        .update_pass(&next, live.version, None, None, false)
        .await
        .expect("update_pass");
    assert_eq!(
        store.find_public_pass(&live.short_id).await,
        Ok((next, stored)),
        "find_public_pass reads the latest version"
    );
    assert_not_found(
        store.find_public_pass(&fixtures::base62(12)).await,
        "find_public_pass of an unknown short id",
    );
}
