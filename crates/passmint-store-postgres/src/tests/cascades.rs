//! Template cascades: the deliveries they enqueue, and their concurrency with
//! pushed pass updates.

use crate::testing;
use passmint_domain::event::EventType;
use passmint_domain::mode::Mode;
use passmint_domain::ports::TemplateUpdate;
use passmint_domain::ports::{AccountStore, PassStore, TemplateStore, WalletStore, WebhookStore};
use passmint_domain::wallet::{Registration, TemplateCascade};
use passmint_testkit::fixtures;
use std::sync::Arc;

/// A cascade's deliveries carry each pass as it is after the change, with the
/// `updated` event of that pass.
#[tokio::test]
async fn cascade_deliveries_carry_each_pass_after_the_change() {
    let store = testing::fresh_store().await;
    let account = fixtures::account();
    store.insert_account(&account).await.unwrap();
    let template = fixtures::template(&account);
    store.insert_template(&template, None).await.unwrap();
    let mut passes = Vec::new();
    for mode in [Mode::Test, Mode::Live, Mode::Test] {
        let pass = fixtures::pass(&account, mode, &template);
        store
            .insert_pass(&pass, &fixtures::event(&pass, EventType::Created), None)
            .await
            .unwrap();
        passes.push(pass);
    }
    for (mode, events) in [(Mode::Test, "*"), (Mode::Live, "pass.updated")] {
        store
            .insert_webhook(&fixtures::webhook(&account, mode, &[events]), None)
            .await
            .unwrap();
    }
    let mut redesigned = template.clone();
    redesigned.updated_at = fixtures::timestamp();
    let cascade = TemplateCascade {
        at: redesigned.updated_at,
        metadata: fixtures::json_map(serde_json::json!({"template": ["design"]})),
    };
    let enqueued = store
        .update_template(&TemplateUpdate {
            template: &redesigned,
            expected_updated_at: template.updated_at,
            idem: None,
            cascade: Some(&cascade),
        })
        .await
        .unwrap();
    assert_eq!(enqueued, 3, "one delivery per pass, to its mode's webhook");
    let claim = fixtures::claim_at(fixtures::timestamp(), 100);
    let claimed = store.claim_deliveries(&claim, u32::MAX).await.unwrap();
    assert_eq!(claimed.len(), 3);
    for c in &claimed {
        let pass = passes.iter().find(|p| p.id == c.pass.id).unwrap();
        let now = store.get_pass(&pass.scope(), &pass.id).await.unwrap();
        assert_eq!(now.version, pass.version + 1);
        assert_eq!(c.pass, now, "the snapshot is the pass after the change");
        assert_eq!(c.event.id, cascade.event_id(&template.id, &pass.id));
        assert_eq!(c.event.kind, EventType::Updated);
        assert_eq!(c.event.metadata, cascade.metadata);
        assert_eq!(c.delivery.created_at, cascade.at);
    }
}

/// Pushed pass updates and template cascades running at once only ever conflict
/// (the wallet tag is always taken before any pass is locked, so no deadlock), and
/// every committed change enqueued its push jobs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_pushed_updates_and_cascades_never_deadlock() {
    const PASSES: usize = 12;
    const ROUNDS: usize = 25;
    let store = Arc::new(testing::fresh_database().await.store_with_pool(8).await);
    let account = fixtures::account();
    store.insert_account(&account).await.unwrap();
    let template = fixtures::template(&account);
    store.insert_template(&template, None).await.unwrap();
    let mut passes = Vec::new();
    for _ in 0..PASSES {
        let pass = fixtures::pass(&account, Mode::Test, &template);
        store
            .insert_pass(&pass, &fixtures::event(&pass, EventType::Created), None)
            .await
            .unwrap();
        let registration = Registration {
            device_library_id: fixtures::base62(20),
            pass_id: pass.id.clone(),
            account_id: pass.account_id.clone(),
            mode: pass.mode,
            pass_type_id: "pass.com.example.race".into(),
            push_token: "ab".repeat(32),
            created_at: fixtures::timestamp(),
        };
        store
            .register_device(
                &registration,
                &fixtures::event(&pass, EventType::Installed),
                20,
            )
            .await
            .unwrap();
        passes.push(pass);
    }
    let passes = Arc::new(passes);
    let mut updaters = Vec::new();
    for worker in 0..4 {
        let (store, passes) = (store.clone(), passes.clone());
        updaters.push(tokio::spawn(async move {
            let mut pushed = 0u64;
            for round in 0..ROUNDS {
                let p = &passes[(worker * 5 + round) % PASSES];
                let current = store.get_pass(&p.scope(), &p.id).await.unwrap();
                let next = fixtures::next_version(&current);
                let event = fixtures::event(&next, EventType::Updated);
                match store
                    .update_pass(&next, current.version, Some(&event), None, true)
                    .await
                {
                    Ok(_) => pushed += 1,
                    Err(passmint_domain::StoreError::VersionChanged) => {}
                    Err(e) => panic!("pushed update: {e:?}"),
                }
            }
            pushed
        }));
    }
    let cascader = {
        let (store, template) = (store.clone(), template.clone());
        tokio::spawn(async move {
            let mut cascades = 0u64;
            for _ in 0..ROUNDS / 2 {
                let current = store
                    .get_template(&template.account_id, &template.id)
                    .await
                    .unwrap();
                let mut next = current.clone();
                next.updated_at = fixtures::timestamp();
                let cascade = TemplateCascade {
                    at: next.updated_at,
                    metadata: serde_json::Map::new(),
                };
                match store
                    .update_template(&TemplateUpdate {
                        template: &next,
                        expected_updated_at: current.updated_at,
                        idem: None,
                        cascade: Some(&cascade),
                    })
                    .await
                {
                    Ok(_) => cascades += 1,
                    Err(passmint_domain::StoreError::VersionChanged) => {}
                    Err(e) => panic!("cascade: {e:?}"),
                }
            }
            cascades
        })
    };
    let mut pushed = 0;
    for u in updaters {
        pushed += u.await.unwrap();
    }
    let cascades = cascader.await.unwrap();
    assert!(
        cascades > 0 && pushed > 0,
        "{cascades} cascades, {pushed} updates"
    );
    assert_eq!(
        store.pending_pushes().await.unwrap(),
        pushed + cascades * PASSES as u64,
        "one job per registration of every committed change"
    );
    let serials = store
        .updated_serials(&fixtures::base62(20), "pass.com.example.race", None)
        .await
        .unwrap();
    assert_eq!(
        serials.last_updated,
        i64::try_from(pushed + cascades).unwrap(),
        "one tag per committed change (refused ones roll theirs back)"
    );
}
