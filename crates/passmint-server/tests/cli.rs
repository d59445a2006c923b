//! The `passmint` binary itself: the CLI's JSON output, `serve` creating its database
//! on first start, keys never reaching the logs, and a clear failure for a bad URL
//! or a bad event retention.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use passmint_store_postgres::testing::{empty_database, fresh_database};
use serde_json::Value;
use std::io::Read;
use std::process::{Command, Stdio};
use std::time::Duration;

#[path = "../../../tests/src/process.rs"]
mod process;

use process::{HEALTHZ, Wait, free_port, ok_json as json_stdout, serve_command};

fn passmint(db: &str, args: &[&str]) -> std::process::Output {
    process::run_cli(env!("CARGO_BIN_EXE_passmint"), db, args)
}

/// POSTs `body` with `key` and answers the JSON it gets back.
async fn post(client: &reqwest::Client, url: &str, key: &str, body: &Value) -> Value {
    client
        .post(url)
        .bearer_auth(key)
        .json(body)
        .send()
        .await
        .unwrap()
        .json::<Value>()
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn accounts_and_keys_commands_print_json() {
    let db = fresh_database().await;
    let created = json_stdout(&passmint(
        db.url(),
        &["accounts", "create", "--name", "Acme"],
    ));
    let account = created["account_id"].as_str().unwrap();
    assert!(account.starts_with("acct_"));
    let test_key = created["test_key"].as_str().unwrap();
    assert!(test_key.starts_with("pmk_test_") && test_key.len() >= 9 + 32);
    assert!(
        created["live_key"]
            .as_str()
            .unwrap()
            .starts_with("pmk_live_")
    );

    let key = json_stdout(&passmint(
        db.url(),
        &["keys", "create", "--account", account, "--mode", "live"],
    ));
    let live = key["key"].as_str().unwrap();
    assert!(live.starts_with("pmk_live_"));
    assert_eq!(key["mode"], "live");

    let out = passmint(db.url(), &["keys", "revoke", live]);
    let revoked = json_stdout(&out);
    assert_eq!(revoked["revoked"], true);
    let everything = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        !everything.contains(live),
        "the key must not be printed back"
    );

    let out = passmint(
        db.url(),
        &[
            "keys",
            "revoke",
            "pmk_test_doesnotexist0000000000000000000000",
        ],
    );
    assert!(!out.status.success());
    let out = passmint(
        db.url(),
        &[
            "keys",
            "create",
            "--account",
            "acct_000000000000000000000000",
            "--mode",
            "test",
        ],
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("No such account"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_creates_its_database_and_never_logs_keys() {
    // A database name that does not exist yet, on the test server.
    let holder = empty_database().await;
    let url = holder
        .url()
        .replace(holder.name(), &format!("{}_new", holder.name()));
    let created = Command::new(env!("CARGO_BIN_EXE_passmint"))
        .args(["migrate"])
        .env("DATABASE_URL", &url)
        .env("PASSMINT_SECRET_KEY", process::TEST_SECRET_KEY)
        .output()
        .unwrap();
    process::assert_success(&created);
    let account = json_stdout(&passmint(&url, &["accounts", "create", "--name", "Logs"]));
    let key = account["test_key"].as_str().unwrap().to_owned();

    let port = free_port();
    let mut child = serve_command(env!("CARGO_BIN_EXE_passmint"), &url, port)
        .env("RUST_LOG", "trace")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    Wait {
        every: Duration::from_millis(100),
        ..HEALTHZ
    }
    .until_up(&base)
    .await;
    let wrong = format!("{key}x");
    for (case, bearer, status) in [("the key", &key, 200), ("a wrong key", &wrong, 401)] {
        let res = client
            .get(format!("{base}/v1/passes"))
            .bearer_auth(bearer)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), status, "GET /v1/passes with {case}");
    }
    let _ = client
        .post(format!("{base}/v1/passes"))
        .bearer_auth(&key)
        .body("{")
        .send()
        .await
        .unwrap();
    // The log is written by a background thread: read it as it comes, and stop the
    // server once the three requests' access lines are out (or after 30 s), so that
    // the kill does not race the writer.
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel::<String>();
    let reader = std::thread::spawn(move || {
        use std::io::BufRead;
        for line in std::io::BufReader::new(stderr).lines() {
            let Ok(line) = line else { break };
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut logs = String::new();
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    while logs.matches("request finished").count() < 3 && std::time::Instant::now() < deadline {
        if let Ok(line) = rx.recv_timeout(Duration::from_millis(100)) {
            logs.push_str(&line);
            logs.push('\n');
        }
    }
    child.kill().unwrap();
    child.wait().unwrap();
    reader.join().unwrap();
    for line in rx.try_iter() {
        logs.push_str(&line);
        logs.push('\n');
    }
    child
        .stdout
        .take()
        .unwrap()
        .read_to_string(&mut logs)
        .unwrap();
    assert!(
        logs.contains("request finished"),
        "access log expected: {logs}"
    );
    assert!(logs.contains("request_id"), "request ids expected in logs");
    let secret = &key["pmk_test_".len()..];
    assert!(!logs.contains(secret), "an API key reached the logs");

    // Drop the database serve created.
    let drop_sql = format!(
        "DROP DATABASE IF EXISTS \"{}_new\" WITH (FORCE)",
        holder.name()
    );
    let st = Command::new("psql")
        .args([
            &passmint_store_postgres::testing::server_url(),
            "-qc",
            &drop_sql,
        ])
        .status()
        .unwrap();
    assert!(st.success());
}

#[test]
fn a_bad_database_url_fails_with_one_line() {
    let dir = std::env::temp_dir().join(format!("passmint-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let not_a_db = dir.join("garbage.db");
    std::fs::write(&not_a_db, vec![b'x'; 8192]).unwrap();
    let cases = [
        (
            "postgres://postgres@127.0.0.1:1/nothing".to_owned(),
            "127.0.0.1:1",
        ),
        ("mysql://root@127.0.0.1/db".to_owned(), "mysql"),
        (
            "sqlite:///nonexistent-dir/sub/passmint.db".to_owned(),
            "nonexistent-dir",
        ),
        (format!("sqlite://{}", dir.display()), "passmint-cli"),
        (format!("sqlite://{}", not_a_db.display()), "garbage.db"),
    ];
    for (url, needle) in cases {
        for cmd in [&["migrate"][..], &["serve"][..]] {
            let out = Command::new(env!("CARGO_BIN_EXE_passmint"))
                .args(cmd)
                .env("DATABASE_URL", &url)
                .env("PASSMINT_SECRET_KEY", process::TEST_SECRET_KEY)
                .env("PASSMINT_ADDR", "127.0.0.1:0")
                .env("RUST_LOG", "off")
                .output()
                .unwrap();
            assert!(!out.status.success(), "{url} was accepted");
            let err = String::from_utf8_lossy(&out.stderr);
            assert_eq!(err.lines().count(), 1, "one line expected for {url}: {err}");
            assert!(err.starts_with("passmint: "), "{err}");
            assert!(err.contains(needle), "{url}: {err}");
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A `PASSMINT_EVENT_RETENTION` that is not a positive duration stops `serve`
/// before it opens anything, naming the variable (docs/api.md §10).
#[test]
fn a_bad_event_retention_refuses_to_start() {
    for value in ["90", "90x", "ninety days", "0d", "-1d"] {
        let out = Command::new(env!("CARGO_BIN_EXE_passmint"))
            .arg("serve")
            .env(
                "DATABASE_URL",
                "postgres://postgres@127.0.0.1:1/never-opened",
            )
            .env("PASSMINT_ADDR", "127.0.0.1:0")
            .env("PASSMINT_EVENT_RETENTION", value)
            .env("RUST_LOG", "off")
            .output()
            .unwrap();
        assert!(!out.status.success(), "{value} was accepted");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(
            err.contains("PASSMINT_EVENT_RETENTION must be a positive duration"),
            "{value}: {err}"
        );
    }
}

/// `PASSMINT_ADDR=127.0.0.1:0` picks a free port, and without a public URL the
/// pass URLs name that port (not `:0`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_on_port_zero_builds_urls_with_the_bound_port() {
    use std::io::BufRead;
    let dir = std::env::temp_dir().join(format!("passmint-port0-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let db = format!("sqlite://{}/p.db", dir.display());
    let account = json_stdout(&passmint(&db, &["accounts", "create", "--name", "Port"]));
    let key = account["test_key"].as_str().unwrap().to_owned();
    // Port 0: the address is `127.0.0.1:0`.
    let mut child = serve_command(env!("CARGO_BIN_EXE_passmint"), &db, 0)
        .env_remove("PASSMINT_PUBLIC_URL")
        .env("RUST_LOG", "info")
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stderr)
            .lines()
            .map_while(Result::ok)
        {
            if line.contains("passmint listening") {
                let _ = tx.send(line);
            }
        }
    });
    let line = rx
        .recv_timeout(Duration::from_secs(30))
        .expect("listening line");
    let at = line.find("127.0.0.1:").expect("address in the line") + "127.0.0.1:".len();
    let port: u16 = line[at..]
        .chars()
        .take_while(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .unwrap();
    assert_ne!(port, 0);
    let base = format!("http://127.0.0.1:{port}");
    let client = reqwest::Client::new();
    let template = post(
        &client,
        &format!("{base}/v1/templates"),
        &key,
        &serde_json::json!({"name": "T", "type": "generic", "apple_style": "generic",
            "design": {"organization_name": "O", "description": "D"}}),
    )
    .await;
    let pass = post(
        &client,
        &format!("{base}/v1/passes"),
        &key,
        &serde_json::json!({"template_id": template["id"]}),
    )
    .await;
    child.kill().unwrap();
    child.wait().unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        pass["url"]
            .as_str()
            .unwrap()
            .starts_with(&format!("{base}/p/")),
        "{pass}"
    );
}

/// `keys list` and `keys revoke --id` through the binary, on one engine: ids and
/// prefixes only (never a key or its hash), newest first; a revocation by id shows
/// in the list and refuses the key; unknown ids fail with a clear message.
async fn keys_list_and_revoke_by_id(db: &str) {
    let created = json_stdout(&passmint(db, &["accounts", "create", "--name", "Keys"]));
    let account = created["account_id"].as_str().unwrap();
    let extra = json_stdout(&passmint(
        db,
        &["keys", "create", "--account", account, "--mode", "test"],
    ));
    let keys = [
        extra["key"].as_str().unwrap(),
        created["live_key"].as_str().unwrap(),
        created["test_key"].as_str().unwrap(),
    ];
    let list = |what: &str| {
        let out = passmint(db, &["keys", "list", "--account", account]);
        let printed = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        for key in keys {
            let hash = passmint_domain::account::hash_key(key);
            assert!(!printed.contains(&key[9..]), "{what}: a key was printed");
            assert!(!printed.contains(&hash), "{what}: a key's hash was printed");
        }
        let listed = json_stdout(&out);
        assert_eq!(listed["account_id"], account, "{what}");
        listed["keys"].as_array().unwrap().clone()
    };
    let listed = list("keys list");
    assert_eq!(listed.len(), 3, "{listed:?}");
    let modes: Vec<&str> = listed.iter().map(|k| k["mode"].as_str().unwrap()).collect();
    // Newest first: the key created last, then the account's live and test keys
    // (created in that order within one command: live after test).
    assert_eq!(modes, ["test", "live", "test"], "{listed:?}");
    for (entry, key) in listed.iter().zip(keys) {
        let fields: Vec<&str> = entry
            .as_object()
            .unwrap()
            .keys()
            .map(|k| k.as_str())
            .collect();
        assert_eq!(
            fields,
            ["created_at", "id", "mode", "prefix", "revoked_at"],
            "{entry}"
        );
        assert!(entry["id"].as_str().unwrap().starts_with("key_"), "{entry}");
        let prefix = entry["prefix"].as_str().unwrap();
        assert!(key.starts_with(prefix) && prefix.len() < 20, "{entry}");
        assert!(entry["created_at"].as_str().unwrap().ends_with('Z'));
        assert_eq!(entry["revoked_at"], Value::Null, "{entry}");
    }

    let id = listed[0]["id"].as_str().unwrap();
    let out = passmint(db, &["keys", "revoke", "--id", id]);
    let revoked = json_stdout(&out);
    assert_eq!(revoked["revoked"], true);
    assert_eq!(revoked["id"], id);
    assert_eq!(revoked["account_id"], account);
    assert!(!String::from_utf8_lossy(&out.stdout).contains(&keys[0][9..]));
    let at = revoked["revoked_at"].as_str().unwrap().to_owned();
    let listed = list("keys list after a revocation");
    assert_eq!(listed[0]["revoked_at"], at.as_str());
    assert_eq!(listed[1]["revoked_at"], Value::Null);
    assert_eq!(listed[2]["revoked_at"], Value::Null);
    let pm = passmint_server::compose::passmint_over(
        passmint_server::compose::open_store(
            db,
            1,
            &passmint_server::secrets::SecretKeyConfig::with_key(process::TEST_SECRET_KEY),
        )
        .await
        .unwrap(),
    );
    assert!(pm.authenticate(keys[0]).await.is_err(), "revoked by id");
    assert!(pm.authenticate(keys[1]).await.is_ok(), "the others stay");
    let again = json_stdout(&passmint(db, &["keys", "revoke", "--id", id]));
    assert_eq!(again["revoked_at"], at.as_str(), "the first time is kept");

    let fails = |args: &[&str], needle: &str| {
        let out = passmint(db, args);
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "{args:?} succeeded");
        assert!(err.contains(needle), "{args:?}: {err}");
        for key in keys {
            assert!(!err.contains(&key[9..]), "{args:?} printed a key: {err}");
        }
    };
    fails(
        &["keys", "revoke", "--id", "key_000000000000000000000000"],
        "No such api_key: 'key_000000000000000000000000'",
    );
    fails(&["keys", "revoke", "--id", keys[1]], "not an API key id");
    fails(
        &["keys", "revoke", "--id", id, keys[1]],
        "cannot be used with",
    );
    fails(
        &["keys", "list", "--account", "acct_000000000000000000000000"],
        "No such account",
    );
    fails(&["keys", "list", "--account", "nope"], "not an account id");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_list_and_revoke_by_id_postgres() {
    let db = fresh_database().await;
    keys_list_and_revoke_by_id(db.url()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keys_list_and_revoke_by_id_sqlite() {
    let db = passmint_store_sqlite::testing::fresh_database().await;
    keys_list_and_revoke_by_id(&db.url()).await;
}
