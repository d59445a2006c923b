//! Accounts and their API keys: creation, minting, revocation and authentication.

use super::{MintedKey, Passmint, Principal};
use crate::account::{self, Account, ApiKey};
use crate::error::{DomainError, StoreError};
use crate::ids::{AccountId, ApiKeyId};
use crate::mode::Mode;
use crate::template::MAX_NAME_LEN;

impl Passmint {
    /// Creates an account with one test and one live key.
    pub async fn create_account(
        &self,
        name: &str,
        live_pass_limit: Option<i64>,
    ) -> Result<(Account, MintedKey, MintedKey), DomainError> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > MAX_NAME_LEN {
            return Err(DomainError::invalid(
                "name",
                format!("name must be 1 to {MAX_NAME_LEN} characters long"),
            ));
        }
        if let Some(l) = live_pass_limit
            && l < 0
        {
            return Err(DomainError::invalid(
                "live_pass_limit",
                "live_pass_limit must not be negative",
            ));
        }
        let account = Account {
            id: AccountId::from_body(&self.body()),
            name: name.to_owned(),
            live_pass_limit,
            created_at: self.clock.now(),
        };
        self.store.insert_account(&account).await?;
        let test = self.create_key(&account.id, Mode::Test).await?;
        let live = self.create_key(&account.id, Mode::Live).await?;
        Ok((account, test, live))
    }

    pub async fn create_key(
        &self,
        account: &AccountId,
        mode: Mode,
    ) -> Result<MintedKey, DomainError> {
        let key = account::compose_key(mode, &self.ids.base62(account::KEY_SECRET_LEN));
        let record = ApiKey {
            id: ApiKeyId::from_body(&self.body()),
            account_id: account.clone(),
            mode,
            key_hash: account::hash_key(&key),
            display_prefix: account::display_prefix(&key),
            created_at: self.clock.now(),
            revoked_at: None,
        };
        match self.store.insert_api_key(&record).await {
            Ok(()) => Ok(MintedKey { key, record }),
            Err(StoreError::NotFound) => Err(DomainError::not_found("account", account.as_str())),
            Err(e) => Err(e.into()),
        }
    }

    /// Revokes a key given in full; answers the revoked record.
    pub async fn revoke_key(&self, key: &str) -> Result<ApiKey, DomainError> {
        match self
            .store
            .revoke_api_key(&account::hash_key(key), self.clock.now())
            .await
        {
            Ok(k) => Ok(k),
            Err(StoreError::NotFound) => Err(DomainError::not_found(
                "api_key",
                account::display_prefix(key),
            )),
            Err(e) => Err(e.into()),
        }
    }

    /// Revokes a key by its id (`key_…`, as `list_keys` shows it); answers the
    /// revoked record. A revoked key keeps its first revocation time.
    pub async fn revoke_key_by_id(&self, id: &str) -> Result<ApiKey, DomainError> {
        // What is not an id is not echoed: it may be a key given by mistake.
        let key_id = ApiKeyId::parse(id).ok_or_else(|| {
            DomainError::invalid(
                "id",
                "not an API key id: an id is key_ and 24 letters or digits",
            )
        })?;
        match self
            .store
            .revoke_api_key_by_id(&key_id, self.clock.now())
            .await
        {
            Ok(k) => Ok(k),
            Err(StoreError::NotFound) => Err(DomainError::not_found("api_key", id)),
            Err(e) => Err(e.into()),
        }
    }

    /// The account's keys, newest first, revoked ones included. A record holds the
    /// key's hash and display prefix, never the key.
    pub async fn list_keys(&self, account: &AccountId) -> Result<Vec<ApiKey>, DomainError> {
        self.get_account(account).await?;
        Ok(self.store.list_api_keys(account).await?)
    }

    /// A number that changes whenever any process revokes a key: a process that
    /// remembers authenticated keys forgets them when it moves (docs/api.md §1).
    pub async fn revocation_generation(&self) -> Result<i64, DomainError> {
        Ok(self.store.revocation_generation().await?)
    }

    /// Resolves an API key. Malformed, unknown and revoked keys all fail alike.
    pub async fn authenticate(&self, key: &str) -> Result<Principal, DomainError> {
        let invalid = || DomainError::Unauthenticated("Invalid API key provided.".into());
        let mode = account::key_mode(key).ok_or_else(invalid)?;
        let record = match self.store.find_api_key(&account::hash_key(key)).await {
            Ok(r) => r,
            Err(StoreError::NotFound) => return Err(invalid()),
            Err(e) => return Err(e.into()),
        };
        if record.revoked_at.is_some() || record.mode != mode {
            return Err(invalid());
        }
        Ok(Principal {
            account_id: record.account_id,
            mode,
            key_id: record.id,
        })
    }

    pub async fn get_account(&self, id: &AccountId) -> Result<Account, DomainError> {
        match self.store.get_account(id).await {
            Ok(a) => Ok(a),
            Err(StoreError::NotFound) => Err(DomainError::not_found("account", id.as_str())),
            Err(e) => Err(e.into()),
        }
    }
}
