//! [`AccountStore`]: accounts and API keys, one statement per call.

use crate::SqliteStore;
use crate::error::store_error;
use crate::rows::Number;
use crate::sql::{Bind, Stmt};
use async_trait::async_trait;
use diesel::RunQueryDsl;
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
impl AccountStore for SqliteStore {
    async fn insert_account(&self, account: &Account) -> StoreResult<()> {
        let stmt = Stmt::new(INSERT_ACCOUNT, account_binds(account));
        self.write(move |conn| stmt.execute(conn).map(drop).map_err(store_error))
            .await
    }

    async fn get_account(&self, id: &AccountId) -> StoreResult<Account> {
        let stmt = Stmt::new(GET_ACCOUNT.as_str(), vec![Bind::text(id.as_str())]);
        self.read(move |conn| stmt.one::<Account>(conn)).await
    }

    async fn insert_api_key(&self, key: &ApiKey) -> StoreResult<()> {
        // A missing account is a foreign-key violation, mapped to `NotFound`.
        let stmt = Stmt::new(INSERT_API_KEY, api_key_binds(key));
        self.write(move |conn| stmt.execute(conn).map(drop).map_err(store_error))
            .await
    }

    async fn find_api_key(&self, key_hash: &str) -> StoreResult<ApiKey> {
        let stmt = Stmt::new(FIND_API_KEY.as_str(), vec![Bind::text(key_hash)]);
        self.read(move |conn| stmt.one::<ApiKey>(conn)).await
    }

    async fn revoke_api_key(&self, key_hash: &str, at: OffsetDateTime) -> StoreResult<ApiKey> {
        let stmt = Stmt::new(
            REVOKE_API_KEY.as_str(),
            vec![Bind::text(key_hash), Bind::time(at)],
        );
        self.write(move |conn| stmt.one::<ApiKey>(conn)).await
    }

    async fn revocation_generation(&self) -> StoreResult<i64> {
        let stmt = Stmt::new(REVOCATION_GENERATION, Vec::new());
        self.read(move |conn| stmt.get_result::<Number>(conn).map_err(store_error))
            .await
            .map(|row| row.n)
    }

    async fn list_api_keys(&self, account: &AccountId) -> StoreResult<Vec<ApiKey>> {
        let stmt = Stmt::new(LIST_API_KEYS.as_str(), vec![Bind::text(account.as_str())]);
        self.read(move |conn| stmt.all::<ApiKey>(conn)).await
    }

    async fn revoke_api_key_by_id(&self, id: &ApiKeyId, at: OffsetDateTime) -> StoreResult<ApiKey> {
        let stmt = Stmt::new(
            REVOKE_API_KEY_BY_ID.as_str(),
            vec![Bind::text(id.as_str()), Bind::time(at)],
        );
        self.write(move |conn| stmt.one::<ApiKey>(conn)).await
    }
}
