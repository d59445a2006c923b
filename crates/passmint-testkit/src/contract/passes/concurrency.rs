//! Concurrent pass writes: exactly one winner.

use super::support::{all_events, all_passes};

use crate::contract::{seed_account, seed_pass, seed_template};
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
    let account = seed_account(&*store).await;
    let template = seed_template(&*store, &account).await;
    let (pass, created) = seed_pass(&*store, &account, Mode::Test, &template).await;
    let barrier = Arc::new(tokio::sync::Barrier::new(10));
    let mut tasks = Vec::new();
    for i in 0..10 {
        let store = store.clone();
        let barrier = barrier.clone();
        let mut next = fixtures::next_version(&pass);
        next.metadata.insert("writer".into(), i.into());
        let event = fixtures::event(&next, EventType::Updated);
        let expected = pass.version;
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            let result = store
                .update_pass(&next, expected, Some(&event), None, false)
                .await;
            (next, event, result)
        }));
    }
    let mut winners = Vec::new();
    for task in tasks {
        let (next, event, result) = task.await.expect("update task");
        match result {
            Ok(_) => winners.push((next, event)),
            Err(e) => assert!(
                matches!(e, StoreError::VersionChanged),
                "a losing concurrent update_pass: expected VersionChanged, got {e:?}"
            ),
        }
    }
    assert_eq!(winners.len(), 1, "exactly one concurrent update_pass wins");
    let (next, event) = winners.remove(0);
    assert_eq!(store.get_pass(&pass.scope(), &pass.id).await, Ok(next));
    assert_eq!(
        all_events(&*store, &pass.scope()).await,
        vec![event, created]
    );
}

/// Of concurrent inserts of passes sharing a serial number, exactly one is stored,
/// with its event; the others get `Duplicate` and leave nothing.
pub async fn concurrent_inserts_same_serial_one_wins(factory: impl AsyncFn() -> Arc<dyn Store>) {
    let store = factory().await;
    let account = seed_account(&*store).await;
    let template = seed_template(&*store, &account).await;
    let serial = fixtures::base62(24);
    let barrier = Arc::new(tokio::sync::Barrier::new(10));
    let mut tasks = Vec::new();
    for _ in 0..10 {
        let store = store.clone();
        let barrier = barrier.clone();
        let mut pass = fixtures::pass(&account, Mode::Test, &template);
        pass.serial_number = serial.clone();
        let event = fixtures::event(&pass, EventType::Created);
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            let result = store.insert_pass(&pass, &event, None).await;
            (pass, event, result)
        }));
    }
    let mut winners = Vec::new();
    for task in tasks {
        let (pass, event, result) = task.await.expect("insert task");
        match result {
            Ok(_) => winners.push((pass, event)),
            Err(e) => assert!(
                matches!(e, StoreError::Duplicate(_)),
                "a losing concurrent insert_pass: expected Duplicate, got {e:?}"
            ),
        }
    }
    assert_eq!(winners.len(), 1, "exactly one concurrent insert_pass wins");
    let (pass, event) = winners.remove(0);
    let scope = pass.scope();
    assert_eq!(all_passes(&*store, &scope).await, vec![pass]);
    assert_eq!(all_events(&*store, &scope).await, vec![event]);
}
