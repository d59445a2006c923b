//! `make bench`, webhooks part: deliveries per second and delivery latency of the
//! release `passmint serve` on the database `DATABASE_URL` names (PostgreSQL or
//! SQLite), to a local receiver that answers 200 at once. Run by
//! `bench/webhooks.sh`, once per engine, which builds it and gives it (environment):
//!
//! - `PASSMINT_BIN`, `DATABASE_URL` (a fresh database), `BENCH_OUT`;
//! - `BENCH_WEBHOOK_BACKLOG` (20000), `BENCH_WEBHOOK_LOAD` (10000),
//!   `BENCH_WEBHOOK_RATE` (200), `BENCH_WEBHOOK_PACED` (2000),
//!   `BENCH_WEBHOOK_CONNECTIONS` (32), `BENCH_WEBHOOK_HANGING` (1000).
//!
//! Phases:
//! 1. **Backlog drain**: `BACKLOG` passes are issued to a server whose worker
//!    cannot reach the receiver (private addresses refused: each attempt fails and
//!    the delivery is due again a second later, with retries enough that none goes
//!    dead); that server is stopped, the delivering one
//!    started, and the backlog's deliveries are timed from the first arrival to the
//!    last: sustained deliveries per second with nothing else to do.
//! 2. **Issue and deliver**: `LOAD` passes issued as fast as `CONNECTIONS`
//!    connections go while the worker delivers: deliveries per second, and the
//!    latency of each from its issue request's answer (the event was committed
//!    before it) to its arrival at the receiver: p50 (target < 20 ms), p99 (target
//!    < 100 ms), and the last arrival within 1 s of the last issue's answer, each
//!    beside phase 3's latency of the same run (no queue).
//! 3. **Paced**: `PACED` passes at `RATE` per second: the latency without queueing.
//! 4. The delivering server's peak RSS (`VmHWM`).
//! 5. **Fairness**: another account whose endpoint accepts connections and never
//!    answers gets `BENCH_WEBHOOK_HANGING` (1000) deliveries; then `PACED` passes
//!    of the first account at `RATE`: their latency against phase 3's, the cap of
//!    deliveries in flight per webhook at work.
//!
//! Prints the figures (also to `$BENCH_OUT/webhooks-<engine>.txt`) with PASS/MISS
//! against the targets (>= 2,000 deliveries/s; under full-speed issuing p50 < 20 ms,
//! p99 < 100 ms, drained within 1 s; paced p50 < 50 ms). Bounded in time; exits
//! non-zero only when it cannot measure; a miss prints MISS.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use actix_web::{App, HttpResponse, HttpServer, web};
use futures::StreamExt;
use passmint_e2e::bench::{BenchEnv, Report, create_template, env_num};
use passmint_e2e::process::{READYZ, Server, create_account, free_port, post_json, serve_command};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// Arrival time by pass id (`data.object.id`), and how many requests came.
#[derive(Default)]
struct Arrivals {
    by_pass: HashMap<String, Instant>,
    requests: usize,
}

type Shared = Arc<Mutex<Arrivals>>;

fn start_receiver(port: u16, arrivals: Shared) -> actix_web::dev::ServerHandle {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            let server = HttpServer::new(move || {
                let arrivals = arrivals.clone();
                App::new().default_service(web::to(move |body: web::Bytes| {
                    let at = Instant::now();
                    let arrivals = arrivals.clone();
                    async move {
                        let pass = serde_json::from_slice::<Value>(&body)
                            .ok()
                            .and_then(|v| v["data"]["object"]["id"].as_str().map(str::to_owned));
                        let mut a = arrivals.lock().unwrap();
                        a.requests += 1;
                        if let Some(pass) = pass {
                            a.by_pass.entry(pass).or_insert(at);
                        }
                        HttpResponse::Ok().body("ok")
                    }
                }))
            })
            .workers(1)
            .backlog(4096)
            .bind(("127.0.0.1", port))
            .unwrap()
            .run();
            tx.send(server.handle()).unwrap();
            let _ = server.await;
        });
    });
    rx.recv().unwrap()
}

/// Starts `passmint serve` with `env`, its stderr to `log`, and waits until ready.
async fn start_server(bin: &str, db: &str, env: &[(&str, String)], log: &str) -> Server {
    let port = free_port();
    let mut cmd = serve_command(bin, db, port);
    cmd.stderr(std::fs::File::create(log).map_or(Stdio::null(), Stdio::from));
    for (k, v) in env {
        cmd.env(k, v);
    }
    Server::spawn(cmd, port, &READYZ).await
}

/// Peak RSS of the server, and a clean stop.
trait Measured {
    fn peak_rss_kib(&self) -> Option<u64>;
    fn stop(self);
}

impl Measured for Server {
    fn peak_rss_kib(&self) -> Option<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).ok()?;
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
    }

    fn stop(mut self) {
        let _ = Command::new("kill")
            .arg(self.child.id().to_string())
            .status();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Issues `n` passes over `conns` connections, at most `rate` per second when
/// given; answers (pass id, when its answer arrived).
async fn issue(
    client: &reqwest::Client,
    base: &str,
    key: &str,
    tid: &str,
    n: usize,
    conns: usize,
    rate: Option<f64>,
) -> Vec<(String, Instant)> {
    let start = Instant::now();
    futures::stream::iter(0..n)
        .map(|i| {
            let (client, url) = (client.clone(), format!("{base}/v1/passes"));
            let (key, tid) = (key.to_owned(), tid.to_owned());
            async move {
                if let Some(rate) = rate {
                    let at = start + Duration::from_secs_f64(i as f64 / rate);
                    tokio::time::sleep_until(at.into()).await;
                }
                let res = client
                    .post(url)
                    .bearer_auth(&key)
                    .json(&json!({"template_id": tid}))
                    .send()
                    .await
                    .expect("issue request");
                assert!(res.status().is_success(), "issue: {}", res.status());
                let body: Value = res.json().await.expect("a pass");
                (body["id"].as_str().unwrap().to_owned(), Instant::now())
            }
        })
        .buffer_unordered(conns)
        .collect()
        .await
}

/// Waits until every pass of `passes` arrived (bounded); answers the arrivals.
async fn wait_arrivals(arrivals: &Shared, passes: &[String], within: Duration) -> Vec<Instant> {
    let deadline = Instant::now() + within;
    loop {
        {
            let a = arrivals.lock().unwrap();
            let got: Vec<Instant> = passes
                .iter()
                .filter_map(|p| a.by_pass.get(p).copied())
                .collect();
            if got.len() == passes.len() {
                return got;
            }
            if Instant::now() > deadline {
                panic!(
                    "only {} of {} deliveries arrived within {within:?}",
                    got.len(),
                    passes.len()
                );
            }
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

fn verdict(ok: bool) -> &'static str {
    if ok { "PASS" } else { "MISS" }
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// Latencies in ms: arrival - answer of the issue request.
fn latencies(issued: &[(String, Instant)], arrivals: &Shared) -> Vec<f64> {
    let a = arrivals.lock().unwrap();
    let mut ms: Vec<f64> = issued
        .iter()
        .filter_map(|(p, answered)| {
            a.by_pass
                .get(p)
                .map(|at| at.saturating_duration_since(*answered).as_secs_f64() * 1000.0)
        })
        .collect();
    ms.sort_by(f64::total_cmp);
    ms
}

async fn create_setup(client: &reqwest::Client, base: &str, key: &str, hook: &str) -> String {
    let template = create_template(client, base, key, false).await;
    post_json(
        client,
        format!("{base}/v1/webhooks"),
        key,
        json!({"url": hook, "events": ["pass.created"], "description": "bench"}),
    )
    .await;
    template["id"].as_str().unwrap().to_owned()
}

#[tokio::main(flavor = "multi_thread", worker_threads = 2)]
async fn main() {
    let BenchEnv { bin, db, out } = BenchEnv::from_env();
    let backlog = env_num("BENCH_WEBHOOK_BACKLOG", 20_000);
    let load = env_num("BENCH_WEBHOOK_LOAD", 10_000);
    let paced = env_num("BENCH_WEBHOOK_PACED", 2_000);
    let rate = env_num("BENCH_WEBHOOK_RATE", 200) as f64;
    let conns = env_num("BENCH_WEBHOOK_CONNECTIONS", 32);
    let engine = match db.split_once("://") {
        Some(("sqlite", _)) => "sqlite",
        _ => "postgres",
    };
    let mut report = Report::create(&out, &format!("webhooks-{engine}"));
    report.say(&format!("-- webhooks on {engine}"));

    let arrivals: Shared = Arc::default();
    let port = free_port();
    let receiver = start_receiver(port, arrivals.clone());
    let hook = format!("http://127.0.0.1:{port}/hook");
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(conns)
        .build()
        .unwrap();

    // The account, with the CLI.
    let key = create_account(&bin, &db, "Webhook bench")["test_key"]
        .as_str()
        .unwrap()
        .to_owned();

    // 1. The backlog, written by a server that cannot reach the receiver.
    let filler = start_server(
        &bin,
        &db,
        &[
            ("PASSMINT_WEBHOOK_ALLOW_PRIVATE", "false".into()),
            // Every failed attempt due again a second later, and more retries than
            // the filling can use: no delivery of the backlog goes dead before the
            // delivering server starts.
            ("PASSMINT_WEBHOOK_RETRY_SCHEDULE", ["1s"; 60].join(",")),
            ("PASSMINT_WEBHOOK_CONCURRENCY", "1".into()),
            // A short lease for the one delivery it may hold when stopped.
            ("PASSMINT_WEBHOOK_TIMEOUT", "1s".into()),
        ],
        &format!("{out}/webhooks-{engine}-filler.log"),
    )
    .await;
    let tid = create_setup(&client, &filler.base, &key, &hook).await;
    let t = Instant::now();
    let backlog_passes = issue(&client, &filler.base, &key, &tid, backlog, conns, None).await;
    let fill_secs = t.elapsed().as_secs_f64();
    filler.stop();
    tokio::time::sleep(Duration::from_millis(1500)).await; // every retry due
    report.say(&format!(
        "webhooks: backlog of {backlog} deliveries written in {fill_secs:.1} s ({:.0} passes/s issued)",
        backlog as f64 / fill_secs
    ));

    let server = start_server(
        &bin,
        &db,
        &[("PASSMINT_WEBHOOK_ALLOW_PRIVATE", "true".into())],
        &format!("{out}/webhooks-{engine}-server.log"),
    )
    .await;
    let ids: Vec<String> = backlog_passes.iter().map(|(p, _)| p.clone()).collect();
    let mut arrived = wait_arrivals(&arrivals, &ids, Duration::from_secs(300)).await;
    arrived.sort();
    // The window from the 1st to the 99th percentile of arrivals: a delivery the
    // stopped server held under lease arrives only when that lease ends.
    let (lo, hi) = (backlog / 100, backlog - 1 - backlog / 100);
    let window = arrived[hi]
        .duration_since(arrived[lo])
        .as_secs_f64()
        .max(1e-3);
    let drain = (hi - lo) as f64 / window;
    let all = arrived[backlog - 1]
        .duration_since(arrived[0])
        .as_secs_f64();
    report.say(&format!(
        "1. backlog drain: {drain:.0} deliveries/s sustained (1st-99th percentile of {backlog} arrivals in {window:.2} s; all in {all:.2} s) (target >= 2000: {})",
        verdict(drain >= 2000.0)
    ));

    // 2. Issue and deliver at once.
    let t = Instant::now();
    let issued = issue(&client, &server.base, &key, &tid, load, conns, None).await;
    let issue_secs = t.elapsed().as_secs_f64();
    let ids: Vec<String> = issued.iter().map(|(p, _)| p.clone()).collect();
    let arrived = wait_arrivals(&arrivals, &ids, Duration::from_secs(300)).await;
    let last = *arrived.iter().max().unwrap();
    let span = last.duration_since(t).as_secs_f64();
    let last_answer = issued.iter().map(|(_, at)| *at).max().unwrap();
    let drained = last.saturating_duration_since(last_answer).as_secs_f64();
    let ms = latencies(&issued, &arrivals);
    let (load_p50, load_p99) = (percentile(&ms, 0.5), percentile(&ms, 0.99));
    report.say(&format!(
        "2. issue + deliver: {load} passes issued in {issue_secs:.2} s ({:.0}/s), all delivered {:.2} s after the first issue = {:.0} deliveries/s; latency answer -> arrival p50 {load_p50:.1} ms, p99 {load_p99:.1} ms, max {:.1} ms; last arrival {drained:.3} s after the last issue's answer (targets below, beside 3.)",
        load as f64 / issue_secs,
        span,
        load as f64 / span,
        ms.last().copied().unwrap_or_default()
    ));

    // 3. Paced: latency without a queue.
    let issued = issue(&client, &server.base, &key, &tid, paced, conns, Some(rate)).await;
    let ids: Vec<String> = issued.iter().map(|(p, _)| p.clone()).collect();
    wait_arrivals(&arrivals, &ids, Duration::from_secs(120)).await;
    let ms = latencies(&issued, &arrivals);
    let p50 = percentile(&ms, 0.5);
    let paced_p99 = percentile(&ms, 0.99);
    report.say(&format!(
        "3. paced at {rate:.0} passes/s: latency commit -> arrival p50 {p50:.1} ms, p90 {:.1} ms, p99 {paced_p99:.1} ms, max {:.1} ms (target p50 < 50 ms: {})",
        percentile(&ms, 0.9),
        ms.last().copied().unwrap_or_default(),
        verdict(p50 < 50.0)
    ));
    let e = engine;
    for (ok, line) in [
        (
            load_p50 < 20.0,
            format!(
                "{e} webhook latency issuing at full speed ({conns} connections), p50 = {load_p50:.1} ms (paced, 3.: {p50:.1} ms)  (target < 20 ms)"
            ),
        ),
        (
            load_p99 < 100.0,
            format!(
                "{e} webhook latency issuing at full speed ({conns} connections), p99 = {load_p99:.1} ms (paced, 3.: {paced_p99:.1} ms)  (target < 100 ms)"
            ),
        ),
        (
            drained <= 1.0,
            format!(
                "{e} webhooks drained {drained:.3} s after the last issue's answer (issuing took {issue_secs:.2} s)  (target within 1 s)"
            ),
        ),
    ] {
        report.say(&format!("[{}] {line}", verdict(ok)));
    }

    // 4. Memory.
    match server.peak_rss_kib() {
        Some(kib) => report.say(&format!(
            "4. delivering server peak RSS: {:.1} MiB",
            kib as f64 / 1024.0
        )),
        None => report.say("4. delivering server peak RSS: unavailable"),
    }
    // 5. Fairness: another account's endpoint accepts connections and never answers,
    // with `HANGING` deliveries pending; this account's paced deliveries beside it.
    let hanging = env_num("BENCH_WEBHOOK_HANGING", 1_000);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let hang_url = format!("http://{}/hook", listener.local_addr().unwrap());
    let hang_task = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = listener.accept().await {
            held.push(socket);
        }
    });
    let slow_key = create_account(&bin, &db, "Hanging endpoint")["test_key"]
        .as_str()
        .unwrap()
        .to_owned();
    let slow_tid = create_setup(&client, &server.base, &slow_key, &hang_url).await;
    issue(
        &client,
        &server.base,
        &slow_key,
        &slow_tid,
        hanging,
        conns,
        None,
    )
    .await;
    let issued = issue(&client, &server.base, &key, &tid, paced, conns, Some(rate)).await;
    let ids: Vec<String> = issued.iter().map(|(p, _)| p.clone()).collect();
    wait_arrivals(&arrivals, &ids, Duration::from_secs(120)).await;
    let ms = latencies(&issued, &arrivals);
    report.say(&format!(
        "5. paced at {rate:.0} passes/s beside another account's hanging endpoint ({hanging} deliveries pending): latency commit -> arrival p50 {:.1} ms (without it, 3.: {p50:.1} ms), p99 {:.1} ms, max {:.1} ms",
        percentile(&ms, 0.5),
        percentile(&ms, 0.99),
        ms.last().copied().unwrap_or_default(),
    ));
    hang_task.abort();

    let requests = arrivals.lock().unwrap().requests;
    let distinct = arrivals.lock().unwrap().by_pass.len();
    report.say(&format!(
        "   {requests} requests received for {distinct} events ({} repeated)",
        requests - distinct
    ));
    server.stop();
    let _ = receiver.stop(false).await;
}
