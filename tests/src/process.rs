//! The `passmint` binary as a child process, for the durability tests of the
//! passmint-server crate (which include this file as a module) and the bench
//! examples: a free port, `passmint serve` spawned and waited for, an account made
//! with the CLI, a JSON POST that must succeed, the `pass.json` of a download. Std,
//! reqwest, tokio, serde_json and zip only, so that both crates can build it.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use serde_json::Value;
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

/// `PASSMINT_SECRET_KEY` of every command run here: the stores' test key
/// (`passmint_store_sql::sealing::TEST_SECRET_KEY`; PostgreSQL requires one).
pub const TEST_SECRET_KEY: &str = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

/// A port free on 127.0.0.1 right now.
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// `bin serve` on `DATABASE_URL=url`, `PASSMINT_ADDR=127.0.0.1:port`, `RUST_LOG=warn`,
/// stdout and stderr discarded; the caller may add or override any of these.
pub fn serve_command(bin: &str, url: &str, port: u16) -> Command {
    let mut cmd = Command::new(bin);
    cmd.arg("serve")
        .env("DATABASE_URL", url)
        .env("PASSMINT_SECRET_KEY", TEST_SECRET_KEY)
        .env("PASSMINT_ADDR", format!("127.0.0.1:{port}"))
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    cmd
}

/// How to wait for a server to come up: which path answers, for how long, how
/// often to try, and the failure message.
pub struct Wait {
    pub path: &'static str,
    pub within: Duration,
    pub every: Duration,
    pub message: &'static str,
}

/// `/healthz` within 30 s (the tests).
pub const HEALTHZ: Wait = Wait {
    path: "/healthz",
    within: Duration::from_secs(30),
    every: Duration::from_millis(50),
    message: "server did not start",
};

/// `/readyz` within 60 s (the benches, on a loaded machine).
pub const READYZ: Wait = Wait {
    path: "/readyz",
    within: Duration::from_secs(60),
    every: Duration::from_millis(50),
    message: "the server did not start",
};

impl Wait {
    /// Polls `{base}{path}` until it answers; panics with `message` past `within`.
    pub async fn until_up(&self, base: &str) {
        let client = reqwest::Client::new();
        let start = Instant::now();
        while client
            .get(format!("{base}{}", self.path))
            .send()
            .await
            .is_err()
        {
            assert!(start.elapsed() < self.within, "{}", self.message);
            tokio::time::sleep(self.every).await;
        }
    }
}

/// A `passmint serve` process; killed (SIGKILL) when dropped.
pub struct Server {
    pub child: Child,
    pub base: String,
}

impl Server {
    /// Spawns `cmd` (a [`serve_command`] on `port`) and waits for it as `wait` says.
    pub async fn spawn(mut cmd: Command, port: u16, wait: &Wait) -> Server {
        let child = cmd.spawn().expect("spawn passmint serve");
        let base = format!("http://127.0.0.1:{port}");
        wait.until_up(&base).await;
        Server { child, base }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `bin accounts create --name name` on `url`: the printed account (with
/// `account_id`, `test_key`, `live_key`); panics with the stderr on failure.
pub fn create_account(bin: &str, url: &str, name: &str) -> Value {
    let out = Command::new(bin)
        .args(["accounts", "create", "--name", name])
        .env("DATABASE_URL", url)
        .env("PASSMINT_SECRET_KEY", TEST_SECRET_KEY)
        .output()
        .unwrap();
    assert_success(&out);
    serde_json::from_slice(&out.stdout).unwrap()
}

/// A command that must have succeeded; its stderr shows when it did not.
pub fn assert_success(out: &Output) {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// POSTs `body` to `url` with `key`; the answer must be 2xx, its JSON is returned.
pub async fn post_json(client: &reqwest::Client, url: String, key: &str, body: Value) -> Value {
    let res = client
        .post(url)
        .bearer_auth(key)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success(), "{}", res.status());
    res.json().await.unwrap()
}

/// The `pass.json` of a downloaded `.pkpass`.
pub fn pass_json(pkpass: &[u8]) -> Value {
    use std::io::Read;
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(pkpass)).unwrap();
    let mut text = String::new();
    zip.by_name("pass.json")
        .unwrap()
        .read_to_string(&mut text)
        .unwrap();
    serde_json::from_str(&text).unwrap()
}

/// The body of a GET of `url` (a pass download), whatever its status.
pub async fn download(client: &reqwest::Client, url: &str) -> Vec<u8> {
    client
        .get(url)
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap()
        .to_vec()
}

/// `bin args…` on `DATABASE_URL=db` with `RUST_LOG=debug`, to completion.
pub fn run_cli(bin: &str, db: &str, args: &[&str]) -> Output {
    Command::new(bin)
        .args(args)
        .env("DATABASE_URL", db)
        .env("PASSMINT_SECRET_KEY", TEST_SECRET_KEY)
        .env("RUST_LOG", "debug")
        .output()
        .unwrap()
}

/// The JSON a CLI command printed; it must have succeeded (else its stderr shows).
pub fn ok_json(out: &Output) -> Value {
    assert!(
        out.status.success(),
        "stderr: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The JSON of a GET of `url` with `key`, whatever its status.
pub async fn get_json(client: &reqwest::Client, url: String, key: &str) -> Value {
    client
        .get(url)
        .bearer_auth(key)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}
