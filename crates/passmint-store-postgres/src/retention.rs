//! [`RetentionStore`]: each call one bounded `DELETE` (docs/api.md §10), its own
//! short transaction.

use crate::PgStore;
use crate::error::store_error;
use crate::sql::{Bind, Stmt};
use async_trait::async_trait;
use diesel_async::RunQueryDsl;
use passmint_domain::ports::{RetentionStore, StoreResult};
use passmint_store_sql::statements::{PRUNE_DELIVERIES, PURGE_EVENTS, PURGE_PUSH_JOBS};
use time::OffsetDateTime;

impl PgStore {
    /// Runs one deleting statement; returns how many rows it deleted.
    pub(crate) async fn delete_batch(
        &self,
        sql: &'static str,
        binds: Vec<Bind<'_>>,
    ) -> StoreResult<u64> {
        let mut conn = self.conn().await?;
        let n = Stmt::new(sql, binds)
            .execute(&mut conn)
            .await
            .map_err(store_error)?;
        Ok(n as u64)
    }
}

#[async_trait]
impl RetentionStore for PgStore {
    async fn purge_events(&self, before: OffsetDateTime, limit: u32) -> StoreResult<u64> {
        let binds = vec![Bind::Timestamptz(before), Bind::BigInt(limit.into())];
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
            Bind::Timestamptz(before),
            Bind::Timestamptz(now),
            Bind::BigInt(limit.into()),
        ];
        self.delete_batch(PURGE_PUSH_JOBS, binds).await
    }
}
