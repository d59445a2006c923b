//! What each port call costs in statements, and that every statement is prepared
//! once per connection: after a first round of calls, a second round prepares
//! nothing. Alone in its test binary, because diesel's instrumentation hook that
//! counts is process-wide.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use diesel::connection::{Instrumentation, InstrumentationEvent, set_default_instrumentation};
use passmint_domain::event::EventType;
use passmint_domain::idempotency::IdemBegin;
use passmint_domain::mode::Mode;
use passmint_domain::page::{Cursor, PageRequest};
use passmint_domain::pass::PassFilter;
use passmint_domain::ports::Store;
use passmint_domain::ports::{ClaimingInsert, DeliveryRetry, DeviceUnregistration, TemplateUpdate};
use passmint_domain::wallet::{Registration, TemplateCascade};
use passmint_domain::webhook::{AttemptRecord, DeliveryStatus};
use passmint_store_sqlite::testing;
use passmint_testkit::fixtures;
use std::sync::atomic::{AtomicUsize, Ordering};

static QUERIES: AtomicUsize = AtomicUsize::new(0);
static PREPARED: AtomicUsize = AtomicUsize::new(0);

fn counter() -> Option<Box<dyn Instrumentation>> {
    Some(Box::new(|event: InstrumentationEvent<'_>| match event {
        InstrumentationEvent::StartQuery { .. } => {
            QUERIES.fetch_add(1, Ordering::SeqCst);
        }
        InstrumentationEvent::CacheQuery { .. } => {
            PREPARED.fetch_add(1, Ordering::SeqCst);
        }
        _ => {}
    }))
}

/// (statements run, statements prepared) by `call`.
async fn counted<T>(call: impl Future<Output = T>) -> (T, usize, usize) {
    let (q, p) = (
        QUERIES.load(Ordering::SeqCst),
        PREPARED.load(Ordering::SeqCst),
    );
    let out = call.await;
    (
        out,
        QUERIES.load(Ordering::SeqCst) - q,
        PREPARED.load(Ordering::SeqCst) - p,
    )
}

/// Every port call once (on fresh objects); returns (call, statements, prepared).
async fn round(store: &dyn Store) -> Vec<(&'static str, usize, usize)> {
    let mut costs = Vec::new();
    macro_rules! call {
        ($name:literal, $e:expr) => {{
            let (out, queries, prepared) = counted($e).await;
            costs.push(($name, queries, prepared));
            out.unwrap()
        }};
    }
    let account = fixtures::account();
    call!("insert_account", store.insert_account(&account));
    call!("get_account", store.get_account(&account.id));
    let key = fixtures::api_key(&account, Mode::Test);
    call!("insert_api_key", store.insert_api_key(&key));
    call!("find_api_key", store.find_api_key(&key.key_hash));
    call!(
        "revoke_api_key",
        store.revoke_api_key(&key.key_hash, fixtures::timestamp())
    );
    call!("list_api_keys", store.list_api_keys(&account.id));
    call!(
        "revoke_api_key_by_id",
        store.revoke_api_key_by_id(&key.id, fixtures::timestamp())
    );
    let scope = fixtures::scope(&account, Mode::Test);
    let req = fixtures::fresh_idem_request(&scope);
    let IdemBegin::Started(ticket) =
        call!("begin_idempotent (new key)", store.begin_idempotent(&req))
    else {
        panic!("a new key starts");
    };
    let template = fixtures::template(&account);
    call!(
        "insert_template + completion",
        store.insert_template(&template, Some(&fixtures::completion(&ticket, 200)))
    );
    call!("begin_idempotent (replay)", store.begin_idempotent(&req));
    call!(
        "get_template",
        store.get_template(&account.id, &template.id)
    );
    call!(
        "list_templates",
        store.list_templates(&account.id, &PageRequest::first(10))
    );
    let mut next = template.clone();
    next.updated_at = fixtures::timestamp();
    call!(
        "update_template",
        store.update_template(&TemplateUpdate {
            template: &next,
            expected_updated_at: template.updated_at,
            idem: None,
            cascade: None
        })
    );
    let pass = fixtures::pass(&account, Mode::Test, &template);
    let req = fixtures::fresh_idem_request(&scope);
    let IdemBegin::Started(ticket) = store.begin_idempotent(&req).await.unwrap() else {
        panic!("a new key starts");
    };
    call!(
        "insert_pass + event + completion",
        store.insert_pass(
            &pass,
            &fixtures::event(&pass, EventType::Created),
            Some(&fixtures::completion(&ticket, 201))
        )
    );
    let claimed = fixtures::pass(&account, Mode::Test, &template);
    call!(
        "insert_pass_claiming",
        store.insert_pass_claiming(&ClaimingInsert {
            claim: &fixtures::fresh_idem_request(&scope),
            response: &fixtures::response(200),
            template_updated_at: next.updated_at,
            pass: &claimed,
            event: &fixtures::event(&claimed, EventType::Created)
        })
    );
    call!("get_pass", store.get_pass(&scope, &pass.id));
    call!(
        "list_passes",
        store.list_passes(&scope, &PassFilter::default(), &PageRequest::first(10))
    );
    call!(
        "list_passes (empty cursor page)",
        store.list_passes(
            &scope,
            &PassFilter::default(),
            &PageRequest {
                limit: 10,
                cursor: Cursor::After(pass.id.to_string())
            }
        )
    );
    let next = fixtures::next_version(&pass);
    call!(
        "update_pass + event",
        store.update_pass(
            &next,
            pass.version,
            Some(&fixtures::event(&next, EventType::Updated)),
            None,
            false
        )
    );
    call!(
        "insert_event",
        store.insert_event(&fixtures::event(&next, EventType::UrlViewed))
    );
    call!(
        "list_events",
        store.list_events(&scope, Some(&pass.id), &PageRequest::first(10))
    );
    let webhook = fixtures::webhook(&account, Mode::Test, &["*"]);
    call!("insert_webhook", store.insert_webhook(&webhook, None));
    call!("get_webhook", store.get_webhook(&scope, &webhook.id));
    call!("list_webhooks", store.list_webhooks(&scope));
    let mut renamed = webhook.clone();
    renamed.url = "https://renamed.example.com/".into();
    renamed.updated_at = fixtures::timestamp();
    call!(
        "update_webhook",
        store.update_webhook(&renamed, webhook.updated_at, None)
    );
    let viewed = fixtures::event(&next, EventType::UrlViewed);
    call!("insert_event (one delivery)", store.insert_event(&viewed));
    call!(
        "list_deliveries",
        store.list_deliveries(&scope, &webhook.id, 100)
    );
    let claim = fixtures::claim_at(fixtures::timestamp(), 10);
    let claimed = call!(
        "claim_deliveries (one)",
        store.claim_deliveries(&claim, u32::MAX)
    );
    let delivery = claimed[0].delivery.id.clone();
    call!(
        "record_attempt",
        store.record_attempt(
            &delivery,
            &claim.token,
            &AttemptRecord {
                at: fixtures::timestamp(),
                status: DeliveryStatus::Delivered,
                next_attempt_at: None,
                response_status: Some(200),
                response_body: Some("ok".into()),
            }
        )
    );
    call!(
        "retry_delivery",
        store.retry_delivery(&DeliveryRetry {
            scope: &scope,
            webhook: &webhook.id,
            delivery: &delivery,
            at: fixtures::timestamp()
        })
    );
    call!("delete_webhook", store.delete_webhook(&scope, &webhook.id));

    // Wallet: a device registers, the pass changes with a push, the job is claimed,
    // rescheduled, claimed again and completed; a template cascade; unregistering.
    call!(
        "find_pass_by_serial",
        store.find_pass_by_serial(&next.serial_number)
    );
    let registration = Registration {
        device_library_id: fixtures::base62(20),
        pass_id: next.id.clone(),
        account_id: next.account_id.clone(),
        mode: next.mode,
        pass_type_id: "pass.com.example.statements".into(),
        push_token: "0123456789abcdef".into(),
        created_at: fixtures::timestamp(),
    };
    call!(
        "register_device (new)",
        store.register_device(
            &registration,
            &fixtures::event(&next, EventType::Installed),
            20
        )
    );
    call!(
        "register_device (existing)",
        store.register_device(
            &registration,
            &fixtures::event(&next, EventType::Installed),
            20
        )
    );
    call!("registrations_of", store.registrations_of(&next.id));
    let pushed = fixtures::next_version(&next);
    call!(
        "update_pass + event + push",
        store.update_pass(
            &pushed,
            next.version,
            Some(&fixtures::event(&pushed, EventType::Updated)),
            None,
            true
        )
    );
    call!(
        "updated_serials",
        store.updated_serials(
            &registration.device_library_id,
            &registration.pass_type_id,
            Some(0)
        )
    );
    call!("pending_pushes", store.pending_pushes());
    let claim = fixtures::claim_at(fixtures::timestamp(), 10);
    let jobs = call!("claim_pushes (one)", store.claim_pushes(&claim));
    call!(
        "reschedule_push",
        store.reschedule_push(jobs[0].id, &claim.token, claim.now, "503")
    );
    let jobs = call!("claim_pushes (one)", store.claim_pushes(&claim));
    call!(
        "complete_pushes",
        store.complete_pushes(&claim.token, &[jobs[0].id])
    );
    let current = store.get_template(&account.id, &template.id).await.unwrap();
    let mut redesigned = current.clone();
    redesigned.updated_at = fixtures::timestamp();
    let cascade = TemplateCascade {
        at: redesigned.updated_at,
        metadata: Default::default(),
    };
    call!(
        "update_template + cascade (two passes)",
        store.update_template(&TemplateUpdate {
            template: &redesigned,
            expected_updated_at: current.updated_at,
            idem: None,
            cascade: Some(&cascade)
        })
    );
    let claim = fixtures::claim_at(fixtures::timestamp(), 10);
    let jobs = call!("claim_pushes (one)", store.claim_pushes(&claim));
    call!(
        "complete_pushes",
        store.complete_pushes(&claim.token, &[jobs[0].id])
    );
    call!(
        "unregister_device",
        store.unregister_device(&DeviceUnregistration {
            device_library_id: &registration.device_library_id,
            pass: &next.id,
            only_push_token: None,
            event: &fixtures::event(&next, EventType::Removed)
        })
    );
    call!(
        "purge_idempotent",
        store.purge_idempotent(fixtures::timestamp(), 1000)
    );
    call!("ping", store.ping());
    costs
}

#[tokio::test]
async fn each_call_costs_few_statements_and_prepares_once() {
    set_default_instrumentation(counter).unwrap();
    let store = testing::fresh_store().await;
    let first = round(&store).await;
    assert!(
        first.iter().map(|(_, _, prepared)| prepared).sum::<usize>() >= first.len(),
        "the first round prepares the statements: {first:#?}"
    );
    let second = round(&store).await;
    for (call, queries, prepared) in &second {
        assert_eq!(*prepared, 0, "{call} prepared again: {second:#?}");
        assert!(*queries >= 1, "{call} is counted: {second:#?}");
        let most = match *call {
            // BEGIN IMMEDIATE, completion, pass, event, subscribed webhooks, COMMIT.
            "insert_pass + event + completion" => 6,
            // BEGIN IMMEDIATE, template guard, key, pass, event, subscribed webhooks,
            // COMMIT.
            "insert_pass_claiming" => 7,
            // BEGIN IMMEDIATE, event, subscribed webhooks, COMMIT.
            "insert_event" => 4,
            // ... and the pass for the snapshot, the delivery.
            "insert_event (one delivery)" => 6,
            // BEGIN IMMEDIATE, busy webhooks, due ids, then a lease and a read per
            // delivery, COMMIT.
            "claim_deliveries (one)" => 6,
            // BEGIN IMMEDIATE, insert, (read, take over,) COMMIT.
            "begin_idempotent (new key)" => 3,
            "begin_idempotent (replay)" => 4,
            "insert_template + completion" | "update_template" | "update_webhook" => 4,
            // BEGIN IMMEDIATE, update, event, subscribed webhooks, COMMIT.
            "update_pass + event" => 5,
            "list_passes (empty cursor page)" => 2,
            // BEGIN IMMEDIATE, registration, event, subscribed webhooks, COMMIT.
            "register_device (new)" => 5,
            // BEGIN IMMEDIATE, registration (none), re-registration, COMMIT.
            "register_device (existing)" => 4,
            // BEGIN IMMEDIATE, tag, update, event, subscribed webhooks, push jobs,
            // COMMIT.
            "update_pass + event + push" => 7,
            // BEGIN, clock, serials, COMMIT.
            "updated_serials" => 4,
            // BEGIN IMMEDIATE, due jobs, lease, COMMIT.
            "claim_pushes (one)" => 4,
            // BEGIN IMMEDIATE, template, tag, passes, then per pass (the template
            // has two by then) its event, subscribed webhooks and push jobs, COMMIT.
            "update_template + cascade (two passes)" => 11,
            // BEGIN IMMEDIATE, delete, event, subscribed webhooks, COMMIT.
            "unregister_device" => 5,
            _ => 1,
        };
        assert!(
            *queries <= most,
            "{call}: {queries} statements, at most {most} expected: {second:#?}"
        );
    }
}
