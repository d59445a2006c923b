//! Health, readiness, metrics, OpenAPI, and request ids.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use passmint_e2e::{Engine, TestServer, engine_tests};
use reqwest::Method;
use serde_json::Value;

async fn health_ready_metrics_openapi(engine: Engine) {
    let s = TestServer::start(engine).await;
    let r = s.anonymous(Method::GET, "/healthz", None).await;
    assert_eq!(r.status, 200);
    assert!(r.header("request-id").is_some());
    let r = s.anonymous(Method::GET, "/readyz", None).await;
    assert_eq!(r.status, 200);

    // Traffic to count.
    s.get("/v1/passes").await;
    s.get("/v1/passes/pass_000000000000000000000000").await;
    let r = s.anonymous(Method::GET, "/metrics", None).await;
    assert_eq!(r.status, 200);
    assert!(r.header("content-type").unwrap().starts_with("text/plain"));
    assert!(
        r.text.contains(
            r#"passmint_http_requests_total{route="/v1/passes",method="GET",status="200"} 1"#
        ),
        "{}",
        r.text
    );
    assert!(
        r.text
            .contains(r#"route="/v1/passes/{id}",method="GET",status="404""#)
    );
    assert!(
        r.text
            .contains("passmint_http_request_duration_seconds_bucket")
    );
    // Database engines report their pool; the in-memory fake has none.
    assert_eq!(
        r.text
            .contains(r#"passmint_db_pool_connections{state="max"} 8"#),
        engine != Engine::Memory,
        "{}",
        r.text
    );

    let r = s.anonymous(Method::GET, "/v1/openapi.json", None).await;
    assert_eq!(r.status, 200);
    let doc: &Value = &r.body;
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    let paths = doc["paths"].as_object().unwrap();
    for (path, methods) in [
        ("/v1/passes", &["get", "post"][..]),
        ("/v1/passes/{id}", &["get", "patch", "delete"][..]),
        ("/v1/passes/{id}/events", &["get"][..]),
        ("/v1/templates", &["get", "post"][..]),
        ("/v1/templates/{id}", &["get", "patch", "delete"][..]),
        ("/v1/events", &["get"][..]),
    ] {
        for m in methods {
            assert!(
                paths[path].get(*m).is_some(),
                "{m} {path} missing from the OpenAPI document"
            );
        }
    }
    for schema in [
        "PassObject",
        "TemplateObject",
        "PassEventObject",
        "ErrorEnvelope",
    ] {
        assert!(
            doc["components"]["schemas"].get(schema).is_some(),
            "{schema}"
        );
    }
}

async fn every_response_has_a_distinct_request_id(engine: Engine) {
    let s = TestServer::start(engine).await;
    let mut seen = std::collections::BTreeSet::new();
    for (m, p, k) in [
        (Method::GET, "/v1/passes", true),
        (Method::GET, "/v1/passes", false),
        (Method::GET, "/nowhere", true),
        (Method::PUT, "/v1/events", true),
    ] {
        let key = if k { Some(s.test_key.clone()) } else { None };
        let r = s.send(m, p, key.as_deref(), None, &[]).await;
        let id = r
            .header("request-id")
            .expect("request-id header")
            .to_owned();
        assert!(id.starts_with("req_"));
        assert!(seen.insert(id));
    }
}

engine_tests!(
    health_ready_metrics_openapi,
    every_response_has_a_distinct_request_id
);
