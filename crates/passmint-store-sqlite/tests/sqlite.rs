//! Adapter behaviour beyond the port contracts: writes under concurrent load (one
//! store, and two stores on one file as a CLI beside a server would be), durability
//! across reopening and across a SIGKILL, refusing bad paths and newer databases,
//! migrations, and the reader pool.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use diesel::connection::SimpleConnection;
use diesel::migration::MigrationSource;
use diesel::sql_types::Text;
use diesel::sqlite::Sqlite;
use diesel::{Connection, QueryableByName, RunQueryDsl, SqliteConnection};
use passmint_domain::account::Account;
use passmint_domain::event::EventType;
use passmint_domain::idempotency::IdemBegin;
use passmint_domain::mode::{Mode, Scope};
use passmint_domain::page::{Cursor, PageRequest};
use passmint_domain::pass::{Pass, PassFilter};
use passmint_domain::ports::{AccountStore, IdempotencyStore, PassStore, Store, TemplateStore};
use passmint_domain::template::Template;
use passmint_store_sqlite::{MIGRATIONS, SqliteStore, SqliteStoreError, testing};
use passmint_testkit::{contract, fixtures};
use std::collections::HashSet;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::sync::Arc;

async fn seed(store: &dyn Store) -> (Account, Template) {
    let account = fixtures::account();
    store.insert_account(&account).await.unwrap();
    let template = fixtures::template(&account);
    store.insert_template(&template, None).await.unwrap();
    (account, template)
}

/// Issues a pass the way the API does: take the idempotency key, then write the
/// pass, its `created` event and the completion in one call. Returns the pass.
async fn issue(store: &dyn Store, account: &Account, template: &Template) -> Pass {
    let scope = fixtures::scope(account, Mode::Test);
    let req = fixtures::fresh_idem_request(&scope);
    let IdemBegin::Started(ticket) = store.begin_idempotent(&req).await.unwrap() else {
        panic!("a fresh key starts");
    };
    let pass = fixtures::pass(account, Mode::Test, template);
    let event = fixtures::event(&pass, EventType::Created);
    store
        .insert_pass(&pass, &event, Some(&fixtures::completion(&ticket, 201)))
        .await
        .unwrap_or_else(|e| panic!("insert_pass under load: {e}"));
    pass
}

/// Every pass of the scope, newest first, paged through 50 at a time.
async fn all_passes(store: &dyn Store, scope: &Scope) -> Vec<Pass> {
    let mut out: Vec<Pass> = Vec::new();
    let mut req = PageRequest::first(50);
    loop {
        let page = store
            .list_passes(scope, &PassFilter::default(), &req)
            .await
            .unwrap();
        out.extend(page.data);
        if !page.has_more {
            return out;
        }
        req = PageRequest {
            limit: 50,
            cursor: Cursor::After(out.last().unwrap().id.to_string()),
        };
    }
}

async fn count_events(store: &dyn Store, scope: &Scope) -> usize {
    let mut n = 0;
    let mut req = PageRequest::first(100);
    loop {
        let page = store.list_events(scope, None, &req).await.unwrap();
        n += page.data.len();
        if !page.has_more {
            return n;
        }
        req = PageRequest {
            limit: 100,
            cursor: Cursor::After(page.data.last().unwrap().id.to_string()),
        };
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 8)]
async fn two_hundred_concurrent_issues_all_succeed() {
    let store: Arc<dyn Store> = Arc::new(testing::fresh_store().await);
    let (account, template) = seed(&*store).await;
    let barrier = Arc::new(tokio::sync::Barrier::new(200));
    let mut tasks = Vec::new();
    for i in 0..200 {
        let (store, barrier) = (store.clone(), barrier.clone());
        let (account, template) = (account.clone(), template.clone());
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            let pass = issue(&*store, &account, &template).await;
            // Reads in between, as the API's GETs would do.
            if i % 4 == 0 {
                let scope = pass.scope();
                store.get_pass(&scope, &pass.id).await.unwrap();
                store
                    .list_passes(&scope, &PassFilter::default(), &PageRequest::first(10))
                    .await
                    .unwrap();
            }
            pass
        }));
    }
    let mut issued = HashSet::new();
    for task in tasks {
        issued.insert(task.await.unwrap().id.to_string());
    }
    let scope = fixtures::scope(&account, Mode::Test);
    let listed = all_passes(&*store, &scope).await;
    assert_eq!(listed.len(), 200);
    let listed_ids: HashSet<String> = listed.iter().map(|p| p.id.to_string()).collect();
    assert_eq!(listed_ids, issued);
    assert_eq!(
        count_events(&*store, &scope).await,
        200,
        "one created event each"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_stores_on_one_file_both_write_under_load() {
    // A second process (the CLI beside a running server) has a writer of its own:
    // the two meet in SQLite's lock, where BEGIN IMMEDIATE and the busy timeout
    // make the later one wait instead of failing.
    let db = testing::fresh_database().await;
    let url = db.url();
    let first: Arc<dyn Store> = Arc::new(SqliteStore::open(&url).await.unwrap());
    let second: Arc<dyn Store> = Arc::new(SqliteStore::open(&url).await.unwrap());
    let (account, template) = seed(&*first).await;
    let mut tasks = Vec::new();
    for i in 0..100 {
        let store = if i % 2 == 0 { &first } else { &second }.clone();
        let (account, template) = (account.clone(), template.clone());
        tasks.push(tokio::spawn(async move {
            issue(&*store, &account, &template).await
        }));
    }
    for task in tasks {
        task.await.unwrap();
    }
    let scope = fixtures::scope(&account, Mode::Test);
    assert_eq!(all_passes(&*first, &scope).await.len(), 100);
    assert_eq!(all_passes(&*second, &scope).await.len(), 100);
}

#[tokio::test]
async fn data_survives_dropping_and_reopening_the_store() {
    let db = testing::fresh_database().await;
    let url = db.url();
    let store = SqliteStore::open(&url).await.unwrap();
    let (account, template) = seed(&store).await;
    let key = fixtures::api_key(&account, Mode::Live);
    store.insert_api_key(&key).await.unwrap();
    let scope = fixtures::scope(&account, Mode::Test);
    let req = fixtures::fresh_idem_request(&scope);
    let IdemBegin::Started(ticket) = store.begin_idempotent(&req).await.unwrap() else {
        panic!("a fresh key starts");
    };
    let pass = fixtures::pass(&account, Mode::Test, &template);
    let event = fixtures::event(&pass, EventType::Created);
    let completion = fixtures::completion(&ticket, 201);
    store
        .insert_pass(&pass, &event, Some(&completion))
        .await
        .unwrap();
    drop(store);

    let store = SqliteStore::open(&url).await.unwrap();
    assert_eq!(store.migrate().await.unwrap(), 0, "already migrated");
    assert_eq!(store.get_account(&account.id).await, Ok(account.clone()));
    assert_eq!(store.find_api_key(&key.key_hash).await, Ok(key));
    assert_eq!(
        store.get_template(&account.id, &template.id).await,
        Ok(template)
    );
    assert_eq!(store.get_pass(&scope, &pass.id).await, Ok(pass.clone()));
    let events = store
        .list_events(&scope, Some(&pass.id), &PageRequest::first(10))
        .await
        .unwrap();
    assert_eq!(events.data, vec![event]);
    let mut again = req.clone();
    again.lock_token = fixtures::base62(24);
    assert_eq!(
        store.begin_idempotent(&again).await,
        Ok(IdemBegin::Replay(completion.response))
    );
}

/// docs/api.md §9: the database file and the `-wal` and `-shm` files beside it are
/// readable and writable by their owner only, whatever the process's umask.
#[cfg(unix)]
#[tokio::test]
async fn database_files_are_private_to_their_owner() {
    use std::os::unix::fs::PermissionsExt;
    let db = testing::empty_database();
    let store = SqliteStore::open(&db.url()).await.unwrap();
    store.migrate().await.unwrap();
    seed(&store).await;
    for suffix in ["", "-wal", "-shm"] {
        let file = format!("{}{suffix}", db.path().display());
        let mode = std::fs::metadata(&file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "{file}");
    }
}

/// Where [`child_issues_passes_until_killed`] finds its database.
const CHILD_DB_ENV: &str = "PASSMINT_SQLITE_TEST_CHILD_DB";

/// The child half of [`sigkill_keeps_every_acknowledged_pass`]: run by that test as
/// a separate process (this test binary, filtered to this test, with
/// [`CHILD_DB_ENV`] set), it issues passes from 8 tasks until killed, printing each
/// pass id once its write returned. Without the variable it does nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn child_issues_passes_until_killed() {
    let Ok(url) = std::env::var(CHILD_DB_ENV) else {
        return;
    };
    let store: Arc<dyn Store> = Arc::new(SqliteStore::open(&url).await.unwrap());
    let (account, template) = seed(&*store).await;
    println!("account {}", account.id);
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let (store, account, template) = (store.clone(), account.clone(), template.clone());
        tasks.push(tokio::spawn(async move {
            loop {
                let pass = issue(&*store, &account, &template).await;
                println!("issued {}", pass.id);
            }
        }));
    }
    futures::future::join_all(tasks).await;
}

#[test]
fn sigkill_keeps_every_acknowledged_pass() {
    let db = testing::fresh_database_blocking();
    let mut child = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["child_issues_passes_until_killed", "--exact", "--nocapture"])
        .env(CHILD_DB_ENV, db.url())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    let mut account = None;
    let mut issued = Vec::new();
    while issued.len() < 300 {
        let line = lines
            .next()
            .expect("the child stopped before it was killed")
            .unwrap();
        if let Some(id) = line.strip_prefix("account ") {
            account = Some(id.to_owned());
        } else if let Some(id) = line.strip_prefix("issued ") {
            issued.push(id.to_owned());
        }
    }
    child.kill().unwrap(); // SIGKILL: no destructor, no checkpoint, no close
    child.wait().unwrap();

    let account = passmint_domain::ids::AccountId::parse(&account.unwrap()).unwrap();
    let scope = Scope::new(account, Mode::Test);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let store = SqliteStore::open(&db.url()).await.unwrap();
        for id in &issued {
            let id = passmint_domain::ids::PassId::parse(id).unwrap();
            store
                .get_pass(&scope, &id)
                .await
                .unwrap_or_else(|e| panic!("acknowledged pass {id} lost: {e}"));
            let events = store
                .list_events(&scope, Some(&id), &PageRequest::first(10))
                .await
                .unwrap();
            assert_eq!(
                events.data.iter().map(|e| e.kind).collect::<Vec<_>>(),
                vec![EventType::Created],
                "the created event of {id}"
            );
        }
        // Nothing half-written either: every pass has its event.
        let passes = all_passes(&store, &scope).await.len();
        assert!(passes >= issued.len());
        assert_eq!(count_events(&store, &scope).await, passes);
    });
}

/// Runs SQL on the file directly, as another tool would.
fn raw(path: &Path, sql: &str) {
    let mut conn = SqliteConnection::establish(path.to_str().unwrap()).unwrap();
    conn.batch_execute(sql).unwrap();
}

#[tokio::test]
async fn a_database_migrated_by_a_newer_version_is_refused() {
    let db = testing::fresh_database().await;
    let store = SqliteStore::open(&db.url()).await.unwrap();
    raw(
        db.path(),
        "INSERT INTO __diesel_schema_migrations (version) VALUES ('29991231000000')",
    );
    let err = store.migrate().await.unwrap_err();
    assert!(
        matches!(&err, SqliteStoreError::NewerSchema { unknown, .. } if unknown == &["29991231000000"]),
        "migrate: {err:?}"
    );
    drop(store);

    let err = SqliteStore::open(&db.url()).await.unwrap_err();
    let message = err.to_string();
    assert!(
        matches!(err, SqliteStoreError::NewerSchema { .. }),
        "{err:?}"
    );
    assert!(!message.contains('\n'), "one line: {message}");
    for part in [
        db.path().display().to_string().as_str(),
        "newer version",
        "29991231000000",
    ] {
        assert!(message.contains(part), "{part:?} in {message}");
    }
}

fn assert_open_error(err: SqliteStoreError, path: &Path, reason: &str) {
    let message = err.to_string();
    assert!(matches!(err, SqliteStoreError::Open { .. }), "{err:?}");
    assert!(!message.contains('\n'), "one line: {message}");
    assert!(
        message.contains(&path.display().to_string()),
        "names the path: {message}"
    );
    assert!(message.contains(reason), "{reason:?} in {message}");
}

#[tokio::test]
async fn bad_paths_are_refused_with_one_line_naming_the_problem() {
    let db = testing::empty_database();
    let dir = db.dir();

    let missing = dir.join("no/such/dir/passmint.db");
    let err = SqliteStore::open(&format!("sqlite://{}", missing.display()))
        .await
        .unwrap_err();
    assert_open_error(err, &missing, "does not exist");

    let err = SqliteStore::open(&dir.display().to_string())
        .await
        .unwrap_err();
    assert_open_error(err, dir, "Is a directory");

    let file = dir.join("plain.txt");
    std::fs::write(&file, "not a directory").unwrap();
    let under_file = file.join("passmint.db");
    let err = SqliteStore::open(&format!("sqlite:{}", under_file.display()))
        .await
        .unwrap_err();
    assert_open_error(err, &under_file, "is not a directory");

    let garbage = dir.join("garbage.db");
    std::fs::write(&garbage, "this is not a SQLite database. ".repeat(200)).unwrap();
    let err = SqliteStore::open(garbage.to_str().unwrap())
        .await
        .unwrap_err();
    assert_open_error(err, &garbage, "not a database");

    for url in ["", "sqlite://", "sqlite::memory:", "postgres://u@h/db"] {
        let err = SqliteStore::open(url).await.unwrap_err();
        assert!(
            matches!(err, SqliteStoreError::Url { .. }),
            "{url}: {err:?}"
        );
        assert!(!err.to_string().contains('\n'));
    }
}

#[tokio::test]
async fn a_missing_file_is_created_in_wal_mode() {
    let db = testing::empty_database();
    assert!(!db.path().exists());
    let store = SqliteStore::open(&format!("sqlite:{}", db.path().display()))
        .await
        .unwrap();
    assert!(db.path().is_file(), "created");
    store.migrate().await.unwrap();
    store.insert_account(&fixtures::account()).await.unwrap();
    assert!(
        db.dir().join("passmint.db-wal").exists(),
        "journal_mode=WAL writes a -wal file"
    );
}

#[derive(QueryableByName, Debug, PartialEq)]
struct Name {
    #[diesel(sql_type = Text)]
    name: String,
}

/// Tables and indexes (with their SQL) besides diesel's own and `sqlite_sequence`
/// (SQLite's AUTOINCREMENT counters, created with the first such table and never
/// dropped).
fn schema(path: &Path) -> Vec<String> {
    let mut conn = SqliteConnection::establish(path.to_str().unwrap()).unwrap();
    diesel::sql_query(
        "SELECT type || ' ' || name || ': ' || coalesce(sql, '') AS name FROM sqlite_schema \
         WHERE name NOT LIKE '%diesel_schema_migrations%' AND name <> 'sqlite_sequence' \
         ORDER BY 1",
    )
    .load::<Name>(&mut conn)
    .unwrap()
    .into_iter()
    .map(|n| n.name)
    .collect()
}

fn migration_count() -> usize {
    MigrationSource::<Sqlite>::migrations(&MIGRATIONS)
        .unwrap()
        .len()
}

#[tokio::test]
async fn up_down_up_restores_the_same_schema() {
    let db = testing::empty_database();
    let store = SqliteStore::open(&db.url()).await.unwrap();
    assert_eq!(schema(db.path()), Vec::<String>::new());

    assert_eq!(store.migrate().await.unwrap(), migration_count());
    let migrated = schema(db.path());
    for table in [
        "accounts",
        "api_keys",
        "templates",
        "passes",
        "pass_events",
        "idempotency_keys",
        "webhooks",
        "webhook_deliveries",
        "wallet_clock",
        "device_registrations",
        "push_jobs",
    ] {
        assert!(
            migrated
                .iter()
                .any(|s| s.starts_with(&format!("table {table}: "))),
            "{table} in {migrated:#?}"
        );
    }
    assert_eq!(
        store.migrate().await.unwrap(),
        0,
        "a second migrate does nothing"
    );

    assert_eq!(
        testing::revert_all_migrations(db.path()).unwrap(),
        migration_count()
    );
    assert_eq!(
        schema(db.path()),
        Vec::<String>::new(),
        "down.sql removes everything up.sql made"
    );

    assert_eq!(store.migrate().await.unwrap(), migration_count());
    assert_eq!(schema(db.path()), migrated, "up again, same schema");
    store.insert_account(&fixtures::account()).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_migrations_apply_each_migration_once() {
    let db = testing::empty_database();
    let mut stores = Vec::new();
    for _ in 0..4 {
        stores.push(SqliteStore::open(&db.url()).await.unwrap());
    }
    let applied = futures::future::join_all(stores.iter().map(SqliteStore::migrate)).await;
    let total: usize = applied.into_iter().map(Result::unwrap).sum();
    assert_eq!(total, migration_count());
}

#[tokio::test]
async fn pool_status_counts_readers_and_ping_answers() {
    let db = testing::fresh_database().await;
    let store = SqliteStore::open_with_readers(&db.url(), 3).await.unwrap();
    contract::ping_opens_one_pooled_connection(&store, 3, "readers open on first need").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn readers_never_exceed_their_maximum() {
    let store = Arc::new(testing::fresh_store().await);
    let (account, template) = seed(&*store).await;
    issue(&*store, &account, &template).await;
    let scope = fixtures::scope(&account, Mode::Test);
    let reads = (0..64).map(|_| {
        let (store, scope) = (store.clone(), scope.clone());
        tokio::spawn(async move {
            store
                .list_passes(&scope, &PassFilter::default(), &PageRequest::first(10))
                .await
                .unwrap()
        })
    });
    for page in futures::future::join_all(reads).await {
        assert_eq!(page.unwrap().data.len(), 1);
    }
    let status = store.pool_status().unwrap();
    assert!(status.open <= status.max, "{status:?}");
    assert_eq!(status.in_use, 0);
}
