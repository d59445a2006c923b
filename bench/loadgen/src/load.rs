//! The closed-loop workers, their statistics, and the sequential probe.

use crate::LoadArgs;
use crate::client::{Conn, Target};
use bytes::Bytes;
use hyper::Method;
use serde_json::json;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

/// A worker stops after this many transport errors in a row.
const MAX_CONSECUTIVE_ERRORS: u32 = 50;

#[derive(Clone)]
pub enum Job {
    /// POST /v1/passes from this template.
    Issue { template: String },
    /// GET /v1/passes/:id, cycling through these ids.
    Retrieve { ids: Arc<Vec<String>> },
}

/// What one worker saw.
#[derive(Default)]
struct WorkerOut {
    /// Latencies of the measured window, microseconds.
    lat_us: Vec<u32>,
    /// Statuses of the measured window.
    measured_status: BTreeMap<u16, u64>,
    /// Statuses of the whole run, warm-up included.
    all_status: BTreeMap<u16, u64>,
    transport_errors: u64,
    first_failure: Option<String>,
    /// Ids of the passes issued (warm-up included).
    ids: Vec<String>,
    /// Their `download_url`s, in the same order.
    urls: Vec<String>,
    /// When the last measured request completed.
    last_done: Option<Instant>,
}

/// The merged result of a load run.
pub struct LoadOut {
    lat_us: Vec<u32>,
    measured_status: BTreeMap<u16, u64>,
    all_status: BTreeMap<u16, u64>,
    transport_errors: u64,
    first_failure: Option<String>,
    pub ids: Vec<String>,
    pub urls: Vec<String>,
    window: Duration,
}

/// The first `"<key>":"…"` string of a JSON document, found without parsing the
/// whole document (the pass's own `id` and `download_url` come before any nested
/// object's).
fn json_str(body: &[u8], key: &str) -> Option<String> {
    let needle = format!("\"{key}\":\"");
    let needle = needle.as_bytes();
    let start = body.windows(needle.len()).position(|w| w == needle)? + needle.len();
    let len = body[start..].iter().position(|&b| b == b'"')?;
    std::str::from_utf8(&body[start..start + len])
        .ok()
        .map(str::to_owned)
}

fn snippet(body: &[u8]) -> String {
    let s = String::from_utf8_lossy(body);
    s.chars().take(300).collect()
}

#[allow(clippy::too_many_arguments)]
async fn worker(
    target: Target,
    key: Arc<str>,
    job: Job,
    index: usize,
    connections: usize,
    run_id: u128,
    measure_from: Instant,
    deadline: Instant,
    timeout: Duration,
    max_requests: u64,
) -> WorkerOut {
    let mut out = WorkerOut::default();
    let mut conn: Option<Conn> = None;
    let mut consecutive_errors = 0u32;
    let (ids, mut cursor) = match &job {
        Job::Retrieve { ids } => (Some(ids.clone()), index * ids.len() / connections),
        Job::Issue { .. } => (None, 0),
    };
    let mut sent = 0u64;
    while sent < max_requests && Instant::now() < deadline {
        if consecutive_errors >= MAX_CONSECUTIVE_ERRORS {
            break;
        }
        let c = match conn.as_mut() {
            Some(c) => c,
            None => {
                let opened = match tokio::time::timeout(timeout, Conn::open(&target)).await {
                    Ok(r) => r,
                    Err(_) => Err("connect timed out".to_owned()),
                };
                match opened {
                    Ok(c) => conn.insert(c),
                    Err(e) => {
                        out.transport_errors += 1;
                        consecutive_errors += 1;
                        out.first_failure.get_or_insert(e);
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                }
            }
        };
        sent += 1;
        let (method, path, extra, body) = match &job {
            Job::Issue { template } => {
                let idem = format!("bench-{run_id}-{index}-{sent}");
                let body = format!(
                    concat!(
                        r#"{{"template_id":"{t}","holder_email":"holder-{w}-{n}@example.com","#,
                        r#""holder_name":"Bench Holder {w} {n}","#,
                        r#""field_values":{{"event":"Summer Jam {w}","seat":"Row {w} Seat {n}","gate":"G{g}"}},"#,
                        r#""metadata":{{"order_id":"ord_{w}_{n}","source":"passmint-bench"}}}}"#
                    ),
                    t = template,
                    w = index,
                    n = sent,
                    g = sent % 12 + 1
                );
                (
                    Method::POST,
                    "/v1/passes".to_owned(),
                    Some(idem),
                    Some(Bytes::from(body)),
                )
            }
            Job::Retrieve { .. } => {
                let ids = ids.as_deref().map(Vec::as_slice).unwrap_or_default();
                let id = ids
                    .get(cursor % ids.len().max(1))
                    .map_or("", String::as_str);
                cursor = cursor.wrapping_add(1);
                (Method::GET, format!("/v1/passes/{id}"), None, None)
            }
        };
        let t0 = Instant::now();
        let extra_header = extra.as_deref().map(|v| ("Idempotency-Key", v));
        let result =
            tokio::time::timeout(timeout, c.send(method, &path, &key, extra_header, body)).await;
        let done = Instant::now();
        let answer = match result {
            Ok(Ok(a)) => a,
            Ok(Err(e)) => {
                out.transport_errors += 1;
                consecutive_errors += 1;
                out.first_failure.get_or_insert(e);
                conn = None;
                continue;
            }
            Err(_) => {
                out.transport_errors += 1;
                consecutive_errors += 1;
                out.first_failure
                    .get_or_insert_with(|| format!("request timed out after {timeout:?}"));
                conn = None;
                continue;
            }
        };
        consecutive_errors = 0;
        *out.all_status.entry(answer.status).or_default() += 1;
        let ok = (200..300).contains(&answer.status);
        if !ok {
            out.first_failure.get_or_insert_with(|| {
                format!("{} {path}: {}", answer.status, snippet(&answer.body))
            });
        }
        if ok && matches!(job, Job::Issue { .. }) {
            match (
                json_str(&answer.body, "id"),
                json_str(&answer.body, "download_url"),
            ) {
                (Some(id), Some(url)) => {
                    out.ids.push(id);
                    out.urls.push(url);
                }
                _ => {
                    out.first_failure.get_or_insert_with(|| {
                        format!(
                            "no id or download_url in the response: {}",
                            snippet(&answer.body)
                        )
                    });
                }
            }
        }
        if t0 >= measure_from {
            let us = u32::try_from(done.duration_since(t0).as_micros()).unwrap_or(u32::MAX);
            out.lat_us.push(us);
            *out.measured_status.entry(answer.status).or_default() += 1;
            out.last_done = Some(done);
        }
    }
    out
}

pub async fn run(args: &LoadArgs, job: Job) -> Result<LoadOut, String> {
    let target = Target::parse(&args.base)?;
    let key: Arc<str> = Arc::from(args.key.as_str());
    let run_id = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos());
    let start = Instant::now();
    let measure_from = start + Duration::from_secs_f64(args.warmup);
    let deadline = measure_from + Duration::from_secs_f64(args.seconds);
    let timeout = Duration::from_millis(args.timeout_ms.clamp(100, 120_000));
    let per_worker = args.max_requests.div_ceil(args.connections as u64).max(1);
    let mut handles = Vec::with_capacity(args.connections);
    for index in 0..args.connections {
        handles.push(tokio::spawn(worker(
            target.clone(),
            key.clone(),
            job.clone(),
            index,
            args.connections,
            run_id,
            measure_from,
            deadline,
            timeout,
            per_worker,
        )));
    }
    let mut merged = LoadOut {
        lat_us: Vec::new(),
        measured_status: BTreeMap::new(),
        all_status: BTreeMap::new(),
        transport_errors: 0,
        first_failure: None,
        ids: Vec::new(),
        urls: Vec::new(),
        window: Duration::ZERO,
    };
    let mut last_done = measure_from;
    for h in handles {
        let w = h.await.map_err(|e| format!("worker failed: {e}"))?;
        merged.lat_us.extend(w.lat_us);
        for (s, n) in w.measured_status {
            *merged.measured_status.entry(s).or_default() += n;
        }
        for (s, n) in w.all_status {
            *merged.all_status.entry(s).or_default() += n;
        }
        merged.transport_errors += w.transport_errors;
        if merged.first_failure.is_none() {
            merged.first_failure = w.first_failure;
        }
        merged.ids.extend(w.ids);
        merged.urls.extend(w.urls);
        if let Some(t) = w.last_done {
            last_done = last_done.max(t);
        }
    }
    merged.window = last_done.saturating_duration_since(measure_from);
    merged.lat_us.sort_unstable();
    Ok(merged)
}

/// CPU time (user + system) this process has used so far, from /proc/self/stat
/// (in USER_HZ ticks, 100 a second on Linux); `None` elsewhere.
fn own_cpu_seconds() -> Option<f64> {
    let stat = std::fs::read_to_string("/proc/self/stat").ok()?;
    let after_comm = stat.rsplit_once(')')?.1;
    let fields: Vec<&str> = after_comm.split_whitespace().collect();
    let utime: f64 = fields.get(11)?.parse().ok()?;
    let stime: f64 = fields.get(12)?.parse().ok()?;
    Some((utime + stime) / 100.0)
}

/// Nearest-rank percentile of sorted microseconds, in milliseconds.
fn pct(sorted: &[u32], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    f64::from(sorted[rank - 1]) / 1000.0
}

fn round3(x: f64) -> f64 {
    (x * 1000.0).round() / 1000.0
}

fn statuses(m: &BTreeMap<u16, u64>) -> serde_json::Value {
    serde_json::Value::Object(m.iter().map(|(s, n)| (s.to_string(), json!(n))).collect())
}

impl LoadOut {
    pub fn print(&self, label: &str, args: &LoadArgs) {
        let n = self.lat_us.len();
        let secs = self.window.as_secs_f64();
        let rps = if secs > 0.0 { n as f64 / secs } else { 0.0 };
        let mean = if n == 0 {
            0.0
        } else {
            self.lat_us.iter().map(|&u| f64::from(u)).sum::<f64>() / n as f64 / 1000.0
        };
        let non_2xx: u64 = self
            .all_status
            .iter()
            .filter(|(s, _)| !(200..300).contains(*s))
            .map(|(_, n)| n)
            .sum();
        let p50 = pct(&self.lat_us, 0.50);
        let p99 = pct(&self.lat_us, 0.99);
        let line = json!({
            "bench": label,
            "connections": args.connections,
            "warmup_s": args.warmup,
            "seconds": args.seconds,
            "window_s": round3(secs),
            "requests": n,
            "rps": round3(rps),
            "mean_ms": round3(mean),
            "p50_ms": p50,
            "p90_ms": pct(&self.lat_us, 0.90),
            "p99_ms": p99,
            "p999_ms": pct(&self.lat_us, 0.999),
            "max_ms": pct(&self.lat_us, 1.0),
            "non_2xx": non_2xx,
            "transport_errors": self.transport_errors,
            "status_measured": statuses(&self.measured_status),
            "status_all": statuses(&self.all_status),
            "ids": self.ids.len(),
            "first_failure": self.first_failure,
            "cpu_s": own_cpu_seconds(),
        });
        println!("{line}");
        eprintln!(
            "{label}: {} conns, {:.1} s: {n} requests, {rps:.0} req/s, p50 {p50:.2} ms, p99 {p99:.2} ms, \
             max {:.2} ms, non-2xx {non_2xx}, transport errors {}",
            args.connections,
            secs,
            pct(&self.lat_us, 1.0),
            self.transport_errors
        );
        if let Some(f) = &self.first_failure {
            eprintln!("{label}: first failure: {f}");
        }
    }
}

/// Sends `GET path` `repeat` times in a row over one connection (the first also
/// opens it) and prints min / median / max.
pub async fn probe(
    target: &Target,
    key: &str,
    path: &str,
    repeat: u32,
    label: &str,
) -> Result<(), String> {
    let mut conn = Conn::open(target).await?;
    let mut lat = Vec::with_capacity(repeat as usize);
    let mut status = 0u16;
    let mut bytes = 0usize;
    let mut first_body = String::new();
    for _ in 0..repeat {
        let t0 = Instant::now();
        let a = tokio::time::timeout(
            Duration::from_secs(30),
            conn.send(Method::GET, path, key, None, None),
        )
        .await
        .map_err(|_| format!("{path}: timed out"))??;
        lat.push(u32::try_from(t0.elapsed().as_micros()).unwrap_or(u32::MAX));
        status = a.status;
        bytes = a.body.len();
        if first_body.is_empty() && !(200..300).contains(&a.status) {
            first_body = snippet(&a.body);
        }
    }
    lat.sort_unstable();
    let line = json!({
        "bench": label,
        "path": path,
        "repeat": repeat,
        "status": status,
        "bytes": bytes,
        "min_ms": pct(&lat, 0.0),
        "p50_ms": pct(&lat, 0.5),
        "max_ms": pct(&lat, 1.0),
        "error": if first_body.is_empty() { serde_json::Value::Null } else { json!(first_body) },
    });
    println!("{line}");
    eprintln!(
        "{label}: GET {path}: status {status}, {bytes} bytes, min {:.2} ms, median {:.2} ms, max {:.2} ms ({repeat} requests)",
        pct(&lat, 0.0),
        pct(&lat, 0.5),
        pct(&lat, 1.0)
    );
    Ok(())
}
