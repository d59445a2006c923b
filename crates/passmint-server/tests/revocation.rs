//! A revoked API key is refused by every `serve` process sharing the database within
//! about one revocation poll interval, even with the key cache on (docs/api.md §1):
//! two processes on one PostgreSQL database and one on SQLite, each with a 60 s key
//! cache, all answer 401 soon after `passmint keys revoke` ran in another process.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

#[path = "../../../tests/src/process.rs"]
mod process;

use process::{HEALTHZ, Server, create_account, free_port, run_cli, serve_command};

const BIN: &str = env!("CARGO_BIN_EXE_passmint");

/// How long after the revocation a process may still accept the key: the poll
/// interval of these servers (250 ms) and a generous margin for a loaded machine.
const WITHIN: Duration = Duration::from_secs(1);

async fn start(url: &str) -> Server {
    let port = free_port();
    let mut cmd = serve_command(BIN, url, port);
    cmd.env("PASSMINT_KEY_CACHE_SECONDS", "60")
        .env("PASSMINT_REVOCATION_POLL_INTERVAL", "250ms");
    Server::spawn(cmd, port, &HEALTHZ).await
}

async fn status(client: &reqwest::Client, server: &Server, key: &str) -> u16 {
    client
        .get(format!("{}/v1/passes", server.base))
        .bearer_auth(key)
        .send()
        .await
        .unwrap()
        .status()
        .as_u16()
}

/// Revokes the account's test key through the CLI while every server has it cached,
/// then checks each refuses it within [`WITHIN`] of the command's return.
async fn revocation_reaches(url: &str, servers: &[Server]) {
    let account = create_account(BIN, url, "Revoked");
    let key = account["test_key"].as_str().unwrap().to_owned();
    let client = reqwest::Client::new();
    for server in servers {
        assert_eq!(status(&client, server, &key).await, 200, "the key works");
        assert_eq!(status(&client, server, &key).await, 200, "now cached");
    }
    let out = run_cli(BIN, url, &["keys", "revoke", &key]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let revoked = Instant::now();
    for (i, server) in servers.iter().enumerate() {
        loop {
            let answer = status(&client, server, &key).await;
            if answer == 401 {
                break;
            }
            assert_eq!(answer, 200);
            assert!(
                revoked.elapsed() < WITHIN,
                "server {i} still accepts the revoked key after {:?}",
                revoked.elapsed()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
    // Another key of the same database keeps working (only the cache was emptied).
    let other = create_account(BIN, url, "Other");
    let other_key = other["test_key"].as_str().unwrap();
    for server in servers {
        assert_eq!(status(&client, server, other_key).await, 200);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revocation_reaches_two_processes_on_postgres() {
    let db = passmint_store_postgres::testing::fresh_database().await;
    let url = db.url();
    let servers = [start(url).await, start(url).await];
    revocation_reaches(url, &servers).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn revocation_reaches_a_process_on_sqlite() {
    let db = passmint_store_sqlite::testing::fresh_database().await;
    let url = db.url();
    let servers = [start(&url).await];
    revocation_reaches(&url, &servers).await;
}
