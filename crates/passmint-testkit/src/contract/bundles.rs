//! [`BundleStore`](passmint_domain::ports::BundleStore): bundles of passes.

use crate::contract::{
    assert_duplicate, assert_key_lost, assert_not_found, assert_replays, begin_started,
    seed_account, seed_owner, seed_pass, seed_template, stale,
};
use crate::fixtures;
use passmint_domain::bundle::PublicBundle;
use passmint_domain::mode::Mode;
use passmint_domain::ports::Store;
use std::sync::Arc;

/// `insert_bundle` stores the bundle as given (its passes in order), and
/// `get_bundle` reads it back in its own scope only: `NotFound` in the other mode,
/// in another account, and for an unknown id.
pub async fn insert_and_get_bundle(factory: impl AsyncFn() -> Arc<dyn Store>) {
    let store = factory().await;
    let (account, template) = seed_owner(&*store).await;
    let (a, _) = seed_pass(&*store, &account, Mode::Test, &template).await;
    let (b, _) = seed_pass(&*store, &account, Mode::Test, &template).await;
    let bundle = fixtures::bundle(&account, Mode::Test, &[&b, &a]);
    store
        .insert_bundle(&bundle, None)
        .await
        .expect("insert_bundle of a fresh bundle");
    let scope = fixtures::scope(&account, Mode::Test);
    assert_eq!(
        store.get_bundle(&scope, &bundle.id).await,
        Ok(bundle.clone()),
        "get_bundle reads the bundle back, its passes in order"
    );

    assert_not_found(
        store
            .get_bundle(&fixtures::scope(&account, Mode::Live), &bundle.id)
            .await,
        "get_bundle in the other mode",
    );
    let other = seed_account(&*store).await;
    assert_not_found(
        store
            .get_bundle(&fixtures::scope(&other, Mode::Test), &bundle.id)
            .await,
        "get_bundle of another account",
    );
    let unknown = fixtures::bundle(&account, Mode::Test, &[&a]);
    assert_not_found(
        store.get_bundle(&scope, &unknown.id).await,
        "get_bundle of an unknown id",
    );
}

/// `insert_bundle` MUST return `Duplicate` (writing nothing) for an existing id or
/// short id, and `NotFound` for an unknown account.
pub async fn insert_bundle_refusals_write_nothing(factory: impl AsyncFn() -> Arc<dyn Store>) {
    let store = factory().await;
    let (account, template) = seed_owner(&*store).await;
    let (pass, _) = seed_pass(&*store, &account, Mode::Live, &template).await;
    let bundle = fixtures::bundle(&account, Mode::Live, &[&pass]);
    store
        .insert_bundle(&bundle, None)
        .await
        .expect("insert_bundle");
    let scope = fixtures::scope(&account, Mode::Live);

    let mut same_id = fixtures::bundle(&account, Mode::Live, &[&pass]);
    same_id.id = bundle.id.clone();
    assert_duplicate(
        store.insert_bundle(&same_id, None).await,
        "insert_bundle with an existing id",
    );
    let mut same_short = fixtures::bundle(&account, Mode::Live, &[&pass]);
    same_short.short_id = bundle.short_id.clone();
    assert_duplicate(
        store.insert_bundle(&same_short, None).await,
        "insert_bundle with an existing short id",
    );
    assert_not_found(
        store.get_bundle(&scope, &same_short.id).await,
        "the bundle refused for its short id",
    );
    assert_eq!(
        store.get_bundle(&scope, &bundle.id).await,
        Ok(bundle.clone()),
        "the first bundle stays as it was"
    );

    let stranger = fixtures::account();
    let orphan = fixtures::bundle(&stranger, Mode::Live, &[&pass]);
    assert_not_found(
        store.insert_bundle(&orphan, None).await,
        "insert_bundle for an unknown account",
    );
}

/// `insert_bundle` with a completion stores the answer under the key in the same
/// write; with a ticket that lost its key it MUST return `IdempotencyKeyLost` and
/// write nothing.
pub async fn insert_bundle_completes_idempotency(factory: impl AsyncFn() -> Arc<dyn Store>) {
    let store = factory().await;
    let (account, template) = seed_owner(&*store).await;
    let (pass, _) = seed_pass(&*store, &account, Mode::Test, &template).await;
    let scope = fixtures::scope(&account, Mode::Test);
    let req = fixtures::idem_request(&scope, &fixtures::idem_key(), "fp", fixtures::timestamp());
    let ticket = begin_started(&*store, &req).await;

    let lost = fixtures::bundle(&account, Mode::Test, &[&pass]);
    assert_key_lost(
        store
            .insert_bundle(&lost, Some(&fixtures::completion(&stale(&ticket), 200)))
            .await,
        "insert_bundle with a stale ticket",
    );
    assert_not_found(
        store.get_bundle(&scope, &lost.id).await,
        "the bundle of a stale ticket",
    );

    let bundle = fixtures::bundle(&account, Mode::Test, &[&pass]);
    let done = fixtures::completion(&ticket, 200);
    store
        .insert_bundle(&bundle, Some(&done))
        .await
        .expect("insert_bundle completing a ticket");
    assert_replays(
        &*store,
        &req,
        &done.response,
        "the insert completed the key",
    )
    .await;
    assert_eq!(store.get_bundle(&scope, &bundle.id).await, Ok(bundle));
}

/// `find_public_bundle` finds a bundle by its short id in any account and mode,
/// with each pass and its template in the bundle's order (templates of several
/// passes may differ), voided passes included; `NotFound` for an unknown short
/// id.
pub async fn find_public_bundle_any_scope(factory: impl AsyncFn() -> Arc<dyn Store>) {
    let store = factory().await;
    let (account, first_template) = seed_owner(&*store).await;
    let second_template = seed_template(&*store, &account).await;
    let (a, _) = seed_pass(&*store, &account, Mode::Live, &first_template).await;
    let (b, _) = seed_pass(&*store, &account, Mode::Live, &second_template).await;
    let (c, _) = seed_pass(&*store, &account, Mode::Live, &first_template).await;
    let mut voided = fixtures::next_version(&c);
    voided.voided_at = Some(fixtures::timestamp());
    store
        .update_pass(&voided, c.version, None, None, false)
        .await
        .expect("void the third pass");
    let bundle = fixtures::bundle(&account, Mode::Live, &[&b, &voided, &a]);
    store
        .insert_bundle(&bundle, None)
        .await
        .expect("insert_bundle");
    let test_bundle = fixtures::bundle(&account, Mode::Test, &[]);
    store
        .insert_bundle(&test_bundle, None)
        .await
        .expect("insert_bundle of another mode");

    assert_eq!(
        store.find_public_bundle(&bundle.short_id).await,
        Ok(PublicBundle {
            bundle: bundle.clone(),
            passes: vec![
                (b, second_template),
                (voided, first_template.clone()),
                (a.clone(), first_template),
            ],
        }),
        "find_public_bundle: the bundle, each pass with its template, in order"
    );
    assert_eq!(
        store
            .find_public_bundle(&test_bundle.short_id)
            .await
            .map(|found| found.bundle),
        Ok(test_bundle),
        "find_public_bundle in the other mode"
    );
    assert_not_found(
        store.find_public_bundle("nosuchbundle").await,
        "find_public_bundle of an unknown short id",
    );
    assert_not_found(
        store.find_public_bundle(&a.short_id).await,
        "find_public_bundle of a pass's short id",
    );
}
