//! `RetentionStore`: each call one bounded `DELETE` (docs/api.md §10), its own
//! short transaction.

use crate::PgStore;
use crate::sql::{Bind, Stmt};
use passmint_domain::ports::StoreResult;
use passmint_store_sql::CreatedAt;
use passmint_store_sql::retention::Batch;

impl PgStore {
    /// Runs one deleting statement; returns how many rows it deleted.
    pub(crate) async fn delete_batch(&self, batch: Batch<Bind<'_>>) -> StoreResult<u64> {
        let mut conn = self.conn().await?;
        let n = Stmt::new(batch.sql, batch.binds).exec(&mut conn).await?;
        Ok(n as u64)
    }

    /// Runs one deleting statement that returns `created_at`; answers the rows.
    pub(crate) async fn delete_returning(
        &self,
        batch: Batch<Bind<'_>>,
    ) -> StoreResult<Vec<CreatedAt>> {
        let mut conn = self.conn().await?;
        Stmt::new(batch.sql, batch.binds)
            .all::<CreatedAt>(&mut conn)
            .await
    }
}

passmint_store_sql::retention_store!(PgStore);
