//! Claims skip a row that no longer decodes, corrupted here with raw SQL, and go
//! on with the rest of the queue (the contract cases in `passmint-testkit`).

#![allow(clippy::unwrap_used, clippy::expect_used)]

use diesel::connection::SimpleConnection;
use diesel::{Connection, SqliteConnection};
use passmint_domain::ports::Store;
use passmint_store_sqlite::testing;
use std::sync::Arc;

/// A fresh store, and the raw SQL `sql` run on its file with `$1` replaced.
async fn store_and_corrupter(sql: &'static str) -> (Arc<dyn Store>, impl AsyncFn(&str)) {
    let db = testing::fresh_database().await;
    let path = db.path().to_str().unwrap().to_owned();
    let corrupt = async move |key: &str| {
        let mut conn = SqliteConnection::establish(&path).unwrap();
        let sql = format!("PRAGMA busy_timeout = 5000; {}", sql.replace("$1", key));
        conn.batch_execute(&sql).unwrap();
    };
    (Arc::new(db.store().await), corrupt)
}

passmint_testkit::undecodable_claim_tests!(store_and_corrupter);
