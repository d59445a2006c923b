//! Push jobs are durable: a `serve` killed with SIGKILL while the pushes of a change
//! are failing (APNs unreachable) loses none of them; the next process pushes each
//! device exactly once, on the embedded SQLite and on PostgreSQL.
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

async fn kill_with_failing_pushes_loses_none(url: &str) {
    let apns = FakeApns::start().await;
    let dir = std::env::temp_dir().join(format!("passmint-push-{}", free_port()));
    std::fs::create_dir_all(&dir).unwrap();
    let ca = dir.join("ca.pem");
    std::fs::write(&ca, apns.ca_pem()).unwrap();
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
    let template = send(
        client
            .post(format!("{base}/v1/templates"))
            .bearer_auth(&key)
            .json(&json!({"name": "T", "type": "generic", "apple_style": "generic",
                "design": {"organization_name": "O", "description": "D",
                           "fields": {"primary": [{"key": "points", "label": "Points", "value": "0"}]}}})),
    )
    .await;
    let pass = send(
        client
            .post(format!("{base}/v1/passes"))
            .bearer_auth(&key)
            .json(&json!({"template_id": template["id"]})),
    )
    .await;
    let pkpass = download(&client, pass["download_url"].as_str().unwrap()).await;
    let pj = pass_json(&pkpass);
    let auth = format!("ApplePass {}", pj["authenticationToken"].as_str().unwrap());
    let (ptid, serial) = (
        pj["passTypeIdentifier"].as_str().unwrap().to_owned(),
        pj["serialNumber"].as_str().unwrap().to_owned(),
    );
    let created = futures::stream::iter(0..DEVICES)
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
    assert_eq!(created, DEVICES);
    send(
        client
            .patch(format!("{base}/v1/passes/{}", pass["id"].as_str().unwrap()))
            .bearer_auth(&key)
            .json(&json!({"field_values": {"points": "10"}})),
    )
    .await;
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
