//! Credentials encrypted at rest (docs/api.md §11): what a copy of the database
//! shows, the upgrade of plain-text rows of an earlier version, the rotation of the
//! key-encryption key, and where the key comes from.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use passmint_domain::ids::{AccountId, WebhookId};
use passmint_domain::mode::{Mode, Scope};
use passmint_e2e::receiver::{Received, Receiver};
use passmint_e2e::verify::verify_pkpass;
use passmint_e2e::{Engine, TestDatabase, TestServer, live_identity, process, test_secrets};
use passmint_server::secrets::SecretKeyConfig;
use serde_json::{Value, json};
use std::process::Command;
use std::time::{Duration, Instant};

/// `sql` run by the engine's own command-line client; what it printed.
fn raw_sql(db: &TestDatabase, sql: &str) -> String {
    let out = match db {
        TestDatabase::Postgres(d) => Command::new("psql")
            .args([d.url(), "-v", "ON_ERROR_STOP=1", "-qAtc", sql])
            .output(),
        // The server's connections are open: the client must not take the
        // write-ahead log away when it closes.
        TestDatabase::Sqlite(d, _) => Command::new("sqlite3")
            .args(["-cmd", ".timeout 10000", "-cmd", ".filectrl persist_wal 1"])
            .arg(d.path())
            .arg(sql)
            .output(),
        TestDatabase::Memory(_) => panic!("the in-memory store has no SQL"),
    }
    .expect("the engine's command-line client (psql, sqlite3)");
    assert!(
        out.status.success(),
        "{sql}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8(out.stdout).unwrap();
    match db {
        // `.filectrl` prints what it set.
        TestDatabase::Sqlite(..) => text.strip_prefix("1\n").unwrap_or(&text).to_owned(),
        _ => text,
    }
}

/// What a stolen copy of the database holds: `pg_dump`'s output, or the SQLite
/// file and its write-ahead log.
fn dump(db: &TestDatabase) -> Vec<u8> {
    match db {
        TestDatabase::Postgres(d) => {
            let out = Command::new("pg_dump")
                .arg(d.url())
                .output()
                .expect("pg_dump");
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            out.stdout
        }
        TestDatabase::Sqlite(d, _) => {
            let mut bytes = std::fs::read(d.path()).unwrap();
            let wal = format!("{}-wal", d.path().display());
            bytes.extend(std::fs::read(wal).unwrap_or_default());
            bytes
        }
        TestDatabase::Memory(_) => panic!("the in-memory store has no file"),
    }
}

fn holds(bytes: &[u8], text: &str) -> bool {
    bytes.windows(text.len()).any(|w| w == text.as_bytes())
}

/// A line from the middle of a PEM body: bytes of the key itself.
fn middle_line(pem: &str) -> String {
    let lines: Vec<&str> = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    lines[lines.len() / 2].to_owned()
}

/// What must never be read in a copy of the database.
struct Known {
    webhook_secrets: Vec<String>,
    key_lines: Vec<String>,
}

impl Known {
    fn revealed_by(&self, dump: &[u8]) -> Vec<String> {
        std::iter::once("-----BEGIN".to_owned())
            .chain(self.webhook_secrets.iter().cloned())
            .chain(self.key_lines.iter().cloned())
            .filter(|s| holds(dump, s))
            .collect()
    }
}

/// A server delivering webhooks to `receiver` at once.
async fn delivering(engine: Engine) -> TestServer {
    TestServer::start_with(engine, |c| {
        c.webhooks.allow_private = true;
        c.webhooks.poll_interval = Duration::from_millis(100);
    })
    .await
}

/// A webhook to `receiver` whose secret was rotated once: its id and both secrets
/// (the replaced one signs for 24 hours more).
async fn rotated_webhook(s: &TestServer, receiver: &Receiver) -> (String, Vec<String>) {
    let hook = s
        .post(
            "/v1/webhooks",
            json!({"url": receiver.url, "events": ["*"]}),
        )
        .await;
    assert_eq!(hook.status, 200, "{}", hook.text);
    let id = hook.body["id"].as_str().unwrap().to_owned();
    let rotated = s
        .post(&format!("/v1/webhooks/{id}/rotate_secret"), json!({}))
        .await;
    assert_eq!(rotated.status, 200, "{}", rotated.text);
    let secrets = [&hook.body, &rotated.body]
        .iter()
        .map(|b| b["secret"].as_str().unwrap().to_owned())
        .collect();
    (id, secrets)
}

/// A test and a live pass, each downloaded once (the test one makes the
/// development identity).
async fn passes(s: &TestServer) -> Vec<Value> {
    let template = s.template(&s.test_key).await;
    let tid = template["id"].as_str().unwrap();
    let mut issued = Vec::new();
    for key in [&s.test_key, &s.live_key] {
        let pass = s.pass(key, tid).await;
        let r = s
            .fetch_public(pass["download_url"].as_str().unwrap(), &[])
            .await;
        assert_eq!(r.status, 200, "{}", r.text());
        issued.push(pass);
    }
    issued
}

/// The development identity's private key, as a store opens it.
async fn dev_key_pem(s: &TestServer, secrets: &SecretKeyConfig) -> String {
    let store = passmint_server::compose::open_store(s.db.url(), 1, secrets)
        .await
        .unwrap();
    store
        .get_dev_identity()
        .await
        .unwrap()
        .private_key_pem
        .expose()
        .to_owned()
}

/// The columns that hold credentials.
const CREDENTIALS: [(&str, &str); 8] = [
    ("signing_identities", "certificate_pem"),
    ("signing_identities", "private_key_pem"),
    ("signing_identities", "wwdr_pem"),
    ("dev_identity", "certificate_pem"),
    ("dev_identity", "private_key_pem"),
    ("dev_identity", "wwdr_pem"),
    ("webhooks", "secret"),
    ("webhooks", "previous_secret"),
];

/// The first 24 characters of every stored credential (a sealed value's prefix,
/// key id and the start of its nonce; a PEM's first line), as the columns hold it.
fn stored_credentials(db: &TestDatabase) -> Vec<String> {
    let sql = CREDENTIALS
        .iter()
        .map(|(table, column)| {
            format!("SELECT substr({column}, 1, 24) FROM {table} WHERE {column} IS NOT NULL")
        })
        .collect::<Vec<_>>()
        .join(" UNION ALL ");
    raw_sql(db, &sql).lines().map(str::to_owned).collect()
}

/// Downloads `pass` from `base` and checks its signature (a test pass's against
/// the development CA `dev_ca`).
async fn assert_downloads(s: &TestServer, base: &str, pass: &Value, dev_ca: &str) {
    let path = TestServer::public_path(pass["download_url"].as_str().unwrap());
    let r = s.client.get(format!("{base}{path}")).send().await.unwrap();
    assert_eq!(r.status(), 200, "{pass}");
    let bytes = r.bytes().await.unwrap();
    let ca = if pass["mode"] == "live" {
        String::from_utf8(live_identity().identity.wwdr().to_pem().unwrap()).unwrap()
    } else {
        dev_ca.to_owned()
    };
    let v = verify_pkpass(&bytes, &ca);
    assert_eq!(v.pass_json["serialNumber"], pass["serial_number"]);
}

/// Waits for a `pass.updated` delivery of `pass_id`.
async fn updated_delivery(receiver: &Receiver, pass_id: &str) -> Received {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let found = receiver.received().into_iter().find(|r| {
            let body = r.json();
            body["type"] == "pass.updated" && body["data"]["object"]["id"] == pass_id
        });
        if let Some(r) = found {
            return r;
        }
        assert!(Instant::now() < deadline, "no pass.updated delivery");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn assert_signed_by_each(r: &Received, secrets: &[String]) {
    for secret in secrets {
        standardwebhooks::Webhook::new(secret)
            .unwrap()
            .verify(&r.body, &r.headers)
            .unwrap_or_else(|e| panic!("the secret {secret} does not verify: {e:?}"));
    }
}

/// A copy of the database shows no private key, certificate or webhook secret.
async fn a_dump_reveals_no_secret(engine: Engine) {
    let receiver = Receiver::start();
    let s = delivering(engine).await;
    let (_, webhook_secrets) = rotated_webhook(&s, &receiver).await;
    passes(&s).await;
    let known = Known {
        webhook_secrets,
        key_lines: vec![
            middle_line(&live_identity().key_pem),
            middle_line(&dev_key_pem(&s, &test_secrets()).await),
        ],
    };
    let stored = stored_credentials(&s.db);
    assert_eq!(stored.len(), 3 + 3 + 2, "{stored:?}");
    assert!(
        stored.iter().all(|v| v.starts_with("enc:v1:")),
        "{stored:?}"
    );
    assert_eq!(known.revealed_by(&dump(&s.db)), Vec::<String>::new());
}

/// Rows an earlier version wrote in plain text are sealed when the new version
/// opens the database; every pass still signs and every webhook still verifies.
async fn plain_rows_are_sealed_on_upgrade(engine: Engine) {
    let receiver = Receiver::start();
    let s = delivering(engine).await;
    let (hook, webhook_secrets) = rotated_webhook(&s, &receiver).await;
    let issued = passes(&s).await;
    // The rows as the previous version wrote them: every credential in plain text.
    let files = live_identity();
    let store = passmint_server::compose::open_store(s.db.url(), 1, &test_secrets())
        .await
        .unwrap();
    let dev = store.get_dev_identity().await.unwrap();
    let pem = |c: &openssl::x509::X509Ref| String::from_utf8(c.to_pem().unwrap()).unwrap();
    raw_sql(
        &s.db,
        &format!(
            "UPDATE signing_identities SET certificate_pem = '{}', private_key_pem = '{}', \
             wwdr_pem = '{}'; \
             UPDATE dev_identity SET certificate_pem = '{}', private_key_pem = '{}', \
             wwdr_pem = '{}'; \
             UPDATE webhooks SET secret = '{}', previous_secret = '{}' WHERE id = '{hook}';",
            pem(files.identity.certificate()),
            files.key_pem,
            pem(files.identity.wwdr()),
            dev.certificate_pem,
            dev.private_key_pem.expose(),
            dev.wwdr_pem,
            webhook_secrets[1],
            webhook_secrets[0],
        ),
    );
    let plain = stored_credentials(&s.db);
    assert_eq!(plain.len(), 8, "{plain:?}");
    assert!(plain.iter().all(|v| !v.starts_with("enc:")), "{plain:?}");
    // What the previous version's dump showed (what `a_dump_reveals_no_secret`
    // looks for is there to find).
    let known = Known {
        webhook_secrets: webhook_secrets.clone(),
        key_lines: vec![
            middle_line(&files.key_pem),
            middle_line(dev.private_key_pem.expose()),
        ],
    };
    assert_eq!(known.revealed_by(&dump(&s.db)).len(), 5);

    // The new version opens the database (a restart, or another process).
    let upgraded = s.sibling(|c| {
        c.webhooks.allow_private = true;
        c.webhooks.poll_interval = Duration::from_millis(100);
    });
    let sealed = stored_credentials(&s.db);
    assert_eq!(sealed.len(), 8, "{sealed:?}");
    assert!(
        sealed.iter().all(|v| v.starts_with("enc:v1:")),
        "{sealed:?}"
    );
    // Idempotent: a second opening finds nothing to seal.
    passmint_server::compose::open_store(s.db.url(), 1, &test_secrets())
        .await
        .unwrap();
    assert_eq!(stored_credentials(&s.db), sealed);

    for pass in &issued {
        assert_downloads(&s, &upgraded.base, pass, &dev.wwdr_pem).await;
    }
    let test_pass = issued[0]["id"].as_str().unwrap();
    let patched = s
        .client
        .patch(format!("{}/v1/passes/{test_pass}", upgraded.base))
        .bearer_auth(&s.test_key)
        .json(&json!({"metadata": {"upgraded": true}}))
        .send()
        .await
        .unwrap();
    assert_eq!(patched.status(), 200);
    let delivery = updated_delivery(&receiver, test_pass).await;
    assert_signed_by_each(&delivery, &webhook_secrets);
}

/// `passmint secrets rotate-key` seals everything under the new key; servers given
/// the new key (and the old one as previous) read every credential.
async fn rotating_the_key_reseals_everything(engine: Engine) {
    let receiver = Receiver::start();
    let s = delivering(engine).await;
    let (hook, webhook_secrets) = rotated_webhook(&s, &receiver).await;
    let issued = passes(&s).await;
    let dev_ca = s.dev_ca_pem().await;
    let new_key = "ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8=";
    let rotating = SecretKeyConfig {
        secret_key: Some(new_key.to_owned()),
        previous_secret_keys: Some(format!(" {} ,", process::TEST_SECRET_KEY)),
    };
    let url = s.db.url().to_owned();
    let report = passmint_server::cli::rotate_key(&url, &rotating)
        .await
        .unwrap();
    let key_id = report["key_id"].as_str().unwrap().to_owned();
    assert_eq!(key_id.len(), 8, "{report}");
    assert_eq!(report["values"], 8, "{report}");
    assert_eq!(report["resealed"], 8, "{report}");
    let stored = stored_credentials(&s.db);
    let prefix = format!("enc:v1:{key_id}:");
    assert!(stored.iter().all(|v| v.starts_with(&prefix)), "{stored:?}");
    let again = passmint_server::cli::rotate_key(&url, &rotating)
        .await
        .unwrap();
    assert_eq!(again["resealed"], 0, "{again}");

    // The old key alone no longer opens them; the new key alone does.
    let old_only = passmint_server::compose::open_store(&url, 1, &test_secrets())
        .await
        .unwrap();
    assert!(old_only.get_dev_identity().await.is_err());
    let rotated = s.sibling(|c| {
        c.secrets = SecretKeyConfig::with_key(new_key);
        c.webhooks.allow_private = true;
        c.webhooks.poll_interval = Duration::from_millis(100);
    });
    for pass in &issued {
        assert_downloads(&s, &rotated.base, pass, &dev_ca).await;
    }
    let got = s
        .client
        .get(format!("{}/v1/webhooks/{hook}", rotated.base))
        .bearer_auth(&s.test_key)
        .send()
        .await
        .unwrap();
    assert_eq!(got.status(), 200);
    let new_only = SecretKeyConfig::with_key(new_key);
    let store = passmint_server::compose::open_store(&url, 1, &new_only)
        .await
        .unwrap();
    let scope = Scope::new(AccountId::parse(&s.account_id).unwrap(), Mode::Test);
    let webhook = store
        .get_webhook(&scope, &WebhookId::parse(&hook).unwrap())
        .await
        .unwrap();
    assert_eq!(webhook.secret.expose(), webhook_secrets[1]);
    let previous = webhook.previous_secret.expect("the replaced secret");
    assert_eq!(previous.secret.expose(), webhook_secrets[0]);
}

/// Where the key comes from: PostgreSQL refuses to open without one.
#[tokio::test]
async fn postgres_needs_a_secret_key() {
    let db = passmint_store_postgres::testing::fresh_database().await;
    for (config, expected) in [
        (
            SecretKeyConfig::default(),
            "PASSMINT_SECRET_KEY is required",
        ),
        (
            SecretKeyConfig::with_key("c2hvcnQ="),
            "holds 5 bytes, not 32",
        ),
        (
            SecretKeyConfig {
                secret_key: Some(process::TEST_SECRET_KEY.to_owned()),
                previous_secret_keys: Some("nope!".to_owned()),
            },
            "PASSMINT_PREVIOUS_SECRET_KEYS: key 1 is not base64",
        ),
    ] {
        let refused = passmint_server::compose::open_store(db.url(), 1, &config)
            .await
            .err()
            .expect("refused")
            .to_string();
        assert!(refused.contains(expected), "{refused}");
        assert!(refused.contains("openssl rand -base64 32"), "{refused}");
        assert!(!refused.contains('\n'), "one line: {refused}");
    }
}

/// SQLite without a key makes a key file beside the database once (0600) and
/// reads it from then on.
#[tokio::test]
async fn sqlite_makes_a_key_file_once() {
    use std::os::unix::fs::PermissionsExt;
    let db = passmint_store_sqlite::testing::empty_database();
    let url = db.url();
    let key_file = passmint_server::secrets::key_file_path(db.path());
    assert!(!key_file.exists());
    let none = SecretKeyConfig::default();
    let store = passmint_server::compose::open_store(&url, 1, &none)
        .await
        .unwrap();
    let made = std::fs::read_to_string(&key_file).unwrap();
    let mode = std::fs::metadata(&key_file).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
    // What it sealed opens after a reopening with the same file.
    let pm = passmint_server::compose::passmint_over(store);
    let (account, _, _) = pm.create_account("Key file", None).await.unwrap();
    let creds =
        passmint_server::pkpass::identity::to_credentials(&live_identity().identity).unwrap();
    let stored = pm.set_signing_identity(&account.id, creds).await.unwrap();
    drop(pm);
    let sealed = stored_column(&db, "private_key_pem");
    assert!(sealed.starts_with("enc:v1:"), "{sealed}");
    let again = passmint_server::compose::open_store(&url, 1, &none)
        .await
        .unwrap();
    assert_eq!(std::fs::read_to_string(&key_file).unwrap(), made);
    let read = again.get_signing_identity(&account.id).await.unwrap();
    assert_eq!(
        read.private_key_pem.expose(),
        stored.private_key_pem.expose()
    );
    assert_eq!(read.certificate_pem, stored.certificate_pem);
}

/// The start of a column of `signing_identities` in the SQLite file at `db`.
fn stored_column(db: &passmint_store_sqlite::testing::TestDatabase, column: &str) -> String {
    let out = Command::new("sqlite3")
        .arg(db.path())
        .arg(format!(
            "SELECT substr({column}, 1, 24) FROM signing_identities"
        ))
        .output()
        .expect("sqlite3");
    String::from_utf8(out.stdout).unwrap()
}

macro_rules! sql_engines {
    ($($name:ident),* $(,)?) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    super::$name(passmint_e2e::Engine::Postgres).await
                }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    super::$name(passmint_e2e::Engine::Sqlite).await
                }
            }
        )*
    };
}

sql_engines!(
    a_dump_reveals_no_secret,
    plain_rows_are_sealed_on_upgrade,
    rotating_the_key_reseals_everything,
);
