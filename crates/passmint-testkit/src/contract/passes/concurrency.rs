//! Concurrent pass writes: exactly one winner.

use super::support::{all_events, all_passes};

use crate::contract::update_with;
use crate::contract::{assert_pass, race, seed_owned_pass, seed_owner, sole_winner};
use crate::fixtures;
use passmint_domain::StoreError;
use passmint_domain::event::EventType;
use passmint_domain::mode::Mode;
use passmint_domain::ports::Store;
use std::sync::Arc;

/// Of concurrent updates expecting the same version, exactly one wins, and only its
/// event is written.
pub async fn concurrent_pass_updates_one_wins(factory: impl AsyncFn() -> Arc<dyn Store>) {
    let store = factory().await;
    let (_, _, pass, created) = seed_owned_pass(&*store, Mode::Test).await;
    let outcomes = race(10, |i| {
        let mut next = fixtures::next_version(&pass);
        next.metadata.insert("writer".into(), i.into());
        let event = fixtures::event(&next, EventType::Updated);
        let (store, expected) = (store.clone(), pass.version);
        async move {
            let result = update_with(&*store, &next, expected, &event).await;
            ((next, event), result)
        }
    })
    .await;
    let lost = |e: &StoreError| matches!(e, StoreError::VersionChanged);
    let (next, event) = sole_winner(outcomes, lost, "update_pass", "VersionChanged");
    assert_pass(&*store, &next, "the pass as stored").await;
    assert_eq!(
        all_events(&*store, &pass.scope()).await,
        vec![event, created]
    );
}

/// Of concurrent inserts of passes sharing a serial number, exactly one is stored,
/// with its event; the others get `Duplicate` and leave nothing.
pub async fn concurrent_inserts_same_serial_one_wins(factory: impl AsyncFn() -> Arc<dyn Store>) {
    let store = factory().await;
    let (account, template) = seed_owner(&*store).await;
    let serial = fixtures::base62(24);
    let outcomes = race(10, |_| {
        let mut pass = fixtures::pass(&account, Mode::Test, &template);
        pass.serial_number = serial.clone();
        let event = fixtures::event(&pass, EventType::Created);
        let store = store.clone();
        async move {
            let result = store.insert_pass(&pass, &event, None).await;
            ((pass, event), result)
        }
    })
    .await;
    let lost = |e: &StoreError| matches!(e, StoreError::Duplicate(_));
    let (pass, event) = sole_winner(outcomes, lost, "insert_pass", "Duplicate");
    let scope = pass.scope();
    assert_eq!(all_passes(&*store, &scope).await, vec![pass]);
    assert_eq!(all_events(&*store, &scope).await, vec![event]);
}
