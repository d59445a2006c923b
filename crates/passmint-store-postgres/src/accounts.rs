//! [`AccountStore`]: accounts and API keys, one statement per call.

use crate::PgStore;
use crate::error::store_error;
use crate::sql::{Bind, Stmt};
use crate::wallet::Count;
use async_trait::async_trait;
use diesel_async::RunQueryDsl;
use passmint_domain::account::{Account, ApiKey};
use passmint_domain::ids::{AccountId, ApiKeyId};
use passmint_domain::ports::{AccountStore, StoreResult};
use passmint_store_sql::statements::{
    FIND_API_KEY, GET_ACCOUNT, INSERT_ACCOUNT, INSERT_API_KEY, LIST_API_KEYS,
    REVOCATION_GENERATION, REVOKE_API_KEY, REVOKE_API_KEY_BY_ID,
};
use passmint_store_sql::{account_binds, api_key_binds};
use time::OffsetDateTime;

#[async_trait]
impl AccountStore for PgStore {
    async fn insert_account(&self, account: &Account) -> StoreResult<()> {
        let mut conn = self.conn().await?;
        Stmt::new(INSERT_ACCOUNT, account_binds(account))
            .exec(&mut conn)
            .await
            .map(drop)
    }

    async fn get_account(&self, id: &AccountId) -> StoreResult<Account> {
        let mut conn = self.conn().await?;
        Stmt::new(GET_ACCOUNT.as_str(), vec![Bind::Text(id.as_str())])
            .one::<Account>(&mut conn)
            .await
    }

    async fn insert_api_key(&self, key: &ApiKey) -> StoreResult<()> {
        let mut conn = self.conn().await?;
        // A missing account is a foreign-key violation, mapped to `NotFound`.
        Stmt::new(INSERT_API_KEY, api_key_binds(key))
            .exec(&mut conn)
            .await
            .map(drop)
    }

    async fn find_api_key(&self, key_hash: &str) -> StoreResult<ApiKey> {
        let mut conn = self.conn().await?;
        Stmt::new(FIND_API_KEY.as_str(), vec![Bind::Text(key_hash)])
            .one::<ApiKey>(&mut conn)
            .await
    }

    async fn revoke_api_key(&self, key_hash: &str, at: OffsetDateTime) -> StoreResult<ApiKey> {
        let mut conn = self.conn().await?;
        Stmt::new(
            REVOKE_API_KEY.as_str(),
            vec![Bind::Text(key_hash), Bind::Timestamptz(at)],
        )
        .one::<ApiKey>(&mut conn)
        .await
    }

    async fn revocation_generation(&self) -> StoreResult<i64> {
        let mut conn = self.conn().await?;
        let row = Stmt::new(REVOCATION_GENERATION, Vec::new())
            .get_result::<Count>(&mut conn)
            .await
            .map_err(store_error)?;
        Ok(row.n)
    }

    async fn list_api_keys(&self, account: &AccountId) -> StoreResult<Vec<ApiKey>> {
        let mut conn = self.conn().await?;
        Stmt::new(LIST_API_KEYS.as_str(), vec![Bind::Text(account.as_str())])
            .all::<ApiKey>(&mut conn)
            .await
    }

    async fn revoke_api_key_by_id(&self, id: &ApiKeyId, at: OffsetDateTime) -> StoreResult<ApiKey> {
        let mut conn = self.conn().await?;
        Stmt::new(
            REVOKE_API_KEY_BY_ID.as_str(),
            vec![Bind::Text(id.as_str()), Bind::Timestamptz(at)],
        )
        .one::<ApiKey>(&mut conn)
        .await
    }
}
