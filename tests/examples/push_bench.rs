//! `make bench`, push part: one update of a pass with many registered devices,
//! pushed by the release `passmint serve` on PostgreSQL to a local fake APNs
//! (HTTP/2 over TLS with client certificates, in this process). Run by
//! `bench/push.sh`, which builds it and gives it (environment):
//!
//! - `PASSMINT_BIN`, `DATABASE_URL` (a fresh PostgreSQL database), `BENCH_OUT`;
//! - `BENCH_PUSH_DEVICES` (10000).
//!
//! Steps: a test pass is issued and downloaded; `DEVICES` devices register for it
//! through `/wallet/v1` (as iPhones do, with its authentication token); then one
//! PATCH of its field values. Measured: the time from sending the PATCH to the
//! last push received by the fake APNs, and pushes per second. Same-run baseline:
//! the same number of pushes sent straight from `passmint_apns::ApnsClient` (same
//! concurrency, same fake) — the ratio shows what the server's queue costs over the
//! bare HTTP/2 client. Target: all pushed in under 5 s.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use futures::StreamExt;
use passmint_apns::fake::FakeApns;
use passmint_apns::{ApnsClient, ClientIdentity};
use passmint_e2e::bench::{BenchEnv, Report, create_template, env_num};
use passmint_e2e::process::{
    READYZ, Server, create_account, download, free_port, pass_json, post_json, serve_command,
};
use serde_json::json;
use std::process::Stdio;
use std::time::{Duration, Instant};

const CONCURRENCY: usize = 256;

fn token(i: usize) -> String {
    format!("{:064x}", 0xC0FFEE_u64 as usize * 1_000_003 + i)
}

async fn wait_for(apns: &FakeApns, n: usize, within: Duration) -> Option<Instant> {
    let deadline = Instant::now() + within;
    while Instant::now() < deadline {
        if apns.request_count() >= n {
            return Some(Instant::now());
        }
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    None
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let BenchEnv { bin, db, out } = BenchEnv::from_env();
    let devices = env_num("BENCH_PUSH_DEVICES", 10_000);
    let mut report = Report::create(&out, "push");

    let apns = FakeApns::start().await;
    let ca = format!("{out}/fake-apns-ca.pem");
    std::fs::write(&ca, apns.ca_pem()).unwrap();

    let key = create_account(&bin, &db, "Push bench")["test_key"]
        .as_str()
        .unwrap()
        .to_owned();

    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let mut cmd = serve_command(&bin, &db, port);
    cmd.env("PASSMINT_PUBLIC_URL", &base)
        .env("PASSMINT_APNS_URL", apns.base_url())
        .env("PASSMINT_APNS_CA_FILE", &ca)
        .env("PASSMINT_APNS_CONCURRENCY", CONCURRENCY.to_string())
        // Every device registers for the one pass.
        .env("PASSMINT_MAX_DEVICES_PER_PASS", devices.to_string())
        .stderr(
            std::fs::File::create(format!("{out}/push-server.log"))
                .map_or(Stdio::null(), Stdio::from),
        );
    let _server = Server::spawn(cmd, port, &READYZ).await;
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(64)
        .build()
        .unwrap();

    let template = create_template(&client, &base, &key, true).await;
    let pass = post_json(
        &client,
        format!("{base}/v1/passes"),
        &key,
        json!({"template_id": template["id"], "field_values": {"points": "1"}}),
    )
    .await;
    let pkpass = download(&client, pass["download_url"].as_str().unwrap()).await;
    let pj = pass_json(&pkpass);
    let auth = format!("ApplePass {}", pj["authenticationToken"].as_str().unwrap());
    let ptid = pj["passTypeIdentifier"].as_str().unwrap().to_owned();
    let serial = pj["serialNumber"].as_str().unwrap().to_owned();

    report.say(&format!(
        "== push benchmark ({} cores): one PATCH of a pass with {devices} registered devices",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    ));
    let reg_started = Instant::now();
    let registered = futures::stream::iter(0..devices)
        .map(|i| {
            let (client, auth) = (client.clone(), auth.clone());
            let url = format!("{base}/wallet/v1/devices/dev{i:06}/registrations/{ptid}/{serial}");
            async move {
                let res = client
                    .post(url)
                    .header("authorization", auth)
                    .json(&json!({"pushToken": token(i)}))
                    .send()
                    .await
                    .unwrap();
                res.status().as_u16()
            }
        })
        .buffer_unordered(32)
        .filter(|s| futures::future::ready(*s == 201))
        .count()
        .await;
    let reg_secs = reg_started.elapsed().as_secs_f64();
    assert_eq!(registered, devices, "every registration is new (201)");
    report.say(&format!(
        "registrations: {devices} in {reg_secs:.2} s = {:.0}/s (POST /wallet/v1/devices/..., 32 connections)",
        devices as f64 / reg_secs
    ));

    // The update.
    let before = apns.request_count();
    let patched_at = Instant::now();
    let res = client
        .patch(format!("{base}/v1/passes/{}", pass["id"].as_str().unwrap()))
        .bearer_auth(&key)
        .json(&json!({"field_values": {"points": "2"}}))
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success());
    let answered = patched_at.elapsed();
    let last = wait_for(&apns, before + devices, Duration::from_secs(120))
        .await
        .expect("every device is pushed within 120 s");
    let total = last - patched_at;
    let server_rate = devices as f64 / total.as_secs_f64();
    let distinct: std::collections::HashSet<String> = apns
        .requests()
        .into_iter()
        .map(|r| r.device_token)
        .collect();
    report.say(&format!(
        "server: PATCH answered in {:.1} ms; last of {devices} pushes {:.2} s after the PATCH = {server_rate:.0} pushes/s; {} distinct tokens, {} requests, {} TLS connection(s)",
        answered.as_secs_f64() * 1000.0,
        total.as_secs_f64(),
        distinct.len(),
        apns.request_count(),
        apns.connections()
    ));
    tokio::time::sleep(Duration::from_millis(1500)).await;
    let extra = apns.request_count() - before - devices;
    report.say(&format!("duplicate pushes after the last one: {extra}"));

    // Baseline: the bare client, same fake, same concurrency.
    let id = passmint_apns::fake::TestCertificate::generate("pass.bench.baseline").unwrap();
    let bare = ApnsClient::new(
        &passmint_apns::ApnsConfig {
            max_in_flight: CONCURRENCY,
            ..apns.config()
        },
        &ClientIdentity::from_pem(&id.certificate_pem, &id.private_key_pem).unwrap(),
    )
    .unwrap();
    apns.clear_requests();
    let t = Instant::now();
    let delivered = futures::future::join_all((0..devices).map(|i| {
        let bare = bare.clone();
        async move {
            bare.push(&token(i), "pass.bench.baseline")
                .await
                .is_delivered()
        }
    }))
    .await
    .into_iter()
    .filter(|d| *d)
    .count();
    let bare_secs = t.elapsed().as_secs_f64();
    let bare_rate = devices as f64 / bare_secs;
    report.say(&format!(
        "baseline: {delivered} pushes straight from passmint_apns::ApnsClient in {bare_secs:.2} s = {bare_rate:.0} pushes/s"
    ));
    report.say(&format!(
        "ratio server / bare client: {:.2}",
        server_rate / bare_rate
    ));
    let verdict = if total < Duration::from_secs(5) && distinct.len() == devices && extra == 0 {
        "PASS"
    } else {
        "MISS"
    };
    report.say(&format!(
        "target: all {devices} pushed within 5 s of the PATCH, once each: {:.2} s -> {verdict}",
        total.as_secs_f64()
    ));
}
