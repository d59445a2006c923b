//! Row types: [`Row`] reads any model the shared crate decodes (SQLite's side of its
//! [`Columns`] seam: timestamps as integer microseconds, JSON as text), and the
//! one-row answers of this adapter's own statements.

use crate::error::{decode_error, store_error};
use crate::sql::{Stmt, from_micros, micros};
use diesel::sql_types::{BigInt, Binary, Integer, Nullable, Text};
use diesel::sqlite::Sqlite;
use diesel::{QueryableByName, RunQueryDsl, SqliteConnection};
use passmint_domain::pass::Pass;
use passmint_domain::ports::StoreResult;
use passmint_store_sql::{Columns, Decode, PassSnapshot, SnapshotTime};
use serde::de::DeserializeOwned;
use time::OffsetDateTime;

// `Row<T>`, a row decoded as `T`, over `SqliteColumns`, the columns of a SQLite row;
// `Found`, the answer to `SELECT EXISTS (…) AS found`.
passmint_store_sql::diesel_rows!(Sqlite, SqliteColumns);

fn time(what: &str, micros: i64) -> StoreResult<OffsetDateTime> {
    from_micros(micros).map_err(|e| decode_error(what, e))
}

impl<'a, R: diesel::row::NamedRow<'a, Sqlite>> Columns for SqliteColumns<'_, R> {
    passmint_store_sql::diesel_common_getters!();
    fn time(&self, name: &str) -> StoreResult<OffsetDateTime> {
        time(name, self.big_int(name)?)
    }
    fn opt_time(&self, name: &str) -> StoreResult<Option<OffsetDateTime>> {
        self.opt_big_int(name)?.map(|m| time(name, m)).transpose()
    }
    fn json<T: DeserializeOwned>(&self, name: &str, what: &str) -> StoreResult<T> {
        serde_json::from_str(&self.text(name)?).map_err(|e| decode_error(what, e))
    }
    /// The snapshot as the outbox's fan-out wrote it.
    fn pass_snapshot(&self, name: &str) -> StoreResult<Pass> {
        let snapshot: PassSnapshot<Micros> = self.json(name, "pass snapshot")?;
        Pass::try_from(snapshot)
    }
}

/// A snapshot's timestamp: integer microseconds, as stored.
#[derive(serde::Serialize, serde::Deserialize)]
#[serde(transparent)]
pub(crate) struct Micros(i64);

impl SnapshotTime for Micros {
    fn from_time(t: OffsetDateTime) -> Self {
        Micros(micros(t))
    }

    fn into_time(self, what: &str) -> StoreResult<OffsetDateTime> {
        time(what, self.0)
    }
}

impl Stmt {
    /// The one row the statement returns, decoded.
    pub(crate) fn one<T: Decode + 'static>(&self, conn: &mut SqliteConnection) -> StoreResult<T> {
        self.get_result::<Row<T>>(conn).map_err(store_error)?.0
    }

    /// Every row the statement returns, decoded.
    pub(crate) fn all<T: Decode + 'static>(
        &self,
        conn: &mut SqliteConnection,
    ) -> StoreResult<Vec<T>> {
        self.load::<Row<T>>(conn)
            .map_err(store_error)?
            .into_iter()
            .map(|r| r.0)
            .collect()
    }
}

/// A one-row answer to `SELECT … AS n` (a count, a tag).
#[derive(QueryableByName)]
pub(crate) struct Number {
    #[diesel(sql_type = BigInt)]
    pub(crate) n: i64,
}

/// A one-column text row (`SELECT … AS text`).
#[derive(QueryableByName)]
pub(crate) struct TextRow {
    #[diesel(sql_type = Text)]
    pub(crate) text: String,
}

/// The stored state of an idempotency key that could not be inserted.
#[derive(QueryableByName)]
pub(crate) struct IdemRow {
    #[diesel(sql_type = Text)]
    pub(crate) fingerprint: String,
    #[diesel(sql_type = BigInt)]
    pub(crate) locked_until: i64,
    #[diesel(sql_type = BigInt)]
    pub(crate) expires_at: i64,
    #[diesel(sql_type = Nullable<Integer>)]
    pub(crate) response_status: Option<i32>,
    #[diesel(sql_type = Nullable<Binary>)]
    pub(crate) response_body: Option<Vec<u8>>,
}
