//! The limits of the public pages (docs/api.md §6): one client address hammering
//! one pass's landing page is answered 429 with `Retry-After` and the error
//! envelope, its views are recorded once per window, and `X-Forwarded-For` names
//! the client only when the TCP peer is a trusted proxy.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use passmint_e2e::{Engine, PublicReply, TestServer, engine_tests};
use passmint_server::http::client_addr::TrustedProxies;
use serde_json::Value;

/// The types of the pass's events, newest first.
async fn event_types(s: &TestServer, pass: &Value) -> Vec<String> {
    s.event_types(&s.test_key, pass["id"].as_str().unwrap())
        .await
}

fn count(types: &[String], kind: &str) -> usize {
    types.iter().filter(|t| *t == kind).count()
}

async fn new_pass(s: &TestServer) -> Value {
    let key = s.test_key.clone();
    let template = s.template(&key).await;
    s.pass(&key, template["id"].as_str().unwrap()).await
}

/// A 429 of the public pages: `Retry-After` in whole seconds and the envelope.
fn assert_limited(r: &PublicReply) {
    assert_eq!(r.status, 429, "{}", r.text());
    let retry: u64 = r
        .header("retry-after")
        .expect("Retry-After")
        .parse()
        .expect("Retry-After in seconds");
    assert!((1..=60).contains(&retry), "Retry-After {retry}");
    assert!(
        r.header("content-type")
            .unwrap()
            .starts_with("application/json")
    );
    let body: Value = serde_json::from_slice(&r.bytes).expect("a JSON body");
    assert_eq!(body["error"]["type"], "invalid_request_error");
    assert_eq!(body["error"]["code"], "rate_limit");
    assert!(body["error"]["param"].is_null());
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty())
    );
}

/// 300 GETs of one landing page from one address: no 5xx, 429s with Retry-After
/// past the default rate, and one `url_viewed` event.
async fn hammering_a_landing_page(engine: Engine) {
    let s = TestServer::start(engine).await;
    let pass = new_pass(&s).await;
    let url = pass["url"].as_str().unwrap();
    let (mut ok, mut limited) = (0, 0);
    for _ in 0..300 {
        let r = s.fetch_public(url, &[]).await;
        match r.status.as_u16() {
            200 => ok += 1,
            429 => {
                assert_limited(&r);
                limited += 1;
            }
            other => panic!("GET of the landing page answered {other}"),
        }
    }
    assert!(ok >= 60, "at least 60 a minute are served ({ok})");
    assert!(limited > 0, "hammering is limited ({ok} served)");
    // The download shares the pass's bucket.
    assert_limited(
        &s.fetch_public(pass["download_url"].as_str().unwrap(), &[])
            .await,
    );
    let types = event_types(&s, &pass).await;
    assert_eq!(count(&types, "url_viewed"), 1, "{types:?}");
    assert_eq!(count(&types, "downloaded"), 0, "{types:?}");

    // Another pass from the same address is served and recorded.
    let other = new_pass(&s).await;
    let r = s.fetch_public(other["url"].as_str().unwrap(), &[]).await;
    assert_eq!(r.status, 200);
    let r = s
        .fetch_public(other["download_url"].as_str().unwrap(), &[])
        .await;
    assert_eq!(r.status, 200);
    let r = s
        .fetch_public(other["download_url"].as_str().unwrap(), &[])
        .await;
    assert_eq!(r.status, 200);
    let types = event_types(&s, &other).await;
    assert_eq!(count(&types, "url_viewed"), 1, "{types:?}");
    assert_eq!(count(&types, "downloaded"), 1, "{types:?}");
}

engine_tests!(hammering_a_landing_page);

/// Three views from each of `clients` (as `X-Forwarded-For`); the statuses.
async fn views(s: &TestServer, url: &str, clients: &[&str]) -> Vec<u16> {
    let mut statuses = Vec::new();
    for client in clients {
        for _ in 0..3 {
            let r = s.fetch_public(url, &[("x-forwarded-for", client)]).await;
            statuses.push(r.status.as_u16());
        }
    }
    statuses
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn forwarded_for_is_believed_from_trusted_proxies_only() {
    // Not trusted: every request is the test's own address, whatever it says.
    let s = TestServer::start_with(Engine::Memory, |cfg| {
        cfg.public.rate_per_minute = 2;
    })
    .await;
    let pass = new_pass(&s).await;
    let url = pass["url"].as_str().unwrap();
    assert_eq!(
        views(&s, url, &["198.51.100.1", "198.51.100.2"]).await,
        [200, 200, 429, 429, 429, 429]
    );
    assert_eq!(count(&event_types(&s, &pass).await, "url_viewed"), 1);

    // Trusted: each forwarded address has its own limit and window; a forged
    // address left of the one the proxy appended changes nothing.
    let s = TestServer::start_with(Engine::Memory, |cfg| {
        cfg.public.rate_per_minute = 2;
        cfg.public.trusted_proxies = TrustedProxies::parse("127.0.0.0/8, ::1").unwrap();
    })
    .await;
    let pass = new_pass(&s).await;
    let url = pass["url"].as_str().unwrap();
    assert_eq!(
        views(
            &s,
            url,
            &["198.51.100.1", "198.51.100.2", "203.0.113.9, 198.51.100.2"]
        )
        .await,
        [200, 200, 429, 200, 200, 429, 429, 429, 429]
    );
    assert_eq!(count(&event_types(&s, &pass).await, "url_viewed"), 2);
}

/// A request past the rate waits `PASSMINT_PUBLIC_REFUSAL_DELAY` for its 429
/// (never longer than its `Retry-After`); requests within the rate do not, and
/// refusals in parallel wait side by side, not one after the other.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refusals_are_answered_after_the_refusal_delay() {
    let delay = std::time::Duration::from_secs(2);
    let s = TestServer::start_with(Engine::Memory, |cfg| {
        cfg.public.rate_per_minute = 2;
        cfg.public.refusal_delay = delay;
    })
    .await;
    let pass = new_pass(&s).await;
    let url = pass["url"].as_str().unwrap();
    for _ in 0..2 {
        let started = std::time::Instant::now();
        assert_eq!(s.fetch_public(url, &[]).await.status, 200);
        assert!(started.elapsed() < delay, "{:?}", started.elapsed());
    }
    let started = std::time::Instant::now();
    let refusals = futures::future::join_all((0..8).map(|_| s.fetch_public(url, &[]))).await;
    let took = started.elapsed();
    for r in &refusals {
        assert_limited(r);
    }
    assert!(took >= delay, "answered after {took:?}");
    assert!(took < delay * 4, "waited side by side: {took:?}");
    assert_eq!(count(&event_types(&s, &pass).await, "url_viewed"), 1);
}
