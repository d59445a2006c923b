//! The embedded migrations: up, down and up again leave the same schema; applying
//! them is idempotent and safe from several processes at once.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use diesel::QueryableByName;
use diesel::migration::MigrationSource;
use diesel::pg::Pg;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use passmint_domain::ports::AccountStore;
use passmint_store_postgres::{MIGRATIONS, PgStore, testing};
use passmint_testkit::fixtures;

#[derive(QueryableByName, Debug, PartialEq)]
struct Name {
    #[diesel(sql_type = diesel::sql_types::Text)]
    name: String,
}

/// Tables, indexes and constraints of the public schema, besides diesel's own.
async fn schema(url: &str) -> Vec<String> {
    let mut conn = AsyncPgConnection::establish(url).await.unwrap();
    diesel::sql_query(
        "SELECT 'table ' || tablename AS name FROM pg_tables WHERE schemaname = 'public' \
         UNION ALL SELECT 'index ' || indexname || ': ' || indexdef FROM pg_indexes \
           WHERE schemaname = 'public' \
         UNION ALL SELECT 'constraint ' || conrelid::regclass || ' ' || conname || ': ' \
           || pg_get_constraintdef(oid) FROM pg_constraint \
           WHERE connamespace = 'public'::regnamespace \
         ORDER BY 1",
    )
    .load::<Name>(&mut conn)
    .await
    .unwrap()
    .into_iter()
    .map(|n| n.name)
    .filter(|n| !n.contains("__diesel_schema_migrations"))
    .collect()
}

fn migration_count() -> usize {
    MigrationSource::<Pg>::migrations(&MIGRATIONS)
        .unwrap()
        .len()
}

#[tokio::test]
async fn up_down_up_restores_the_same_schema() {
    let db = testing::empty_database().await;
    let store = PgStore::connect(db.url(), 2).await.unwrap();
    assert_eq!(schema(db.url()).await, Vec::<String>::new());

    assert_eq!(store.migrate().await.unwrap(), migration_count());
    let migrated = schema(db.url()).await;
    for table in [
        "accounts",
        "api_keys",
        "templates",
        "passes",
        "pass_events",
        "idempotency_keys",
    ] {
        assert!(
            migrated.contains(&format!("table {table}")),
            "{table} in {migrated:#?}"
        );
    }
    assert_eq!(
        store.migrate().await.unwrap(),
        0,
        "a second migrate does nothing"
    );

    assert_eq!(
        testing::revert_all_migrations(db.url()).await.unwrap(),
        migration_count()
    );
    assert_eq!(
        schema(db.url()).await,
        Vec::<String>::new(),
        "down.sql removes everything up.sql made"
    );

    assert_eq!(store.migrate().await.unwrap(), migration_count());
    assert_eq!(schema(db.url()).await, migrated, "up again, same schema");
    store.insert_account(&fixtures::account()).await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_migrations_apply_each_migration_once() {
    let db = testing::empty_database().await;
    let mut stores = Vec::new();
    for _ in 0..4 {
        stores.push(PgStore::connect(db.url(), 1).await.unwrap());
    }
    let applied = futures::future::join_all(stores.iter().map(PgStore::migrate)).await;
    let total: usize = applied.into_iter().map(Result::unwrap).sum();
    assert_eq!(total, migration_count());
}

#[tokio::test]
async fn fresh_databases_are_migrated_and_empty() {
    let db = testing::fresh_database().await;
    let store = PgStore::connect(db.url(), 1).await.unwrap();
    assert_eq!(store.migrate().await.unwrap(), 0, "already migrated");
    let account = fixtures::account();
    assert!(store.get_account(&account.id).await.is_err());
}
