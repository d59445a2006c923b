//! The bundle use cases (docs/api.md §12) over the in-memory fakes.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use passmint_domain::DomainError;
use passmint_domain::idempotency::IdemFinish;
use passmint_domain::pass::Pass;
use passmint_domain::service::{NewBundle, NewPass, Principal};
use passmint_testkit::memory_passmint;
use std::sync::Arc;
use support::{started, tenant};

async fn issue(pm: &passmint_domain::service::Passmint, who: &Principal, template: &str) -> Pass {
    let new = NewPass {
        template_id: template.to_owned(),
        holder_email: None,
        holder_name: Some("Alice".into()),
        field_values: Default::default(),
        metadata: Default::default(),
    };
    pm.issue_pass(who, new, None).await.unwrap()
}

fn bundle_of(ids: &[&str]) -> NewBundle {
    NewBundle {
        pass_ids: ids.iter().map(|s| (*s).to_owned()).collect(),
    }
}

#[track_caller]
fn assert_refused<T: std::fmt::Debug>(
    result: Result<T, DomainError>,
    param: &str,
    code: Option<&str>,
) {
    match &result {
        Err(DomainError::Invalid {
            param: Some(p),
            code: c,
            ..
        }) if p == param && *c == code => {}
        other => panic!("expected 400 at {param} ({code:?}), got {other:?}"),
    }
}

/// A bundle keeps its passes in the order given, is found in its own scope only,
/// and behind its short id in any; its creation completes the idempotency key.
#[tokio::test]
async fn create_retrieve_and_find_a_bundle() {
    let (pm, _, _) = memory_passmint();
    let t = tenant(&pm, "Acme", None).await;
    let tid = t.template.id.to_string();
    let a = issue(&pm, &t.test, &tid).await;
    let b = issue(&pm, &t.test, &tid).await;

    let ticket = started(&pm, &t.test, "bundle-key", "fp").await;
    let finish = IdemFinish {
        ticket,
        render: Arc::new(|b: &passmint_domain::bundle::Bundle| {
            passmint_domain::idempotency::StoredResponse {
                status: 200,
                body: b.id.as_str().as_bytes().to_vec(),
            }
        }),
    };
    let bundle = pm
        .create_bundle(
            &t.test,
            bundle_of(&[b.id.as_str(), a.id.as_str()]),
            Some(finish),
        )
        .await
        .unwrap();
    assert_eq!(bundle.pass_ids, [b.id.clone(), a.id.clone()]);
    assert_eq!(bundle.scope(), t.test.scope());
    match pm
        .begin_idempotent(t.test.scope(), "bundle-key", "fp".into())
        .await
        .unwrap()
    {
        passmint_domain::idempotency::IdemBegin::Replay(r) => {
            assert_eq!(r.body, bundle.id.as_str().as_bytes());
        }
        other => panic!("the key replays the bundle, got {other:?}"),
    }

    assert_eq!(
        pm.get_bundle(&t.test, bundle.id.as_str()).await,
        Ok(bundle.clone())
    );
    for (who, id) in [
        (&t.live, bundle.id.as_str()),
        (&t.test, "bndl_000000000000000000000000"),
        (&t.test, "nope"),
    ] {
        assert_eq!(
            pm.get_bundle(who, id).await,
            Err(DomainError::not_found("bundle", id))
        );
    }

    let found = pm.public_bundle(&bundle.short_id).await.unwrap();
    assert_eq!(found.bundle, bundle);
    let ids: Vec<_> = found.passes.iter().map(|(p, _)| p.id.clone()).collect();
    assert_eq!(ids, bundle.pass_ids);
    assert!(
        found
            .passes
            .iter()
            .all(|(_, tmpl)| tmpl.id == t.template.id)
    );
    for short in ["", "not-base62!", &"a".repeat(65), "UnknownShort1"] {
        assert_eq!(
            pm.public_bundle(short).await.map(|f| f.bundle),
            Err(DomainError::not_found("bundle", short)),
            "{short}"
        );
    }
}

/// Each refusal names the list or the place at fault, the list's own rules
/// before any pass is read, then the passes in order.
#[tokio::test]
async fn refusals_name_the_place() {
    let (pm, _, _) = memory_passmint();
    let t = tenant(&pm, "Acme", None).await;
    let other = tenant(&pm, "Other", None).await;
    let tid = t.template.id.to_string();
    let a = issue(&pm, &t.test, &tid).await;
    let b = issue(&pm, &t.test, &tid).await;
    let voided = issue(&pm, &t.test, &tid).await;
    pm.void_pass(&t.test, voided.id.as_str()).await.unwrap();
    let foreign = issue(&pm, &other.test, &other.template.id.to_string()).await;
    let (a, b) = (a.id.as_str(), b.id.as_str());
    let eleven: Vec<String> = (0..11).map(|i| format!("pass_{i:024}")).collect();
    let eleven: Vec<&str> = eleven.iter().map(String::as_str).collect();

    let cases: [(&[&str], &str, Option<&str>); 8] = [
        (&[], "pass_ids", None),
        (&eleven, "pass_ids", None),
        (&[a, b, a], "pass_ids[2]", None),
        // A repeat is found before an unknown id earlier in the list.
        (&["nope", a, a], "pass_ids[2]", None),
        (&[a, "nope"], "pass_ids[1]", Some("resource_missing")),
        (
            &[a, foreign.id.as_str()],
            "pass_ids[1]",
            Some("resource_missing"),
        ),
        (
            &[voided.id.as_str(), "nope"],
            "pass_ids[0]",
            Some("pass_voided"),
        ),
        (
            &[a, b, voided.id.as_str()],
            "pass_ids[2]",
            Some("pass_voided"),
        ),
    ];
    for (ids, param, code) in cases {
        assert_refused(
            pm.create_bundle(&t.test, bundle_of(ids), None).await,
            param,
            code,
        );
    }
    // The live key does not see the test passes.
    assert_refused(
        pm.create_bundle(&t.live, bundle_of(&[a]), None).await,
        "pass_ids[0]",
        Some("resource_missing"),
    );
    let ten: Vec<Pass> = {
        let mut v = Vec::new();
        for _ in 0..10 {
            v.push(issue(&pm, &t.test, &tid).await);
        }
        v
    };
    let ten: Vec<&str> = ten.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(
        pm.create_bundle(&t.test, bundle_of(&ten), None)
            .await
            .unwrap()
            .pass_ids
            .len(),
        10
    );
}
