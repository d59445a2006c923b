//! The client against the fake APNs: what goes over the wire and how answers map.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use passmint_apns::fake::{FakeApns, Script, TestCertificate};
use passmint_apns::{ApnsClient, ApnsConfig, ClientIdentity, PushOutcome};
use tokio::task::JoinSet;

const TOPIC: &str = "pass.com.example.test";

fn token(n: usize) -> String {
    format!("{n:064x}")
}

/// A client identity of a fresh test certificate for `TOPIC`.
fn identity() -> ClientIdentity {
    TestCertificate::generate(TOPIC)
        .unwrap()
        .identity()
        .unwrap()
}

async fn setup_with(configure: impl FnOnce(&mut ApnsConfig)) -> (FakeApns, ApnsClient) {
    let fake = FakeApns::start().await;
    let identity = identity();
    let mut config = fake.config();
    configure(&mut config);
    let client = ApnsClient::new(&config, &identity).unwrap();
    (fake, client)
}

async fn setup() -> (FakeApns, ApnsClient) {
    setup_with(|_| {}).await
}

/// Pushes to device `n`, which the fake answers with `status` and `reason`.
async fn push_answered(
    fake: &FakeApns,
    client: &ApnsClient,
    n: usize,
    status: u16,
    reason: &str,
) -> PushOutcome {
    fake.respond(&token(n), Script::status(status, reason));
    client.push(&token(n), TOPIC).await
}

#[tokio::test]
async fn a_push_is_what_apple_expects() {
    let (fake, client) = setup().await;
    let outcome = client.push(&token(1), TOPIC).await;
    let PushOutcome::Delivered { apns_id } = outcome else {
        panic!("{outcome:?}");
    };
    assert!(apns_id.is_some_and(|id| id.len() == 36));

    let requests = fake.requests();
    assert_eq!(requests.len(), 1);
    let r = &requests[0];
    assert_eq!(r.method, "POST");
    assert_eq!(r.path, format!("/3/device/{}", token(1)));
    assert_eq!(r.device_token, token(1));
    assert_eq!(r.topic.as_deref(), Some(TOPIC));
    assert_eq!(r.body, b"{}");
    assert_eq!(r.content_type.as_deref(), Some("application/json"));
    assert_eq!(r.http_version, "HTTP/2.0");
    assert_eq!(r.alpn.as_deref(), Some("h2"), "h2 is negotiated with ALPN");
    assert_eq!(r.status, 200);
    let subject = r
        .client_cert_subject
        .as_deref()
        .expect("client certificate");
    assert!(subject.contains(&format!("UID={TOPIC}")), "{subject}");
    assert!(subject.contains("CN=Pass Type ID: "), "{subject}");
    assert_eq!(fake.connections(), 1);
}

#[tokio::test]
async fn gone_and_bad_tokens_are_unregistered() {
    let (fake, client) = setup().await;
    let cases = [
        (410, "Unregistered"),
        (410, "ExpiredToken"),
        (400, "BadDeviceToken"),
        (400, "DeviceTokenNotForTopic"),
    ];
    for (i, (status, reason)) in cases.into_iter().enumerate() {
        let reason = reason.to_owned();
        assert_eq!(
            push_answered(&fake, &client, i, status, &reason).await,
            PushOutcome::Unregistered { status, reason }
        );
    }
    // The script repeats its last answer.
    assert!(matches!(
        client.push(&token(0), TOPIC).await,
        PushOutcome::Unregistered { status: 410, .. }
    ));
    assert_eq!(fake.request_count(), 5);
}

#[tokio::test]
async fn busy_and_failing_servers_mean_retry() {
    let (fake, client) = setup().await;
    fake.respond(
        &token(1),
        Script::sequence(vec![(503, "ServiceUnavailable"), (200, "")]),
    );
    assert_eq!(
        client.push(&token(1), TOPIC).await,
        PushOutcome::Retry {
            status: Some(503),
            reason: "ServiceUnavailable".to_owned(),
            retry_after: None
        }
    );
    assert!(client.push(&token(1), TOPIC).await.is_delivered());
    assert!(client.push(&token(1), TOPIC).await.is_delivered());

    fake.respond(
        &token(2),
        Script::status(429, "TooManyRequests").with_retry_after(Duration::from_secs(7)),
    );
    assert_eq!(
        client.push(&token(2), TOPIC).await,
        PushOutcome::Retry {
            status: Some(429),
            reason: "TooManyRequests".to_owned(),
            retry_after: Some(Duration::from_secs(7))
        }
    );

    for (i, (status, reason)) in [(500, "InternalServerError"), (503, "Shutdown")]
        .into_iter()
        .enumerate()
    {
        fake.respond(&token(10 + i), Script::status(status, reason));
        assert_eq!(
            client.push(&token(10 + i), TOPIC).await,
            PushOutcome::Retry {
                status: Some(status),
                reason: reason.to_owned(),
                retry_after: None
            }
        );
    }
}

#[tokio::test]
async fn certificate_and_request_problems_are_rejected() {
    let (fake, client) = setup().await;
    for (i, (status, reason)) in [
        (403, "BadCertificate"),
        (403, "BadCertificateEnvironment"),
        (400, "BadTopic"),
        (400, "TopicDisallowed"),
        (413, "PayloadTooLarge"),
    ]
    .into_iter()
    .enumerate()
    {
        let reason = reason.to_owned();
        assert_eq!(
            push_answered(&fake, &client, i, status, &reason).await,
            PushOutcome::Rejected { status, reason }
        );
    }
    // A topic that cannot be a header value is refused without a request.
    assert_eq!(
        client.push(&token(1), "bad\ntopic").await,
        PushOutcome::Rejected {
            status: 400,
            reason: "BadTopic".to_owned()
        }
    );
    assert_eq!(fake.request_count(), 5);
}

#[tokio::test]
async fn respond_all_scripts_every_other_token() {
    let (fake, client) = setup().await;
    fake.respond_all(Script::status(503, "ServiceUnavailable"));
    fake.respond(&token(1), Script::status(200, ""));
    assert!(matches!(
        client.push(&token(2), TOPIC).await,
        PushOutcome::Retry {
            status: Some(503),
            ..
        }
    ));
    assert!(client.push(&token(1), TOPIC).await.is_delivered());
}

#[tokio::test]
async fn an_invalid_token_sends_nothing() {
    let (fake, client) = setup().await;
    for bad in [
        "",
        "xyz",
        "../../admin",
        "ab cd",
        "0a?x=1",
        &"a".repeat(201),
    ] {
        assert_eq!(
            client.push(bad, TOPIC).await,
            PushOutcome::Unregistered {
                status: 400,
                reason: "BadDeviceToken".to_owned()
            },
            "{bad:?}"
        );
    }
    assert_eq!(fake.request_count(), 0);
    assert_eq!(fake.connections(), 0, "not even a connection");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_pushes_share_one_connection() {
    let (fake, client) = setup().await;
    // A cold client: the first 500 pushes start together.
    let mut pushes = JoinSet::new();
    for i in 0..500 {
        let client = client.clone();
        pushes.spawn(async move { client.push(&token(i), TOPIC).await });
    }
    let outcomes = pushes.join_all().await;
    assert_eq!(outcomes.len(), 500);
    assert!(
        outcomes.iter().all(PushOutcome::is_delivered),
        "{:?}",
        outcomes.iter().find(|o| !o.is_delivered())
    );
    assert_eq!(fake.request_count(), 500);
    assert_eq!(fake.connections(), 1, "one TLS connection, 500 streams");
    assert!(fake.requests().iter().all(|r| r.connection == 1));
    assert_eq!(fake.failed_handshakes(), 0);
    assert_eq!(client.in_flight(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_semaphore_bounds_pushes_in_flight() {
    let (fake, client) = setup_with(|c| c.max_in_flight = 8).await;
    fake.set_response_delay(Duration::from_millis(30));
    let mut pushes = JoinSet::new();
    for i in 0..100 {
        let client = client.clone();
        pushes.spawn(async move { client.push(&token(i), TOPIC).await });
    }
    // Meanwhile the client never has more than 8 in flight.
    let watcher = {
        let client = client.clone();
        tokio::spawn(async move {
            let mut most = 0;
            for _ in 0..50 {
                most = most.max(client.in_flight());
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
            most
        })
    };
    let outcomes = pushes.join_all().await;
    assert!(outcomes.iter().all(PushOutcome::is_delivered));
    assert!(watcher.await.unwrap() <= 8);
    assert_eq!(fake.request_count(), 100);
    let most = fake.max_in_flight();
    assert!(most <= 8, "the fake saw {most} requests at once");
    assert!(most >= 4, "the pushes did overlap ({most} at most)");
    assert_eq!(fake.connections(), 1);
}

#[tokio::test]
async fn a_client_without_a_certificate_gets_403() {
    let fake = FakeApns::start().await;
    // The same trust and protocol as ApnsClient, but no client identity.
    let anonymous = reqwest::Client::builder()
        .tls_backend_native()
        .tls_certs_merge(vec![
            reqwest::Certificate::from_pem(fake.ca_pem().as_bytes()).unwrap(),
        ])
        .http2_prior_knowledge()
        .build()
        .unwrap();
    let response = anonymous
        .post(format!("{}/3/device/{}", fake.base_url(), token(1)))
        .header("apns-topic", TOPIC)
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 403);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["reason"], "MissingProviderToken");
    let requests = fake.requests();
    assert_eq!(requests[0].client_cert_subject, None);
    assert_eq!(requests[0].status, 403);

    // ApnsClient, on the same fake, presents its certificate and gets through.
    let identity = identity();
    let client = ApnsClient::new(&fake.config(), &identity).unwrap();
    assert!(client.push(&token(1), TOPIC).await.is_delivered());
    assert!(fake.requests()[1].client_cert_subject.is_some());
}

#[tokio::test]
async fn an_untrusted_server_is_a_retry() {
    let fake = FakeApns::start().await;
    let identity = identity();
    let config = ApnsConfig {
        extra_root_certificates_pem: Vec::new(),
        ..fake.config()
    };
    let client = ApnsClient::new(&config, &identity).unwrap();
    let outcome = client.push(&token(1), TOPIC).await;
    let PushOutcome::Retry {
        status: None,
        reason,
        ..
    } = &outcome
    else {
        panic!("{outcome:?}");
    };
    assert!(!reason.contains(&token(1)), "no token in {reason}");
    assert_eq!(fake.request_count(), 0);
    // The server notices the client's alert a moment later.
    for _ in 0..200 {
        if fake.failed_handshakes() >= 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(fake.failed_handshakes() >= 1);
    assert_eq!(fake.connections(), 0);
}

#[tokio::test]
async fn a_closed_port_is_a_retry() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let identity = identity();
    let config = ApnsConfig {
        base_url: format!("https://127.0.0.1:{port}"),
        ..ApnsConfig::default()
    };
    let client = ApnsClient::new(&config, &identity).unwrap();
    let outcome = client.push(&token(1), TOPIC).await;
    match &outcome {
        PushOutcome::Retry {
            status: None,
            reason,
            retry_after: None,
        } => assert!(reason.starts_with("connection error"), "{reason}"),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_slow_answer_is_a_timeout_retry() {
    let (fake, client) = setup_with(|c| c.request_timeout = Duration::from_millis(300)).await;
    fake.respond(
        &token(1),
        Script::status(200, "").with_delay(Duration::from_secs(3)),
    );
    let outcome = client.push(&token(1), TOPIC).await;
    match &outcome {
        PushOutcome::Retry {
            status: None,
            reason,
            ..
        } => assert!(reason.starts_with("timeout"), "{reason}"),
        other => panic!("{other:?}"),
    }
    // The next push goes through a new connection (the client cannot tell a slow
    // server from a dead connection).
    assert!(client.push(&token(2), TOPIC).await.is_delivered());
    assert_eq!(fake.requests().last().unwrap().connection, 2);
}

/// Pushes `token` until it is delivered, for at most 15 s after `since`; the
/// request that got through.
async fn delivered_within_15_s(
    fake: &FakeApns,
    client: &ApnsClient,
    token: &str,
    since: std::time::Instant,
) -> passmint_apns::fake::FakeRequest {
    let deadline = since + Duration::from_secs(15);
    loop {
        let left = deadline.saturating_duration_since(std::time::Instant::now());
        let outcome = tokio::time::timeout(left, client.push(token, TOPIC))
            .await
            .unwrap_or_else(|_| panic!("not delivered within 15 s of the silence"));
        if outcome.is_delivered() {
            break;
        }
        assert!(
            matches!(outcome, PushOutcome::Retry { status: None, .. }),
            "{outcome:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let request = fake.requests().last().cloned().unwrap();
    assert_eq!(request.device_token, token);
    request
}

#[tokio::test]
async fn a_push_after_a_timeout_on_a_silent_connection_takes_a_new_one() {
    // PINGs too far apart to matter: the timed-out push alone must let go of the
    // dead connection.
    let (fake, client) = setup_with(|c| {
        c.request_timeout = Duration::from_secs(1);
        c.keep_alive_interval = Duration::from_secs(600);
        c.keep_alive_timeout = Duration::from_secs(600);
    })
    .await;
    assert!(client.push(&token(1), TOPIC).await.is_delivered());
    fake.go_silent();
    let silent_since = std::time::Instant::now();
    let lost = client.push(&token(2), TOPIC).await;
    match &lost {
        PushOutcome::Retry {
            status: None,
            reason,
            ..
        } => assert!(reason.starts_with("timeout"), "{reason}"),
        other => panic!("{other:?}"),
    }
    let request = delivered_within_15_s(&fake, &client, &token(3), silent_since).await;
    assert_eq!(request.connection, 2);
    assert_eq!(fake.connections(), 2);
    // Nothing reached the fake on the silent connection.
    assert!(fake.requests().iter().all(|r| r.device_token != token(2)));
}

#[tokio::test]
async fn an_unanswered_ping_lets_a_silent_connection_go() {
    // A deadline far beyond the bound: only the PING can tell.
    let (fake, client) = setup_with(|c| {
        c.request_timeout = Duration::from_secs(600);
        c.keep_alive_interval = Duration::from_millis(500);
        c.keep_alive_timeout = Duration::from_millis(500);
    })
    .await;
    assert!(client.push(&token(1), TOPIC).await.is_delivered());
    fake.go_silent();
    let silent_since = std::time::Instant::now();
    // Sent at once, on the dead connection: the unanswered PING fails it and a
    // retry goes through a new connection.
    let request = delivered_within_15_s(&fake, &client, &token(2), silent_since).await;
    assert_eq!(request.connection, 2);
    // While idle too: the PINGs go on, and a new connection that goes silent is let
    // go before the next push needs it.
    fake.go_silent();
    tokio::time::sleep(Duration::from_secs(3)).await;
    let silent_since = std::time::Instant::now();
    assert!(client.push(&token(3), TOPIC).await.is_delivered());
    assert!(silent_since.elapsed() < Duration::from_secs(15));
    assert_eq!(fake.requests().last().unwrap().connection, 3);
}

#[tokio::test]
async fn wait_for_counts_requests() {
    let (fake, client) = setup().await;
    assert!(!fake.wait_for(1, Duration::from_millis(50)).await);
    let pusher = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(100)).await;
        for i in 0..3 {
            client.push(&token(i), TOPIC).await;
        }
    });
    assert!(fake.wait_for(3, Duration::from_secs(10)).await);
    assert!(!fake.wait_for(4, Duration::from_millis(50)).await);
    pusher.await.unwrap();
    fake.clear_requests();
    assert_eq!(fake.request_count(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thousands_of_pushes_are_quick() {
    let n: usize = std::env::var("PASSMINT_APNS_TEST_PUSHES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2_000);
    let (fake, client) = setup().await;
    let started = std::time::Instant::now();
    let mut pushes = JoinSet::new();
    for i in 0..n {
        let client = client.clone();
        pushes.spawn(async move { client.push(&token(i), TOPIC).await });
    }
    let outcomes = pushes.join_all().await;
    let elapsed = started.elapsed();
    println!("{n} pushes in {elapsed:?}");
    assert!(outcomes.iter().all(PushOutcome::is_delivered));
    assert_eq!(fake.request_count(), n);
    assert_eq!(fake.connections(), 1);
    assert!(fake.max_in_flight() <= 256);
    assert!(elapsed < Duration::from_secs(60), "{elapsed:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cold_burst_against_a_silent_server_fails_once() {
    // Accepts TCP connections and never answers the TLS handshake.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let accepted = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    let identity = identity();
    let config = ApnsConfig {
        base_url: format!("https://127.0.0.1:{port}"),
        connect_timeout: Duration::from_millis(300),
        request_timeout: Duration::from_millis(300),
        ..ApnsConfig::default()
    };
    let client = ApnsClient::new(&config, &identity).unwrap();
    let started = std::time::Instant::now();
    let mut pushes = JoinSet::new();
    for i in 0..20 {
        let client = client.clone();
        pushes.spawn(async move { client.push(&token(i), TOPIC).await });
    }
    let outcomes = pushes.join_all().await;
    let elapsed = started.elapsed();
    assert!(
        outcomes
            .iter()
            .all(|o| matches!(o, PushOutcome::Retry { status: None, .. })),
        "{outcomes:?}"
    );
    // Not 20 attempts one after the other behind the cold-start lock.
    assert!(elapsed < Duration::from_secs(3), "{elapsed:?}");
    accepted.abort();
}
