//! The outbox: event writes enqueue deliveries, failed writes enqueue none, claims carry snapshots.

use super::support::{claim, claim_at, deliveries, expected_delivery, one_webhook, seed_webhook};

use crate::contract::update_with;
use crate::contract::{
    assert_changed, assert_duplicate, assert_key_lost, assert_not_found, begin_started, seed_pass,
    seed_rivals, seed_template, try_update,
};
use crate::contract::{insert_created, stale_completion};
use crate::fixtures;
use passmint_domain::event::{EventType, PassEvent};
use passmint_domain::mode::Mode;
use passmint_domain::ports::Store;
use passmint_domain::webhook::{Webhook, WebhookDelivery};
use std::sync::Arc;

/// The outbox: each event write enqueues one pending delivery per enabled webhook
/// of its account and mode subscribed to its type (`*` matching all), with the
/// derived id and the event's times, and returns how many; disabled webhooks,
/// other modes and accounts, and other types get nothing.
pub async fn events_fan_out_to_subscribed_enabled_webhooks(
    factory: impl AsyncFn() -> Arc<dyn Store>,
) {
    let store = factory().await;
    let (account, other, template) = seed_rivals(&*store).await;
    let all = seed_webhook(&*store, &account, Mode::Test, &["*"]).await;
    let created = seed_webhook(&*store, &account, Mode::Test, &["pass.created"]).await;
    let updated = seed_webhook(
        &*store,
        &account,
        Mode::Test,
        &["pass.updated", "pass.url_viewed"],
    )
    .await;
    let mut disabled = fixtures::webhook(&account, Mode::Test, &["*"]);
    disabled.enabled = false;
    store
        .insert_webhook(&disabled, None)
        .await
        .expect("insert_webhook");
    let live = seed_webhook(&*store, &account, Mode::Live, &["*"]).await;
    let theirs = seed_webhook(&*store, &other, Mode::Test, &["*"]).await;

    let pass = fixtures::pass(&account, Mode::Test, &template);
    let e1 = fixtures::event(&pass, EventType::Created);
    assert_eq!(
        store.insert_pass(&pass, &e1, None).await,
        Ok(2),
        "insert_pass enqueues for `*` and `pass.created`"
    );
    let next = fixtures::next_version(&pass);
    let e2 = fixtures::event(&next, EventType::Updated);
    assert_eq!(
        update_with(&*store, &next, pass.version, &e2).await,
        Ok(2),
        "update_pass enqueues for `*` and `pass.updated`"
    );
    let quiet = fixtures::next_version(&next);
    assert_eq!(
        store
            .update_pass(&quiet, next.version, None, None, false)
            .await,
        Ok(0),
        "an update without an event enqueues nothing"
    );
    let e3 = fixtures::event(&quiet, EventType::UrlViewed);
    assert_eq!(store.insert_event(&e3).await, Ok(2));
    let e4 = fixtures::event(&quiet, EventType::Removed);
    assert_eq!(store.insert_event(&e4).await, Ok(1));

    let expect = |events: &[&PassEvent], w: &Webhook| -> Vec<WebhookDelivery> {
        events
            .iter()
            .rev()
            .map(|e| expected_delivery(e, w))
            .collect()
    };
    assert_eq!(
        deliveries(&*store, &all).await,
        expect(&[&e1, &e2, &e3, &e4], &all)
    );
    assert_eq!(
        deliveries(&*store, &created).await,
        expect(&[&e1], &created)
    );
    assert_eq!(
        deliveries(&*store, &updated).await,
        expect(&[&e2, &e3], &updated)
    );
    for (w, what) in [
        (&disabled, "a disabled webhook"),
        (&live, "a webhook of the other mode"),
        (&theirs, "a webhook of another account"),
    ] {
        assert_eq!(deliveries(&*store, w).await, vec![], "{what} gets nothing");
    }

    // A live event reaches the live webhook only.
    let live_template = seed_template(&*store, &account).await;
    let (_, live_created) = seed_pass(&*store, &account, Mode::Live, &live_template).await;
    assert_eq!(
        deliveries(&*store, &live).await,
        vec![expected_delivery(&live_created, &live)]
    );
}

/// Writes that fail enqueue nothing: a duplicate pass, a stale ticket, a stale
/// version, an event of a missing pass (`NotFound`).
pub async fn failed_writes_enqueue_nothing(factory: impl AsyncFn() -> Arc<dyn Store>) {
    let store = factory().await;
    let (account, webhook, pass, created) = one_webhook(&*store).await;
    let template = seed_template(&*store, &account).await;

    let mut twin = fixtures::pass(&account, Mode::Test, &template);
    twin.serial_number = pass.serial_number.clone();
    assert_duplicate(
        insert_created(&*store, &twin, None).await,
        "insert_pass with a taken serial number",
    );
    let req = fixtures::idem_request(
        &pass.scope(),
        &fixtures::idem_key(),
        "fp",
        fixtures::timestamp(),
    );
    let ticket = begin_started(&*store, &req).await;
    let lost = fixtures::pass(&account, Mode::Test, &template);
    assert_key_lost(
        insert_created(&*store, &lost, Some(&stale_completion(&ticket))).await,
        "insert_pass with a stale ticket",
    );
    let mut moved = fixtures::next_version(&pass);
    moved.version = pass.version + 5;
    assert_changed(
        try_update(&*store, &moved, pass.version + 4, false).await,
        "update_pass with a stale version",
    );
    let ghost = fixtures::pass(&account, Mode::Test, &template);
    assert_not_found(
        store
            .insert_event(&fixtures::event(&ghost, EventType::Downloaded))
            .await,
        "insert_event of a missing pass",
    );
    assert_eq!(
        deliveries(&*store, &webhook).await,
        vec![expected_delivery(&created, &webhook)],
        "only the successful write enqueued"
    );
}

/// A claimed delivery comes with its webhook as stored, its event, and the pass as
/// it was right after the event (later changes do not alter the snapshot).
pub async fn claims_carry_the_event_and_the_pass_after_it(
    factory: impl AsyncFn() -> Arc<dyn Store>,
) {
    let store = factory().await;
    let (_, webhook, pass, created) = one_webhook(&*store).await;
    let next = fixtures::next_version(&pass);
    let updated = fixtures::event(&next, EventType::Updated);
    update_with(&*store, &next, pass.version, &updated)
        .await
        .expect("update_pass");
    let viewed = fixtures::event(&next, EventType::UrlViewed);
    store.insert_event(&viewed).await.expect("insert_event");
    let mut voided = fixtures::next_version(&next);
    voided.voided_at = Some(fixtures::timestamp());
    store
        .update_pass(&voided, next.version, None, None, false)
        .await
        .expect("update_pass without an event");
    let mut renamed = webhook.clone();
    renamed.url = "https://renamed.example.com/hook".into();
    renamed.updated_at = fixtures::timestamp();
    store
        .update_webhook(&renamed, webhook.updated_at, None)
        .await
        .expect("update_webhook");

    let claimed = claim(&*store, &claim_at(fixtures::timestamp(), 10)).await;
    assert_eq!(claimed.len(), 3, "three deliveries are due");
    let expected = [(&created, &pass), (&updated, &next), (&viewed, &next)];
    for (c, (event, snapshot)) in claimed.iter().zip(expected) {
        assert_eq!(
            c.delivery,
            expected_delivery(event, &webhook),
            "oldest due first"
        );
        assert_eq!(&c.event, event, "the claimed delivery's event");
        assert_eq!(&c.pass, snapshot, "the pass right after the event");
        assert_eq!(c.webhook, renamed, "the webhook as stored at claim time");
    }
}
