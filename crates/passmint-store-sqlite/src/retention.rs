//! `RetentionStore`: each call one bounded `DELETE` on the writer (docs/api.md
//! §10), so a batch holds the write lock only briefly.

use crate::SqliteStore;
use crate::error::store_error;
use crate::sql::{Bind, Stmt};
use diesel::RunQueryDsl;
use passmint_domain::ports::StoreResult;
use passmint_store_sql::CreatedAt;
use passmint_store_sql::retention::Batch;

impl SqliteStore {
    /// Runs one deleting statement on the writer; returns how many rows it deleted.
    pub(crate) async fn delete_batch(&self, batch: Batch<Bind>) -> StoreResult<u64> {
        let stmt = Stmt::new(batch.sql, batch.binds);
        self.write(move |conn| stmt.execute(conn).map(|n| n as u64).map_err(store_error))
            .await
    }

    /// Runs one deleting statement that returns `created_at` on the writer;
    /// answers the rows.
    pub(crate) async fn delete_returning(&self, batch: Batch<Bind>) -> StoreResult<Vec<CreatedAt>> {
        let stmt = Stmt::new(batch.sql, batch.binds);
        self.write(move |conn| stmt.all::<CreatedAt>(conn)).await
    }
}

passmint_store_sql::retention_store!(SqliteStore);
