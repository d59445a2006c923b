//! [`SigningStore`]: per-account signing identities (an upsert per account) and the
//! deployment's development identity (one row; the first insert wins).

use crate::PgStore;
use crate::sql::{Bind, Stmt};
use async_trait::async_trait;
use passmint_domain::ids::AccountId;
use passmint_domain::ports::{SigningStore, StoreResult};
use passmint_domain::signing::{IdentityExpiry, SigningCredentials};
use passmint_store_sql::sealing::sealed_identity;
use passmint_store_sql::signing_binds;
use passmint_store_sql::statements::{EXPIRING, GET_DEV, GET_SIGNING, INSERT_DEV, SET_SIGNING};
use time::OffsetDateTime;

#[async_trait]
impl SigningStore for PgStore {
    async fn set_signing_identity(
        &self,
        account: &AccountId,
        identity: &SigningCredentials,
    ) -> StoreResult<()> {
        let mut all = vec![Bind::Text(account.as_str())];
        let sealed = sealed_identity(&self.keyring, identity)?;
        all.extend(signing_binds(&sealed));
        let mut conn = self.conn().await?;
        // A missing account is a foreign-key violation, mapped to `NotFound`.
        Stmt::new(SET_SIGNING.as_str(), all).exec(&mut conn).await?;
        Ok(())
    }

    async fn get_signing_identity(&self, account: &AccountId) -> StoreResult<SigningCredentials> {
        let mut conn = self.conn().await?;
        self.opening(
            Stmt::new(GET_SIGNING.as_str(), vec![Bind::Text(account.as_str())])
                .one::<SigningCredentials>(&mut conn),
        )
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
        self.opening(Stmt::new(GET_DEV.as_str(), vec![]).one::<SigningCredentials>(&mut conn))
            .await
    }

    async fn insert_dev_identity(
        &self,
        candidate: &SigningCredentials,
    ) -> StoreResult<SigningCredentials> {
        let mut conn = self.conn().await?;
        // Two statements on purpose: a concurrent inserter makes ours wait and then
        // do nothing, and only a later statement's snapshot sees its committed row.
        let sealed = sealed_identity(&self.keyring, candidate)?;
        Stmt::new(INSERT_DEV.as_str(), signing_binds(&sealed))
            .exec(&mut conn)
            .await?;
        self.opening(Stmt::new(GET_DEV.as_str(), vec![]).one::<SigningCredentials>(&mut conn))
            .await
    }
}
