//! Claims skip a row that no longer decodes, corrupted here with raw SQL, and go
//! on with the rest of the queue (the contract cases in `passmint-testkit`).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use diesel_async::{AsyncConnection, AsyncPgConnection, SimpleAsyncConnection};
use passmint_domain::ports::Store;
use passmint_store_postgres::testing;
use passmint_testkit::contract;
use std::sync::Arc;

async fn raw(url: &str, sql: &str) {
    let mut conn = AsyncPgConnection::establish(url).await.unwrap();
    conn.batch_execute(sql).await.unwrap();
}

/// A fresh store and the URL its raw SQL goes to.
async fn store() -> (Arc<dyn Store>, String) {
    let db = testing::fresh_database().await;
    let url = db.url().to_owned();
    (Arc::new(db.store().await), url)
}

#[tokio::test]
async fn undecodable_deliveries_are_skipped() {
    let (store, url) = store().await;
    contract::webhooks::undecodable_deliveries_are_skipped(store, async |id: &str| {
        let sql = format!(
            "UPDATE webhook_deliveries SET pass_snapshot = '{{\"id\": 1}}' WHERE id = '{id}'"
        );
        raw(&url, &sql).await;
    })
    .await;
}

#[tokio::test]
async fn undecodable_push_jobs_are_skipped() {
    let (store, url) = store().await;
    contract::wallet::undecodable_push_jobs_are_skipped(store, async |device: &str| {
        let sql = format!(
            "UPDATE push_jobs SET pass_id = 'not a pass id' WHERE device_library_id = '{device}'"
        );
        raw(&url, &sql).await;
    })
    .await;
}
