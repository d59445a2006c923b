//! [`passmint_domain::ports::PassStore`]'s events: `insert_event` and `list_events`.

use super::{
    PageCases, after, assert_not_found, before, cursors_on, first, pick, seed_owner, seed_pass,
    seed_rivals, seed_template, summary,
};
use crate::fixtures;
use passmint_domain::event::{EventType, PassEvent};
use passmint_domain::ids::PassId;
use passmint_domain::mode::{Mode, Scope};
use passmint_domain::page::{Page, PageRequest};
use passmint_domain::pass::Pass;
use passmint_domain::ports::Store;
use std::sync::Arc;

/// The events of `scope` (of one pass with `pass`) for `req`, which must list.
async fn events(
    store: &dyn Store,
    scope: &Scope,
    pass: Option<&PassId>,
    req: &PageRequest,
    what: &str,
) -> Page<PassEvent> {
    store
        .list_events(scope, pass, req)
        .await
        .unwrap_or_else(|e| panic!("list_events {what} {req:?}: {e}"))
}

async fn record(store: &dyn Store, pass: &Pass, kind: EventType) -> PassEvent {
    let event = fixtures::event(pass, kind);
    store.insert_event(&event).await.expect("insert_event");
    event
}

/// Events recorded by `insert_event` are listed with those written with their
/// passes, newest first, for the whole scope or one pass.
pub async fn insert_and_list_events(factory: impl AsyncFn() -> Arc<dyn Store>) {
    let store = factory().await;
    let (account, template) = seed_owner(&*store).await;
    let seed = async |mode| seed_pass(&*store, &account, mode, &template).await;
    let ((a, a_created), (b, b_created)) = (seed(Mode::Test).await, seed(Mode::Test).await);
    let (live, live_created) = seed(Mode::Live).await;
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
    let page = events(&*store, &scope, None, &first(10), "of the scope").await;
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

    let page = events(&*store, &scope, Some(&a.id), &first(10), "of one pass").await;
    assert_eq!(page.data, vec![a_installed, a_viewed, a_created]);
    assert!(!page.has_more);

    let page = events(
        &*store,
        &live.scope(),
        None,
        &first(10),
        "of the live scope",
    )
    .await;
    assert_eq!(page.data, vec![live_installed, live_created]);

    let what = "of a pass of another scope";
    let page = events(&*store, &scope, Some(&live.id), &first(10), what).await;
    assert!(
        page.data.is_empty(),
        "list_events of a live pass in the test scope must list nothing"
    );
}

/// Cursors on events, for the scope and for one pass, with `has_more` exact. A
/// cursor may be any event of the scope, also one of another pass.
pub async fn list_events_cursors(factory: impl AsyncFn() -> Arc<dyn Store>) {
    let store = factory().await;
    let (account, template) = seed_owner(&*store).await;
    let seed = async || seed_pass(&*store, &account, Mode::Live, &template).await;
    let ((a, a0), (b, b0)) = (seed().await, seed().await);
    // e, oldest first: a0 b0 a2 b3 a4 a5 b6
    let mut e = vec![a0, b0];
    e.push(record(&*store, &a, EventType::UrlViewed).await);
    e.push(record(&*store, &b, EventType::Downloaded).await);
    e.push(record(&*store, &a, EventType::Downloaded).await);
    e.push(record(&*store, &a, EventType::Installed).await);
    e.push(record(&*store, &b, EventType::Removed).await);
    let scope = a.scope();
    let id = |i: usize| e[i].id.as_str();
    // Per list: (page request, the events it lists newest first, has_more).
    let cases: PageCases<Option<&PassId>> = vec![
        (
            "scope",
            None,
            vec![
                (first(3), &[6, 5, 4], true),
                (after(id(4), 3), &[3, 2, 1], true),
                (after(id(3), 3), &[2, 1, 0], false),
                (before(id(0), 3), &[3, 2, 1], true),
                (before(id(3), 3), &[6, 5, 4], false),
                (before(id(5), 3), &[6], false),
            ],
        ),
        (
            "pass a",
            Some(&a.id),
            vec![
                (first(2), &[5, 4], true),
                (after(id(4), 2), &[2, 0], false),
                (before(id(0), 2), &[4, 2], true),
                (before(id(2), 2), &[5, 4], false),
                // A cursor on an event of b.
                (after(id(3), 10), &[2, 0], false),
            ],
        ),
        (
            "pass b",
            Some(&b.id),
            vec![
                (first(3), &[6, 3, 1], false),
                (after(id(6), 1), &[3], true),
                // A cursor on an event of a.
                (before(id(2), 1), &[3], true),
            ],
        ),
    ];
    for (what, pass, pages) in cases {
        for (req, positions, has_more) in pages {
            let page = events(&*store, &scope, pass, &req, what).await;
            assert_eq!(
                summary(&page),
                (pick(&e, positions), has_more),
                "list_events {what} {req:?}: (ids newest first, has_more)"
            );
        }
    }
}

/// A cursor that is not an event of the scope (the other mode, another account,
/// unknown) MUST give `NotFound`.
pub async fn list_events_cursor_errors(factory: impl AsyncFn() -> Arc<dyn Store>) {
    let store = factory().await;
    let (account, other, template) = seed_rivals(&*store).await;
    let their_template = seed_template(&*store, &other).await;
    let (pass, _) = seed_pass(&*store, &account, Mode::Test, &template).await;
    let (_, live_event) = seed_pass(&*store, &account, Mode::Live, &template).await;
    let (_, their_event) = seed_pass(&*store, &other, Mode::Test, &their_template).await;
    let unknown = fixtures::event(&pass, EventType::Updated);
    let scope = pass.scope();
    let mut cursors = cursors_on(&[
        ("a live event", live_event.id.as_str()),
        ("another account's event", their_event.id.as_str()),
        ("unknown id", unknown.id.as_str()),
    ]);
    cursors.push(("after(a pass id)".into(), after(pass.id.as_str(), 10)));
    for (what, req) in cursors {
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
    let (account, template) = seed_owner(&*store).await;
    let seed = async || seed_pass(&*store, &account, Mode::Test, &template).await;
    let ((a, a_created), (b, _)) = (seed().await, seed().await);
    let batch = vec![
        fixtures::event(&a, EventType::UrlViewed),
        fixtures::event(&b, EventType::Downloaded),
        fixtures::event(&a, EventType::Downloaded),
    ];
    store.insert_events(&batch).await.expect("insert_events");
    store.insert_events(&[]).await.expect("an empty batch");
    let page = events(&*store, &a.scope(), Some(&a.id), &first(10), "of a").await;
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
    let page = events(&*store, &a.scope(), None, &first(20), "of the scope").await;
    assert!(
        !page.data.iter().any(|e| e.id == fresh.id),
        "a refused batch writes nothing"
    );
}
