//! One delivery attempt over HTTP, SSRF-safe: [`Deliverer::deliver`] POSTs a body to a
//! customer's URL and reports a [`DeliveryOutcome`]; it never panics and never returns
//! an error, because every failure is an outcome the delivery log records.
//!
//! Rules, in order:
//! 1. The URL must be absolute `http` or `https` with a host.
//! 2. A literal IP host is checked against [`crate::ssrf`] before anything is sent.
//! 3. A host name is resolved by the client's only resolver,
//!    [`GuardedResolver`], which refuses the host if any address is not public and
//!    otherwise hands the checked addresses to the connector: the connection is pinned
//!    to what was checked (no second lookup, no DNS-rebinding window). Pooled
//!    connections were made the same way.
//! 4. No proxy (environment proxies would bypass rule 3), no redirects (a 3xx is a
//!    failure, as Standard Webhooks recommends), no transparent retries.
//! 5. One deadline, [`DelivererConfig::timeout`] (15 s by default), covers DNS,
//!    connect, TLS, request, response head and body.
//! 6. At most `max_response_body + 1` bytes of the response body are read (then the
//!    connection is dropped); the kept body is lossy UTF-8 truncated to
//!    `max_response_body` bytes on a character boundary.
//!
//! Any 2xx status is success; everything else (another status, a refused address, a
//! DNS, connection or TLS error, the deadline) is a failure.

use std::error::Error as StdError;
use std::fmt;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use reqwest::header::{self, HeaderMap, HeaderValue};
use reqwest::{Certificate, Url, redirect};
use tokio::time::timeout_at;

use crate::headers::{unix_now, webhook_headers};
use crate::signing::Secret;
use crate::ssrf::{AddressError, GuardedResolver, check_ip};

/// Default per-attempt deadline (docs/api.md §8).
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(15);
/// Default cap on the response body kept in the delivery log: 16 KiB.
pub const DEFAULT_MAX_RESPONSE_BODY: usize = 16 * 1024;
/// Quiet time after which an HTTP/2 connection to a receiver is sent a PING.
const HTTP2_KEEP_ALIVE_INTERVAL: Duration = Duration::from_secs(10);
/// A PING not answered within this drops the connection.
const HTTP2_KEEP_ALIVE_TIMEOUT: Duration = Duration::from_secs(5);

/// How a [`Deliverer`] behaves.
#[derive(Clone)]
pub struct DelivererConfig {
    /// Deadline of one attempt, from the DNS lookup to the last body byte read.
    pub timeout: Duration,
    /// Deliver to private, loopback, link-local... addresses too
    /// (`PASSMINT_WEBHOOK_ALLOW_PRIVATE=true`).
    pub allow_private: bool,
    /// `user-agent` sent when the request headers carry none.
    pub user_agent: String,
    /// Longest response body kept, in bytes.
    pub max_response_body: usize,
    /// DER certificates trusted in addition to the system's roots (for a private CA,
    /// or a test receiver's self-signed certificate).
    pub extra_root_certificates: Vec<Vec<u8>>,
}

impl Default for DelivererConfig {
    fn default() -> Self {
        Self {
            timeout: DEFAULT_TIMEOUT,
            allow_private: false,
            user_agent: crate::headers::USER_AGENT.to_owned(),
            max_response_body: DEFAULT_MAX_RESPONSE_BODY,
            extra_root_certificates: Vec::new(),
        }
    }
}

impl fmt::Debug for DelivererConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DelivererConfig")
            .field("timeout", &self.timeout)
            .field("allow_private", &self.allow_private)
            .field("user_agent", &self.user_agent)
            .field("max_response_body", &self.max_response_body)
            .field(
                "extra_root_certificates",
                &self.extra_root_certificates.len(),
            )
            .finish()
    }
}

/// Why a [`Deliverer`] cannot be built.
#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    /// The user agent is not a valid header value.
    #[error("invalid webhook user agent {0:?}")]
    UserAgent(String),
    /// An extra root certificate is not DER.
    #[error("extra root certificate #{index} is not a DER certificate: {message}")]
    Certificate {
        /// Its position in [`DelivererConfig::extra_root_certificates`].
        index: usize,
        /// The TLS library's complaint.
        message: String,
    },
    /// The HTTP client could not be built (TLS initialisation).
    #[error("cannot build the webhook HTTP client: {0}")]
    Client(String),
}

/// Which kind of failure an attempt ended in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FailureKind {
    /// The URL is not absolute http(s) with a host.
    InvalidUrl,
    /// The request could not be built (no secret, invalid event id).
    InvalidRequest,
    /// The host is, or resolves to, an address the SSRF rule refuses.
    Refused,
    /// The host name does not resolve.
    Dns,
    /// TCP connect, TLS or protocol error.
    Connect,
    /// The deadline passed before a response (or while reading its body).
    Timeout,
    /// A 3xx response: redirects are not followed.
    Redirect,
    /// Any other non-2xx status.
    Status,
}

impl FailureKind {
    /// A stable lower-case name, for logs and metrics labels.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::InvalidUrl => "invalid_url",
            Self::InvalidRequest => "invalid_request",
            Self::Refused => "refused",
            Self::Dns => "dns",
            Self::Connect => "connect",
            Self::Timeout => "timeout",
            Self::Redirect => "redirect",
            Self::Status => "status",
        }
    }
}

impl fmt::Display for FailureKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What one attempt produced: what the delivery log records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeliveryOutcome {
    /// The response status, when a response head arrived.
    pub status: Option<u16>,
    /// The response body (lossy UTF-8, at most `max_response_body` bytes, NUL
    /// characters replaced by U+FFFD so it fits a PostgreSQL `text` column), when a
    /// response head arrived.
    pub body: Option<String>,
    /// The body was longer than what is kept.
    pub body_truncated: bool,
    /// What went wrong, for the log; `None` on success.
    pub error: Option<String>,
    /// The kind of failure; `None` on success.
    pub failure: Option<FailureKind>,
    /// Wall time of the attempt.
    pub duration: Duration,
}

impl DeliveryOutcome {
    /// Any 2xx.
    pub fn is_success(&self) -> bool {
        self.failure.is_none() && self.status.is_some_and(|s| (200..300).contains(&s))
    }

    fn failed(failure: FailureKind, error: impl Into<String>, duration: Duration) -> Self {
        Self {
            status: None,
            body: None,
            body_truncated: false,
            error: Some(error.into()),
            failure: Some(failure),
            duration,
        }
    }
}

/// The webhook HTTP client. Cheap to clone (one shared connection pool); build one at
/// start-up and share it between workers.
#[derive(Clone)]
pub struct Deliverer {
    client: reqwest::Client,
    user_agent: HeaderValue,
    timeout: Duration,
    allow_private: bool,
    max_response_body: usize,
}

impl fmt::Debug for Deliverer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Deliverer")
            .field("timeout", &self.timeout)
            .field("allow_private", &self.allow_private)
            .field("max_response_body", &self.max_response_body)
            .finish_non_exhaustive()
    }
}

impl Deliverer {
    /// Builds the client: guarded resolver, no proxy, no redirects, no retries,
    /// native TLS with the system roots plus `extra_root_certificates`.
    pub fn new(config: DelivererConfig) -> Result<Self, BuildError> {
        let user_agent = HeaderValue::from_str(&config.user_agent)
            .map_err(|_| BuildError::UserAgent(config.user_agent.clone()))?;
        let certificates = config
            .extra_root_certificates
            .iter()
            .enumerate()
            .map(|(index, der)| {
                Certificate::from_der(der).map_err(|e| BuildError::Certificate {
                    index,
                    message: error_chain(&e),
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let client = reqwest::Client::builder()
            .dns_resolver(Arc::new(GuardedResolver::new(config.allow_private)))
            .no_proxy()
            .redirect(redirect::Policy::none())
            .retry(reqwest::retry::never())
            .tls_backend_native()
            .tls_certs_merge(certificates)
            .connect_timeout(config.timeout)
            .pool_idle_timeout(Duration::from_secs(60))
            // An HTTP/2 connection that goes silent without closing (a NAT that
            // dropped the flow) would otherwise keep every later delivery to its
            // host: PING it when quiet, busy or idle, and drop it unanswered.
            // (HTTP/1.1 connections are dropped with a timed-out request, and the
            // idle ones by TCP keep-alive.)
            .http2_keep_alive_interval(HTTP2_KEEP_ALIVE_INTERVAL)
            .http2_keep_alive_timeout(HTTP2_KEEP_ALIVE_TIMEOUT)
            .http2_keep_alive_while_idle(true)
            .tcp_keepalive(Duration::from_secs(15))
            .user_agent(user_agent.clone())
            .build()
            .map_err(|e| BuildError::Client(error_chain(&e)))?;
        Ok(Self {
            client,
            user_agent,
            timeout: config.timeout,
            allow_private: config.allow_private,
            max_response_body: config.max_response_body,
        })
    }

    /// Signs and delivers one event: builds the Standard Webhooks headers with
    /// `webhook-id = event_id`, `webhook-timestamp` = now, a signature per secret
    /// (current first, during a rotation also the previous one), then [`Self::deliver`].
    pub async fn deliver_event(
        &self,
        url: &str,
        secrets: &[Secret],
        event_id: &str,
        body: impl Into<Bytes>,
    ) -> DeliveryOutcome {
        let body = body.into();
        match webhook_headers(secrets, event_id, unix_now(), &body) {
            Ok(mut headers) => {
                headers.insert(header::USER_AGENT, self.user_agent.clone());
                self.deliver(url, headers, body).await
            }
            Err(e) => {
                DeliveryOutcome::failed(FailureKind::InvalidRequest, e.to_string(), Duration::ZERO)
            }
        }
    }

    /// POSTs `body` with `headers` to `url` under the rules of this module.
    pub async fn deliver(
        &self,
        url: &str,
        headers: HeaderMap,
        body: impl Into<Bytes>,
    ) -> DeliveryOutcome {
        let started = Instant::now();
        let now = tokio::time::Instant::now();
        // A timeout too large to add means "none to speak of": a year.
        let deadline = now
            .checked_add(self.timeout)
            .unwrap_or_else(|| now + Duration::from_secs(365 * 24 * 3600));
        let outcome = self.attempt(url, headers, body.into(), deadline).await;
        let outcome = DeliveryOutcome {
            duration: started.elapsed(),
            ..outcome
        };
        tracing::debug!(
            host = Url::parse(url)
                .ok()
                .and_then(|u| u.host_str().map(str::to_owned)),
            status = outcome.status,
            failure = outcome.failure.map(FailureKind::as_str),
            duration_ms = outcome.duration.as_millis(),
            "webhook attempt"
        );
        outcome
    }

    async fn attempt(
        &self,
        url: &str,
        headers: HeaderMap,
        body: Bytes,
        deadline: tokio::time::Instant,
    ) -> DeliveryOutcome {
        let failed = |kind, error: String| DeliveryOutcome::failed(kind, error, Duration::ZERO);
        let url = match self.check_url(url) {
            Ok(url) => url,
            Err(outcome) => return outcome,
        };
        let request = self.client.post(url).headers(headers).body(body).send();
        let response = match timeout_at(deadline, request).await {
            Ok(Ok(response)) => response,
            Ok(Err(e)) => return classify_send_error(&e),
            Err(_) => {
                return failed(
                    FailureKind::Timeout,
                    format!(
                        "timed out after {} waiting for the response",
                        fmt_duration(self.timeout)
                    ),
                );
            }
        };

        let status = response.status();
        let location = response
            .headers()
            .get(header::LOCATION)
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
        let read = read_limited(response, self.max_response_body, deadline).await;
        let read_error = match read.error {
            ReadError::None => None,
            ReadError::Timeout => Some(format!(
                "timed out after {} reading the response body",
                fmt_duration(self.timeout)
            )),
            ReadError::Other(e) => Some(format!("reading the response body: {e}")),
        };
        if read_error.is_some() && status.is_success() {
            // The receiver answered 2xx: the event is delivered whatever its body does.
            tracing::debug!(error = read_error, "webhook response body incomplete");
        }

        let (failure, error) = if status.is_success() {
            (None, None)
        } else if status.is_redirection() {
            let to = location.map_or_else(String::new, |l| format!(" to {l}"));
            (
                Some(FailureKind::Redirect),
                Some(format!("redirect not followed: HTTP {status}{to}")),
            )
        } else {
            (Some(FailureKind::Status), Some(format!("HTTP {status}")))
        };
        let error = match (error, read_error) {
            (Some(error), Some(read)) => Some(format!("{error}; {read}")),
            (error, _) => error,
        };
        DeliveryOutcome {
            status: Some(status.as_u16()),
            body: Some(body_text(
                &read.bytes,
                self.max_response_body,
                read.truncated,
            )),
            body_truncated: read.truncated,
            error,
            failure,
            duration: Duration::ZERO,
        }
    }

    /// Rules 1 and 2: an absolute http(s) URL whose literal IP host, if any, is allowed.
    fn check_url(&self, raw: &str) -> Result<Url, DeliveryOutcome> {
        let invalid = |why: String| {
            DeliveryOutcome::failed(
                FailureKind::InvalidUrl,
                format!("invalid webhook URL: {why}"),
                Duration::ZERO,
            )
        };
        let mut url = Url::parse(raw)
            .map_err(|e| invalid(format!("{e} (an absolute http(s) URL is required)")))?;
        if !matches!(url.scheme(), "http" | "https") {
            return Err(invalid(format!(
                "scheme {:?} is not http or https",
                url.scheme()
            )));
        }
        let literal = match url.host() {
            None => return Err(invalid("no host".to_owned())),
            Some(url::Host::Ipv4(ip)) => Some(IpAddr::V4(ip)),
            Some(url::Host::Ipv6(ip)) => Some(IpAddr::V6(ip)),
            // The connector would not resolve a name that parses as an address.
            Some(url::Host::Domain(name)) => name.parse::<IpAddr>().ok(),
        };
        if let Some(ip) = literal {
            check_ip(ip, self.allow_private).map_err(|e| {
                DeliveryOutcome::failed(FailureKind::Refused, e.to_string(), Duration::ZERO)
            })?;
        }
        url.set_fragment(None);
        Ok(url)
    }
}

enum ReadError {
    None,
    Timeout,
    Other(String),
}

struct BodyRead {
    bytes: Vec<u8>,
    truncated: bool,
    error: ReadError,
}

/// Reads chunks until the end, `limit + 1` bytes, an error or the deadline.
async fn read_limited(
    mut response: reqwest::Response,
    limit: usize,
    deadline: tokio::time::Instant,
) -> BodyRead {
    let mut bytes = Vec::new();
    let mut truncated = false;
    let mut error = ReadError::None;
    loop {
        match timeout_at(deadline, response.chunk()).await {
            Ok(Ok(Some(chunk))) => {
                let room = (limit + 1).saturating_sub(bytes.len());
                bytes.extend_from_slice(&chunk[..chunk.len().min(room)]);
                if bytes.len() > limit {
                    truncated = true;
                    break;
                }
            }
            Ok(Ok(None)) => break,
            Ok(Err(e)) => {
                error = ReadError::Other(error_chain(&e));
                break;
            }
            Err(_) => {
                error = ReadError::Timeout;
                break;
            }
        }
    }
    BodyRead {
        bytes,
        truncated,
        error,
    }
}

/// Lossy UTF-8 of at most `limit` bytes, cut on a character boundary. A multi-byte
/// character split by the cut is dropped rather than turned into U+FFFD; NUL becomes
/// U+FFFD (PostgreSQL `text` cannot hold it).
fn body_text(bytes: &[u8], limit: usize, truncated: bool) -> String {
    let bytes = &bytes[..bytes.len().min(limit)];
    let mut text = String::with_capacity(bytes.len());
    let mut chunks = bytes.utf8_chunks().peekable();
    while let Some(chunk) = chunks.next() {
        text.push_str(chunk.valid());
        let invalid = chunk.invalid();
        let cut_at_the_end = truncated && chunks.peek().is_none();
        if !invalid.is_empty() && !cut_at_the_end {
            text.push(char::REPLACEMENT_CHARACTER);
        }
    }
    if text.contains('\0') {
        text = text.replace('\0', "\u{FFFD}");
    }
    if text.len() > limit {
        let mut end = limit;
        while !text.is_char_boundary(end) {
            end -= 1;
        }
        text.truncate(end);
    }
    text
}

fn classify_send_error(error: &reqwest::Error) -> DeliveryOutcome {
    let (kind, message) = if let Some(address) = find_source::<AddressError>(error) {
        let kind = match address {
            AddressError::Refused { .. } => FailureKind::Refused,
            AddressError::Lookup { .. } | AddressError::NoAddress { .. } => FailureKind::Dns,
        };
        (kind, address.to_string())
    } else if error.is_timeout() {
        (FailureKind::Timeout, error_chain(error))
    } else {
        (FailureKind::Connect, error_chain(error))
    };
    DeliveryOutcome::failed(kind, message, Duration::ZERO)
}

fn find_source<'a, T: StdError + 'static>(error: &'a (dyn StdError + 'static)) -> Option<&'a T> {
    let mut current = Some(error);
    while let Some(e) = current {
        if let Some(found) = e.downcast_ref::<T>() {
            return Some(found);
        }
        current = e.source();
    }
    None
}

/// `outer: inner: innermost`, skipping a message already contained in the previous one
/// and the URL reqwest appends (it may carry credentials).
fn error_chain(error: &(dyn StdError + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut current = Some(error);
    while let Some(e) = current {
        let message = match e.downcast_ref::<reqwest::Error>() {
            Some(re) => re
                .to_string()
                .split(" for url (")
                .next()
                .unwrap_or_default()
                .to_owned(),
            None => e.to_string(),
        };
        if !parts.last().is_some_and(|last| last.contains(&message)) {
            parts.push(message);
        }
        current = e.source();
    }
    parts.join(": ")
}

fn fmt_duration(d: Duration) -> String {
    if d.subsec_nanos() == 0 {
        format!("{}s", d.as_secs())
    } else {
        format!("{}ms", d.as_millis())
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used)]

    use super::*;

    #[test]
    fn body_text_keeps_short_bodies() {
        assert_eq!(body_text(b"ok", 16, false), "ok");
        assert_eq!(body_text(b"", 16, false), "");
        assert_eq!(body_text(b"a\xffb", 16, false), "a\u{FFFD}b");
        assert_eq!(body_text(b"a\0b", 16, false), "a\u{FFFD}b");
    }

    #[test]
    fn body_text_cuts_on_a_character_boundary() {
        // "é" is two bytes; a limit of 4 falls inside the third one.
        let body = "ééé".as_bytes();
        assert_eq!(body_text(body, 4, true), "éé");
        assert_eq!(body_text(body, 5, true), "éé");
        assert_eq!(body_text(body, 6, false), "ééé");
        // Invalid bytes before the cut still become U+FFFD (3 bytes), within the limit.
        let text = body_text(b"\xff\xff\xff\xff", 4, true);
        assert!(text.len() <= 4, "{text:?}");
        assert!(text.starts_with('\u{FFFD}'));
    }

    #[test]
    fn outcome_success_is_2xx_without_failure() {
        let mut o = DeliveryOutcome {
            status: Some(204),
            body: Some(String::new()),
            body_truncated: false,
            error: None,
            failure: None,
            duration: Duration::ZERO,
        };
        assert!(o.is_success());
        o.status = Some(302);
        o.failure = Some(FailureKind::Redirect);
        assert!(!o.is_success());
        assert!(!DeliveryOutcome::failed(FailureKind::Timeout, "t", Duration::ZERO).is_success());
    }

    #[test]
    fn failure_kind_names() {
        assert_eq!(FailureKind::Refused.to_string(), "refused");
        assert_eq!(FailureKind::InvalidUrl.as_str(), "invalid_url");
    }

    #[test]
    fn fmt_duration_is_short() {
        assert_eq!(fmt_duration(Duration::from_secs(15)), "15s");
        assert_eq!(fmt_duration(Duration::from_millis(250)), "250ms");
    }
}
