//! Every example of the reference (sections 05-07) answers the documented shape:
//! the same keys with the same JSON types.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use passmint_e2e::{Engine, TestServer, data_strings, engine_tests};
use serde_json::{Value, json};

fn keys(v: &Value) -> Vec<String> {
    let mut k: Vec<String> = v.as_object().unwrap().keys().cloned().collect();
    k.sort();
    k
}

fn kind(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Asserts `v` has exactly these keys with these types ("string|null" allowed).
fn assert_shape(v: &Value, shape: &[(&str, &str)]) {
    let mut expected: Vec<String> = shape.iter().map(|(k, _)| k.to_string()).collect();
    expected.sort();
    assert_eq!(keys(v), expected, "keys of {v}");
    for (k, t) in shape {
        let actual = kind(&v[*k]);
        assert!(
            t.split('|').any(|t| t == actual),
            "{k}: expected {t}, got {actual} in {v}"
        );
    }
}

const PASS: &[(&str, &str)] = &[
    ("object", "string"),
    ("id", "string"),
    ("short_id", "string"),
    ("template_id", "string"),
    ("serial_number", "string"),
    ("mode", "string"),
    ("holder_email", "string|null"),
    ("holder_name", "string|null"),
    ("field_values", "object"),
    ("voided", "bool"),
    ("voided_at", "string|null"),
    ("metadata", "object"),
    ("created_via_api", "bool"),
    ("url", "string"),
    ("download_url", "string"),
    ("created_at", "string"),
];

const TEMPLATE: &[(&str, &str)] = &[
    ("object", "string"),
    ("id", "string"),
    ("name", "string"),
    ("type", "string"),
    ("apple_style", "string"),
    ("design", "object"),
    ("archived", "bool"),
    ("created_at", "string"),
    ("updated_at", "string"),
];

const EVENT: &[(&str, &str)] = &[
    ("object", "string"),
    ("id", "string"),
    ("pass_id", "string"),
    ("type", "string"),
    ("metadata", "object"),
    ("created_at", "string"),
];

const LIST: &[(&str, &str)] = &[
    ("object", "string"),
    ("data", "array"),
    ("has_more", "bool"),
];

fn is_timestamp(s: &Value) -> bool {
    let s = s.as_str().unwrap();
    s.len() == 20 && s.ends_with('Z') && s.as_bytes()[10] == b'T'
}

async fn reference_examples_answer_documented_shapes(engine: Engine) {
    let s = TestServer::start(engine).await;

    // 06 Create a template
    let t = s.template(&s.test_key.clone()).await;
    assert_shape(&t, TEMPLATE);
    assert_eq!(t["object"], "template");
    assert!(t["id"].as_str().unwrap().starts_with("tmpl_"));
    assert_eq!(t["id"].as_str().unwrap().len(), 5 + 24);
    assert_eq!(t["type"], "event");
    assert_eq!(t["apple_style"], "eventTicket");
    assert_eq!(t["archived"], false);
    assert!(is_timestamp(&t["created_at"]) && is_timestamp(&t["updated_at"]));
    let tid = t["id"].as_str().unwrap().to_owned();

    // 05 Issue a pass (the reference's body)
    let r = s
        .send(
            reqwest::Method::POST,
            "/v1/passes",
            Some(&s.test_key.clone()),
            Some(&json!({
                "template_id": tid,
                "holder_email": "alice@example.com",
                "holder_name": "Alice Johnson",
                "field_values": { "seatNumber": "A12" },
                "metadata": { "order_id": "ord_123" }
            })),
            &[("Idempotency-Key", "7c9e6679-7425-40de-944b-e07fc1f90ae7")],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    assert_eq!(
        r.header("content-type"),
        Some("application/json; charset=utf-8")
    );
    assert!(r.header("request-id").unwrap().starts_with("req_"));
    let p = r.body;
    assert_shape(&p, PASS);
    assert_eq!(p["object"], "pass");
    assert_eq!(p["mode"], "test");
    assert_eq!(p["holder_email"], "alice@example.com");
    assert_eq!(p["holder_name"], "Alice Johnson");
    assert_eq!(p["field_values"], json!({"seatNumber": "A12"}));
    assert_eq!(p["metadata"], json!({"order_id": "ord_123"}));
    assert_eq!(p["voided"], false);
    assert_eq!(p["voided_at"], Value::Null);
    assert_eq!(p["created_via_api"], true);
    let short = p["short_id"].as_str().unwrap();
    assert!(short.len() >= 10 && short.chars().all(|c| c.is_ascii_alphanumeric()));
    assert_eq!(p["url"], format!("https://passes.example.test/p/{short}"));
    assert_eq!(
        p["download_url"],
        format!("https://passes.example.test/p/{short}/download")
    );
    assert!(is_timestamp(&p["created_at"]));
    let pid = p["id"].as_str().unwrap().to_owned();

    // List passes
    let l = s
        .get(&format!("/v1/passes?template_id={tid}&limit=10"))
        .await;
    assert_eq!(l.status, 200);
    assert_shape(&l.body, LIST);
    assert_eq!(l.body["object"], "list");
    assert_eq!(l.body["has_more"], false);
    assert_shape(&l.body["data"][0], PASS);

    // Retrieve, update, void
    assert_shape(&s.get(&format!("/v1/passes/{pid}")).await.body, PASS);
    let u = s
        .patch_pass(&pid, json!({ "field_values": { "seatNumber": "B7" } }))
        .await;
    assert_eq!(u.status, 200);
    assert_shape(&u.body, PASS);
    assert_eq!(u.body["field_values"]["seatNumber"], "B7");
    let d = s.delete(&format!("/v1/passes/{pid}")).await;
    assert_eq!(d.status, 200);
    assert_shape(&d.body, PASS);
    assert_eq!(d.body["voided"], true);
    assert!(is_timestamp(&d.body["voided_at"]));

    // Templates: list, retrieve, update, archive
    let l = s.get("/v1/templates?limit=10").await;
    assert_shape(&l.body, LIST);
    assert_shape(&l.body["data"][0], TEMPLATE);
    assert_shape(&s.get(&format!("/v1/templates/{tid}")).await.body, TEMPLATE);
    let u = s
        .patch(
            &format!("/v1/templates/{tid}"),
            json!({ "name": "Updated Template Name" }),
        )
        .await;
    assert_shape(&u.body, TEMPLATE);
    assert_eq!(u.body["name"], "Updated Template Name");
    let a = s.delete(&format!("/v1/templates/{tid}")).await;
    assert_eq!(a.status, 200);
    assert_eq!(a.body, json!({"id": tid, "deleted": true}));

    // 07 Events
    let e = s.get("/v1/events?limit=50").await;
    assert_shape(&e.body, LIST);
    let types = data_strings(&e.body, "type");
    assert_eq!(types, ["voided", "updated", "created"]);
    for ev in e.body["data"].as_array().unwrap() {
        assert_shape(ev, EVENT);
        assert_eq!(ev["object"], "pass_event");
        assert!(ev["id"].as_str().unwrap().starts_with("evt_"));
    }
    let e = s.get(&format!("/v1/passes/{pid}/events?limit=20")).await;
    assert_shape(&e.body, LIST);
    assert_eq!(e.body["data"].as_array().unwrap().len(), 3);
    assert_eq!(
        e.body["data"][1]["metadata"],
        json!({"field_values": ["seatNumber"]})
    );
}

engine_tests!(reference_examples_answer_documented_shapes);
