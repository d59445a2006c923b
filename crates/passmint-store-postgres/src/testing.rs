//! Throw-away databases for tests (feature `testing`).
//!
//! Every test gets its own database, so tests share nothing and run in parallel.
//! The schema is migrated once into a template database named after a hash of the
//! migrations (under an advisory lock, so concurrent test processes do not race);
//! each [`fresh_database`] is then a cheap `CREATE DATABASE … TEMPLATE`. Dropping the
//! [`TestDatabase`] drops the database (`WITH (FORCE)`, closing any connection still
//! open to it).
//!
//! The server URL comes from `PASSMINT_TEST_DATABASE_URL` (default
//! `postgres://postgres@127.0.0.1:5432/postgres`); a user allowed to create
//! databases is needed. When the server is unreachable the helpers panic with the
//! command that starts it: tests never skip silently.
//!
//! ```no_run
//! # async fn demo() {
//! use passmint_store_postgres::testing;
//! let db = testing::fresh_database().await; // migrated, empty
//! let url = db.url().to_owned();            // e.g. for `DATABASE_URL` of a spawned server
//! // ... keep `db` alive while the database is in use; dropping it drops the database.
//! let store = testing::fresh_store().await; // or a `PgStore` that owns its database
//! # }
//! ```

#![allow(clippy::expect_used, clippy::unwrap_used)]

use crate::sql::Bind;
use crate::{MIGRATIONS, PgStore, PgStoreError, redact_url, run_migrations};
use diesel::migration::MigrationSource;
use diesel::pg::Pg;
use diesel_async::async_connection_wrapper::AsyncConnectionWrapper;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl, SimpleAsyncConnection};
use diesel_migrations::MigrationHarness;
use passmint_store_sql::sealing::test_keyring;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

/// Where the test server's URL is read from.
pub const URL_ENV: &str = "PASSMINT_TEST_DATABASE_URL";
/// The URL used when [`URL_ENV`] is unset.
pub const DEFAULT_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";
/// Pool size of the stores made by [`TestDatabase::store`].
pub const TEST_POOL_SIZE: usize = 4;

const START_HINT: &str = "start it with `pg_ctlcluster --skip-systemctl-redirect \
     $(ls /etc/postgresql) main start` (or point PASSMINT_TEST_DATABASE_URL at a server \
     whose user may create databases)";

/// The maintenance URL the test databases are created through.
pub fn server_url() -> String {
    std::env::var(URL_ENV)
        .ok()
        .filter(|u| !u.trim().is_empty())
        .unwrap_or_else(|| DEFAULT_URL.to_owned())
}

/// A database that exists as long as this value; dropping it drops the database.
#[derive(Debug)]
pub struct TestDatabase {
    name: String,
    url: String,
    server_url: String,
}

impl TestDatabase {
    /// Connection URL of this database.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The database's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// A store on this database that owns it: the database is dropped with the
    /// store.
    pub async fn store(self) -> PgStore {
        self.store_with_pool(TEST_POOL_SIZE).await
    }

    /// Like [`TestDatabase::store`], with a given pool size.
    pub async fn store_with_pool(self, max_pool_size: usize) -> PgStore {
        let store = PgStore::connect(&self.url, max_pool_size)
            .await
            .unwrap_or_else(|e| panic!("cannot open test database {}: {e}", self.name));
        store.with_keyring(test_keyring()).with_guard(self)
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        let server_url = self.server_url.clone();
        let sql = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", quote(&self.name));
        // Drop runs inside the test's runtime, which must not be blocked on: use a
        // thread with its own.
        let outcome = std::thread::spawn(move || -> Result<(), String> {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|e| e.to_string())?;
            runtime.block_on(async {
                let mut conn = AsyncPgConnection::establish(&server_url)
                    .await
                    .map_err(|e| e.to_string())?;
                conn.batch_execute(&sql).await.map_err(|e| e.to_string())
            })
        })
        .join();
        match outcome {
            Ok(Ok(())) => {}
            Ok(Err(e)) => eprintln!("warning: could not drop test database {}: {e}", self.name),
            Err(_) => eprintln!("warning: dropping test database {} panicked", self.name),
        }
    }
}

/// A new database with the schema migrated and no rows.
pub async fn fresh_database() -> TestDatabase {
    let server = server_url();
    let mut admin = connect_server(&server).await;
    let template = migrated_template(&mut admin, &server).await;
    create_database(&mut admin, &server, Some(&template)).await
}

/// A new database without any schema (for migration tests).
pub async fn empty_database() -> TestDatabase {
    let server = server_url();
    let mut admin = connect_server(&server).await;
    create_database(&mut admin, &server, None).await
}

/// [`fresh_database`] for synchronous code (blocking end-to-end tests): runs on a
/// thread of its own with its own runtime.
pub fn fresh_database_blocking() -> TestDatabase {
    passmint_store_sql::blocking::on_own_runtime(fresh_database)
}

/// A store on a [`fresh_database`] that owns it.
pub async fn fresh_store() -> PgStore {
    fresh_database().await.store().await
}

/// Reverts every applied migration of the database at `url` (the down half of the
/// migration round-trip test); returns how many were reverted.
pub async fn revert_all_migrations(url: &str) -> Result<usize, PgStoreError> {
    let owned = url.to_owned();
    let redacted = redact_url(url);
    tokio::task::spawn_blocking(move || {
        let mut conn =
            <AsyncConnectionWrapper<AsyncPgConnection> as diesel::Connection>::establish(&owned)
                .map_err(|e| e.to_string())?;
        conn.revert_all_migrations(MIGRATIONS)
            .map(|v| v.len())
            .map_err(|e| e.to_string())
    })
    .await
    .map_err(|e| e.to_string())
    .and_then(|r| r)
    .map_err(|message| PgStoreError::Migration {
        url: redacted,
        message,
    })
}

async fn connect_server(server: &str) -> AsyncPgConnection {
    match AsyncPgConnection::establish(server).await {
        Ok(conn) => conn,
        Err(e) => panic!(
            "PostgreSQL is not reachable at {} ({e}); {START_HINT}",
            redact_url(server)
        ),
    }
}

use crate::admin::{quote, with_database};

static NEXT: AtomicU64 = AtomicU64::new(0);

async fn create_database(
    admin: &mut AsyncPgConnection,
    server: &str,
    template: Option<&str>,
) -> TestDatabase {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    let name = format!(
        "passmint_t_{}_{}_{nanos}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    );
    let template = template.map_or_else(|| "template0".to_owned(), quote);
    admin
        .batch_execute(&format!(
            "CREATE DATABASE {} TEMPLATE {template}",
            quote(&name)
        ))
        .await
        .unwrap_or_else(|e| panic!("cannot create test database {name}: {e}"));
    TestDatabase {
        url: with_database(server, &name),
        server_url: server.to_owned(),
        name,
    }
}

/// FNV-1a: stable across builds and processes, unlike `DefaultHasher`.
fn fnv1a(hash: u64, bytes: &[u8]) -> u64 {
    bytes.iter().fold(hash, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// A hash of the embedded migrations' names and, when the source tree is at hand,
/// of their SQL, so that editing a migration yields a new template.
fn migrations_hash() -> u64 {
    let mut h = 0xcbf2_9ce4_8422_2325;
    let migrations = MigrationSource::<Pg>::migrations(&MIGRATIONS).unwrap_or_default();
    for m in &migrations {
        let name = m.name().to_string();
        h = fnv1a(h, name.as_bytes());
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../../migrations/postgres")
            .join(&name);
        for file in ["up.sql", "down.sql"] {
            if let Ok(sql) = std::fs::read(dir.join(file)) {
                h = fnv1a(h, &sql);
            }
        }
    }
    h
}

#[derive(diesel::QueryableByName)]
struct IsTemplate {
    #[diesel(sql_type = diesel::sql_types::Bool)]
    datistemplate: bool,
}

async fn template_ready(admin: &mut AsyncPgConnection, name: &str) -> bool {
    let rows: Vec<IsTemplate> =
        diesel::sql_query("SELECT datistemplate FROM pg_database WHERE datname = $1")
            .bind::<diesel::sql_types::Text, _>(name)
            .load(admin)
            .await
            .unwrap_or_else(|e| panic!("cannot look up template database {name}: {e}"));
    rows.iter().any(|r| r.datistemplate)
}

/// The name of the migrated template database, creating it if needed. A template is
/// marked `IS_TEMPLATE` only once fully migrated, so a half-made one (a process
/// killed mid-way) is rebuilt.
async fn migrated_template(admin: &mut AsyncPgConnection, server: &str) -> String {
    static READY: OnceLock<String> = OnceLock::new();
    if let Some(name) = READY.get() {
        return name.clone();
    }
    let hash = migrations_hash();
    let name = format!("passmint_tmpl_{hash:016x}");
    if !template_ready(admin, &name).await {
        let lock = format!("SELECT pg_advisory_lock({})", hash as i64);
        admin
            .batch_execute(&lock)
            .await
            .unwrap_or_else(|e| panic!("cannot take the template lock: {e}"));
        if !template_ready(admin, &name).await {
            build_template(admin, server, &name).await;
        }
        admin
            .batch_execute(&format!("SELECT pg_advisory_unlock({})", hash as i64))
            .await
            .unwrap_or_else(|e| panic!("cannot release the template lock: {e}"));
    }
    READY.get_or_init(|| name).clone()
}

async fn build_template(admin: &mut AsyncPgConnection, server: &str, name: &str) {
    let quoted = quote(name);
    let statements = [
        format!("DROP DATABASE IF EXISTS {quoted} WITH (FORCE)"),
        format!("CREATE DATABASE {quoted} TEMPLATE template0"),
    ];
    for sql in statements {
        admin
            .batch_execute(&sql)
            .await
            .unwrap_or_else(|e| panic!("cannot prepare template database {name}: {e}"));
    }
    run_migrations(&with_database(server, name))
        .await
        .unwrap_or_else(|e| panic!("cannot migrate template database {name}: {e}"));
    admin
        .batch_execute(&format!("ALTER DATABASE {quoted} IS_TEMPLATE true"))
        .await
        .unwrap_or_else(|e| panic!("cannot mark template database {name}: {e}"));
}

/// Every statement of this adapter that finds a row by a unique key, each with the
/// port call that runs it (and its variant), in the exact text it runs: what the
/// plan tests check is answered from the key's unique index.
pub fn keyed_statements() -> Vec<(String, String)> {
    use passmint_store_sql::statements as shared;
    let mut all: Vec<(String, &str)> = vec![
        ("get_account".into(), &shared::GET_ACCOUNT),
        ("find_api_key".into(), &shared::FIND_API_KEY),
        ("revoke_api_key".into(), &shared::REVOKE_API_KEY),
        ("get_pass".into(), &shared::GET_PASS),
        ("find_public_pass".into(), &crate::passes::FIND_PUBLIC),
        ("find_pass_by_serial".into(), &shared::FIND_BY_SERIAL),
        ("get_bundle".into(), &passmint_store_sql::GET_BUNDLE),
        (
            "find_public_bundle".into(),
            &passmint_store_sql::FIND_BUNDLE,
        ),
        ("find_public_bundle, passes".into(), &crate::bundles::PASSES),
        ("insert_event".into(), &crate::passes::INSERT_EVENT),
        ("insert_events".into(), &crate::passes::INSERT_EVENTS),
        ("get_template".into(), &shared::GET_TEMPLATE),
        ("update_template".into(), &crate::templates::WRITES.update),
        (
            "update_template, completing".into(),
            &crate::templates::WRITES.update_completing,
        ),
        ("get_webhook".into(), &shared::GET_WEBHOOK),
        ("update_webhook".into(), &crate::webhooks::WRITES.update),
        (
            "update_webhook, completing".into(),
            &crate::webhooks::WRITES.update_completing,
        ),
        ("webhook exists".into(), crate::webhooks::WEBHOOK_EXISTS),
        ("delete_webhook".into(), shared::DELETE_WEBHOOK),
        ("retry_delivery".into(), &shared::RETRY_DELIVERY),
        ("record_attempt".into(), crate::webhooks::RECORD),
        ("read idempotency key".into(), shared::READ_KEY),
        ("complete_idempotent".into(), shared::COMPLETE_KEY),
        ("release_idempotent".into(), shared::RELEASE_KEY),
        ("register_device, lock".into(), crate::wallet::LOCK_PASS),
        ("register_device".into(), &crate::wallet::REGISTER),
        ("register_device, again".into(), crate::wallet::REREGISTER),
        ("unregister_device".into(), &crate::wallet::UNREGISTER),
        ("reschedule_push".into(), crate::wallet::RESCHEDULE),
    ];
    for (live, sql) in crate::passes::INSERT_CLAIMING.iter().enumerate() {
        all.push((format!("insert_pass_claiming, live {}", live == 1), sql));
    }
    for (i, sql) in crate::passes::UPDATE.iter().enumerate() {
        let variant = format!(
            "update_pass, event {}, completing {}, push {}",
            i & 1 != 0,
            i & 2 != 0,
            i & 4 != 0
        );
        all.push((variant, sql));
    }
    all.into_iter()
        .map(|(call, sql)| (call, sql.to_owned()))
        .collect()
}

/// Every list statement with a cursor (the page after a row), by name: the
/// adapter's own text, with placeholders. The cursor's row is found by its id in a
/// subquery, which `tests/plans.rs` checks is answered from the table's primary key
/// whatever the statistics say.
pub fn cursor_statements() -> Vec<(String, String)> {
    use passmint_domain::ids::{AccountId, PassId, TemplateId};
    use passmint_domain::mode::{Mode, Scope};
    use passmint_domain::page::{Cursor, PageRequest};
    use passmint_domain::pass::PassFilter;
    use passmint_store_sql::{List, event_list, pass_list, template_list};

    let account = AccountId::from_body("plans0000000000000000000");
    let scope = Scope::new(account.clone(), Mode::Live);
    let pass = PassId::from_body("plans0000000000000000000");
    let by_template = PassFilter {
        template_id: Some(TemplateId::from_body("plans0000000000000000000")),
        holder_email: None,
    };
    let by_email = PassFilter {
        template_id: None,
        holder_email: Some("a@example.com".to_owned()),
    };
    let unfiltered = PassFilter::default();
    let mut all = Vec::new();
    for cursor in [Cursor::After("x".into()), Cursor::Before("x".into())] {
        let page = PageRequest { limit: 10, cursor };
        let lists: [(&str, List<Bind<'_>>); 6] = [
            ("passes", pass_list(&scope, &unfiltered)),
            ("passes of a template", pass_list(&scope, &by_template)),
            ("passes of a holder", pass_list(&scope, &by_email)),
            ("events", event_list(&scope, None)),
            ("events of a pass", event_list(&scope, Some(&pass))),
            ("templates", template_list(&account, "NOT archived")),
        ];
        for (name, list) in lists {
            let direction = match page.cursor {
                Cursor::After(_) => "after",
                _ => "before",
            };
            let (sql, _) = list.statement(&page);
            all.push((format!("{name}, {direction} a cursor"), sql));
            let (sql, _) = passmint_store_sql::exists::<Bind<'_>>(list.table, "x", list.scope);
            all.push((format!("{name}, cursor exists"), sql));
        }
    }
    all
}

/// The delivery worker's claim, in the exact text it runs (`tests/plans.rs` checks
/// it reads no table whole under the worker's session, [`crate::WORKER_SESSION`]).
pub fn claim_statement() -> String {
    crate::webhooks::CLAIM.clone()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_is_swapped_in_urls() {
        assert_eq!(
            with_database("postgres://postgres@127.0.0.1:5432/postgres", "t1"),
            "postgres://postgres@127.0.0.1:5432/t1"
        );
        assert_eq!(
            with_database("postgres://u:p@h/db?sslmode=disable", "t1"),
            "postgres://u:p@h/t1?sslmode=disable"
        );
        assert_eq!(
            with_database("postgres://h:5432", "t1"),
            "postgres://h:5432/t1"
        );
        assert_eq!(
            with_database("postgres://h?user=x", "t1"),
            "postgres://h/t1?user=x"
        );
        assert_eq!(
            with_database("host=h dbname=postgres user=u", "t1"),
            "host=h user=u dbname=t1"
        );
    }

    #[test]
    fn identifiers_are_quoted() {
        assert_eq!(quote("a\"b"), "\"a\"\"b\"");
    }
}
