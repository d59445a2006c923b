//! The statements each port call costs, each prepared once per connection.

use crate::{PgStore, testing};
use diesel::connection::InstrumentationEvent;
use diesel_async::pooled_connection::ManagerConfig;
use diesel_async::{AsyncConnection, AsyncPgConnection};
use passmint_domain::event::EventType;
use passmint_domain::idempotency::IdemBegin;
use passmint_domain::mode::Mode;
use passmint_domain::page::{Cursor, PageRequest};
use passmint_domain::pass::PassFilter;
use passmint_domain::ports::{
    AccountStore, IdempotencyStore, PassStore, Store, TemplateStore, WalletStore, WebhookStore,
};
use passmint_domain::ports::{ClaimingInsert, DeliveryRetry, DeviceUnregistration, TemplateUpdate};
use passmint_domain::wallet::{RegisterOutcome, Registration, TemplateCascade};
use passmint_domain::webhook::{AttemptRecord, DeliveryStatus};
use passmint_testkit::fixtures;
use std::future::Future;
use std::sync::{Arc, Mutex};

#[derive(Default)]
struct Log {
    statements: Vec<String>,
    prepared: usize,
}

/// A one-connection store whose connection reports every statement it sends and
/// every statement it prepares.
async fn instrumented_store(db: &testing::TestDatabase) -> (PgStore, Arc<Mutex<Log>>) {
    let log = Arc::new(Mutex::new(Log::default()));
    let mut config = ManagerConfig::<AsyncPgConnection>::default();
    let shared = log.clone();
    config.custom_setup = Box::new(move |url: &str| {
        let url = url.to_owned();
        let log = shared.clone();
        Box::pin(async move {
            let mut conn = AsyncPgConnection::establish(&url).await?;
            conn.set_instrumentation(move |event: InstrumentationEvent<'_>| {
                let mut log = log.lock().unwrap();
                match event {
                    InstrumentationEvent::StartQuery { query, .. } => {
                        log.statements.push(query.to_string());
                    }
                    InstrumentationEvent::CacheQuery { .. } => log.prepared += 1,
                    _ => {}
                }
            });
            Ok(conn)
        })
    });
    let store = PgStore::connect_with(db.url(), 1, config)
        .await
        .unwrap()
        .with_keyring(passmint_store_sql::sealing::test_keyring());
    (store, log)
}

/// Runs `call` and returns its result with the number of statements it sent.
async fn counted<T>(log: &Mutex<Log>, call: impl Future<Output = T>) -> (T, usize) {
    log.lock().unwrap().statements.clear();
    let result = call.await;
    let sent = log.lock().unwrap().statements.len();
    (result, sent)
}

/// Every port call once, checking its statement count; returns how many statements
/// were prepared meanwhile.
async fn every_call(store: &PgStore, log: &Mutex<Log>) -> usize {
    log.lock().unwrap().prepared = 0;
    let mut costs: Vec<(&str, usize, usize)> = Vec::new();
    let mut expect = |what: &'static str, sent: usize, expected: usize| {
        costs.push((what, sent, expected));
    };

    let account = fixtures::account();
    let (r, n) = counted(log, store.insert_account(&account)).await;
    r.unwrap();
    expect("insert_account", n, 1);
    let (r, n) = counted(log, store.get_account(&account.id)).await;
    r.unwrap();
    expect("get_account", n, 1);
    let key = fixtures::api_key(&account, Mode::Live);
    let (r, n) = counted(log, store.insert_api_key(&key)).await;
    r.unwrap();
    expect("insert_api_key", n, 1);
    let (r, n) = counted(log, store.find_api_key(&key.key_hash)).await;
    r.unwrap();
    expect("find_api_key", n, 1);
    let (r, n) = counted(
        log,
        store.revoke_api_key(&key.key_hash, fixtures::timestamp()),
    )
    .await;
    r.unwrap();
    expect("revoke_api_key", n, 1);
    let (r, n) = counted(log, store.list_api_keys(&account.id)).await;
    r.unwrap();
    expect("list_api_keys", n, 1);
    let (r, n) = counted(
        log,
        store.revoke_api_key_by_id(&key.id, fixtures::timestamp()),
    )
    .await;
    r.unwrap();
    expect("revoke_api_key_by_id", n, 1);

    let scope = fixtures::scope(&account, Mode::Live);
    let now = fixtures::timestamp();
    let begin = |key: &str| fixtures::idem_request(&scope, key, "fp", now);
    let take = async |key: &str| match store.begin_idempotent(&begin(key)).await.unwrap() {
        IdemBegin::Started(t) => t,
        other => panic!("{other:?}"),
    };

    let template = fixtures::template(&account);
    let (r, n) = counted(log, store.insert_template(&template, None)).await;
    r.unwrap();
    expect("insert_template", n, 1);
    let ticket = take(&fixtures::idem_key()).await;
    let other = fixtures::template(&account);
    let done = fixtures::completion(&ticket, 200);
    let (r, n) = counted(log, store.insert_template(&other, Some(&done))).await;
    r.unwrap();
    expect("insert_template with completion", n, 1);
    let (r, n) = counted(log, store.get_template(&account.id, &template.id)).await;
    r.unwrap();
    expect("get_template", n, 1);
    let (r, n) = counted(
        log,
        store.list_templates(&account.id, &PageRequest::first(10)),
    )
    .await;
    r.unwrap();
    expect("list_templates", n, 1);
    let after = PageRequest {
        limit: 10,
        cursor: Cursor::After(other.id.to_string()),
    };
    let (r, n) = counted(log, store.list_templates(&account.id, &after)).await;
    r.unwrap();
    expect("list_templates after a cursor", n, 1);
    let past_end = PageRequest {
        limit: 10,
        cursor: Cursor::After(template.id.to_string()),
    };
    let (r, n) = counted(log, store.list_templates(&account.id, &past_end)).await;
    assert!(r.unwrap().data.is_empty());
    expect("list_templates, empty page (checks its cursor)", n, 2);
    let mut changed = template.clone();
    changed.updated_at = fixtures::timestamp();
    let (r, n) = counted(
        log,
        store.update_template(&TemplateUpdate {
            template: &changed,
            expected_updated_at: template.updated_at,
            idem: None,
            cascade: None,
        }),
    )
    .await;
    r.unwrap();
    expect("update_template", n, 1);
    let ticket = take(&fixtures::idem_key()).await;
    let mut again = changed.clone();
    again.updated_at = fixtures::timestamp();
    let done = fixtures::completion(&ticket, 200);
    let (r, n) = counted(
        log,
        store.update_template(&TemplateUpdate {
            template: &again,
            expected_updated_at: changed.updated_at,
            idem: Some(&done),
            cascade: None,
        }),
    )
    .await;
    r.unwrap();
    expect(
        "update_template with completion (BEGIN, update, COMMIT)",
        n,
        3,
    );

    let key = fixtures::idem_key();
    let (r, n) = counted(log, store.begin_idempotent(&begin(&key))).await;
    let ticket = match r.unwrap() {
        IdemBegin::Started(t) => t,
        other => panic!("{other:?}"),
    };
    expect("begin_idempotent, new key", n, 1);
    let (r, n) = counted(log, store.begin_idempotent(&begin(&key))).await;
    assert_eq!(r.unwrap(), IdemBegin::InUse);
    expect("begin_idempotent, key in use", n, 2);
    let (r, n) = counted(log, store.release_idempotent(&ticket)).await;
    r.unwrap();
    expect("release_idempotent", n, 1);
    let ticket = take(&key).await;
    let (r, n) = counted(
        log,
        store.complete_idempotent(&fixtures::completion(&ticket, 200)),
    )
    .await;
    r.unwrap();
    expect("complete_idempotent", n, 1);
    let (r, n) = counted(log, store.purge_idempotent(now, 1000)).await;
    r.unwrap();
    expect("purge_idempotent", n, 1);

    let pass = fixtures::pass(&account, Mode::Live, &template);
    let created = fixtures::event(&pass, EventType::Created);
    let (r, n) = counted(log, store.insert_pass(&pass, &created, None)).await;
    r.unwrap();
    // A live pass: BEGIN, the count against the limit, the insert, COMMIT.
    expect("insert_pass", n, 4);
    let test_pass = fixtures::pass(&account, Mode::Test, &template);
    let (r, n) = counted(
        log,
        store.insert_pass(
            &test_pass,
            &fixtures::event(&test_pass, EventType::Created),
            None,
        ),
    )
    .await;
    r.unwrap();
    expect("insert_pass (test mode)", n, 1);
    let ticket = take(&fixtures::idem_key()).await;
    let second = fixtures::pass(&account, Mode::Live, &template);
    let done = fixtures::completion(&ticket, 200);
    let (r, n) = counted(
        log,
        store.insert_pass(
            &second,
            &fixtures::event(&second, EventType::Created),
            Some(&done),
        ),
    )
    .await;
    r.unwrap();
    expect("insert_pass with completion", n, 4);
    let test_key = fixtures::idem_key();
    for (mode, key, expected, what) in [
        (Mode::Test, &test_key, 1, "insert_pass_claiming (test mode)"),
        (
            Mode::Live,
            &fixtures::idem_key(),
            3,
            "insert_pass_claiming (live: BEGIN, the statement, COMMIT)",
        ),
        (Mode::Test, &test_key, 1, "insert_pass_claiming, key taken"),
    ] {
        let claimed = fixtures::pass(&account, mode, &template);
        let claim = fixtures::idem_request(&fixtures::scope(&account, mode), key, "fp", now);
        let (r, n) = counted(
            log,
            store.insert_pass_claiming(&ClaimingInsert {
                claim: &claim,
                response: &fixtures::response(200),
                template_updated_at: again.updated_at,
                pass: &claimed,
                event: &fixtures::event(&claimed, EventType::Created),
            }),
        )
        .await;
        r.unwrap();
        expect(what, n, expected);
    }
    let (r, n) = counted(log, store.get_pass(&scope, &pass.id)).await;
    r.unwrap();
    expect("get_pass", n, 1);
    let filter = PassFilter {
        template_id: Some(template.id.clone()),
        holder_email: None,
    };
    let (r, n) = counted(
        log,
        store.list_passes(&scope, &filter, &PageRequest::first(5)),
    )
    .await;
    r.unwrap();
    expect("list_passes", n, 1);
    let next = fixtures::next_version(&pass);
    let updated = fixtures::event(&next, EventType::Updated);
    let (r, n) = counted(
        log,
        store.update_pass(&next, 1, Some(&updated), None, false),
    )
    .await;
    r.unwrap();
    expect("update_pass with event", n, 1);
    let ticket = take(&fixtures::idem_key()).await;
    let third = fixtures::next_version(&next);
    let done = fixtures::completion(&ticket, 200);
    let (r, n) = counted(log, store.update_pass(&third, 2, None, Some(&done), false)).await;
    r.unwrap();
    expect("update_pass with completion (BEGIN, update, COMMIT)", n, 3);
    let (r, n) = counted(
        log,
        store.insert_event(&fixtures::event(&pass, EventType::UrlViewed)),
    )
    .await;
    r.unwrap();
    expect("insert_event", n, 1);
    let (r, n) = counted(
        log,
        store.list_events(&scope, Some(&pass.id), &PageRequest::first(5)),
    )
    .await;
    r.unwrap();
    expect("list_events", n, 1);
    let (r, n) = counted(log, store.ping()).await;
    r.unwrap();
    expect("ping", n, 1);

    let webhook = fixtures::webhook(&account, Mode::Live, &["*"]);
    let (r, n) = counted(log, store.insert_webhook(&webhook, None)).await;
    r.unwrap();
    expect("insert_webhook", n, 1);
    let (r, n) = counted(log, store.get_webhook(&scope, &webhook.id)).await;
    r.unwrap();
    expect("get_webhook", n, 1);
    let (r, n) = counted(log, store.list_webhooks(&scope)).await;
    r.unwrap();
    expect("list_webhooks", n, 1);
    let mut renamed = webhook.clone();
    renamed.url = "https://renamed.example.com/".into();
    renamed.updated_at = fixtures::timestamp();
    let (r, n) = counted(
        log,
        store.update_webhook(&renamed, webhook.updated_at, None),
    )
    .await;
    r.unwrap();
    expect("update_webhook", n, 1);
    let (r, n) = counted(
        log,
        store.insert_event(&fixtures::event(&pass, EventType::Downloaded)),
    )
    .await;
    assert_eq!(r.unwrap(), 1);
    expect("insert_event with a delivery", n, 1);
    let next = fixtures::next_version(&third);
    let (r, n) = counted(
        log,
        store.update_pass(
            &next,
            3,
            Some(&fixtures::event(&next, EventType::Voided)),
            None,
            false,
        ),
    )
    .await;
    assert_eq!(r.unwrap(), 1);
    expect("update_pass with an event and a delivery", n, 1);
    let (r, n) = counted(log, store.list_deliveries(&scope, &webhook.id, 100)).await;
    r.unwrap();
    expect("list_deliveries", n, 1);
    let claim = fixtures::claim_at(fixtures::timestamp(), 10);
    let (r, n) = counted(log, store.claim_deliveries(&claim, u32::MAX)).await;
    let claimed = r.unwrap();
    assert_eq!(claimed.len(), 2);
    expect("claim_deliveries", n, 1);
    let attempt = AttemptRecord {
        at: fixtures::timestamp(),
        status: DeliveryStatus::Delivered,
        next_attempt_at: None,
        response_status: Some(200),
        response_body: Some("ok".into()),
    };
    let (r, n) = counted(
        log,
        store.record_attempt(&claimed[0].delivery.id, &claim.token, &attempt),
    )
    .await;
    r.unwrap();
    expect("record_attempt", n, 1);
    let (r, n) = counted(
        log,
        store.retry_delivery(&DeliveryRetry {
            scope: &scope,
            webhook: &webhook.id,
            delivery: &claimed[0].delivery.id,
            at: fixtures::timestamp(),
        }),
    )
    .await;
    r.unwrap();
    expect("retry_delivery", n, 1);
    let (r, n) = counted(log, store.delete_webhook(&scope, &webhook.id)).await;
    r.unwrap();
    expect("delete_webhook", n, 1);

    let (r, n) = counted(log, store.find_pass_by_serial(&test_pass.serial_number)).await;
    r.unwrap();
    expect("find_pass_by_serial", n, 1);
    let registration = Registration {
        device_library_id: fixtures::base62(20),
        pass_id: test_pass.id.clone(),
        account_id: test_pass.account_id.clone(),
        mode: test_pass.mode,
        pass_type_id: "pass.com.example.costs".into(),
        push_token: "00ff".repeat(16),
        created_at: fixtures::timestamp(),
    };
    let installed = fixtures::event(&test_pass, EventType::Installed);
    let (r, n) = counted(log, store.register_device(&registration, &installed, 20)).await;
    assert!(matches!(r.unwrap(), RegisterOutcome::Created { .. }));
    expect("register_device, new (BEGIN, lock, insert, COMMIT)", n, 4);
    let (r, n) = counted(log, store.register_device(&registration, &installed, 20)).await;
    assert_eq!(r.unwrap(), RegisterOutcome::Existing);
    expect(
        "register_device, existing (BEGIN, lock, insert, update, COMMIT)",
        n,
        5,
    );
    let (r, n) = counted(log, store.registrations_of(&test_pass.id)).await;
    r.unwrap();
    expect("registrations_of", n, 1);
    let (r, n) = counted(
        log,
        store.updated_serials(
            &registration.device_library_id,
            &registration.pass_type_id,
            None,
        ),
    )
    .await;
    assert_eq!(r.unwrap().serial_numbers.len(), 1);
    expect("updated_serials", n, 1);
    let current = store
        .get_pass(&test_pass.scope(), &test_pass.id)
        .await
        .unwrap();
    let pushed = fixtures::next_version(&current);
    let (r, n) = counted(
        log,
        store.update_pass(
            &pushed,
            current.version,
            Some(&fixtures::event(&pushed, EventType::Updated)),
            None,
            true,
        ),
    )
    .await;
    r.unwrap();
    expect("update_pass with push (BEGIN, tag, update, COMMIT)", n, 4);
    let mut redesigned = template.clone();
    redesigned.updated_at = fixtures::timestamp();
    let cascade = TemplateCascade {
        at: redesigned.updated_at,
        metadata: serde_json::Map::new(),
    };
    let expected_updated_at = store
        .get_template(&account.id, &template.id)
        .await
        .unwrap()
        .updated_at;
    let (r, n) = counted(
        log,
        store.update_template(&TemplateUpdate {
            template: &redesigned,
            expected_updated_at,
            idem: None,
            cascade: Some(&cascade),
        }),
    )
    .await;
    r.unwrap();
    expect(
        "update_template with cascade (BEGIN, update, tag, cascade, COMMIT)",
        n,
        5,
    );
    let (r, n) = counted(log, store.pending_pushes()).await;
    assert!(r.unwrap() >= 2);
    expect("pending_pushes", n, 1);
    let push_claim = fixtures::claim_at(fixtures::timestamp(), 1000);
    let (r, n) = counted(log, store.claim_pushes(&push_claim)).await;
    let jobs = r.unwrap();
    assert!(jobs.len() >= 2);
    expect("claim_pushes", n, 1);
    let (r, n) = counted(
        log,
        store.reschedule_push(jobs[0].id, &push_claim.token, push_claim.now, "503"),
    )
    .await;
    r.unwrap();
    expect("reschedule_push", n, 1);
    let ids: Vec<i64> = jobs[1..].iter().map(|j| j.id).collect();
    let (r, n) = counted(log, store.complete_pushes(&push_claim.token, &ids)).await;
    assert_eq!(r.unwrap(), ids.len() as u64);
    expect("complete_pushes", n, 1);
    let (r, n) = counted(
        log,
        store.unregister_device(&DeviceUnregistration {
            device_library_id: &registration.device_library_id,
            pass: &test_pass.id,
            only_push_token: None,
            event: &fixtures::event(&test_pass, EventType::Removed),
        }),
    )
    .await;
    assert_eq!(r.unwrap(), Some(0));
    expect("unregister_device", n, 1);

    let wrong: Vec<_> = costs
        .iter()
        .filter(|(_, sent, want)| sent != want)
        .collect();
    assert!(
        wrong.is_empty(),
        "statements per call (call, sent, expected): {wrong:?}"
    );
    log.lock().unwrap().prepared
}

#[tokio::test]
async fn each_call_costs_the_documented_statements_and_prepares_once() {
    let db = testing::fresh_database().await;
    let (store, log) = instrumented_store(&db).await;
    let first = every_call(&store, &log).await;
    assert!(first > 10, "statements are prepared and cached ({first})");
    let second = every_call(&store, &log).await;
    assert_eq!(second, 0, "a second round prepares nothing new");
    drop(store);
}
