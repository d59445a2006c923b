//! [`passmint_domain::ports::RetentionStore`]: what is past its retention goes in
//! bounded batches, what is within it (or still needed) stays (docs/api.md §10).

use super::wallet::{device, push_token, register, setup, update};
use super::webhooks::support::{attempt, claim, claim_at, seed_webhook};
use super::{assert_not_found, ids, seed_account, seed_pass, seed_template};
use crate::fixtures;
use passmint_domain::event::{EventType, PassEvent};
use passmint_domain::ids::WebhookDeliveryId;
use passmint_domain::mode::Mode;
use passmint_domain::page::PageRequest;
use passmint_domain::pass::Pass;
use passmint_domain::ports::Store;
use passmint_domain::ports::{DeliveryRetry, Purged};
use passmint_domain::webhook::{DeliveryStatus, Webhook};
use std::sync::Arc;
use time::Duration;

/// An event of `pass` created `age` ago, stored.
async fn old_event(store: &dyn Store, pass: &Pass, kind: EventType, age: Duration) -> PassEvent {
    let mut event = fixtures::event(pass, kind);
    event.created_at -= age;
    store.insert_event(&event).await.expect("insert_event");
    event
}

/// `purge_events` deletes the events created at or before the cutoff, oldest
/// first and at most `limit` a call; newer events stay, and so does an old event
/// a delivery still refers to.
pub async fn purge_events_past_the_cutoff(factory: impl AsyncFn() -> Arc<dyn Store>) {
    let store = factory().await;
    let account = seed_account(&*store).await;
    let template = seed_template(&*store, &account).await;
    // Subscribed to downloads only: the other events have no delivery.
    seed_webhook(&*store, &account, Mode::Test, &["pass.downloaded"]).await;
    let (pass, created) = seed_pass(&*store, &account, Mode::Test, &template).await;
    let mut old = Vec::new();
    for days in [40, 30, 20, 10, 5] {
        old.push(old_event(&*store, &pass, EventType::UrlViewed, Duration::days(days)).await);
    }
    let referenced = old_event(&*store, &pass, EventType::Downloaded, Duration::days(50)).await;
    let recent = old_event(&*store, &pass, EventType::UrlViewed, Duration::hours(1)).await;
    let cutoff = fixtures::timestamp() - Duration::days(1);

    let listed = async || {
        let page = store
            .list_events(&pass.scope(), Some(&pass.id), &PageRequest::first(100))
            .await
            .expect("list_events");
        let mut kept = ids(&page.data);
        kept.sort();
        kept
    };
    let first = store.purge_events(None, cutoff, 3).await.expect("purge");
    assert_eq!(
        first,
        Purged {
            removed: 3,
            reached: Some(old[2].created_at)
        },
        "a batch of 3, up to the newest of them"
    );
    let mut expected = ids(&[
        old[3].clone(),
        old[4].clone(),
        referenced.clone(),
        recent.clone(),
        created.clone(),
    ]);
    expected.sort();
    assert_eq!(listed().await, expected, "the oldest three went first");
    let rest = store
        .purge_events(first.reached, cutoff, 3)
        .await
        .expect("purge from where the first batch ended");
    assert_eq!(
        rest,
        Purged {
            removed: 2,
            reached: Some(old[4].created_at)
        },
        "the rest"
    );
    assert_eq!(
        store.purge_events(rest.reached, cutoff, 3).await,
        Ok(Purged::default()),
        "nothing left"
    );
    assert_eq!(
        store.purge_events(None, cutoff, 3).await,
        Ok(Purged::default()),
        "nothing left from the start either"
    );
    let mut expected = ids(&[referenced, recent, created]);
    expected.sort();
    assert_eq!(
        listed().await,
        expected,
        "events within the retention and events a delivery refers to stay"
    );
}

/// `count` downloads of `pass`, stored: one delivery each per subscribed webhook.
async fn downloads(store: &dyn Store, pass: &Pass, count: usize) -> Vec<PassEvent> {
    let mut out = Vec::new();
    for _ in 0..count {
        out.push(old_event(store, pass, EventType::Downloaded, Duration::ZERO).await);
    }
    out
}

/// Whether the delivery of `event` to `webhook` still exists (a retry finds it).
async fn exists(store: &dyn Store, webhook: &Webhook, event: &PassEvent) -> bool {
    let id = WebhookDeliveryId::derive(&event.id, &webhook.id);
    let found = store
        .retry_delivery(&DeliveryRetry {
            scope: &webhook.scope(),
            webhook: &webhook.id,
            delivery: &id,
            at: fixtures::timestamp(),
        })
        .await;
    if found.is_err() {
        assert_not_found(found, "retry_delivery of a pruned delivery");
        return false;
    }
    true
}

/// `prune_deliveries` keeps each webhook's newest `keep` deliveries and, older
/// than those, every one not settled (pending, failed and due again, due again
/// after a manual retry, in flight); it deletes the settled ones (delivered,
/// dead), at most `limit` a call.
pub async fn prune_deliveries_beyond_the_newest(factory: impl AsyncFn() -> Arc<dyn Store>) {
    const KEEP: u32 = 100;
    let store = factory().await;
    let account = seed_account(&*store).await;
    let template = seed_template(&*store, &account).await;
    let busy = seed_webhook(&*store, &account, Mode::Test, &["pass.downloaded"]).await;
    let waiting = seed_webhook(&*store, &account, Mode::Test, &["pass.downloaded"]).await;
    let (pass, _) = seed_pass(&*store, &account, Mode::Test, &template).await;
    let events = downloads(&*store, &pass, KEEP as usize + 6).await;
    // `waiting` is disabled: its deliveries stay pending.
    let mut off = waiting.clone();
    off.enabled = false;
    off.updated_at = fixtures::timestamp();
    store
        .update_webhook(&off, waiting.updated_at, None)
        .await
        .expect("disable");

    let req = claim_at(fixtures::timestamp(), 1000);
    let claimed = claim(&*store, &req).await;
    assert_eq!(
        claimed.len(),
        events.len(),
        "every delivery of `busy` claimed"
    );
    for (i, c) in claimed.iter().enumerate() {
        let outcome = match i {
            0 => attempt(DeliveryStatus::Failed, Some(req.now + Duration::minutes(5))),
            1 => continue, // in flight
            2 => attempt(DeliveryStatus::Dead, None),
            _ => attempt(DeliveryStatus::Delivered, None),
        };
        store
            .record_attempt(&c.delivery.id, &req.token, &outcome)
            .await
            .expect("record_attempt");
    }
    // The fifth oldest was retried by hand: due again.
    assert!(exists(&*store, &busy, &events[4]).await);

    assert_eq!(store.prune_deliveries(KEEP, 2).await, Ok(2), "a batch of 2");
    assert_eq!(store.prune_deliveries(KEEP, 1000).await, Ok(1), "the rest");
    assert_eq!(
        store.prune_deliveries(KEEP, 1000).await,
        Ok(0),
        "nothing left"
    );

    let newest: Vec<WebhookDeliveryId> = events[6..]
        .iter()
        .rev()
        .map(|e| WebhookDeliveryId::derive(&e.id, &busy.id))
        .collect();
    let page = store
        .list_deliveries(&busy.scope(), &busy.id, KEEP)
        .await
        .expect("list_deliveries");
    let listed: Vec<WebhookDeliveryId> = page.data.iter().map(|d| d.id.clone()).collect();
    assert_eq!(listed, newest, "the newest 100 stay");
    for (i, kept) in [
        (0, true),
        (1, true),
        (2, false),
        (3, false),
        (4, true),
        (5, false),
    ] {
        assert_eq!(
            exists(&*store, &busy, &events[i]).await,
            kept,
            "the delivery {i} from the oldest (failed, in flight, dead, delivered, retried, delivered)"
        );
    }
    for e in &events[..6] {
        assert!(
            exists(&*store, &off, e).await,
            "the pending deliveries of a disabled webhook stay"
        );
    }
}

/// `purge_push_jobs` deletes the jobs created at or before the cutoff, except one
/// under a lease that holds; newer jobs stay.
pub async fn purge_push_jobs_past_the_cutoff(factory: impl AsyncFn() -> Arc<dyn Store>) {
    let store = factory().await;
    let (_, pass) = setup(&*store).await;
    for _ in 0..2 {
        register(&*store, &pass, &device(), &push_token()).await;
    }
    let pass = update(&*store, &pass, true).await;
    let leased = claim_at(fixtures::timestamp(), 1);
    let jobs = store.claim_pushes(&leased).await.expect("claim_pushes");
    assert_eq!(jobs.len(), 1);
    let cutoff = fixtures::timestamp();
    update(&*store, &pass, true).await;
    assert_eq!(store.pending_pushes().await, Ok(4));

    assert_eq!(
        store.purge_push_jobs(cutoff, leased.now, 1000).await,
        Ok(1),
        "the old job that is not leased"
    );
    assert_eq!(store.pending_pushes().await, Ok(3));
    assert_eq!(
        store
            .purge_push_jobs(cutoff, leased.lease_until, 1000)
            .await,
        Ok(1),
        "the old job once its lease ended"
    );
    assert_eq!(
        store
            .purge_push_jobs(cutoff, leased.lease_until, 1000)
            .await,
        Ok(0)
    );
    assert_eq!(store.pending_pushes().await, Ok(2), "the newer jobs stay");
}
