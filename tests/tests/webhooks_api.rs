//! The webhook endpoints of the reference's section 08: shapes, validation with
//! precise params, the secret shown once, modes and accounts kept apart,
//! idempotency (replays never showing a replaced secret), the delivery log of the
//! events and hard deletes.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use passmint_e2e::{Engine, TestServer, data_strings, engine_tests};
use reqwest::Method;
use serde_json::{Value, json};

/// A webhook to an address no delivery reaches (TEST-NET-1 is refused by the SSRF
/// rule), so these tests see the log without a receiver.
const NOWHERE: &str = "https://192.0.2.1/webhooks/passmint";

fn keys(v: &Value) -> Vec<&str> {
    let mut k: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    k.sort_unstable();
    k
}

/// `v` is an `object` with exactly these (sorted) keys and an id of `prefix`.
fn assert_object(v: &Value, object: &str, prefix: &str, sorted_keys: &[&str]) {
    assert_eq!(keys(v), sorted_keys);
    assert_eq!(v["object"], object);
    assert!(v["id"].as_str().unwrap().starts_with(prefix));
}

async fn create(s: &TestServer, key: &str, body: Value) -> Value {
    let r = s
        .send(Method::POST, "/v1/webhooks", Some(key), Some(&body), &[])
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.body
}

async fn crud_and_secret_shown_once(engine: Engine) {
    let s = TestServer::start(engine).await;
    let created = s
        .post(
            "/v1/webhooks",
            json!({
                "url": NOWHERE,
                "events": ["pass.created", "pass.installed"],
                "description": "Production webhook"
            }),
        )
        .await;
    assert_eq!(created.status, 200, "{}", created.text);
    let w = &created.body;
    assert_object(
        w,
        "webhook",
        "whk_",
        &[
            "created_at",
            "description",
            "enabled",
            "events",
            "id",
            "object",
            "secret",
            "url",
        ],
    );
    assert_eq!(w["id"].as_str().unwrap().len(), 28);
    assert_eq!(w["url"], NOWHERE);
    assert_eq!(w["events"], json!(["pass.created", "pass.installed"]));
    assert_eq!(w["description"], "Production webhook");
    assert_eq!(w["enabled"], true);
    let secret = w["secret"].as_str().unwrap();
    assert!(secret.starts_with("whsec_"), "{secret}");
    assert_eq!(secret.len(), 6 + 44, "32 random bytes in base64");
    assert!(w["created_at"].as_str().unwrap().ends_with('Z'));
    let id = w["id"].as_str().unwrap();
    let path = format!("/v1/webhooks/{id}");

    // Never again in a GET or a list.
    let got = s.get(&path).await;
    assert_eq!(got.status, 200);
    assert!(got.body.get("secret").is_none(), "{}", got.text);
    assert!(!got.text.contains(secret));
    let mut without = w.clone();
    without.as_object_mut().unwrap().remove("secret");
    assert_eq!(got.body, without);
    let list = s.get("/v1/webhooks").await;
    assert_eq!(list.status, 200);
    assert_eq!(
        list.body,
        json!({"object": "list", "data": [without], "has_more": false})
    );
    assert!(!list.text.contains(secret));

    // PATCH: the reference's example, then disabling, then clearing the description.
    let r = s
        .patch(&path, json!({"events": ["*"], "description": "All events"}))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["events"], json!(["*"]));
    assert_eq!(r.body["description"], "All events");
    assert!(r.body.get("secret").is_none());
    let r = s
        .patch(&path, json!({"enabled": false, "description": ""}))
        .await;
    assert_eq!(
        (r.body["enabled"].clone(), r.body["description"].clone()),
        (json!(false), Value::Null)
    );
    let r = s
        .patch(
            &path,
            json!({"url": "http://example.com/other", "description": null}),
        )
        .await;
    assert_eq!(r.body["url"], "http://example.com/other");
    assert_eq!(r.body["description"], Value::Null);
    assert_eq!(
        s.patch(&path, json!({})).await.body,
        r.body,
        "an empty PATCH changes nothing"
    );

    // Rotation answers the new secret, once.
    let rotated = s.post(&format!("{path}/rotate_secret"), json!({})).await;
    assert_eq!(rotated.status, 200, "{}", rotated.text);
    let new_secret = rotated.body["secret"].as_str().unwrap();
    assert_ne!(new_secret, secret);
    assert!(new_secret.starts_with("whsec_"));
    let rotated_again = s
        .send_as(
            Method::POST,
            &format!("{path}/rotate_secret"),
            &s.test_key.clone(),
        )
        .await;
    assert_eq!(rotated_again.status, 200, "an empty body is fine");
    assert!(!s.get(&path).await.text.contains("whsec_"));

    // Hard delete: the reference's answer, then 404 everywhere.
    let r = s.delete(&path).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body, json!({"id": id, "deleted": true}));
    s.get(&path)
        .await
        .assert_error(404, "not_found_error", Some("id"));
    s.delete(&path)
        .await
        .assert_error(404, "not_found_error", Some("id"));
    s.get(&format!("{path}/deliveries"))
        .await
        .assert_error(404, "not_found_error", Some("id"));
    assert_eq!(s.get("/v1/webhooks").await.body["data"], json!([]));
}

async fn validation_names_the_param(engine: Engine) {
    let s = TestServer::start(engine).await;
    let cases = [
        (json!({"events": ["*"]}), "url"),
        (json!({"url": NOWHERE}), "events"),
        (json!({"url": "example.com/hook", "events": ["*"]}), "url"),
        (
            json!({"url": "ftp://example.com/hook", "events": ["*"]}),
            "url",
        ),
        (json!({"url": "https://", "events": ["*"]}), "url"),
        (json!({"url": 5, "events": ["*"]}), "url"),
        (json!({"url": NOWHERE, "events": []}), "events"),
        (json!({"url": NOWHERE, "events": "pass.created"}), "events"),
        (
            json!({"url": NOWHERE, "events": ["pass.created", "pass.bogus"]}),
            "events[1]",
        ),
        (json!({"url": NOWHERE, "events": ["created"]}), "events[0]"),
        (json!({"url": NOWHERE, "events": ["*", 3]}), "events[1]"),
        (
            json!({"url": NOWHERE, "events": ["*"], "description": "d".repeat(501)}),
            "description",
        ),
        (
            json!({"url": NOWHERE, "events": ["*"], "enabled": "yes"}),
            "enabled",
        ),
        (
            json!({"url": NOWHERE, "events": ["*"], "secret": "whsec_x"}),
            "secret",
        ),
    ];
    for (body, param) in cases {
        s.post("/v1/webhooks", body.clone()).await.assert_error(
            400,
            "invalid_request_error",
            Some(param),
        );
    }
    assert_eq!(s.get("/v1/webhooks").await.body["data"], json!([]));

    let id = create(&s, &s.test_key, json!({"url": NOWHERE, "events": ["*"]})).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("/v1/webhooks/{id}");
    for (body, param) in [
        (json!({"url": "nope"}), "url"),
        (json!({"events": []}), "events"),
        (json!({"events": ["pass.viewed"]}), "events[0]"),
        (json!({"secret": "whsec_x"}), "secret"),
        (json!({"enabled": 1}), "enabled"),
    ] {
        s.patch(&path, body)
            .await
            .assert_error(400, "invalid_request_error", Some(param));
    }
    s.post(&format!("{path}/rotate_secret"), json!({"secret": "x"}))
        .await
        .assert_error(400, "invalid_request_error", Some("secret"));
    s.get("/v1/webhooks?limit=10")
        .await
        .assert_error(400, "invalid_request_error", Some("limit"));
    s.get(&format!("{path}/deliveries?status=dead"))
        .await
        .assert_error(400, "invalid_request_error", Some("status"));
    for bad in [
        "whk_nope",
        "pass_0123456789abcdefghijKLMN",
        "whk_0123456789abcdefghijKLMN",
    ] {
        s.get(&format!("/v1/webhooks/{bad}")).await.assert_error(
            404,
            "not_found_error",
            Some("id"),
        );
    }
    s.post(&format!("{path}/deliveries/whd_nope/retry"), json!({}))
        .await
        .assert_error(404, "not_found_error", Some("delivery_id"));
    s.post("/v1/webhooks/whk_nope/deliveries/whd_nope/retry", json!({}))
        .await
        .assert_error(404, "not_found_error", Some("id"));
    // Wrong content type, wrong method, no key.
    let r = s
        .client
        .post(s.url("/v1/webhooks"))
        .bearer_auth(&s.test_key)
        .header("content-type", "text/plain")
        .body("url=x")
        .send()
        .await
        .unwrap();
    TestServer::reply(r)
        .await
        .assert_error(415, "invalid_request_error", None);
    s.send_as(Method::PUT, &path, &s.test_key.clone())
        .await
        .assert_error(405, "invalid_request_error", None);
    s.anonymous(Method::GET, "/v1/webhooks", None)
        .await
        .assert_error(401, "authentication_error", None);

    // At most 16 per mode.
    for _ in 1..16 {
        create(&s, &s.test_key, json!({"url": NOWHERE, "events": ["*"]})).await;
    }
    let err = s
        .post("/v1/webhooks", json!({"url": NOWHERE, "events": ["*"]}))
        .await;
    let e = err.assert_error(400, "invalid_request_error", None);
    assert_eq!(e["code"], "webhook_limit_reached");
    create(
        &s,
        &s.live_key.clone(),
        json!({"url": NOWHERE, "events": ["*"]}),
    )
    .await;
}

async fn modes_and_accounts_are_isolated(engine: Engine) {
    let s = TestServer::start(engine).await;
    let test = create(&s, &s.test_key, json!({"url": NOWHERE, "events": ["*"]})).await;
    let live = create(
        &s,
        &s.live_key.clone(),
        json!({"url": NOWHERE, "events": ["*"]}),
    )
    .await;
    let other = s.other_account().await;
    let other_key = other["test_key"].as_str().unwrap();
    let theirs = create(&s, other_key, json!({"url": NOWHERE, "events": ["*"]})).await;
    let ids = |r: &Value| data_strings(r, "id");
    let list = s.get("/v1/webhooks").await.body;
    assert_eq!(ids(&list), [test["id"].as_str().unwrap()]);
    let live_list = s
        .send_as(Method::GET, "/v1/webhooks", &s.live_key.clone())
        .await
        .body;
    assert_eq!(ids(&live_list), [live["id"].as_str().unwrap()]);
    for foreign in [&live, &theirs] {
        let path = format!("/v1/webhooks/{}", foreign["id"].as_str().unwrap());
        s.get(&path)
            .await
            .assert_error(404, "not_found_error", Some("id"));
        s.patch(&path, json!({"enabled": false}))
            .await
            .assert_error(404, "not_found_error", Some("id"));
        s.post(&format!("{path}/rotate_secret"), json!({}))
            .await
            .assert_error(404, "not_found_error", Some("id"));
        s.get(&format!("{path}/deliveries"))
            .await
            .assert_error(404, "not_found_error", Some("id"));
        s.delete(&path)
            .await
            .assert_error(404, "not_found_error", Some("id"));
    }
    // Untouched by those attempts.
    let r = s
        .send_as(
            Method::GET,
            &format!("/v1/webhooks/{}", theirs["id"].as_str().unwrap()),
            other_key,
        )
        .await;
    assert_eq!(r.status, 200);
    assert_eq!(r.body["enabled"], true);

    // A test event reaches the test webhook only.
    let tid = s.template_id(&s.test_key).await;
    s.pass(&s.test_key, &tid).await;
    let log = |key: String, w: &Value| {
        let path = format!("/v1/webhooks/{}/deliveries", w["id"].as_str().unwrap());
        let s = &s;
        async move {
            s.send_as(Method::GET, &path, &key).await.body["data"]
                .as_array()
                .unwrap()
                .len()
        }
    };
    assert_eq!(log(s.test_key.clone(), &test).await, 1);
    assert_eq!(log(s.live_key.clone(), &live).await, 0);
    assert_eq!(log(other_key.to_owned(), &theirs).await, 0);
}

async fn events_are_logged_per_subscription(engine: Engine) {
    let s = TestServer::start(engine).await;
    let all = create(&s, &s.test_key, json!({"url": NOWHERE, "events": ["*"]})).await;
    let created = create(
        &s,
        &s.test_key,
        json!({"url": NOWHERE, "events": ["pass.created"]}),
    )
    .await;
    let updated = create(
        &s,
        &s.test_key,
        json!({"url": NOWHERE, "events": ["pass.updated", "pass.voided"]}),
    )
    .await;
    let disabled = create(
        &s,
        &s.test_key,
        json!({"url": NOWHERE, "events": ["*"], "enabled": false}),
    )
    .await;
    let tid = s.template_id(&s.test_key).await;
    let pass = s.pass(&s.test_key, &tid).await;
    let pid = pass["id"].as_str().unwrap();
    let r = s
        .patch_pass(pid, json!({"field_values": {"seatNumber": "B7"}}))
        .await;
    assert_eq!(r.status, 200);
    let r = s.delete(&format!("/v1/passes/{pid}")).await;
    assert_eq!(r.status, 200);
    let page = s.fetch_public(pass["url"].as_str().unwrap(), &[]).await;
    assert_eq!(page.status, 200);

    let log = |w: &Value| {
        let path = format!("/v1/webhooks/{}/deliveries", w["id"].as_str().unwrap());
        let s = &s;
        async move { s.get(&path).await }
    };
    let types = |r: &Value| data_strings(r, "event_type");
    let r = log(&all).await;
    assert_eq!(r.status, 200);
    assert_eq!(
        types(&r.body),
        [
            "pass.url_viewed",
            "pass.voided",
            "pass.updated",
            "pass.created"
        ],
        "newest first"
    );
    assert_eq!(r.body["has_more"], false);
    let d = &r.body["data"][3];
    assert_object(
        d,
        "webhook_delivery",
        "whd_",
        &[
            "attempts",
            "created_at",
            "event_type",
            "id",
            "last_attempt_at",
            "next_attempt_at",
            "object",
            "response_body",
            "response_status",
            "status",
            "webhook_id",
        ],
    );
    assert_eq!(d["webhook_id"], all["id"]);
    assert!(["pending", "failed"].contains(&d["status"].as_str().unwrap()));
    assert!(d["created_at"].as_str().unwrap().ends_with('Z'));
    assert_eq!(types(&log(&created).await.body), ["pass.created"]);
    assert_eq!(
        types(&log(&updated).await.body),
        ["pass.voided", "pass.updated"]
    );
    assert_eq!(types(&log(&disabled).await.body), Vec::<String>::new());

    // A retry answers the delivery, due now; idempotent under a key.
    let did = d["id"].as_str().unwrap();
    let retry = format!(
        "/v1/webhooks/{}/deliveries/{did}/retry",
        all["id"].as_str().unwrap()
    );
    let key = [("Idempotency-Key", "retry-1")];
    let first = s
        .send(Method::POST, &retry, Some(&s.test_key.clone()), None, &key)
        .await;
    assert_eq!(first.status, 200, "{}", first.text);
    assert_eq!(first.body["id"], did);
    assert!(first.body["next_attempt_at"].is_string());
    let replay = s
        .send(Method::POST, &retry, Some(&s.test_key.clone()), None, &key)
        .await;
    assert_eq!(replay.header("idempotent-replayed"), Some("true"));
    assert_eq!(replay.text, first.text);
    // Another webhook's delivery is not this webhook's.
    s.post(
        &format!(
            "/v1/webhooks/{}/deliveries/{did}/retry",
            created["id"].as_str().unwrap()
        ),
        json!({}),
    )
    .await
    .assert_error(404, "not_found_error", Some("delivery_id"));
}

async fn creation_is_idempotent(engine: Engine) {
    let s = TestServer::start(engine).await;
    let key = s.test_key.clone();
    let post = |body: Value, idem: &'static str| {
        let (s, key) = (&s, key.clone());
        async move {
            s.send_idempotent(Method::POST, "/v1/webhooks", &key, &body, idem)
                .await
        }
    };
    let body = json!({"url": NOWHERE, "events": ["*"], "description": "once"});
    let first = post(body.clone(), "hook-1").await;
    assert_eq!(first.status, 200);
    let again = post(body, "hook-1").await;
    assert_eq!(again.header("idempotent-replayed"), Some("true"));
    assert_eq!(
        again.text, first.text,
        "the replay is the first answer, secret included"
    );
    assert_eq!(s.data_len("/v1/webhooks").await, 1);
    let other = json!({"url": NOWHERE, "events": ["pass.created"]});
    post(other, "hook-1")
        .await
        .assert_error(409, "idempotency_error", None);
    // An invalid request is replayed as well.
    let bad = json!({"url": "nope", "events": ["*"]});
    let r1 = post(bad.clone(), "hook-2").await;
    r1.assert_error(400, "invalid_request_error", Some("url"));
    let r2 = post(bad, "hook-2").await;
    assert_eq!(r2.header("idempotent-replayed"), Some("true"));
    // PATCH too.
    let path = format!("/v1/webhooks/{}", first.body["id"].as_str().unwrap());
    let patch = json!({"description": "twice"});
    let p1 = s
        .send_idempotent(Method::PATCH, &path, &key, &patch, "hook-3")
        .await;
    let p2 = s
        .send_idempotent(Method::PATCH, &path, &key, &patch, "hook-3")
        .await;
    assert_eq!(p1.status, 200);
    assert_eq!(p2.header("idempotent-replayed"), Some("true"));
    assert_eq!(p1.text, p2.text);
}

/// A replay shows the secret its first answer showed only while that is still the
/// webhook's secret: `null` once rotated or deleted, the rest of the answer as
/// first given (docs/api.md §8).
async fn replays_never_show_a_replaced_secret(engine: Engine) {
    let s = TestServer::start(engine).await;
    let key = s.test_key.clone();
    let body = json!({"url": NOWHERE, "events": ["*"]});
    let post = async |path: &str, body: &Value, idem: &str| {
        let r = s
            .send_idempotent(Method::POST, path, &key, body, idem)
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
        r
    };
    let without_secret = |r: &passmint_e2e::Reply| {
        let mut b = r.body.clone();
        b.as_object_mut().unwrap().remove("secret");
        b
    };
    let created = post("/v1/webhooks", &body, "c-1").await;
    let rotate = format!(
        "/v1/webhooks/{}/rotate_secret",
        created.body["id"].as_str().unwrap()
    );
    let replay = post("/v1/webhooks", &body, "c-1").await;
    assert_eq!(replay.text, created.text, "not rotated: the same answer");

    let rotated = post(&rotate, &json!({}), "r-1").await;
    assert_ne!(rotated.body["secret"], created.body["secret"]);
    let replay = post("/v1/webhooks", &body, "c-1").await;
    assert_eq!(replay.header("idempotent-replayed"), Some("true"));
    assert_eq!(replay.body["secret"], Value::Null, "{}", replay.text);
    assert_eq!(without_secret(&replay), without_secret(&created));
    let text = created.body["secret"].as_str().unwrap();
    assert!(!replay.text.contains(&text["whsec_".len()..]));
    let replay = post(&rotate, &json!({}), "r-1").await;
    assert_eq!(
        replay.text, rotated.text,
        "the rotation's secret is current"
    );

    let r = s.post(&rotate, json!({})).await;
    assert_eq!(r.status, 200, "{}", r.text);
    let replay = post(&rotate, &json!({}), "r-1").await;
    assert_eq!(
        replay.body["secret"],
        Value::Null,
        "rotated again: {}",
        replay.text
    );
    assert_eq!(without_secret(&replay), without_secret(&rotated));
    let replay = post("/v1/webhooks", &body, "c-1").await;
    assert_eq!(replay.body["secret"], Value::Null);

    let doomed = post("/v1/webhooks", &body, "c-2").await;
    let r = s
        .delete(&format!(
            "/v1/webhooks/{}",
            doomed.body["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(r.status, 200);
    let replay = post("/v1/webhooks", &body, "c-2").await;
    assert_eq!(
        replay.body["secret"],
        Value::Null,
        "deleted: {}",
        replay.text
    );
    assert_eq!(without_secret(&replay), without_secret(&doomed));
}

engine_tests!(
    crud_and_secret_shown_once,
    validation_names_the_param,
    modes_and_accounts_are_isolated,
    events_are_logged_per_subscription,
    creation_is_idempotent,
    replays_never_show_a_replaced_secret,
);
