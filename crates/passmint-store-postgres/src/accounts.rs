//! [`AccountStore`]: accounts and API keys, one statement per call.

use crate::PgStore;
use crate::error::store_error;
use crate::sql::{Bind, Stmt};
use async_trait::async_trait;
use diesel_async::RunQueryDsl;
use passmint_domain::account::{Account, ApiKey};
use passmint_domain::ids::AccountId;
use passmint_domain::ports::{AccountStore, StoreResult};
use passmint_store_sql::{ACCOUNT_COLUMNS, API_KEY_COLUMNS};
use std::sync::LazyLock;
use time::OffsetDateTime;

static GET_ACCOUNT: LazyLock<String> =
    LazyLock::new(|| format!("SELECT {ACCOUNT_COLUMNS} FROM accounts WHERE id = $1"));
static FIND_API_KEY: LazyLock<String> =
    LazyLock::new(|| format!("SELECT {API_KEY_COLUMNS} FROM api_keys WHERE key_hash = $1"));
static REVOKE_API_KEY: LazyLock<String> = LazyLock::new(|| {
    format!(
        "UPDATE api_keys SET revoked_at = COALESCE(revoked_at, $2) WHERE key_hash = $1 \
         RETURNING {API_KEY_COLUMNS}"
    )
});

#[async_trait]
impl AccountStore for PgStore {
    async fn insert_account(&self, account: &Account) -> StoreResult<()> {
        let mut conn = self.conn().await?;
        Stmt::new(
            "INSERT INTO accounts (id, name, live_pass_limit, created_at) VALUES ($1, $2, $3, $4)",
            vec![
                Bind::Text(account.id.as_str()),
                Bind::Text(&account.name),
                Bind::NullableBigInt(account.live_pass_limit),
                Bind::Timestamptz(account.created_at),
            ],
        )
        .execute(&mut conn)
        .await
        .map_err(store_error)?;
        Ok(())
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
        Stmt::new(
            "INSERT INTO api_keys \
             (id, account_id, mode, key_hash, display_prefix, created_at, revoked_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
            vec![
                Bind::Text(key.id.as_str()),
                Bind::Text(key.account_id.as_str()),
                Bind::Text(key.mode.as_str()),
                Bind::Text(&key.key_hash),
                Bind::Text(&key.display_prefix),
                Bind::Timestamptz(key.created_at),
                Bind::NullableTimestamptz(key.revoked_at),
            ],
        )
        .execute(&mut conn)
        .await
        .map_err(store_error)?;
        Ok(())
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
}
