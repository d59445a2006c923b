//! Row types: [`Row`] reads any model the shared crate decodes (PostgreSQL's side of
//! its [`Columns`] seam: `timestamptz`, `jsonb`), and the one-row answers of this
//! adapter's own statements.

use crate::Conn;
use crate::error::store_error;
use crate::idempotency::key_lost;
use crate::sql::{Bind, Stmt};
use diesel::QueryableByName;
use diesel::pg::Pg;
use diesel::sql_types::{BigInt, Bool, Jsonb, Nullable, Timestamptz};
use diesel_async::RunQueryDsl;
use passmint_domain::StoreError;
use passmint_domain::pass::Pass;
use passmint_domain::ports::StoreResult;
use passmint_store_sql::{Columns, Decode, PassSnapshot, SnapshotTime, decode_error};
use serde::de::DeserializeOwned;
use serde_json::Value;
use time::{OffsetDateTime, UtcOffset};

// `Row<T>`, a row decoded as `T`, over `PgColumns`, the columns of a PostgreSQL row;
// `Found`, the answer to `SELECT EXISTS (…) AS found`.
passmint_store_sql::diesel_rows!(Pg, PgColumns);

impl<'a, R: diesel::row::NamedRow<'a, Pg>> Columns for PgColumns<'_, R> {
    passmint_store_sql::diesel_common_getters!();
    fn time(&self, name: &str) -> StoreResult<OffsetDateTime> {
        self.get::<Timestamptz, _>(name)
    }
    fn opt_time(&self, name: &str) -> StoreResult<Option<OffsetDateTime>> {
        self.get::<Nullable<Timestamptz>, _>(name)
    }
    fn json<T: DeserializeOwned>(&self, name: &str, what: &str) -> StoreResult<T> {
        serde_json::from_value(self.get::<Jsonb, Value>(name)?).map_err(|e| decode_error(what, e))
    }
    /// The pass row as `to_jsonb` wrote it in the outbox's fan-out.
    fn pass_snapshot(&self, name: &str) -> StoreResult<Pass> {
        let snapshot: PassSnapshot<Rfc3339> = self.json(name, "pass snapshot")?;
        Pass::try_from(snapshot)
    }
}

/// A timestamp as `to_jsonb` writes it: RFC 3339 with the session's offset.
#[derive(serde::Deserialize)]
struct Rfc3339(#[serde(with = "time::serde::rfc3339")] OffsetDateTime);

impl SnapshotTime for Rfc3339 {
    fn from_time(t: OffsetDateTime) -> Self {
        Rfc3339(t)
    }

    fn into_time(self, _what: &str) -> StoreResult<OffsetDateTime> {
        Ok(self.0.to_offset(UtcOffset::UTC))
    }
}

impl<'a> Stmt<'a> {
    /// Runs the statement; the number of rows it changed.
    pub(crate) async fn exec(self, conn: &mut Conn) -> StoreResult<usize> {
        self.execute(conn).await.map_err(store_error)
    }

    /// The one row the statement returns, decoded.
    pub(crate) async fn one<T: Decode + Send + 'static>(self, conn: &mut Conn) -> StoreResult<T> {
        self.get_result::<Row<T>>(conn)
            .await
            .map_err(store_error)?
            .0
    }

    /// Every row the statement returns, decoded.
    pub(crate) async fn all<T: Decode + Send + 'static>(
        self,
        conn: &mut Conn,
    ) -> StoreResult<Vec<T>> {
        self.load::<Row<T>>(conn)
            .await
            .map_err(store_error)?
            .into_iter()
            .map(|r| r.0)
            .collect()
    }
}

impl UpdateOutcome {
    pub(crate) async fn run(
        conn: &mut Conn,
        sql: &'static str,
        binds: Vec<Bind<'_>>,
    ) -> StoreResult<UpdateOutcome> {
        Stmt::new(sql, binds)
            .get_result::<UpdateOutcome>(conn)
            .await
            .map_err(store_error)
    }

    /// `NotFound` when the row is absent, `refused` when the update changed no row
    /// (its version moved, or a lease was lost), `IdempotencyKeyLost` when the
    /// ticket lost its key.
    pub(crate) fn check(&self, refused: StoreError) -> StoreResult<()> {
        if !self.found {
            Err(StoreError::NotFound)
        } else if self.updated == 0 {
            Err(refused)
        } else if self.completed == 0 {
            Err(key_lost())
        } else {
            Ok(())
        }
    }
}

/// The outcome of a conditional update statement.
#[derive(QueryableByName)]
pub(crate) struct UpdateOutcome {
    /// Rows the main update changed.
    #[diesel(sql_type = BigInt)]
    pub(crate) updated: i64,
    /// Idempotency records completed (1 when no completion was asked for).
    #[diesel(sql_type = BigInt)]
    pub(crate) completed: i64,
    /// Whether the target row exists at all.
    #[diesel(sql_type = Bool)]
    pub(crate) found: bool,
}
