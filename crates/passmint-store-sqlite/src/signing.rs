//! [`SigningStore`]: per-account signing identities (an upsert per account) and the
//! deployment's development identity (one row; the first insert wins). Every write
//! runs on the single writer, so concurrent development-identity inserts queue and
//! all read the first.

use crate::SqliteStore;
use crate::error::{decode_error, store_error};
use crate::sql::{Bind, Stmt, from_micros};
use async_trait::async_trait;
use diesel::QueryableByName;
use diesel::RunQueryDsl;
use diesel::sql_types::{BigInt, Text};
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
         pass_type_identifier = excluded.pass_type_identifier, \
         team_identifier = excluded.team_identifier, \
         certificate_pem = excluded.certificate_pem, \
         private_key_pem = excluded.private_key_pem, wwdr_pem = excluded.wwdr_pem, \
         not_after = excluded.not_after, updated_at = excluded.updated_at"
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
    #[diesel(sql_type = BigInt)]
    not_after: i64,
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
    #[diesel(sql_type = BigInt)]
    not_after: i64,
    #[diesel(sql_type = BigInt)]
    updated_at: i64,
}

impl TryFrom<SigningRow> for SigningCredentials {
    type Error = StoreError;

    fn try_from(r: SigningRow) -> Result<Self, StoreError> {
        Ok(SigningCredentials {
            pass_type_identifier: r.pass_type_identifier,
            team_identifier: r.team_identifier,
            certificate_pem: r.certificate_pem,
            private_key_pem: Secret::new(r.private_key_pem),
            wwdr_pem: r.wwdr_pem,
            not_after: from_micros(r.not_after).map_err(|e| decode_error("not_after", e))?,
            updated_at: from_micros(r.updated_at).map_err(|e| decode_error("updated_at", e))?,
        })
    }
}

/// The identity's 7 values, in [`COLUMNS`] order.
fn binds(i: &SigningCredentials) -> Vec<Bind> {
    vec![
        Bind::text(&i.pass_type_identifier),
        Bind::text(&i.team_identifier),
        Bind::text(&i.certificate_pem),
        Bind::text(i.private_key_pem.expose()),
        Bind::text(&i.wwdr_pem),
        Bind::time(i.not_after),
        Bind::time(i.updated_at),
    ]
}

fn read_dev(conn: &mut diesel::SqliteConnection) -> StoreResult<SigningCredentials> {
    Stmt::new(GET_DEV.as_str(), vec![])
        .get_result::<SigningRow>(conn)
        .map_err(store_error)?
        .try_into()
}

#[async_trait]
impl SigningStore for SqliteStore {
    async fn set_signing_identity(
        &self,
        account: &AccountId,
        identity: &SigningCredentials,
    ) -> StoreResult<()> {
        let mut all = vec![Bind::text(account.as_str())];
        all.extend(binds(identity));
        let stmt = Stmt::new(SET.as_str(), all);
        // A missing account is a foreign-key violation, mapped to `NotFound`.
        self.write(move |conn| stmt.execute(conn).map(drop).map_err(store_error))
            .await
    }

    async fn get_signing_identity(&self, account: &AccountId) -> StoreResult<SigningCredentials> {
        let stmt = Stmt::new(GET.as_str(), vec![Bind::text(account.as_str())]);
        self.read(move |conn| {
            stmt.get_result::<SigningRow>(conn)
                .map_err(store_error)?
                .try_into()
        })
        .await
    }

    async fn identities_expiring_before(
        &self,
        before: OffsetDateTime,
    ) -> StoreResult<Vec<IdentityExpiry>> {
        let stmt = Stmt::new(EXPIRING, vec![Bind::time(before)]);
        self.read(move |conn| {
            stmt.load::<ExpiryRow>(conn)
                .map_err(store_error)?
                .into_iter()
                .map(|r| {
                    Ok(IdentityExpiry {
                        account_id: AccountId::parse(&r.account_id)
                            .ok_or_else(|| decode_error("account_id", &r.account_id))?,
                        pass_type_identifier: r.pass_type_identifier,
                        team_identifier: r.team_identifier,
                        not_after: from_micros(r.not_after)
                            .map_err(|e| decode_error("not_after", e))?,
                    })
                })
                .collect()
        })
        .await
    }

    async fn get_dev_identity(&self) -> StoreResult<SigningCredentials> {
        self.read(read_dev).await
    }

    async fn insert_dev_identity(
        &self,
        candidate: &SigningCredentials,
    ) -> StoreResult<SigningCredentials> {
        let stmt = Stmt::new(INSERT_DEV.as_str(), binds(candidate));
        self.write_tx(move |conn| {
            stmt.execute(conn).map_err(store_error)?;
            read_dev(conn)
        })
        .await
    }
}
