//! Signing identities in memory.

use super::{MemoryStore, found};
use async_trait::async_trait;
use passmint_domain::error::StoreError;
use passmint_domain::ids::AccountId;
use passmint_domain::ports::{SigningStore, StoreResult};
use passmint_domain::signing::{IdentityExpiry, SigningCredentials};
use time::OffsetDateTime;

#[async_trait]
impl SigningStore for MemoryStore {
    async fn set_signing_identity(
        &self,
        account: &AccountId,
        identity: &SigningCredentials,
    ) -> StoreResult<()> {
        let mut s = self.state();
        if !s.accounts.contains_key(account) {
            return Err(StoreError::NotFound);
        }
        s.identities.insert(account.clone(), identity.clone());
        Ok(())
    }

    async fn get_signing_identity(&self, account: &AccountId) -> StoreResult<SigningCredentials> {
        found(self.state().identities.get(account))
    }

    async fn identities_expiring_before(
        &self,
        before: OffsetDateTime,
    ) -> StoreResult<Vec<IdentityExpiry>> {
        let mut out: Vec<IdentityExpiry> = self
            .state()
            .identities
            .iter()
            .filter(|(_, i)| i.not_after < before)
            .map(|(account, i)| IdentityExpiry {
                account_id: account.clone(),
                pass_type_identifier: i.pass_type_identifier.clone(),
                team_identifier: i.team_identifier.clone(),
                not_after: i.not_after,
            })
            .collect();
        out.sort_by(|a, b| (a.not_after, &a.account_id).cmp(&(b.not_after, &b.account_id)));
        Ok(out)
    }

    async fn get_dev_identity(&self) -> StoreResult<SigningCredentials> {
        self.state()
            .dev_identity
            .clone()
            .ok_or(StoreError::NotFound)
    }

    async fn insert_dev_identity(
        &self,
        candidate: &SigningCredentials,
    ) -> StoreResult<SigningCredentials> {
        Ok(self
            .state()
            .dev_identity
            .get_or_insert_with(|| candidate.clone())
            .clone())
    }
}
