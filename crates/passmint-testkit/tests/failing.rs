//! The use cases when storage fails in the middle of a request: the failure
//! surfaces as an internal error, writes nothing, and the idempotency key taken
//! for the request can be released and taken again.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use passmint_domain::DomainError;
use passmint_domain::idempotency::{IdemBegin, IdemFinish};
use passmint_domain::service::{NewPass, Passmint};
use passmint_testkit::{FailingStore, FixedClock, MemoryStore, SeqIdGen, fixtures};
use serde_json::json;
use std::collections::BTreeMap;
use std::sync::Arc;
use support::{Tenant, id_renderer, started, tenant};

fn passmint() -> (Passmint, Arc<FailingStore>, Arc<MemoryStore>) {
    let memory = Arc::new(MemoryStore::new());
    let store = Arc::new(FailingStore::new(memory.clone()));
    let passmint = Passmint::new(
        store.clone(),
        Arc::new(FixedClock::default()),
        Arc::new(SeqIdGen::new()),
    );
    (passmint, store, memory)
}

#[tokio::test]
async fn a_failure_mid_request_is_internal_and_the_key_can_be_released() {
    let (pm, store, memory) = passmint();
    let Tenant {
        test: who,
        template,
        ..
    } = tenant(&pm, "Acme", None).await;
    let fingerprint = "POST /v1/passes {}".to_owned();
    let ticket = started(&pm, &who, "key-1", &fingerprint).await;
    store.fail_next("insert_pass");
    let result = pm
        .issue_pass(
            &who,
            NewPass {
                template_id: template.id.to_string(),
                holder_email: None,
                holder_name: None,
                field_values: BTreeMap::from([("seat".to_owned(), "1A".to_owned())]),
                metadata: fixtures::json_map(json!({})),
            },
            Some(IdemFinish {
                ticket: ticket.clone(),
                render: id_renderer(),
            }),
        )
        .await;
    assert!(
        matches!(result, Err(DomainError::Internal(_))),
        "a store failure is an internal error: {result:?}"
    );
    assert!(
        memory.all_passes().is_empty(),
        "the failed issue wrote no pass"
    );
    assert!(
        memory.all_events().is_empty(),
        "the failed issue wrote no event"
    );
    // The key is still held by the failed request until it is released.
    assert_eq!(
        pm.begin_idempotent(who.scope(), "key-1", fingerprint.clone())
            .await
            .unwrap(),
        IdemBegin::InUse
    );
    pm.release_idempotent(&ticket).await.unwrap();
    assert!(matches!(
        pm.begin_idempotent(who.scope(), "key-1", fingerprint)
            .await
            .unwrap(),
        IdemBegin::Started(_)
    ));
}

#[tokio::test]
async fn the_nth_call_fails_and_the_others_pass_through() {
    let (pm, store, _) = passmint();
    let before = store.calls();
    store.fail_nth(before + 2);
    assert!(matches!(
        pm.create_account("Acme", None).await,
        Err(DomainError::Internal(_))
    ));
    assert!(store.calls() >= before + 2);
    pm.create_account("Other", None).await.unwrap();
}
