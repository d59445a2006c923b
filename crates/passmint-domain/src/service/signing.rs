//! Signing identities: each account's, and the deployment's development identity.

use super::Passmint;
use crate::error::{DomainError, StoreError};
use crate::ids::AccountId;
use crate::signing::{IdentityExpiry, SigningCredentials};

impl Passmint {
    /// Stores the account's signing identity (already checked by the caller, who
    /// loaded it with the pass builder), replacing any earlier one.
    pub async fn set_signing_identity(
        &self,
        account: &AccountId,
        mut identity: SigningCredentials,
    ) -> Result<SigningCredentials, DomainError> {
        identity.updated_at = self.clock.now();
        match self.store.set_signing_identity(account, &identity).await {
            Ok(()) => Ok(identity),
            Err(StoreError::NotFound) => Err(DomainError::not_found("account", account.as_str())),
            Err(e) => Err(e.into()),
        }
    }

    /// The account's signing identity, `None` when it has none.
    pub async fn signing_identity(
        &self,
        account: &AccountId,
    ) -> Result<Option<SigningCredentials>, DomainError> {
        match self.store.get_signing_identity(account).await {
            Ok(i) => Ok(Some(i)),
            Err(StoreError::NotFound) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// Every account identity whose certificate expires before `before`, soonest
    /// first (expired ones included).
    pub async fn identities_expiring_before(
        &self,
        before: time::OffsetDateTime,
    ) -> Result<Vec<IdentityExpiry>, StoreError> {
        self.store.identities_expiring_before(before).await
    }

    /// The stored development identity; `StoreError::NotFound` when none is stored yet.
    pub async fn stored_dev_identity(&self) -> Result<SigningCredentials, StoreError> {
        self.store.get_dev_identity().await
    }

    /// The deployment's development identity, made with `generate` (and stored)
    /// the first time; later calls, in this process or any other sharing the
    /// database, get the stored one.
    pub async fn dev_identity(
        &self,
        generate: impl FnOnce() -> Result<SigningCredentials, String>,
    ) -> Result<SigningCredentials, DomainError> {
        match self.store.get_dev_identity().await {
            Ok(i) => return Ok(i),
            Err(StoreError::NotFound) => {}
            Err(e) => return Err(e.into()),
        }
        let mut candidate = generate().map_err(DomainError::Internal)?;
        candidate.updated_at = self.clock.now();
        Ok(self.store.insert_dev_identity(&candidate).await?)
    }
}
