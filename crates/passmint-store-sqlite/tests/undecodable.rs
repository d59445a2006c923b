//! Claims skip a row that no longer decodes, corrupted here with raw SQL, and go
//! on with the rest of the queue (the contract cases in `passmint-testkit`).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use diesel::connection::SimpleConnection;
use diesel::{Connection, SqliteConnection};
use passmint_domain::ports::Store;
use passmint_store_sqlite::testing;
use passmint_testkit::contract;
use std::path::{Path, PathBuf};
use std::sync::Arc;

fn raw(path: &Path, sql: &str) {
    let mut conn = SqliteConnection::establish(path.to_str().unwrap()).unwrap();
    conn.batch_execute(&format!("PRAGMA busy_timeout = 5000; {sql}"))
        .unwrap();
}

/// A fresh store and the file its raw SQL goes to.
async fn store() -> (Arc<dyn Store>, PathBuf) {
    let db = testing::fresh_database().await;
    let path = db.path().to_owned();
    (Arc::new(db.store().await), path)
}

#[tokio::test]
async fn undecodable_deliveries_are_skipped() {
    let (store, path) = store().await;
    contract::webhooks::undecodable_deliveries_are_skipped(store, async |id: &str| {
        raw(
            &path,
            &format!(
                "UPDATE webhook_deliveries SET pass_snapshot = '{{\"id\": 1}}' WHERE id = '{id}'"
            ),
        );
    })
    .await;
}

#[tokio::test]
async fn undecodable_push_jobs_are_skipped() {
    let (store, path) = store().await;
    contract::wallet::undecodable_push_jobs_are_skipped(store, async |device: &str| {
        raw(
            &path,
            &format!(
                "UPDATE push_jobs SET pass_id = 'not a pass id' WHERE device_library_id = '{device}'"
            ),
        );
    })
    .await;
}
