//! [`RetentionStore`]: each call one bounded `DELETE` on the writer (docs/api.md
//! §10), so a batch holds the write lock only briefly.

use crate::SqliteStore;
use crate::error::store_error;
use crate::sql::{Bind, Stmt};
use async_trait::async_trait;
use diesel::RunQueryDsl;
use passmint_domain::ports::{RetentionStore, StoreResult};
use passmint_store_sql::statements::{PRUNE_DELIVERIES, PURGE_EVENTS, PURGE_PUSH_JOBS};
use time::OffsetDateTime;

impl SqliteStore {
    /// Runs one deleting statement on the writer; returns how many rows it deleted.
    pub(crate) async fn delete_batch(
        &self,
        sql: &'static str,
        binds: Vec<Bind>,
    ) -> StoreResult<u64> {
        let stmt = Stmt::new(sql, binds);
        self.write(move |conn| stmt.execute(conn).map(|n| n as u64).map_err(store_error))
            .await
    }
}

#[async_trait]
impl RetentionStore for SqliteStore {
    async fn purge_events(&self, before: OffsetDateTime, limit: u32) -> StoreResult<u64> {
        let binds = vec![Bind::time(before), Bind::BigInt(limit.into())];
        self.delete_batch(PURGE_EVENTS, binds).await
    }

    async fn prune_deliveries(&self, keep: u32, limit: u32) -> StoreResult<u64> {
        let skip = i64::from(keep.max(1)) - 1;
        let binds = vec![Bind::BigInt(skip), Bind::BigInt(limit.into())];
        self.delete_batch(PRUNE_DELIVERIES, binds).await
    }

    async fn purge_push_jobs(
        &self,
        before: OffsetDateTime,
        now: OffsetDateTime,
        limit: u32,
    ) -> StoreResult<u64> {
        let binds = vec![
            Bind::time(before),
            Bind::time(now),
            Bind::BigInt(limit.into()),
        ];
        self.delete_batch(PURGE_PUSH_JOBS, binds).await
    }
}
