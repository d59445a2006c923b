//! `make bench`, public pages part: does one address hammering one pass's landing
//! page hurt the API clients of other accounts? The release `passmint serve` on
//! PostgreSQL, with its default limits (docs/api.md §6). Run by `bench/public.sh`,
//! which builds it and gives it (environment):
//!
//! - `PASSMINT_BIN`, `DATABASE_URL` (a fresh PostgreSQL database), `BENCH_OUT`;
//! - `BENCH_PUBLIC_SECONDS` (10), `BENCH_PUBLIC_API_CONNECTIONS` (4),
//!   `BENCH_PUBLIC_HAMMER_CONNECTIONS` (32).
//!
//! Steps: account A issues a pass, and its API client retrieves it
//! (`GET /v1/passes/:id`) over a few connections, first alone (the same-run quiet
//! baseline), then while many connections from the one loopback address GET
//! account B's landing page as fast as they can. Printed: the API client's p50 and
//! p99 in both phases and their ratio (target: p99 at most 2x the quiet one), the
//! hammer's answers (200 / 429 / other) and how many `url_viewed` events it left.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use passmint_e2e::bench::{BenchEnv, Report, api_load, env_num, issue_pass, ms};
use passmint_e2e::process::{READYZ, Server, create_account, get_json, serve_command};
use std::process::Stdio;
use std::time::{Duration, Instant};

/// GETs `url` over `connections` until `until`: (200s, 429s, others).
async fn hammer(
    client: &reqwest::Client,
    url: &str,
    connections: usize,
    until: Instant,
) -> (u64, u64, u64) {
    let tasks = (0..connections).map(|_| {
        let (client, url) = (client.clone(), url.to_owned());
        tokio::spawn(async move {
            let mut counts = (0, 0, 0);
            while Instant::now() < until {
                let Ok(res) = client.get(&url).send().await else {
                    counts.2 += 1;
                    continue;
                };
                match res.status().as_u16() {
                    200 => counts.0 += 1,
                    429 => counts.1 += 1,
                    _ => counts.2 += 1,
                }
                let _ = res.bytes().await;
            }
            counts
        })
    });
    futures::future::join_all(tasks)
        .await
        .into_iter()
        .map(Result::unwrap)
        .fold((0, 0, 0), |a, c| (a.0 + c.0, a.1 + c.1, a.2 + c.2))
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let BenchEnv { bin, db, out } = BenchEnv::from_env();
    let secs = env_num("BENCH_PUBLIC_SECONDS", 10) as u64;
    let api_conns = env_num("BENCH_PUBLIC_API_CONNECTIONS", 4);
    let hammer_conns = env_num("BENCH_PUBLIC_HAMMER_CONNECTIONS", 32);
    let mut report = Report::create(&out, "public");

    let a = create_account(&bin, &db, "API client");
    let b = create_account(&bin, &db, "Hammered");
    let port = passmint_e2e::process::free_port();
    let base = format!("http://127.0.0.1:{port}");
    let mut cmd = serve_command(&bin, &db, port);
    cmd.env("PASSMINT_PUBLIC_URL", &base).stderr(
        std::fs::File::create(format!("{out}/public-server.log"))
            .map_or(Stdio::null(), Stdio::from),
    );
    let _server = Server::spawn(cmd, port, &READYZ).await;

    let client = reqwest::Client::new();
    let (key_a, key_b) = (
        a["test_key"].as_str().unwrap().to_owned(),
        b["test_key"].as_str().unwrap().to_owned(),
    );
    let pass_a = issue_pass(&client, &base, &key_a).await;
    let pass_b = issue_pass(&client, &base, &key_b).await;
    let api_url = format!("{base}/v1/passes/{}", pass_a["id"].as_str().unwrap());
    let landing = pass_b["url"].as_str().unwrap().to_owned();

    report.say(&format!(
        "== public pages benchmark ({} cores): another account's API p99 while one address hammers a landing page",
        std::thread::available_parallelism().map_or(0, |n| n.get())
    ));
    let api = reqwest::Client::new();
    let phase = Duration::from_secs(secs);
    api_load(
        &api,
        &api_url,
        &key_a,
        api_conns,
        Instant::now() + Duration::from_secs(1),
    )
    .await;

    let quiet = api_load(&api, &api_url, &key_a, api_conns, Instant::now() + phase).await;
    let (q50, q99) = report.latencies(
        &format!("quiet: GET /v1/passes/:id, {api_conns} connections, {secs} s"),
        &quiet,
    );

    let hammer_client = reqwest::Client::builder()
        .pool_max_idle_per_host(hammer_conns)
        .build()
        .unwrap();
    let until = Instant::now() + phase;
    let (loud, (ok, limited, other)) = tokio::join!(
        api_load(&api, &api_url, &key_a, api_conns, until),
        hammer(&hammer_client, &landing, hammer_conns, until),
    );
    let (l50, l99) = report.latencies(
        &format!("hammered: the same client while {hammer_conns} connections GET one landing page"),
        &loud,
    );
    let total = ok + limited + other;
    report.say(&format!(
        "hammer: {total} requests = {:.0}/s: {ok} answered 200, {limited} 429, {other} other",
        total as f64 / secs as f64
    ));
    let events = get_json(
        &client,
        format!("{base}/v1/passes/{}/events", pass_b["id"].as_str().unwrap()),
        &key_b,
    )
    .await;
    let viewed = events["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["type"] == "url_viewed")
        .count();
    report.say(&format!(
        "events of the hammered pass: {viewed} url_viewed for {ok} pages served"
    ));
    let ratio = ms(l99) / ms(q99).max(0.001);
    report.say(&format!(
        "ratio: p99 hammered / p99 quiet = {ratio:.2} (target <= 2.00: {}); p50 ratio {:.2}",
        if ratio <= 2.0 { "PASS" } else { "MISS" },
        ms(l50) / ms(q50).max(0.001)
    ));
}
