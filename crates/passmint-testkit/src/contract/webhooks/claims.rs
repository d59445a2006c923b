//! Claiming deliveries under leases, recording attempts, retries, disabled webhooks.

use super::support::{
    attempt, claim, claim_at, claim_capped, claimed_ids, deliveries, delivery_ids,
    expected_delivery, find_in, one_webhook, seed_webhook, with_events,
};
use passmint_domain::ports::{DeliveryRetry, LeasedAttempt};

use crate::contract::{
    assert_lease_lost, assert_not_found, claim_concurrently, seed_owner, seed_pass,
};
use crate::fixtures;
use passmint_domain::event::EventType;
use passmint_domain::ids::{WebhookDeliveryId, WebhookId};
use passmint_domain::mode::{Mode, Scope};
use passmint_domain::ports::{Store, StoreResult};
use passmint_domain::webhook::{AttemptRecord, DeliveryStatus, Webhook, WebhookDelivery};
use std::collections::HashSet;
use std::sync::Arc;
use time::{Duration, OffsetDateTime};

/// A claim leases its deliveries: another claim gets none of them until the lease
/// ends, then the delivery is claimable again, and only the newest claim's token
/// may record (`LeaseLost` for the old one).
pub async fn claims_lease_until_the_lease_ends(factory: impl AsyncFn() -> Arc<dyn Store>) {
    let store = factory().await;
    let (_, webhook, _, created) = one_webhook(&*store).await;
    let id = WebhookDeliveryId::derive(&created.id, &webhook.id);
    let now = fixtures::timestamp();
    let first = claim_at(now, 10);
    assert_eq!(claimed_ids(&claim(&*store, &first).await), vec![id.clone()]);
    assert_eq!(
        claim(&*store, &claim_at(now, 10)).await.len(),
        0,
        "a leased delivery is not claimed again"
    );
    assert_eq!(
        claim(
            &*store,
            &claim_at(first.lease_until - Duration::microseconds(1), 10)
        )
        .await
        .len(),
        0,
        "nor just before its lease ends"
    );
    let second = claim_at(first.lease_until, 10);
    assert_eq!(
        claimed_ids(&claim(&*store, &second).await),
        vec![id.clone()],
        "an ended lease (a crashed worker) makes the delivery claimable again"
    );
    assert_lease_lost(
        store
            .record_attempt(&id, &first.token, &attempt(DeliveryStatus::Delivered, None))
            .await,
        "record_attempt with a superseded lease",
    );
    assert_lease_lost(
        store
            .record_attempt(
                &id,
                "not-a-token",
                &attempt(DeliveryStatus::Delivered, None),
            )
            .await,
        "record_attempt with a token that never held the lease",
    );
    assert_eq!(
        deliveries(&*store, &webhook).await,
        vec![expected_delivery(&created, &webhook)],
        "refused records wrote nothing"
    );
    store
        .record_attempt(
            &id,
            &second.token,
            &attempt(DeliveryStatus::Delivered, None),
        )
        .await
        .expect("record_attempt with the lease's token");
    assert_lease_lost(
        store
            .record_attempt(
                &id,
                &second.token,
                &attempt(DeliveryStatus::Delivered, None),
            )
            .await,
        "record_attempt after the lease was released",
    );
}

/// Records update the delivery (attempts + 1, time, status, next attempt,
/// response) and release it; only due deliveries are claimed, the longest due
/// first, at most `limit`; delivered and dead ones never again.
pub async fn record_attempt_schedules_and_settles(factory: impl AsyncFn() -> Arc<dyn Store>) {
    let store = factory().await;
    let (_, webhook, pass, created) = one_webhook(&*store).await;
    let events = with_events(&*store, &pass, created, EventType::Downloaded, 3).await;
    let ids = delivery_ids(&events, &webhook);
    let now = fixtures::timestamp();
    let req = claim_at(now, 2);
    assert_eq!(
        claimed_ids(&claim(&*store, &req).await),
        ids[..2].to_vec(),
        "the limit, oldest due first"
    );

    let later = now + Duration::seconds(30);
    let failed = attempt(DeliveryStatus::Failed, Some(later));
    store
        .record_attempt(&ids[0], &req.token, &failed)
        .await
        .expect("record a failure");
    let delivered = AttemptRecord {
        response_status: Some(204),
        response_body: Some(String::new()),
        ..attempt(DeliveryStatus::Delivered, None)
    };
    store
        .record_attempt(&ids[1], &req.token, &delivered)
        .await
        .expect("record a success");

    let log = deliveries(&*store, &webhook).await;
    let find = |id: &WebhookDeliveryId| {
        log.iter()
            .find(|d| &d.id == id)
            .cloned()
            .expect("the delivery is listed")
    };
    let d0 = find(&ids[0]);
    assert_eq!(
        (
            d0.status,
            d0.attempts,
            d0.last_attempt_at,
            d0.next_attempt_at
        ),
        (DeliveryStatus::Failed, 1, Some(failed.at), Some(later))
    );
    assert_eq!(
        (d0.response_status, d0.response_body),
        (failed.response_status, failed.response_body.clone())
    );
    let d1 = find(&ids[1]);
    assert_eq!(
        (
            d1.status,
            d1.attempts,
            d1.next_attempt_at,
            d1.response_status,
            d1.response_body
        ),
        (
            DeliveryStatus::Delivered,
            1,
            None,
            Some(204),
            Some(String::new())
        )
    );

    let req = claim_at(now + Duration::seconds(1), 10);
    assert_eq!(
        claimed_ids(&claim(&*store, &req).await),
        ids[2..].to_vec(),
        "a failed delivery waits for its next attempt"
    );
    for id in &ids[2..] {
        store
            .record_attempt(id, &req.token, &attempt(DeliveryStatus::Dead, None))
            .await
            .expect("record a last failure");
    }
    let req = claim_at(later, 10);
    let again = claim(&*store, &req).await;
    assert_eq!(
        claimed_ids(&again),
        vec![ids[0].clone()],
        "due at its next attempt"
    );
    assert_eq!(again[0].delivery.attempts, 1);
    let failed_again = attempt(DeliveryStatus::Failed, Some(later + Duration::seconds(1)));
    store
        .record_attempt(&ids[0], &req.token, &failed_again)
        .await
        .expect("record a second failure");
    assert_eq!(find_in(&*store, &webhook, &ids[0]).await.attempts, 2);
    assert_eq!(
        claim(&*store, &claim_at(later + Duration::days(365), 10))
            .await
            .iter()
            .map(|c| c.delivery.id.clone())
            .collect::<Vec<_>>(),
        vec![ids[0].clone()],
        "delivered and dead deliveries are never claimed again"
    );
}

/// Several attempts recorded in one call: each as `record_attempt` would record
/// it, and each one's outcome answered in order (`LeaseLost` for a token that
/// does not hold the lease, writing nothing; `NotFound` for a delivery that does
/// not exist), the others recorded all the same.
pub async fn record_attempts_answers_each(factory: impl AsyncFn() -> Arc<dyn Store>) {
    let store = factory().await;
    let (_, webhook, pass, created) = one_webhook(&*store).await;
    let events = with_events(&*store, &pass, created, EventType::Downloaded, 2).await;
    let ids = delivery_ids(&events, &webhook);
    let now = fixtures::timestamp();
    let req = claim_at(now, 10);
    assert_eq!(claimed_ids(&claim(&*store, &req).await), ids);
    assert!(
        store
            .record_attempts(&[])
            .await
            .expect("record nothing")
            .is_empty()
    );

    let later = now + Duration::seconds(30);
    let failed = attempt(DeliveryStatus::Failed, Some(later));
    let delivered = AttemptRecord {
        response_status: Some(204),
        response_body: Some(String::new()),
        ..attempt(DeliveryStatus::Delivered, None)
    };
    let never = WebhookDeliveryId::derive(
        &fixtures::event(&pass, EventType::Downloaded).id,
        &webhook.id,
    );
    fn leased<'a>(
        id: &'a WebhookDeliveryId,
        token: &'a str,
        attempt: &'a AttemptRecord,
    ) -> LeasedAttempt<'a> {
        LeasedAttempt { id, token, attempt }
    }
    let outcomes = store
        .record_attempts(&[
            leased(&ids[0], &req.token, &failed),
            leased(&ids[1], "not-the-lease-token", &delivered),
            leased(&never, &req.token, &delivered),
            leased(&ids[2], &req.token, &delivered),
        ])
        .await
        .expect("record_attempts");
    assert_eq!(outcomes.len(), 4, "{outcomes:?}");
    assert!(outcomes[0].is_ok(), "{outcomes:?}");
    assert_lease_lost(outcomes[1].clone(), "record_attempts with another token");
    assert_not_found(outcomes[2].clone(), "record_attempts of no delivery");
    assert!(outcomes[3].is_ok(), "{outcomes:?}");

    let d0 = find_in(&*store, &webhook, &ids[0]).await;
    assert_eq!(
        (
            d0.status,
            d0.attempts,
            d0.last_attempt_at,
            d0.next_attempt_at,
            d0.response_status,
            d0.response_body
        ),
        (
            DeliveryStatus::Failed,
            1,
            Some(failed.at),
            Some(later),
            failed.response_status,
            failed.response_body.clone()
        )
    );
    let d1 = find_in(&*store, &webhook, &ids[1]).await;
    assert_eq!(
        (d1.status, d1.attempts, d1.last_attempt_at),
        (DeliveryStatus::Pending, 0, None),
        "a refused record writes nothing"
    );
    let d2 = find_in(&*store, &webhook, &ids[2]).await;
    assert_eq!(
        (
            d2.status,
            d2.attempts,
            d2.next_attempt_at,
            d2.response_status,
            d2.response_body
        ),
        (
            DeliveryStatus::Delivered,
            1,
            None,
            Some(204),
            Some(String::new())
        )
    );
    assert!(
        claim(&*store, &claim_at(now + Duration::seconds(1), 10))
            .await
            .is_empty(),
        "the refused one is still leased; the recorded ones are not due"
    );
    let outcomes = store
        .record_attempts(&[leased(&ids[1], &req.token, &delivered)])
        .await
        .expect("record_attempts with the lease's token");
    assert!(outcomes[0].is_ok(), "{outcomes:?}");
    assert_eq!(
        find_in(&*store, &webhook, &ids[1]).await.status,
        DeliveryStatus::Delivered
    );
}

/// Updates the stored `webhook` to `enabled`; returns it as stored now.
async fn set_enabled(store: &dyn Store, webhook: &Webhook, enabled: bool) -> Webhook {
    let mut next = webhook.clone();
    next.enabled = enabled;
    next.updated_at = fixtures::timestamp();
    store
        .update_webhook(&next, webhook.updated_at, None)
        .await
        .unwrap_or_else(|e| panic!("update_webhook enabled={enabled}: {e:?}"));
    next
}

/// The deliveries of a disabled webhook are not claimed; they wait until it is
/// enabled again.
pub async fn disabled_webhooks_deliveries_wait(factory: impl AsyncFn() -> Arc<dyn Store>) {
    let store = factory().await;
    let (_, webhook, _, created) = one_webhook(&*store).await;
    let off = set_enabled(&*store, &webhook, false).await;
    let now = fixtures::timestamp();
    assert_eq!(claim(&*store, &claim_at(now, 10)).await.len(), 0);
    set_enabled(&*store, &off, true).await;
    assert_eq!(
        claimed_ids(&claim(&*store, &claim_at(now, 10)).await),
        vec![WebhookDeliveryId::derive(&created.id, &webhook.id)]
    );
}

/// `retry_delivery` of `delivery` under `webhook` in `scope`, due again at `at`.
async fn retry(
    store: &dyn Store,
    scope: &Scope,
    webhook: &WebhookId,
    delivery: &WebhookDeliveryId,
    at: OffsetDateTime,
) -> StoreResult<WebhookDelivery> {
    store
        .retry_delivery(&DeliveryRetry {
            scope,
            webhook,
            delivery,
            at,
        })
        .await
}

/// `retry_delivery` makes any delivery (a dead one too) due at the given time,
/// keeps its status and attempts, releases its lease; `NotFound` outside the scope
/// or for another webhook's delivery.
pub async fn retry_delivery_makes_it_due_now(factory: impl AsyncFn() -> Arc<dyn Store>) {
    let store = factory().await;
    let (account, webhook, pass, created) = one_webhook(&*store).await;
    let id = WebhookDeliveryId::derive(&created.id, &webhook.id);
    let now = fixtures::timestamp();
    let req = claim_at(now, 10);
    claim(&*store, &req).await;
    store
        .record_attempt(&id, &req.token, &attempt(DeliveryStatus::Dead, None))
        .await
        .expect("record_attempt");

    let at = fixtures::timestamp();
    let retried = retry(&*store, &webhook.scope(), &webhook.id, &id, at)
        .await
        .expect("retry_delivery");
    let stored = find_in(&*store, &webhook, &id).await;
    assert_eq!(retried, stored, "retry_delivery returns the delivery after");
    assert_eq!(
        (stored.status, stored.attempts, stored.next_attempt_at),
        (DeliveryStatus::Dead, 1, Some(at))
    );
    let first = claim_at(at, 10);
    assert_eq!(claimed_ids(&claim(&*store, &first).await), vec![id.clone()]);
    retry(&*store, &webhook.scope(), &webhook.id, &id, at)
        .await
        .expect("retry while leased");
    assert_lease_lost(
        store
            .record_attempt(&id, &first.token, &attempt(DeliveryStatus::Delivered, None))
            .await,
        "record_attempt after a retry released the lease",
    );
    let second = claim_at(at, 10);
    assert_eq!(
        claimed_ids(&claim(&*store, &second).await),
        vec![id.clone()]
    );

    let other = seed_webhook(&*store, &account, Mode::Test, &["*"]).await;
    assert_not_found(
        retry(&*store, &other.scope(), &other.id, &id, at).await,
        "retry_delivery under another webhook",
    );
    assert_not_found(
        retry(
            &*store,
            &fixtures::scope(&account, Mode::Live),
            &webhook.id,
            &id,
            at,
        )
        .await,
        "retry_delivery in the other mode",
    );
    let unknown =
        WebhookDeliveryId::derive(&fixtures::event(&pass, EventType::Removed).id, &webhook.id);
    assert_not_found(
        retry(&*store, &webhook.scope(), &webhook.id, &unknown, at).await,
        "retry_delivery of an unknown delivery",
    );
}

/// Concurrent claimers never get the same delivery: every due delivery is
/// claimed exactly once across them.
pub async fn concurrent_claims_never_share_a_delivery(factory: impl AsyncFn() -> Arc<dyn Store>) {
    let store = factory().await;
    let (_, webhook, pass, created) = one_webhook(&*store).await;
    let mut expected: HashSet<WebhookDeliveryId> =
        HashSet::from([WebhookDeliveryId::derive(&created.id, &webhook.id)]);
    for _ in 0..39 {
        let e = fixtures::event(&pass, EventType::Downloaded);
        store.insert_event(&e).await.expect("insert_event");
        expected.insert(WebhookDeliveryId::derive(&e.id, &webhook.id));
    }
    let now = fixtures::timestamp();
    let seen = claim_concurrently(8, &store, move |store| async move {
        let got = store
            .claim_deliveries(&claim_at(now, 3), u32::MAX)
            .await
            .expect("concurrent claim_deliveries");
        got.into_iter().map(|c| c.delivery.id).collect()
    })
    .await;
    assert_eq!(seen, expected, "every delivery was claimed once");
}

/// SQL that breaks the pass snapshot of the delivery `$1`, on both SQL engines.
pub const CORRUPT_DELIVERY_SQL: &str =
    "UPDATE webhook_deliveries SET pass_snapshot = '{\"id\": 1}' WHERE id = '$1'";

/// A delivery that no longer decodes (`corrupt` breaks, with raw SQL such as
/// [`CORRUPT_DELIVERY_SQL`], the delivery whose id it is given) is skipped by the claim, never blocking the deliveries due
/// after it; it stays leased like the others. Run by the SQL adapters, which can
/// corrupt a row.
pub async fn undecodable_deliveries_are_skipped(
    store: Arc<dyn Store>,
    corrupt: impl AsyncFn(&str),
) {
    let (account, webhook, _, first) = one_webhook(&*store).await;
    let template = crate::contract::seed_template(&*store, &account).await;
    let (_, second) = crate::contract::seed_pass(&*store, &account, Mode::Test, &template).await;
    let bad = WebhookDeliveryId::derive(&first.id, &webhook.id);
    let good = WebhookDeliveryId::derive(&second.id, &webhook.id);
    corrupt(bad.as_str()).await;
    let now = fixtures::timestamp() + Duration::seconds(1);
    assert_eq!(
        claim(&*store, &claim_at(now, 1)).await.len(),
        0,
        "the corrupt delivery, due first, is claimed and skipped"
    );
    assert_eq!(
        claimed_ids(&claim(&*store, &claim_at(now, 1)).await),
        vec![good],
        "the next claim gets the delivery behind it"
    );
    assert_eq!(claim(&*store, &claim_at(now, 10)).await.len(), 0);
}

/// A claim never takes a webhook past `per_webhook` deliveries under a lease that
/// holds: its other due deliveries are skipped (not leased, no attempt counted, not
/// counted in the limit) while another webhook's are claimed; a recorded attempt or
/// an ended lease frees a place.
pub async fn claims_cap_each_webhook(factory: impl AsyncFn() -> Arc<dyn Store>) {
    let store = factory().await;
    let (account, template) = seed_owner(&*store).await;
    let slow = seed_webhook(&*store, &account, Mode::Test, &["*"]).await;
    let other = seed_webhook(&*store, &account, Mode::Test, &["*"]).await;
    let (pass, created) = seed_pass(&*store, &account, Mode::Test, &template).await;
    let events = with_events(&*store, &pass, created, EventType::Downloaded, 4).await;
    let (slow_ids, other_ids) = (delivery_ids(&events, &slow), delivery_ids(&events, &other));
    let of = |claimed: &[passmint_domain::webhook::ClaimedDelivery],
              w: &passmint_domain::webhook::Webhook| {
        let mut got: Vec<WebhookDeliveryId> = claimed
            .iter()
            .filter(|c| c.delivery.webhook_id == w.id)
            .map(|c| c.delivery.id.clone())
            .collect();
        got.sort();
        got
    };
    let sorted = |mut v: Vec<WebhookDeliveryId>| {
        v.sort();
        v
    };

    let now = fixtures::timestamp();
    let first = claim_at(now, 10);
    let got = claim_capped(&*store, &first, 2).await;
    assert_eq!(got.len(), 4, "two of each webhook, though ten are due");
    assert_eq!(
        of(&got, &slow),
        sorted(slow_ids[..2].to_vec()),
        "the oldest two"
    );
    assert_eq!(of(&got, &other), sorted(other_ids[..2].to_vec()));
    assert_eq!(
        claim_capped(&*store, &claim_at(now, 10), 2).await.len(),
        0,
        "both webhooks are at their cap"
    );
    let second = claim_at(now, 10);
    assert_eq!(
        claim_capped(&*store, &second, 3).await.len(),
        2,
        "a higher cap takes one more of each"
    );

    // The other webhook's attempts end; the slow one's still hang.
    for (id, req) in other_ids[..3].iter().zip([&first, &first, &second]) {
        store
            .record_attempt(id, &req.token, &attempt(DeliveryStatus::Delivered, None))
            .await
            .expect("record the other webhook's attempt");
    }
    let got = claim_capped(&*store, &claim_at(now, 2), 3).await;
    assert_eq!(
        of(&got, &slow),
        Vec::<WebhookDeliveryId>::new(),
        "slow is full, and its older deliveries do not count in the limit"
    );
    assert_eq!(
        of(&got, &other),
        sorted(other_ids[3..].to_vec()),
        "the other webhook's remaining deliveries go out meanwhile"
    );
    for d in deliveries(&*store, &slow).await {
        if slow_ids[3..].contains(&d.id) {
            assert_eq!(d.attempts, 0, "a skipped delivery counts no attempt");
            assert_eq!(d.status, DeliveryStatus::Pending);
        }
    }

    // Leases that ended hold nothing: the slow webhook's deliveries are claimable
    // again, up to the cap.
    let later = claim_at(first.lease_until, 10);
    assert_eq!(
        of(&claim_capped(&*store, &later, 3).await, &slow).len(),
        3,
        "ended leases free their places"
    );
}
