//! The APNs HTTP/2 client: [`ApnsClient::push`] sends one Wallet pass update
//! notification and says what became of it, as a [`PushOutcome`].
//!
//! The protocol, for pass updates: `POST {base_url}/3/device/{push token}` over
//! HTTP/2, TLS with the Pass Type ID certificate as the client certificate, header
//! `apns-topic: {pass type identifier}`, body `{}`. APNs answers 200 when it accepted
//! the notification, and otherwise a status with a JSON body `{"reason": "..."}`.
//!
//! Connections: one [`ApnsClient`] keeps one TLS connection to APNs (per host) and
//! multiplexes every push on it as HTTP/2 streams. `h2` is negotiated with TLS ALPN;
//! the client offers only `h2`, so a server that cannot speak HTTP/2 fails the
//! handshake instead of silently downgrading, and concurrent pushes on a cold client
//! wait for the one connection being opened instead of each opening its own (with
//! `http/1.1` also offered, reqwest races one TLS handshake per waiting request).
//! A semaphore bounds the pushes in flight ([`ApnsConfig::max_in_flight`]).
//!
//! A connection that goes silent (a NAT that dropped the flow: no answer, no close)
//! is let go two ways, so that pushes reach APNs again on a new one: the client
//! sends an HTTP/2 PING whenever the connection has been quiet for
//! [`ApnsConfig::keep_alive_interval`], busy or idle, and closes it when no answer
//! comes within [`ApnsConfig::keep_alive_timeout`] (failing the pushes on it, to be
//! retried); and a push that times out replaces the client's connection pool, so
//! the next push opens a fresh connection rather than queueing on the dead one.
//! With the defaults (5 s and 5 s, a 10 s deadline) a push is answered, or fails to
//! be retried on a new connection, within about 10 s of the silence.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use reqwest::header::{CONTENT_TYPE, HeaderValue, RETRY_AFTER};
use reqwest::{Certificate, StatusCode, Url, Version, redirect};
use tokio::sync::{Mutex, Semaphore};

use crate::error::{ApnsError, error_chain};
use crate::identity::ClientIdentity;
use crate::token::is_valid_device_token;

/// APNs production: where Wallet pass updates go, for passes installed from anywhere.
pub const APNS_PRODUCTION_URL: &str = "https://api.push.apple.com";
/// APNs development environment (app builds signed for development; not for passes).
pub const APNS_SANDBOX_URL: &str = "https://api.sandbox.push.apple.com";
/// Default bound on pushes in flight on one client.
pub const DEFAULT_MAX_IN_FLIGHT: usize = 256;
/// Default deadline of one push, from sending to the end of the response.
pub const DEFAULT_REQUEST_TIMEOUT: Duration = Duration::from_secs(10);
/// Default deadline of opening the connection (TCP and TLS).
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Default quiet time of a connection after which the client PINGs APNs.
pub const DEFAULT_KEEP_ALIVE_INTERVAL: Duration = Duration::from_secs(5);
/// Default deadline of the answer to a PING, after which the connection is dropped.
pub const DEFAULT_KEEP_ALIVE_TIMEOUT: Duration = Duration::from_secs(5);
/// The `user-agent` of every push.
pub const USER_AGENT: &str = concat!("passmint-apns/", env!("CARGO_PKG_VERSION"));

/// Longest response body read, in bytes (APNs sends a few dozen).
const MAX_RESPONSE_BODY: usize = 16 * 1024;
/// Longest reason kept from a response body.
const MAX_REASON_LEN: usize = 200;

/// How an [`ApnsClient`] connects.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApnsConfig {
    /// `https://host[:port]`, no path. Default [`APNS_PRODUCTION_URL`].
    pub base_url: String,
    /// PEM certificates (each string may hold several) trusted in addition to the
    /// system's roots: for a test server such as `passmint_apns::fake::FakeApns`.
    pub extra_root_certificates_pem: Vec<String>,
    /// Pushes in flight at once; further calls to [`ApnsClient::push`] wait for a
    /// slot. Default 256 (APNs allows about 1000 streams per connection).
    pub max_in_flight: usize,
    /// Deadline of one push once it has its slot. Default 10 s.
    pub request_timeout: Duration,
    /// Deadline of TCP connect plus TLS handshake. Default 10 s.
    pub connect_timeout: Duration,
    /// A connection that received nothing for this long is sent an HTTP/2 PING,
    /// whether pushes are in flight or not. Default 5 s.
    pub keep_alive_interval: Duration,
    /// A PING not answered within this is taken for a dead connection: it is
    /// closed, and the pushes on it fail (to be retried on a new one). Default 5 s.
    pub keep_alive_timeout: Duration,
}

impl Default for ApnsConfig {
    fn default() -> Self {
        Self {
            base_url: APNS_PRODUCTION_URL.to_owned(),
            extra_root_certificates_pem: Vec::new(),
            max_in_flight: DEFAULT_MAX_IN_FLIGHT,
            request_timeout: DEFAULT_REQUEST_TIMEOUT,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            keep_alive_interval: DEFAULT_KEEP_ALIVE_INTERVAL,
            keep_alive_timeout: DEFAULT_KEEP_ALIVE_TIMEOUT,
        }
    }
}

/// What became of one push.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PushOutcome {
    /// APNs accepted the notification (200).
    Delivered {
        /// The `apns-id` response header: APNs' id of the notification.
        apns_id: Option<String>,
    },
    /// The token is dead or was never valid: stop pushing to it and drop the device's
    /// registration. 410 (`Unregistered`, `ExpiredToken`), or 400 `BadDeviceToken` /
    /// `DeviceTokenNotForTopic`; also a token that fails [`is_valid_device_token`]
    /// (400 `BadDeviceToken`, and nothing is sent).
    Unregistered {
        /// The HTTP status.
        status: u16,
        /// APNs' reason.
        reason: String,
    },
    /// Try again later (see [`crate::RetryPolicy`]): 429 `TooManyRequests`, a 5xx
    /// (`InternalServerError`, `ServiceUnavailable`, `Shutdown`), a connection or TLS
    /// failure, or the deadline.
    Retry {
        /// The HTTP status; `None` when no response arrived.
        status: Option<u16>,
        /// APNs' reason, or what went wrong on the way.
        reason: String,
        /// The `Retry-After` response header (seconds), when given.
        retry_after: Option<Duration>,
    },
    /// The request itself is wrong and retrying it will not help: 403 (certificate
    /// problems such as `BadCertificate`, `BadCertificateEnvironment`), another 4xx
    /// (`BadTopic`, `TopicDisallowed`, `PayloadTooLarge`...), or a topic that cannot be
    /// a header value (400 `BadTopic`, nothing is sent).
    Rejected {
        /// The HTTP status.
        status: u16,
        /// APNs' reason.
        reason: String,
    },
}

impl PushOutcome {
    /// Whether APNs accepted the notification.
    pub fn is_delivered(&self) -> bool {
        matches!(self, Self::Delivered { .. })
    }

    /// The HTTP status: 200 when delivered, `None` when no response arrived.
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Delivered { .. } => Some(200),
            Self::Unregistered { status, .. } | Self::Rejected { status, .. } => Some(*status),
            Self::Retry { status, .. } => *status,
        }
    }

    /// APNs' reason (or the local failure); `None` when delivered.
    pub fn reason(&self) -> Option<&str> {
        match self {
            Self::Delivered { .. } => None,
            Self::Unregistered { reason, .. }
            | Self::Rejected { reason, .. }
            | Self::Retry { reason, .. } => Some(reason),
        }
    }

    /// The outcome of an HTTP answer: `status`, the body's `reason`, the
    /// `apns-id` and `Retry-After` headers.
    pub fn from_response(
        status: u16,
        reason: Option<&str>,
        apns_id: Option<&str>,
        retry_after: Option<Duration>,
    ) -> Self {
        let given = reason;
        let reason = || {
            given.map(str::to_owned).unwrap_or_else(|| {
                StatusCode::from_u16(status)
                    .ok()
                    .and_then(|s| s.canonical_reason())
                    .map(|r| r.replace(' ', ""))
                    .unwrap_or_else(|| format!("HTTP{status}"))
            })
        };
        match status {
            200..=299 => Self::Delivered {
                apns_id: apns_id.map(str::to_owned),
            },
            410 => Self::Unregistered {
                status,
                reason: reason(),
            },
            400 if matches!(given, Some("BadDeviceToken" | "DeviceTokenNotForTopic")) => {
                Self::Unregistered {
                    status,
                    reason: reason(),
                }
            }
            429 | 500..=599 => Self::Retry {
                status: Some(status),
                reason: reason(),
                retry_after,
            },
            _ => Self::Rejected {
                status,
                reason: reason(),
            },
        }
    }
}

/// The APNs client. Cheap to clone (the connection pool and the in-flight bound are
/// shared): build one per pass certificate at start-up and share it.
#[derive(Clone)]
pub struct ApnsClient {
    inner: Arc<Inner>,
}

struct Inner {
    /// What a connection pool is built from.
    settings: Settings,
    /// The pool pushes go through now; replaced after a push timed out.
    pool: std::sync::Mutex<Pool>,
    base_url: String,
    permits: Semaphore,
    max_in_flight: usize,
    /// A push got a response: the pool holds a connection.
    warm: AtomicBool,
    /// Held by the one push that opens the first connection (see [`ApnsClient::push`]).
    warming: Mutex<()>,
    /// Cold pushes that got no response, and why the last one did not.
    cold_failures: AtomicU64,
    last_cold_failure: std::sync::Mutex<String>,
}

impl fmt::Debug for ApnsClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApnsClient")
            .field("base_url", &self.inner.base_url)
            .field("max_in_flight", &self.inner.max_in_flight)
            .field("in_flight", &self.in_flight())
            .finish_non_exhaustive()
    }
}

impl ApnsClient {
    /// A client for `config.base_url` presenting `identity`. Opens no connection yet:
    /// the first push does.
    ///
    /// TLS is native-tls (OpenSSL on Linux) with the system roots plus
    /// [`ApnsConfig::extra_root_certificates_pem`]; redirects are not followed and
    /// proxies (including the `HTTPS_PROXY` environment variable) are not used; idle
    /// connections are kept 10 minutes, PINGed as the module documentation says.
    /// Transport-level refusals that are known to be safe to resend (an HTTP/2
    /// `REFUSED_STREAM`, a graceful `GOAWAY`) are resent by reqwest itself.
    pub fn new(config: &ApnsConfig, identity: &ClientIdentity) -> Result<Self, ApnsError> {
        if config.max_in_flight == 0 || config.max_in_flight > Semaphore::MAX_PERMITS {
            return Err(ApnsError::Config(format!(
                "max_in_flight must be at least 1 (got {})",
                config.max_in_flight
            )));
        }
        let base_url = parse_base_url(&config.base_url)?;
        let mut roots = Vec::new();
        for (index, pem) in config.extra_root_certificates_pem.iter().enumerate() {
            let certs = Certificate::from_pem_bundle(pem.as_bytes()).map_err(|e| {
                ApnsError::RootCertificate {
                    index,
                    message: error_chain(&e),
                }
            })?;
            if certs.is_empty() {
                return Err(ApnsError::RootCertificate {
                    index,
                    message: "no `-----BEGIN CERTIFICATE-----` block found".to_owned(),
                });
            }
            roots.extend(certs);
        }
        let settings = Settings {
            roots,
            identity: identity.reqwest_identity(),
            config: config.clone(),
        };
        let http = settings.build()?;
        Ok(Self {
            inner: Arc::new(Inner {
                settings,
                pool: std::sync::Mutex::new(Pool {
                    generation: 0,
                    http,
                }),
                base_url,
                permits: Semaphore::new(config.max_in_flight),
                max_in_flight: config.max_in_flight,
                warm: AtomicBool::new(false),
                warming: Mutex::new(()),
                cold_failures: AtomicU64::new(0),
                last_cold_failure: std::sync::Mutex::new(String::new()),
            }),
        })
    }

    /// The base URL pushes go to, without a trailing slash.
    pub fn base_url(&self) -> &str {
        &self.inner.base_url
    }

    /// The bound on pushes in flight.
    pub fn max_in_flight(&self) -> usize {
        self.inner.max_in_flight
    }

    /// Pushes in flight now (holding a slot).
    pub fn in_flight(&self) -> usize {
        self.inner
            .max_in_flight
            .saturating_sub(self.inner.permits.available_permits())
    }

    /// Sends a pass update notification to `device_token` for the pass type `topic`.
    /// Waits for a slot when [`ApnsConfig::max_in_flight`] pushes are in flight. Never
    /// panics and never fails: every failure is a [`PushOutcome`].
    ///
    /// Until a first push got an answer, pushes wait for the one opening the
    /// connection, then share it; when that one gets no answer (APNs unreachable),
    /// those that waited for it return its [`PushOutcome::Retry`] at once.
    pub async fn push(&self, device_token: &str, topic: &str) -> PushOutcome {
        if !is_valid_device_token(device_token) {
            return PushOutcome::Unregistered {
                status: 400,
                reason: "BadDeviceToken".to_owned(),
            };
        }
        if topic.is_empty() {
            return PushOutcome::Rejected {
                status: 400,
                reason: "MissingTopic".to_owned(),
            };
        }
        let Ok(topic) = HeaderValue::from_str(topic) else {
            return PushOutcome::Rejected {
                status: 400,
                reason: "BadTopic".to_owned(),
            };
        };
        let Ok(_permit) = self.inner.permits.acquire().await else {
            return PushOutcome::Retry {
                status: None,
                reason: "the APNs client is closed".to_owned(),
                retry_after: None,
            };
        };
        if self.inner.warm.load(Ordering::Acquire) {
            return self.send(device_token, topic).await;
        }
        // Cold: the first push opens the connection while the others wait for it, so
        // a burst of pushes makes one TLS handshake, not one per push racing the pool.
        let failures_before = self.inner.cold_failures.load(Ordering::Acquire);
        let warming = self.inner.warming.lock().await;
        if self.inner.warm.load(Ordering::Acquire) {
            drop(warming);
            return self.send(device_token, topic).await;
        }
        if self.inner.cold_failures.load(Ordering::Acquire) != failures_before {
            // The connection this push waited for could not be opened: do not queue
            // one more attempt behind the lock, share that failure.
            let reason = self
                .inner
                .last_cold_failure
                .lock()
                .map(|r| r.clone())
                .unwrap_or_else(|poisoned| poisoned.into_inner().clone());
            return PushOutcome::Retry {
                status: None,
                reason,
                retry_after: None,
            };
        }
        let outcome = self.send(device_token, topic).await;
        match &outcome {
            PushOutcome::Retry {
                status: None,
                reason,
                ..
            } => {
                match self.inner.last_cold_failure.lock() {
                    Ok(mut last) => reason.clone_into(&mut last),
                    Err(poisoned) => reason.clone_into(&mut poisoned.into_inner()),
                }
                self.inner.cold_failures.fetch_add(1, Ordering::AcqRel);
            }
            _ => self.inner.warm.store(true, Ordering::Release),
        }
        outcome
    }

    async fn send(&self, device_token: &str, topic: HeaderValue) -> PushOutcome {
        let url = format!("{}/3/device/{device_token}", self.inner.base_url);
        let pool = self.inner.pool();
        let sent = pool
            .http
            .post(url)
            .version(Version::HTTP_2)
            .header("apns-topic", topic)
            .header(CONTENT_TYPE, "application/json")
            .body("{}")
            .send()
            .await;
        match sent {
            Ok(response) => read_response(response).await,
            Err(e) => {
                if e.is_timeout() {
                    // The connection may be dead without anything saying so: the next
                    // push must not queue on it.
                    self.inner.replace_pool(pool.generation);
                }
                PushOutcome::Retry {
                    status: None,
                    reason: describe_error(e),
                    retry_after: None,
                }
            }
        }
    }
}

/// A connection pool (a `reqwest::Client`) and its place in the line of pools.
#[derive(Clone)]
struct Pool {
    generation: u64,
    http: reqwest::Client,
}

/// What [`ApnsClient::new`] builds a connection pool from.
struct Settings {
    roots: Vec<Certificate>,
    identity: reqwest::Identity,
    config: ApnsConfig,
}

impl Settings {
    fn build(&self) -> Result<reqwest::Client, ApnsError> {
        let config = &self.config;
        reqwest::Client::builder()
            .tls_backend_native()
            .tls_certs_merge(self.roots.iter().cloned())
            .identity(self.identity.clone())
            // Over https this is ALPN offering `h2` alone (see the module docs), not
            // cleartext prior knowledge.
            .http2_prior_knowledge()
            .http2_keep_alive_interval(config.keep_alive_interval)
            .http2_keep_alive_timeout(config.keep_alive_timeout)
            .http2_keep_alive_while_idle(true)
            .pool_idle_timeout(Duration::from_secs(10 * 60))
            .redirect(redirect::Policy::none())
            .no_proxy()
            .connect_timeout(config.connect_timeout)
            .timeout(config.request_timeout)
            .user_agent(USER_AGENT)
            .build()
            .map_err(|e| ApnsError::Client(error_chain(&e)))
    }
}

impl Inner {
    fn pool(&self) -> Pool {
        self.pool
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }

    /// Replaces the pool of `generation` (once, however many of its pushes timed
    /// out) with a new one, which opens a new connection on its first push. The
    /// old pool's connection closes once the pushes still on it end.
    fn replace_pool(&self, generation: u64) {
        let mut pool = self
            .pool
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if pool.generation != generation {
            return;
        }
        // The settings built a client once already; should they not now, the old
        // pool stays and the keep-alive PINGs still let its dead connection go.
        if let Ok(http) = self.settings.build() {
            *pool = Pool {
                generation: generation + 1,
                http,
            };
            // The new pool is cold: a burst of pushes shares its one handshake.
            self.warm.store(false, Ordering::Release);
        }
    }
}

async fn read_response(mut response: reqwest::Response) -> PushOutcome {
    let status = response.status().as_u16();
    let headers = response.headers();
    let apns_id = headers
        .get("apns-id")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let retry_after = headers
        .get(RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(Duration::from_secs);
    if status == 200 {
        return PushOutcome::from_response(status, None, apns_id.as_deref(), retry_after);
    }
    let mut body = Vec::new();
    let mut body_error = None;
    loop {
        match response.chunk().await {
            Ok(Some(chunk)) => {
                body.extend_from_slice(&chunk);
                if body.len() > MAX_RESPONSE_BODY {
                    break;
                }
            }
            Ok(None) => break,
            Err(e) => {
                body_error = Some(e);
                break;
            }
        }
    }
    let reason = reason_from_body(&body);
    if reason.is_none()
        && let Some(e) = body_error
        && !(400..500).contains(&status)
    {
        // A 5xx whose body was cut off: still a retry, say why.
        return PushOutcome::Retry {
            status: Some(status),
            reason: describe_error(e),
            retry_after,
        };
    }
    PushOutcome::from_response(status, reason.as_deref(), apns_id.as_deref(), retry_after)
}

/// The `reason` of an APNs error body, printable and bounded.
fn reason_from_body(body: &[u8]) -> Option<String> {
    let value: serde_json::Value = serde_json::from_slice(body).ok()?;
    let reason = value.get("reason")?.as_str()?;
    let reason: String = reason
        .chars()
        .filter(|c| !c.is_control())
        .take(MAX_REASON_LEN)
        .collect();
    (!reason.is_empty()).then_some(reason)
}

fn describe_error(e: reqwest::Error) -> String {
    let kind = if e.is_timeout() {
        "timeout"
    } else if e.is_connect() {
        "connection error"
    } else {
        "request error"
    };
    // No URL in the message: it holds the device token.
    let e = e.without_url();
    format!("{kind}: {}", error_chain(&e))
}

fn parse_base_url(raw: &str) -> Result<String, ApnsError> {
    let invalid = |message: &str| ApnsError::BaseUrl {
        url: raw.to_owned(),
        message: message.to_owned(),
    };
    let url = Url::parse(raw).map_err(|e| invalid(&e.to_string()))?;
    if url.scheme() != "https" {
        return Err(invalid("the scheme must be https"));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(invalid("no host"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(invalid("credentials are not allowed in the URL"));
    }
    if url.path() != "/" || url.query().is_some() || url.fragment().is_some() {
        return Err(invalid(
            "give only https://host[:port], without path, query or fragment",
        ));
    }
    Ok(url.as_str().trim_end_matches('/').to_owned())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    #[test]
    fn default_config_targets_production() {
        let c = ApnsConfig::default();
        assert_eq!(c.base_url, "https://api.push.apple.com");
        assert_eq!(c.max_in_flight, 256);
        assert_eq!(c.request_timeout, Duration::from_secs(10));
        assert_eq!(c.keep_alive_interval, Duration::from_secs(5));
        assert_eq!(c.keep_alive_timeout, Duration::from_secs(5));
        assert!(c.extra_root_certificates_pem.is_empty());
    }

    #[test]
    fn base_urls() {
        assert_eq!(
            parse_base_url("https://api.push.apple.com").unwrap(),
            "https://api.push.apple.com"
        );
        assert_eq!(
            parse_base_url("https://127.0.0.1:4443/").unwrap(),
            "https://127.0.0.1:4443"
        );
        for bad in [
            "http://api.push.apple.com",
            "api.push.apple.com",
            "https://api.push.apple.com/3/device",
            "https://api.push.apple.com/?x=1",
            "https://user:pw@api.push.apple.com",
            "",
        ] {
            assert!(
                matches!(parse_base_url(bad), Err(ApnsError::BaseUrl { .. })),
                "{bad}"
            );
        }
    }

    #[test]
    fn outcome_mapping() {
        use PushOutcome::*;
        let map = |status, reason| PushOutcome::from_response(status, reason, Some("id-1"), None);
        assert_eq!(
            map(200, None),
            Delivered {
                apns_id: Some("id-1".into())
            }
        );
        for reason in ["Unregistered", "ExpiredToken"] {
            assert_eq!(
                map(410, Some(reason)),
                Unregistered {
                    status: 410,
                    reason: reason.into()
                }
            );
        }
        assert_eq!(
            map(410, None),
            Unregistered {
                status: 410,
                reason: "Gone".into()
            }
        );
        for reason in ["BadDeviceToken", "DeviceTokenNotForTopic"] {
            assert_eq!(
                map(400, Some(reason)),
                Unregistered {
                    status: 400,
                    reason: reason.into()
                }
            );
        }
        for reason in ["BadTopic", "MissingTopic", "PayloadEmpty"] {
            assert_eq!(
                map(400, Some(reason)),
                Rejected {
                    status: 400,
                    reason: reason.into()
                }
            );
        }
        for (status, reason) in [
            (429, "TooManyRequests"),
            (500, "InternalServerError"),
            (503, "ServiceUnavailable"),
            (503, "Shutdown"),
        ] {
            assert_eq!(
                PushOutcome::from_response(
                    status,
                    Some(reason),
                    None,
                    Some(Duration::from_secs(3))
                ),
                Retry {
                    status: Some(status),
                    reason: reason.into(),
                    retry_after: Some(Duration::from_secs(3))
                }
            );
        }
        for (status, reason) in [
            (403, "BadCertificate"),
            (403, "BadCertificateEnvironment"),
            (404, "BadPath"),
            (405, "MethodNotAllowed"),
            (413, "PayloadTooLarge"),
        ] {
            assert_eq!(
                map(status, Some(reason)),
                Rejected {
                    status,
                    reason: reason.into()
                }
            );
        }
        assert_eq!(
            map(302, None),
            Rejected {
                status: 302,
                reason: "Found".into()
            }
        );
        assert_eq!(map(599, None).status(), Some(599));
        assert!(matches!(map(599, None), Retry { .. }));
    }

    #[test]
    fn outcome_accessors() {
        let r = PushOutcome::Retry {
            status: None,
            reason: "timeout".into(),
            retry_after: None,
        };
        assert_eq!(r.status(), None);
        assert_eq!(r.reason(), Some("timeout"));
        assert!(!r.is_delivered());
        let d = PushOutcome::Delivered { apns_id: None };
        assert!(d.is_delivered());
        assert_eq!(d.reason(), None);
        assert_eq!(d.status(), Some(200));
    }

    #[test]
    fn reasons_from_bodies() {
        assert_eq!(
            reason_from_body(br#"{"reason":"Unregistered","timestamp":1}"#).as_deref(),
            Some("Unregistered")
        );
        assert_eq!(reason_from_body(b""), None);
        assert_eq!(reason_from_body(b"<html>"), None);
        assert_eq!(reason_from_body(br#"{"reason":""}"#), None);
        assert_eq!(reason_from_body(br#"{"reason":5}"#), None);
        assert_eq!(
            reason_from_body(br#"{"reason":"a\nb"}"#).as_deref(),
            Some("ab")
        );
        let long = format!(r#"{{"reason":"{}"}}"#, "x".repeat(1000));
        assert_eq!(
            reason_from_body(long.as_bytes()).unwrap().len(),
            MAX_REASON_LEN
        );
    }
}
