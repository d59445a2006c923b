//! [`passmint_domain::ports::TemplateStore`]: templates, their lists and their
//! conditional updates.

use super::{
    after, assert_changed, assert_duplicate, assert_key_lost, assert_not_found, before, begin,
    begin_started, first, fresh_request, pick, seed_account, seed_template, stale, summary,
};
use crate::fixtures;
use passmint_domain::account::Account;
use passmint_domain::idempotency::IdemBegin;
use passmint_domain::mode::Mode;
use passmint_domain::ports::Store;
use passmint_domain::template::{AppleStyle, Template, TemplateType};
use std::sync::Arc;

/// `template` with another name, another design and a later `updated_at`.
fn changed(template: &Template) -> Template {
    let mut next = template.clone();
    next.name = format!("{} (renamed {})", template.name, fixtures::next_n());
    next.design.organization_name = format!("Org {}", fixtures::next_n());
    next.design.logo_text = Some("Logo".into());
    next.updated_at = fixtures::timestamp();
    next
}

async fn seed_archived(store: &dyn Store, account: &Account) -> Template {
    let mut template = fixtures::template(account);
    template.archived = true;
    store
        .insert_template(&template, None)
        .await
        .expect("insert_template of an archived template");
    template
}

/// An inserted template reads back equal.
pub async fn insert_and_get_template(factory: impl AsyncFn() -> Arc<dyn Store>) {
    let store = factory().await;
    let account = seed_account(&*store).await;
    let mut template = fixtures::template(&account);
    template.kind = TemplateType::Event;
    template.apple_style = AppleStyle::EventTicket;
    store
        .insert_template(&template, None)
        .await
        .expect("insert_template");
    assert_eq!(
        store.get_template(&account.id, &template.id).await,
        Ok(template)
    );
}

/// `insert_template` MUST return `Duplicate` when the id exists, writing nothing.
pub async fn insert_template_duplicate_id_conflicts(factory: impl AsyncFn() -> Arc<dyn Store>) {
    let store = factory().await;
    let account = seed_account(&*store).await;
    let template = seed_template(&*store, &account).await;
    let mut again = changed(&template);
    again.created_at = again.updated_at;
    assert_duplicate(
        store.insert_template(&again, None).await,
        "insert_template with an existing id",
    );
    assert_eq!(
        store.get_template(&account.id, &template.id).await,
        Ok(template.clone())
    );
    let page = store
        .list_templates(&account.id, &first(10))
        .await
        .expect("list_templates");
    assert_eq!(page.data, vec![template], "one template listed, unchanged");
}

/// `get_template` MUST return `NotFound` when the template does not exist or
/// belongs to another account.
pub async fn get_template_unknown_or_foreign_not_found(factory: impl AsyncFn() -> Arc<dyn Store>) {
    let store = factory().await;
    let account = seed_account(&*store).await;
    let other = seed_account(&*store).await;
    let theirs = seed_template(&*store, &other).await;
    assert_not_found(
        store.get_template(&account.id, &theirs.id).await,
        "get_template of another account's template",
    );
    assert_not_found(
        store
            .get_template(&account.id, &fixtures::template(&account).id)
            .await,
        "get_template of an unknown id",
    );
}

/// Archived templates are found by `get_template` but excluded from lists.
pub async fn archived_template_found_but_not_listed(factory: impl AsyncFn() -> Arc<dyn Store>) {
    let store = factory().await;
    let account = seed_account(&*store).await;
    let kept = seed_template(&*store, &account).await;
    let archived = seed_archived(&*store, &account).await;
    assert_eq!(
        store.get_template(&account.id, &archived.id).await,
        Ok(archived)
    );

    let to_archive = seed_template(&*store, &account).await;
    let mut now_archived = to_archive.clone();
    now_archived.archived = true;
    now_archived.updated_at = fixtures::timestamp();
    store
        .update_template(&now_archived, to_archive.updated_at, None, None)
        .await
        .expect("update_template archiving");
    assert_eq!(
        store.get_template(&account.id, &to_archive.id).await,
        Ok(now_archived)
    );

    let page = store
        .list_templates(&account.id, &first(10))
        .await
        .expect("list_templates");
    assert_eq!(
        page.data,
        vec![kept],
        "only the non-archived template listed"
    );
    assert!(!page.has_more);
}

/// Lists are newest first; `After`/`Before` cursors seek older/newer; `has_more` is
/// exact in both directions, also when archived and other accounts' templates sit
/// between the listed ones.
pub async fn list_templates_newest_first_with_cursors(factory: impl AsyncFn() -> Arc<dyn Store>) {
    let store = factory().await;
    let account = seed_account(&*store).await;
    let other = seed_account(&*store).await;
    let mut t = Vec::new();
    for i in 0..5 {
        seed_template(&*store, &other).await;
        if i % 2 == 1 {
            seed_archived(&*store, &account).await;
        }
        t.push(seed_template(&*store, &account).await);
    }
    seed_archived(&*store, &account).await;
    seed_template(&*store, &other).await;
    let id = |i: usize| t[i].id.as_str();

    let all = store
        .list_templates(&account.id, &first(5))
        .await
        .expect("list_templates");
    let newest_first: Vec<Template> = t.iter().rev().cloned().collect();
    assert_eq!(
        all.data, newest_first,
        "first(5): every template, newest first"
    );
    assert!(!all.has_more, "first(5) of 5: has_more must be false");

    let cases = [
        ("first(1)", first(1), pick(&t, &[4]), true),
        ("first(2)", first(2), pick(&t, &[4, 3]), true),
        ("first(4)", first(4), pick(&t, &[4, 3, 2, 1]), true),
        ("first(6)", first(6), pick(&t, &[4, 3, 2, 1, 0]), false),
        ("after(t3, 2)", after(id(3), 2), pick(&t, &[2, 1]), true),
        ("after(t2, 2)", after(id(2), 2), pick(&t, &[1, 0]), false),
        ("after(t1, 2)", after(id(1), 2), pick(&t, &[0]), false),
        ("after(t0, 2)", after(id(0), 2), vec![], false),
        ("after(t4, 3)", after(id(4), 3), pick(&t, &[3, 2, 1]), true),
        (
            "after(t4, 4)",
            after(id(4), 4),
            pick(&t, &[3, 2, 1, 0]),
            false,
        ),
        ("before(t0, 2)", before(id(0), 2), pick(&t, &[2, 1]), true),
        (
            "before(t0, 3)",
            before(id(0), 3),
            pick(&t, &[3, 2, 1]),
            true,
        ),
        (
            "before(t0, 4)",
            before(id(0), 4),
            pick(&t, &[4, 3, 2, 1]),
            false,
        ),
        ("before(t2, 2)", before(id(2), 2), pick(&t, &[4, 3]), false),
        ("before(t3, 2)", before(id(3), 2), pick(&t, &[4]), false),
        ("before(t4, 2)", before(id(4), 2), vec![], false),
    ];
    for (what, req, ids, has_more) in cases {
        let page = store
            .list_templates(&account.id, &req)
            .await
            .unwrap_or_else(|e| panic!("list_templates {what}: {e}"));
        assert_eq!(
            summary(&page),
            (ids, has_more),
            "list_templates {what}: (ids newest first, has_more)"
        );
    }
}

/// A list shows only the account's templates; a cursor that is not a template of the
/// account (unknown, or another account's) MUST give `NotFound`.
pub async fn list_templates_account_isolation_and_cursor_errors(
    factory: impl AsyncFn() -> Arc<dyn Store>,
) {
    let store = factory().await;
    let account = seed_account(&*store).await;
    let other = seed_account(&*store).await;
    let empty = seed_account(&*store).await;
    let mine = seed_template(&*store, &account).await;
    let theirs = seed_template(&*store, &other).await;

    let page = store
        .list_templates(&account.id, &first(10))
        .await
        .expect("list_templates");
    assert_eq!(summary(&page), (vec![mine.id.to_string()], false));
    let page = store
        .list_templates(&empty.id, &first(10))
        .await
        .expect("list_templates of an account without templates");
    assert_eq!(summary(&page), (vec![], false));

    let unknown = fixtures::template(&account).id;
    for (what, req) in [
        (
            "after(another account's template)",
            after(theirs.id.as_str(), 10),
        ),
        (
            "before(another account's template)",
            before(theirs.id.as_str(), 10),
        ),
        ("after(unknown id)", after(unknown.as_str(), 10)),
        ("before(unknown id)", before(unknown.as_str(), 10)),
        ("after(malformed id)", after("tmpl_nope", 10)),
    ] {
        assert_not_found(
            store.list_templates(&account.id, &req).await,
            &format!("list_templates {what}"),
        );
    }
}

/// An archived template of the account is still a template of the account, so it is
/// a valid cursor: a client whose last seen template was archived meanwhile can go on
/// paging. (Not spelt MUST in the port; see the port's "A cursor id that is not a
/// template of the account".)
pub async fn list_templates_cursor_on_archived_template(factory: impl AsyncFn() -> Arc<dyn Store>) {
    let store = factory().await;
    let account = seed_account(&*store).await;
    let older = seed_template(&*store, &account).await;
    let middle = seed_template(&*store, &account).await;
    let newer = seed_template(&*store, &account).await;
    let mut archived = middle.clone();
    archived.archived = true;
    archived.updated_at = fixtures::timestamp();
    store
        .update_template(&archived, middle.updated_at, None, None)
        .await
        .expect("update_template archiving");

    let page = store
        .list_templates(&account.id, &after(middle.id.as_str(), 10))
        .await
        .expect("list_templates after an archived template");
    assert_eq!(summary(&page), (vec![older.id.to_string()], false));
    let page = store
        .list_templates(&account.id, &before(middle.id.as_str(), 10))
        .await
        .expect("list_templates before an archived template");
    assert_eq!(summary(&page), (vec![newer.id.to_string()], false));
}

/// `update_template` replaces the template when `updated_at` still equals
/// `expected_updated_at`, and MUST return `VersionChanged`, writing nothing, when it
/// changed meanwhile.
pub async fn update_template_conditional_on_updated_at(factory: impl AsyncFn() -> Arc<dyn Store>) {
    let store = factory().await;
    let account = seed_account(&*store).await;
    let template = seed_template(&*store, &account).await;

    let first_change = changed(&template);
    store
        .update_template(&first_change, template.updated_at, None, None)
        .await
        .expect("update_template with the current updated_at");
    assert_eq!(
        store.get_template(&account.id, &template.id).await,
        Ok(first_change.clone())
    );

    let lost = changed(&template);
    assert_changed(
        store
            .update_template(&lost, template.updated_at, None, None)
            .await,
        "update_template with a stale expected_updated_at",
    );
    assert_eq!(
        store.get_template(&account.id, &template.id).await,
        Ok(first_change.clone()),
        "a conflicting update_template writes nothing"
    );

    let second_change = changed(&first_change);
    store
        .update_template(&second_change, first_change.updated_at, None, None)
        .await
        .expect("update_template with the new updated_at");
    assert_eq!(
        store.get_template(&account.id, &template.id).await,
        Ok(second_change)
    );
}

/// `update_template` MUST return `NotFound` when the template is absent, also when
/// the id is another account's template (which stays untouched).
pub async fn update_template_missing_or_foreign_not_found(
    factory: impl AsyncFn() -> Arc<dyn Store>,
) {
    let store = factory().await;
    let account = seed_account(&*store).await;
    let other = seed_account(&*store).await;
    let ghost = fixtures::template(&account);
    assert_not_found(
        store
            .update_template(&changed(&ghost), ghost.updated_at, None, None)
            .await,
        "update_template of an absent template",
    );
    assert_not_found(
        store.get_template(&account.id, &ghost.id).await,
        "get_template after update_template of an absent template",
    );

    let theirs = seed_template(&*store, &other).await;
    let mut hijack = changed(&theirs);
    hijack.account_id = account.id.clone();
    assert_not_found(
        store
            .update_template(&hijack, theirs.updated_at, None, None)
            .await,
        "update_template of another account's template",
    );
    assert_eq!(
        store.get_template(&other.id, &theirs.id).await,
        Ok(theirs),
        "another account's template stays untouched"
    );
}

/// Lists are ordered by creation: updating a template does not move it.
pub async fn update_template_keeps_list_position(factory: impl AsyncFn() -> Arc<dyn Store>) {
    let store = factory().await;
    let account = seed_account(&*store).await;
    let t: Vec<Template> = {
        let mut t = Vec::new();
        for _ in 0..3 {
            t.push(seed_template(&*store, &account).await);
        }
        t
    };
    let updated = changed(&t[0]);
    store
        .update_template(&updated, t[0].updated_at, None, None)
        .await
        .expect("update_template");
    let page = store
        .list_templates(&account.id, &first(10))
        .await
        .expect("list_templates");
    assert_eq!(page.data, vec![t[2].clone(), t[1].clone(), updated]);
}

/// `insert_template` with a completion stores the response atomically: a later
/// `begin` with the same fingerprint replays it.
pub async fn insert_template_completes_idempotency(factory: impl AsyncFn() -> Arc<dyn Store>) {
    let store = factory().await;
    let account = seed_account(&*store).await;
    let scope = fixtures::scope(&account, Mode::Test);
    let req = fresh_request(&scope);
    let ticket = begin_started(&*store, &req).await;
    let template = fixtures::template(&account);
    let completion = fixtures::completion(&ticket, 200);
    store
        .insert_template(&template, Some(&completion))
        .await
        .expect("insert_template with a valid ticket");
    assert_eq!(
        store.get_template(&account.id, &template.id).await,
        Ok(template)
    );
    assert_eq!(
        begin(&*store, &req).await,
        IdemBegin::Replay(completion.response),
        "begin after insert_template completed the key"
    );
}

/// `insert_template` MUST return `IdempotencyKeyLost`, writing nothing, when the ticket no
/// longer holds its key; the key stays with its holder.
pub async fn insert_template_with_stale_ticket_writes_nothing(
    factory: impl AsyncFn() -> Arc<dyn Store>,
) {
    let store = factory().await;
    let account = seed_account(&*store).await;
    let scope = fixtures::scope(&account, Mode::Live);
    let req = fresh_request(&scope);
    let ticket = begin_started(&*store, &req).await;
    let template = fixtures::template(&account);
    assert_key_lost(
        store
            .insert_template(&template, Some(&fixtures::completion(&stale(&ticket), 200)))
            .await,
        "insert_template with a ticket that does not hold its key",
    );
    assert_not_found(
        store.get_template(&account.id, &template.id).await,
        "the template of a refused insert_template",
    );
    assert_eq!(
        begin(&*store, &req).await,
        IdemBegin::InUse,
        "the key is still held by its first request"
    );

    let never_begun = fresh_request(&scope);
    let ticket = passmint_domain::idempotency::IdemTicket {
        scope: scope.clone(),
        key: never_begun.key.clone(),
        lock_token: never_begun.lock_token.clone(),
    };
    assert_key_lost(
        store
            .insert_template(&template, Some(&fixtures::completion(&ticket, 200)))
            .await,
        "insert_template with a ticket for a key never taken",
    );
    assert_not_found(
        store.get_template(&account.id, &template.id).await,
        "the template of a refused insert_template",
    );
}

/// `update_template` with a completion stores the response atomically.
pub async fn update_template_completes_idempotency(factory: impl AsyncFn() -> Arc<dyn Store>) {
    let store = factory().await;
    let account = seed_account(&*store).await;
    let template = seed_template(&*store, &account).await;
    let req = fresh_request(&fixtures::scope(&account, Mode::Test));
    let ticket = begin_started(&*store, &req).await;
    let completion = fixtures::completion(&ticket, 200);
    let next = changed(&template);
    store
        .update_template(&next, template.updated_at, Some(&completion), None)
        .await
        .expect("update_template with a valid ticket");
    assert_eq!(
        store.get_template(&account.id, &template.id).await,
        Ok(next)
    );
    assert_eq!(
        begin(&*store, &req).await,
        IdemBegin::Replay(completion.response)
    );
}

/// `update_template` MUST return `IdempotencyKeyLost`, writing nothing, when the ticket no
/// longer holds its key; and a version conflict does not consume the key.
pub async fn update_template_with_stale_ticket_writes_nothing(
    factory: impl AsyncFn() -> Arc<dyn Store>,
) {
    let store = factory().await;
    let account = seed_account(&*store).await;
    let template = seed_template(&*store, &account).await;
    let req = fresh_request(&fixtures::scope(&account, Mode::Test));
    let ticket = begin_started(&*store, &req).await;
    assert_key_lost(
        store
            .update_template(
                &changed(&template),
                template.updated_at,
                Some(&fixtures::completion(&stale(&ticket), 200)),
                None,
            )
            .await,
        "update_template with a ticket that does not hold its key",
    );
    assert_eq!(
        store.get_template(&account.id, &template.id).await,
        Ok(template.clone()),
        "a refused update_template writes nothing"
    );

    assert_changed(
        store
            .update_template(
                &changed(&template),
                fixtures::timestamp(),
                Some(&fixtures::completion(&ticket, 200)),
                None,
            )
            .await,
        "update_template with a valid ticket but a stale updated_at",
    );
    assert_eq!(
        begin(&*store, &req).await,
        IdemBegin::InUse,
        "a refused update_template does not complete the key"
    );
}

/// Of concurrent updates expecting the same `updated_at`, exactly one wins.
pub async fn concurrent_template_updates_one_wins(factory: impl AsyncFn() -> Arc<dyn Store>) {
    let store = factory().await;
    let account = seed_account(&*store).await;
    let template = seed_template(&*store, &account).await;
    let barrier = Arc::new(tokio::sync::Barrier::new(10));
    let mut tasks = Vec::new();
    for _ in 0..10 {
        let store = store.clone();
        let barrier = barrier.clone();
        let next = changed(&template);
        let expected = template.updated_at;
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            let result = store.update_template(&next, expected, None, None).await;
            (next, result)
        }));
    }
    let mut winners = Vec::new();
    for task in tasks {
        let (next, result) = task.await.expect("update task");
        match result {
            Ok(_) => winners.push(next),
            Err(e) => assert!(
                matches!(e, passmint_domain::StoreError::VersionChanged),
                "a losing concurrent update_template: expected VersionChanged, got {e:?}"
            ),
        }
    }
    assert_eq!(
        winners.len(),
        1,
        "exactly one concurrent update_template wins"
    );
    assert_eq!(
        store.get_template(&account.id, &template.id).await,
        Ok(winners.remove(0))
    );
}
