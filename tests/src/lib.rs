//! Harness for the end-to-end tests: a real `passmint` server (the same `bind` that
//! `passmint serve` uses) on an ephemeral port over its own fresh database — on
//! PostgreSQL or the embedded SQLite, see [`engine_tests!`] — an account with test
//! and live keys, and a small HTTP client.
#![allow(clippy::unwrap_used, clippy::expect_used)]

pub mod bench;
pub mod process;
pub mod receiver;
pub mod secrets;
pub mod verify;

use passmint_server::config::ServeConfig;
/// The storage engine a test server runs on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Engine {
    /// The testkit's in-memory fake of the storage ports.
    Memory,
    Postgres,
    Sqlite,
}

/// A fresh, migrated database of either engine, dropped with the value.
pub enum TestDatabase {
    Memory(std::sync::Arc<passmint_testkit::MemoryStore>),
    Postgres(passmint_store_postgres::testing::TestDatabase),
    Sqlite(passmint_store_sqlite::testing::TestDatabase, String),
}

impl TestDatabase {
    pub async fn fresh(engine: Engine) -> TestDatabase {
        match engine {
            Engine::Memory => {
                TestDatabase::Memory(std::sync::Arc::new(passmint_testkit::MemoryStore::new()))
            }
            Engine::Postgres => {
                TestDatabase::Postgres(passmint_store_postgres::testing::fresh_database().await)
            }
            Engine::Sqlite => {
                let db = passmint_store_sqlite::testing::fresh_database().await;
                let url = db.url().to_string();
                TestDatabase::Sqlite(db, url)
            }
        }
    }

    /// Creates an account with a test and a live key on this database.
    pub async fn create_account(&self, name: &str) -> Value {
        self.create_account_with_limit(name, None).await
    }

    /// [`TestDatabase::create_account`] with a `live_pass_limit`.
    pub async fn create_account_with_limit(&self, name: &str, limit: Option<i64>) -> Value {
        match self {
            TestDatabase::Memory(store) => {
                let pm = passmint_server::compose::passmint_over(store.clone());
                let (account, test, live) = pm.create_account(name, limit).await.unwrap();
                serde_json::json!({
                    "account_id": account.id.as_str(),
                    "test_key": test.key,
                    "live_key": live.key,
                })
            }
            _ => passmint_server::cli::create_account(self.url(), &test_secrets(), name, limit)
                .await
                .expect("create account"),
        }
    }

    /// Sets the account's signing identity to the tests' live identity
    /// ([`live_identity`]), through `passmint accounts set-signing-identity` (PEM
    /// files) on real databases; answers the command's JSON.
    pub async fn set_signing_identity(&self, account_id: &str) -> Value {
        let files = live_identity();
        match self {
            TestDatabase::Memory(store) => {
                let pm = passmint_server::compose::passmint_over(store.clone());
                let creds =
                    passmint_server::pkpass::identity::to_credentials(&files.identity).unwrap();
                let account = passmint_domain::ids::AccountId::parse(account_id).unwrap();
                let stored = pm.set_signing_identity(&account, creds).await.unwrap();
                serde_json::json!({
                    "account_id": account_id,
                    "pass_type_identifier": stored.pass_type_identifier,
                    "team_identifier": stored.team_identifier,
                })
            }
            _ => {
                let cli = <passmint_server::cli::Cli as clap::Parser>::parse_from([
                    "passmint",
                    "accounts",
                    "set-signing-identity",
                    "--database-url",
                    self.url(),
                    "--secret-key",
                    process::TEST_SECRET_KEY,
                    "--account",
                    account_id,
                    "--cert",
                    files.cert.to_str().unwrap(),
                    "--key",
                    files.key.to_str().unwrap(),
                    "--wwdr",
                    files.wwdr.to_str().unwrap(),
                ]);
                let Some(passmint_server::cli::Command::Accounts(
                    passmint_server::cli::AccountsCommand::SetSigningIdentity(args),
                )) = cli.command
                else {
                    panic!("set-signing-identity parses");
                };
                passmint_server::cli::set_signing_identity(&args)
                    .await
                    .expect("set-signing-identity")
            }
        }
    }

    /// Revokes a key (through `passmint keys revoke` on real databases).
    pub async fn revoke_key(&self, key: &str) {
        match self {
            TestDatabase::Memory(store) => {
                passmint_server::compose::passmint_over(store.clone())
                    .revoke_key(key)
                    .await
                    .unwrap();
            }
            _ => {
                let cli = <passmint_server::cli::Cli as clap::Parser>::parse_from([
                    "passmint",
                    "keys",
                    "revoke",
                    "--database-url",
                    self.url(),
                    "--secret-key",
                    process::TEST_SECRET_KEY,
                    key,
                ]);
                passmint_server::cli::run(cli).await.unwrap();
            }
        }
    }

    pub fn url(&self) -> &str {
        match self {
            TestDatabase::Memory(_) => "memory:",
            TestDatabase::Postgres(d) => d.url(),
            TestDatabase::Sqlite(_, url) => url,
        }
    }
}

/// The tests' live signing identity: a generated development identity (its own
/// CA standing in for WWDR) for `pass.test.passmint.live`, team `LIVETEAM01`, with
/// its PEM files written once per test process.
pub struct IdentityFiles {
    pub identity: passmint_pkpass::SigningIdentity,
    pub cert: std::path::PathBuf,
    pub key: std::path::PathBuf,
    pub wwdr: std::path::PathBuf,
    pub key_pem: String,
}

pub const LIVE_PASS_TYPE_ID: &str = "pass.test.passmint.live";
pub const LIVE_TEAM_ID: &str = "LIVETEAM01";

pub fn live_identity() -> &'static IdentityFiles {
    static FILES: std::sync::OnceLock<IdentityFiles> = std::sync::OnceLock::new();
    FILES.get_or_init(|| {
        let identity =
            passmint_pkpass::SigningIdentity::generate_development(LIVE_PASS_TYPE_ID, LIVE_TEAM_ID)
                .unwrap();
        let dir =
            std::env::temp_dir().join(format!("passmint-e2e-identity-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let key_pem =
            String::from_utf8(identity.private_key().private_key_to_pem_pkcs8().unwrap()).unwrap();
        let write = |name: &str, bytes: &[u8]| {
            let path = dir.join(name);
            std::fs::write(&path, bytes).unwrap();
            path
        };
        IdentityFiles {
            cert: write("cert.pem", &identity.certificate().to_pem().unwrap()),
            key: write("key.pem", key_pem.as_bytes()),
            wwdr: write("wwdr.pem", &identity.wwdr().to_pem().unwrap()),
            key_pem,
            identity,
        }
    })
}

/// Stamps, for each named `async fn NAME(engine: Engine)`, a module `NAME` with one
/// test per storage engine (`NAME::memory`, `NAME::postgres`, `NAME::sqlite`): one
/// suite, run against every adapter.
#[macro_export]
macro_rules! engine_tests {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn memory() {
                    super::$name($crate::Engine::Memory).await
                }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    super::$name($crate::Engine::Postgres).await
                }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    super::$name($crate::Engine::Sqlite).await
                }
            }
        )*
    };
}
use reqwest::{Method, StatusCode, header::HeaderMap};
use serde_json::Value;

pub struct TestServer {
    pub base: String,
    pub account_id: String,
    pub test_key: String,
    pub live_key: String,
    pub client: reqwest::Client,
    /// The answers of `send` and `fetch_public`, once started.
    pub transcript: secrets::Transcript,
    handle: actix_web::dev::ServerHandle,
    thread: Option<std::thread::JoinHandle<()>>,
    // Dropped last: the database outlives the server.
    pub db: TestDatabase,
}

/// One HTTP answer, with the body parsed as JSON (`Value::Null` when not JSON).
#[derive(Debug)]
pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
    pub text: String,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Asserts an error envelope with this status, type and param; returns the error.
    pub fn assert_error(&self, status: u16, kind: &str, param: Option<&str>) -> &Value {
        assert_eq!(self.status.as_u16(), status, "status of {}", self.text);
        let err = &self.body["error"];
        assert_eq!(err["type"], kind, "type of {}", self.text);
        assert_eq!(err["param"].as_str(), param, "param of {}", self.text);
        assert!(
            err["message"].as_str().is_some_and(|m| !m.is_empty()),
            "message of {}",
            self.text
        );
        assert!(err.get("code").is_some(), "code key of {}", self.text);
        err
    }
}

/// The PUBLIC_URL of test servers.
pub const PUBLIC_URL: &str = "https://passes.example.test";

/// A public page's answer, body as bytes.
#[derive(Debug)]
pub struct PublicReply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub bytes: Vec<u8>,
}

impl PublicReply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.bytes).into_owned()
    }
}

pub fn config(db_url: &str) -> ServeConfig {
    ServeConfig {
        database_url: Some(db_url.to_owned()),
        addr: "127.0.0.1:0".to_owned(),
        public_url: Some(PUBLIC_URL.to_owned()),
        max_body_bytes: 1024 * 1024,
        db_pool_size: 8,
        key_cache_seconds: 0,
        revocation_poll_interval: std::time::Duration::from_millis(250),
        workers: Some(2),
        webhooks: Default::default(),
        apns: Default::default(),
        pkpass: Default::default(),
        // The tests ask for many refused public pages in a row; the refusal
        // delay has a test of its own (public_limits.rs).
        public: passmint_server::http::public_limits::PublicLimitsConfig {
            refusal_delay: std::time::Duration::ZERO,
            ..Default::default()
        },
        slow: Default::default(),
        secrets: test_secrets(),
        retention: Default::default(),
    }
}

/// The tests' `PASSMINT_SECRET_KEY` ([`process::TEST_SECRET_KEY`]).
pub fn test_secrets() -> passmint_server::secrets::SecretKeyConfig {
    passmint_server::secrets::SecretKeyConfig::with_key(process::TEST_SECRET_KEY)
}

impl TestServer {
    pub async fn start(engine: Engine) -> TestServer {
        Self::start_with(engine, |_| {}).await
    }

    pub async fn start_with(engine: Engine, adjust: impl FnOnce(&mut ServeConfig)) -> TestServer {
        let db = TestDatabase::fresh(engine).await;
        let mut cfg = config(db.url());
        adjust(&mut cfg);
        let memory = match &db {
            TestDatabase::Memory(store) => Some(store.clone()),
            _ => None,
        };
        let (handle, addrs, thread) = serve_in_thread(cfg, memory);
        let account = db.create_account("Test Co").await;
        db.set_signing_identity(account["account_id"].as_str().unwrap())
            .await;
        TestServer {
            base: format!("http://{}", addrs[0]),
            account_id: account["account_id"].as_str().unwrap().to_owned(),
            test_key: account["test_key"].as_str().unwrap().to_owned(),
            live_key: account["live_key"].as_str().unwrap().to_owned(),
            client: reqwest::Client::new(),
            transcript: Default::default(),
            handle,
            thread: Some(thread),
            db,
        }
    }

    /// A second account on the same server, without a signing identity.
    pub async fn other_account(&self) -> Value {
        self.db.create_account("Other Co").await
    }

    /// The use cases over this server's database from outside the server, with their
    /// own caches: what another `passmint` process sharing the database sees and
    /// does.
    pub async fn other_process(&self) -> passmint_domain::service::Passmint {
        passmint_server::compose::passmint_over(self.own_store(2).await)
    }

    /// The server's store (the in-memory one), or its database opened again with
    /// `pool` connections of its own.
    async fn own_store(&self, pool: usize) -> std::sync::Arc<dyn passmint_domain::ports::Store> {
        match &self.db {
            TestDatabase::Memory(store) => store.clone(),
            _ => passmint_server::compose::open_store(self.db.url(), pool, &test_secrets())
                .await
                .unwrap(),
        }
    }

    /// The CA certificate (PEM) of the server's development identity, which signs
    /// test passes (generated on first use and kept in the database).
    pub async fn dev_ca_pem(&self) -> String {
        self.dev_identity().await.wwdr_pem
    }

    /// The server's development identity, private key included (generated on first
    /// use and kept in the database).
    pub async fn dev_identity(&self) -> passmint_domain::signing::SigningCredentials {
        self.own_store(1).await.get_dev_identity().await.unwrap()
    }

    /// An account with a `live_pass_limit` and the live signing identity.
    pub async fn limited_account(&self, limit: i64) -> Value {
        let account = self
            .db
            .create_account_with_limit("Limited Co", Some(limit))
            .await;
        self.db
            .set_signing_identity(account["account_id"].as_str().unwrap())
            .await;
        account
    }

    /// The path of a public URL (`url`, `download_url`) on this server: the tests'
    /// PUBLIC_URL is not where the server listens.
    pub fn public_path(url: &str) -> &str {
        url.strip_prefix(PUBLIC_URL)
            .unwrap_or_else(|| panic!("{url} is not under {PUBLIC_URL}"))
    }

    /// GET of a public URL (no API key) on this server, with extra headers; the
    /// body is kept as bytes.
    pub async fn fetch_public(&self, url: &str, headers: &[(&str, &str)]) -> PublicReply {
        let mut rb = self.client.get(self.url(Self::public_path(url)));
        for (k, v) in headers {
            rb = rb.header(*k, *v);
        }
        let res = rb.send().await.expect("request failed");
        let reply = PublicReply {
            status: res.status(),
            headers: res.headers().clone(),
            bytes: res.bytes().await.unwrap_or_default().to_vec(),
        };
        let path = Self::public_path(url);
        let status = reply.status.as_u16();
        (self.transcript).record("GET", path, status, &reply.headers, &reply.bytes);
        reply
    }

    /// Asserts that a download at `url` answers `304` without a body to its own
    /// `etag` (which it repeats) and to its `last_modified` (docs/api.md §6).
    pub async fn assert_not_modified(&self, url: &str, etag: &str, last_modified: &str) {
        let r304 = self.fetch_public(url, &[("if-none-match", etag)]).await;
        assert_eq!(r304.status, 304, "If-None-Match {etag}");
        assert!(r304.bytes.is_empty());
        assert_eq!(r304.header("etag"), Some(etag));
        let r304 = self
            .fetch_public(url, &[("if-modified-since", last_modified)])
            .await;
        assert_eq!(r304.status, 304, "If-Modified-Since {last_modified}");
    }

    /// The types of a pass's events (as `key` sees them), newest first.
    pub async fn event_types(&self, key: &str, pass_id: &str) -> Vec<String> {
        let r = self
            .send_as(Method::GET, &format!("/v1/passes/{pass_id}/events"), key)
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
        data_strings(&r.body, "type")
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.base, path)
    }

    /// Sends a request with optional key, JSON body and extra headers.
    pub async fn send(
        &self,
        method: Method,
        path: &str,
        key: Option<&str>,
        body: Option<&Value>,
        headers: &[(&str, &str)],
    ) -> Reply {
        let mut rb = self.client.request(method.clone(), self.url(path));
        if let Some(k) = key {
            rb = rb.bearer_auth(k);
        }
        if let Some(b) = body {
            rb = rb
                .header("content-type", "application/json")
                .body(serde_json::to_vec(b).unwrap());
        }
        for (k, v) in headers {
            rb = rb.header(*k, *v);
        }
        let res = rb.send().await.expect("request failed");
        let reply = Self::reply(res).await;
        let status = reply.status.as_u16();
        (self.transcript).record(
            method.as_str(),
            path,
            status,
            &reply.headers,
            reply.text.as_bytes(),
        );
        reply
    }

    /// Sends a request without a key or extra headers.
    pub async fn anonymous(&self, method: Method, path: &str, body: Option<&Value>) -> Reply {
        self.send(method, path, None, body, &[]).await
    }

    /// `POST /wallet/v1/log` with `body`, as a device would (no key).
    pub async fn wallet_log(&self, body: &Value) -> Reply {
        self.anonymous(Method::POST, "/wallet/v1/log", Some(body))
            .await
    }

    pub async fn reply(res: reqwest::Response) -> Reply {
        let status = res.status();
        let headers = res.headers().clone();
        let text = res.text().await.unwrap_or_default();
        let body = serde_json::from_str(&text).unwrap_or(Value::Null);
        Reply {
            status,
            headers,
            body,
            text,
        }
    }

    /// `method path` with `key` and no body or extra header.
    pub async fn send_as(&self, method: Method, path: &str, key: &str) -> Reply {
        self.send(method, path, Some(key), None, &[]).await
    }

    /// `method path` with `key`, a JSON `body` and the `Idempotency-Key` header.
    pub async fn send_idempotent(
        &self,
        method: Method,
        path: &str,
        key: &str,
        body: &Value,
        idempotency_key: &str,
    ) -> Reply {
        self.send(
            method,
            path,
            Some(key),
            Some(body),
            &[("Idempotency-Key", idempotency_key)],
        )
        .await
    }

    pub async fn get(&self, path: &str) -> Reply {
        self.as_test(Method::GET, path, None).await
    }

    /// How many items the list at `path` (GET with the test key) holds on its page.
    pub async fn data_len(&self, path: &str) -> usize {
        self.get(path).await.body["data"].as_array().unwrap().len()
    }

    /// `method path` with the test key and an optional JSON body.
    async fn as_test(&self, method: Method, path: &str, body: Option<&Value>) -> Reply {
        self.send(method, path, Some(&self.test_key.clone()), body, &[])
            .await
    }

    pub async fn post(&self, path: &str, body: Value) -> Reply {
        self.as_test(Method::POST, path, Some(&body)).await
    }

    pub async fn patch(&self, path: &str, body: Value) -> Reply {
        self.as_test(Method::PATCH, path, Some(&body)).await
    }

    /// `POST path` with `body` as the test key, which must answer 200; the body.
    pub async fn post_ok(&self, path: &str, body: Value) -> Value {
        let r = self.post(path, body).await;
        assert_eq!(r.status, 200, "{}", r.text);
        r.body
    }

    /// `PATCH /v1/passes/{pass_id}` with `body`, as the test key.
    pub async fn patch_pass(&self, pass_id: &str, body: Value) -> Reply {
        self.patch(&format!("/v1/passes/{pass_id}"), body).await
    }

    pub async fn delete(&self, path: &str) -> Reply {
        self.as_test(Method::DELETE, path, None).await
    }

    /// Creates a template with one field of each area used by the tests.
    pub async fn template(&self, key: &str) -> Value {
        let r = self
            .send(
                Method::POST,
                "/v1/templates",
                Some(key),
                Some(&template_body()),
                &[],
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
        r.body
    }

    /// The id of a new [`TestServer::template`].
    pub async fn template_id(&self, key: &str) -> String {
        id_of(&self.template(key).await)
    }

    /// The id of a new [`TestServer::pass`].
    pub async fn pass_id(&self, key: &str, template_id: &str) -> String {
        id_of(&self.pass(key, template_id).await)
    }

    /// The path (`/v1/passes/{id}`) of a new pass of a new template.
    pub async fn new_pass_path(&self, key: &str) -> String {
        let template_id = self.template_id(key).await;
        format!("/v1/passes/{}", self.pass_id(key, &template_id).await)
    }

    pub async fn pass(&self, key: &str, template_id: &str) -> Value {
        let r = self
            .send(
                Method::POST,
                "/v1/passes",
                Some(key),
                Some(&serde_json::json!({"template_id": template_id, "holder_email": "alice@example.com"})),
                &[],
            )
            .await;
        assert_eq!(r.status, 200, "{}", r.text);
        r.body
    }
}

/// `passmint serve` over `cfg` (or over the in-memory `memory`) on a thread of its
/// own with its own actix system, once it listens.
fn serve_in_thread(
    cfg: ServeConfig,
    memory: Option<std::sync::Arc<passmint_testkit::MemoryStore>>,
) -> (
    actix_web::dev::ServerHandle,
    Vec<std::net::SocketAddr>,
    std::thread::JoinHandle<()>,
) {
    let (tx, rx) = std::sync::mpsc::channel();
    let thread = std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(async move {
            let bound = match memory {
                Some(store) => passmint_server::compose::bind_with_store(&cfg, store),
                None => passmint_server::compose::bind(&cfg).await,
            };
            match bound {
                Ok((server, addrs)) => {
                    tx.send(Ok((server.handle(), addrs))).unwrap();
                    let _ = server.await;
                }
                Err(e) => tx.send(Err(e.to_string())).unwrap(),
            }
        });
    });
    let (handle, addrs) = rx
        .recv()
        .expect("server thread died")
        .unwrap_or_else(|e| panic!("server failed to start: {e}"));
    (handle, addrs, thread)
}

/// Another server over a [`TestServer`]'s database (as another process, or the
/// same one restarted, would be); stopped when dropped.
pub struct Sibling {
    pub base: String,
    handle: actix_web::dev::ServerHandle,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl TestServer {
    /// A [`Sibling`] over this server's database, with its configuration adjusted.
    pub fn sibling(&self, adjust: impl FnOnce(&mut ServeConfig)) -> Sibling {
        let mut cfg = config(self.db.url());
        adjust(&mut cfg);
        let (handle, addrs, thread) = serve_in_thread(cfg, None);
        Sibling {
            base: format!("http://{}", addrs[0]),
            handle,
            thread: Some(thread),
        }
    }
}

/// Stops an actix server running on its own thread and waits for that thread.
pub(crate) fn stop_server(
    handle: &actix_web::dev::ServerHandle,
    thread: &mut Option<std::thread::JoinHandle<()>>,
) {
    let handle = handle.clone();
    let stopper = std::thread::spawn(move || {
        actix_web::rt::System::new().block_on(handle.stop(false));
    });
    let _ = stopper.join();
    if let Some(t) = thread.take() {
        let _ = t.join();
    }
}

impl Drop for Sibling {
    fn drop(&mut self) {
        stop_server(&self.handle, &mut self.thread);
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        // Stop the server and wait for its thread before the database is dropped.
        stop_server(&self.handle, &mut self.thread);
    }
}

/// The template of the reference's example: a concert ticket.
pub fn template_body() -> Value {
    serde_json::json!({
        "name": "VIP Concert Pass",
        "type": "event",
        "apple_style": "eventTicket",
        "design": passmint_server::openapi::design::example()
    })
}

/// The `id` of an API object.
pub fn id_of(object: &Value) -> String {
    object["id"].as_str().expect("an id").to_owned()
}

/// The string `key` of every object in a list's `data`, in order.
pub fn data_strings(list: &Value, key: &str) -> Vec<String> {
    list["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o[key].as_str().unwrap().to_owned())
        .collect()
}
