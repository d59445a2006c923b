//! Helpers shared by the cases of this group.

use crate::contract::{seed_account, seed_pass, seed_template};
use crate::fixtures;
use passmint_domain::account::Account;
use passmint_domain::event::{EventType, PassEvent};
use passmint_domain::ids::WebhookDeliveryId;
use passmint_domain::mode::Mode;
use passmint_domain::pass::Pass;
use passmint_domain::ports::Store;
use passmint_domain::webhook::{
    AttemptRecord, ClaimRequest, ClaimedDelivery, DeliveryStatus, Webhook, WebhookDelivery,
};
use time::OffsetDateTime;

pub(crate) async fn seed_webhook(
    store: &dyn Store,
    account: &Account,
    mode: Mode,
    events: &[&str],
) -> Webhook {
    let webhook = fixtures::webhook(account, mode, events);
    store
        .insert_webhook(&webhook, None)
        .await
        .expect("insert_webhook of a fresh webhook");
    webhook
}

/// Every delivery of the webhook, newest first (fewer than 100).
pub(super) async fn deliveries(store: &dyn Store, webhook: &Webhook) -> Vec<WebhookDelivery> {
    let page = store
        .list_deliveries(&webhook.scope(), &webhook.id, 100)
        .await
        .expect("list_deliveries");
    assert!(!page.has_more, "fewer than 100 deliveries expected");
    page.data
}

pub(crate) use fixtures::claim_at;

pub(crate) async fn claim(store: &dyn Store, req: &ClaimRequest) -> Vec<ClaimedDelivery> {
    claim_capped(store, req, u32::MAX).await
}

/// [`claim`] with at most `per_webhook` deliveries of one webhook in flight.
pub(crate) async fn claim_capped(
    store: &dyn Store,
    req: &ClaimRequest,
    per_webhook: u32,
) -> Vec<ClaimedDelivery> {
    let claimed = store
        .claim_deliveries(req, per_webhook)
        .await
        .expect("claim_deliveries");
    for c in &claimed {
        assert_eq!(
            c.lease_token, req.token,
            "a claimed delivery carries the claim's token"
        );
    }
    claimed
}

pub(crate) fn claimed_ids(claimed: &[ClaimedDelivery]) -> Vec<WebhookDeliveryId> {
    claimed.iter().map(|c| c.delivery.id.clone()).collect()
}

pub(crate) fn attempt(status: DeliveryStatus, next: Option<OffsetDateTime>) -> AttemptRecord {
    AttemptRecord {
        at: fixtures::timestamp(),
        status,
        next_attempt_at: next,
        response_status: Some(500),
        response_body: Some(format!("body {}", fixtures::next_n())),
    }
}

/// The delivery the obligation asks an event to enqueue for a webhook.
pub(super) fn expected_delivery(event: &PassEvent, webhook: &Webhook) -> WebhookDelivery {
    WebhookDelivery::pending(event, &webhook.id)
}

/// A pass of its own template with one webhook subscribed to everything: the
/// setting of most cases.
pub(super) async fn one_webhook(store: &dyn Store) -> (Account, Webhook, Pass, PassEvent) {
    let account = seed_account(store).await;
    let template = seed_template(store, &account).await;
    let webhook = seed_webhook(store, &account, Mode::Test, &["*"]).await;
    let (pass, created) = seed_pass(store, &account, Mode::Test, &template).await;
    (account, webhook, pass, created)
}

/// `created` followed by `n` more events of `kind` on the pass, each inserted.
pub(super) async fn with_events(
    store: &dyn Store,
    pass: &Pass,
    created: PassEvent,
    kind: EventType,
    n: usize,
) -> Vec<PassEvent> {
    let mut events = vec![created];
    for _ in 0..n {
        let e = fixtures::event(pass, kind);
        store.insert_event(&e).await.expect("insert_event");
        events.push(e);
    }
    events
}

/// The ids of the deliveries `events` enqueue for `webhook`, in their order.
pub(super) fn delivery_ids(events: &[PassEvent], webhook: &Webhook) -> Vec<WebhookDeliveryId> {
    events
        .iter()
        .map(|e| WebhookDeliveryId::derive(&e.id, &webhook.id))
        .collect()
}

pub(super) async fn find_in(
    store: &dyn Store,
    webhook: &Webhook,
    id: &WebhookDeliveryId,
) -> WebhookDelivery {
    deliveries(store, webhook)
        .await
        .into_iter()
        .find(|d| &d.id == id)
        .expect("the delivery is listed")
}
