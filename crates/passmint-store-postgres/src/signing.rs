//! [`SigningStore`]: per-account signing identities (an upsert per account) and the
//! deployment's development identity (one row; the first insert wins).

use crate::PgStore;
use crate::error::store_error;
use crate::sql::{Bind, Stmt};
use async_trait::async_trait;
use diesel::QueryableByName;
use diesel::sql_types::{Text, Timestamptz};
use diesel_async::RunQueryDsl;
use passmint_domain::StoreError;
use passmint_domain::ids::AccountId;
use passmint_domain::ports::{SigningStore, StoreResult};
use passmint_domain::signing::{IdentityExpiry, Secret, SigningCredentials};
use std::sync::LazyLock;
use time::OffsetDateTime;

const COLUMNS: &str = "pass_type_identifier, team_identifier, certificate_pem, \
     private_key_pem, wwdr_pem, not_after, updated_at";

static SET: LazyLock<String> = LazyLock::new(|| {
    format!(
        "INSERT INTO signing_identities (account_id, {COLUMNS}) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) \
         ON CONFLICT (account_id) DO UPDATE SET \
         pass_type_identifier = EXCLUDED.pass_type_identifier, \
         team_identifier = EXCLUDED.team_identifier, \
         certificate_pem = EXCLUDED.certificate_pem, \
         private_key_pem = EXCLUDED.private_key_pem, wwdr_pem = EXCLUDED.wwdr_pem, \
         not_after = EXCLUDED.not_after, updated_at = EXCLUDED.updated_at"
    )
});
static GET: LazyLock<String> =
    LazyLock::new(|| format!("SELECT {COLUMNS} FROM signing_identities WHERE account_id = $1"));
static GET_DEV: LazyLock<String> =
    LazyLock::new(|| format!("SELECT {COLUMNS} FROM dev_identity WHERE id = 1"));
static INSERT_DEV: LazyLock<String> = LazyLock::new(|| {
    format!(
        "INSERT INTO dev_identity (id, {COLUMNS}) VALUES (1, $1, $2, $3, $4, $5, $6, $7) \
         ON CONFLICT (id) DO NOTHING"
    )
});

const EXPIRING: &str = "SELECT account_id, pass_type_identifier, team_identifier, not_after \
     FROM signing_identities WHERE not_after < $1 ORDER BY not_after, account_id";

#[derive(QueryableByName)]
struct ExpiryRow {
    #[diesel(sql_type = Text)]
    account_id: String,
    #[diesel(sql_type = Text)]
    pass_type_identifier: String,
    #[diesel(sql_type = Text)]
    team_identifier: String,
    #[diesel(sql_type = Timestamptz)]
    not_after: OffsetDateTime,
}

#[derive(QueryableByName)]
struct SigningRow {
    #[diesel(sql_type = Text)]
    pass_type_identifier: String,
    #[diesel(sql_type = Text)]
    team_identifier: String,
    #[diesel(sql_type = Text)]
    certificate_pem: String,
    #[diesel(sql_type = Text)]
    private_key_pem: String,
    #[diesel(sql_type = Text)]
    wwdr_pem: String,
    #[diesel(sql_type = Timestamptz)]
    not_after: OffsetDateTime,
    #[diesel(sql_type = Timestamptz)]
    updated_at: OffsetDateTime,
}

impl From<SigningRow> for SigningCredentials {
    fn from(r: SigningRow) -> Self {
        SigningCredentials {
            pass_type_identifier: r.pass_type_identifier,
            team_identifier: r.team_identifier,
            certificate_pem: r.certificate_pem,
            private_key_pem: Secret::new(r.private_key_pem),
            wwdr_pem: r.wwdr_pem,
            not_after: r.not_after,
            updated_at: r.updated_at,
        }
    }
}

/// The identity's 7 values, in [`COLUMNS`] order.
fn binds(i: &SigningCredentials) -> [Bind<'_>; 7] {
    [
        Bind::Text(&i.pass_type_identifier),
        Bind::Text(&i.team_identifier),
        Bind::Text(&i.certificate_pem),
        Bind::Text(i.private_key_pem.expose()),
        Bind::Text(&i.wwdr_pem),
        Bind::Timestamptz(i.not_after),
        Bind::Timestamptz(i.updated_at),
    ]
}

#[async_trait]
impl SigningStore for PgStore {
    async fn set_signing_identity(
        &self,
        account: &AccountId,
        identity: &SigningCredentials,
    ) -> StoreResult<()> {
        let mut all = vec![Bind::Text(account.as_str())];
        all.extend(binds(identity));
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
        Ok(Stmt::new(GET.as_str(), vec![Bind::Text(account.as_str())])
            .get_result::<SigningRow>(&mut conn)
            .await
            .map_err(store_error)?
            .into())
    }

    async fn identities_expiring_before(
        &self,
        before: OffsetDateTime,
    ) -> StoreResult<Vec<IdentityExpiry>> {
        let mut conn = self.conn().await?;
        Stmt::new(EXPIRING, vec![Bind::Timestamptz(before)])
            .load::<ExpiryRow>(&mut conn)
            .await
            .map_err(store_error)?
            .into_iter()
            .map(|r| {
                Ok(IdentityExpiry {
                    account_id: AccountId::parse(&r.account_id).ok_or_else(|| {
                        StoreError::Backend(format!("bad account id '{}'", r.account_id))
                    })?,
                    pass_type_identifier: r.pass_type_identifier,
                    team_identifier: r.team_identifier,
                    not_after: r.not_after,
                })
            })
            .collect()
    }

    async fn get_dev_identity(&self) -> StoreResult<SigningCredentials> {
        let mut conn = self.conn().await?;
        Ok(Stmt::new(GET_DEV.as_str(), vec![])
            .get_result::<SigningRow>(&mut conn)
            .await
            .map_err(store_error)?
            .into())
    }

    async fn insert_dev_identity(
        &self,
        candidate: &SigningCredentials,
    ) -> StoreResult<SigningCredentials> {
        let mut conn = self.conn().await?;
        // Two statements on purpose: a concurrent inserter makes ours wait and then
        // do nothing, and only a later statement's snapshot sees its committed row.
        Stmt::new(INSERT_DEV.as_str(), binds(candidate).into())
            .execute(&mut conn)
            .await
            .map_err(store_error)?;
        Ok(Stmt::new(GET_DEV.as_str(), vec![])
            .get_result::<SigningRow>(&mut conn)
            .await
            .map_err(store_error)?
            .into())
    }
}
