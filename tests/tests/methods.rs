//! A method a path does not have answers 405 with `Allow` naming the methods it
//! has; `OPTIONS` answers 204 with the same `Allow` (docs/api.md §1).
#![allow(clippy::unwrap_used, clippy::expect_used)]

use passmint_e2e::{Engine, TestServer, engine_tests};
use reqwest::Method;

/// `{name}` segments of a path template filled with a value.
fn concrete(template: &str) -> String {
    template
        .split('/')
        .map(|seg| if seg.starts_with('{') { "x" } else { seg })
        .collect::<Vec<_>>()
        .join("/")
}

/// The `Allow` a path should answer: its methods and OPTIONS, in the server's order.
fn allow_of(methods: &[&str]) -> String {
    ["GET", "HEAD", "POST", "PATCH", "DELETE", "OPTIONS"]
        .into_iter()
        .filter(|m| *m == "OPTIONS" || methods.contains(m))
        .collect::<Vec<_>>()
        .join(", ")
}

async fn wrong_methods_say_what_is_allowed(engine: Engine) {
    let s = TestServer::start(engine).await;
    let key = s.test_key.clone();
    let doc = s.get("/v1/openapi.json").await.body;
    let mut paths: Vec<(String, String)> = Vec::new();
    for (template, item) in doc["paths"].as_object().unwrap() {
        let methods: Vec<String> = item
            .as_object()
            .unwrap()
            .keys()
            .filter(|k| ["get", "head", "post", "patch", "delete"].contains(&k.as_str()))
            .map(|k| k.to_uppercase())
            .collect();
        let methods: Vec<&str> = methods.iter().map(String::as_str).collect();
        paths.push((concrete(template), allow_of(&methods)));
    }
    assert!(paths.len() >= 10, "documented paths: {paths:?}");
    // Paths outside /v1: the public pages, Apple's web service, operations.
    for (path, methods) in [
        ("/p/x", &["GET"][..]),
        ("/p/x/download", &["GET"]),
        ("/wallet/v1/passes/x/y", &["GET", "HEAD"]),
        (
            "/wallet/v1/devices/x/registrations/y/z",
            &["POST", "DELETE"],
        ),
        ("/wallet/v1/devices/x/registrations/y", &["GET"]),
        ("/wallet/v1/log", &["POST"]),
        ("/healthz", &["GET"]),
        ("/v1/openapi.json", &["GET"]),
        ("/metrics", &["GET"]),
    ] {
        paths.push((path.to_owned(), allow_of(methods)));
    }
    for (path, allow) in &paths {
        let r = s.send(Method::PUT, path, Some(&key), None, &[]).await;
        r.assert_error(405, "invalid_request_error", None);
        assert_eq!(
            r.header("allow"),
            Some(allow.as_str()),
            "Allow of PUT {path}"
        );

        let r = s.anonymous(Method::OPTIONS, path, None).await;
        assert_eq!(r.status.as_u16(), 204, "OPTIONS {path}: {}", r.text);
        assert_eq!(
            r.header("allow"),
            Some(allow.as_str()),
            "Allow of OPTIONS {path}"
        );
        assert!(r.text.is_empty(), "OPTIONS {path} has a body: {}", r.text);
    }
    // An unknown path stays a 404 whatever the method, without `Allow`.
    let r = s.anonymous(Method::OPTIONS, "/v1/nowhere", None).await;
    r.assert_error(404, "not_found_error", None);
    assert_eq!(r.header("allow"), None);
}

engine_tests!(wrong_methods_say_what_is_allowed);
