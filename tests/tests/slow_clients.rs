//! Slow clients (docs/api.md §10): a body that stalls answers 408 with the error
//! envelope within `PASSMINT_BODY_TIMEOUT` and the connection is closed, whatever
//! the body's framing; headers that stall close the connection within
//! `PASSMINT_HEADER_TIMEOUT`; and hundreds of stalled connections do not keep the
//! server from answering everyone else.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use passmint_e2e::{Engine, TestServer, template_body};
use passmint_server::config::ServeConfig;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Generous: the deadlines under test are 1 s.
const WAIT: Duration = Duration::from_secs(15);

fn short_deadlines(cfg: &mut ServeConfig) {
    cfg.slow.body_timeout = Duration::from_secs(1);
    cfg.slow.header_timeout = Duration::from_secs(1);
}

async fn connect(s: &TestServer) -> TcpStream {
    TcpStream::connect(s.base.trim_start_matches("http://"))
        .await
        .unwrap()
}

/// Everything the server sends until it closes the connection (panics if it is
/// still open after `within`).
async fn read_until_closed(stream: &mut TcpStream, within: Duration) -> String {
    let mut got = Vec::new();
    tokio::time::timeout(within, stream.read_to_end(&mut got))
        .await
        .unwrap_or_else(|_| {
            panic!(
                "the connection is still open after {within:?}; received {:?}",
                String::from_utf8_lossy(&got)
            )
        })
        .ok();
    String::from_utf8_lossy(&got).into_owned()
}

/// The head of a POST to `/v1/templates` with the test key and `framing`, ending
/// with the blank line.
fn post_head(s: &TestServer, framing: &str) -> String {
    format!(
        "POST /v1/templates HTTP/1.1\r\nHost: passmint\r\nAuthorization: Bearer {}\r\n\
         Content-Type: application/json\r\n{framing}\r\n\r\n",
        s.test_key
    )
}

/// A connection that sent a POST's head with `framing`, then `part` of its body.
async fn stalled_post(s: &TestServer, framing: &str, part: &[u8]) -> TcpStream {
    let mut c = connect(s).await;
    c.write_all(post_head(s, framing).as_bytes()).await.unwrap();
    c.write_all(part).await.unwrap();
    c
}

/// Asserts a 408 with the error envelope, then nothing more.
fn assert_body_timeout(answer: &str) {
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    let body = answer.split("\r\n\r\n").nth(1).unwrap_or_default();
    let body: serde_json::Value = serde_json::from_str(body)
        .unwrap_or_else(|e| panic!("the 408 carries the error envelope ({e}): {answer}"));
    assert_eq!(body["error"]["type"], "invalid_request_error", "{answer}");
    assert!(body["error"]["param"].is_null(), "{answer}");
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("did not arrive")),
        "{answer}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_body_answers_408_and_closes() {
    let s = TestServer::start_with(Engine::Memory, short_deadlines).await;
    // A body with a length, of which a part arrives.
    let mut sized = stalled_post(&s, "Content-Length: 1000", b"{\"name\": \"sl").await;
    // A chunked body, one chunk then nothing.
    let mut chunked = stalled_post(&s, "Transfer-Encoding: chunked", b"5\r\n{\"nam\r\n").await;

    assert_body_timeout(&read_until_closed(&mut sized, WAIT).await);
    assert_body_timeout(&read_until_closed(&mut chunked, WAIT).await);

    // The server is fine; a body sent at once is read as usual.
    let r = s
        .send(
            reqwest::Method::POST,
            "/v1/templates",
            Some(&s.test_key.clone()),
            Some(&template_body()),
            &[],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stalled_headers_close_the_connection() {
    let s = TestServer::start_with(Engine::Memory, short_deadlines).await;
    let mut partial = connect(&s).await;
    partial
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: passmint\r\n")
        .await
        .unwrap();
    let mut silent = connect(&s).await;
    // Well before actix's own default of 5 s: the configured deadline holds.
    let within = Duration::from_secs(4);
    let answer = read_until_closed(&mut partial, within).await;
    assert!(
        answer.is_empty() || answer.starts_with("HTTP/1.1 408"),
        "{answer}"
    );
    read_until_closed(&mut silent, within).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stalled_connections_do_not_stop_other_clients() {
    // Deadlines far longer than the test: the stalled connections stay stalled.
    let s = TestServer::start_with(Engine::Memory, |cfg| {
        cfg.slow.body_timeout = Duration::from_secs(120);
        cfg.slow.header_timeout = Duration::from_secs(120);
    })
    .await;
    let mut stalled = Vec::new();
    for i in 0..200 {
        let c = if i % 2 == 0 {
            stalled_post(&s, "Content-Length: 1000", b"{\"na").await
        } else {
            let mut c = connect(&s).await;
            c.write_all(b"POST /v1/templates HTTP/1.1\r\nHost: pass")
                .await
                .unwrap();
            c
        };
        stalled.push(c);
    }
    // Everyone else is served: reads, writes, public pages.
    tokio::time::timeout(WAIT, async {
        let template = s.template(&s.test_key).await;
        let pass = s.pass(&s.test_key, template["id"].as_str().unwrap()).await;
        for _ in 0..20 {
            let r = s.get("/v1/passes?limit=1").await;
            assert_eq!(r.status, 200, "{}", r.text);
        }
        let page = s.fetch_public(pass["url"].as_str().unwrap(), &[]).await;
        assert_eq!(page.status, 200);
        let health = s.client.get(s.url("/healthz")).send().await.unwrap();
        assert_eq!(health.status(), 200);
    })
    .await
    .expect("requests beside 200 stalled connections are answered");
    // The stalled connections were all still open meanwhile.
    for c in &mut stalled {
        let mut byte = [0u8; 1];
        assert!(
            tokio::time::timeout(Duration::from_millis(1), c.read(&mut byte))
                .await
                .is_err(),
            "a stalled connection was answered or closed"
        );
    }
}
