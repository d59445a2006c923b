//! [`passmint_domain::ports::PassStore`]'s events: `insert_event` and `list_events`.

use super::{
    after, assert_not_found, before, first, pick, seed_account, seed_pass, seed_template, summary,
};
use crate::fixtures;
use passmint_domain::event::{EventType, PassEvent};
use passmint_domain::mode::Mode;
use passmint_domain::pass::Pass;
use passmint_domain::ports::Store;
use std::sync::Arc;

async fn record(store: &dyn Store, pass: &Pass, kind: EventType) -> PassEvent {
    let event = fixtures::event(pass, kind);
    store.insert_event(&event).await.expect("insert_event");
    event
}

/// Events recorded by `insert_event` are listed with those written with their
/// passes, newest first, for the whole scope or one pass.
pub async fn insert_and_list_events(factory: impl AsyncFn() -> Arc<dyn Store>) {
    let store = factory().await;
    let account = seed_account(&*store).await;
    let template = seed_template(&*store, &account).await;
    let (a, a_created) = seed_pass(&*store, &account, Mode::Test, &template).await;
    let (b, b_created) = seed_pass(&*store, &account, Mode::Test, &template).await;
    let (live, live_created) = seed_pass(&*store, &account, Mode::Live, &template).await;
    let a_viewed = record(&*store, &a, EventType::UrlViewed).await;
    let b_downloaded = record(&*store, &b, EventType::Downloaded).await;
    let live_installed = record(&*store, &live, EventType::Installed).await;
    let mut a_installed = fixtures::event(&a, EventType::Installed);
    a_installed.metadata = fixtures::json_map(serde_json::json!({
        "device_library_identifier": "dli-123",
        "nested": { "list": [1, 2.5, "three", null, true] }
    }));
    store
        .insert_event(&a_installed)
        .await
        .expect("insert_event");

    let scope = a.scope();
    let page = store
        .list_events(&scope, None, &first(10))
        .await
        .expect("list_events of the scope");
    assert_eq!(
        page.data,
        vec![
            a_installed.clone(),
            b_downloaded.clone(),
            a_viewed.clone(),
            b_created.clone(),
            a_created.clone()
        ],
        "list_events of the scope, newest first"
    );
    assert!(!page.has_more);

    let page = store
        .list_events(&scope, Some(&a.id), &first(10))
        .await
        .expect("list_events of one pass");
    assert_eq!(page.data, vec![a_installed, a_viewed, a_created]);
    assert!(!page.has_more);

    let page = store
        .list_events(&live.scope(), None, &first(10))
        .await
        .expect("list_events of the live scope");
    assert_eq!(page.data, vec![live_installed, live_created]);

    let page = store
        .list_events(&scope, Some(&live.id), &first(10))
        .await
        .expect("list_events of a pass of another scope");
    assert!(
        page.data.is_empty(),
        "list_events of a live pass in the test scope must list nothing"
    );
}

/// Cursors on events, for the scope and for one pass, with `has_more` exact. A
/// cursor may be any event of the scope, also one of another pass.
pub async fn list_events_cursors(factory: impl AsyncFn() -> Arc<dyn Store>) {
    let store = factory().await;
    let account = seed_account(&*store).await;
    let template = seed_template(&*store, &account).await;
    let (a, a0) = seed_pass(&*store, &account, Mode::Live, &template).await;
    let (b, b0) = seed_pass(&*store, &account, Mode::Live, &template).await;
    // e, oldest first: a0 b0 a2 b3 a4 a5 b6
    let mut e = vec![a0, b0];
    e.push(record(&*store, &a, EventType::UrlViewed).await);
    e.push(record(&*store, &b, EventType::Downloaded).await);
    e.push(record(&*store, &a, EventType::Downloaded).await);
    e.push(record(&*store, &a, EventType::Installed).await);
    e.push(record(&*store, &b, EventType::Removed).await);
    let scope = a.scope();
    let id = |i: usize| e[i].id.as_str();
    let cases = [
        ("scope", None, first(3), pick(&e, &[6, 5, 4]), true),
        ("scope", None, after(id(4), 3), pick(&e, &[3, 2, 1]), true),
        ("scope", None, after(id(3), 3), pick(&e, &[2, 1, 0]), false),
        ("scope", None, before(id(0), 3), pick(&e, &[3, 2, 1]), true),
        ("scope", None, before(id(3), 3), pick(&e, &[6, 5, 4]), false),
        ("scope", None, before(id(5), 3), pick(&e, &[6]), false),
        ("pass a", Some(&a.id), first(2), pick(&e, &[5, 4]), true),
        (
            "pass a",
            Some(&a.id),
            after(id(4), 2),
            pick(&e, &[2, 0]),
            false,
        ),
        (
            "pass a",
            Some(&a.id),
            before(id(0), 2),
            pick(&e, &[4, 2]),
            true,
        ),
        (
            "pass a",
            Some(&a.id),
            before(id(2), 2),
            pick(&e, &[5, 4]),
            false,
        ),
        ("pass b", Some(&b.id), first(3), pick(&e, &[6, 3, 1]), false),
        ("pass b", Some(&b.id), after(id(6), 1), pick(&e, &[3]), true),
        // Cursors on events of the other pass.
        (
            "pass a, after an event of b",
            Some(&a.id),
            after(id(3), 10),
            pick(&e, &[2, 0]),
            false,
        ),
        (
            "pass b, before an event of a",
            Some(&b.id),
            before(id(2), 1),
            pick(&e, &[3]),
            true,
        ),
    ];
    for (what, pass, req, ids, has_more) in cases {
        let page = store
            .list_events(&scope, pass, &req)
            .await
            .unwrap_or_else(|err| panic!("list_events {what} {req:?}: {err}"));
        assert_eq!(
            summary(&page),
            (ids, has_more),
            "list_events {what} {req:?}: (ids newest first, has_more)"
        );
    }
}

/// A cursor that is not an event of the scope (the other mode, another account,
/// unknown) MUST give `NotFound`.
pub async fn list_events_cursor_errors(factory: impl AsyncFn() -> Arc<dyn Store>) {
    let store = factory().await;
    let account = seed_account(&*store).await;
    let other = seed_account(&*store).await;
    let template = seed_template(&*store, &account).await;
    let their_template = seed_template(&*store, &other).await;
    let (pass, _) = seed_pass(&*store, &account, Mode::Test, &template).await;
    let (_, live_event) = seed_pass(&*store, &account, Mode::Live, &template).await;
    let (_, their_event) = seed_pass(&*store, &other, Mode::Test, &their_template).await;
    let unknown = fixtures::event(&pass, EventType::Updated);
    let scope = pass.scope();
    for (what, req) in [
        ("after(a live event)", after(live_event.id.as_str(), 10)),
        ("before(a live event)", before(live_event.id.as_str(), 10)),
        (
            "after(another account's event)",
            after(their_event.id.as_str(), 10),
        ),
        (
            "before(another account's event)",
            before(their_event.id.as_str(), 10),
        ),
        ("after(unknown id)", after(unknown.id.as_str(), 10)),
        ("before(unknown id)", before(unknown.id.as_str(), 10)),
        ("after(a pass id)", after(pass.id.as_str(), 10)),
    ] {
        assert_not_found(
            store.list_events(&scope, None, &req).await,
            &format!("list_events {what}"),
        );
        assert_not_found(
            store.list_events(&scope, Some(&pass.id), &req).await,
            &format!("list_events of one pass, {what}"),
        );
    }
}

/// `insert_events` writes a batch in one transaction: listed like any event, and
/// all or none (a duplicate id or a missing pass MUST refuse the whole batch).
pub async fn insert_events_all_or_none(factory: impl AsyncFn() -> Arc<dyn Store>) {
    let store = factory().await;
    let account = seed_account(&*store).await;
    let template = seed_template(&*store, &account).await;
    let (a, a_created) = seed_pass(&*store, &account, Mode::Test, &template).await;
    let (b, _) = seed_pass(&*store, &account, Mode::Test, &template).await;
    let batch = vec![
        fixtures::event(&a, EventType::UrlViewed),
        fixtures::event(&b, EventType::Downloaded),
        fixtures::event(&a, EventType::Downloaded),
    ];
    store.insert_events(&batch).await.expect("insert_events");
    store.insert_events(&[]).await.expect("an empty batch");
    let page = store
        .list_events(&a.scope(), Some(&a.id), &first(10))
        .await
        .expect("list_events");
    assert_eq!(
        page.data,
        vec![batch[2].clone(), batch[0].clone(), a_created],
        "a batch is listed in its order, newest last"
    );

    let fresh = fixtures::event(&a, EventType::UrlViewed);
    let duplicate = vec![fresh.clone(), batch[1].clone()];
    assert!(
        matches!(
            store.insert_events(&duplicate).await,
            Err(passmint_domain::StoreError::Duplicate(_))
        ),
        "insert_events with an existing id"
    );
    let ghost = fixtures::pass(&account, Mode::Test, &template);
    let missing = vec![
        fresh.clone(),
        fixtures::event(&ghost, EventType::Downloaded),
    ];
    assert_not_found(
        store.insert_events(&missing).await,
        "insert_events for a missing pass",
    );
    let page = store
        .list_events(&a.scope(), None, &first(20))
        .await
        .expect("list_events");
    assert!(
        !page.data.iter().any(|e| e.id == fresh.id),
        "a refused batch writes nothing"
    );
}
