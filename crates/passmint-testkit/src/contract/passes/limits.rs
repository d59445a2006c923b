//! The live pass limit.

use super::support::{all_events, all_passes, assert_limit_reached, try_insert};

use crate::contract::{
    assert_begin, assert_duplicate, assert_key_lost, assert_not_found, begin, begun,
    limited_account, race,
};
use crate::contract::{insert_created, stale_completion};
use crate::fixtures;
use passmint_domain::StoreError;
use passmint_domain::idempotency::IdemBegin;
use passmint_domain::mode::Mode;
use passmint_domain::ports::Store;
use std::sync::Arc;

/// `insert_pass` MUST count live passes against `live_pass_limit` and refuse the
/// one beyond it with `LimitReached`, writing nothing; test passes and other
/// accounts are not limited; a limit of 0 refuses every live pass.
pub async fn live_pass_limit_refuses_beyond_limit(factory: impl AsyncFn() -> Arc<dyn Store>) {
    let store = factory().await;
    let (account, template) = limited_account(&*store, Some(2)).await;
    let live = fixtures::scope(&account, Mode::Live);
    let a = fixtures::pass(&account, Mode::Live, &template);
    let b = fixtures::pass(&account, Mode::Live, &template);
    try_insert(&*store, &a).await.expect("first live pass");
    try_insert(&*store, &b).await.expect("second live pass");
    let c = fixtures::pass(&account, Mode::Live, &template);
    assert_limit_reached(try_insert(&*store, &c).await, "a third live pass, limit 2");
    assert_not_found(
        store.get_pass(&live, &c.id).await,
        "the pass refused for the limit",
    );
    assert_eq!(
        all_events(&*store, &live).await.len(),
        2,
        "a pass refused for the limit writes no event"
    );
    for _ in 0..3 {
        let test = fixtures::pass(&account, Mode::Test, &template);
        try_insert(&*store, &test)
            .await
            .expect("test passes are never limited");
    }
    // Voiding does not give the room back.
    let mut voided = fixtures::next_version(&a);
    voided.voided_at = Some(fixtures::timestamp());
    store
        .update_pass(&voided, a.version, None, None, false)
        .await
        .expect("void");
    let d = fixtures::pass(&account, Mode::Live, &template);
    assert_limit_reached(
        try_insert(&*store, &d).await,
        "a live pass after voiding one",
    );

    let (unlimited, t2) = limited_account(&*store, None).await;
    for _ in 0..4 {
        try_insert(&*store, &fixtures::pass(&unlimited, Mode::Live, &t2))
            .await
            .expect("an account without a limit is not limited");
    }
    let (zero, t3) = limited_account(&*store, Some(0)).await;
    assert_limit_reached(
        try_insert(&*store, &fixtures::pass(&zero, Mode::Live, &t3)).await,
        "a live pass with a limit of 0",
    );
    try_insert(&*store, &fixtures::pass(&zero, Mode::Test, &t3))
        .await
        .expect("a test pass with a limit of 0");
}

/// A refused live insert (a duplicate serial, a stale ticket) consumes nothing of
/// the limit.
pub async fn live_pass_limit_counts_only_inserted_passes(
    factory: impl AsyncFn() -> Arc<dyn Store>,
) {
    let store = factory().await;
    let (account, template) = limited_account(&*store, Some(2)).await;
    let a = fixtures::pass(&account, Mode::Live, &template);
    try_insert(&*store, &a).await.expect("first live pass");
    let mut dup = fixtures::pass(&account, Mode::Live, &template);
    dup.serial_number = a.serial_number.clone();
    assert_duplicate(
        try_insert(&*store, &dup).await,
        "a live pass with a duplicate serial",
    );
    let scope = fixtures::scope(&account, Mode::Live);
    let (req, ticket) = begun(&*store, &scope).await;
    let stale_pass = fixtures::pass(&account, Mode::Live, &template);
    assert_key_lost(
        insert_created(&*store, &stale_pass, Some(&stale_completion(&ticket))).await,
        "a live pass with a stale ticket",
    );
    let b = fixtures::pass(&account, Mode::Live, &template);
    insert_created(&*store, &b, Some(&fixtures::completion(&ticket, 200)))
        .await
        .expect("the second live pass fits: refused inserts counted nothing");
    assert!(
        matches!(begin(&*store, &req).await, IdemBegin::Replay(_)),
        "the completion was stored with the pass"
    );
    assert_limit_reached(
        try_insert(&*store, &fixtures::pass(&account, Mode::Live, &template)).await,
        "a third live pass, limit 2",
    );
    // A ticket-completing insert over the limit completes nothing.
    let (req, ticket) = begun(&*store, &scope).await;
    let over = fixtures::pass(&account, Mode::Live, &template);
    assert_limit_reached(
        insert_created(&*store, &over, Some(&fixtures::completion(&ticket, 200))).await,
        "a completing live pass over the limit",
    );
    assert_begin(
        &*store,
        &req,
        IdemBegin::InUse,
        "the refused insert did not complete the key",
    )
    .await;
}

/// Of many concurrent live inserts with room for 3, exactly 3 succeed and the
/// others get `LimitReached`.
pub async fn concurrent_live_inserts_respect_limit(factory: impl AsyncFn() -> Arc<dyn Store>) {
    let store = factory().await;
    let (account, template) = limited_account(&*store, Some(3)).await;
    let outcomes = race(10, |_| {
        let (store, pass) = (
            store.clone(),
            fixtures::pass(&account, Mode::Live, &template),
        );
        async move { try_insert(&*store, &pass).await }
    })
    .await;
    let mut ok = 0;
    for outcome in outcomes {
        match outcome {
            Ok(_) => ok += 1,
            Err(StoreError::LimitReached) => {}
            Err(e) => panic!("a concurrent live insert_pass: expected LimitReached, got {e:?}"),
        }
    }
    assert_eq!(
        ok, 3,
        "exactly `live_pass_limit` concurrent live inserts succeed"
    );
    assert_eq!(
        all_passes(&*store, &fixtures::scope(&account, Mode::Live))
            .await
            .len(),
        3
    );
}
