//! Hand-written statements that PostgreSQL prepares once per connection.
//!
//! diesel's query builder refuses to cache an `UPDATE`, an upsert, or an `INSERT`
//! with a nullable column, and it cannot express the data-modifying CTEs that let
//! one round trip write a pass, its event and its idempotency record. [`Stmt`] is
//! fixed SQL text with numbered placeholders (`$1`, `$2`, … as psql would read it)
//! and typed binds; it tells diesel it is safe to cache, so diesel-async keeps one
//! prepared statement per distinct text on each connection and every later call is
//! a single Bind/Execute exchange.
//!
//! A placeholder may appear several times; each occurrence becomes its own protocol
//! parameter carrying the same value.

use diesel::pg::Pg;
use diesel::query_builder::AstPass;
use diesel::serialize::{IsNull, Output, ToSql};
use diesel::sql_types::{Array, BigInt, Binary, Bool, Integer, Jsonb, Nullable, Text, Timestamptz};
use passmint_store_sql::SqlBind;
use std::borrow::Cow;
use std::io::Write;
use time::OffsetDateTime;

/// A statement: SQL text plus the values of its placeholders.
pub(crate) struct Stmt<'a> {
    sql: Cow<'static, str>,
    binds: Vec<Bind<'a>>,
}

impl<'a> Stmt<'a> {
    pub(crate) fn new(sql: impl Into<Cow<'static, str>>, binds: Vec<Bind<'a>>) -> Self {
        Stmt {
            sql: sql.into(),
            binds,
        }
    }

    /// The same statement under `EXPLAIN (ANALYZE, FORMAT JSON)`.
    #[cfg(test)]
    pub(crate) fn explain_analyze(self) -> Self {
        Stmt {
            sql: format!("EXPLAIN (ANALYZE, FORMAT JSON) {}", self.sql).into(),
            binds: self.binds,
        }
    }
}

/// One placeholder value, with the SQL type it is sent as.
#[derive(Clone, Debug)]
pub(crate) enum Bind<'a> {
    Text(&'a str),
    NullableText(Option<&'a str>),
    BigInt(i64),
    NullableBigInt(Option<i64>),
    Integer(i32),
    NullableInteger(Option<i32>),
    Bool(bool),
    Timestamptz(OffsetDateTime),
    NullableTimestamptz(Option<OffsetDateTime>),
    Jsonb(JsonText),
    Bytea(&'a [u8]),
    /// A `bigint[]` (for `= ANY($n)`).
    BigIntArray(&'a [i64]),
    /// A `text[]` (for `= ANY($n)`).
    TextArray(&'a [&'a str]),
}

/// PostgreSQL's side of the shared builders' binds: timestamps as `timestamptz`,
/// JSON as `jsonb`.
impl<'a> SqlBind<'a> for Bind<'a> {
    fn text(s: &'a str) -> Self {
        Bind::Text(s)
    }

    fn opt_text(s: Option<&'a str>) -> Self {
        Bind::NullableText(s)
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
        Bind::Timestamptz(t)
    }

    fn opt_time(t: Option<OffsetDateTime>) -> Self {
        Bind::NullableTimestamptz(t)
    }

    /// Serialised once here and sent as `jsonb`.
    fn json<T: serde::Serialize + ?Sized>(value: &T) -> Result<Self, serde_json::Error> {
        Ok(Bind::Jsonb(JsonText(serde_json::to_string(value)?)))
    }
}

impl<'a> Bind<'a> {
    fn push<'b>(&'b self, out: &mut AstPass<'_, 'b, Pg>) -> diesel::QueryResult<()> {
        match self {
            Bind::Text(v) => out.push_bind_param::<Text, str>(v),
            Bind::NullableText(v) => out.push_bind_param::<Nullable<Text>, _>(v),
            Bind::BigInt(v) => out.push_bind_param::<BigInt, _>(v),
            Bind::NullableBigInt(v) => out.push_bind_param::<Nullable<BigInt>, _>(v),
            Bind::Integer(v) => out.push_bind_param::<Integer, _>(v),
            Bind::NullableInteger(v) => out.push_bind_param::<Nullable<Integer>, _>(v),
            Bind::Bool(v) => out.push_bind_param::<Bool, _>(v),
            Bind::Timestamptz(v) => out.push_bind_param::<Timestamptz, _>(v),
            Bind::NullableTimestamptz(v) => out.push_bind_param::<Nullable<Timestamptz>, _>(v),
            Bind::Jsonb(v) => out.push_bind_param::<Jsonb, _>(v),
            Bind::Bytea(v) => out.push_bind_param::<Binary, [u8]>(v),
            Bind::BigIntArray(v) => out.push_bind_param::<Array<BigInt>, [i64]>(v),
            Bind::TextArray(v) => out.push_bind_param::<Array<Text>, [&str]>(v),
        }
    }
}

/// Serialised JSON sent in `jsonb`'s binary format (a version byte, then the text),
/// which spares building a `serde_json::Value` just to write it.
#[derive(Clone, Debug)]
pub(crate) struct JsonText(String);

impl ToSql<Jsonb, Pg> for JsonText {
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> diesel::serialize::Result {
        out.write_all(&[1])?;
        out.write_all(self.0.as_bytes())?;
        Ok(IsNull::No)
    }
}

// Each placeholder its own parameter; not identified by type, so diesel-async
// caches the prepared statement under its SQL text.
passmint_store_sql::diesel_statement!(Stmt<'_>, Pg);

#[cfg(test)]
mod tests {
    use super::*;

    passmint_store_sql::diesel_statement_tests!(
        Stmt,
        Pg,
        diesel::pg::PgQueryBuilder::default(),
        "SELECT $2::text, $1::bigint WHERE $2 IS NOT NULL",
        "SELECT $1::text, $2::bigint WHERE $3 IS NOT NULL"
    );
}
