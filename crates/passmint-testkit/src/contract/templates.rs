//! [`passmint_domain::ports::TemplateStore`]: templates, their lists and their
//! conditional updates.

use super::{
    after, assert_begin, assert_changed, assert_duplicate, assert_key_lost, assert_not_found,
    assert_replays, before, begun, cursors_on, first, fresh_request, pick, race, replace_template,
    seed_account, seed_owner, seed_template, sole_winner, summary,
};
use crate::contract::stale_completion;
use crate::fixtures;
use passmint_domain::StoreError;
use passmint_domain::account::Account;
use passmint_domain::idempotency::IdemBegin;
use passmint_domain::mode::Mode;
use passmint_domain::page::{Page, PageRequest};
use passmint_domain::ports::Store;
use passmint_domain::ports::TemplateUpdate;
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

/// Updates `template` to `next` (no ticket, no cascade), which must succeed.
async fn update(store: &dyn Store, next: &Template, expected: &Template, what: &str) {
    if let Err(e) = replace_template(store, next, expected.updated_at).await {
        panic!("{what}: {e:?}");
    }
}

/// Archives the stored `template`; returns it as stored now.
async fn archive(store: &dyn Store, template: &Template) -> Template {
    let mut archived = template.clone();
    archived.archived = true;
    archived.updated_at = fixtures::timestamp();
    update(store, &archived, template, "update_template archiving").await;
    archived
}

/// The account's templates for `req`, which must list.
async fn list(
    store: &dyn Store,
    account: &Account,
    req: &PageRequest,
    what: &str,
) -> Page<Template> {
    store
        .list_templates(&account.id, req)
        .await
        .unwrap_or_else(|e| panic!("list_templates {what}: {e}"))
}

/// Asserts that the account's template reads back as `expected`.
async fn assert_stored(store: &dyn Store, account: &Account, expected: &Template, what: &str) {
    assert_eq!(
        store.get_template(&account.id, &expected.id).await,
        Ok(expected.clone()),
        "{what}"
    );
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
    assert_stored(&*store, &account, &template, "an inserted template").await;
}

/// `insert_template` MUST return `Duplicate` when the id exists, writing nothing.
pub async fn insert_template_duplicate_id_conflicts(factory: impl AsyncFn() -> Arc<dyn Store>) {
    let store = factory().await;
    let (account, template) = seed_owner(&*store).await;
    let mut again = changed(&template);
    again.created_at = again.updated_at;
    assert_duplicate(
        store.insert_template(&again, None).await,
        "insert_template with an existing id",
    );
    assert_stored(
        &*store,
        &account,
        &template,
        "a refused insert writes nothing",
    )
    .await;
    let page = list(&*store, &account, &first(10), "after a refused insert").await;
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
    assert_stored(&*store, &account, &archived, "an archived template").await;

    let to_archive = seed_template(&*store, &account).await;
    let now_archived = archive(&*store, &to_archive).await;
    let what = "a template archived by an update";
    assert_stored(&*store, &account, &now_archived, what).await;

    let page = list(&*store, &account, &first(10), "with archived templates").await;
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

    let all = list(&*store, &account, &first(5), "first(5)").await;
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
        let page = list(&*store, &account, &req, what).await;
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

    let page = list(&*store, &account, &first(10), "of the account").await;
    assert_eq!(summary(&page), (vec![mine.id.to_string()], false));
    let page = list(
        &*store,
        &empty,
        &first(10),
        "of an account without templates",
    )
    .await;
    assert_eq!(summary(&page), (vec![], false));

    let unknown = fixtures::template(&account).id;
    let mut cursors = cursors_on(&[
        ("another account's template", theirs.id.as_str()),
        ("unknown id", unknown.as_str()),
    ]);
    cursors.push(("after(malformed id)".into(), after("tmpl_nope", 10)));
    for (what, req) in cursors {
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
    archive(&*store, &middle).await;

    for (req, expected, what) in [
        (
            after(middle.id.as_str(), 10),
            &older,
            "after an archived template",
        ),
        (
            before(middle.id.as_str(), 10),
            &newer,
            "before an archived template",
        ),
    ] {
        let page = list(&*store, &account, &req, what).await;
        let expected = (vec![expected.id.to_string()], false);
        assert_eq!(summary(&page), expected, "list_templates {what}");
    }
}

/// `update_template` replaces the template when `updated_at` still equals
/// `expected_updated_at`, and MUST return `VersionChanged`, writing nothing, when it
/// changed meanwhile.
pub async fn update_template_conditional_on_updated_at(factory: impl AsyncFn() -> Arc<dyn Store>) {
    let store = factory().await;
    let (account, template) = seed_owner(&*store).await;

    let first_change = changed(&template);
    let what = "update_template with the current updated_at";
    update(&*store, &first_change, &template, what).await;
    assert_stored(&*store, &account, &first_change, what).await;

    let lost = changed(&template);
    assert_changed(
        replace_template(&*store, &lost, template.updated_at).await,
        "update_template with a stale expected_updated_at",
    );
    let what = "a conflicting update_template writes nothing";
    assert_stored(&*store, &account, &first_change, what).await;

    let second_change = changed(&first_change);
    let what = "update_template with the new updated_at";
    update(&*store, &second_change, &first_change, what).await;
    assert_stored(&*store, &account, &second_change, what).await;
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
        replace_template(&*store, &changed(&ghost), ghost.updated_at).await,
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
        replace_template(&*store, &hijack, theirs.updated_at).await,
        "update_template of another account's template",
    );
    let what = "another account's template stays untouched";
    assert_stored(&*store, &other, &theirs, what).await;
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
    update(&*store, &updated, &t[0], "update_template").await;
    let page = list(&*store, &account, &first(10), "after an update").await;
    assert_eq!(page.data, vec![t[2].clone(), t[1].clone(), updated]);
}

/// `insert_template` with a completion stores the response atomically: a later
/// `begin` with the same fingerprint replays it.
pub async fn insert_template_completes_idempotency(factory: impl AsyncFn() -> Arc<dyn Store>) {
    let store = factory().await;
    let account = seed_account(&*store).await;
    let (req, ticket) = begun(&*store, &fixtures::scope(&account, Mode::Test)).await;
    let template = fixtures::template(&account);
    let completion = fixtures::completion(&ticket, 200);
    let what = "insert_template with a valid ticket";
    store
        .insert_template(&template, Some(&completion))
        .await
        .expect(what);
    assert_stored(&*store, &account, &template, what).await;
    let what = "begin after insert_template completed the key";
    assert_replays(&*store, &req, &completion.response, what).await;
}

/// `insert_template` MUST return `IdempotencyKeyLost`, writing nothing, when the ticket no
/// longer holds its key; the key stays with its holder.
pub async fn insert_template_with_stale_ticket_writes_nothing(
    factory: impl AsyncFn() -> Arc<dyn Store>,
) {
    let store = factory().await;
    let account = seed_account(&*store).await;
    let scope = fixtures::scope(&account, Mode::Live);
    let (req, ticket) = begun(&*store, &scope).await;
    let template = fixtures::template(&account);
    assert_key_lost(
        store
            .insert_template(&template, Some(&stale_completion(&ticket)))
            .await,
        "insert_template with a ticket that does not hold its key",
    );
    assert_not_found(
        store.get_template(&account.id, &template.id).await,
        "the template of a refused insert_template",
    );
    let what = "the key is still held by its first request";
    assert_begin(&*store, &req, IdemBegin::InUse, what).await;

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
    let (account, template) = seed_owner(&*store).await;
    let (req, ticket) = begun(&*store, &fixtures::scope(&account, Mode::Test)).await;
    let completion = fixtures::completion(&ticket, 200);
    let next = changed(&template);
    let what = "update_template with a valid ticket";
    store
        .update_template(&TemplateUpdate {
            template: &next,
            expected_updated_at: template.updated_at,
            idem: Some(&completion),
            cascade: None,
        })
        .await
        .expect(what);
    assert_stored(&*store, &account, &next, what).await;
    let what = "begin after update_template completed the key";
    assert_replays(&*store, &req, &completion.response, what).await;
}

/// `update_template` MUST return `IdempotencyKeyLost`, writing nothing, when the ticket no
/// longer holds its key; and a version conflict does not consume the key.
pub async fn update_template_with_stale_ticket_writes_nothing(
    factory: impl AsyncFn() -> Arc<dyn Store>,
) {
    let store = factory().await;
    let (account, template) = seed_owner(&*store).await;
    let (req, ticket) = begun(&*store, &fixtures::scope(&account, Mode::Test)).await;
    assert_key_lost(
        store
            .update_template(&TemplateUpdate {
                template: &changed(&template),
                expected_updated_at: template.updated_at,
                idem: Some(&stale_completion(&ticket)),
                cascade: None,
            })
            .await,
        "update_template with a ticket that does not hold its key",
    );
    let what = "a refused update_template writes nothing";
    assert_stored(&*store, &account, &template, what).await;

    assert_changed(
        store
            .update_template(&TemplateUpdate {
                template: &changed(&template),
                expected_updated_at: fixtures::timestamp(),
                idem: Some(&fixtures::completion(&ticket, 200)),
                cascade: None,
            })
            .await,
        "update_template with a valid ticket but a stale updated_at",
    );
    let what = "a refused update_template does not complete the key";
    assert_begin(&*store, &req, IdemBegin::InUse, what).await;
}

/// Of concurrent updates expecting the same `updated_at`, exactly one wins.
pub async fn concurrent_template_updates_one_wins(factory: impl AsyncFn() -> Arc<dyn Store>) {
    let store = factory().await;
    let (account, template) = seed_owner(&*store).await;
    let outcomes = race(10, |_| {
        let (store, next, expected) = (store.clone(), changed(&template), template.updated_at);
        async move {
            let result = replace_template(&*store, &next, expected).await;
            (next, result)
        }
    })
    .await;
    let lost = |e: &StoreError| matches!(e, StoreError::VersionChanged);
    let winner = sole_winner(outcomes, lost, "update_template", "VersionChanged");
    assert_stored(&*store, &account, &winner, "the winner's update").await;
}
