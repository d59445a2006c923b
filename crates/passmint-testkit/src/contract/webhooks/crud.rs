//! Webhooks and delivery lists: inserts, reads, conditional updates, deletion, idempotency.

use super::support::{
    attempt, claim, claim_at, claimed_ids, deliveries, delivery_ids, one_webhook, seed_webhook,
    with_events,
};

use crate::contract::stale_completion;
use crate::contract::{
    assert_changed, assert_duplicate, assert_key_lost, assert_not_found, assert_replays,
    begin_started, seed_account,
};
use crate::fixtures;
use passmint_domain::event::EventType;
use passmint_domain::ids::WebhookId;
use passmint_domain::mode::Mode;
use passmint_domain::ports::Store;
use passmint_domain::webhook::{DeliveryStatus, RotatedSecret, Subscription};
use std::sync::Arc;
use time::Duration;

/// Webhooks read back as inserted, listed newest first within their scope only;
/// `get_webhook` MUST return `NotFound` outside the scope; `insert_webhook` MUST
/// return `Duplicate` for a taken id and `NotFound` for an unknown account.
pub async fn insert_get_and_list_webhooks(factory: impl AsyncFn() -> Arc<dyn Store>) {
    let store = factory().await;
    let account = seed_account(&*store).await;
    let other = seed_account(&*store).await;
    let a = seed_webhook(
        &*store,
        &account,
        Mode::Test,
        &["pass.created", "pass.installed"],
    )
    .await;
    let mut b = fixtures::webhook(&account, Mode::Test, &["*"]);
    b.description = None;
    b.enabled = false;
    b.previous_secret = Some(RotatedSecret {
        secret: fixtures::webhook_secret(),
        expires_at: fixtures::truncate_micros(fixtures::timestamp() + Duration::hours(24)),
    });
    store
        .insert_webhook(&b, None)
        .await
        .expect("insert_webhook");
    let live = seed_webhook(&*store, &account, Mode::Live, &["*"]).await;
    let theirs = seed_webhook(&*store, &other, Mode::Test, &["*"]).await;

    for w in [&a, &b, &live, &theirs] {
        assert_eq!(
            store.get_webhook(&w.scope(), &w.id).await,
            Ok(w.clone()),
            "a webhook reads back as inserted"
        );
    }
    let test = fixtures::scope(&account, Mode::Test);
    assert_eq!(
        store.list_webhooks(&test).await,
        Ok(vec![b.clone(), a.clone()])
    );
    assert_eq!(
        store.list_webhooks(&live.scope()).await,
        Ok(vec![live.clone()])
    );
    assert_eq!(
        store
            .list_webhooks(&fixtures::scope(&other, Mode::Live))
            .await,
        Ok(vec![])
    );
    assert_not_found(
        store.get_webhook(&test, &live.id).await,
        "get_webhook of the other mode",
    );
    assert_not_found(
        store.get_webhook(&test, &theirs.id).await,
        "get_webhook of another account",
    );
    assert_not_found(
        store
            .get_webhook(&test, &WebhookId::from_body(&fixtures::id_body()))
            .await,
        "get_webhook of an unknown id",
    );
    let mut again = fixtures::webhook(&account, Mode::Test, &["*"]);
    again.id = a.id.clone();
    assert_duplicate(
        store.insert_webhook(&again, None).await,
        "insert_webhook with a taken id",
    );
    let ghost = fixtures::webhook(&fixtures::account(), Mode::Test, &["*"]);
    assert_not_found(
        store.insert_webhook(&ghost, None).await,
        "insert_webhook of an unknown account",
    );
    assert_eq!(store.list_webhooks(&test).await, Ok(vec![b, a]));
}

/// `insert_webhook` and `update_webhook` complete the idempotency record with
/// their write, and with a stale ticket MUST write nothing (`IdempotencyKeyLost`).
pub async fn webhook_writes_complete_idempotency(factory: impl AsyncFn() -> Arc<dyn Store>) {
    let store = factory().await;
    let account = seed_account(&*store).await;
    let scope = fixtures::scope(&account, Mode::Test);
    let now = fixtures::timestamp();
    let req = fixtures::idem_request(&scope, &fixtures::idem_key(), "fp", now);
    let ticket = begin_started(&*store, &req).await;

    let lost = fixtures::webhook(&account, Mode::Test, &["*"]);
    assert_key_lost(
        store
            .insert_webhook(&lost, Some(&stale_completion(&ticket)))
            .await,
        "insert_webhook with a stale ticket",
    );
    assert_not_found(
        store.get_webhook(&scope, &lost.id).await,
        "the webhook of a stale ticket",
    );

    let webhook = fixtures::webhook(&account, Mode::Test, &["*"]);
    let done = fixtures::completion(&ticket, 200);
    store
        .insert_webhook(&webhook, Some(&done))
        .await
        .expect("insert_webhook completing a ticket");
    assert_replays(
        &*store,
        &req,
        &done.response,
        "the insert completed the key",
    )
    .await;

    let req = fixtures::idem_request(&scope, &fixtures::idem_key(), "fp", now);
    let ticket = begin_started(&*store, &req).await;
    let mut next = webhook.clone();
    next.url = "https://changed.example.com/".into();
    next.updated_at = fixtures::timestamp();
    assert_key_lost(
        store
            .update_webhook(&next, webhook.updated_at, Some(&stale_completion(&ticket)))
            .await,
        "update_webhook with a stale ticket",
    );
    assert_eq!(
        store.get_webhook(&scope, &webhook.id).await,
        Ok(webhook.clone())
    );
    let done = fixtures::completion(&ticket, 200);
    store
        .update_webhook(&next, webhook.updated_at, Some(&done))
        .await
        .expect("update_webhook completing a ticket");
    assert_eq!(store.get_webhook(&scope, &webhook.id).await, Ok(next));
    assert_replays(&*store, &req, &done.response, "the stored response replays").await;
}

/// `update_webhook` replaces every property when `updated_at` is as expected;
/// otherwise `VersionChanged` (writing nothing); a webhook outside its scope (or
/// unknown) MUST give `NotFound`.
pub async fn update_webhook_conditional_and_scoped(factory: impl AsyncFn() -> Arc<dyn Store>) {
    let store = factory().await;
    let account = seed_account(&*store).await;
    let webhook = seed_webhook(&*store, &account, Mode::Live, &["pass.created"]).await;
    let mut next = webhook.clone();
    next.url = "http://10.0.0.1:9000/hook".into();
    next.events = vec![Subscription::All];
    next.description = None;
    next.enabled = false;
    next.previous_secret = Some(RotatedSecret {
        secret: webhook.secret.clone(),
        expires_at: fixtures::truncate_micros(fixtures::timestamp() + Duration::hours(24)),
    });
    next.secret = fixtures::webhook_secret();
    next.updated_at = fixtures::timestamp();
    store
        .update_webhook(&next, webhook.updated_at, None)
        .await
        .expect("update_webhook");
    assert_eq!(
        store.get_webhook(&webhook.scope(), &webhook.id).await,
        Ok(next.clone())
    );

    let mut later = next.clone();
    later.enabled = true;
    later.updated_at = fixtures::timestamp();
    assert_changed(
        store.update_webhook(&later, webhook.updated_at, None).await,
        "update_webhook with a stale updated_at",
    );
    let mut other_mode = later.clone();
    other_mode.mode = Mode::Test;
    assert_not_found(
        store
            .update_webhook(&other_mode, next.updated_at, None)
            .await,
        "update_webhook of the webhook in the other mode",
    );
    let mut other_account = later.clone();
    other_account.account_id = seed_account(&*store).await.id;
    assert_not_found(
        store
            .update_webhook(&other_account, next.updated_at, None)
            .await,
        "update_webhook of the webhook under another account",
    );
    let unknown = fixtures::webhook(&account, Mode::Live, &["*"]);
    assert_not_found(
        store
            .update_webhook(&unknown, unknown.updated_at, None)
            .await,
        "update_webhook of an unknown webhook",
    );
    assert_eq!(
        store.get_webhook(&webhook.scope(), &webhook.id).await,
        Ok(next)
    );
}

/// `list_deliveries`: newest first, at most `limit`, `has_more` exact; `NotFound`
/// for a webhook outside the scope.
pub async fn list_deliveries_newest_first(factory: impl AsyncFn() -> Arc<dyn Store>) {
    let store = factory().await;
    let (account, webhook, pass, created) = one_webhook(&*store).await;
    let events = with_events(&*store, &pass, created, EventType::UrlViewed, 4).await;
    let mut ids = delivery_ids(&events, &webhook);
    ids.reverse();
    for (limit, expected) in [(3, (ids[..3].to_vec(), true)), (5, (ids.clone(), false))] {
        let page = store
            .list_deliveries(&webhook.scope(), &webhook.id, limit)
            .await
            .expect("list_deliveries");
        let listed: Vec<_> = page.data.iter().map(|d| d.id.clone()).collect();
        assert_eq!((listed, page.has_more), expected, "limit {limit}");
    }
    assert_not_found(
        store
            .list_deliveries(&fixtures::scope(&account, Mode::Live), &webhook.id, 5)
            .await,
        "list_deliveries in the other mode",
    );
    let other = seed_account(&*store).await;
    assert_not_found(
        store
            .list_deliveries(&fixtures::scope(&other, Mode::Test), &webhook.id, 5)
            .await,
        "list_deliveries under another account",
    );
}

/// `delete_webhook` is hard: the webhook and its deliveries are gone (not listed,
/// not claimed, their records `NotFound`); other webhooks keep theirs; outside its
/// scope it MUST give `NotFound` and delete nothing.
pub async fn delete_webhook_removes_it_and_its_deliveries(
    factory: impl AsyncFn() -> Arc<dyn Store>,
) {
    let store = factory().await;
    let (account, webhook, pass, _) = one_webhook(&*store).await;
    let keeper = seed_webhook(&*store, &account, Mode::Test, &["*"]).await;
    let viewed = fixtures::event(&pass, EventType::UrlViewed);
    assert_eq!(store.insert_event(&viewed).await, Ok(2));
    let req = claim_at(fixtures::timestamp(), 1);
    let held = claim(&*store, &req).await;
    assert_eq!(held.len(), 1);
    assert_eq!(held[0].delivery.webhook_id, webhook.id);

    assert_not_found(
        store
            .delete_webhook(&fixtures::scope(&account, Mode::Live), &webhook.id)
            .await,
        "delete_webhook in the other mode",
    );
    let other = seed_account(&*store).await;
    assert_not_found(
        store
            .delete_webhook(&fixtures::scope(&other, Mode::Test), &webhook.id)
            .await,
        "delete_webhook under another account",
    );
    assert!(
        store
            .get_webhook(&webhook.scope(), &webhook.id)
            .await
            .is_ok()
    );

    store
        .delete_webhook(&webhook.scope(), &webhook.id)
        .await
        .expect("delete_webhook");
    assert_not_found(
        store.get_webhook(&webhook.scope(), &webhook.id).await,
        "get_webhook after delete",
    );
    assert_not_found(
        store
            .list_deliveries(&webhook.scope(), &webhook.id, 10)
            .await,
        "list_deliveries after delete",
    );
    assert_not_found(
        store
            .record_attempt(
                &held[0].delivery.id,
                &req.token,
                &attempt(DeliveryStatus::Delivered, None),
            )
            .await,
        "record_attempt of a deleted webhook's delivery",
    );
    assert_not_found(
        store.delete_webhook(&webhook.scope(), &webhook.id).await,
        "delete_webhook twice",
    );
    let later = claim(
        &*store,
        &claim_at(fixtures::timestamp() + Duration::days(1), 10),
    )
    .await;
    assert!(
        later.iter().all(|c| c.delivery.webhook_id == keeper.id) && later.len() == 1,
        "only the other webhook's deliveries remain: {:?}",
        claimed_ids(&later)
    );
    assert_eq!(deliveries(&*store, &keeper).await.len(), 1);
    assert_eq!(store.list_webhooks(&keeper.scope()).await, Ok(vec![keeper]));
    let events_left = store
        .list_events(&pass.scope(), Some(&pass.id), &crate::contract::first(10))
        .await
        .expect("list_events");
    assert_eq!(
        events_left.data.len(),
        2,
        "events are not deleted with a webhook"
    );
}
