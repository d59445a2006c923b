//! [`SigningStore`]: per-account signing identities (an upsert per account) and the
//! deployment's development identity (one row; the first insert wins).

use crate::PgStore;
use crate::error::store_error;
use crate::sql::{Bind, Stmt};
use async_trait::async_trait;
use diesel_async::RunQueryDsl;
use passmint_domain::ids::AccountId;
use passmint_domain::ports::{SigningStore, StoreResult};
use passmint_domain::signing::{IdentityExpiry, SigningCredentials};
use passmint_store_sql::{EXPIRY_COLUMNS, SIGNING_COLUMNS, signing_binds};
use std::sync::LazyLock;
use time::OffsetDateTime;

static SET: LazyLock<String> = LazyLock::new(|| {
    format!(
        "INSERT INTO signing_identities (account_id, {SIGNING_COLUMNS}) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
         ON CONFLICT (account_id) DO UPDATE SET \
         pass_type_identifier = EXCLUDED.pass_type_identifier, \
         team_identifier = EXCLUDED.team_identifier, \
         certificate_pem = EXCLUDED.certificate_pem, \
         private_key_pem = EXCLUDED.private_key_pem, wwdr_pem = EXCLUDED.wwdr_pem, \
         not_after = EXCLUDED.not_after, updated_at = EXCLUDED.updated_at"
    )
});
static GET: LazyLock<String> = LazyLock::new(|| {
    format!("SELECT {SIGNING_COLUMNS} FROM signing_identities WHERE account_id = $1")
});
static GET_DEV: LazyLock<String> =
    LazyLock::new(|| format!("SELECT {SIGNING_COLUMNS} FROM dev_identity WHERE id = 1"));
static INSERT_DEV: LazyLock<String> = LazyLock::new(|| {
    format!(
        "INSERT INTO dev_identity (id, {SIGNING_COLUMNS}) VALUES (1, $1, $2, $3, $4, $5, $6, $7) \
         ON CONFLICT (id) DO NOTHING"
    )
});

static EXPIRING: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT {EXPIRY_COLUMNS} FROM signing_identities WHERE not_after < $1 \
         ORDER BY not_after, account_id"
    )
});

#[async_trait]
impl SigningStore for PgStore {
    async fn set_signing_identity(
        &self,
        account: &AccountId,
        identity: &SigningCredentials,
    ) -> StoreResult<()> {
        let mut all = vec![Bind::Text(account.as_str())];
        all.extend(signing_binds(identity));
        let mut conn = self.conn().await?;
        // A missing account is a foreign-key violation, mapped to `NotFound`.
        Stmt::new(SET.as_str(), all)
            .execute(&mut conn)
            .await
            .map_err(store_error)?;
        Ok(())
    }

    async fn get_signing_identity(&self, account: &AccountId) -> StoreResult<SigningCredentials> {
        let mut conn = self.conn().await?;
        Stmt::new(GET.as_str(), vec![Bind::Text(account.as_str())])
            .one::<SigningCredentials>(&mut conn)
            .await
    }

    async fn identities_expiring_before(
        &self,
        before: OffsetDateTime,
    ) -> StoreResult<Vec<IdentityExpiry>> {
        let mut conn = self.conn().await?;
        Stmt::new(EXPIRING.as_str(), vec![Bind::Timestamptz(before)])
            .all::<IdentityExpiry>(&mut conn)
            .await
    }

    async fn get_dev_identity(&self) -> StoreResult<SigningCredentials> {
        let mut conn = self.conn().await?;
        Stmt::new(GET_DEV.as_str(), vec![])
            .one::<SigningCredentials>(&mut conn)
            .await
    }

    async fn insert_dev_identity(
        &self,
        candidate: &SigningCredentials,
    ) -> StoreResult<SigningCredentials> {
        let mut conn = self.conn().await?;
        // Two statements on purpose: a concurrent inserter makes ours wait and then
        // do nothing, and only a later statement's snapshot sees its committed row.
        Stmt::new(INSERT_DEV.as_str(), signing_binds(candidate))
            .execute(&mut conn)
            .await
            .map_err(store_error)?;
        Stmt::new(GET_DEV.as_str(), vec![])
            .one::<SigningCredentials>(&mut conn)
            .await
    }
}
