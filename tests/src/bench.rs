//! What the bench examples (`tests/examples/*_bench.rs`) share: their knobs from the
//! environment, the report they print and write, and an API client's load with
//! its latency percentiles.

use crate::process::post_json;
use serde_json::{Value, json};
use std::io::Write;
use std::time::{Duration, Instant};

/// The number in the environment variable `name`, or `default`.
pub fn env_num(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Where a bench runs: the `passmint` binary, the database and the folder of
/// its reports.
pub struct BenchEnv {
    pub bin: String,
    pub db: String,
    pub out: String,
}

impl BenchEnv {
    /// `PASSMINT_BIN`, `DATABASE_URL` and `BENCH_OUT` (`bench-out` if unset).
    pub fn from_env() -> Self {
        BenchEnv {
            bin: std::env::var("PASSMINT_BIN").expect("PASSMINT_BIN"),
            db: std::env::var("DATABASE_URL").expect("DATABASE_URL"),
            out: std::env::var("BENCH_OUT").unwrap_or_else(|_| "bench-out".into()),
        }
    }
}

/// Lines printed and written to a file (`$BENCH_OUT/<part>.txt`).
pub struct Report {
    pub file: std::fs::File,
}

impl Report {
    /// The report `<out>/<part>.txt`, its folder created.
    pub fn create(out: &str, part: &str) -> Self {
        std::fs::create_dir_all(out).unwrap();
        Report {
            file: std::fs::File::create(format!("{out}/{part}.txt")).unwrap(),
        }
    }

    pub fn say(&mut self, line: &str) {
        println!("{line}");
        let _ = writeln!(self.file, "{line}");
    }

    /// Says `<what>: <n> requests, p50 <x> ms, p99 <y> ms` of sorted latencies;
    /// the p50 and the p99.
    pub fn latencies(&mut self, what: &str, sorted: &[Duration]) -> (Duration, Duration) {
        let (p50, p99) = (percentile(sorted, 0.5), percentile(sorted, 0.99));
        self.say(&format!(
            "{what}: {} requests, p50 {:.2} ms, p99 {:.2} ms",
            sorted.len(),
            ms(p50),
            ms(p99)
        ));
        (p50, p99)
    }
}

/// Retrieves `url` with `key` over `connections` until `until`; the latencies.
pub async fn api_load(
    client: &reqwest::Client,
    url: &str,
    key: &str,
    connections: usize,
    until: Instant,
) -> Vec<Duration> {
    let tasks = (0..connections).map(|_| {
        let (client, url, key) = (client.clone(), url.to_owned(), key.to_owned());
        tokio::spawn(async move {
            let mut latencies = Vec::new();
            while Instant::now() < until {
                let t = Instant::now();
                let res = client.get(&url).bearer_auth(&key).send().await.unwrap();
                assert!(
                    res.status().is_success(),
                    "the API answered {}",
                    res.status()
                );
                res.bytes().await.unwrap();
                latencies.push(t.elapsed());
            }
            latencies
        })
    });
    let mut all: Vec<Duration> = futures::future::join_all(tasks)
        .await
        .into_iter()
        .flat_map(Result::unwrap)
        .collect();
    all.sort();
    all
}

/// The `p` quantile (0 to 1) of sorted latencies.
pub fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

/// In milliseconds.
pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// The bench's template, created over the API at `base` with `key`: its design
/// has one primary field, `points`, if `points`, else no field.
pub async fn create_template(
    client: &reqwest::Client,
    base: &str,
    key: &str,
    points: bool,
) -> Value {
    let mut design = json!({"organization_name": "Bench", "description": "Bench pass"});
    if points {
        design["fields"] = json!({"primary": [{"key": "points", "label": "Points", "value": "0"}]});
    }
    post_json(
        client,
        format!("{base}/v1/templates"),
        key,
        json!({"name": "Bench", "type": "generic", "apple_style": "generic", "design": design}),
    )
    .await
}

/// A template and a pass of it, issued over the API at `base` with `key`; the pass.
pub async fn issue_pass(client: &reqwest::Client, base: &str, key: &str) -> Value {
    let template = create_template(client, base, key, true).await;
    post_json(
        client,
        format!("{base}/v1/passes"),
        key,
        json!({"template_id": template["id"]}),
    )
    .await
}
