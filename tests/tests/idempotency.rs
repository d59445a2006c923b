//! Idempotency-Key on POST and PATCH (docs/api.md §2).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use passmint_e2e::{Engine, Reply, TestServer, engine_tests};
use reqwest::Method;
use serde_json::{Value, json};

async fn replays_conflicts_and_scopes(engine: Engine) {
    let s = TestServer::start(engine).await;
    let key = s.test_key.clone();
    let tid = s.template_id(&key).await;
    let body = json!({"template_id": tid, "holder_name": "Ann", "metadata": {"a": 1, "b": 2}});
    let idem = [("Idempotency-Key", "order-1")];

    let first = s
        .send(Method::POST, "/v1/passes", Some(&key), Some(&body), &idem)
        .await;
    assert_eq!(first.status, 200);
    assert_eq!(first.header("idempotent-replayed"), None);

    // Same body, other key order and whitespace: replayed, byte for byte.
    let reordered = r#"{ "metadata": {"b": 2, "a": 1}, "holder_name": "Ann",
        "template_id": "TID" }"#
        .replace("TID", &tid);
    let res = s
        .client
        .post(s.url("/v1/passes"))
        .bearer_auth(&key)
        .header("content-type", "application/json")
        .header("Idempotency-Key", "order-1")
        .body(reordered)
        .send()
        .await
        .unwrap();
    let replay = TestServer::reply(res).await;
    assert_eq!(replay.status, 200);
    assert_eq!(replay.header("idempotent-replayed"), Some("true"));
    assert_eq!(replay.text, first.text);
    assert_eq!(s.data_len("/v1/passes").await, 1);
    assert_eq!(
        s.data_len("/v1/events").await,
        1,
        "a replay has no side effect"
    );

    // Different body or path: 409.
    let other = json!({"template_id": tid, "holder_name": "Bob"});
    s.send(Method::POST, "/v1/passes", Some(&key), Some(&other), &idem)
        .await
        .assert_error(409, "idempotency_error", None);
    s.send(
        Method::POST,
        "/v1/templates",
        Some(&key),
        Some(&passmint_e2e::template_body()),
        &idem,
    )
    .await
    .assert_error(409, "idempotency_error", None);

    // The same key in live mode or another account is a different key.
    let live = s.live_key.clone();
    let r = s
        .send(Method::POST, "/v1/passes", Some(&live), Some(&body), &idem)
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("idempotent-replayed"), None);
    assert_eq!(r.body["mode"], "live");

    // 4xx answers are stored and replayed too.
    let bad = json!({"template_id": "tmpl_000000000000000000000000"});
    let r1 = s
        .send_idempotent(Method::POST, "/v1/passes", &key, &bad, "bad-1")
        .await;
    r1.assert_error(400, "invalid_request_error", Some("template_id"));
    let r2 = s
        .send_idempotent(Method::POST, "/v1/passes", &key, &bad, "bad-1")
        .await;
    assert_eq!(r2.header("idempotent-replayed"), Some("true"));
    assert_eq!(r2.text, r1.text);
}

/// The same request sent twice with one Idempotency-Key: (first, second).
async fn twice(
    s: &TestServer,
    method: Method,
    path: &str,
    key: &str,
    body: &Value,
    idempotency_key: &str,
) -> (Reply, Reply) {
    let first = s
        .send_idempotent(method.clone(), path, key, body, idempotency_key)
        .await;
    let second = s
        .send_idempotent(method, path, key, body, idempotency_key)
        .await;
    (first, second)
}

async fn patch_is_idempotent(engine: Engine) {
    let s = TestServer::start(engine).await;
    let key = s.test_key.clone();
    let tid = s.template_id(&key).await;
    let pid = s.pass_id(&key, &tid).await;
    let path = format!("/v1/passes/{pid}");
    let body = json!({"field_values": {"seatNumber": "C3"}});
    let (a, b) = twice(&s, Method::PATCH, &path, &key, &body, "patch-1").await;
    assert_eq!(a.status, 200);
    assert_eq!(b.header("idempotent-replayed"), Some("true"));
    assert_eq!(a.text, b.text);
    let events = s.data_len(&format!("{path}/events")).await;
    assert_eq!(events, 2, "created + one updated");
    let template = format!("/v1/templates/{tid}");
    let (t, t2) = twice(
        &s,
        Method::PATCH,
        &template,
        &key,
        &json!({"name": "N"}),
        "tp-1",
    )
    .await;
    assert_eq!(t.text, t2.text);
    assert_eq!(t2.header("idempotent-replayed"), Some("true"));
}

async fn twenty_concurrent_requests_with_one_key_create_one_pass(engine: Engine) {
    let s = TestServer::start(engine).await;
    let key = s.test_key.clone();
    let tid = s.template_id(&key).await;
    let body = json!({"template_id": tid, "holder_email": "race@example.com"});
    let replies = futures::future::join_all(
        (0..20).map(|_| s.send_idempotent(Method::POST, "/v1/passes", &key, &body, "race-1")),
    )
    .await;
    let mut ids = std::collections::BTreeSet::new();
    for r in &replies {
        match r.status.as_u16() {
            200 => {
                ids.insert(r.body["id"].as_str().unwrap().to_owned());
            }
            409 => {
                assert_eq!(r.body["error"]["type"], "idempotency_error");
                assert_eq!(r.body["error"]["code"], "idempotency_key_in_use");
            }
            other => panic!("unexpected {other}: {}", r.text),
        }
    }
    assert_eq!(ids.len(), 1, "every success names the same pass");
    let listed = s.data_len("/v1/passes").await;
    assert_eq!(listed, 1);
    // After the dust settles, the key replays.
    let r = s
        .send_idempotent(Method::POST, "/v1/passes", &key, &body, "race-1")
        .await;
    assert_eq!(r.header("idempotent-replayed"), Some("true"));
    assert_eq!(r.body["id"].as_str().unwrap(), ids.iter().next().unwrap());
}

async fn template_creation_is_idempotent(engine: Engine) {
    let s = TestServer::start(engine).await;
    let key = s.test_key.clone();
    let body = passmint_e2e::template_body();
    let idem = [("Idempotency-Key", "tmpl-1")];
    let (a, b) = twice(&s, Method::POST, "/v1/templates", &key, &body, "tmpl-1").await;
    assert_eq!(a.status, 200);
    assert_eq!(b.header("idempotent-replayed"), Some("true"));
    assert_eq!(a.text, b.text);
    assert_eq!(s.data_len("/v1/templates").await, 1);
    let mut other = body.clone();
    other["name"] = json!("Another name");
    s.send(
        Method::POST,
        "/v1/templates",
        Some(&key),
        Some(&other),
        &idem,
    )
    .await
    .assert_error(409, "idempotency_error", None);
    // Templates are shared by modes, but idempotency keys are not: the live key
    // creates a second template.
    let live = s.live_key.clone();
    let c = s
        .send(
            Method::POST,
            "/v1/templates",
            Some(&live),
            Some(&body),
            &idem,
        )
        .await;
    assert_eq!(c.status, 200);
    assert_ne!(c.body["id"], a.body["id"]);
}

/// The server remembers templates to issue passes without reading them each time:
/// changes made by another process sharing the database still count at once.
async fn issue_sees_template_changes_made_elsewhere(engine: Engine) {
    let s = TestServer::start(engine).await;
    let key = s.test_key.clone();
    let tid = s.template_id(&key).await;
    let issue = async |idem: &str, body: &serde_json::Value| {
        s.send_idempotent(Method::POST, "/v1/passes", &key, body, idem)
            .await
    };
    let plain = json!({"template_id": tid, "holder_name": "Ann"});
    assert_eq!(issue("first", &plain).await.status, 200);

    let other = s.other_process().await;
    let who = other.authenticate(&key).await.unwrap();
    other.archive_template(&who, &tid).await.unwrap();
    let refused = issue("archived", &plain).await;
    let body = refused.assert_error(400, "invalid_request_error", Some("template_id"));
    assert_eq!(body["code"], "template_archived");
    let replay = issue("archived", &plain).await;
    assert_eq!(replay.header("idempotent-replayed"), Some("true"));
    assert_eq!(replay.text, refused.text);

    // Unarchived elsewhere with a new field: a pass may use it at once.
    let mut design = other.get_template(&who, &tid).await.unwrap().design;
    design.fields.back.push(passmint_domain::design::Field {
        key: "gate".into(),
        label: Some("Gate".into()),
        ..Default::default()
    });
    other
        .update_template(
            &who,
            &tid,
            passmint_domain::service::TemplatePatch {
                design: Some(design),
                archived: Some(false),
                ..Default::default()
            },
            None,
        )
        .await
        .unwrap();
    let gated = json!({"template_id": tid, "field_values": {"gate": "B"}});
    let issued = issue("gated", &gated).await;
    assert_eq!(issued.status, 200, "{}", issued.text);
    assert_eq!(issued.body["field_values"]["gate"], "B");
    assert_eq!(issue("gated-again", &gated).await.status, 200);
    let replay = issue("gated", &gated).await;
    assert_eq!(replay.header("idempotent-replayed"), Some("true"));
    assert_eq!(replay.text, issued.text);
    assert_eq!(s.data_len("/v1/passes").await, 3);
}

engine_tests!(
    issue_sees_template_changes_made_elsewhere,
    replays_conflicts_and_scopes,
    patch_is_idempotent,
    twenty_concurrent_requests_with_one_key_create_one_pass,
    template_creation_is_idempotent
);
