//! What the process reports about its backend: readiness and pool use.

use super::Passmint;
use crate::error::StoreError;
use crate::ports::PoolStatus;

impl Passmint {
    /// Whether the store answers (for readiness checks).
    pub async fn ping(&self) -> Result<(), StoreError> {
        self.store.ping().await
    }

    /// The store's connection pool use, when it has a pool.
    pub fn pool_status(&self) -> Option<PoolStatus> {
        self.store.pool_status()
    }
}
