//! Prometheus metrics: request count and latency by route, method and status, the
//! webhook delivery attempts by outcome, and the storage pool's use. Rendered as
//! Prometheus text at `/metrics`.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::web;
use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::Instant;

const BUCKETS: [f64; 12] = [
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
];

#[derive(Default)]
struct Series {
    count: u64,
    sum: f64,
    buckets: [u64; BUCKETS.len()],
}

type Key = (String, String, u16);

#[derive(Default)]
pub struct Metrics {
    series: Mutex<BTreeMap<Key, Series>>,
    /// Webhook attempts by outcome (`delivered`, `failed`, `dead`, `lease_lost`,
    /// `unrecorded`).
    webhook_attempts: Mutex<BTreeMap<&'static str, u64>>,
    /// APNs pushes by outcome (`delivered`, `retry`, `unregistered`, `rejected`,
    /// `given_up`).
    pushes: Mutex<BTreeMap<&'static str, u64>>,
}

impl Metrics {
    /// Counts one webhook delivery attempt.
    pub fn webhook_attempt(&self, outcome: &'static str) {
        count(&self.webhook_attempts, outcome, 1);
    }

    /// Counts `n` pushes with one outcome.
    pub fn pushes(&self, outcome: &'static str, n: u64) {
        count(&self.pushes, outcome, n);
    }

    pub fn observe(&self, route: &str, method: &str, status: u16, seconds: f64) {
        let Ok(mut map) = self.series.lock() else {
            return;
        };
        let s = map
            .entry((route.to_owned(), method.to_owned(), status))
            .or_default();
        s.count += 1;
        s.sum += seconds;
        for (i, b) in BUCKETS.iter().enumerate() {
            if seconds <= *b {
                s.buckets[i] += 1;
            }
        }
    }

    pub fn render(&self, pool: Option<passmint_domain::ports::PoolStatus>) -> String {
        let mut out = String::new();
        out.push_str("# HELP passmint_http_requests_total HTTP requests answered.\n");
        out.push_str("# TYPE passmint_http_requests_total counter\n");
        let map = locked(&self.series);
        for ((route, method, status), s) in map.iter() {
            let _ = writeln!(
                out,
                "passmint_http_requests_total{{route=\"{route}\",method=\"{method}\",status=\"{status}\"}} {}",
                s.count
            );
        }
        out.push_str(
            "# HELP passmint_http_request_duration_seconds Time to answer HTTP requests.\n",
        );
        out.push_str("# TYPE passmint_http_request_duration_seconds histogram\n");
        for ((route, method, status), s) in map.iter() {
            let labels = format!("route=\"{route}\",method=\"{method}\",status=\"{status}\"");
            for (i, b) in BUCKETS.iter().enumerate() {
                let _ = writeln!(
                    out,
                    "passmint_http_request_duration_seconds_bucket{{{labels},le=\"{b}\"}} {}",
                    s.buckets[i]
                );
            }
            let _ = writeln!(
                out,
                "passmint_http_request_duration_seconds_bucket{{{labels},le=\"+Inf\"}} {}",
                s.count
            );
            let _ = writeln!(
                out,
                "passmint_http_request_duration_seconds_sum{{{labels}}} {}",
                s.sum
            );
            let _ = writeln!(
                out,
                "passmint_http_request_duration_seconds_count{{{labels}}} {}",
                s.count
            );
        }
        drop(map);
        render_outcomes(
            &mut out,
            "passmint_webhook_attempts_total",
            "Webhook delivery attempts by outcome.",
            &self.webhook_attempts,
        );
        render_outcomes(
            &mut out,
            "passmint_apns_pushes_total",
            "APNs pushes by outcome.",
            &self.pushes,
        );
        if let Some(p) = pool {
            out.push_str("# HELP passmint_db_pool_connections Database pool connections.\n");
            out.push_str("# TYPE passmint_db_pool_connections gauge\n");
            let _ = writeln!(
                out,
                "passmint_db_pool_connections{{state=\"in_use\"}} {}",
                p.in_use
            );
            let _ = writeln!(
                out,
                "passmint_db_pool_connections{{state=\"open\"}} {}",
                p.open
            );
            let _ = writeln!(
                out,
                "passmint_db_pool_connections{{state=\"max\"}} {}",
                p.max
            );
        }
        out
    }
}

/// What `m` guards, even when a thread panicked holding it: a count is never left
/// half-written.
fn locked<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Counts `n` more of `outcome`.
fn count(counts: &Mutex<BTreeMap<&'static str, u64>>, outcome: &'static str, n: u64) {
    *locked(counts).entry(outcome).or_default() += n;
}

/// A counter by outcome as Prometheus text: its help, its type, a line an outcome.
fn render_outcomes(
    out: &mut String,
    name: &str,
    help: &str,
    counts: &Mutex<BTreeMap<&'static str, u64>>,
) {
    let _ = writeln!(out, "# HELP {name} {help}");
    let _ = writeln!(out, "# TYPE {name} counter");
    for (outcome, n) in locked(counts).iter() {
        let _ = writeln!(out, "{name}{{outcome=\"{outcome}\"}} {n}");
    }
}

/// The `method` label: one of the standard methods, anything else `OTHER`, so a
/// client cannot add series by inventing methods (docs/api.md §9).
fn method_label(method: &actix_web::http::Method) -> &'static str {
    use actix_web::http::Method;
    const KNOWN: [Method; 9] = [
        Method::GET,
        Method::HEAD,
        Method::POST,
        Method::PUT,
        Method::PATCH,
        Method::DELETE,
        Method::OPTIONS,
        Method::CONNECT,
        Method::TRACE,
    ];
    KNOWN
        .iter()
        .find(|m| *m == method)
        .map_or("OTHER", |m| m.as_str())
}

/// Records every request under its route pattern (never its raw path, so ids do
/// not explode the label space; a path no route matches is `unmatched`) and its
/// method's label from a closed set.
pub async fn middleware(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<impl MessageBody + 'static>, actix_web::Error> {
    let metrics = req.app_data::<web::Data<Metrics>>().cloned();
    let method = method_label(req.method());
    let start = Instant::now();
    let res = next.call(req).await?;
    if let Some(m) = metrics {
        let route = res
            .request()
            .match_pattern()
            .unwrap_or_else(|| "unmatched".to_owned());
        m.observe(
            &route,
            method,
            res.status().as_u16(),
            start.elapsed().as_secs_f64(),
        );
    }
    Ok(res)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::expect_used)]
    use super::method_label;
    use actix_web::http::Method;

    #[test]
    fn methods_outside_the_standard_ones_share_one_label() {
        assert_eq!(method_label(&Method::GET), "GET");
        assert_eq!(method_label(&Method::PATCH), "PATCH");
        for invented in ["FOO", "get", "PROPFIND", "X-1"] {
            let m = Method::from_bytes(invented.as_bytes()).expect("a method token");
            assert_eq!(method_label(&m), "OTHER", "{invented}");
        }
    }
}
