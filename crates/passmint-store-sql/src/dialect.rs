//! The dialect seam: what each adapter implements over its own driver types.
//!
//! [`Columns`] reads the columns of one result row. Text, integers and booleans
//! read alike; timestamps (`timestamptz` in PostgreSQL, integer microseconds in
//! SQLite), JSON (`jsonb`, or text) and the outbox's pass snapshots are where the
//! engines differ. [`SqlBind`] is the other direction: the value of one `$n`
//! placeholder.

use passmint_domain::StoreError;
use passmint_domain::pass::Pass;
use passmint_domain::ports::StoreResult;
use serde::de::DeserializeOwned;
use time::OffsetDateTime;

/// The columns of one result row, by name. A column that cannot be read as asked
/// is a `Backend` error.
pub trait Columns {
    fn text(&self, name: &str) -> StoreResult<String>;
    fn opt_text(&self, name: &str) -> StoreResult<Option<String>>;
    fn big_int(&self, name: &str) -> StoreResult<i64>;
    fn opt_big_int(&self, name: &str) -> StoreResult<Option<i64>>;
    fn int(&self, name: &str) -> StoreResult<i32>;
    fn opt_int(&self, name: &str) -> StoreResult<Option<i32>>;
    fn bool(&self, name: &str) -> StoreResult<bool>;
    fn time(&self, name: &str) -> StoreResult<OffsetDateTime>;
    fn opt_time(&self, name: &str) -> StoreResult<Option<OffsetDateTime>>;
    /// A JSON column decoded as `T`; `what` names it in the decode error.
    fn json<T: DeserializeOwned>(&self, name: &str, what: &str) -> StoreResult<T>;
    /// The pass snapshot a webhook delivery keeps (see each adapter's outbox).
    fn pass_snapshot(&self, name: &str) -> StoreResult<Pass>;

    /// A text column parsed by `parse`; `what` names it in the decode error.
    fn parsed<T>(
        &self,
        name: &str,
        what: &str,
        parse: impl FnOnce(&str) -> Option<T>,
    ) -> StoreResult<T> {
        let s = self.text(name)?;
        parse(&s).ok_or_else(|| decode_error(what, &s))
    }
}

/// The columns of `inner` named `prefix` + name (`w_id`, `e_kind`, … in a join).
pub struct Prefixed<'a, C> {
    pub inner: &'a C,
    pub prefix: &'static str,
}

impl<C: Columns> Prefixed<'_, C> {
    fn name(&self, name: &str) -> String {
        format!("{}{name}", self.prefix)
    }
}

impl<C: Columns> Columns for Prefixed<'_, C> {
    fn text(&self, name: &str) -> StoreResult<String> {
        self.inner.text(&self.name(name))
    }
    fn opt_text(&self, name: &str) -> StoreResult<Option<String>> {
        self.inner.opt_text(&self.name(name))
    }
    fn big_int(&self, name: &str) -> StoreResult<i64> {
        self.inner.big_int(&self.name(name))
    }
    fn opt_big_int(&self, name: &str) -> StoreResult<Option<i64>> {
        self.inner.opt_big_int(&self.name(name))
    }
    fn int(&self, name: &str) -> StoreResult<i32> {
        self.inner.int(&self.name(name))
    }
    fn opt_int(&self, name: &str) -> StoreResult<Option<i32>> {
        self.inner.opt_int(&self.name(name))
    }
    fn bool(&self, name: &str) -> StoreResult<bool> {
        self.inner.bool(&self.name(name))
    }
    fn time(&self, name: &str) -> StoreResult<OffsetDateTime> {
        self.inner.time(&self.name(name))
    }
    fn opt_time(&self, name: &str) -> StoreResult<Option<OffsetDateTime>> {
        self.inner.opt_time(&self.name(name))
    }
    fn json<T: DeserializeOwned>(&self, name: &str, what: &str) -> StoreResult<T> {
        self.inner.json(&self.name(name), what)
    }
    fn pass_snapshot(&self, name: &str) -> StoreResult<Pass> {
        self.inner.pass_snapshot(&self.name(name))
    }
}

/// The value of one placeholder, borrowing from `'a` where the engine's driver can.
pub trait SqlBind<'a>: Clone + Sized {
    fn text(s: &'a str) -> Self;
    fn opt_text(s: Option<&'a str>) -> Self;
    fn big_int(n: i64) -> Self;
    fn opt_big_int(n: Option<i64>) -> Self;
    fn bool(b: bool) -> Self;
    fn time(t: OffsetDateTime) -> Self;
    fn opt_time(t: Option<OffsetDateTime>) -> Self;
    /// A JSON document, serialised once here.
    fn json<T: serde::Serialize + ?Sized>(value: &T) -> Result<Self, serde_json::Error>;
}

/// A stored value that does not decode.
pub fn decode_error(what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Backend(format!("cannot decode stored {what}: {e}"))
}

/// A JSON value that cannot be encoded for a statement.
pub fn json_error(e: serde_json::Error) -> StoreError {
    StoreError::Backend(format!("cannot encode JSON: {e}"))
}
