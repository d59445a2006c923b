//! Push jobs are durable: a `serve` killed with SIGKILL while the pushes of a change
//! are failing (APNs unreachable) loses none of them; the next process pushes each
//! device exactly once, on the embedded SQLite and on PostgreSQL. And an APNs
//! connection that goes silent without closing does not hold the pushes: a change
//! made after the silence reaches APNs through a new connection within 15 s.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use futures::StreamExt;
use passmint_apns::fake::FakeApns;
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::time::Duration;

const DEVICES: usize = 40;

#[path = "../../../tests/src/process.rs"]
mod process;

use process::{HEALTHZ, Server, create_account, download, free_port, pass_json, serve_command};

async fn serve(url: &str, env: &[(&str, String)]) -> Server {
    let port = free_port();
    let mut cmd = serve_command(env!("CARGO_BIN_EXE_passmint"), url, port);
    cmd.env_remove("PASSMINT_PUBLIC_URL");
    for (k, v) in env {
        cmd.env(k, v);
    }
    Server::spawn(cmd, port, &HEALTHZ).await
}

fn test_key(url: &str) -> String {
    create_account(env!("CARGO_BIN_EXE_passmint"), url, "Pushes")["test_key"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn send(rb: reqwest::RequestBuilder) -> Value {
    let res = rb.send().await.unwrap();
    assert!(res.status().is_success(), "{}", res.status());
    res.json().await.unwrap_or(Value::Null)
}

fn token(i: usize) -> String {
    format!("{:064x}", 0xFEED_0000 + i)
}

/// A pass registered on `devices` devices (tokens [`token`]), then changed: its
/// id.
async fn pass_with_devices(
    client: &reqwest::Client,
    base: &str,
    key: &str,
    devices: usize,
) -> String {
    let template = send(
        client
            .post(format!("{base}/v1/templates"))
            .bearer_auth(key)
            .json(&json!({"name": "T", "type": "generic", "apple_style": "generic",
                "design": {"organization_name": "O", "description": "D",
                           "fields": {"primary": [{"key": "points", "label": "Points", "value": "0"}]}}})),
    )
    .await;
    let pass = send(
        client
            .post(format!("{base}/v1/passes"))
            .bearer_auth(key)
            .json(&json!({"template_id": template["id"]})),
    )
    .await;
    let pkpass = download(client, pass["download_url"].as_str().unwrap()).await;
    let pj = pass_json(&pkpass);
    let auth = format!("ApplePass {}", pj["authenticationToken"].as_str().unwrap());
    let (ptid, serial) = (
        pj["passTypeIdentifier"].as_str().unwrap().to_owned(),
        pj["serialNumber"].as_str().unwrap().to_owned(),
    );
    let created = futures::stream::iter(0..devices)
        .map(|i| {
            let rb = client
                .post(format!(
                    "{base}/wallet/v1/devices/d{i}/registrations/{ptid}/{serial}"
                ))
                .header("authorization", &auth)
                .json(&json!({"pushToken": token(i)}));
            async move { rb.send().await.unwrap().status().as_u16() }
        })
        .buffer_unordered(8)
        .filter(|s| futures::future::ready(*s == 201))
        .count()
        .await;
    assert_eq!(created, devices);
    let id = pass["id"].as_str().unwrap().to_owned();
    change(client, base, key, &id, "10").await;
    id
}

/// The fake's CA in `ca.pem` of a new directory (the caller removes it): the
/// directory and the file.
fn ca_file(apns: &FakeApns) -> (std::path::PathBuf, std::path::PathBuf) {
    let dir = std::env::temp_dir().join(format!("passmint-push-{}", free_port()));
    std::fs::create_dir_all(&dir).unwrap();
    let ca = dir.join("ca.pem");
    std::fs::write(&ca, apns.ca_pem()).unwrap();
    (dir, ca)
}

/// A change of the pass's field values, which pushes its devices.
async fn change(client: &reqwest::Client, base: &str, key: &str, pass: &str, points: &str) {
    send(
        client
            .patch(format!("{base}/v1/passes/{pass}"))
            .bearer_auth(key)
            .json(&json!({"field_values": {"points": points}})),
    )
    .await;
}

async fn kill_with_failing_pushes_loses_none(url: &str) {
    let apns = FakeApns::start().await;
    let (dir, ca) = ca_file(&apns);
    let key = test_key(url);
    let client = reqwest::Client::new();

    // A server whose APNs is unreachable: every push fails and is retried.
    let unreachable = format!("https://127.0.0.1:{}", free_port());
    let first = serve(
        url,
        &[
            ("PASSMINT_APNS_URL", unreachable),
            ("PASSMINT_APNS_RETRY_BASE", "300ms".into()),
            ("PASSMINT_APNS_TIMEOUT", "1s".into()),
            ("PASSMINT_MAX_DEVICES_PER_PASS", DEVICES.to_string()),
        ],
    )
    .await;
    let base = first.base.clone();
    pass_with_devices(&client, &base, &key, DEVICES).await;
    // Let the pushes fail a few times, then kill the process.
    tokio::time::sleep(Duration::from_millis(700)).await;
    let mut first = first;
    first.child.kill().unwrap();
    first.child.wait().unwrap();
    assert_eq!(apns.request_count(), 0, "nothing reached the fake yet");

    let _second = serve(
        url,
        &[
            ("PASSMINT_APNS_URL", apns.base_url()),
            ("PASSMINT_APNS_CA_FILE", ca.display().to_string()),
            ("PASSMINT_PUSH_POLL_INTERVAL", "100ms".into()),
            ("PASSMINT_APNS_TIMEOUT", "1s".into()),
        ],
    )
    .await;
    assert!(
        apns.wait_for(DEVICES, Duration::from_secs(30)).await,
        "every device is pushed after the restart: {} of {DEVICES}",
        apns.request_count()
    );
    tokio::time::sleep(Duration::from_millis(800)).await;
    let tokens: Vec<String> = apns
        .requests()
        .into_iter()
        .map(|r| r.device_token)
        .collect();
    let distinct: BTreeSet<&String> = tokens.iter().collect();
    assert_eq!(distinct.len(), DEVICES, "every device once");
    assert_eq!(tokens.len(), DEVICES, "no device twice");
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_loses_no_push_on_sqlite() {
    let db = passmint_store_sqlite::testing::fresh_database().await;
    kill_with_failing_pushes_loses_none(&db.url()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_loses_no_push_on_postgres() {
    let db = passmint_store_postgres::testing::fresh_database().await;
    kill_with_failing_pushes_loses_none(db.url()).await;
}

async fn a_silent_apns_connection_is_replaced(url: &str) {
    let apns = FakeApns::start().await;
    let (dir, ca) = ca_file(&apns);
    let key = test_key(url);
    let client = reqwest::Client::new();
    let server = serve(
        url,
        &[
            ("PASSMINT_APNS_URL", apns.base_url()),
            ("PASSMINT_APNS_CA_FILE", ca.display().to_string()),
            ("PASSMINT_APNS_TIMEOUT", "3s".into()),
            ("PASSMINT_APNS_KEEPALIVE_INTERVAL", "1s".into()),
            ("PASSMINT_APNS_KEEPALIVE_TIMEOUT", "1s".into()),
            ("PASSMINT_APNS_RETRY_BASE", "300ms".into()),
        ],
    )
    .await;
    let pass = pass_with_devices(&client, &server.base, &key, 1).await;
    assert!(
        apns.wait_for(1, Duration::from_secs(15)).await,
        "first push"
    );
    assert_eq!(apns.requests()[0].connection, 1);

    apns.go_silent();
    let silent_since = std::time::Instant::now();
    change(&client, &server.base, &key, &pass, "20").await;
    assert!(
        apns.wait_for(2, Duration::from_secs(15)).await,
        "the change reaches APNs within 15 s of the silence"
    );
    let elapsed = silent_since.elapsed();
    println!("the change reached APNs {elapsed:?} after the silence");
    assert!(elapsed < Duration::from_secs(15), "{elapsed:?}");
    let second = &apns.requests()[1];
    assert_eq!(second.device_token, token(0));
    assert_eq!(second.connection, 2, "through a new connection");
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_apns_connection_is_replaced_on_sqlite() {
    let db = passmint_store_sqlite::testing::fresh_database().await;
    a_silent_apns_connection_is_replaced(&db.url()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_silent_apns_connection_is_replaced_on_postgres() {
    let db = passmint_store_postgres::testing::fresh_database().await;
    a_silent_apns_connection_is_replaced(db.url()).await;
}
