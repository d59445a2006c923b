//! Idempotency keys beyond taking one: storing a response, giving a key back
//! after a server error, and purging expired records.

use super::Passmint;
use crate::error::StoreError;
use crate::idempotency::{IdemCompletion, IdemTicket};

impl Passmint {
    /// Stores the response of a request that made no write under its key.
    pub async fn complete_idempotent(&self, completion: &IdemCompletion) -> Result<(), StoreError> {
        self.store.complete_idempotent(completion).await
    }

    /// Forgets the ticket's key (after a server error), if it still holds it.
    pub async fn release_idempotent(&self, ticket: &IdemTicket) -> Result<(), StoreError> {
        self.store.release_idempotent(ticket).await
    }

    /// Deletes the idempotency records older than the retention; returns how many.
    pub async fn purge_expired_idempotent(&self) -> Result<u64, StoreError> {
        self.store.purge_idempotent(self.clock.now()).await
    }
}
