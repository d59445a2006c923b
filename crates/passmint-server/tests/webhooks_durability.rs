//! Webhook durability with the real binary: a server killed with SIGKILL while 200
//! deliveries are pending (some in flight) loses none of them after a restart, on
//! the embedded SQLite and on PostgreSQL; and two `serve` processes sharing one
//! PostgreSQL deliver 1,000 events with no event delivered twice.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use passmint_domain::ids::{AccountId, WebhookId};
use passmint_domain::mode::{Mode, Scope};
use passmint_domain::webhook::DeliveryStatus;
use serde_json::{Value, json};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

#[path = "../../../tests/src/process.rs"]
mod process;

use process::{HEALTHZ, Server, free_port, post_json as post, serve_command};

/// What the receiver got: (webhook-id header, the body's `id`), in arrival order.
type Log = Arc<Mutex<Vec<(String, String)>>>;

/// A webhook receiver on `port` answering 200 after `delay` (shared, adjustable).
struct Receiver {
    log: Log,
    delay: Arc<Mutex<Duration>>,
    handle: actix_web::dev::ServerHandle,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Receiver {
    fn start(port: u16, delay: Duration) -> Receiver {
        let log: Log = Arc::default();
        let delay = Arc::new(Mutex::new(delay));
        let (tx, rx) = std::sync::mpsc::channel();
        let (l, d) = (log.clone(), delay.clone());
        let thread = std::thread::spawn(move || {
            actix_web::rt::System::new().block_on(async move {
                let server = HttpServer::new(move || {
                    let (l, d) = (l.clone(), d.clone());
                    App::new().default_service(web::to(
                        move |req: HttpRequest, body: web::Bytes| {
                            let (l, d) = (l.clone(), d.clone());
                            async move {
                                let id = req
                                    .headers()
                                    .get("webhook-id")
                                    .and_then(|v| v.to_str().ok())
                                    .unwrap_or_default()
                                    .to_owned();
                                let body_id = serde_json::from_slice::<Value>(&body)
                                    .ok()
                                    .and_then(|v| v["id"].as_str().map(str::to_owned))
                                    .unwrap_or_default();
                                l.lock().unwrap().push((id, body_id));
                                let delay = *d.lock().unwrap();
                                if !delay.is_zero() {
                                    tokio::time::sleep(delay).await;
                                }
                                HttpResponse::Ok().body("ok")
                            }
                        },
                    ))
                })
                .workers(2)
                .shutdown_timeout(0)
                .bind(("127.0.0.1", port))
                .unwrap()
                .run();
                tx.send(server.handle()).unwrap();
                let _ = server.await;
            });
        });
        Receiver {
            log,
            delay,
            handle: rx.recv().unwrap(),
            thread: Some(thread),
        }
    }

    fn received(&self) -> Vec<(String, String)> {
        self.log.lock().unwrap().clone()
    }

    fn set_delay(&self, d: Duration) {
        *self.delay.lock().unwrap() = d;
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        let handle = self.handle.clone();
        let _ = std::thread::spawn(move || {
            actix_web::rt::System::new().block_on(handle.stop(false));
        })
        .join();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

async fn serve(url: &str, env: &[(&str, &str)]) -> Server {
    let port = free_port();
    let mut cmd = serve_command(env!("CARGO_BIN_EXE_passmint"), url, port);
    cmd.env("PASSMINT_WEBHOOK_ALLOW_PRIVATE", "true")
        .envs(env.iter().copied());
    Server::spawn(cmd, port, &HEALTHZ).await
}

/// The account's id and test key.
fn create_account(url: &str) -> (String, String) {
    let account = process::create_account(env!("CARGO_BIN_EXE_passmint"), url, "Durable");
    (
        account["account_id"].as_str().unwrap().to_owned(),
        account["test_key"].as_str().unwrap().to_owned(),
    )
}

/// A template and a webhook of `pass.created` to `hook`.
async fn setup(client: &reqwest::Client, base: &str, key: &str, hook: &str) -> String {
    let template = post(
        client,
        format!("{base}/v1/templates"),
        key,
        json!({"name": "Durable", "type": "generic", "apple_style": "generic",
               "design": {"organization_name": "O", "description": "D"}}),
    )
    .await;
    post(
        client,
        format!("{base}/v1/webhooks"),
        key,
        json!({"url": hook, "events": ["pass.created"]}),
    )
    .await;
    template["id"].as_str().unwrap().to_owned()
}

/// Issues `n` passes through the given servers in turn, 16 at a time; answers the
/// ids of their `created` events.
async fn issue(
    client: &reqwest::Client,
    bases: &[String],
    key: &str,
    tid: &str,
    n: usize,
) -> BTreeSet<String> {
    let mut passes = BTreeSet::new();
    let mut pending = futures::stream::FuturesUnordered::new();
    use futures::StreamExt;
    for i in 0..n {
        let url = format!("{}/v1/passes", bases[i % bases.len()]);
        let (client, key, tid) = (client.clone(), key.to_owned(), tid.to_owned());
        pending.push(async move {
            post(&client, url, &key, json!({"template_id": tid})).await["id"]
                .as_str()
                .unwrap()
                .to_owned()
        });
        if pending.len() >= 16 {
            passes.insert(pending.next().await.unwrap());
        }
    }
    while let Some(id) = pending.next().await {
        passes.insert(id);
    }
    assert_eq!(passes.len(), n);
    // The created events, from the API.
    let mut events = BTreeSet::new();
    let mut cursor: Option<String> = None;
    loop {
        let mut url = format!("{}/v1/events?limit=200", bases[0]);
        if let Some(c) = &cursor {
            url.push_str(&format!("&starting_after={c}"));
        }
        let page: Value = process::get_json(client, url, key).await;
        let data = page["data"].as_array().unwrap();
        for e in data {
            if e["type"] == "created" && passes.contains(e["pass_id"].as_str().unwrap()) {
                events.insert(e["id"].as_str().unwrap().to_owned());
            }
        }
        if page["has_more"] != true {
            break;
        }
        cursor = data.last().map(|e| e["id"].as_str().unwrap().to_owned());
    }
    assert_eq!(events.len(), n);
    events
}

/// Waits until every id of `expected` reached the receiver.
async fn wait_for_all(receiver: &Receiver, expected: &BTreeSet<String>, within: Duration) {
    let deadline = Instant::now() + within;
    loop {
        let got: BTreeSet<String> = receiver.received().into_iter().map(|(id, _)| id).collect();
        let missing = expected.difference(&got).count();
        if missing == 0 {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{missing} of {} events never reached the receiver",
            expected.len()
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

async fn sigkill_with_pending_deliveries_loses_none(url: &str) {
    let (account, key) = create_account(url);
    // Never dead within the test.
    let schedule = vec!["200ms"; 60].join(",");
    let env = [
        ("PASSMINT_WEBHOOK_RETRY_SCHEDULE", schedule.as_str()),
        ("PASSMINT_WEBHOOK_TIMEOUT", "1s"),
        ("PASSMINT_WEBHOOK_POLL_INTERVAL", "100ms"),
        ("PASSMINT_WEBHOOK_CONCURRENCY", "16"),
    ];
    let server = serve(url, &env).await;
    let client = reqwest::Client::new();
    // The receiver is down while the events are written: every attempt fails.
    let port = free_port();
    let tid = setup(
        &client,
        &server.base,
        &key,
        &format!("http://127.0.0.1:{port}/hook"),
    )
    .await;
    let expected = issue(&client, std::slice::from_ref(&server.base), &key, &tid, 200).await;

    // Then up but slow: deliveries are in flight when the server is killed.
    let receiver = Receiver::start(port, Duration::from_millis(600));
    let deadline = Instant::now() + Duration::from_secs(30);
    while receiver.received().len() < 20 {
        assert!(
            Instant::now() < deadline,
            "no delivery reached the receiver"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let before_kill = receiver.received().len();
    drop(server); // SIGKILL
    assert!(before_kill < 200, "the kill came too late to test anything");

    receiver.set_delay(Duration::ZERO);
    let server = serve(url, &env).await;
    wait_for_all(&receiver, &expected, Duration::from_secs(60)).await;

    // Every delivery ends `delivered` in the store, the ones in flight at the kill
    // too, once their lease has ended (they are sent again then).
    let hooks: Value =
        process::get_json(&client, format!("{}/v1/webhooks", server.base), &key).await;
    let hook = WebhookId::parse(hooks["data"][0]["id"].as_str().unwrap()).unwrap();
    let scope = Scope::new(AccountId::parse(&account).unwrap(), Mode::Test);
    let secrets = passmint_server::secrets::SecretKeyConfig::with_key(process::TEST_SECRET_KEY);
    let store = passmint_server::compose::open_store(url, 1, &secrets)
        .await
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let log = store.list_deliveries(&scope, &hook, 1000).await.unwrap();
        // One delivery per event; the retention worker may already have removed
        // delivered ones beyond the newest 100 of the webhook (docs/api.md §10),
        // and it removes only settled ones.
        assert!(
            (100..=200).contains(&log.data.len()),
            "one delivery per event, at least the newest 100 kept: {}",
            log.data.len()
        );
        let undelivered = log
            .data
            .iter()
            .filter(|d| d.status != DeliveryStatus::Delivered)
            .count();
        if undelivered == 0 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "{undelivered} deliveries never delivered"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let got = receiver.received();
    let mut times: BTreeMap<&str, usize> = BTreeMap::new();
    for (id, body_id) in &got {
        assert_eq!(id, body_id, "webhook-id is the event id");
        assert!(expected.contains(id), "{id} is no event of this test");
        *times.entry(id).or_default() += 1;
    }
    let repeated = times.values().filter(|n| **n > 1).count();
    assert!(
        repeated >= 1,
        "the deliveries in flight at the kill are sent again, with the same webhook-id"
    );
    assert!(
        repeated <= 16,
        "only deliveries in flight at the kill (16 at most) may arrive twice: {repeated}"
    );
    eprintln!(
        "{before_kill} requests before SIGKILL, {} in all, {repeated} events delivered twice",
        got.len()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_loses_no_delivery_on_sqlite() {
    let db = passmint_store_sqlite::testing::fresh_database().await;
    sigkill_with_pending_deliveries_loses_none(&db.url().to_string()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_loses_no_delivery_on_postgres() {
    let db = passmint_store_postgres::testing::fresh_database().await;
    sigkill_with_pending_deliveries_loses_none(db.url()).await;
}

async fn delivered_count(client: &reqwest::Client, base: &str) -> u64 {
    let text = client
        .get(format!("{base}/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    text.lines()
        .find_map(|l| l.strip_prefix("passmint_webhook_attempts_total{outcome=\"delivered\"} "))
        .map_or(0, |n| n.parse().unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_servers_on_one_postgres_deliver_each_event_once() {
    let db = passmint_store_postgres::testing::fresh_database().await;
    let (_, key) = create_account(db.url());
    let env = [
        ("PASSMINT_WEBHOOK_RETRY_SCHEDULE", "1s,1s,1s"),
        ("PASSMINT_WEBHOOK_TIMEOUT", "5s"),
        ("PASSMINT_WEBHOOK_POLL_INTERVAL", "200ms"),
        ("PASSMINT_DB_POOL_SIZE", "8"),
    ];
    let a = serve(db.url(), &env).await;
    let b = serve(db.url(), &env).await;
    let port = free_port();
    let receiver = Receiver::start(port, Duration::ZERO);
    let client = reqwest::Client::new();
    let tid = setup(
        &client,
        &a.base,
        &key,
        &format!("http://127.0.0.1:{port}/hook"),
    )
    .await;
    let expected = issue(&client, &[a.base.clone(), b.base.clone()], &key, &tid, 1000).await;
    wait_for_all(&receiver, &expected, Duration::from_secs(60)).await;
    // Late duplicates would come within a poll or a lease: give them time.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let got = receiver.received();
    let distinct: BTreeSet<&str> = got.iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!(distinct.len(), 1000);
    assert_eq!(got.len(), 1000, "no event was delivered twice");
    let (by_a, by_b) = (
        delivered_count(&client, &a.base).await,
        delivered_count(&client, &b.base).await,
    );
    assert_eq!(by_a + by_b, 1000);
    assert!(
        by_a > 0 && by_b > 0,
        "both servers delivered: {by_a} + {by_b}"
    );
    eprintln!("server A delivered {by_a}, server B {by_b}");
}
