//! GET loads for `bench/pkpass.sh`, printing one human line and one JSON line.
//!
//! - `URL [CONNECTIONS] [SECONDS]`: closed loop on one URL: `CONNECTIONS` tasks,
//!   each on its own keep-alive connection, request the URL again and again for
//!   `SECONDS` (after a one-second warm-up) and count 200 answers. Bounded by the
//!   deadline and by a cap on errors.
//! - `--each FILE [CONNECTIONS]`: every URL of FILE (one a line) requested exactly
//!   once, the URLs shared out over `CONNECTIONS` keep-alive connections: first
//!   downloads of freshly issued passes. Bounded by the number of URLs and a
//!   per-request timeout.
//!
//! ```text
//! cargo run --release -p passmint-server --example download_load -- URL [CONNECTIONS] [SECONDS]
//! cargo run --release -p passmint-server --example download_load -- --each FILE [CONNECTIONS]
//! ```

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// One keep-alive connection of a task.
fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .pool_max_idle_per_host(1)
        .timeout(Duration::from_secs(10))
        .build()
        .unwrap()
}

/// Downloads every URL of `file` once over `connections` connections.
async fn each(file: &str, connections: usize) {
    let text = std::fs::read_to_string(file).expect("the file of URLs");
    let urls: Arc<Vec<String>> = Arc::new(
        text.lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect(),
    );
    let next = Arc::new(AtomicU64::new(0));
    // Clients are made before the clock starts (see `main`).
    let clients: Vec<_> = (0..connections.max(1)).map(|_| client()).collect();
    let started = Instant::now();
    let mut tasks = Vec::new();
    for client in clients {
        let (urls, next) = (urls.clone(), next.clone());
        tasks.push(tokio::spawn(async move {
            let (mut ok, mut errors, mut bytes) = (0u64, 0u64, 0u64);
            loop {
                let i = next.fetch_add(1, Ordering::Relaxed) as usize;
                let Some(url) = urls.get(i) else { break };
                match client.get(url).send().await {
                    Ok(res) if res.status() == 200 => match res.bytes().await {
                        Ok(body) => {
                            ok += 1;
                            bytes += body.len() as u64;
                        }
                        Err(_) => errors += 1,
                    },
                    _ => errors += 1,
                }
            }
            (ok, errors, bytes)
        }));
    }
    let (mut ok, mut errors, mut bytes) = (0u64, 0u64, 0u64);
    for t in tasks {
        let (o, e, b) = t.await.unwrap();
        ok += o;
        errors += e;
        bytes += b;
    }
    let elapsed = started.elapsed().as_secs_f64().max(0.001);
    let rate = ok as f64 / elapsed;
    eprintln!(
        "fresh downloads: {rate:.0}/s over HTTP ({ok} of {} URLs once each in {elapsed:.2} s, \
         {connections} connections, {} KiB each, {errors} errors)",
        urls.len(),
        bytes / ok.max(1) / 1024
    );
    println!(
        "{{\"downloads_per_second\":{rate:.1},\"ok\":{ok},\"errors\":{errors},\"urls\":{},\"seconds\":{elapsed:.3},\"connections\":{connections}}}",
        urls.len()
    );
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("--each") {
        let file = args
            .get(2)
            .expect("usage: download_load --each FILE [CONNECTIONS]");
        let connections = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(8);
        return each(file, connections).await;
    }
    let url = args
        .get(1)
        .expect("usage: download_load URL [CONNECTIONS] [SECONDS]")
        .clone();
    let connections: usize = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(16);
    let seconds: u64 = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(5);

    // With IF_NONE_MATCH set, every request is conditional and a 304 counts.
    let if_none_match = std::env::var("IF_NONE_MATCH").ok();
    let expected = if if_none_match.is_some() { 304 } else { 200 };
    let ok = Arc::new(AtomicU64::new(0));
    let errors = Arc::new(AtomicU64::new(0));
    let bytes = Arc::new(AtomicU64::new(0));
    let measuring = Arc::new(AtomicBool::new(false));
    // Clients are made before the clock starts: made inside the tasks, on a
    // busy machine they held the runtime up until the warm-up and most of the
    // measured window had gone by.
    let clients: Vec<_> = (0..connections).map(|_| client()).collect();
    let stop = Instant::now() + Duration::from_secs(seconds + 1);
    let mut tasks = Vec::new();
    for client in clients {
        let if_none_match = if_none_match.clone();
        let (url, ok, errors, bytes, measuring) = (
            url.clone(),
            ok.clone(),
            errors.clone(),
            bytes.clone(),
            measuring.clone(),
        );
        tasks.push(tokio::spawn(async move {
            while Instant::now() < stop {
                let mut request = client.get(&url);
                if let Some(tag) = &if_none_match {
                    request = request.header("if-none-match", tag);
                }
                match request.send().await {
                    Ok(res) if res.status() == expected => match res.bytes().await {
                        Ok(body) if measuring.load(Ordering::Relaxed) => {
                            ok.fetch_add(1, Ordering::Relaxed);
                            bytes.fetch_add(body.len() as u64, Ordering::Relaxed);
                        }
                        Ok(_) => {}
                        Err(_) => {
                            errors.fetch_add(1, Ordering::Relaxed);
                        }
                    },
                    _ => {
                        if errors.fetch_add(1, Ordering::Relaxed) > 1000 {
                            return;
                        }
                    }
                }
            }
        }));
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    measuring.store(true, Ordering::Relaxed);
    let started = Instant::now();
    for t in tasks {
        let _ = t.await;
    }
    let elapsed = started
        .elapsed()
        .as_secs_f64()
        .min(seconds as f64)
        .max(0.001);
    let ok = ok.load(Ordering::Relaxed);
    let rate = ok as f64 / elapsed;
    let errors = errors.load(Ordering::Relaxed);
    eprintln!(
        "cached downloads: {rate:.0}/s over HTTP ({ok} in {elapsed:.1} s, {connections} connections, \
         {} KiB each, {errors} errors)",
        bytes.load(Ordering::Relaxed) / ok.max(1) / 1024
    );
    println!(
        "{{\"downloads_per_second\":{rate:.1},\"ok\":{ok},\"errors\":{errors},\"connections\":{connections}}}"
    );
}
