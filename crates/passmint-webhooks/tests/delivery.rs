//! Deliveries to real local receivers: success and failure statuses, timeouts,
//! redirects, body truncation, the SSRF rule, HTTPS, and signatures checked on the
//! receiving side by the `standardwebhooks` crate.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use std::time::{Duration, Instant};

use passmint_webhooks::{
    Deliverer, DelivererConfig, DeliveryOutcome, FailureKind, Next, RetrySchedule, Secret,
    USER_AGENT, webhook_headers,
};
use reqwest::header::HeaderMap;
use support::{Receiver, Reply};

const EVENT: &str = "evt_0123456789abcdefghijklmn";
const PAYLOAD: &str = r#"{"id":"evt_0123456789abcdefghijklmn","object":"event","type":"pass.created","mode":"test","created_at":"2026-04-16T12:00:00Z","data":{}}"#;

fn deliverer(allow_private: bool) -> Deliverer {
    deliverer_with(DelivererConfig {
        allow_private,
        ..DelivererConfig::default()
    })
}

fn deliverer_with(config: DelivererConfig) -> Deliverer {
    Deliverer::new(config).unwrap()
}

/// A deliverer to private addresses whose requests end after `timeout`.
fn deliverer_timing_out(timeout: Duration) -> Deliverer {
    deliverer_with(DelivererConfig {
        allow_private: true,
        timeout,
        ..DelivererConfig::default()
    })
}

/// Delivers the test event to the root of `rx` with a fresh secret.
async fn send(d: &Deliverer, rx: &Receiver) -> DeliveryOutcome {
    d.deliver_event(&rx.url("/"), &[Secret::generate()], EVENT, PAYLOAD)
        .await
}

fn standard_verify(secret: &Secret, body: &[u8], headers: &HeaderMap) -> Result<(), String> {
    standardwebhooks::Webhook::new(&secret.to_whsec())
        .unwrap()
        .verify(body, headers)
        .map_err(|e| e.to_string())
}

#[tokio::test]
async fn a_2xx_is_delivered_and_verifies_with_standardwebhooks() {
    let mut rx = Receiver::start(Reply::status(200, "ok")).await;
    let secret = Secret::generate();
    let outcome = deliverer(true)
        .deliver_event(
            &rx.url("/hooks/passmint?src=test"),
            std::slice::from_ref(&secret),
            EVENT,
            PAYLOAD,
        )
        .await;

    assert!(outcome.is_success(), "{outcome:?}");
    assert_eq!(outcome.status, Some(200));
    assert_eq!(outcome.body.as_deref(), Some("ok"));
    assert_eq!(outcome.error, None);
    assert_eq!(outcome.failure, None);
    assert!(!outcome.body_truncated);
    assert!(outcome.duration < Duration::from_secs(2));

    let req = rx.next_request().await;
    assert_eq!(req.method, "POST");
    assert_eq!(req.path, "/hooks/passmint?src=test");
    assert_eq!(req.body, PAYLOAD.as_bytes());
    assert_eq!(req.headers["webhook-id"], EVENT);
    assert_eq!(req.headers["content-type"], "application/json");
    assert_eq!(req.headers["user-agent"], USER_AGENT);
    assert!(USER_AGENT.starts_with("Passmint-Webhooks/"));
    assert_eq!(
        req.headers["content-length"],
        PAYLOAD.len().to_string().as_str()
    );
    let ts: i64 = req.headers["webhook-timestamp"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((passmint_webhooks::unix_now() - ts).abs() <= 5);

    standard_verify(&secret, &req.body, &req.headers).unwrap();
    passmint_webhooks::verify(
        &[secret],
        &req.headers,
        &req.body,
        passmint_webhooks::DEFAULT_TOLERANCE,
    )
    .unwrap();
    assert!(standard_verify(&Secret::generate(), &req.body, &req.headers).is_err());
}

#[tokio::test]
async fn during_a_rotation_both_secrets_verify_with_standardwebhooks() {
    let mut rx = Receiver::start(Reply::status(204, "")).await;
    let current = Secret::generate();
    let previous = Secret::generate();
    let outcome = deliverer(true)
        .deliver_event(
            &rx.url("/"),
            &[current.clone(), previous.clone()],
            EVENT,
            PAYLOAD,
        )
        .await;
    assert!(outcome.is_success(), "{outcome:?}");
    assert_eq!(outcome.status, Some(204));
    assert_eq!(outcome.body.as_deref(), Some(""));

    let req = rx.next_request().await;
    let signature = req.headers["webhook-signature"].to_str().unwrap();
    assert_eq!(signature.split(' ').count(), 2, "{signature}");
    // A receiver still on the old secret and one already on the new one both accept.
    standard_verify(&previous, &req.body, &req.headers).unwrap();
    standard_verify(&current, &req.body, &req.headers).unwrap();
    assert!(standard_verify(&Secret::generate(), &req.body, &req.headers).is_err());
    // Any change to the body breaks both.
    assert!(standard_verify(&current, b"{}", &req.headers).is_err());
}

#[tokio::test]
async fn a_500_fails_and_keeps_the_body() {
    let mut rx = Receiver::start(Reply::status(500, "boom: database down")).await;
    let outcome = send(&deliverer(true), &rx).await;
    assert!(!outcome.is_success());
    assert_eq!(outcome.status, Some(500));
    assert_eq!(outcome.body.as_deref(), Some("boom: database down"));
    assert_eq!(outcome.failure, Some(FailureKind::Status));
    assert_eq!(
        outcome.error.as_deref(),
        Some("HTTP 500 Internal Server Error")
    );
    rx.next_request().await;
    // The worker's next step: a retry after the first delay of the schedule.
    let schedule = RetrySchedule::parse("1s").unwrap().without_jitter();
    assert_eq!(
        schedule.after_attempt(1, &outcome),
        Next::RetryAt(Duration::from_secs(1))
    );
    assert_eq!(schedule.after_attempt(2, &outcome), Next::Dead);
}

#[tokio::test]
async fn a_receiver_that_hangs_times_out() {
    let mut rx = Receiver::start(Reply::Hang).await;
    let d = deliverer_timing_out(Duration::from_millis(300));
    let started = Instant::now();
    let outcome = send(&d, &rx).await;
    let elapsed = started.elapsed();
    assert_eq!(outcome.failure, Some(FailureKind::Timeout), "{outcome:?}");
    assert_eq!(outcome.status, None);
    assert_eq!(outcome.body, None);
    assert_eq!(
        outcome.error.as_deref(),
        Some("timed out after 300ms waiting for the response")
    );
    assert!(
        elapsed >= Duration::from_millis(300) && elapsed < Duration::from_secs(2),
        "{elapsed:?}"
    );
    assert!(outcome.duration >= Duration::from_millis(300));
    // It did receive the request before hanging.
    rx.next_request().await;
}

#[tokio::test]
async fn a_2xx_whose_body_stalls_is_delivered_within_the_deadline() {
    let mut rx = Receiver::start(Reply::StallBody(100, b"ok".to_vec())).await;
    let d = deliverer_timing_out(Duration::from_millis(300));
    let outcome = send(&d, &rx).await;
    assert!(outcome.is_success(), "{outcome:?}");
    assert_eq!(outcome.body.as_deref(), Some("ok"));
    assert!(outcome.duration < Duration::from_secs(2));
    rx.next_request().await;
}

#[tokio::test]
async fn a_redirect_is_not_followed() {
    let target = Receiver::start(Reply::status(200, "landed")).await;
    let mut rx = Receiver::start(Reply::Fixed(
        302,
        vec![("location", target.url("/elsewhere"))],
        b"moved".to_vec(),
    ))
    .await;
    let outcome = send(&deliverer(true), &rx).await;
    assert!(!outcome.is_success());
    assert_eq!(outcome.status, Some(302));
    assert_eq!(outcome.failure, Some(FailureKind::Redirect));
    assert_eq!(outcome.body.as_deref(), Some("moved"));
    let error = outcome.error.unwrap();
    assert!(
        error.starts_with("redirect not followed: HTTP 302 Found"),
        "{error}"
    );
    assert!(error.contains("/elsewhere"), "{error}");
    rx.next_request().await;
    target.assert_untouched().await;
}

#[tokio::test]
async fn a_large_body_is_truncated_to_16_kib() {
    let body = "0123456789abcdef".repeat(100 * 1024 / 16);
    let mut rx = Receiver::start(Reply::status(200, &body)).await;
    let outcome = send(&deliverer(true), &rx).await;
    assert!(outcome.is_success(), "{outcome:?}");
    let kept = outcome.body.unwrap();
    assert_eq!(kept.len(), 16 * 1024);
    assert_eq!(kept, body[..16 * 1024]);
    assert!(outcome.body_truncated);
    rx.next_request().await;
}

#[tokio::test]
async fn an_endless_body_stops_being_read_after_16_kib() {
    let mut rx = Receiver::start(Reply::Endless).await;
    let d = deliverer_timing_out(Duration::from_secs(5));
    let outcome = send(&d, &rx).await;
    assert!(outcome.is_success(), "{outcome:?}");
    assert_eq!(outcome.body.as_deref().map(str::len), Some(16 * 1024));
    assert!(outcome.body_truncated);
    // Far below the deadline: the client hung up instead of draining the stream.
    assert!(outcome.duration < Duration::from_secs(2), "{outcome:?}");
    rx.next_request().await;
}

#[tokio::test]
async fn the_body_cap_is_configurable() {
    let mut rx = Receiver::start(Reply::status(500, "abcdefghij")).await;
    let d = deliverer_with(DelivererConfig {
        allow_private: true,
        max_response_body: 4,
        ..DelivererConfig::default()
    });
    let outcome = d.deliver(&rx.url("/"), HeaderMap::new(), PAYLOAD).await;
    assert_eq!(outcome.body.as_deref(), Some("abcd"));
    assert!(outcome.body_truncated);
    rx.next_request().await;
}

#[tokio::test]
async fn loopback_is_refused_unless_private_addresses_are_allowed() {
    let rx = Receiver::start(Reply::status(200, "ok")).await;
    let outcome = send(&deliverer(false), &rx).await;
    assert_eq!(outcome.failure, Some(FailureKind::Refused), "{outcome:?}");
    assert_eq!(outcome.status, None);
    let error = outcome.error.unwrap();
    assert!(
        error.contains("127.0.0.1 is loopback (127.0.0.0/8)"),
        "{error}"
    );
    assert!(error.contains("PASSMINT_WEBHOOK_ALLOW_PRIVATE"), "{error}");
    rx.assert_untouched().await;

    let outcome = send(&deliverer(true), &rx).await;
    assert!(outcome.is_success(), "{outcome:?}");
    assert_eq!(rx.connections(), 1);
}

#[tokio::test]
async fn a_host_name_resolving_to_loopback_is_refused_before_connecting() {
    let mut rx = Receiver::start(Reply::status(200, "ok")).await;
    let url = format!("http://localhost:{}/hook", rx.addr.port());
    let outcome = deliverer(false)
        .deliver_event(&url, &[Secret::generate()], EVENT, PAYLOAD)
        .await;
    assert_eq!(outcome.failure, Some(FailureKind::Refused), "{outcome:?}");
    let error = outcome.error.unwrap();
    assert!(
        error.starts_with("refused: host \"localhost\" resolves to "),
        "{error}"
    );
    assert!(error.contains("loopback"), "{error}");
    rx.assert_untouched().await;

    // Allowed, the name resolves through the same resolver and reaches the receiver.
    let outcome = deliverer(true)
        .deliver_event(&url, &[Secret::generate()], EVENT, PAYLOAD)
        .await;
    assert!(outcome.is_success(), "{outcome:?}");
    let req = rx.next_request().await;
    assert_eq!(req.path, "/hook");
    assert_eq!(
        req.headers["host"],
        format!("localhost:{}", rx.addr.port()).as_str()
    );
}

#[tokio::test]
async fn literal_private_addresses_are_refused_without_connecting() {
    let d = deliverer(false);
    for (url, reason) in [
        ("http://10.0.0.1/", "private (10.0.0.0/8)"),
        ("http://192.168.1.10:8080/", "private (192.168.0.0/16)"),
        ("http://172.16.5.4/", "private (172.16.0.0/12)"),
        (
            "http://169.254.169.254/latest/meta-data/",
            "link-local (169.254.0.0/16)",
        ),
        ("http://100.64.0.1/", "carrier-grade NAT (100.64.0.0/10)"),
        ("http://0.0.0.0/", "\"this network\" (0.0.0.0/8)"),
        ("https://[::1]/", "loopback (::1/128)"),
        ("http://[fd00::1]/", "unique local (fc00::/7)"),
        ("http://[fe80::1]/", "link-local (fe80::/10)"),
        (
            "http://[::ffff:127.0.0.1]/",
            "loopback (127.0.0.0/8) inside an IPv4-mapped IPv6 address",
        ),
        // WHATWG parsing turns these spellings into 127.0.0.1 before the check.
        ("http://2130706433/", "loopback (127.0.0.0/8)"),
        ("http://0x7f.1/", "loopback (127.0.0.0/8)"),
    ] {
        let started = Instant::now();
        let outcome = d.deliver(url, HeaderMap::new(), PAYLOAD).await;
        assert_eq!(
            outcome.failure,
            Some(FailureKind::Refused),
            "{url}: {outcome:?}"
        );
        let error = outcome.error.unwrap();
        assert!(error.contains(reason), "{url}: {error}");
        // Refused before any connection attempt (those addresses would hang or fail).
        assert!(started.elapsed() < Duration::from_millis(100), "{url}");
    }
}

#[tokio::test]
async fn ipv6_loopback_is_refused() {
    // A real listener on [::1] when the host has IPv6, to show nothing connects.
    let listener = tokio::net::TcpListener::bind("[::1]:0").await.ok();
    let port = listener
        .as_ref()
        .map_or(9, |l| l.local_addr().unwrap().port());
    let outcome = deliverer(false)
        .deliver(&format!("http://[::1]:{port}/"), HeaderMap::new(), PAYLOAD)
        .await;
    assert_eq!(outcome.failure, Some(FailureKind::Refused), "{outcome:?}");
    assert!(outcome.error.unwrap().contains("::1 is loopback"));
    if let Some(listener) = listener {
        let accepted = tokio::time::timeout(Duration::from_millis(150), listener.accept()).await;
        assert!(accepted.is_err(), "something connected to [::1]");
    }
}

#[tokio::test]
async fn invalid_urls_are_failures_not_panics() {
    let d = deliverer(false);
    for url in [
        "/relative/path",
        "example.com/hook",
        "ftp://example.com/",
        "file:///etc/passwd",
        "http://",
        "",
    ] {
        let outcome = d.deliver(url, HeaderMap::new(), PAYLOAD).await;
        assert_eq!(
            outcome.failure,
            Some(FailureKind::InvalidUrl),
            "{url:?}: {outcome:?}"
        );
        assert!(
            outcome
                .error
                .as_deref()
                .unwrap()
                .starts_with("invalid webhook URL: "),
            "{url:?}: {outcome:?}"
        );
    }
}

#[tokio::test]
async fn unknown_hosts_and_closed_ports_are_failures() {
    let d = deliverer(true);
    let outcome = d
        .deliver("http://does-not-exist.invalid/", HeaderMap::new(), PAYLOAD)
        .await;
    assert_eq!(outcome.failure, Some(FailureKind::Dns), "{outcome:?}");

    // A port nothing listens on: bind, note the port, close.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let outcome = d
        .deliver(
            &format!("http://127.0.0.1:{port}/"),
            HeaderMap::new(),
            PAYLOAD,
        )
        .await;
    assert_eq!(outcome.failure, Some(FailureKind::Connect), "{outcome:?}");
    let error = outcome.error.unwrap();
    assert!(error.to_lowercase().contains("refused"), "{error}");
}

#[tokio::test]
async fn missing_secret_is_an_invalid_request() {
    let rx = Receiver::start(Reply::status(200, "ok")).await;
    let outcome = deliverer(true)
        .deliver_event(&rx.url("/"), &[], EVENT, PAYLOAD)
        .await;
    assert_eq!(outcome.failure, Some(FailureKind::InvalidRequest));
    rx.assert_untouched().await;
}

#[tokio::test]
async fn deliver_sends_the_given_headers_and_defaults_the_user_agent() {
    let mut rx = Receiver::start(Reply::status(202, "")).await;
    let secret = Secret::generate();
    let mut headers = webhook_headers(
        std::slice::from_ref(&secret),
        EVENT,
        passmint_webhooks::unix_now(),
        PAYLOAD.as_bytes(),
    )
    .unwrap();
    headers.remove("user-agent");
    let d = deliverer_with(DelivererConfig {
        allow_private: true,
        user_agent: "Passmint-Webhooks/test".into(),
        ..DelivererConfig::default()
    });
    let outcome = d.deliver(&rx.url("/x#frag"), headers, PAYLOAD).await;
    assert!(outcome.is_success(), "{outcome:?}");
    let req = rx.next_request().await;
    assert_eq!(req.path, "/x");
    assert_eq!(req.headers["user-agent"], "Passmint-Webhooks/test");
    standard_verify(&secret, &req.body, &req.headers).unwrap();
}

#[tokio::test]
async fn credentials_in_the_url_become_basic_auth() {
    let mut rx = Receiver::start(Reply::status(200, "ok")).await;
    let url = format!("http://user:p%40ss@{}/", rx.addr);
    let outcome = deliverer(true)
        .deliver_event(&url, &[Secret::generate()], EVENT, PAYLOAD)
        .await;
    assert!(outcome.is_success(), "{outcome:?}");
    let req = rx.next_request().await;
    // base64("user:p@ss")
    assert_eq!(req.headers["authorization"], "Basic dXNlcjpwQHNz");
}

mod https {
    use super::*;

    fn self_signed_localhost() -> (Vec<u8>, tokio_native_tls::TlsAcceptor) {
        let rcgen::CertifiedKey { cert, signing_key } =
            rcgen::generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
        let identity = native_tls::Identity::from_pkcs8(
            cert.pem().as_bytes(),
            signing_key.serialize_pem().as_bytes(),
        )
        .unwrap();
        let acceptor = native_tls::TlsAcceptor::new(identity).unwrap();
        (cert.der().to_vec(), acceptor.into())
    }

    #[tokio::test]
    async fn https_through_the_pinned_resolver_verifies_the_host_name() {
        let (der, acceptor) = self_signed_localhost();
        let mut rx = Receiver::start_with(Reply::status(200, "secure"), Some(acceptor)).await;
        let url = format!("https://localhost:{}/tls", rx.addr.port());
        let secret = Secret::generate();

        let trusted = deliverer_with(DelivererConfig {
            allow_private: true,
            extra_root_certificates: vec![der],
            ..DelivererConfig::default()
        });
        let outcome = trusted
            .deliver_event(&url, std::slice::from_ref(&secret), EVENT, PAYLOAD)
            .await;
        assert!(outcome.is_success(), "{outcome:?}");
        assert_eq!(outcome.body.as_deref(), Some("secure"));
        let req = rx.next_request().await;
        standard_verify(&secret, &req.body, &req.headers).unwrap();

        // Without the receiver's certificate the handshake fails: TLS is verified.
        let untrusted = deliverer(true);
        let outcome = untrusted
            .deliver_event(&url, &[Secret::generate()], EVENT, PAYLOAD)
            .await;
        assert_eq!(outcome.failure, Some(FailureKind::Connect), "{outcome:?}");

        // The certificate is for "localhost", not for the address.
        let by_ip = format!("https://127.0.0.1:{}/tls", rx.addr.port());
        let outcome = trusted
            .deliver_event(&by_ip, &[Secret::generate()], EVENT, PAYLOAD)
            .await;
        assert_eq!(outcome.failure, Some(FailureKind::Connect), "{outcome:?}");
    }

    #[test]
    fn a_bad_extra_root_certificate_is_a_build_error() {
        let err = Deliverer::new(DelivererConfig {
            extra_root_certificates: vec![b"not a certificate".to_vec()],
            ..DelivererConfig::default()
        })
        .unwrap_err();
        assert!(
            err.to_string().starts_with("extra root certificate #0"),
            "{err}"
        );
        let err = Deliverer::new(DelivererConfig {
            user_agent: "bad\nagent".into(),
            ..DelivererConfig::default()
        })
        .unwrap_err();
        assert!(matches!(err, passmint_webhooks::BuildError::UserAgent(_)));
    }
}
