//! A real HTTP server that receives webhooks in tests: it records every request
//! (path, headers, body, arrival time) and answers as told (a status and body, a
//! redirect, or not at all before a delay).

use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How the receiver answers.
#[derive(Clone, Debug)]
pub enum Behaviour {
    /// This status, with this body.
    Answer(u16, String),
    /// Waits this long before answering 200 (longer than a delivery's timeout).
    Hang(Duration),
    /// 302 to this path of the receiver.
    Redirect(String),
}

/// One request the receiver got.
#[derive(Clone, Debug)]
pub struct Received {
    pub path: String,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
    pub at: Instant,
}

impl Received {
    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).expect("a JSON body")
    }

    /// `webhook-id`: the event id.
    pub fn webhook_id(&self) -> String {
        self.header("webhook-id").to_owned()
    }
}

struct State {
    behaviour: Behaviour,
    received: Vec<Received>,
}

/// The receiver; stopped when dropped.
pub struct Receiver {
    /// `http://127.0.0.1:PORT/hook`.
    pub url: String,
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    state: Arc<Mutex<State>>,
    handle: actix_web::dev::ServerHandle,
    thread: Option<std::thread::JoinHandle<()>>,
}

fn lock(state: &Mutex<State>) -> std::sync::MutexGuard<'_, State> {
    state.lock().unwrap_or_else(|e| e.into_inner())
}

impl Receiver {
    /// A receiver answering 200 `ok`.
    pub fn start() -> Receiver {
        Self::start_with(Behaviour::Answer(200, "ok".into()))
    }

    pub fn start_with(behaviour: Behaviour) -> Receiver {
        Self::start_on("127.0.0.1:0", behaviour)
    }

    /// A receiver on a given address (to come back on the same port).
    pub fn start_on(addr: &str, behaviour: Behaviour) -> Receiver {
        use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
        let state = Arc::new(Mutex::new(State {
            behaviour,
            received: Vec::new(),
        }));
        let (tx, rx) = std::sync::mpsc::channel();
        let s = state.clone();
        let addr = addr.to_owned();
        let thread = std::thread::spawn(move || {
            actix_web::rt::System::new().block_on(async move {
                let server = HttpServer::new(move || {
                    let s = s.clone();
                    App::new().default_service(web::to(
                        move |req: HttpRequest, body: web::Bytes| {
                            let s = s.clone();
                            async move {
                                let mut headers = HeaderMap::new();
                                for (k, v) in req.headers() {
                                    if let (Ok(k), Ok(v)) = (
                                        HeaderName::from_bytes(k.as_str().as_bytes()),
                                        HeaderValue::from_bytes(v.as_bytes()),
                                    ) {
                                        headers.append(k, v);
                                    }
                                }
                                let behaviour = {
                                    let mut st = lock(&s);
                                    st.received.push(Received {
                                        path: req.path().to_owned(),
                                        headers,
                                        body: body.to_vec(),
                                        at: Instant::now(),
                                    });
                                    st.behaviour.clone()
                                };
                                match behaviour {
                                    Behaviour::Answer(status, body) => HttpResponse::build(
                                        actix_web::http::StatusCode::from_u16(status)
                                            .unwrap_or(actix_web::http::StatusCode::OK),
                                    )
                                    .body(body),
                                    Behaviour::Hang(d) => {
                                        tokio::time::sleep(d).await;
                                        HttpResponse::Ok().body("late")
                                    }
                                    Behaviour::Redirect(to) => HttpResponse::Found()
                                        .insert_header(("location", to))
                                        .finish(),
                                }
                            }
                        },
                    ))
                })
                .workers(2)
                .shutdown_timeout(0)
                .bind(addr.as_str());
                let server = match server {
                    Ok(s) => s,
                    Err(e) => {
                        tx.send(Err(e.to_string())).unwrap();
                        return;
                    }
                };
                let addrs = server.addrs();
                let server = server.run();
                tx.send(Ok((server.handle(), addrs[0]))).unwrap();
                let _ = server.await;
            });
        });
        let (handle, addr) = rx
            .recv()
            .expect("receiver thread")
            .unwrap_or_else(|e| panic!("receiver failed to start: {e}"));
        Receiver {
            url: format!("http://{addr}/hook"),
            base: format!("http://{addr}"),
            state,
            handle,
            thread: Some(thread),
        }
    }

    pub fn set(&self, behaviour: Behaviour) {
        lock(&self.state).behaviour = behaviour;
    }

    /// Everything received so far, in arrival order.
    pub fn received(&self) -> Vec<Received> {
        lock(&self.state).received.clone()
    }

    pub fn count(&self) -> usize {
        lock(&self.state).received.len()
    }

    /// Waits until at least `n` requests arrived (panics after `within`); returns
    /// them all.
    pub async fn wait_for(&self, n: usize, within: Duration) -> Vec<Received> {
        let deadline = Instant::now() + within;
        loop {
            let got = self.received();
            if got.len() >= n {
                return got;
            }
            assert!(
                Instant::now() < deadline,
                "the receiver got {} requests, {n} expected within {within:?}",
                got.len()
            );
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        crate::stop_server(&self.handle, &mut self.thread);
    }
}

/// A test server whose deliveries go at once to a new receiver (one webhook for
/// every event, private addresses allowed, polled every 100 ms), and the id of a
/// template of [`crate::template_body`] on it.
pub async fn server_delivering(engine: crate::Engine) -> (Receiver, crate::TestServer, String) {
    let receiver = Receiver::start();
    let s = crate::TestServer::start_with(engine, |c| {
        c.webhooks.allow_private = true;
        c.webhooks.poll_interval = Duration::from_millis(100);
    })
    .await;
    let hook = s
        .post(
            "/v1/webhooks",
            serde_json::json!({"url": receiver.url, "events": ["*"]}),
        )
        .await;
    assert_eq!(hook.status, 200, "{}", hook.text);
    let template = s.template(&s.test_key).await["id"]
        .as_str()
        .unwrap()
        .to_owned();
    (receiver, s, template)
}
