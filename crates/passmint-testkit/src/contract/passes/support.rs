//! Helpers shared by the cases of this group.

use crate::contract::{assert_duplicate, assert_not_found, assert_pass, first, ids};
use crate::fixtures;
use passmint_domain::StoreError;
use passmint_domain::event::{EventType, PassEvent};
use passmint_domain::mode::Scope;
use passmint_domain::pass::{Pass, PassFilter};
use passmint_domain::ports::Store;

/// Every event of the scope, newest first.
pub(super) async fn all_events(store: &dyn Store, scope: &Scope) -> Vec<PassEvent> {
    let page = store
        .list_events(scope, None, &first(100))
        .await
        .expect("list_events");
    assert!(!page.has_more, "fewer than 100 events expected");
    page.data
}

/// Every pass of the scope, newest first.
pub(super) async fn all_passes(store: &dyn Store, scope: &Scope) -> Vec<Pass> {
    let page = store
        .list_passes(scope, &PassFilter::default(), &first(100))
        .await
        .expect("list_passes");
    assert!(!page.has_more, "fewer than 100 passes expected");
    page.data
}

/// Inserts `dup` (which collides with `original` on `what`) and checks the
/// `Duplicate` wrote nothing: neither the pass nor its event.
pub(super) async fn assert_insert_refused(
    store: &dyn Store,
    original: &Pass,
    original_event: &PassEvent,
    dup: &Pass,
    what: &str,
) {
    let dup_event = fixtures::event(dup, EventType::Created);
    assert_duplicate(
        store.insert_pass(dup, &dup_event, None).await,
        &format!("insert_pass with {what}"),
    );
    assert_pass(store, original, "the first pass stays as it was").await;
    if dup.id != original.id {
        assert_not_found(
            store.get_pass(&dup.scope(), &dup.id).await,
            &format!("the pass refused for {what}"),
        );
    }
    for scope in [original.scope(), dup.scope()] {
        let passes = all_passes(store, &scope).await;
        let events = all_events(store, &scope).await;
        if scope == original.scope() {
            assert_eq!(ids(&passes), ids(std::slice::from_ref(original)));
            assert_eq!(
                events,
                vec![original_event.clone()],
                "insert_pass refused for {what} wrote no event"
            );
        } else {
            assert!(
                passes.is_empty(),
                "insert_pass refused for {what} wrote a pass"
            );
            assert!(
                events.is_empty(),
                "insert_pass refused for {what} wrote an event"
            );
        }
    }
}

pub(super) async fn try_insert(store: &dyn Store, pass: &Pass) -> Result<u64, StoreError> {
    store
        .insert_pass(pass, &fixtures::event(pass, EventType::Created), None)
        .await
}

#[track_caller]
pub(super) fn assert_limit_reached(result: Result<u64, StoreError>, what: &str) {
    assert!(
        matches!(result, Err(StoreError::LimitReached)),
        "{what}: expected LimitReached, got {result:?}"
    );
}
