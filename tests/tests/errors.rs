//! Client mistakes answer the error envelope with the right status and `param`,
//! never a 5xx (docs/api.md §1).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use passmint_e2e::{Engine, TestServer, engine_tests};
use reqwest::Method;
use serde_json::{Value, json};

const ENDPOINTS: &[(&str, &str)] = &[
    ("POST", "/v1/templates"),
    ("GET", "/v1/templates"),
    ("GET", "/v1/templates/tmpl_000000000000000000000000"),
    ("PATCH", "/v1/templates/tmpl_000000000000000000000000"),
    ("DELETE", "/v1/templates/tmpl_000000000000000000000000"),
    ("POST", "/v1/passes"),
    ("GET", "/v1/passes"),
    ("GET", "/v1/passes/pass_000000000000000000000000"),
    ("PATCH", "/v1/passes/pass_000000000000000000000000"),
    ("DELETE", "/v1/passes/pass_000000000000000000000000"),
    ("GET", "/v1/passes/pass_000000000000000000000000/events"),
    ("GET", "/v1/events"),
];

fn method(m: &str) -> Method {
    Method::from_bytes(m.as_bytes()).unwrap()
}

async fn every_endpoint_requires_a_valid_key(engine: Engine) {
    let s = TestServer::start(engine).await;
    let revoked = s.db.create_account("Revoked").await["test_key"]
        .as_str()
        .unwrap()
        .to_owned();
    s.db.revoke_key(&revoked).await;

    let body = json!({});
    for (m, path) in ENDPOINTS {
        for key in [
            None,
            Some("pmk_test_short"),
            Some("pmk_test_0123456789abcdefghijklmnopqrstuvwxyzAB"),
            Some(revoked.as_str()),
        ] {
            let r = s.send(method(m), path, key, Some(&body), &[]).await;
            r.assert_error(401, "authentication_error", None);
        }
        let r = s
            .send(
                method(m),
                path,
                None,
                None,
                &[("Authorization", &format!("Basic {}", s.test_key))],
            )
            .await;
        r.assert_error(401, "authentication_error", None);
    }
}

async fn unknown_objects_and_invalid_ids_are_404(engine: Engine) {
    let s = TestServer::start(engine).await;
    for (m, path) in ENDPOINTS.iter().filter(|(_, p)| p.contains("_0000")) {
        let body = match (*m, path.contains("templates")) {
            ("PATCH", true) => Some(json!({"name": "x"})),
            ("PATCH", false) => Some(json!({"metadata": {"a": "b"}})),
            _ => None,
        };
        let r = s
            .send(
                method(m),
                path,
                Some(&s.test_key.clone()),
                body.as_ref(),
                &[],
            )
            .await;
        r.assert_error(404, "not_found_error", Some("id"));
        // Malformed ids too.
        let bad = path.replace("_000000000000000000000000", "_nope");
        let r = s
            .send(
                method(m),
                &bad,
                Some(&s.test_key.clone()),
                body.as_ref(),
                &[],
            )
            .await;
        r.assert_error(404, "not_found_error", Some("id"));
    }
    let r = s.get("/v1/nothing-here").await;
    r.assert_error(404, "not_found_error", None);
    let r = s
        .send_as(Method::PUT, "/v1/passes", &s.test_key.clone())
        .await;
    r.assert_error(405, "invalid_request_error", None);
    let r = s
        .send_as(Method::POST, "/v1/events", &s.test_key.clone())
        .await;
    r.assert_error(405, "invalid_request_error", None);
}

async fn other_accounts_and_modes_see_404(engine: Engine) {
    let s = TestServer::start(engine).await;
    let key = s.test_key.clone();
    let t = s.template(&key).await;
    let tid = t["id"].as_str().unwrap();
    let p = s.pass(&key, tid).await;
    let pid = p["id"].as_str().unwrap();
    let other = s.other_account().await;
    let other_key = other["test_key"].as_str().unwrap();
    let live = s.live_key.clone();

    for k in [other_key, live.as_str()] {
        let r = s
            .send_as(Method::GET, &format!("/v1/passes/{pid}"), k)
            .await;
        r.assert_error(404, "not_found_error", Some("id"));
        let r = s
            .send_as(Method::DELETE, &format!("/v1/passes/{pid}"), k)
            .await;
        r.assert_error(404, "not_found_error", Some("id"));
        let r = s
            .send_as(Method::GET, &format!("/v1/passes/{pid}/events"), k)
            .await;
        r.assert_error(404, "not_found_error", Some("id"));
        let r = s.send_as(Method::GET, "/v1/passes", k).await;
        assert_eq!(r.body["data"], json!([]));
        let r = s.send_as(Method::GET, "/v1/events", k).await;
        assert_eq!(r.body["data"], json!([]));
    }
    // Templates are shared by the modes of one account, not across accounts.
    let r = s
        .send_as(Method::GET, &format!("/v1/templates/{tid}"), &live)
        .await;
    assert_eq!(r.status, 200);
    let r = s
        .send_as(Method::GET, &format!("/v1/templates/{tid}"), other_key)
        .await;
    r.assert_error(404, "not_found_error", Some("id"));
    let r = s
        .send(
            Method::POST,
            "/v1/passes",
            Some(other_key),
            Some(&json!({"template_id": tid})),
            &[],
        )
        .await;
    let e = r.assert_error(400, "invalid_request_error", Some("template_id"));
    assert_eq!(e["code"], "resource_missing");
    // A live pass from the shared template works with the live key.
    let r = s
        .send(
            Method::POST,
            "/v1/passes",
            Some(&live),
            Some(&json!({"template_id": tid})),
            &[],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["mode"], "live");
}

/// A revoked key stops working within the key cache's TTL, never later.
async fn revocation_takes_effect_within_the_cache_ttl(engine: Engine) {
    let s = TestServer::start_with(engine, |c| c.key_cache_seconds = 1).await;
    let account = s.db.create_account("Cached").await;
    let key = account["test_key"].as_str().unwrap().to_owned();
    let r = s.send_as(Method::GET, "/v1/passes", &key).await;
    assert_eq!(r.status, 200);
    s.db.revoke_key(&key).await;
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let r = s.send_as(Method::GET, "/v1/passes", &key).await;
    r.assert_error(401, "authentication_error", None);
}

/// (body, param) pairs for POST /v1/passes that must be refused with 400.
fn bad_pass_bodies(tid: &str) -> Vec<(Value, Option<&'static str>)> {
    vec![
        (json!({}), Some("template_id")),
        (json!({"template_id": null}), Some("template_id")),
        (json!({"template_id": 5}), Some("template_id")),
        (
            json!({"template_id": "tmpl_000000000000000000000000"}),
            Some("template_id"),
        ),
        (json!({"template_id": "bogus"}), Some("template_id")),
        (
            json!({"template_id": tid, "holder_email": 5}),
            Some("holder_email"),
        ),
        (
            json!({"template_id": tid, "holder_email": "not-an-email"}),
            Some("holder_email"),
        ),
        (
            json!({"template_id": tid, "holder_name": ["x"]}),
            Some("holder_name"),
        ),
        (
            json!({"template_id": tid, "holder_name": "x".repeat(201)}),
            Some("holder_name"),
        ),
        (
            json!({"template_id": tid, "field_values": "x"}),
            Some("field_values"),
        ),
        (
            json!({"template_id": tid, "field_values": {"seatNumber": 5}}),
            Some("field_values.seatNumber"),
        ),
        (
            json!({"template_id": tid, "field_values": {"nope": "x"}}),
            Some("field_values.nope"),
        ),
        (
            json!({"template_id": tid, "metadata": []}),
            Some("metadata"),
        ),
        (
            json!({"template_id": tid, "metadata": {"k": "v".repeat(501)}}),
            Some("metadata.k"),
        ),
        (
            json!({"template_id": tid, "metadata": {"k".repeat(41): "v"}}),
            Some(Box::leak(
                format!("metadata.{}", "k".repeat(41)).into_boxed_str(),
            )),
        ),
        (
            json!({"template_id": tid, "metadata": (0..51).map(|i| (format!("k{i}"), json!(i))).collect::<serde_json::Map<_, _>>()}),
            Some("metadata"),
        ),
        (
            json!({"template_id": tid, "surprise": true}),
            Some("surprise"),
        ),
        (json!({"template_id": tid, "voided": true}), Some("voided")),
    ]
}

/// docs/api.md §1: a test key may not redesign or archive a template that has live
/// passes; a live key may.
async fn live_templates_need_a_live_key(engine: Engine) {
    let s = TestServer::start(engine).await;
    let (test, live) = (s.test_key.clone(), s.live_key.clone());
    let template = s.template(&test).await;
    let path = format!("/v1/templates/{}", template["id"].as_str().unwrap());
    let mut design = template["design"].clone();
    design["description"] = json!("Redesigned");
    let redesign = json!({ "design": design });
    let as_key = |m: Method, key: &str, body: Option<Value>| {
        let (path, key) = (path.clone(), key.to_owned());
        let s = &s;
        async move { s.send(m, &path, Some(&key), body.as_ref(), &[]).await }
    };

    let r = s
        .send(
            Method::POST,
            "/v1/passes",
            Some(&live),
            Some(&json!({"template_id": template["id"]})),
            &[],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let r = as_key(Method::PATCH, &test, Some(redesign.clone())).await;
    let e = r.assert_error(400, "invalid_request_error", Some("design"));
    assert_eq!(e["code"], "live_template_requires_live_key");
    let r = as_key(Method::DELETE, &test, None).await;
    let e = r.assert_error(400, "invalid_request_error", Some("archived"));
    assert_eq!(e["code"], "live_template_requires_live_key");
    let r = as_key(Method::PATCH, &test, Some(json!({"archived": true}))).await;
    r.assert_error(400, "invalid_request_error", Some("archived"));
    let r = as_key(Method::PATCH, &test, Some(json!({"name": "Renamed"}))).await;
    assert_eq!(r.status, 200, "a test key may still rename it: {}", r.text);

    let r = as_key(Method::PATCH, &live, Some(redesign)).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["design"]["description"], "Redesigned");
    let r = as_key(Method::DELETE, &live, None).await;
    assert_eq!(r.status, 200, "{}", r.text);
}

async fn pass_creation_validation(engine: Engine) {
    let s = TestServer::start(engine).await;
    let key = s.test_key.clone();
    let tid = s.template_id(&key).await;
    for (body, param) in bad_pass_bodies(&tid) {
        let r = s.post("/v1/passes", body.clone()).await;
        r.assert_error(400, "invalid_request_error", param);
    }
    let r = s.post("/v1/passes", json!({})).await;
    assert_eq!(r.body["error"]["message"], "template_id is required");

    // Archived template.
    s.delete(&format!("/v1/templates/{tid}")).await;
    let r = s.post("/v1/passes", json!({"template_id": tid})).await;
    let e = r.assert_error(400, "invalid_request_error", Some("template_id"));
    assert_eq!(e["code"], "template_archived");
    // ... still retrievable.
    assert_eq!(
        s.get(&format!("/v1/templates/{tid}")).await.body["archived"],
        true
    );
}

async fn pass_update_validation(engine: Engine) {
    let s = TestServer::start(engine).await;
    let key = s.test_key.clone();
    let path = s.new_pass_path(&key).await;
    let cases: Vec<(Value, Option<&str>)> = vec![
        (json!({}), None),
        (
            json!({"field_values": {"nope": "x"}}),
            Some("field_values.nope"),
        ),
        (
            json!({"field_values": {"seatNumber": 1}}),
            Some("field_values.seatNumber"),
        ),
        (json!({"metadata": "x"}), Some("metadata")),
        (
            json!({"holder_email": "b@example.com"}),
            Some("holder_email"),
        ),
        (
            json!({"metadata": {"k": "v".repeat(501)}}),
            Some("metadata.k"),
        ),
    ];
    for (body, param) in cases {
        s.patch(&path, body)
            .await
            .assert_error(400, "invalid_request_error", param);
    }
    // Merge semantics.
    let r = s
        .patch(
            &path,
            json!({"field_values": {"seatNumber": "A1"}, "metadata": {"a": "1", "b": 2}}),
        )
        .await;
    assert_eq!(r.body["field_values"], json!({"seatNumber": "A1"}));
    assert_eq!(r.body["metadata"], json!({"a": "1", "b": 2}));
    let r = s
        .patch(
            &path,
            json!({"field_values": {"seatNumber": null}, "metadata": {"a": null}}),
        )
        .await;
    assert_eq!(r.body["field_values"], json!({}));
    assert_eq!(r.body["metadata"], json!({"b": 2}));
    // A no-op records no event.
    let before = s.data_len(&format!("{path}/events")).await;
    let r = s.patch(&path, json!({"metadata": {"b": 2}})).await;
    assert_eq!(r.status, 200);
    let after = s.data_len(&format!("{path}/events")).await;
    assert_eq!(before, after);
    // Voided passes cannot change; voiding again is a no-op 200.
    let v = s.delete(&path).await;
    assert_eq!(v.body["voided"], true);
    let again = s.delete(&path).await;
    assert_eq!(again.status, 200);
    assert_eq!(again.body, v.body);
    let e = s.patch(&path, json!({"metadata": {"c": 1}})).await;
    assert_eq!(
        e.assert_error(400, "invalid_request_error", Some("id"))["code"],
        "pass_voided"
    );
    let events = s.get(&format!("{path}/events")).await.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["type"] == "voided")
        .count();
    assert_eq!(events, 1);
}

/// A JSON pointer into a body as the error's `param` names it: `/a/b/0/c` is `a.b[0].c`.
fn dotted(ptr: &str) -> String {
    let mut out = String::new();
    for seg in ptr.trim_start_matches('/').split('/') {
        if seg.bytes().all(|b| b.is_ascii_digit()) {
            out.push_str(&format!("[{seg}]"));
        } else {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(seg);
        }
    }
    out
}

async fn template_validation(engine: Engine) {
    let s = TestServer::start(engine).await;
    let base = passmint_e2e::template_body();
    let with = |ptr: &str, v: Value| {
        let mut b = base.clone();
        let (parent, last) = ptr.rsplit_once('/').unwrap();
        match b.pointer_mut(parent).unwrap() {
            Value::Object(m) => {
                m.insert(last.to_owned(), v);
            }
            Value::Array(a) => a[last.parse::<usize>().unwrap()] = v,
            _ => panic!("{ptr}"),
        }
        b
    };
    let without = |key: &str| {
        let mut b = base.clone();
        b.as_object_mut().unwrap().remove(key);
        b
    };
    let cases: Vec<(Value, Option<&str>)> = vec![
        (without("name"), Some("name")),
        (without("type"), Some("type")),
        (without("apple_style"), Some("apple_style")),
        (without("design"), Some("design")),
        (
            with(
                "/design/locations",
                json!(
                    (0..11)
                        .map(|_| json!({"latitude": 1.0, "longitude": 2.0}))
                        .collect::<Vec<_>>()
                ),
            ),
            Some("design.locations"),
        ),
        (
            with("/design/images", json!({"icon": "not base64 png"})),
            Some("design.images.icon"),
        ),
        (
            with("/design/images", json!({"sticker": "AAAA"})),
            Some("design.images.sticker"),
        ),
    ];
    // Each value at its JSON pointer is refused with `param` naming the same place.
    let at_pointer: Vec<(&str, Value)> = vec![
        ("/name", json!(7)),
        ("/name", json!("")),
        ("/type", json!("party")),
        ("/apple_style", json!("ticket")),
        ("/design", json!("x")),
        ("/design/surprise", json!(1)),
        ("/design/organization_name", json!(1)),
        ("/design/colors/background", json!("blue")),
        ("/design/fields/primary/0/key", json!(3)),
        ("/design/fields/back/0/key", json!("event")),
        ("/design/fields/primary/0/text_alignment", json!("up")),
        ("/design/fields/primary/0/change_message", json!("changed")),
        ("/design/barcode/format", json!("qrcode")),
        ("/design/transit_type", json!("air")),
        ("/design/colors/surprise", json!("#000000")),
        ("/design/relevant_date", json!("tomorrow")),
        ("/design/fields/primary/0/value", json!("{{unknown_key}}")),
    ];
    for (ptr, value) in at_pointer {
        let r = s.post("/v1/templates", with(ptr, value)).await;
        r.assert_error(400, "invalid_request_error", Some(&dotted(ptr)));
    }
    for (body, param) in cases {
        let r = s.post("/v1/templates", body.clone()).await;
        r.assert_error(400, "invalid_request_error", param);
    }
    // boardingPass needs a transit type.
    let bp = with("/apple_style", json!("boardingPass"));
    s.post("/v1/templates", bp).await.assert_error(
        400,
        "invalid_request_error",
        Some("design.transit_type"),
    );

    // PATCH checks the same rules, against the template's style.
    let tid = s.template(&s.test_key.clone()).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let r = s
        .patch(
            &format!("/v1/templates/{tid}"),
            json!({"design": {"organization_name": "x"}}),
        )
        .await;
    r.assert_error(400, "invalid_request_error", Some("design.description"));
    let r = s
        .patch(&format!("/v1/templates/{tid}"), json!({"archived": "yes"}))
        .await;
    r.assert_error(400, "invalid_request_error", Some("archived"));
    let r = s
        .patch(&format!("/v1/templates/{tid}"), json!({"type": "coupon"}))
        .await;
    r.assert_error(400, "invalid_request_error", Some("type"));
    // Unarchive works; archived templates are not listed.
    s.delete(&format!("/v1/templates/{tid}")).await;
    assert_eq!(s.get("/v1/templates").await.body["data"], json!([]));
    let r = s
        .patch(&format!("/v1/templates/{tid}"), json!({"archived": false}))
        .await;
    assert_eq!(r.body["archived"], false);
    assert_eq!(s.data_len("/v1/templates").await, 1);
}

async fn malformed_requests_never_5xx(engine: Engine) {
    let s = TestServer::start(engine).await;
    let key = s.test_key.clone();
    // POSTs `body` as `ct` and returns the reply, whatever it is.
    let post = async |path: &str, ct: &str, body: Vec<u8>| {
        let rb = s
            .client
            .request(Method::POST, s.url(path))
            .bearer_auth(&key)
            .header("content-type", ct)
            .body(body);
        TestServer::reply(rb.send().await.unwrap()).await
    };
    for path in ["/v1/passes", "/v1/templates"] {
        for body in [
            &b"{"[..],
            b"{\"a\":}",
            b"nul",
            b"\xff\xfe",
            b"{\"template_id\": \"x\",}",
        ] {
            let r = post(path, "application/json", body.to_vec()).await;
            r.assert_error(400, "invalid_request_error", None);
        }
        for body in [&b"[]"[..], b"\"x\"", b"1", b"null", b"true"] {
            let r = post(path, "application/json", body.to_vec()).await;
            let e = r.assert_error(400, "invalid_request_error", None);
            assert_eq!(e["message"], "Request body must be a JSON object");
        }
        let r = post(path, "text/plain", b"{}".to_vec()).await;
        r.assert_error(415, "invalid_request_error", None);
        let r = post(path, "application/x-www-form-urlencoded", b"a=b".to_vec()).await;
        r.assert_error(415, "invalid_request_error", None);
        // 2 MiB body: 413 with the envelope.
        let big = format!("{{\"name\":\"{}\"}}", "x".repeat(2 * 1024 * 1024));
        let r = post(path, "application/json", big.into_bytes()).await;
        r.assert_error(413, "invalid_request_error", None);
    }
    // Limits and cursors.
    for path in ["/v1/passes", "/v1/templates", "/v1/events"] {
        for q in [
            "limit=0",
            "limit=-1",
            "limit=abc",
            "limit=1.5",
            "limit=1000",
            "limit=",
        ] {
            s.get(&format!("{path}?{q}")).await.assert_error(
                400,
                "invalid_request_error",
                Some("limit"),
            );
        }
        s.get(&format!("{path}?starting_after=nope"))
            .await
            .assert_error(400, "invalid_request_error", Some("starting_after"));
        s.get(&format!(
            "{path}?ending_before=evt_000000000000000000000000"
        ))
        .await
        .assert_error(400, "invalid_request_error", Some("ending_before"));
        s.get(&format!("{path}?bogus=1")).await.assert_error(
            400,
            "invalid_request_error",
            Some("bogus"),
        );
    }
    s.get("/v1/events?limit=200").await;
    assert_eq!(s.get("/v1/events?limit=200").await.status, 200);
    s.get("/v1/passes?limit=101")
        .await
        .assert_error(400, "invalid_request_error", Some("limit"));
    s.get("/v1/events?limit=201")
        .await
        .assert_error(400, "invalid_request_error", Some("limit"));
    s.get("/v1/passes?template_id=xyz").await.assert_error(
        400,
        "invalid_request_error",
        Some("template_id"),
    );
    // Idempotency key too long.
    let long = "k".repeat(256);
    let r = s
        .send_idempotent(
            Method::POST,
            "/v1/templates",
            &key,
            &passmint_e2e::template_body(),
            &long,
        )
        .await;
    r.assert_error(400, "invalid_request_error", Some("Idempotency-Key"));
}

engine_tests!(
    live_templates_need_a_live_key,
    revocation_takes_effect_within_the_cache_ttl,
    every_endpoint_requires_a_valid_key,
    unknown_objects_and_invalid_ids_are_404,
    other_accounts_and_modes_see_404,
    pass_creation_validation,
    pass_update_validation,
    template_validation,
    malformed_requests_never_5xx
);
