//! Durability on the embedded SQLite: the server is killed with SIGKILL in the middle
//! of a burst of 200 concurrent issue requests; after a restart, every pass whose
//! request was answered 2xx is there, with its `created` event.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use passmint_store_sqlite::testing::fresh_database;
use serde_json::{Value, json};
use std::process::Child;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

#[path = "../../../tests/src/process.rs"]
mod process;

use process::{HEALTHZ, create_account, free_port, serve_command};

/// `passmint serve` on `url` and `port`, up; the test kills it itself.
async fn start(url: &str, port: u16) -> Child {
    let child = serve_command(env!("CARGO_BIN_EXE_passmint"), url, port)
        .spawn()
        .unwrap();
    HEALTHZ.until_up(&format!("http://127.0.0.1:{port}")).await;
    child
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_during_a_burst_loses_no_acknowledged_pass() {
    let db = fresh_database().await;
    let url = db.url().to_string();
    let account = create_account(env!("CARGO_BIN_EXE_passmint"), &url, "Crash");
    let key = account["test_key"].as_str().unwrap().to_owned();

    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let mut server = start(&url, port).await;
    let client = reqwest::Client::new();
    let template: Value = client
        .post(format!("{base}/v1/templates"))
        .bearer_auth(&key)
        .json(&json!({
            "name": "Crash", "type": "generic", "apple_style": "generic",
            "design": {"organization_name": "O", "description": "D"}
        }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let tid = template["id"].as_str().unwrap().to_owned();

    // 200 concurrent issues; the server is killed once a quarter have been answered.
    let answered = Arc::new(AtomicUsize::new(0));
    let requests = (0..200).map(|i| {
        let client = client.clone();
        let (base, key, tid, answered) = (base.clone(), key.clone(), tid.clone(), answered.clone());
        tokio::spawn(async move {
            let res = client
                .post(format!("{base}/v1/passes"))
                .bearer_auth(&key)
                .header("Idempotency-Key", format!("burst-{i}"))
                .json(&json!({"template_id": tid, "holder_name": format!("Holder {i}")}))
                .send()
                .await;
            let res = match res {
                Ok(r) if r.status().is_success() => r.json::<Value>().await.ok(),
                _ => None,
            };
            answered.fetch_add(1, Ordering::SeqCst);
            res.map(|p| p["id"].as_str().unwrap().to_owned())
        })
    });
    let handles: Vec<_> = requests.collect();
    let deadline = Instant::now() + Duration::from_secs(60);
    while answered.load(Ordering::SeqCst) < 50 {
        assert!(Instant::now() < deadline, "the burst made no progress");
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    server.kill().unwrap(); // SIGKILL
    server.wait().unwrap();
    let mut acknowledged = Vec::new();
    for h in handles {
        if let Some(id) = h.await.unwrap() {
            acknowledged.push(id);
        }
    }
    assert!(
        acknowledged.len() >= 50,
        "{} acknowledged",
        acknowledged.len()
    );
    assert!(
        acknowledged.len() < 200,
        "the kill came too late to test anything"
    );

    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let mut server = start(&url, port).await;
    for id in &acknowledged {
        let pass = client
            .get(format!("{base}/v1/passes/{id}"))
            .bearer_auth(&key)
            .send()
            .await
            .unwrap();
        assert_eq!(pass.status(), 200, "acknowledged pass {id} was lost");
        let events: Value =
            process::get_json(&client, format!("{base}/v1/passes/{id}/events"), &key).await;
        let types: Vec<&str> = events["data"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["type"].as_str().unwrap())
            .collect();
        assert_eq!(types, ["created"], "{id}");
    }
    eprintln!(
        "{} of 200 requests acknowledged before SIGKILL; all found after restart",
        acknowledged.len()
    );
    server.kill().unwrap();
    server.wait().unwrap();
}
