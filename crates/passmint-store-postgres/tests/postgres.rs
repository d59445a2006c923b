//! Adapter behaviour beyond the port contracts: connection errors, pool status,
//! test databases, and idempotency races with many connections.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use diesel::QueryableByName;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use passmint_domain::idempotency::{IdemBegin, LOCK_TTL, RETENTION};
use passmint_domain::mode::Mode;
use passmint_domain::ports::{AccountStore, IdempotencyStore};
use passmint_store_postgres::{PgStore, PgStoreError, testing};
use passmint_testkit::{contract, fixtures};
use std::sync::Arc;

#[tokio::test]
async fn connection_failure_names_the_url_without_its_password() {
    let err = PgStore::connect("postgres://passmint:hunter2@127.0.0.1:1/passmint", 1)
        .await
        .unwrap_err();
    assert!(matches!(err, PgStoreError::Connect { .. }), "{err:?}");
    let message = err.to_string();
    assert!(
        message.contains("postgres://passmint:***@127.0.0.1:1/passmint"),
        "{message}"
    );
    assert!(!message.contains("hunter2"), "{message}");
}

#[tokio::test]
async fn pool_status_and_ping() {
    let store = testing::fresh_database().await.store_with_pool(3).await;
    contract::ping_opens_one_pooled_connection(&store, 3, "the connection probe is not kept").await;
}

#[derive(QueryableByName)]
struct Exists {
    #[diesel(sql_type = diesel::sql_types::Bool)]
    exists: bool,
}

async fn database_exists(name: &str) -> bool {
    let mut conn = AsyncPgConnection::establish(&testing::server_url())
        .await
        .unwrap();
    diesel::sql_query("SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1) AS exists")
        .bind::<diesel::sql_types::Text, _>(name)
        .get_result::<Exists>(&mut conn)
        .await
        .unwrap()
        .exists
}

#[tokio::test]
async fn test_databases_are_dropped_with_their_handle_or_store() {
    let db = testing::fresh_database().await;
    let name = db.name().to_owned();
    assert!(database_exists(&name).await);
    drop(db);
    assert!(!database_exists(&name).await);

    let db = testing::fresh_database().await;
    let name = db.name().to_owned();
    let store = db.store().await;
    store.insert_account(&fixtures::account()).await.unwrap();
    drop(store);
    assert!(
        !database_exists(&name).await,
        "dropped with the store that owns it"
    );
}

#[test]
fn blocking_helper_for_synchronous_tests() {
    let db = testing::fresh_database_blocking();
    assert!(db.url().ends_with(db.name()));
}

/// Runs `n` begins of one key at once (each with its own lock token and, for every
/// other one when `mixed`, its own fingerprint) and counts the answers.
async fn race(
    store: &Arc<PgStore>,
    req: &passmint_domain::idempotency::IdemRequest,
    n: usize,
    mixed: bool,
) -> (usize, usize, usize) {
    let barrier = Arc::new(tokio::sync::Barrier::new(n));
    let tasks: Vec<_> = (0..n)
        .map(|i| {
            let store = store.clone();
            let barrier = barrier.clone();
            let mut req = req.clone();
            req.lock_token = fixtures::base62(24);
            if mixed && i % 2 == 1 {
                req.fingerprint = fixtures::fingerprint();
            }
            tokio::spawn(async move {
                barrier.wait().await;
                store.begin_idempotent(&req).await.unwrap()
            })
        })
        .collect();
    let (mut started, mut in_use, mut mismatch) = (0, 0, 0);
    for task in tasks {
        match task.await.unwrap() {
            IdemBegin::Started(_) => started += 1,
            IdemBegin::InUse => in_use += 1,
            IdemBegin::Mismatch => mismatch += 1,
            other => panic!("unexpected {other:?}"),
        }
    }
    (started, in_use, mismatch)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_begins_take_a_new_an_expired_or_a_dead_key_once() {
    let store = Arc::new(testing::fresh_database().await.store_with_pool(8).await);
    let scope = fixtures::scope(&fixtures::account(), Mode::Test);
    let now = fixtures::timestamp();
    let req = fixtures::idem_request(&scope, &fixtures::idem_key(), &fixtures::fingerprint(), now);

    // New key: one wins, the others see it in use.
    let (started, in_use, mismatch) = race(&store, &req, 24, false).await;
    assert_eq!(
        (started, in_use, mismatch),
        (1, 23, 0),
        "new key taken once"
    );

    // Another new key, half the requests with other fingerprints: still one winner.
    let mut other = req.clone();
    other.key = fixtures::idem_key();
    let (started, in_use, mismatch) = race(&store, &other, 24, true).await;
    assert_eq!((started, in_use + mismatch), (1, 23), "new key taken once");

    // The holder died: after LOCK_TTL exactly one request with its fingerprint
    // takes over; the others see the new holder.
    let mut later = req.clone();
    later.now = now + LOCK_TTL;
    let (started, in_use, mismatch) = race(&store, &later, 24, false).await;
    assert_eq!(
        (started, in_use, mismatch),
        (1, 23, 0),
        "stale lock taken over once"
    );

    // Completed and expired: treated as absent, taken once, by any fingerprint.
    let mut expired = later.clone();
    expired.now = later.now + RETENTION;
    let (started, in_use, mismatch) = race(&store, &expired, 24, true).await;
    assert_eq!(started, 1, "expired record taken once");
    assert_eq!(in_use + mismatch, 23);
}
