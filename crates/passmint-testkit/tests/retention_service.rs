//! The retention use case over the in-memory fakes and the fake clock
//! (docs/api.md §10): what is past its retention at the clock's time goes, in
//! batches of at most the limit asked for.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use passmint_domain::event::EventType;
use passmint_domain::idempotency::IdemBegin;
use passmint_domain::page::PageRequest;
use passmint_domain::ports::Purged;
use passmint_domain::retention::Retained;
use passmint_domain::service::NewPass;
use passmint_testkit::memory_passmint;
use serde_json::Map;
use std::collections::BTreeMap;
use support::new_template;
use time::Duration;

#[tokio::test]
async fn events_and_idempotency_records_go_once_past_their_retention() {
    let (pm, store, clock) = memory_passmint();
    let (_, test, _) = pm.create_account("Acme", None).await.unwrap();
    let who = pm.authenticate(&test.key).await.unwrap();
    let template = pm
        .create_template(&who, new_template(), None)
        .await
        .unwrap();
    let new = NewPass {
        template_id: template.id.to_string(),
        holder_email: None,
        holder_name: None,
        field_values: BTreeMap::new(),
        metadata: Map::new(),
    };
    let pass = pm.issue_pass(&who, new, None).await.unwrap();
    for _ in 0..3 {
        pm.record_event(&pass, EventType::UrlViewed, Map::new())
            .await
            .unwrap();
    }
    let began = pm
        .begin_idempotent(who.scope(), "key-1", "fp".into())
        .await
        .unwrap();
    assert!(matches!(began, IdemBegin::Started(_)));

    clock.advance(Duration::days(10));
    let recent = pm
        .record_event(&pass, EventType::Downloaded, Map::new())
        .await
        .unwrap();
    let age = Retained::Events(Duration::days(7));

    let first = pm.purge_batch(age, 3, None).await.unwrap();
    assert_eq!(first.removed, 3, "a batch of at most 3");
    let second = pm.purge_batch(age, 3, first.reached).await.unwrap();
    assert_eq!(
        second.removed, 1,
        "the last old event, from where the first ended"
    );
    assert!(second.reached >= first.reached);
    assert_eq!(
        pm.purge_batch(age, 3, second.reached).await,
        Ok(Purged::default())
    );
    assert_eq!(pm.purge_batch(age, 3, None).await, Ok(Purged::default()));
    let left = pm
        .list_events(&who, Some(pass.id.as_str()), &PageRequest::first(100))
        .await
        .unwrap();
    assert_eq!(left.data, vec![recent], "the event within 7 days stays");
    assert_eq!(
        pm.purge_batch(Retained::Events(Duration::days(30)), 3, None)
            .await,
        Ok(Purged::default()),
        "nothing is 30 days old"
    );

    assert_eq!(store.idempotency_record_count(), 1);
    assert_eq!(
        pm.purge_batch(Retained::IdempotencyKeys, 1000, None).await,
        Ok(Purged {
            removed: 1,
            reached: None
        })
    );
    assert_eq!(store.idempotency_record_count(), 0);
}
