//! A fake APNs server for tests and benchmarks (feature `fake`).
//!
//! [`FakeApns::start`] binds `127.0.0.1:0` and serves HTTP/2 (and HTTP/1.1) over TLS
//! with a certificate for `127.0.0.1` and `localhost`, issued by a CA made at start
//! ([`FakeApns::ca_pem`]). It asks every client for a certificate and accepts any, but
//! answers 403 `MissingProviderToken` to a request on a connection that presented
//! none, so a test that gets a 200 proves the client authenticated with its
//! certificate. Otherwise it answers 200 with an `apns-id`, unless a [`Script`] says
//! otherwise for the token ([`FakeApns::respond`]) or for every token
//! ([`FakeApns::respond_all`]). It records every request ([`FakeApns::requests`]),
//! the TLS connections it accepted ([`FakeApns::connections`]) and the most requests
//! it had in flight at once ([`FakeApns::max_in_flight`]). [`FakeApns::go_silent`]
//! makes the connections open at that moment go dead without closing, as behind a
//! NAT that dropped the flow, while new connections are served as usual.
//!
//! ```
//! use passmint_apns::fake::{FakeApns, Script, TestCertificate};
//! use passmint_apns::{ApnsClient, PushOutcome};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # tokio::runtime::Runtime::new()?.block_on(async {
//! let fake = FakeApns::start().await;
//! let identity = TestCertificate::generate("pass.com.example.test")?.identity()?;
//! let client = ApnsClient::new(&fake.config(), &identity)?;
//! fake.respond("abcd", Script::status(410, "Unregistered"));
//! assert!(client.push("0123", "pass.com.example.test").await.is_delivered());
//! assert!(matches!(
//!     client.push("abcd", "pass.com.example.test").await,
//!     PushOutcome::Unregistered { status: 410, .. }
//! ));
//! assert_eq!(fake.requests()[0].path, "/3/device/0123");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! # })
//! # }
//! ```

use std::collections::HashMap;
use std::convert::Infallible;
use std::fmt;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::task::{Context, Poll};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use http_body_util::{BodyExt, Full};
use hyper::body::{Bytes, Incoming};
use hyper::header::{CONTENT_TYPE, HeaderValue, RETRY_AFTER};
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto;
use openssl::asn1::Asn1Time;
use openssl::bn::{BigNum, MsbOption};
use openssl::ec::{EcGroup, EcKey};
use openssl::error::ErrorStack;
use openssl::hash::MessageDigest;
use openssl::nid::Nid;
use openssl::pkey::{PKey, Private};
use openssl::ssl::{AlpnError, Ssl, SslAcceptor, SslMethod, SslVerifyMode, select_next_proto};
use openssl::x509::extension::{
    BasicConstraints, ExtendedKeyUsage, KeyUsage, SubjectAlternativeName,
};
use openssl::x509::{X509, X509Name, X509NameBuilder};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;
use tokio::task::{JoinHandle, JoinSet};
use tokio::time::Instant;
use tokio_openssl::SslStream;

use crate::client::ApnsConfig;
use crate::error::{ApnsError, error_chain};
use crate::identity::{ClientIdentity, describe_name};
use crate::token::is_valid_device_token;

/// HTTP/2 streams a client may open at once on one connection (APNs allows 1000).
pub const MAX_CONCURRENT_STREAMS: u32 = 1000;

/// One request the fake received.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FakeRequest {
    /// `POST` for a push.
    pub method: String,
    /// The path, e.g. `/3/device/0a1b...`.
    pub path: String,
    /// The part of the path after `/3/device/` (empty for another path).
    pub device_token: String,
    /// The `apns-topic` header.
    pub topic: Option<String>,
    /// The request body.
    pub body: Vec<u8>,
    /// The `content-type` header.
    pub content_type: Option<String>,
    /// The subject (`CN=..., O=...`) of the certificate the client presented on this
    /// connection, `None` when it presented none.
    pub client_cert_subject: Option<String>,
    /// `HTTP/2.0` or `HTTP/1.1`.
    pub http_version: String,
    /// The protocol TLS ALPN selected (`h2`, `http/1.1`), `None` when the client
    /// offered none the fake speaks.
    pub alpn: Option<String>,
    /// Which TLS connection carried it: 1 for the first one accepted, and so on.
    pub connection: usize,
    /// The status the fake answered.
    pub status: u16,
}

/// One scripted answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    /// The HTTP status.
    pub status: u16,
    /// The `reason` of the JSON body (no body is sent with a 200).
    pub reason: String,
}

/// How the fake answers pushes to one token (or to all): a list of answers, one per
/// request, the last one repeating; optionally a `Retry-After` header on the non-200
/// answers and a delay before each answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Script {
    answers: Vec<Answer>,
    retry_after: Option<Duration>,
    delay: Duration,
}

impl Script {
    /// Always `status` with `reason` (e.g. `Script::status(410, "Unregistered")`).
    pub fn status(status: u16, reason: &str) -> Self {
        Self::sequence([(status, reason)])
    }

    /// One answer per request, the last one repeating, e.g.
    /// `Script::sequence(vec![(503, "ServiceUnavailable"), (200, "")])`. An empty list
    /// means 200.
    pub fn sequence<R: Into<String>>(answers: impl IntoIterator<Item = (u16, R)>) -> Self {
        let answers = answers
            .into_iter()
            .map(|(status, reason)| Answer {
                status,
                reason: reason.into(),
            })
            .collect();
        Self {
            answers,
            retry_after: None,
            delay: Duration::ZERO,
        }
    }

    /// Sends `Retry-After: <whole seconds>` with every non-200 answer.
    pub fn with_retry_after(mut self, wait: Duration) -> Self {
        self.retry_after = Some(wait);
        self
    }

    /// Waits `delay` before each answer (on top of [`FakeApns::set_response_delay`]).
    pub fn with_delay(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }

    fn answer(&self, index: usize) -> Answer {
        self.answers
            .get(index)
            .or(self.answers.last())
            .cloned()
            .unwrap_or(Answer {
                status: 200,
                reason: String::new(),
            })
    }
}

#[derive(Debug)]
struct Scripted {
    script: Script,
    served: usize,
}

impl Scripted {
    fn next(&mut self) -> (Answer, Option<Duration>, Duration) {
        let answer = self.script.answer(self.served);
        self.served = self.served.saturating_add(1);
        (answer, self.script.retry_after, self.script.delay)
    }
}

#[derive(Debug, Default)]
struct Scripts {
    by_token: HashMap<String, Scripted>,
    all: Option<Scripted>,
}

#[derive(Debug, Default)]
struct State {
    requests: Mutex<Vec<FakeRequest>>,
    scripts: Mutex<Scripts>,
    response_delay: Mutex<Duration>,
    connections: AtomicUsize,
    /// Connections up to this one (by [`ConnInfo::id`]) are silent.
    silenced_through: AtomicUsize,
    failed_handshakes: AtomicUsize,
    in_flight: AtomicUsize,
    max_in_flight: AtomicUsize,
    next_id: AtomicU64,
    received: Notify,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

struct ConnInfo {
    id: usize,
    alpn: Option<String>,
    subject: Option<String>,
}

/// Counts a request in flight while alive.
struct InFlight<'a>(&'a State);

impl<'a> InFlight<'a> {
    fn enter(state: &'a State) -> Self {
        let now = state.in_flight.fetch_add(1, Ordering::SeqCst) + 1;
        state.max_in_flight.fetch_max(now, Ordering::SeqCst);
        Self(state)
    }
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.0.in_flight.fetch_sub(1, Ordering::SeqCst);
    }
}

/// The fake APNs server. Stops (closing its connections) when dropped.
pub struct FakeApns {
    state: Arc<State>,
    addr: SocketAddr,
    ca_pem: String,
    accept_loop: JoinHandle<()>,
}

impl fmt::Debug for FakeApns {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("FakeApns")
            .field("addr", &self.addr)
            .field("requests", &self.request_count())
            .field("connections", &self.connections())
            .finish_non_exhaustive()
    }
}

impl Drop for FakeApns {
    fn drop(&mut self) {
        self.accept_loop.abort();
    }
}

impl FakeApns {
    /// Starts a fake on `127.0.0.1` with a fresh port, CA and server certificate.
    /// Needs a Tokio runtime.
    ///
    /// # Panics
    ///
    /// When it cannot start (no free port, OpenSSL failure): it is a test fixture. Use
    /// [`FakeApns::try_start`] to get the error instead.
    pub async fn start() -> Self {
        match Self::try_start().await {
            Ok(fake) => fake,
            Err(e) => panic!("{e}"),
        }
    }

    /// [`FakeApns::start`], returning the error.
    pub async fn try_start() -> Result<Self, ApnsError> {
        let fail = |e: &dyn std::error::Error| ApnsError::Fake(error_chain(e));
        let (acceptor, ca_pem) = server_tls().map_err(|e| fail(&e))?;
        let listener = TcpListener::bind(("127.0.0.1", 0))
            .await
            .map_err(|e| fail(&e))?;
        let addr = listener.local_addr().map_err(|e| fail(&e))?;
        let state = Arc::new(State::default());
        let accept_loop = tokio::spawn(accept_loop(listener, Arc::new(acceptor), state.clone()));
        Ok(Self {
            state,
            addr,
            ca_pem,
            accept_loop,
        })
    }

    /// `https://127.0.0.1:PORT`.
    pub fn base_url(&self) -> String {
        format!("https://{}", self.addr)
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The PEM certificate of the CA that issued the server certificate: trust it in
    /// [`ApnsConfig::extra_root_certificates_pem`].
    pub fn ca_pem(&self) -> &str {
        &self.ca_pem
    }

    /// An [`ApnsConfig`] pointing at this fake and trusting its CA, other settings
    /// default.
    pub fn config(&self) -> ApnsConfig {
        ApnsConfig {
            base_url: self.base_url(),
            extra_root_certificates_pem: vec![self.ca_pem.clone()],
            ..ApnsConfig::default()
        }
    }

    /// Every request received so far, in arrival order.
    pub fn requests(&self) -> Vec<FakeRequest> {
        lock(&self.state.requests).clone()
    }

    /// How many requests were received.
    pub fn request_count(&self) -> usize {
        lock(&self.state.requests).len()
    }

    /// How many TLS connections completed their handshake.
    pub fn connections(&self) -> usize {
        self.state.connections.load(Ordering::SeqCst)
    }

    /// How many TLS handshakes failed (e.g. a client that does not trust the CA).
    pub fn failed_handshakes(&self) -> usize {
        self.state.failed_handshakes.load(Ordering::SeqCst)
    }

    /// The most requests that were being answered at once.
    pub fn max_in_flight(&self) -> usize {
        self.state.max_in_flight.load(Ordering::SeqCst)
    }

    /// Requests being answered now.
    pub fn in_flight(&self) -> usize {
        self.state.in_flight.load(Ordering::SeqCst)
    }

    /// Waits until `n` requests were received in all, at most `timeout`; whether they
    /// were.
    pub async fn wait_for(&self, n: usize, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        loop {
            let notified = self.state.received.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if self.request_count() >= n {
                return true;
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                return self.request_count() >= n;
            }
        }
    }

    /// Answers pushes to `device_token` per `script` from now on (replacing an earlier
    /// script for it).
    pub fn respond(&self, device_token: &str, script: Script) {
        lock(&self.state.scripts)
            .by_token
            .insert(device_token.to_owned(), Scripted { script, served: 0 });
    }

    /// Answers pushes to tokens without a script of their own per `script`.
    pub fn respond_all(&self, script: Script) {
        lock(&self.state.scripts).all = Some(Scripted { script, served: 0 });
    }

    /// Waits `delay` before every answer (zero by default): makes concurrency visible.
    pub fn set_response_delay(&self, delay: Duration) {
        *lock(&self.state.response_delay) = delay;
    }

    /// Makes every connection accepted so far silent for good: the fake reads
    /// nothing more from it and what it would write is lost (no answer, no PING
    /// acknowledgement, no close), as when a NAT drops an idle flow. Connections
    /// accepted afterwards are served as usual.
    pub fn go_silent(&self) {
        self.state
            .silenced_through
            .store(self.connections(), Ordering::SeqCst);
    }

    /// Forgets the requests received and the in-flight maximum (scripts, connections
    /// and the delay stay).
    pub fn clear_requests(&self) {
        lock(&self.state.requests).clear();
        self.state.max_in_flight.store(
            self.state.in_flight.load(Ordering::SeqCst),
            Ordering::SeqCst,
        );
    }
}

async fn accept_loop(listener: TcpListener, acceptor: Arc<SslAcceptor>, state: Arc<State>) {
    // Dropping the set (when the loop is aborted) aborts the connections.
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((tcp, _)) => {
                    // Best effort: only latency suffers without it.
                    let _ = tcp.set_nodelay(true);
                    connections.spawn(serve_connection(tcp, acceptor.clone(), state.clone()));
                }
                // Out of file descriptors, say: let connections finish.
                Err(_) => tokio::time::sleep(Duration::from_millis(10)).await,
            },
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
}

async fn serve_connection(tcp: TcpStream, acceptor: Arc<SslAcceptor>, state: Arc<State>) {
    let Ok(ssl) = Ssl::new(acceptor.context()) else {
        return;
    };
    let Ok(mut tls) = SslStream::new(ssl, tcp) else {
        return;
    };
    if Pin::new(&mut tls).accept().await.is_err() {
        state.failed_handshakes.fetch_add(1, Ordering::SeqCst);
        return;
    }
    let id = state.connections.fetch_add(1, Ordering::SeqCst) + 1;
    let info = Arc::new(ConnInfo {
        id,
        alpn: tls
            .ssl()
            .selected_alpn_protocol()
            .map(|p| String::from_utf8_lossy(p).into_owned()),
        subject: tls
            .ssl()
            .peer_certificate()
            .map(|cert| describe_name(cert.subject_name())),
    });
    let io = Silenceable {
        inner: tls,
        id,
        state: state.clone(),
    };
    let service = service_fn(move |request| answer(state.clone(), info.clone(), request));
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http2()
        .max_concurrent_streams(MAX_CONCURRENT_STREAMS);
    // A connection error (the client went away) ends the connection, nothing else.
    let _ = builder.serve_connection(TokioIo::new(io), service).await;
}

/// A connection's stream that goes dead once [`FakeApns::go_silent`] covers it:
/// reads never complete and writes vanish.
struct Silenceable<S> {
    inner: S,
    id: usize,
    state: Arc<State>,
}

impl<S> Silenceable<S> {
    fn silent(&self) -> bool {
        self.id <= self.state.silenced_through.load(Ordering::SeqCst)
    }
}

impl<S: AsyncRead + Unpin> AsyncRead for Silenceable<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        if self.silent() {
            return Poll::Pending;
        }
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Silenceable<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        if self.silent() {
            return Poll::Ready(Ok(buf.len()));
        }
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        if self.silent() {
            return Poll::Ready(Ok(()));
        }
        Pin::new(&mut self.inner).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        if self.silent() {
            return Poll::Pending;
        }
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

async fn answer(
    state: Arc<State>,
    conn: Arc<ConnInfo>,
    request: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let _in_flight = InFlight::enter(&state);
    let (parts, body) = request.into_parts();
    let body = body
        .collect()
        .await
        .map(|collected| collected.to_bytes().to_vec())
        .unwrap_or_default();
    let header = |name: &str| {
        parts
            .headers
            .get(name)
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
    };
    let path = parts.uri.path().to_owned();
    let device_token = path.strip_prefix("/3/device/").unwrap_or("").to_owned();
    let topic = header("apns-topic");

    let reject = |status: u16, reason: &str| {
        (
            Answer {
                status,
                reason: reason.to_owned(),
            },
            None,
            Duration::ZERO,
        )
    };
    let (reply, retry_after, script_delay) = if conn.subject.is_none() {
        reject(403, "MissingProviderToken")
    } else if parts.method != hyper::Method::POST {
        reject(405, "MethodNotAllowed")
    } else if !path.starts_with("/3/device/") {
        reject(404, "BadPath")
    } else if !is_valid_device_token(&device_token) {
        reject(400, "BadDeviceToken")
    } else if topic.as_deref().is_none_or(str::is_empty) {
        reject(400, "MissingTopic")
    } else {
        let mut scripts = lock(&state.scripts);
        let scripts = &mut *scripts;
        match scripts.by_token.get_mut(&device_token) {
            Some(scripted) => scripted.next(),
            None => match scripts.all.as_mut() {
                Some(scripted) => scripted.next(),
                None => reject(200, ""),
            },
        }
    };

    lock(&state.requests).push(FakeRequest {
        method: parts.method.to_string(),
        path,
        device_token,
        topic,
        body,
        content_type: header("content-type"),
        client_cert_subject: conn.subject.clone(),
        http_version: format!("{:?}", parts.version),
        alpn: conn.alpn.clone(),
        connection: conn.id,
        status: reply.status,
    });
    state.received.notify_waiters();

    let delay = *lock(&state.response_delay) + script_delay;
    if !delay.is_zero() {
        tokio::time::sleep(delay).await;
    }
    Ok(build_response(&state, &reply, retry_after))
}

fn build_response(
    state: &State,
    reply: &Answer,
    retry_after: Option<Duration>,
) -> Response<Full<Bytes>> {
    let n = state.next_id.fetch_add(1, Ordering::SeqCst) + 1;
    let apns_id = format!("00000000-0000-4000-8000-{n:012X}");
    let status = StatusCode::from_u16(reply.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let body = if status == StatusCode::OK {
        Bytes::new()
    } else if status == StatusCode::GONE {
        let now = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis())
            .unwrap_or(0);
        Bytes::from(serde_json::json!({ "reason": reply.reason, "timestamp": now }).to_string())
    } else {
        Bytes::from(serde_json::json!({ "reason": reply.reason }).to_string())
    };
    let has_body = !body.is_empty();
    let mut response = Response::new(Full::new(body));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&apns_id) {
        headers.insert("apns-id", value);
    }
    if has_body {
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    }
    if let Some(wait) = retry_after
        && status != StatusCode::OK
    {
        headers.insert(RETRY_AFTER, HeaderValue::from(wait.as_secs()));
    }
    response
}

/// A self-signed client certificate shaped like a Pass Type ID certificate (subject
/// `UID=<pass type identifier>, CN=Pass Type ID: <...>, OU=<team>, O=..., C=US`),
/// with its PKCS#8 private key, for tests.
#[derive(Clone, PartialEq, Eq)]
pub struct TestCertificate {
    /// The certificate, PEM.
    pub certificate_pem: String,
    /// Its private key (EC P-256), PKCS#8 PEM.
    pub private_key_pem: String,
}

impl fmt::Debug for TestCertificate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("TestCertificate")
            .field("certificate_pem", &self.certificate_pem)
            .field("private_key_pem", &"<redacted>")
            .finish()
    }
}

impl TestCertificate {
    /// A fresh certificate and key for `pass_type_identifier`, valid for a year.
    pub fn generate(pass_type_identifier: &str) -> Result<Self, ApnsError> {
        let fail = |e: ErrorStack| ApnsError::Fake(error_chain(&e));
        let key = ec_key().map_err(fail)?;
        let subject = name(&[
            (Nid::USERID, pass_type_identifier),
            (
                Nid::COMMONNAME,
                &format!("Pass Type ID: {pass_type_identifier}"),
            ),
            (Nid::ORGANIZATIONALUNITNAME, "TESTTEAM01"),
            (Nid::ORGANIZATIONNAME, "Passmint Test"),
            (Nid::COUNTRYNAME, "US"),
        ])
        .map_err(fail)?;
        let cert = certificate(&subject, &key, None, Kind::Client).map_err(fail)?;
        Ok(Self {
            certificate_pem: pem_string(cert.to_pem().map_err(fail)?),
            private_key_pem: pem_string(key.private_key_to_pem_pkcs8().map_err(fail)?),
        })
    }

    /// [`ClientIdentity::from_pem`] of this certificate and key.
    pub fn identity(&self) -> Result<ClientIdentity, ApnsError> {
        ClientIdentity::from_pem(&self.certificate_pem, &self.private_key_pem)
    }
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    Ca,
    Server,
    Client,
}

fn pem_string(pem: Vec<u8>) -> String {
    String::from_utf8_lossy(&pem).into_owned()
}

fn ec_key() -> Result<PKey<Private>, ErrorStack> {
    let group = EcGroup::from_curve_name(Nid::X9_62_PRIME256V1)?;
    PKey::from_ec_key(EcKey::generate(&group)?)
}

fn name(entries: &[(Nid, &str)]) -> Result<X509Name, ErrorStack> {
    let mut builder = X509NameBuilder::new()?;
    for (nid, value) in entries {
        builder.append_entry_by_nid(*nid, value)?;
    }
    Ok(builder.build())
}

/// A certificate for `subject` and `key`, signed by `issuer` (self-signed without).
fn certificate(
    subject: &X509Name,
    key: &PKey<Private>,
    issuer: Option<(&X509, &PKey<Private>)>,
    kind: Kind,
) -> Result<X509, ErrorStack> {
    let mut builder = X509::builder()?;
    builder.set_version(2)?;
    let mut serial = BigNum::new()?;
    serial.rand(63, MsbOption::MAYBE_ZERO, false)?;
    let serial = serial.to_asn1_integer()?;
    builder.set_serial_number(&serial)?;
    builder.set_subject_name(subject)?;
    builder.set_pubkey(key)?;
    let not_before = Asn1Time::days_from_now(0)?;
    let not_after = Asn1Time::days_from_now(365)?;
    builder.set_not_before(&not_before)?;
    builder.set_not_after(&not_after)?;
    match kind {
        Kind::Ca => {
            builder.append_extension(BasicConstraints::new().critical().ca().build()?)?;
            builder.append_extension(
                KeyUsage::new()
                    .critical()
                    .key_cert_sign()
                    .crl_sign()
                    .build()?,
            )?;
        }
        Kind::Server => {
            builder.append_extension(BasicConstraints::new().critical().build()?)?;
            builder.append_extension(KeyUsage::new().critical().digital_signature().build()?)?;
            builder.append_extension(ExtendedKeyUsage::new().server_auth().build()?)?;
            let context = builder.x509v3_context(issuer.map(|(cert, _)| &**cert), None);
            let san = SubjectAlternativeName::new()
                .ip("127.0.0.1")
                .dns("localhost")
                .build(&context)?;
            builder.append_extension(san)?;
        }
        Kind::Client => {
            builder.append_extension(BasicConstraints::new().critical().build()?)?;
            builder.append_extension(KeyUsage::new().critical().digital_signature().build()?)?;
            builder.append_extension(ExtendedKeyUsage::new().client_auth().build()?)?;
        }
    }
    match issuer {
        Some((issuer_cert, issuer_key)) => {
            builder.set_issuer_name(issuer_cert.subject_name())?;
            builder.sign(issuer_key, MessageDigest::sha256())?;
        }
        None => {
            builder.set_issuer_name(subject)?;
            builder.sign(key, MessageDigest::sha256())?;
        }
    }
    Ok(builder.build())
}

/// The TLS acceptor (ALPN `h2` first, then `http/1.1`; client certificates
/// requested, any accepted) and the CA's PEM.
fn server_tls() -> Result<(SslAcceptor, String), ErrorStack> {
    let ca_key = ec_key()?;
    let ca_name = name(&[
        (Nid::COMMONNAME, "Passmint fake APNs CA"),
        (Nid::ORGANIZATIONNAME, "Passmint Test"),
    ])?;
    let ca = certificate(&ca_name, &ca_key, None, Kind::Ca)?;
    let server_key = ec_key()?;
    let server_name = name(&[(Nid::COMMONNAME, "127.0.0.1")])?;
    let server = certificate(
        &server_name,
        &server_key,
        Some((&ca, &ca_key)),
        Kind::Server,
    )?;

    let mut builder = SslAcceptor::mozilla_intermediate_v5(SslMethod::tls())?;
    builder.set_private_key(&server_key)?;
    builder.set_certificate(&server)?;
    builder.add_extra_chain_cert(ca.clone())?;
    builder.check_private_key()?;
    builder.set_alpn_select_callback(|_, offered| {
        select_next_proto(b"\x02h2\x08http/1.1", offered).ok_or(AlpnError::NOACK)
    });
    // Ask for a client certificate, accept any (and none: answered 403 later).
    builder.set_verify_callback(SslVerifyMode::PEER, |_, _| true);
    builder.set_session_id_context(b"passmint-fake-apns")?;
    Ok((builder.build(), pem_string(ca.to_pem()?)))
}
