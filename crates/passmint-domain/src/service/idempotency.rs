//! Idempotency keys: taking one, storing a response, giving a key back after a
//! server error (expired records go with the retention passes, `retention.rs`).

use super::Passmint;
use crate::error::{DomainError, StoreError};
use crate::idempotency::{IdemBegin, IdemCompletion, IdemRequest, IdemTicket, MAX_KEY_LEN};
use crate::mode::Scope;

impl Passmint {
    /// Takes an idempotency key for a request with this fingerprint.
    pub async fn begin_idempotent(
        &self,
        scope: Scope,
        key: &str,
        fingerprint: String,
    ) -> Result<IdemBegin, DomainError> {
        if key.is_empty() || key.len() > MAX_KEY_LEN {
            return Err(DomainError::invalid(
                "Idempotency-Key",
                format!("Idempotency-Key must be 1 to {MAX_KEY_LEN} characters long"),
            ));
        }
        let req = IdemRequest {
            scope,
            key: key.to_owned(),
            fingerprint,
            lock_token: self.ids.base62(24),
            now: self.clock.now(),
        };
        Ok(self.store.begin_idempotent(&req).await?)
    }

    /// Stores the response of a request that made no write under its key.
    pub async fn complete_idempotent(&self, completion: &IdemCompletion) -> Result<(), StoreError> {
        self.store.complete_idempotent(completion).await
    }

    /// Forgets the ticket's key (after a server error), if it still holds it.
    pub async fn release_idempotent(&self, ticket: &IdemTicket) -> Result<(), StoreError> {
        self.store.release_idempotent(ticket).await
    }
}
