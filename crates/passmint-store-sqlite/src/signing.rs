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
use passmint_store_sql::{EXPIRY_COLUMNS, SIGNING_COLUMNS, signing_binds};
use std::sync::LazyLock;
use time::OffsetDateTime;

static SET: LazyLock<String> = LazyLock::new(|| {
    format!(
        "INSERT INTO signing_identities (account_id, {SIGNING_COLUMNS}) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
         ON CONFLICT (account_id) DO UPDATE SET \
         pass_type_identifier = excluded.pass_type_identifier, \
         team_identifier = excluded.team_identifier, \
         certificate_pem = excluded.certificate_pem, \
         private_key_pem = excluded.private_key_pem, wwdr_pem = excluded.wwdr_pem, \
         not_after = excluded.not_after, updated_at = excluded.updated_at"
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
        all.extend(signing_binds(identity));
        let stmt = Stmt::new(SET.as_str(), all);
        // A missing account is a foreign-key violation, mapped to `NotFound`.
        self.write(move |conn| stmt.execute(conn).map(drop).map_err(store_error))
            .await
    }

    async fn get_signing_identity(&self, account: &AccountId) -> StoreResult<SigningCredentials> {
        let stmt = Stmt::new(GET.as_str(), vec![Bind::text(account.as_str())]);
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
        let stmt = Stmt::new(INSERT_DEV.as_str(), signing_binds(candidate));
        self.write_tx(move |conn| {
            stmt.execute(conn).map_err(store_error)?;
            read_dev(conn)
        })
        .await
    }
}
