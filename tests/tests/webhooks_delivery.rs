//! Webhook deliveries end to end, to real local HTTP receivers: subscriptions,
//! signatures checked with our verifier and with the Standard Webhooks library,
//! the payload, failures retried until delivered or dead, timeouts, redirects, a
//! hanging endpoint held to its cap of deliveries in flight,
//! the SSRF rule, manual retries, the delivery log and secret rotation.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use passmint_e2e::receiver::{Behaviour, Received, Receiver};
use passmint_e2e::{Engine, TestServer, engine_tests};
use passmint_server::config::ServeConfig;
use passmint_webhooks::{RetrySchedule, Secret};
use serde_json::{Value, json};
use std::time::Duration;

const WAIT: Duration = Duration::from_secs(20);

/// Fast retries, a short deadline, private addresses allowed (the receivers are
/// on 127.0.0.1).
fn fast(cfg: &mut ServeConfig) {
    cfg.webhooks.allow_private = true;
    cfg.webhooks.retry_schedule = Some(RetrySchedule::parse("300ms,300ms").unwrap());
    cfg.webhooks.timeout = Duration::from_millis(800);
    cfg.webhooks.poll_interval = Duration::from_millis(100);
}

async fn webhook(s: &TestServer, url: &str, events: Value) -> Value {
    let r = s
        .post("/v1/webhooks", json!({"url": url, "events": events}))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.body
}

async fn deliveries(s: &TestServer, webhook: &Value) -> Vec<Value> {
    let r = s
        .get(&format!(
            "/v1/webhooks/{}/deliveries",
            webhook["id"].as_str().unwrap()
        ))
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    r.body["data"].as_array().unwrap().clone()
}

/// Polls the delivery log until `done` holds (panics after [`WAIT`]).
async fn log_until(
    s: &TestServer,
    webhook: &Value,
    what: &str,
    done: impl Fn(&[Value]) -> bool,
) -> Vec<Value> {
    let deadline = std::time::Instant::now() + WAIT;
    loop {
        let log = deliveries(s, webhook).await;
        if done(&log) {
            return log;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{what}: the delivery log is still {log:#?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Checks the request's signature against `secrets`, each alone, with our verifier
/// and with the `standardwebhooks` crate.
fn assert_signed_by(r: &Received, secrets: &[&str]) {
    for secret in secrets {
        passmint_webhooks::verify(
            &[Secret::parse(secret).unwrap()],
            &r.headers,
            &r.body,
            passmint_webhooks::DEFAULT_TOLERANCE,
        )
        .unwrap_or_else(|e| panic!("our verifier refuses {secret}: {e}"));
        standardwebhooks::Webhook::new(secret)
            .unwrap()
            .verify(&r.body, &r.headers)
            .unwrap_or_else(|e| panic!("standardwebhooks refuses: {e:?}"));
    }
}

async fn subscribed_events_arrive_signed(engine: Engine) {
    let s = TestServer::start_with(engine, fast).await;
    let all = Receiver::start();
    let created_only = Receiver::start();
    let removed_only = Receiver::start();
    let off = Receiver::start();
    let w_all = webhook(&s, &all.url, json!(["*"])).await;
    let w_created = webhook(&s, &created_only.url, json!(["pass.created"])).await;
    webhook(&s, &removed_only.url, json!(["pass.removed"])).await;
    let w_off = webhook(&s, &off.url, json!(["*"])).await;
    let r = s
        .patch(
            &format!("/v1/webhooks/{}", w_off["id"].as_str().unwrap()),
            json!({"enabled": false}),
        )
        .await;
    assert_eq!(r.status, 200);

    let tid = s.template_id(&s.test_key).await;
    let pass = s.pass(&s.test_key, &tid).await;
    let pid = pass["id"].as_str().unwrap().to_owned();
    let updated = s
        .patch_pass(&pid, json!({"field_values": {"seatNumber": "B7"}}))
        .await;
    assert_eq!(updated.status, 200);
    assert_eq!(
        s.fetch_public(pass["url"].as_str().unwrap(), &[])
            .await
            .status,
        200
    );
    let download = s
        .fetch_public(pass["download_url"].as_str().unwrap(), &[])
        .await;
    assert_eq!(download.status, 200);
    let voided = s.delete(&format!("/v1/passes/{pid}")).await;
    assert_eq!(voided.status, 200);

    let got = all.wait_for(5, WAIT).await;
    let types: Vec<String> = got
        .iter()
        .map(|r| r.json()["type"].as_str().unwrap().to_owned())
        .collect();
    let mut sorted = types.clone();
    sorted.sort();
    assert_eq!(
        sorted,
        [
            "pass.created",
            "pass.downloaded",
            "pass.updated",
            "pass.url_viewed",
            "pass.voided"
        ],
        "every event reaches `*` once: {types:?}"
    );
    let created = created_only.wait_for(1, WAIT).await;
    assert_eq!(created[0].json()["type"], "pass.created");

    // The payloads: the event and the pass right after it.
    let events = s.get(&format!("/v1/passes/{pid}/events")).await.body["data"]
        .as_array()
        .unwrap()
        .clone();
    let secret = w_all["secret"].as_str().unwrap();
    for r in &got {
        let body = r.json();
        assert_eq!(r.path, "/hook");
        assert_eq!(r.webhook_id(), body["id"].as_str().unwrap());
        assert_eq!(r.header("content-type"), "application/json");
        assert!(r.header("user-agent").starts_with("Passmint-Webhooks/"));
        let ts: i64 = r.header("webhook-timestamp").parse().unwrap();
        assert!((ts - passmint_webhooks::unix_now()).abs() < 60);
        assert_signed_by(r, &[secret]);
        assert_eq!(
            body.as_object().unwrap().keys().collect::<Vec<_>>(),
            ["created_at", "data", "id", "mode", "object", "type"]
        );
        assert_eq!(body["object"], "event");
        assert_eq!(body["mode"], "test");
        let event = events
            .iter()
            .find(|e| e["id"] == body["id"])
            .expect("the delivered event is the pass's");
        assert_eq!(
            body["data"]["event"], *event,
            "data.event is the pass_event"
        );
        assert_eq!(body["created_at"], event["created_at"]);
        assert_eq!(
            body["type"],
            format!("pass.{}", event["type"].as_str().unwrap())
        );
        let object = &body["data"]["object"];
        assert_eq!(object["id"], pid.as_str());
        assert_eq!(object["object"], "pass");
        match body["type"].as_str().unwrap() {
            "pass.created" => {
                assert_eq!(*object, pass, "the pass as issued");
            }
            "pass.updated" | "pass.url_viewed" | "pass.downloaded" => {
                assert_eq!(*object, updated.body, "the pass after the update");
            }
            "pass.voided" => {
                assert_eq!(*object, voided.body, "the voided pass");
                assert_eq!(object["voided"], true);
            }
            other => panic!("{other}"),
        }
    }
    assert_eq!(
        created[0].body,
        got.iter()
            .find(|r| r.json()["type"] == "pass.created")
            .unwrap()
            .body
    );
    assert_signed_by(&created[0], &[w_created["secret"].as_str().unwrap()]);

    // The log: one delivered delivery per event, newest first.
    let log = log_until(&s, &w_all, "all delivered", |log| {
        log.len() == 5 && log.iter().all(|d| d["status"] == "delivered")
    })
    .await;
    let logged: Vec<&str> = log
        .iter()
        .map(|d| d["event_type"].as_str().unwrap())
        .collect();
    let listed: Vec<String> = events
        .iter()
        .map(|e| format!("pass.{}", e["type"].as_str().unwrap()))
        .collect();
    assert_eq!(logged, listed, "the log is newest first, like the events");
    for d in &log {
        assert_eq!(d["attempts"], 1);
        assert_eq!(d["response_status"], 200);
        assert_eq!(d["response_body"], "ok");
        assert_eq!(d["next_attempt_at"], Value::Null);
        assert!(d["last_attempt_at"].is_string());
        assert_eq!(d["webhook_id"], w_all["id"]);
    }
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(removed_only.count(), 0, "not subscribed to these types");
    assert_eq!(off.count(), 0, "a disabled webhook gets nothing");
    assert_eq!(all.count(), 5, "each event once");
    assert_eq!(deliveries(&s, &w_off).await.len(), 0);
}

async fn failures_are_retried_then_dead_and_retried_by_hand(engine: Engine) {
    let s = TestServer::start_with(engine, fast).await;
    let receiver = Receiver::start_with(Behaviour::Answer(500, "boom".into()));
    let w = webhook(&s, &receiver.url, json!(["pass.created"])).await;
    let tid = s.template_id(&s.test_key).await;

    // 500 -> failed, with the response and the next attempt.
    s.pass(&s.test_key, &tid).await;
    let log = log_until(&s, &w, "first failure", |log| {
        log.len() == 1 && log[0]["attempts"] == 1
    })
    .await;
    let d = &log[0];
    assert_eq!(d["status"], "failed", "{d}");
    assert_eq!(d["response_status"], 500);
    assert_eq!(d["response_body"], "boom");
    assert!(d["next_attempt_at"].is_string());
    assert!(d["last_attempt_at"].is_string());

    // The receiver recovers: the retry is delivered, with the same webhook-id.
    receiver.set(Behaviour::Answer(200, "fine now".into()));
    let log = log_until(&s, &w, "delivered on retry", |log| {
        log[0]["status"] == "delivered"
    })
    .await;
    assert_eq!(log[0]["attempts"], 2);
    assert_eq!(log[0]["response_body"], "fine now");
    assert_eq!(log[0]["next_attempt_at"], Value::Null);
    let got = receiver.received();
    assert_eq!(got.len(), 2);
    assert_eq!(got[0].webhook_id(), got[1].webhook_id());
    assert_eq!(
        got[0].body, got[1].body,
        "the same payload on every attempt"
    );

    // Failing for good: dead after the last scheduled attempt (1 + 2 retries).
    receiver.set(Behaviour::Answer(503, "down".into()));
    s.pass(&s.test_key, &tid).await;
    let log = log_until(&s, &w, "dead", |log| {
        log.len() == 2 && log[0]["status"] == "dead"
    })
    .await;
    let dead = &log[0];
    assert_eq!(dead["attempts"], 3);
    assert_eq!(dead["response_status"], 503);
    assert_eq!(dead["next_attempt_at"], Value::Null);
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(receiver.count(), 5, "nothing after dead");

    // A manual retry sends it once more, now.
    receiver.set(Behaviour::Answer(200, "ok".into()));
    let retry = s
        .post(
            &format!(
                "/v1/webhooks/{}/deliveries/{}/retry",
                w["id"].as_str().unwrap(),
                dead["id"].as_str().unwrap()
            ),
            json!({}),
        )
        .await;
    assert_eq!(retry.status, 200, "{}", retry.text);
    assert_eq!(retry.body["status"], "dead", "answered before the attempt");
    assert!(retry.body["next_attempt_at"].is_string());
    let got = receiver.wait_for(6, WAIT).await;
    assert_eq!(got[5].webhook_id(), got[4].webhook_id());
    let log = log_until(&s, &w, "delivered by hand", |log| {
        log[0]["status"] == "delivered"
    })
    .await;
    assert_eq!(log[0]["attempts"], 4);
    assert_eq!(log[0]["id"], dead["id"]);
}

async fn timeouts_and_redirects_fail(engine: Engine) {
    let s = TestServer::start_with(engine, |cfg| {
        fast(cfg);
        cfg.webhooks.retry_schedule = Some(RetrySchedule::parse("1h").unwrap());
    })
    .await;
    let hanging = Receiver::start_with(Behaviour::Hang(Duration::from_secs(5)));
    let redirecting = Receiver::start_with(Behaviour::Redirect("/elsewhere".into()));
    let w_hang = webhook(&s, &hanging.url, json!(["*"])).await;
    let w_redirect = webhook(&s, &redirecting.url, json!(["*"])).await;
    let tid = s.template_id(&s.test_key).await;
    let started = std::time::Instant::now();
    s.pass(&s.test_key, &tid).await;

    let log = log_until(&s, &w_hang, "the timeout", |log| {
        log.len() == 1 && log[0]["attempts"] == 1
    })
    .await;
    assert!(
        started.elapsed() < Duration::from_secs(4),
        "the attempt gave up at its deadline, not the receiver's"
    );
    assert_eq!(log[0]["status"], "failed");
    assert_eq!(log[0]["response_status"], Value::Null, "no answer");
    assert_eq!(log[0]["response_body"], Value::Null);
    assert_eq!(hanging.count(), 1, "the request reached the receiver");

    let log = log_until(&s, &w_redirect, "the redirect", |log| {
        log.len() == 1 && log[0]["attempts"] == 1
    })
    .await;
    assert_eq!(log[0]["status"], "failed");
    assert_eq!(log[0]["response_status"], 302);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let paths: Vec<String> = redirecting
        .received()
        .iter()
        .map(|r| r.path.clone())
        .collect();
    assert_eq!(paths, ["/hook"], "the redirect was not followed");
}

async fn private_addresses_are_refused_unless_allowed(engine: Engine) {
    let s = TestServer::start_with(engine, |cfg| {
        fast(cfg);
        cfg.webhooks.allow_private = false;
        cfg.webhooks.retry_schedule = Some(RetrySchedule::parse("1h").unwrap());
    })
    .await;
    let receiver = Receiver::start();
    let local = webhook(&s, &receiver.url, json!(["*"])).await;
    let named = webhook(
        &s,
        &receiver.url.replace("127.0.0.1", "localhost"),
        json!(["*"]),
    )
    .await;
    let tid = s.template_id(&s.test_key).await;
    s.pass(&s.test_key, &tid).await;
    for w in [&local, &named] {
        let log = log_until(&s, w, "refused", |log| {
            log.len() == 1 && log[0]["attempts"] == 1
        })
        .await;
        assert_eq!(log[0]["status"], "failed");
        assert_eq!(log[0]["response_status"], Value::Null);
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(
        receiver.count(),
        0,
        "nothing was sent to a loopback address"
    );
}

async fn rotation_signs_with_both_secrets(engine: Engine) {
    let s = TestServer::start_with(engine, fast).await;
    let receiver = Receiver::start();
    let w = webhook(&s, &receiver.url, json!(["pass.created"])).await;
    let first_secret = w["secret"].as_str().unwrap().to_owned();
    let tid = s.template_id(&s.test_key).await;
    s.pass(&s.test_key, &tid).await;
    let got = receiver.wait_for(1, WAIT).await;
    assert_signed_by(&got[0], &[&first_secret]);
    assert_eq!(got[0].header("webhook-signature").split(' ').count(), 1);

    let rotated = s
        .post(
            &format!("/v1/webhooks/{}/rotate_secret", w["id"].as_str().unwrap()),
            json!({}),
        )
        .await;
    assert_eq!(rotated.status, 200);
    let second_secret = rotated.body["secret"].as_str().unwrap().to_owned();
    assert_ne!(second_secret, first_secret);
    s.pass(&s.test_key, &tid).await;
    let got = receiver.wait_for(2, WAIT).await;
    let during = &got[1];
    assert_eq!(
        during.header("webhook-signature").split(' ').count(),
        2,
        "both secrets sign during the overlap"
    );
    assert_signed_by(during, &[&first_secret, &second_secret]);
    // A receiver holding only the new secret, or only the old one, accepts it; a
    // stranger's does not.
    let stranger = Secret::generate().to_whsec();
    assert!(
        standardwebhooks::Webhook::new(&stranger)
            .unwrap()
            .verify(&during.body, &during.headers)
            .is_err()
    );
    assert!(
        !s.get(&format!("/v1/webhooks/{}", w["id"].as_str().unwrap()))
            .await
            .text
            .contains("whsec_")
    );
}

async fn deleting_a_webhook_stops_its_deliveries(engine: Engine) {
    let s = TestServer::start_with(engine, |cfg| {
        fast(cfg);
        cfg.webhooks.retry_schedule =
            Some(RetrySchedule::parse("300ms,300ms,300ms,300ms,300ms,300ms").unwrap());
    })
    .await;
    let receiver = Receiver::start_with(Behaviour::Answer(500, "no".into()));
    let w = webhook(&s, &receiver.url, json!(["*"])).await;
    let tid = s.template_id(&s.test_key).await;
    s.pass(&s.test_key, &tid).await;
    receiver.wait_for(1, WAIT).await;
    let r = s
        .delete(&format!("/v1/webhooks/{}", w["id"].as_str().unwrap()))
        .await;
    assert_eq!(r.status, 200);
    let after = receiver.count();
    tokio::time::sleep(Duration::from_millis(1200)).await;
    assert!(
        receiver.count() <= after + 1,
        "at most the attempt in flight at the delete: {} then {}",
        after,
        receiver.count()
    );
}

/// A `pass.created` webhook to `url` and `n` passes issued (8 at a time) with the
/// test key: `n` deliveries.
async fn backlog(s: &TestServer, url: &str, n: usize) {
    webhook(s, url, json!(["pass.created"])).await;
    let tid = s.template_id(&s.test_key).await;
    use futures::StreamExt;
    futures::stream::iter(0..n)
        .for_each_concurrent(8, |_| async {
            s.pass(&s.test_key, &tid).await;
        })
        .await;
}

/// An endpoint that accepts connections and never answers; counts them.
struct Hanging {
    url: String,
    accepted: std::sync::Arc<std::sync::atomic::AtomicUsize>,
    task: tokio::task::JoinHandle<()>,
}

impl Hanging {
    async fn start() -> Hanging {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        let accepted = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let count = accepted.clone();
        let task = tokio::spawn(async move {
            let mut held = Vec::new();
            while let Ok((socket, _)) = listener.accept().await {
                count.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                held.push(socket);
            }
        });
        Hanging {
            url,
            accepted,
            task,
        }
    }

    fn accepted(&self) -> usize {
        self.accepted.load(std::sync::atomic::Ordering::SeqCst)
    }
}

impl Drop for Hanging {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// An account whose endpoint hangs until the attempt's deadline, with 200+
/// deliveries pending, holds at most `PASSMINT_WEBHOOK_ENDPOINT_CONCURRENCY`
/// delivery slots: another account's delivery still arrives at once.
async fn a_hanging_endpoint_does_not_delay_other_accounts(engine: Engine) {
    let s = TestServer::start_with(engine, |cfg| {
        fast(cfg);
        // Longer than the test: every attempt to the hanging endpoint stays in flight.
        cfg.webhooks.timeout = Duration::from_secs(120);
        cfg.slow.webhook_endpoint_concurrency = 8;
    })
    .await;
    let hanging = Hanging::start().await;
    backlog(&s, &hanging.url, 210).await;

    let other = s.other_account().await;
    let key = other["test_key"].as_str().unwrap();
    let receiver = Receiver::start();
    let r = s
        .send(
            reqwest::Method::POST,
            "/v1/webhooks",
            Some(key),
            Some(&json!({"url": receiver.url, "events": ["pass.created"]})),
            &[],
        )
        .await;
    assert_eq!(r.status, 200, "{}", r.text);
    let other_tid = s.template_id(key).await;
    let pass = s.pass(key, &other_tid).await;
    let got = receiver.wait_for(1, WAIT).await;
    assert_eq!(got[0].json()["data"]["object"]["id"], pass["id"]);
    assert!(
        hanging.accepted() <= 8,
        "the hanging endpoint holds at most its cap: {} connections",
        hanging.accepted()
    );
}

/// A webhook at its cap gets its next delivery as soon as one of its attempts ends,
/// not at the next poll: a backlog many times the cap drains with polling off.
async fn a_capped_webhook_drains_its_backlog_without_polling(engine: Engine) {
    let s = TestServer::start_with(engine, |cfg| {
        fast(cfg);
        cfg.webhooks.poll_interval = Duration::from_secs(600);
        cfg.slow.webhook_endpoint_concurrency = 2;
    })
    .await;
    // Each answer takes a while (within the attempt's deadline), so the backlog
    // outlasts the issuing and its wake-ups.
    let receiver = Receiver::start_with(Behaviour::Hang(Duration::from_millis(200)));
    backlog(&s, &receiver.url, 40).await;
    receiver.wait_for(40, WAIT).await;
}

engine_tests!(
    a_capped_webhook_drains_its_backlog_without_polling,
    a_hanging_endpoint_does_not_delay_other_accounts,
    subscribed_events_arrive_signed,
    failures_are_retried_then_dead_and_retried_by_hand,
    timeouts_and_redirects_fail,
    private_addresses_are_refused_unless_allowed,
    rotation_signs_with_both_secrets,
    deleting_a_webhook_stops_its_deliveries,
);
