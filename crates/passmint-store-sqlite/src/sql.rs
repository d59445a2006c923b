//! Hand-written statements that diesel prepares once per connection.
//!
//! `diesel::sql_query` is never cached, and diesel's query builder refuses to cache
//! an `UPDATE` or an upsert. [`Stmt`] is fixed SQL text with numbered placeholders
//! (`$1`, `$2`, …) and owned, typed binds; it tells diesel it is safe to cache, so
//! each connection keeps one prepared statement per distinct text and a later call
//! only binds and steps. Owned binds let a statement move into the blocking task
//! that runs it.
//!
//! A placeholder may appear several times; each occurrence becomes its own SQLite
//! parameter bound to the same value.

use diesel::query_builder::AstPass;
use diesel::sql_types::{BigInt, Binary, Bool, Integer, Nullable, Text};
use diesel::sqlite::Sqlite;
use diesel::{QueryResult, RunQueryDsl};
use passmint_store_sql::SqlBind;
use std::borrow::Cow;
use time::OffsetDateTime;

/// A statement: SQL text plus the values of its placeholders.
#[derive(Clone, Debug)]
pub(crate) struct Stmt {
    sql: Cow<'static, str>,
    binds: Vec<Bind>,
}

impl Stmt {
    pub(crate) fn new(sql: impl Into<Cow<'static, str>>, binds: Vec<Bind>) -> Self {
        Stmt {
            sql: sql.into(),
            binds,
        }
    }

    /// The values of the placeholders, for another statement with the same ones.
    pub(crate) fn into_binds(self) -> Vec<Bind> {
        self.binds
    }

    /// The same statement under `EXPLAIN QUERY PLAN`.
    #[cfg(test)]
    pub(crate) fn explain(self) -> Self {
        Stmt {
            sql: format!("EXPLAIN QUERY PLAN {}", self.sql).into(),
            binds: self.binds,
        }
    }
}

/// One placeholder value, with the SQL type it is bound as.
#[derive(Clone, Debug)]
pub(crate) enum Bind {
    Text(String),
    NullableText(Option<String>),
    BigInt(i64),
    NullableBigInt(Option<i64>),
    Integer(i32),
    NullableInteger(Option<i32>),
    Bool(bool),
    Blob(Vec<u8>),
}

/// SQLite's side of the shared builders' binds: owned values, timestamps as the
/// integer microseconds the schema stores, JSON as text.
impl<'a> SqlBind<'a> for Bind {
    fn text(s: &'a str) -> Self {
        Bind::text(s)
    }

    fn opt_text(s: Option<&'a str>) -> Self {
        Bind::nullable_text(s)
    }

    fn big_int(n: i64) -> Self {
        Bind::BigInt(n)
    }

    fn opt_big_int(n: Option<i64>) -> Self {
        Bind::NullableBigInt(n)
    }

    fn bool(b: bool) -> Self {
        Bind::Bool(b)
    }

    fn time(t: OffsetDateTime) -> Self {
        Bind::time(t)
    }

    fn opt_time(t: Option<OffsetDateTime>) -> Self {
        Bind::nullable_time(t)
    }

    /// Serialised here and stored as TEXT.
    fn json<T: serde::Serialize + ?Sized>(value: &T) -> Result<Self, serde_json::Error> {
        Ok(Bind::Text(serde_json::to_string(value)?))
    }
}

impl Bind {
    pub(crate) fn text(s: &str) -> Self {
        Bind::Text(s.to_owned())
    }

    pub(crate) fn nullable_text(s: Option<&str>) -> Self {
        Bind::NullableText(s.map(str::to_owned))
    }

    /// A timestamp, as the integer microseconds the schema stores.
    pub(crate) fn time(t: OffsetDateTime) -> Self {
        Bind::BigInt(micros(t))
    }

    pub(crate) fn nullable_time(t: Option<OffsetDateTime>) -> Self {
        Bind::NullableBigInt(t.map(micros))
    }

    fn push<'b>(&'b self, out: &mut AstPass<'_, 'b, Sqlite>) -> QueryResult<()> {
        match self {
            Bind::Text(v) => out.push_bind_param::<Text, String>(v),
            Bind::NullableText(v) => out.push_bind_param::<Nullable<Text>, Option<String>>(v),
            Bind::BigInt(v) => out.push_bind_param::<BigInt, i64>(v),
            Bind::NullableBigInt(v) => out.push_bind_param::<Nullable<BigInt>, Option<i64>>(v),
            Bind::Integer(v) => out.push_bind_param::<Integer, i32>(v),
            Bind::NullableInteger(v) => out.push_bind_param::<Nullable<Integer>, Option<i32>>(v),
            Bind::Bool(v) => out.push_bind_param::<Bool, bool>(v),
            Bind::Blob(v) => out.push_bind_param::<Binary, Vec<u8>>(v),
        }
    }
}

/// Microseconds since the Unix epoch (rounded down), as stored. Every
/// `OffsetDateTime` (years ±9999) fits an `i64` of microseconds.
pub(crate) fn micros(t: OffsetDateTime) -> i64 {
    t.unix_timestamp_nanos().div_euclid(1_000) as i64
}

/// The UTC time `micros` microseconds after the Unix epoch.
pub(crate) fn from_micros(micros: i64) -> Result<OffsetDateTime, time::error::ComponentRange> {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(micros) * 1_000)
}

// Each placeholder its own parameter; not identified by type, so diesel caches the
// prepared statement under its SQL text.
passmint_store_sql::diesel_statement!(Stmt, Sqlite);

impl<Conn> RunQueryDsl<Conn> for Stmt {}

/// Executing a borrowed statement keeps its binds for a follow-up statement.
impl<Conn> RunQueryDsl<Conn> for &Stmt {}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    passmint_store_sql::diesel_statement_tests!(
        Stmt,
        Sqlite,
        diesel::sqlite::SqliteQueryBuilder::new(),
        "SELECT $2, $1 WHERE $2 IS NOT NULL",
        "SELECT ?, ? WHERE ? IS NOT NULL"
    );

    #[test]
    fn microseconds_round_trip() {
        for t in [
            OffsetDateTime::UNIX_EPOCH,
            time::macros::datetime!(2025-11-27 12:34:56.123456 UTC),
            time::macros::datetime!(1969-12-31 23:59:59.999999 UTC),
            time::macros::datetime!(9999-12-31 23:59:59.999999 UTC),
            time::macros::datetime!(-9999-01-01 00:00:00 UTC),
        ] {
            assert_eq!(from_micros(micros(t)).unwrap(), t);
        }
        assert!(
            micros(time::macros::datetime!(2025-01-01 00:00:00.000001 UTC))
                > micros(time::macros::datetime!(2025-01-01 00:00:00 UTC))
        );
    }
}
