//! Bundles (docs/api.md §12): the column list, the decoding of a row, the bind
//! list and the statements both engines run with the same text.

use crate::dialect::{Columns, SqlBind, decode_error, json_error};
use crate::rows::{Decode, account_id, mode};
use crate::statements::SCOPE;
use passmint_domain::bundle::Bundle;
use passmint_domain::ids::{BundleId, PassId};
use passmint_domain::ports::StoreResult;
use std::sync::LazyLock;

pub const BUNDLE_COLUMNS: &str = "id, account_id, mode, short_id, pass_ids, created_at";

impl Decode for Bundle {
    fn decode<C: Columns>(c: &C) -> StoreResult<Self> {
        let ids: Vec<String> = c.json("pass_ids", "bundle pass ids")?;
        Ok(Bundle {
            id: c.parsed("id", "BundleId", BundleId::parse)?,
            account_id: account_id(c)?,
            mode: mode(c)?,
            short_id: c.text("short_id")?,
            pass_ids: ids
                .iter()
                .map(|s| PassId::parse(s).ok_or_else(|| decode_error("bundle pass id", s)))
                .collect::<StoreResult<_>>()?,
            created_at: c.time("created_at")?,
        })
    }
}

/// `$1..$6`, in [`BUNDLE_COLUMNS`] order.
pub fn bundle_binds<'a, B: SqlBind<'a>>(b: &'a Bundle) -> StoreResult<Vec<B>> {
    let ids: Vec<&str> = b.pass_ids.iter().map(PassId::as_str).collect();
    Ok(vec![
        B::text(b.id.as_str()),
        B::text(b.account_id.as_str()),
        B::text(b.mode.as_str()),
        B::text(&b.short_id),
        B::json(&ids).map_err(json_error)?,
        B::time(b.created_at),
    ])
}

/// `$1..$6` the bundle ([`bundle_binds`]).
pub static INSERT_BUNDLE: LazyLock<String> = LazyLock::new(|| {
    format!("INSERT INTO bundles ({BUNDLE_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6)")
});
/// `$1` the bundle, `$2`, `$3` its scope ([`SCOPE`]).
pub static GET_BUNDLE: LazyLock<String> =
    LazyLock::new(|| format!("SELECT {BUNDLE_COLUMNS} FROM bundles WHERE id = $1 AND {SCOPE}"));
/// `$1` the public short id, in any account and mode.
pub static FIND_BUNDLE: LazyLock<String> =
    LazyLock::new(|| format!("SELECT {BUNDLE_COLUMNS} FROM bundles WHERE short_id = $1"));
