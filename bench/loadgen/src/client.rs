//! One HTTP/1.1 keep-alive connection (hyper's low-level client), no pool: a
//! worker owns exactly one connection and reconnects only after a transport error.

use bytes::Bytes;
use http_body_util::{BodyExt, Empty, Full};
use hyper::client::conn::http1::SendRequest;
use hyper::{Method, Request, header};
use hyper_util::rt::TokioIo;
use std::time::{Duration, Instant};
use tokio::net::TcpStream;

/// `http://host:port` as the address to dial and the `Host` header to send.
#[derive(Clone, Debug)]
pub struct Target {
    pub addr: String,
}

impl Target {
    pub fn parse(base: &str) -> Result<Target, String> {
        let rest = base
            .strip_prefix("http://")
            .ok_or_else(|| format!("'{base}': only http:// base URLs are supported"))?;
        let addr = rest.trim_end_matches('/');
        if addr.is_empty() || addr.contains('/') || !addr.contains(':') {
            return Err(format!("'{base}': expected http://host:port"));
        }
        Ok(Target {
            addr: addr.to_owned(),
        })
    }
}

pub struct Conn {
    sender: SendRequest<Full<Bytes>>,
    host: String,
}

/// A response: status and whole body.
pub struct Answer {
    pub status: u16,
    pub body: Bytes,
}

impl Conn {
    pub async fn open(target: &Target) -> Result<Conn, String> {
        let stream = TcpStream::connect(&target.addr)
            .await
            .map_err(|e| format!("connect {}: {e}", target.addr))?;
        stream
            .set_nodelay(true)
            .map_err(|e| format!("TCP_NODELAY: {e}"))?;
        let (sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .map_err(|e| format!("handshake: {e}"))?;
        tokio::spawn(async move {
            let _ = conn.await;
        });
        Ok(Conn {
            sender,
            host: target.addr.clone(),
        })
    }

    /// Sends one request and reads the whole response.
    pub async fn send(
        &mut self,
        method: Method,
        path: &str,
        key: &str,
        extra: Option<(&'static str, &str)>,
        body: Option<Bytes>,
    ) -> Result<Answer, String> {
        let mut b = Request::builder()
            .method(method)
            .uri(path)
            .header(header::HOST, &self.host)
            .header(header::AUTHORIZATION, format!("Bearer {key}"));
        if let Some((name, value)) = extra {
            b = b.header(name, value);
        }
        let body = match body {
            Some(bytes) => {
                b = b.header(header::CONTENT_TYPE, "application/json");
                Full::new(bytes)
            }
            None => Full::new(Bytes::new()),
        };
        let req = b.body(body).map_err(|e| format!("request: {e}"))?;
        self.sender
            .ready()
            .await
            .map_err(|e| format!("connection: {e}"))?;
        let resp = self
            .sender
            .send_request(req)
            .await
            .map_err(|e| format!("send: {e}"))?;
        let status = resp.status().as_u16();
        let body = resp
            .into_body()
            .collect()
            .await
            .map_err(|e| format!("body: {e}"))?
            .to_bytes();
        Ok(Answer { status, body })
    }
}

/// Polls `GET /readyz` until it answers 200, for at most `timeout`.
pub async fn wait_ready(target: &Target, timeout: Duration) -> Result<(), String> {
    let deadline = Instant::now() + timeout;
    let mut last = String::from("no attempt");
    while Instant::now() < deadline {
        match probe_ready(target).await {
            Ok(200) => return Ok(()),
            Ok(status) => last = format!("status {status}"),
            Err(e) => last = e,
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    Err(format!(
        "{} not ready after {} s ({last})",
        target.addr,
        timeout.as_secs()
    ))
}

async fn probe_ready(target: &Target) -> Result<u16, String> {
    let stream = TcpStream::connect(&target.addr)
        .await
        .map_err(|e| e.to_string())?;
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|e| e.to_string())?;
    tokio::spawn(async move {
        let _ = conn.await;
    });
    let req = Request::builder()
        .uri("/readyz")
        .header(header::HOST, &target.addr)
        .body(Empty::<Bytes>::new())
        .map_err(|e| e.to_string())?;
    let fut = sender.send_request(req);
    let resp = tokio::time::timeout(Duration::from_secs(2), fut)
        .await
        .map_err(|_| "timed out".to_owned())?
        .map_err(|e| e.to_string())?;
    Ok(resp.status().as_u16())
}
