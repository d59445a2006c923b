//! Accounts and API keys in memory.

use super::{MemoryStore, duplicate, found};
use async_trait::async_trait;
use passmint_domain::account::{Account, ApiKey};
use passmint_domain::error::StoreError;
use passmint_domain::ids::{AccountId, ApiKeyId};
use passmint_domain::ports::{AccountStore, StoreResult};
use time::OffsetDateTime;

#[async_trait]
impl AccountStore for MemoryStore {
    async fn insert_account(&self, account: &Account) -> StoreResult<()> {
        let mut s = self.state();
        if s.accounts.contains_key(&account.id) {
            return Err(duplicate("account id exists"));
        }
        s.accounts.insert(account.id.clone(), account.clone());
        Ok(())
    }

    async fn get_account(&self, id: &AccountId) -> StoreResult<Account> {
        found(self.state().accounts.get(id))
    }

    async fn insert_api_key(&self, key: &ApiKey) -> StoreResult<()> {
        let mut s = self.state();
        if !s.accounts.contains_key(&key.account_id) {
            return Err(StoreError::NotFound);
        }
        if s.api_keys.contains_key(&key.key_hash) {
            return Err(duplicate("api key hash exists"));
        }
        if s.api_keys.values().any(|k| k.id == key.id) {
            return Err(duplicate("api key id exists"));
        }
        s.api_keys.insert(key.key_hash.clone(), key.clone());
        Ok(())
    }

    async fn find_api_key(&self, key_hash: &str) -> StoreResult<ApiKey> {
        found(self.state().api_keys.get(key_hash))
    }

    async fn revoke_api_key(&self, key_hash: &str, at: OffsetDateTime) -> StoreResult<ApiKey> {
        self.revoke_where(|k| k.key_hash == key_hash, at)
    }

    async fn revocation_generation(&self) -> StoreResult<i64> {
        Ok(self.state().revocations)
    }

    async fn list_api_keys(&self, account: &AccountId) -> StoreResult<Vec<ApiKey>> {
        let mut keys: Vec<ApiKey> = (self.state().api_keys.values())
            .filter(|k| &k.account_id == account)
            .cloned()
            .collect();
        keys.sort_by(|a, b| (b.created_at, b.id.as_str()).cmp(&(a.created_at, a.id.as_str())));
        Ok(keys)
    }

    async fn revoke_api_key_by_id(&self, id: &ApiKeyId, at: OffsetDateTime) -> StoreResult<ApiKey> {
        self.revoke_where(|k| &k.id == id, at)
    }
}

impl MemoryStore {
    /// Revokes the one key `which` picks, keeping its first revocation time.
    fn revoke_where(
        &self,
        which: impl Fn(&ApiKey) -> bool,
        at: OffsetDateTime,
    ) -> StoreResult<ApiKey> {
        let mut s = self.state();
        let key = s
            .api_keys
            .values_mut()
            .find(|k| which(k))
            .ok_or(StoreError::NotFound)?;
        let newly = key.revoked_at.is_none();
        key.revoked_at.get_or_insert(at);
        let key = key.clone();
        if newly {
            s.revocations += 1;
        }
        Ok(key)
    }
}
