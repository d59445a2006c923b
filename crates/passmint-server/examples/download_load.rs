//! Closed-loop GET load on one URL, for `bench/pkpass.sh`: `--connections` tasks,
//! each on its own keep-alive connection, request the URL again and again for
//! `--seconds` (after a one-second warm-up) and count 200 answers. Prints one human
//! line and one JSON line. Bounded by the deadline and by a cap on errors.
//!
//! ```text
//! cargo run --release -p passmint-server --example download_load -- URL [CONNECTIONS] [SECONDS]
//! ```

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::{Duration, Instant};

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
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
    let stop = Instant::now() + Duration::from_secs(seconds + 1);
    let mut tasks = Vec::new();
    for _ in 0..connections {
        let if_none_match = if_none_match.clone();
        let (url, ok, errors, bytes, measuring) = (
            url.clone(),
            ok.clone(),
            errors.clone(),
            bytes.clone(),
            measuring.clone(),
        );
        tasks.push(tokio::spawn(async move {
            let client = reqwest::Client::builder()
                .pool_max_idle_per_host(1)
                .timeout(Duration::from_secs(10))
                .build()
                .unwrap();
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
