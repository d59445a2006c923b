//! [`passmint_domain::ports::PassStore`]: passes, their unique constraints, their
//! lists and their conditional updates, each written atomically with its event and
//! its idempotency completion.

use super::{
    after, assert_conflict, assert_not_found, before, begin, begin_started, first, ids, pick,
    seed_account, seed_pass, seed_template, stale, summary,
};
use crate::fixtures;
use passmint_domain::StoreError;
use passmint_domain::event::{EventType, PassEvent};
use passmint_domain::idempotency::{IdemBegin, IdemTicket};
use passmint_domain::mode::{Mode, Scope};
use passmint_domain::page::PageRequest;
use passmint_domain::pass::{Pass, PassFilter};
use passmint_domain::ports::Store;
use std::collections::HashSet;
use std::sync::Arc;

/// Every event of the scope, newest first.
async fn all_events(store: &dyn Store, scope: &Scope) -> Vec<PassEvent> {
    let page = store
        .list_events(scope, None, &first(100))
        .await
        .expect("list_events");
    assert!(!page.has_more, "fewer than 100 events expected");
    page.data
}

/// Every pass of the scope, newest first.
async fn all_passes(store: &dyn Store, scope: &Scope) -> Vec<Pass> {
    let page = store
        .list_passes(scope, &PassFilter::default(), &first(100))
        .await
        .expect("list_passes");
    assert!(!page.has_more, "fewer than 100 passes expected");
    page.data
}

/// An inserted pass reads back equal, and its `created` event is stored with it.
pub async fn insert_and_get_pass(factory: impl AsyncFn() -> Arc<dyn Store>) {
    let store = factory().await;
    let account = seed_account(&*store).await;
    let template = seed_template(&*store, &account).await;
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
    assert_eq!(
        store.get_pass(&pass.scope(), &pass.id).await,
        Ok(pass.clone())
    );

    let (full, full_event) = seed_pass(&*store, &account, Mode::Live, &template).await;
    assert_eq!(
        store.get_pass(&full.scope(), &full.id).await,
        Ok(full.clone())
    );
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
    let account = seed_account(&*store).await;
    let other = seed_account(&*store).await;
    let template = seed_template(&*store, &account).await;
    let (pass, _) = seed_pass(&*store, &account, Mode::Test, &template).await;
    assert_not_found(
        store
            .get_pass(&fixtures::scope(&account, Mode::Live), &pass.id)
            .await,
        "get_pass of a test pass in live mode",
    );
    assert_not_found(
        store
            .get_pass(&fixtures::scope(&other, Mode::Test), &pass.id)
            .await,
        "get_pass of another account's pass",
    );
    assert_not_found(
        store
            .get_pass(
                &pass.scope(),
                &fixtures::pass(&account, Mode::Test, &template).id,
            )
            .await,
        "get_pass of an unknown id",
    );
}

/// Inserts `dup` (which collides with `original` on `what`) and checks the
/// `Conflict` wrote nothing: neither the pass nor its event.
async fn assert_insert_refused(
    store: &dyn Store,
    original: &Pass,
    original_event: &PassEvent,
    dup: &Pass,
    what: &str,
) {
    let dup_event = fixtures::event(dup, EventType::Created);
    assert_conflict(
        store.insert_pass(dup, &dup_event, None).await,
        &format!("insert_pass with {what}"),
    );
    assert_eq!(
        store.get_pass(&original.scope(), &original.id).await,
        Ok(original.clone()),
        "the first pass stays as it was"
    );
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

/// `insert_pass` MUST return `Conflict`, writing nothing, when the id exists.
pub async fn insert_pass_duplicate_id_conflicts(factory: impl AsyncFn() -> Arc<dyn Store>) {
    let store = factory().await;
    let account = seed_account(&*store).await;
    let template = seed_template(&*store, &account).await;
    let (pass, event) = seed_pass(&*store, &account, Mode::Test, &template).await;
    let mut dup = fixtures::pass(&account, Mode::Test, &template);
    dup.id = pass.id.clone();
    assert_insert_refused(&*store, &pass, &event, &dup, "an existing id").await;
}

/// `insert_pass` MUST return `Conflict`, writing nothing, when the short id exists,
/// whatever the scope of the pass that has it (short ids are public URLs).
pub async fn insert_pass_duplicate_short_id_conflicts(factory: impl AsyncFn() -> Arc<dyn Store>) {
    let store = factory().await;
    let account = seed_account(&*store).await;
    let other = seed_account(&*store).await;
    let template = seed_template(&*store, &account).await;
    let their_template = seed_template(&*store, &other).await;
    let (pass, event) = seed_pass(&*store, &account, Mode::Test, &template).await;

    let mut dup = fixtures::pass(&account, Mode::Test, &template);
    dup.short_id = pass.short_id.clone();
    assert_insert_refused(&*store, &pass, &event, &dup, "an existing short id").await;

    let mut dup = fixtures::pass(&other, Mode::Live, &their_template);
    dup.short_id = pass.short_id.clone();
    assert_insert_refused(
        &*store,
        &pass,
        &event,
        &dup,
        "a short id existing in another account",
    )
    .await;
}

/// `insert_pass` MUST return `Conflict`, writing nothing, when the serial number
/// exists, whatever the scope of the pass that has it.
pub async fn insert_pass_duplicate_serial_conflicts(factory: impl AsyncFn() -> Arc<dyn Store>) {
    let store = factory().await;
    let account = seed_account(&*store).await;
    let template = seed_template(&*store, &account).await;
    let (pass, event) = seed_pass(&*store, &account, Mode::Test, &template).await;

    let mut dup = fixtures::pass(&account, Mode::Test, &template);
    dup.serial_number = pass.serial_number.clone();
    assert_insert_refused(&*store, &pass, &event, &dup, "an existing serial number").await;

    let mut dup = fixtures::pass(&account, Mode::Live, &template);
    dup.serial_number = pass.serial_number.clone();
    assert_insert_refused(
        &*store,
        &pass,
        &event,
        &dup,
        "a serial number existing in the other mode",
    )
    .await;
}

/// `insert_pass` MUST return `Conflict`, writing neither the pass nor its event, when
/// the ticket no longer holds its key.
pub async fn insert_pass_with_stale_ticket_writes_nothing(
    factory: impl AsyncFn() -> Arc<dyn Store>,
) {
    let store = factory().await;
    let account = seed_account(&*store).await;
    let template = seed_template(&*store, &account).await;
    let scope = fixtures::scope(&account, Mode::Test);
    let req = fixtures::idem_request(
        &scope,
        &fixtures::idem_key(),
        &fixtures::fingerprint(),
        fixtures::timestamp(),
    );
    let ticket = begin_started(&*store, &req).await;
    let pass = fixtures::pass(&account, Mode::Test, &template);
    let event = fixtures::event(&pass, EventType::Created);
    assert_conflict(
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
    assert_eq!(
        begin(&*store, &req).await,
        IdemBegin::InUse,
        "the key is still held by its first request"
    );

    let unheld = IdemTicket {
        scope: scope.clone(),
        key: fixtures::idem_key(),
        lock_token: fixtures::base62(24),
    };
    assert_conflict(
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
    let account = seed_account(&*store).await;
    let template = seed_template(&*store, &account).await;
    let scope = fixtures::scope(&account, Mode::Live);
    let req = fixtures::idem_request(
        &scope,
        &fixtures::idem_key(),
        &fixtures::fingerprint(),
        fixtures::timestamp(),
    );
    let ticket = begin_started(&*store, &req).await;
    let pass = fixtures::pass(&account, Mode::Live, &template);
    let event = fixtures::event(&pass, EventType::Created);
    let completion = fixtures::completion(&ticket, 201);
    store
        .insert_pass(&pass, &event, Some(&completion))
        .await
        .expect("insert_pass with a valid ticket");
    assert_eq!(store.get_pass(&scope, &pass.id).await, Ok(pass));
    assert_eq!(all_events(&*store, &scope).await, vec![event]);
    assert_eq!(
        begin(&*store, &req).await,
        IdemBegin::Replay(completion.response),
        "begin after insert_pass completed the key"
    );
}

/// `update_pass` stores the pass when the version matches, with its event.
pub async fn update_pass_with_version_and_event(factory: impl AsyncFn() -> Arc<dyn Store>) {
    let store = factory().await;
    let account = seed_account(&*store).await;
    let template = seed_template(&*store, &account).await;
    let (pass, created) = seed_pass(&*store, &account, Mode::Test, &template).await;

    let mut next = fixtures::next_version(&pass);
    next.field_values.insert("seat".into(), "99Z".into());
    next.holder_name = None;
    let updated = fixtures::event(&next, EventType::Updated);
    store
        .update_pass(&next, pass.version, Some(&updated), None, false)
        .await
        .expect("update_pass with the current version");
    assert_eq!(
        store.get_pass(&pass.scope(), &pass.id).await,
        Ok(next.clone())
    );

    let mut voided = fixtures::next_version(&next);
    voided.voided_at = Some(voided.updated_at);
    let voided_event = fixtures::event(&voided, EventType::Voided);
    store
        .update_pass(&voided, next.version, Some(&voided_event), None, false)
        .await
        .expect("update_pass voiding");
    assert_eq!(store.get_pass(&pass.scope(), &pass.id).await, Ok(voided));
    assert_eq!(
        all_events(&*store, &pass.scope()).await,
        vec![voided_event, updated, created]
    );
}

/// `update_pass` without an event writes the pass only.
pub async fn update_pass_without_event(factory: impl AsyncFn() -> Arc<dyn Store>) {
    let store = factory().await;
    let account = seed_account(&*store).await;
    let template = seed_template(&*store, &account).await;
    let (pass, created) = seed_pass(&*store, &account, Mode::Live, &template).await;
    let next = fixtures::next_version(&pass);
    store
        .update_pass(&next, pass.version, None, None, false)
        .await
        .expect("update_pass without an event");
    assert_eq!(store.get_pass(&pass.scope(), &pass.id).await, Ok(next));
    assert_eq!(all_events(&*store, &pass.scope()).await, vec![created]);
}

/// `update_pass` MUST return `Conflict`, writing nothing (no pass change, no event),
/// when the version moved.
pub async fn update_pass_stale_version_conflicts(factory: impl AsyncFn() -> Arc<dyn Store>) {
    let store = factory().await;
    let account = seed_account(&*store).await;
    let template = seed_template(&*store, &account).await;
    let (pass, created) = seed_pass(&*store, &account, Mode::Test, &template).await;
    let next = fixtures::next_version(&pass);
    let updated = fixtures::event(&next, EventType::Updated);
    store
        .update_pass(&next, pass.version, Some(&updated), None, false)
        .await
        .expect("update_pass");

    let mut lost = fixtures::next_version(&pass);
    lost.holder_email = Some("lost@example.com".into());
    let lost_event = fixtures::event(&lost, EventType::Updated);
    assert_conflict(
        store
            .update_pass(&lost, pass.version, Some(&lost_event), None, false)
            .await,
        "update_pass with a stale expected_version",
    );
    assert_conflict(
        store
            .update_pass(&lost, next.version + 1, Some(&lost_event), None, false)
            .await,
        "update_pass with a future expected_version",
    );
    assert_eq!(store.get_pass(&pass.scope(), &pass.id).await, Ok(next));
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
    let account = seed_account(&*store).await;
    let other = seed_account(&*store).await;
    let template = seed_template(&*store, &account).await;

    let ghost = fixtures::pass(&account, Mode::Test, &template);
    let ghost_next = fixtures::next_version(&ghost);
    assert_not_found(
        store
            .update_pass(
                &ghost_next,
                ghost.version,
                Some(&fixtures::event(&ghost_next, EventType::Updated)),
                None,
                false,
            )
            .await,
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
            store
                .update_pass(
                    &moved,
                    pass.version,
                    Some(&fixtures::event(&moved, EventType::Updated)),
                    None,
                    false,
                )
                .await,
            &format!("update_pass of a pass that exists only {what}"),
        );
        assert!(all_events(&*store, &scope).await.is_empty());
    }
    assert_eq!(
        store.get_pass(&pass.scope(), &pass.id).await,
        Ok(pass.clone())
    );
    assert_eq!(all_events(&*store, &pass.scope()).await, vec![created]);
}

/// `update_pass` MUST return `Conflict`, writing neither the pass nor the event, when
/// the ticket no longer holds its key.
pub async fn update_pass_with_stale_ticket_writes_nothing(
    factory: impl AsyncFn() -> Arc<dyn Store>,
) {
    let store = factory().await;
    let account = seed_account(&*store).await;
    let template = seed_template(&*store, &account).await;
    let (pass, created) = seed_pass(&*store, &account, Mode::Test, &template).await;
    let req = fixtures::idem_request(
        &pass.scope(),
        &fixtures::idem_key(),
        &fixtures::fingerprint(),
        fixtures::timestamp(),
    );
    let ticket = begin_started(&*store, &req).await;
    let next = fixtures::next_version(&pass);
    let updated = fixtures::event(&next, EventType::Updated);
    assert_conflict(
        store
            .update_pass(
                &next,
                pass.version,
                Some(&updated),
                Some(&fixtures::completion(&stale(&ticket), 200)),
                false,
            )
            .await,
        "update_pass with a ticket that does not hold its key",
    );
    assert_eq!(
        store.get_pass(&pass.scope(), &pass.id).await,
        Ok(pass.clone())
    );
    assert_eq!(
        all_events(&*store, &pass.scope()).await,
        vec![created.clone()],
        "a refused update_pass writes no event"
    );

    assert_conflict(
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
    assert_eq!(
        begin(&*store, &req).await,
        IdemBegin::InUse,
        "a refused update_pass does not complete the key"
    );
    assert_eq!(all_events(&*store, &pass.scope()).await, vec![created]);
}

/// `update_pass` with a valid completion completes the record in the same
/// transaction.
pub async fn update_pass_completes_idempotency(factory: impl AsyncFn() -> Arc<dyn Store>) {
    let store = factory().await;
    let account = seed_account(&*store).await;
    let template = seed_template(&*store, &account).await;
    let (pass, _) = seed_pass(&*store, &account, Mode::Live, &template).await;
    let req = fixtures::idem_request(
        &pass.scope(),
        &fixtures::idem_key(),
        &fixtures::fingerprint(),
        fixtures::timestamp(),
    );
    let ticket = begin_started(&*store, &req).await;
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
    assert_eq!(store.get_pass(&pass.scope(), &pass.id).await, Ok(next));
    assert_eq!(
        begin(&*store, &req).await,
        IdemBegin::Replay(completion.response)
    );
}

/// The `template_id` and `holder_email` filters, alone and combined, with cursors.
/// A cursor may be any pass of the scope, also one the filter excludes.
pub async fn list_passes_filters_with_cursors(factory: impl AsyncFn() -> Arc<dyn Store>) {
    let store = factory().await;
    let account = seed_account(&*store).await;
    let ta = seed_template(&*store, &account).await;
    let tb = seed_template(&*store, &account).await;
    let x = "x@example.com";
    let y = "y@example.com";
    // (template, email) of each pass, oldest first.
    let plan = [
        (&ta, Some(x)),
        (&tb, Some(x)),
        (&ta, Some(y)),
        (&ta, Some(x)),
        (&tb, None),
        (&ta, Some(x)),
        (&tb, Some(y)),
        (&ta, None),
    ];
    let mut p = Vec::new();
    for (template, email) in plan {
        let mut pass = fixtures::pass(&account, Mode::Test, template);
        pass.holder_email = email.map(str::to_owned);
        let event = fixtures::event(&pass, EventType::Created);
        store
            .insert_pass(&pass, &event, None)
            .await
            .expect("insert_pass");
        p.push(pass);
    }
    let scope = fixtures::scope(&account, Mode::Test);
    let by_template = |t: &passmint_domain::template::Template| PassFilter {
        template_id: Some(t.id.clone()),
        holder_email: None,
    };
    let by_email = |e: &str| PassFilter {
        template_id: None,
        holder_email: Some(e.to_owned()),
    };
    let both = PassFilter {
        template_id: Some(ta.id.clone()),
        holder_email: Some(x.to_owned()),
    };
    let id = |i: usize| p[i].id.as_str();
    let cases: Vec<(&str, PassFilter, PageRequest, Vec<String>, bool)> = vec![
        (
            "no filter",
            PassFilter::default(),
            first(3),
            pick(&p, &[7, 6, 5]),
            true,
        ),
        (
            "template a",
            by_template(&ta),
            first(10),
            pick(&p, &[7, 5, 3, 2, 0]),
            false,
        ),
        (
            "template a",
            by_template(&ta),
            first(2),
            pick(&p, &[7, 5]),
            true,
        ),
        (
            "template a",
            by_template(&ta),
            after(id(5), 2),
            pick(&p, &[3, 2]),
            true,
        ),
        (
            "template a",
            by_template(&ta),
            after(id(3), 2),
            pick(&p, &[2, 0]),
            false,
        ),
        (
            "template a",
            by_template(&ta),
            before(id(0), 2),
            pick(&p, &[3, 2]),
            true,
        ),
        (
            "template a",
            by_template(&ta),
            before(id(2), 2),
            pick(&p, &[5, 3]),
            true,
        ),
        (
            "template a",
            by_template(&ta),
            before(id(3), 2),
            pick(&p, &[7, 5]),
            false,
        ),
        (
            "template b",
            by_template(&tb),
            first(10),
            pick(&p, &[6, 4, 1]),
            false,
        ),
        (
            "email x",
            by_email(x),
            first(10),
            pick(&p, &[5, 3, 1, 0]),
            false,
        ),
        (
            "email x",
            by_email(x),
            after(id(5), 2),
            pick(&p, &[3, 1]),
            true,
        ),
        (
            "email x",
            by_email(x),
            before(id(1), 1),
            pick(&p, &[3]),
            true,
        ),
        ("email y", by_email(y), first(10), pick(&p, &[6, 2]), false),
        (
            "template a + email x",
            both.clone(),
            first(10),
            pick(&p, &[5, 3, 0]),
            false,
        ),
        (
            "template a + email x",
            both.clone(),
            first(2),
            pick(&p, &[5, 3]),
            true,
        ),
        (
            "template a + email x",
            both.clone(),
            after(id(3), 1),
            pick(&p, &[0]),
            false,
        ),
        (
            "template a + email x",
            both.clone(),
            before(id(0), 1),
            pick(&p, &[3]),
            true,
        ),
        (
            "template a + email x",
            both.clone(),
            before(id(0), 2),
            pick(&p, &[5, 3]),
            false,
        ),
        // Cursors on passes the filter excludes.
        (
            "template a + email x, after an excluded pass",
            both.clone(),
            after(id(4), 10),
            pick(&p, &[3, 0]),
            false,
        ),
        (
            "template a + email x, before an excluded pass",
            both.clone(),
            before(id(4), 10),
            pick(&p, &[5]),
            false,
        ),
        (
            "email z",
            by_email("z@example.com"),
            first(10),
            vec![],
            false,
        ),
    ];
    for (what, filter, req, ids, has_more) in cases {
        let page = store
            .list_passes(&scope, &filter, &req)
            .await
            .unwrap_or_else(|e| panic!("list_passes {what} {req:?}: {e}"));
        assert_eq!(
            summary(&page),
            (ids, has_more),
            "list_passes {what} {req:?}: (ids newest first, has_more)"
        );
    }
}

/// Lists show only the scope's passes (mode and account isolation); a cursor that is
/// not a pass of the scope MUST give `NotFound`.
pub async fn list_passes_scope_isolation_and_cursor_errors(
    factory: impl AsyncFn() -> Arc<dyn Store>,
) {
    let store = factory().await;
    let account = seed_account(&*store).await;
    let other = seed_account(&*store).await;
    let template = seed_template(&*store, &account).await;
    let their_template = seed_template(&*store, &other).await;
    let mut test = Vec::new();
    let mut live = Vec::new();
    let mut theirs = Vec::new();
    for _ in 0..3 {
        test.push(seed_pass(&*store, &account, Mode::Test, &template).await.0);
        live.push(seed_pass(&*store, &account, Mode::Live, &template).await.0);
        theirs.push(
            seed_pass(&*store, &other, Mode::Test, &their_template)
                .await
                .0,
        );
    }
    for (what, scope, expected) in [
        ("test", fixtures::scope(&account, Mode::Test), &test),
        ("live", fixtures::scope(&account, Mode::Live), &live),
        (
            "other account",
            fixtures::scope(&other, Mode::Test),
            &theirs,
        ),
    ] {
        let newest_first: Vec<Pass> = expected.iter().rev().cloned().collect();
        assert_eq!(
            all_passes(&*store, &scope).await,
            newest_first,
            "list_passes of the {what} scope"
        );
    }
    assert!(
        all_passes(&*store, &fixtures::scope(&other, Mode::Live))
            .await
            .is_empty()
    );

    let scope = fixtures::scope(&account, Mode::Test);
    let unknown = fixtures::pass(&account, Mode::Test, &template).id;
    for (what, req) in [
        ("after(a live pass)", after(live[1].id.as_str(), 10)),
        ("before(a live pass)", before(live[1].id.as_str(), 10)),
        (
            "after(another account's pass)",
            after(theirs[1].id.as_str(), 10),
        ),
        (
            "before(another account's pass)",
            before(theirs[1].id.as_str(), 10),
        ),
        ("after(unknown id)", after(unknown.as_str(), 10)),
        ("before(unknown id)", before(unknown.as_str(), 10)),
        ("after(a template id)", after(template.id.as_str(), 10)),
    ] {
        assert_not_found(
            store
                .list_passes(&scope, &PassFilter::default(), &req)
                .await,
            &format!("list_passes {what}"),
        );
    }
}

/// 25 passes paged through with limit 10, forwards from the newest and backwards from
/// the oldest: every pass exactly once, in order, `has_more` exact on every page.
pub async fn list_passes_pages_through_25(factory: impl AsyncFn() -> Arc<dyn Store>) {
    let store = factory().await;
    let account = seed_account(&*store).await;
    let template = seed_template(&*store, &account).await;
    let other_template = seed_template(&*store, &account).await;
    let mut created = Vec::new();
    for i in 0..25 {
        created.push(seed_pass(&*store, &account, Mode::Live, &template).await.0);
        if i % 5 == 0 {
            seed_pass(&*store, &account, Mode::Live, &other_template).await;
            seed_pass(&*store, &account, Mode::Test, &template).await;
        }
    }
    let scope = fixtures::scope(&account, Mode::Live);
    let filter = PassFilter {
        template_id: Some(template.id.clone()),
        holder_email: None,
    };
    let newest_first: Vec<Pass> = created.iter().rev().cloned().collect();

    // Forwards.
    let mut seen = Vec::new();
    let mut req = first(10);
    let mut has_mores = Vec::new();
    loop {
        let page = store
            .list_passes(&scope, &filter, &req)
            .await
            .expect("list_passes forwards");
        has_mores.push(page.has_more);
        seen.extend(page.data.iter().cloned());
        if !page.has_more {
            break;
        }
        let last = page.data.last().expect("a page with has_more is not empty");
        req = after(last.id.as_str(), 10);
        assert!(has_mores.len() < 10, "paging forwards does not end");
    }
    assert_eq!(
        has_mores,
        vec![true, true, false],
        "forwards: has_more per page"
    );
    assert_eq!(
        seen, newest_first,
        "forwards: every pass once, newest first"
    );

    // Backwards, from the oldest.
    let oldest = created[0].id.as_str();
    let mut pages = Vec::new();
    let mut req = before(oldest, 10);
    loop {
        let page = store
            .list_passes(&scope, &filter, &req)
            .await
            .expect("list_passes backwards");
        let is_last = !page.has_more;
        let newest = page
            .data
            .first()
            .map(|p| p.id.to_string())
            .expect("a backwards page is not empty here");
        pages.push(page);
        if is_last {
            break;
        }
        req = before(&newest, 10);
        assert!(pages.len() < 10, "paging backwards does not end");
    }
    let has_mores: Vec<bool> = pages.iter().map(|p| p.has_more).collect();
    assert_eq!(
        has_mores,
        vec![true, true, false],
        "backwards: has_more per page"
    );
    let sizes: Vec<usize> = pages.iter().map(|p| p.data.len()).collect();
    assert_eq!(sizes, vec![10, 10, 4], "backwards: page sizes");
    let mut backwards: Vec<Pass> = pages.into_iter().rev().flat_map(|p| p.data).collect();
    backwards.push(created[0].clone());
    assert_eq!(
        backwards, newest_first,
        "backwards: every pass once, newest first"
    );

    let unique: HashSet<String> = ids(&seen).into_iter().collect();
    assert_eq!(unique.len(), 25);
}

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
                matches!(e, StoreError::Conflict(_)),
                "a losing concurrent update_pass: expected Conflict, got {e:?}"
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
/// with its event; the others get `Conflict` and leave nothing.
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
                matches!(e, StoreError::Conflict(_)),
                "a losing concurrent insert_pass: expected Conflict, got {e:?}"
            ),
        }
    }
    assert_eq!(winners.len(), 1, "exactly one concurrent insert_pass wins");
    let (pass, event) = winners.remove(0);
    let scope = pass.scope();
    assert_eq!(all_passes(&*store, &scope).await, vec![pass]);
    assert_eq!(all_events(&*store, &scope).await, vec![event]);
}

/// Seeds an account with this `live_pass_limit` and a template.
async fn limited_account(
    store: &dyn Store,
    limit: Option<i64>,
) -> (
    passmint_domain::account::Account,
    passmint_domain::template::Template,
) {
    let mut account = fixtures::account();
    account.live_pass_limit = limit;
    store
        .insert_account(&account)
        .await
        .expect("insert_account with a live pass limit");
    let template = seed_template(store, &account).await;
    (account, template)
}

async fn try_insert(store: &dyn Store, pass: &Pass) -> Result<u64, StoreError> {
    store
        .insert_pass(pass, &fixtures::event(pass, EventType::Created), None)
        .await
}

#[track_caller]
fn assert_limit_reached(result: Result<u64, StoreError>, what: &str) {
    assert!(
        matches!(result, Err(StoreError::LimitReached)),
        "{what}: expected LimitReached, got {result:?}"
    );
}

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
    assert_conflict(
        try_insert(&*store, &dup).await,
        "a live pass with a duplicate serial",
    );
    let scope = fixtures::scope(&account, Mode::Live);
    let req = fixtures::idem_request(
        &scope,
        &fixtures::idem_key(),
        &fixtures::fingerprint(),
        fixtures::timestamp(),
    );
    let ticket = begin_started(&*store, &req).await;
    let stale_pass = fixtures::pass(&account, Mode::Live, &template);
    assert_conflict(
        store
            .insert_pass(
                &stale_pass,
                &fixtures::event(&stale_pass, EventType::Created),
                Some(&fixtures::completion(&stale(&ticket), 200)),
            )
            .await,
        "a live pass with a stale ticket",
    );
    let b = fixtures::pass(&account, Mode::Live, &template);
    store
        .insert_pass(
            &b,
            &fixtures::event(&b, EventType::Created),
            Some(&fixtures::completion(&ticket, 200)),
        )
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
    let req = fixtures::idem_request(
        &scope,
        &fixtures::idem_key(),
        &fixtures::fingerprint(),
        fixtures::timestamp(),
    );
    let ticket = begin_started(&*store, &req).await;
    let over = fixtures::pass(&account, Mode::Live, &template);
    assert_limit_reached(
        store
            .insert_pass(
                &over,
                &fixtures::event(&over, EventType::Created),
                Some(&fixtures::completion(&ticket, 200)),
            )
            .await,
        "a completing live pass over the limit",
    );
    assert_eq!(
        begin(&*store, &req).await,
        IdemBegin::InUse,
        "the refused insert did not complete the key"
    );
}

/// Of many concurrent live inserts with room for 3, exactly 3 succeed and the
/// others get `LimitReached`.
pub async fn concurrent_live_inserts_respect_limit(factory: impl AsyncFn() -> Arc<dyn Store>) {
    let store = factory().await;
    let (account, template) = limited_account(&*store, Some(3)).await;
    let barrier = Arc::new(tokio::sync::Barrier::new(10));
    let mut tasks = Vec::new();
    for _ in 0..10 {
        let store = store.clone();
        let barrier = barrier.clone();
        let pass = fixtures::pass(&account, Mode::Live, &template);
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            try_insert(&*store, &pass).await
        }));
    }
    let mut ok = 0;
    for task in tasks {
        match task.await.expect("insert task") {
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

/// `find_pass_by_short_id` finds a pass of any account and mode, and MUST return
/// `NotFound` for an unknown short id.
pub async fn find_pass_by_short_id_any_scope(factory: impl AsyncFn() -> Arc<dyn Store>) {
    let store = factory().await;
    let account = seed_account(&*store).await;
    let template = seed_template(&*store, &account).await;
    let (test, _) = seed_pass(&*store, &account, Mode::Test, &template).await;
    let (live, _) = seed_pass(&*store, &account, Mode::Live, &template).await;
    assert_eq!(store.find_pass_by_short_id(&test.short_id).await, Ok(test));
    assert_eq!(
        store.find_pass_by_short_id(&live.short_id).await,
        Ok(live.clone())
    );
    let next = fixtures::next_version(&live);
    store
        .update_pass(&next, live.version, None, None, false)
        .await
        .expect("update_pass");
    assert_eq!(
        store.find_pass_by_short_id(&live.short_id).await,
        Ok(next),
        "find_pass_by_short_id reads the latest version"
    );
    assert_not_found(
        store.find_pass_by_short_id(&fixtures::base62(12)).await,
        "find_pass_by_short_id of an unknown short id",
    );
}
