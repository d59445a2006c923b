//! [`passmint_domain::ports::WebhookStore`], and the outbox obligation of the
//! [`passmint_domain::ports::PassStore`] writes: every event enqueues, in its own
//! transaction, one delivery per enabled webhook of its scope that subscribes to it;
//! workers claim due deliveries under exclusive, expiring leases.

use super::{
    assert_conflict, assert_not_found, begin, begin_started, seed_account, seed_pass,
    seed_template, stale,
};
use crate::fixtures;
use passmint_domain::account::Account;
use passmint_domain::event::{EventType, PassEvent};
use passmint_domain::idempotency::IdemBegin;
use passmint_domain::ids::{WebhookDeliveryId, WebhookId};
use passmint_domain::mode::Mode;
use passmint_domain::pass::Pass;
use passmint_domain::ports::Store;
use passmint_domain::webhook::{
    AttemptRecord, ClaimRequest, ClaimedDelivery, DeliveryStatus, RotatedSecret, Subscription,
    Webhook, WebhookDelivery,
};
use std::collections::HashSet;
use std::sync::Arc;
use time::{Duration, OffsetDateTime};

const LEASE: Duration = Duration::seconds(60);

async fn seed_webhook(
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
async fn deliveries(store: &dyn Store, webhook: &Webhook) -> Vec<WebhookDelivery> {
    let page = store
        .list_deliveries(&webhook.scope(), &webhook.id, 100)
        .await
        .expect("list_deliveries");
    assert!(!page.has_more, "fewer than 100 deliveries expected");
    page.data
}

fn claim_at(now: OffsetDateTime, limit: u32) -> ClaimRequest {
    ClaimRequest {
        now,
        lease_until: now + LEASE,
        token: fixtures::base62(24),
        limit,
    }
}

async fn claim(store: &dyn Store, req: &ClaimRequest) -> Vec<ClaimedDelivery> {
    let claimed = store.claim_deliveries(req).await.expect("claim_deliveries");
    for c in &claimed {
        assert_eq!(
            c.lease_token, req.token,
            "a claimed delivery carries the claim's token"
        );
    }
    claimed
}

fn claimed_ids(claimed: &[ClaimedDelivery]) -> Vec<WebhookDeliveryId> {
    claimed.iter().map(|c| c.delivery.id.clone()).collect()
}

fn attempt(status: DeliveryStatus, next: Option<OffsetDateTime>) -> AttemptRecord {
    AttemptRecord {
        at: fixtures::timestamp(),
        status,
        next_attempt_at: next,
        response_status: Some(500),
        response_body: Some(format!("body {}", fixtures::next_n())),
    }
}

/// The delivery the obligation asks an event to enqueue for a webhook.
fn expected_delivery(event: &PassEvent, webhook: &Webhook) -> WebhookDelivery {
    WebhookDelivery {
        id: WebhookDeliveryId::derive(&event.id, &webhook.id),
        webhook_id: webhook.id.clone(),
        account_id: event.account_id.clone(),
        mode: event.mode,
        event_id: event.id.clone(),
        event_type: event.kind,
        status: DeliveryStatus::Pending,
        attempts: 0,
        last_attempt_at: None,
        next_attempt_at: Some(event.created_at),
        response_status: None,
        response_body: None,
        created_at: event.created_at,
    }
}

/// A pass of its own template with one webhook subscribed to everything: the
/// setting of most cases.
async fn one_webhook(store: &dyn Store) -> (Account, Webhook, Pass, PassEvent) {
    let account = seed_account(store).await;
    let template = seed_template(store, &account).await;
    let webhook = seed_webhook(store, &account, Mode::Test, &["*"]).await;
    let (pass, created) = seed_pass(store, &account, Mode::Test, &template).await;
    (account, webhook, pass, created)
}

/// Webhooks read back as inserted, listed newest first within their scope only;
/// `get_webhook` MUST return `NotFound` outside the scope; `insert_webhook` MUST
/// return `Conflict` for a taken id and `NotFound` for an unknown account.
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
    assert_conflict(
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
/// their write, and with a stale ticket MUST write nothing (`Conflict`).
pub async fn webhook_writes_complete_idempotency(factory: impl AsyncFn() -> Arc<dyn Store>) {
    let store = factory().await;
    let account = seed_account(&*store).await;
    let scope = fixtures::scope(&account, Mode::Test);
    let now = fixtures::timestamp();
    let req = fixtures::idem_request(&scope, &fixtures::idem_key(), "fp", now);
    let ticket = begin_started(&*store, &req).await;

    let lost = fixtures::webhook(&account, Mode::Test, &["*"]);
    assert_conflict(
        store
            .insert_webhook(&lost, Some(&fixtures::completion(&stale(&ticket), 200)))
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
    assert_eq!(
        begin(&*store, &req).await,
        IdemBegin::Replay(done.response.clone()),
        "the insert completed the key"
    );

    let req = fixtures::idem_request(&scope, &fixtures::idem_key(), "fp", now);
    let ticket = begin_started(&*store, &req).await;
    let mut next = webhook.clone();
    next.url = "https://changed.example.com/".into();
    next.updated_at = fixtures::timestamp();
    assert_conflict(
        store
            .update_webhook(
                &next,
                webhook.updated_at,
                Some(&fixtures::completion(&stale(&ticket), 200)),
            )
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
    assert_eq!(
        begin(&*store, &req).await,
        IdemBegin::Replay(done.response.clone())
    );
}

/// `update_webhook` replaces every property when `updated_at` is as expected;
/// otherwise `Conflict` (writing nothing); a webhook outside its scope (or
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
    assert_conflict(
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

/// The outbox: each event write enqueues one pending delivery per enabled webhook
/// of its account and mode subscribed to its type (`*` matching all), with the
/// derived id and the event's times, and returns how many; disabled webhooks,
/// other modes and accounts, and other types get nothing.
pub async fn events_fan_out_to_subscribed_enabled_webhooks(
    factory: impl AsyncFn() -> Arc<dyn Store>,
) {
    let store = factory().await;
    let account = seed_account(&*store).await;
    let other = seed_account(&*store).await;
    let template = seed_template(&*store, &account).await;
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
        store
            .update_pass(&next, pass.version, Some(&e2), None, false)
            .await,
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
    assert_conflict(
        store
            .insert_pass(&twin, &fixtures::event(&twin, EventType::Created), None)
            .await,
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
    assert_conflict(
        store
            .insert_pass(
                &lost,
                &fixtures::event(&lost, EventType::Created),
                Some(&fixtures::completion(&stale(&ticket), 200)),
            )
            .await,
        "insert_pass with a stale ticket",
    );
    let mut moved = fixtures::next_version(&pass);
    moved.version = pass.version + 5;
    assert_conflict(
        store
            .update_pass(
                &moved,
                pass.version + 4,
                Some(&fixtures::event(&moved, EventType::Updated)),
                None,
                false,
            )
            .await,
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
    store
        .update_pass(&next, pass.version, Some(&updated), None, false)
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

/// A claim leases its deliveries: another claim gets none of them until the lease
/// ends, then the delivery is claimable again, and only the newest claim's token
/// may record (`Conflict` for the old one).
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
    assert_conflict(
        store
            .record_attempt(&id, &first.token, &attempt(DeliveryStatus::Delivered, None))
            .await,
        "record_attempt with a superseded lease",
    );
    assert_conflict(
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
    assert_conflict(
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
    let mut events = vec![created];
    for _ in 0..3 {
        let e = fixtures::event(&pass, EventType::Downloaded);
        store.insert_event(&e).await.expect("insert_event");
        events.push(e);
    }
    let ids: Vec<WebhookDeliveryId> = events
        .iter()
        .map(|e| WebhookDeliveryId::derive(&e.id, &webhook.id))
        .collect();
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

async fn find_in(store: &dyn Store, webhook: &Webhook, id: &WebhookDeliveryId) -> WebhookDelivery {
    deliveries(store, webhook)
        .await
        .into_iter()
        .find(|d| &d.id == id)
        .expect("the delivery is listed")
}

/// The deliveries of a disabled webhook are not claimed; they wait until it is
/// enabled again.
pub async fn disabled_webhooks_deliveries_wait(factory: impl AsyncFn() -> Arc<dyn Store>) {
    let store = factory().await;
    let (_, webhook, _, created) = one_webhook(&*store).await;
    let mut off = webhook.clone();
    off.enabled = false;
    off.updated_at = fixtures::timestamp();
    store
        .update_webhook(&off, webhook.updated_at, None)
        .await
        .expect("disable");
    let now = fixtures::timestamp();
    assert_eq!(claim(&*store, &claim_at(now, 10)).await.len(), 0);
    let mut on = off.clone();
    on.enabled = true;
    on.updated_at = fixtures::timestamp();
    store
        .update_webhook(&on, off.updated_at, None)
        .await
        .expect("enable");
    assert_eq!(
        claimed_ids(&claim(&*store, &claim_at(now, 10)).await),
        vec![WebhookDeliveryId::derive(&created.id, &webhook.id)]
    );
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
    let retried = store
        .retry_delivery(&webhook.scope(), &webhook.id, &id, at)
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
    store
        .retry_delivery(&webhook.scope(), &webhook.id, &id, at)
        .await
        .expect("retry while leased");
    assert_conflict(
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
        store
            .retry_delivery(&other.scope(), &other.id, &id, at)
            .await,
        "retry_delivery under another webhook",
    );
    assert_not_found(
        store
            .retry_delivery(&fixtures::scope(&account, Mode::Live), &webhook.id, &id, at)
            .await,
        "retry_delivery in the other mode",
    );
    let unknown =
        WebhookDeliveryId::derive(&fixtures::event(&pass, EventType::Removed).id, &webhook.id);
    assert_not_found(
        store
            .retry_delivery(&webhook.scope(), &webhook.id, &unknown, at)
            .await,
        "retry_delivery of an unknown delivery",
    );
}

/// `list_deliveries`: newest first, at most `limit`, `has_more` exact; `NotFound`
/// for a webhook outside the scope.
pub async fn list_deliveries_newest_first(factory: impl AsyncFn() -> Arc<dyn Store>) {
    let store = factory().await;
    let (account, webhook, pass, created) = one_webhook(&*store).await;
    let mut events = vec![created];
    for _ in 0..4 {
        let e = fixtures::event(&pass, EventType::UrlViewed);
        store.insert_event(&e).await.expect("insert_event");
        events.push(e);
    }
    let ids: Vec<WebhookDeliveryId> = events
        .iter()
        .rev()
        .map(|e| WebhookDeliveryId::derive(&e.id, &webhook.id))
        .collect();
    let page = store
        .list_deliveries(&webhook.scope(), &webhook.id, 3)
        .await
        .expect("list_deliveries");
    assert_eq!(
        (
            page.data.iter().map(|d| d.id.clone()).collect::<Vec<_>>(),
            page.has_more
        ),
        (ids[..3].to_vec(), true)
    );
    let page = store
        .list_deliveries(&webhook.scope(), &webhook.id, 5)
        .await
        .expect("list_deliveries");
    assert_eq!(
        (
            page.data.iter().map(|d| d.id.clone()).collect::<Vec<_>>(),
            page.has_more
        ),
        (ids, false)
    );
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
        .list_events(&pass.scope(), Some(&pass.id), &super::first(10))
        .await
        .expect("list_events");
    assert_eq!(
        events_left.data.len(),
        2,
        "events are not deleted with a webhook"
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
    let barrier = Arc::new(tokio::sync::Barrier::new(8));
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let store = store.clone();
        let barrier = barrier.clone();
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            let mut mine = Vec::new();
            loop {
                let got = store
                    .claim_deliveries(&claim_at(now, 3))
                    .await
                    .expect("concurrent claim_deliveries");
                if got.is_empty() {
                    return mine;
                }
                mine.extend(got.into_iter().map(|c| c.delivery.id));
            }
        }));
    }
    let mut seen = HashSet::new();
    for task in tasks {
        for id in task.await.expect("claim task") {
            assert!(seen.insert(id.clone()), "{id} was claimed twice");
        }
    }
    assert_eq!(seen, expected, "every delivery was claimed once");
}
