//! [`SigningStore`]: per-account signing identities (an upsert per account) and the
//! deployment's development identity (one row; the first insert wins). Every write
//! runs on the single writer, so concurrent development-identity inserts queue and
//! all read the first.

use crate::SqliteStore;
use crate::error::store_error;
use crate::sql::{Bind, Stmt};
use async_trait::async_trait;
use diesel::RunQueryDsl;
use passmint_domain::ids::AccountId;
use passmint_domain::ports::{SigningStore, StoreResult};
use passmint_domain::signing::{IdentityExpiry, SigningCredentials};
use passmint_store_sql::sealing::sealed_identity;
use passmint_store_sql::signing_binds;
use passmint_store_sql::statements::{EXPIRING, GET_DEV, GET_SIGNING, INSERT_DEV, SET_SIGNING};
use time::OffsetDateTime;

fn read_dev(conn: &mut diesel::SqliteConnection) -> StoreResult<SigningCredentials> {
    Stmt::new(GET_DEV.as_str(), vec![]).one::<SigningCredentials>(conn)
}

#[async_trait]
impl SigningStore for SqliteStore {
    async fn set_signing_identity(
        &self,
        account: &AccountId,
        identity: &SigningCredentials,
    ) -> StoreResult<()> {
        let mut all = vec![Bind::text(account.as_str())];
        let sealed = sealed_identity(&self.keyring, identity)?;
        all.extend(signing_binds(&sealed));
        let stmt = Stmt::new(SET_SIGNING.as_str(), all);
        // A missing account is a foreign-key violation, mapped to `NotFound`.
        self.write(move |conn| stmt.execute(conn).map(drop).map_err(store_error))
            .await
    }

    async fn get_signing_identity(&self, account: &AccountId) -> StoreResult<SigningCredentials> {
        let stmt = Stmt::new(GET_SIGNING.as_str(), vec![Bind::text(account.as_str())]);
        self.read(move |conn| stmt.one::<SigningCredentials>(conn))
            .await
    }

    async fn identities_expiring_before(
        &self,
        before: OffsetDateTime,
    ) -> StoreResult<Vec<IdentityExpiry>> {
        let stmt = Stmt::new(EXPIRING.as_str(), vec![Bind::time(before)]);
        self.read(move |conn| stmt.all::<IdentityExpiry>(conn))
            .await
    }

    async fn get_dev_identity(&self) -> StoreResult<SigningCredentials> {
        self.read(read_dev).await
    }

    async fn insert_dev_identity(
        &self,
        candidate: &SigningCredentials,
    ) -> StoreResult<SigningCredentials> {
        let sealed = sealed_identity(&self.keyring, candidate)?;
        let stmt = Stmt::new(INSERT_DEV.as_str(), signing_binds(&sealed));
        self.write_tx(move |conn| {
            stmt.execute(conn).map_err(store_error)?;
            read_dev(conn)
        })
        .await
    }
}
