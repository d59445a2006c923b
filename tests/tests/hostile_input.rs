//! Hostile text and numbers (docs/api.md §4, §10): NUL, lone surrogates and invalid
//! UTF-8 are refused with the `param` of the field that holds them, on every
//! engine; numbers at the edges of f64 and beyond 64 bits read back exactly as they
//! were answered (retrieve, list, events, webhook payload).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use passmint_e2e::receiver::server_delivering;
use passmint_e2e::{Engine, Reply, TestServer, engine_tests};
use reqwest::Method;
use serde_json::{Value, json};
use std::time::Duration;

/// Sends `body` as it is (bytes that need not be UTF-8 or valid JSON).
async fn raw(
    s: &TestServer,
    method: Method,
    path: &str,
    body: &[u8],
    headers: &[(&str, &str)],
) -> Reply {
    let mut rb = s
        .client
        .request(method, s.url(path))
        .bearer_auth(&s.test_key)
        .header("content-type", "application/json")
        .body(body.to_vec());
    for (k, v) in headers {
        rb = rb.header(*k, *v);
    }
    TestServer::reply(rb.send().await.unwrap()).await
}

/// The template of the harness with `edit` applied to its body.
fn template_with(edit: impl FnOnce(&mut Value)) -> Value {
    let mut body = passmint_e2e::template_body();
    edit(&mut body);
    body
}

async fn nul_is_refused_with_the_param_of_its_field(engine: Engine) {
    let s = TestServer::start(engine).await;
    let template = s.template(&s.test_key).await;
    let tid = template["id"].as_str().unwrap();
    let pass = s.pass(&s.test_key, tid).await;
    let pid = pass["id"].as_str().unwrap();
    let hook = s
        .post(
            "/v1/webhooks",
            json!({"url": "https://hooks.example.test/in", "events": ["*"]}),
        )
        .await;
    assert_eq!(hook.status, 200, "{}", hook.text);
    let wid = hook.body["id"].as_str().unwrap();
    let nul = "a\u{0}b";
    let cases: Vec<(Method, String, Value, Option<&str>)> = vec![
        (
            Method::POST,
            "/v1/templates".into(),
            template_with(|b| b["name"] = json!(nul)),
            Some("name"),
        ),
        (
            Method::POST,
            "/v1/templates".into(),
            template_with(|b| b["design"]["description"] = json!(nul)),
            Some("design.description"),
        ),
        (
            Method::POST,
            "/v1/templates".into(),
            template_with(|b| b["design"]["fields"]["back"][0]["label"] = json!(nul)),
            Some("design.fields.back[0].label"),
        ),
        (
            Method::PATCH,
            format!("/v1/templates/{tid}"),
            json!({"name": nul}),
            Some("name"),
        ),
        (
            Method::POST,
            "/v1/passes".into(),
            json!({"template_id": tid, "holder_name": nul}),
            Some("holder_name"),
        ),
        (
            Method::POST,
            "/v1/passes".into(),
            json!({"template_id": tid, "field_values": {"seatNumber": nul}}),
            Some("field_values.seatNumber"),
        ),
        (
            Method::POST,
            "/v1/passes".into(),
            json!({"template_id": tid, "metadata": {"k": {"deep": [1, nul]}}}),
            Some("metadata.k.deep[1]"),
        ),
        (
            Method::POST,
            "/v1/passes".into(),
            json!({"template_id": tid, "metadata": {nul: 1}}),
            Some("metadata"),
        ),
        (
            Method::POST,
            "/v1/passes".into(),
            json!({"template_id": tid, nul: 1}),
            None,
        ),
        (
            Method::PATCH,
            format!("/v1/passes/{pid}"),
            json!({"metadata": {"k": nul}}),
            Some("metadata.k"),
        ),
        (
            Method::PATCH,
            format!("/v1/passes/{pid}"),
            json!({"field_values": {"seatNumber": nul}}),
            Some("field_values.seatNumber"),
        ),
        (
            Method::POST,
            "/v1/webhooks".into(),
            json!({"url": "https://hooks.example.test/in", "events": ["*"], "description": nul}),
            Some("description"),
        ),
        (
            Method::PATCH,
            format!("/v1/webhooks/{wid}"),
            json!({"description": nul}),
            Some("description"),
        ),
        (
            Method::PATCH,
            format!("/v1/webhooks/{wid}"),
            json!({"url": format!("https://x.test/{nul}")}),
            Some("url"),
        ),
    ];
    for (i, (method, path, body, param)) in cases.into_iter().enumerate() {
        let key = format!("nul-{i}");
        let first = s
            .send_idempotent(method.clone(), &path, &s.test_key, &body, &key)
            .await;
        first.assert_error(400, "invalid_request_error", param);
        // The refusal is stored under the key like any 4xx, and replays.
        let again = s
            .send_idempotent(method, &path, &s.test_key, &body, &key)
            .await;
        assert_eq!(again.text, first.text);
        assert_eq!(again.header("Idempotent-Replayed"), Some("true"), "{path}");
    }
    // NUL in a path or a query is a client's mistake too.
    for path in [
        format!("/v1/passes/{pid}%00"),
        format!("/v1/passes?template_id={tid}%00"),
        "/v1/passes?starting_after=pass_%00".to_owned(),
        format!("/v1/events?pass_id={pid}%00"),
        format!("/v1/templates/{tid}%00"),
        format!("/v1/webhooks/{wid}%00/deliveries"),
    ] {
        let r = s.get(&path).await;
        assert!(r.status.is_client_error(), "{path}: {}", r.text);
    }
    // Nor in the public pages and Apple's web service (no registration has NUL:
    // an empty list is 204).
    let serial = pass["serial_number"].as_str().unwrap_or(pid);
    for (method, path) in [
        (Method::GET, "/p/abc%00".to_owned()),
        (Method::GET, "/p/abc%00/download".to_owned()),
        (Method::GET, format!("/wallet/v1/passes/pass.x%00/{serial}")),
        (Method::GET, "/wallet/v1/passes/pass.x/ser%00ial".to_owned()),
        (
            Method::GET,
            "/wallet/v1/devices/dev1/registrations/pass.x%00".to_owned(),
        ),
        (
            Method::POST,
            format!("/wallet/v1/devices/dev1/registrations/pass.x%00/{serial}"),
        ),
        (
            Method::DELETE,
            "/wallet/v1/devices/dev1/registrations/pass.x/ser%00ial".to_owned(),
        ),
    ] {
        let r = s
            .client
            .request(method.clone(), s.url(&path))
            .header("authorization", "ApplePass abcdef")
            .header("content-type", "application/json")
            .body(r#"{"pushToken":"ab"}"#)
            .send()
            .await
            .unwrap();
        assert!(
            !r.status().is_server_error(),
            "{method} {path}: {}",
            r.status()
        );
    }
    // Nothing was written.
    assert_eq!(s.data_len("/v1/templates").await, 1);
    assert_eq!(s.data_len("/v1/passes").await, 1);
    assert_eq!(s.get(&format!("/v1/passes/{pid}")).await.body, pass);
    assert_eq!(
        s.get(&format!("/v1/webhooks/{wid}")).await.body["description"],
        Value::Null
    );
}

async fn lone_surrogates_and_invalid_utf8_are_refused_with_their_param(engine: Engine) {
    let s = TestServer::start(engine).await;
    let tid = s.template_id(&s.test_key).await;
    let cases: Vec<(Vec<u8>, Option<&str>)> = vec![
        (
            format!(r#"{{"template_id":"{tid}","holder_name":"x\ud800y"}}"#).into_bytes(),
            Some("holder_name"),
        ),
        (
            format!(r#"{{"template_id":"{tid}","holder_name":"\udfff"}}"#).into_bytes(),
            Some("holder_name"),
        ),
        (
            format!(r#"{{"template_id":"{tid}","metadata":{{"k":["ok","\ud83d"]}}}}"#).into_bytes(),
            Some("metadata.k[1]"),
        ),
        (
            [
                format!(r#"{{"template_id":"{tid}","field_values":{{"seatNumber":"a"#).as_bytes(),
                b"\xff\xfe",
                b"\"}}",
            ]
            .concat(),
            Some("field_values.seatNumber"),
        ),
        (
            [
                format!(r#"{{"template_id":"{tid}","metadata":{{"k"#).as_bytes(),
                b"\xc3",
                b"\":1}}",
            ]
            .concat(),
            Some("metadata"),
        ),
        // Not JSON at all: the usual refusal, without a param.
        (b"{\"holder_name\":\xff".to_vec(), None),
    ];
    for (body, param) in cases {
        let r = raw(&s, Method::POST, "/v1/passes", &body, &[]).await;
        r.assert_error(400, "invalid_request_error", param);
    }
    // Nesting beyond the parser's bound is malformed JSON, refused as such.
    let deep = format!(
        r#"{{"template_id":"{tid}","metadata":{{"k":{}1{}}}}}"#,
        "[".repeat(200),
        "]".repeat(200)
    );
    raw(&s, Method::POST, "/v1/passes", deep.as_bytes(), &[])
        .await
        .assert_error(400, "invalid_request_error", None);
    // A surrogate pair is text like any other.
    let ok = format!(r#"{{"template_id":"{tid}","holder_name":"\ud83d\ude00"}}"#);
    let r = raw(&s, Method::POST, "/v1/passes", ok.as_bytes(), &[]).await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(r.body["holder_name"], "\u{1F600}");
    assert_eq!(s.data_len("/v1/passes").await, 1);
}

/// Numbers at the edges: what is answered is what every engine reads back.
async fn edge_numbers_read_back_as_answered(engine: Engine) {
    let (receiver, s, tid) = server_delivering(engine).await;
    let mut deep = "1".to_owned();
    for _ in 0..passmint_domain::storable::MAX_JSON_DEPTH {
        deep = format!("[{deep}]");
    }
    let metadata = format!(
        r#"{{"max": 1.7976931348623157e308, "min": 5e-324, "negmax": -1.7976931348623157e308,
        "negzero": -0.0, "intnegzero": -0, "e16": 1e16, "e18": 1e18, "neg_e18": -1e18,
        "beyond64": 123456789012345678901234567890, "u64max": 18446744073709551615,
        "i64min": -9223372036854775808, "below_i64": -9223372036854775809, "tenth": 0.1,
        "small": 1e-7, "deep": {deep}, "ключ ✓ 😀": "\u2028\ufeff\uffff"}}"#
    );
    let body = format!(r#"{{"template_id":"{tid}","metadata":{metadata}}}"#);
    let created = raw(&s, Method::POST, "/v1/passes", body.as_bytes(), &[]).await;
    assert_eq!(created.status, 200, "{}", created.text);
    let m = &created.body["metadata"];
    let text = |v: &Value| serde_json::to_string(v).unwrap();
    assert_eq!(text(&m["max"]), "1.7976931348623157e+308");
    assert_eq!(text(&m["min"]), "5e-324");
    assert_eq!(text(&m["negzero"]), "0.0");
    assert_eq!(text(&m["intnegzero"]), "0.0");
    assert_eq!(text(&m["e18"]), "1000000000000000000");
    assert_eq!(text(&m["beyond64"]), "1.2345678901234568e+29");
    assert_eq!(text(&m["u64max"]), "18446744073709551615");
    let pid = created.body["id"].as_str().unwrap().to_owned();
    let patched = raw(
        &s,
        Method::PATCH,
        &format!("/v1/passes/{pid}"),
        br#"{"metadata": {"max": 5e-324, "added": [-0.0, 1.8e19, 2e19]}}"#,
        &[],
    )
    .await;
    assert_eq!(patched.status, 200, "{}", patched.text);
    assert_eq!(
        text(&patched.body["metadata"]["added"]),
        "[0.0,18000000000000000000,2e+19]"
    );
    // Retrieve and list answer the same text as the PATCH did.
    let got = s.get(&format!("/v1/passes/{pid}")).await;
    assert_eq!(got.status, 200, "{}", got.text);
    assert_eq!(text(&got.body), text(&patched.body));
    let list = s.get("/v1/passes").await;
    assert_eq!(list.status, 200, "{}", list.text);
    assert_eq!(text(&list.body["data"][0]), text(&patched.body));
    let events = s.get(&format!("/v1/passes/{pid}/events")).await;
    assert_eq!(events.status, 200, "{}", events.text);
    // The webhook payloads carry the pass as each write answered it.
    let received = receiver.wait_for(2, Duration::from_secs(20)).await;
    let mut objects: Vec<String> = received
        .iter()
        .map(|r| text(&r.json()["data"]["object"]))
        .collect();
    objects.sort();
    let mut expected = vec![text(&created.body), text(&patched.body)];
    expected.sort();
    assert_eq!(objects, expected);
    // One level deeper is refused where it is.
    let too_deep = format!(r#"{{"template_id":"{tid}","metadata":{{"deep":[{deep}]}}}}"#);
    raw(&s, Method::POST, "/v1/passes", too_deep.as_bytes(), &[])
        .await
        .assert_error(400, "invalid_request_error", Some("metadata.deep"));
}

engine_tests!(
    nul_is_refused_with_the_param_of_its_field,
    lone_surrogates_and_invalid_utf8_are_refused_with_their_param,
    edge_numbers_read_back_as_answered,
);
