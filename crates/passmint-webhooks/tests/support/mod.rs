//! A tiny HTTP/1.1 receiver on 127.0.0.1:0 for delivery tests: it records every
//! request, counts connections and answers as the test scripts it (including never,
//! or with an endless body). One request per connection (`connection: close`).

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::sync::mpsc;

/// A request as the receiver saw it.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

/// How the receiver answers.
#[derive(Debug, Clone)]
pub enum Reply {
    /// Status, extra headers, body (sent with content-length).
    Fixed(u16, Vec<(&'static str, String)>, Vec<u8>),
    /// Reads the request and never answers.
    Hang,
    /// Sends a 200 head with a content-length, part of the body, then stalls.
    StallBody(usize, Vec<u8>),
    /// A 200 with a chunked body that never ends.
    Endless,
}

impl Reply {
    pub fn status(status: u16, body: &str) -> Self {
        Reply::Fixed(status, Vec::new(), body.as_bytes().to_vec())
    }
}

pub struct Receiver {
    pub addr: SocketAddr,
    connections: Arc<AtomicUsize>,
    requests: mpsc::UnboundedReceiver<Recorded>,
}

impl Receiver {
    /// Starts a plain-HTTP receiver that answers every request with `reply`.
    pub async fn start(reply: Reply) -> Self {
        Self::start_with(reply, None).await
    }

    /// Starts a receiver; with `tls`, it speaks HTTPS.
    pub async fn start_with(reply: Reply, tls: Option<tokio_native_tls::TlsAcceptor>) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let connections = Arc::new(AtomicUsize::new(0));
        let (tx, requests) = mpsc::unbounded_channel();
        let counter = connections.clone();
        tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    return;
                };
                counter.fetch_add(1, Ordering::SeqCst);
                let reply = reply.clone();
                let tx = tx.clone();
                let tls = tls.clone();
                tokio::spawn(async move {
                    match tls {
                        Some(acceptor) => {
                            if let Ok(stream) = acceptor.accept(stream).await {
                                serve(stream, reply, tx).await;
                            }
                        }
                        None => serve(stream, reply, tx).await,
                    }
                });
            }
        });
        Self {
            addr,
            connections,
            requests,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.addr)
    }

    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }

    /// The next recorded request, waiting up to two seconds.
    pub async fn next_request(&mut self) -> Recorded {
        tokio::time::timeout(Duration::from_secs(2), self.requests.recv())
            .await
            .expect("no request reached the receiver")
            .expect("receiver stopped")
    }

    /// Asserts nothing connected, after giving a stray connection time to show up.
    pub async fn assert_untouched(&self) {
        tokio::time::sleep(Duration::from_millis(150)).await;
        assert_eq!(self.connections(), 0, "the receiver was contacted");
    }
}

async fn serve<S>(mut stream: S, reply: Reply, tx: mpsc::UnboundedSender<Recorded>)
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let Some(request) = read_request(&mut stream).await else {
        return;
    };
    let _ = tx.send(request);
    match reply {
        Reply::Fixed(status, headers, body) => {
            let mut head = format!(
                "HTTP/1.1 {status} {}\r\ncontent-length: {}\r\nconnection: close\r\n",
                reason(status),
                body.len()
            );
            for (name, value) in headers {
                head.push_str(&format!("{name}: {value}\r\n"));
            }
            head.push_str("\r\n");
            let _ = stream.write_all(head.as_bytes()).await;
            let _ = stream.write_all(&body).await;
            let _ = stream.shutdown().await;
        }
        Reply::Hang => {
            tokio::time::sleep(Duration::from_secs(60)).await;
        }
        Reply::StallBody(declared, sent) => {
            let head = format!("HTTP/1.1 200 OK\r\ncontent-length: {declared}\r\n\r\n");
            let _ = stream.write_all(head.as_bytes()).await;
            let _ = stream.write_all(&sent).await;
            let _ = stream.flush().await;
            tokio::time::sleep(Duration::from_secs(60)).await;
        }
        Reply::Endless => {
            let head = "HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\n\r\n";
            if stream.write_all(head.as_bytes()).await.is_err() {
                return;
            }
            let chunk = format!("1000\r\n{}\r\n", "z".repeat(0x1000));
            // Until the client hangs up.
            while stream.write_all(chunk.as_bytes()).await.is_ok() {}
        }
    }
}

async fn read_request<S: AsyncRead + Unpin>(stream: &mut S) -> Option<Recorded> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i;
        }
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8(buf[..head_end].to_vec()).ok()?;
    let mut lines = head.split("\r\n");
    let mut request_line = lines.next()?.split(' ');
    let method = request_line.next()?.to_owned();
    let path = request_line.next()?.to_owned();
    let mut headers = HeaderMap::new();
    for line in lines {
        let (name, value) = line.split_once(':')?;
        headers.append(
            HeaderName::from_bytes(name.trim().to_ascii_lowercase().as_bytes()).ok()?,
            HeaderValue::from_str(value.trim()).ok()?,
        );
    }
    let length: usize = headers
        .get("content-length")
        .and_then(|v| v.to_str().ok()?.parse().ok())
        .unwrap_or(0);
    let mut body = buf[head_end + 4..].to_vec();
    while body.len() < length {
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        body.extend_from_slice(&chunk[..n]);
    }
    Some(Recorded {
        method,
        path,
        headers,
        body,
    })
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        204 => "No Content",
        302 => "Found",
        404 => "Not Found",
        500 => "Internal Server Error",
        _ => "Whatever",
    }
}
