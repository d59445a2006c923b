//! The webhook use cases over the in-memory fakes: validation, secrets and their
//! rotation, the delivery log, retries, and the worker's claim and record steps.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use passmint_domain::DomainError;
use passmint_domain::event::EventType;
use passmint_domain::ids::WebhookDeliveryId;
use passmint_domain::mode::Mode;
use passmint_domain::pass::Pass;
use passmint_domain::ports::{Clock, DeliveryWaker};
use passmint_domain::service::{NewPass, NewWebhook, Passmint, Principal, WebhookPatch};
use passmint_domain::template::Template;
use passmint_domain::webhook::{
    AttemptResponse, DeliveryDecision, DeliveryStatus, MAX_RESPONSE_BODY, MAX_WEBHOOKS_PER_MODE,
    Subscription, Webhook, WebhookSecret,
};
use passmint_testkit::{FixedClock, fixtures, memory_passmint};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use support::tenant;
use time::Duration;

#[derive(Default)]
struct CountingWaker(AtomicUsize);

impl DeliveryWaker for CountingWaker {
    fn wake(&self) {
        self.0.fetch_add(1, Ordering::SeqCst);
    }
}

impl CountingWaker {
    fn count(&self) -> usize {
        self.0.load(Ordering::SeqCst)
    }
}

struct World {
    pm: Passmint,
    clock: Arc<FixedClock>,
    waker: Arc<CountingWaker>,
    test: Principal,
    live: Principal,
    template: Template,
}

async fn world() -> World {
    let (pm, _store, clock) = memory_passmint();
    let waker = Arc::new(CountingWaker::default());
    let pm = pm.with_waker(waker.clone());
    let t = tenant(&pm, "Acme", None).await;
    World {
        pm,
        clock,
        waker,
        test: t.test,
        live: t.live,
        template: t.template,
    }
}

impl World {
    /// Creates a webhook of [`new_webhook`] subscribed to `events`.
    async fn hook(&self, who: &Principal, events: &[&str]) -> Webhook {
        self.pm
            .create_webhook(who, new_webhook(events), None)
            .await
            .unwrap()
    }

    /// Issues a pass of [`new_pass`] from the world's template.
    async fn issue(&self, who: &Principal) -> Pass {
        self.pm
            .issue_pass(who, new_pass(&self.template), None)
            .await
            .unwrap()
    }
}

fn new_webhook(events: &[&str]) -> NewWebhook {
    NewWebhook {
        url: "https://example.com/hooks".into(),
        events: events.iter().map(|e| e.to_string()).collect(),
        description: Some("Production webhook".into()),
        enabled: None,
    }
}

fn new_pass(template: &Template) -> NewPass {
    NewPass {
        template_id: template.id.to_string(),
        holder_email: None,
        holder_name: None,
        field_values: BTreeMap::new(),
        metadata: Default::default(),
    }
}

#[track_caller]
fn assert_invalid<T: std::fmt::Debug>(r: Result<T, DomainError>, param: &str) {
    match r {
        Err(DomainError::Invalid { param: Some(p), .. }) => assert_eq!(p, param),
        other => panic!("expected a 400 on {param}, got {other:?}"),
    }
}

#[tokio::test]
async fn create_validates_and_mints_a_secret() {
    let w = world().await;
    let hook = w.hook(&w.test, &["pass.created", "pass.installed"]).await;
    assert!(hook.id.as_str().starts_with("whk_"));
    assert_eq!(hook.mode, Mode::Test);
    assert!(hook.enabled, "enabled by default");
    assert_eq!(
        hook.events,
        vec![
            Subscription::Event(EventType::Created),
            Subscription::Event(EventType::Installed)
        ]
    );
    assert!(WebhookSecret::parse(hook.secret.expose()).is_some());
    assert_eq!(hook.previous_secret, None);
    assert_eq!(
        w.pm.get_webhook(&w.test, hook.id.as_str()).await,
        Ok(hook.clone())
    );
    let other = w.hook(&w.test, &["*"]).await;
    assert_ne!(
        other.secret, hook.secret,
        "every webhook has its own secret"
    );

    let bad = |url: &str, events: &[&str]| NewWebhook {
        url: url.into(),
        ..new_webhook(events)
    };
    assert_invalid(
        w.pm.create_webhook(&w.test, bad("ftp://x.com", &["*"]), None)
            .await,
        "url",
    );
    assert_invalid(
        w.pm.create_webhook(&w.test, bad("/hooks", &["*"]), None)
            .await,
        "url",
    );
    assert_invalid(
        w.pm.create_webhook(&w.test, bad("https://x.com", &[]), None)
            .await,
        "events",
    );
    assert_invalid(
        w.pm.create_webhook(&w.test, bad("https://x.com", &["*", "pass.exploded"]), None)
            .await,
        "events[1]",
    );
    let long = NewWebhook {
        description: Some("d".repeat(501)),
        ..new_webhook(&["*"])
    };
    assert_invalid(
        w.pm.create_webhook(&w.test, long, None).await,
        "description",
    );
    let empty = NewWebhook {
        description: Some(String::new()),
        enabled: Some(false),
        ..new_webhook(&["*"])
    };
    let empty = w.pm.create_webhook(&w.test, empty, None).await.unwrap();
    assert_eq!((empty.description, empty.enabled), (None, false));
}

#[tokio::test]
async fn webhooks_belong_to_their_mode_and_are_limited() {
    let w = world().await;
    let hook = w.hook(&w.test, &["*"]).await;
    let missing = |r: Result<_, DomainError>| {
        assert!(
            matches!(
                r,
                Err(DomainError::NotFound {
                    resource: "webhook",
                    ..
                })
            ),
            "{r:?}"
        )
    };
    missing(w.pm.get_webhook(&w.live, hook.id.as_str()).await.map(drop));
    missing(w.pm.get_webhook(&w.test, "whk_nope").await.map(drop));
    missing(
        w.pm.delete_webhook(&w.live, hook.id.as_str())
            .await
            .map(drop),
    );
    missing(
        w.pm.list_deliveries(&w.live, hook.id.as_str())
            .await
            .map(drop),
    );
    missing(
        w.pm.update_webhook(&w.live, hook.id.as_str(), WebhookPatch::default(), None)
            .await
            .map(drop),
    );
    missing(
        w.pm.rotate_webhook_secret(&w.live, hook.id.as_str(), None)
            .await
            .map(drop),
    );
    assert_eq!(w.pm.list_webhooks(&w.live).await, Ok(vec![]));
    for _ in 1..MAX_WEBHOOKS_PER_MODE {
        w.hook(&w.test, &["*"]).await;
    }
    match w
        .pm
        .create_webhook(&w.test, new_webhook(&["*"]), None)
        .await
    {
        Err(DomainError::Invalid { code, param, .. }) => {
            assert_eq!((code, param), (Some("webhook_limit_reached"), None));
        }
        other => panic!("{other:?}"),
    }
    assert!(
        w.pm.create_webhook(&w.live, new_webhook(&["*"]), None)
            .await
            .is_ok()
    );
    assert_eq!(
        w.pm.delete_webhook(&w.test, hook.id.as_str()).await,
        Ok(hook.id.clone())
    );
    assert!(
        w.pm.create_webhook(&w.test, new_webhook(&["*"]), None)
            .await
            .is_ok()
    );
}

#[tokio::test]
async fn update_patches_what_is_given() {
    let w = world().await;
    let hook = w.hook(&w.test, &["pass.created"]).await;
    let same =
        w.pm.update_webhook(&w.test, hook.id.as_str(), WebhookPatch::default(), None)
            .await
            .unwrap();
    assert_eq!(same, hook, "an empty patch changes nothing");
    w.clock.advance(Duration::seconds(1));
    let next =
        w.pm.update_webhook(
            &w.test,
            hook.id.as_str(),
            WebhookPatch {
                events: Some(vec!["*".into()]),
                description: Some(String::new()),
                enabled: Some(false),
                ..Default::default()
            },
            None,
        )
        .await
        .unwrap();
    assert_eq!(next.events, vec![Subscription::All]);
    assert_eq!(next.description, None, "an empty description removes it");
    assert!(!next.enabled);
    assert_eq!(
        (next.url.as_str(), &next.secret),
        (hook.url.as_str(), &hook.secret)
    );
    assert!(next.updated_at > hook.updated_at);
    assert_invalid(
        w.pm.update_webhook(
            &w.test,
            hook.id.as_str(),
            WebhookPatch {
                url: Some("mailto:a@b.c".into()),
                ..Default::default()
            },
            None,
        )
        .await,
        "url",
    );
    assert_invalid(
        w.pm.update_webhook(
            &w.test,
            hook.id.as_str(),
            WebhookPatch {
                events: Some(vec![]),
                ..Default::default()
            },
            None,
        )
        .await,
        "events",
    );
}

#[tokio::test]
async fn rotation_keeps_the_old_secret_signing_for_24_hours() {
    let w = world().await;
    let hook = w.hook(&w.test, &["*"]).await;
    let rotated =
        w.pm.rotate_webhook_secret(&w.test, hook.id.as_str(), None)
            .await
            .unwrap();
    let now = w.clock.now();
    assert_ne!(rotated.secret, hook.secret);
    let previous = rotated.previous_secret.clone().unwrap();
    assert_eq!(previous.secret, hook.secret);
    assert_eq!(previous.expires_at, now + Duration::hours(24));
    assert_eq!(
        rotated.signing_secrets(now),
        vec![&rotated.secret, &hook.secret],
        "both sign during the overlap, the new one first"
    );
    assert_eq!(
        rotated.signing_secrets(now + Duration::hours(24)),
        vec![&rotated.secret],
        "only the new one afterwards"
    );
    assert_eq!(
        w.pm.get_webhook(&w.test, hook.id.as_str()).await,
        Ok(rotated.clone())
    );
    let again =
        w.pm.rotate_webhook_secret(&w.test, hook.id.as_str(), None)
            .await
            .unwrap();
    assert_eq!(
        again.previous_secret.unwrap().secret,
        rotated.secret,
        "a second rotation keeps only the secret it replaced"
    );
}

#[tokio::test]
async fn events_wake_the_worker_only_when_they_enqueue() {
    let w = world().await;
    let pass = w.issue(&w.test).await;
    assert_eq!(w.waker.count(), 0, "no webhook, nothing enqueued, no wake");
    let hook = w.hook(&w.test, &["pass.downloaded", "pass.voided"]).await;
    w.pm.record_event(&pass, EventType::UrlViewed, Default::default())
        .await
        .unwrap();
    assert_eq!(w.waker.count(), 0, "not subscribed");
    w.pm.record_event(&pass, EventType::Downloaded, Default::default())
        .await
        .unwrap();
    assert_eq!(w.waker.count(), 1);
    w.pm.void_pass(&w.test, pass.id.as_str()).await.unwrap();
    assert_eq!(w.waker.count(), 2);
    let log =
        w.pm.list_deliveries(&w.test, hook.id.as_str())
            .await
            .unwrap();
    assert_eq!(
        log.data.iter().map(|d| d.event_type).collect::<Vec<_>>(),
        vec![EventType::Voided, EventType::Downloaded]
    );
}

#[tokio::test]
async fn the_worker_claims_records_and_retries() {
    let w = world().await;
    let hook = w.hook(&w.test, &["*"]).await;
    let pass = w.issue(&w.test).await;
    let claimed =
        w.pm.claim_deliveries(Duration::seconds(60), 10, u32::MAX)
            .await
            .unwrap();
    assert_eq!(claimed.len(), 1);
    let c = &claimed[0];
    assert_eq!((&c.pass, &c.webhook), (&pass, &hook));
    assert!(
        w.pm.claim_deliveries(Duration::seconds(60), 10, u32::MAX)
            .await
            .unwrap()
            .is_empty()
    );

    let retry_at = w.clock.now() + Duration::seconds(5);
    let big = "é".repeat(MAX_RESPONSE_BODY);
    assert_eq!(
        w.pm.record_delivery_attempt(
            c,
            AttemptResponse {
                status: Some(500),
                body: Some(big),
            },
            DeliveryDecision::RetryAt(retry_at),
        )
        .await,
        Ok(true)
    );
    let log =
        w.pm.list_deliveries(&w.test, hook.id.as_str())
            .await
            .unwrap();
    let d = &log.data[0];
    assert_eq!(
        (d.status, d.attempts, d.next_attempt_at, d.response_status),
        (DeliveryStatus::Failed, 1, Some(retry_at), Some(500))
    );
    let body = d.response_body.as_deref().unwrap();
    assert!(body.len() <= MAX_RESPONSE_BODY && body.len() > MAX_RESPONSE_BODY - 2);
    assert_eq!(
        w.pm.record_delivery_attempt(c, AttemptResponse::default(), DeliveryDecision::Dead)
            .await,
        Ok(false),
        "a released lease records nothing"
    );
    assert!(
        w.pm.claim_deliveries(Duration::seconds(60), 10, u32::MAX)
            .await
            .unwrap()
            .is_empty()
    );
    w.clock.advance(Duration::seconds(5));
    let again =
        w.pm.claim_deliveries(Duration::seconds(60), 10, u32::MAX)
            .await
            .unwrap();
    assert_eq!(again.len(), 1);
    w.pm.record_delivery_attempt(
        &again[0],
        AttemptResponse::default(),
        DeliveryDecision::Dead,
    )
    .await
    .unwrap();

    let before = w.waker.count();
    let retried =
        w.pm.retry_delivery(&w.test, hook.id.as_str(), d.id.as_str(), None)
            .await
            .unwrap();
    assert_eq!(w.waker.count(), before + 1, "a retry wakes the worker");
    assert_eq!(
        (retried.status, retried.attempts, retried.next_attempt_at),
        (DeliveryStatus::Dead, 2, Some(w.clock.now()))
    );
    let third =
        w.pm.claim_deliveries(Duration::seconds(60), 10, u32::MAX)
            .await
            .unwrap();
    w.pm.record_delivery_attempt(
        &third[0],
        AttemptResponse {
            status: Some(200),
            body: Some("ok".into()),
        },
        DeliveryDecision::Delivered,
    )
    .await
    .unwrap();
    let d = &w
        .pm
        .list_deliveries(&w.test, hook.id.as_str())
        .await
        .unwrap()
        .data[0];
    assert_eq!(
        (
            d.status,
            d.attempts,
            d.next_attempt_at,
            d.response_body.as_deref()
        ),
        (DeliveryStatus::Delivered, 3, None, Some("ok"))
    );

    let missing = |r: Result<_, DomainError>, resource: &str| match r {
        Err(DomainError::NotFound { resource: r, .. }) => assert_eq!(r, resource),
        other => panic!("{other:?}"),
    };
    missing(
        w.pm.retry_delivery(&w.test, hook.id.as_str(), "whd_nope", None)
            .await
            .map(drop),
        "webhook_delivery",
    );
    let unknown = WebhookDeliveryId::from_body(&fixtures::id_body());
    missing(
        w.pm.retry_delivery(&w.test, hook.id.as_str(), unknown.as_str(), None)
            .await
            .map(drop),
        "webhook_delivery",
    );
    missing(
        w.pm.retry_delivery(&w.live, hook.id.as_str(), d.id.as_str(), None)
            .await
            .map(drop),
        "webhook",
    );
}
