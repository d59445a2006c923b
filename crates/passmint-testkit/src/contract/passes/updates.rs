//! Conditional pass updates with their events and idempotency completion.

use super::support::{all_events, all_passes};

use crate::contract::stale_completion;
use crate::contract::update_with;
use crate::contract::{
    assert_begin, assert_changed, assert_key_lost, assert_not_found, assert_pass, assert_replays,
    begun, seed_owned_pass, seed_pass, seed_rivals, try_update,
};
use crate::fixtures;
use passmint_domain::event::EventType;
use passmint_domain::idempotency::IdemBegin;
use passmint_domain::mode::Mode;
use passmint_domain::ports::Store;
use std::sync::Arc;

/// `update_pass` stores the pass when the version matches, with its event.
pub async fn update_pass_with_version_and_event(factory: impl AsyncFn() -> Arc<dyn Store>) {
    let store = factory().await;
    let (_, _, pass, created) = seed_owned_pass(&*store, Mode::Test).await;

    let mut next = fixtures::next_version(&pass);
    next.field_values.insert("seat".into(), "99Z".into());
    next.holder_name = None;
    let updated = fixtures::event(&next, EventType::Updated);
    update_with(&*store, &next, pass.version, &updated)
        .await
        .expect("update_pass with the current version");
    assert_pass(&*store, &next, "the pass as stored").await;

    let mut voided = fixtures::next_version(&next);
    voided.voided_at = Some(voided.updated_at);
    let voided_event = fixtures::event(&voided, EventType::Voided);
    update_with(&*store, &voided, next.version, &voided_event)
        .await
        .expect("update_pass voiding");
    assert_pass(&*store, &voided, "the pass as stored").await;
    assert_eq!(
        all_events(&*store, &pass.scope()).await,
        vec![voided_event, updated, created]
    );
}

/// `update_pass` without an event writes the pass only.
pub async fn update_pass_without_event(factory: impl AsyncFn() -> Arc<dyn Store>) {
    let store = factory().await;
    let (_, _, pass, created) = seed_owned_pass(&*store, Mode::Live).await;
    let next = fixtures::next_version(&pass);
    store
        .update_pass(&next, pass.version, None, None, false)
        .await
        .expect("update_pass without an event");
    assert_pass(&*store, &next, "the pass as stored").await;
    assert_eq!(all_events(&*store, &pass.scope()).await, vec![created]);
}

/// `update_pass` MUST return `VersionChanged`, writing nothing (no pass change, no event),
/// when the version moved.
pub async fn update_pass_stale_version_conflicts(factory: impl AsyncFn() -> Arc<dyn Store>) {
    let store = factory().await;
    let (_, _, pass, created) = seed_owned_pass(&*store, Mode::Test).await;
    let next = fixtures::next_version(&pass);
    let updated = fixtures::event(&next, EventType::Updated);
    update_with(&*store, &next, pass.version, &updated)
        .await
        .expect("update_pass");

    let mut lost = fixtures::next_version(&pass);
    lost.holder_email = Some("lost@example.com".into());
    let lost_event = fixtures::event(&lost, EventType::Updated);
    assert_changed(
        update_with(&*store, &lost, pass.version, &lost_event).await,
        "update_pass with a stale expected_version",
    );
    assert_changed(
        store
            .update_pass(&lost, next.version + 1, Some(&lost_event), None, false)
            .await,
        "update_pass with a future expected_version",
    );
    assert_pass(&*store, &next, "the pass as stored").await;
    assert_eq!(
        all_events(&*store, &pass.scope()).await,
        vec![updated, created],
        "a conflicting update_pass writes no event"
    );
}

/// `update_pass` MUST return `NotFound` when the pass is absent, also when it exists
/// only in another scope (which stays untouched).
pub async fn update_pass_missing_or_other_scope_not_found(
    factory: impl AsyncFn() -> Arc<dyn Store>,
) {
    let store = factory().await;
    let (account, other, template) = seed_rivals(&*store).await;

    let ghost = fixtures::pass(&account, Mode::Test, &template);
    let ghost_next = fixtures::next_version(&ghost);
    assert_not_found(
        try_update(&*store, &ghost_next, ghost.version, false).await,
        "update_pass of an absent pass",
    );
    assert!(all_passes(&*store, &ghost.scope()).await.is_empty());
    assert!(all_events(&*store, &ghost.scope()).await.is_empty());

    let (pass, created) = seed_pass(&*store, &account, Mode::Test, &template).await;
    for (what, scope) in [
        ("in the other mode", fixtures::scope(&account, Mode::Live)),
        ("in another account", fixtures::scope(&other, Mode::Test)),
    ] {
        let mut moved = fixtures::next_version(&pass);
        moved.account_id = scope.account_id.clone();
        moved.mode = scope.mode;
        assert_not_found(
            try_update(&*store, &moved, pass.version, false).await,
            &format!("update_pass of a pass that exists only {what}"),
        );
        assert!(all_events(&*store, &scope).await.is_empty());
    }
    assert_pass(&*store, &pass, "the pass as stored").await;
    assert_eq!(all_events(&*store, &pass.scope()).await, vec![created]);
}

/// `update_pass` MUST return `IdempotencyKeyLost`, writing neither the pass nor the event, when
/// the ticket no longer holds its key.
pub async fn update_pass_with_stale_ticket_writes_nothing(
    factory: impl AsyncFn() -> Arc<dyn Store>,
) {
    let store = factory().await;
    let (_, _, pass, created) = seed_owned_pass(&*store, Mode::Test).await;
    let (req, ticket) = begun(&*store, &pass.scope()).await;
    let next = fixtures::next_version(&pass);
    let updated = fixtures::event(&next, EventType::Updated);
    assert_key_lost(
        store
            .update_pass(
                &next,
                pass.version,
                Some(&updated),
                Some(&stale_completion(&ticket)),
                false,
            )
            .await,
        "update_pass with a ticket that does not hold its key",
    );
    assert_pass(&*store, &pass, "the pass as stored").await;
    assert_eq!(
        all_events(&*store, &pass.scope()).await,
        vec![created.clone()],
        "a refused update_pass writes no event"
    );

    assert_changed(
        store
            .update_pass(
                &next,
                pass.version + 1,
                Some(&updated),
                Some(&fixtures::completion(&ticket, 200)),
                false,
            )
            .await,
        "update_pass with a valid ticket but a stale version",
    );
    assert_begin(
        &*store,
        &req,
        IdemBegin::InUse,
        "a refused update_pass does not complete the key",
    )
    .await;
    assert_eq!(all_events(&*store, &pass.scope()).await, vec![created]);
}

/// `update_pass` with a valid completion completes the record in the same
/// transaction.
pub async fn update_pass_completes_idempotency(factory: impl AsyncFn() -> Arc<dyn Store>) {
    let store = factory().await;
    let (_, _, pass, _) = seed_owned_pass(&*store, Mode::Live).await;
    let (req, ticket) = begun(&*store, &pass.scope()).await;
    let completion = fixtures::completion(&ticket, 200);
    let next = fixtures::next_version(&pass);
    store
        .update_pass(
            &next,
            pass.version,
            Some(&fixtures::event(&next, EventType::Updated)),
            Some(&completion),
            false,
        )
        .await
        .expect("update_pass with a valid ticket");
    assert_pass(&*store, &next, "the pass as stored").await;
    assert_replays(
        &*store,
        &req,
        &completion.response,
        "the stored response replays",
    )
    .await;
}
