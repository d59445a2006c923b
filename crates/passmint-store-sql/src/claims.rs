//! Claims that a corrupt row cannot stop: each claimed row decodes on its own
//! ([`Lenient`]), and one that does not decode is logged at ERROR with its id and
//! left out of the claim. It stays leased like the others, so the queue behind it
//! goes on, and it comes back (and is logged again) only when its lease ends.

use crate::dialect::Columns;
use crate::rows::Decode;
use crate::webhooks::Claimed;
use passmint_domain::ports::StoreResult;
use passmint_domain::wallet::PushJob;
use std::fmt::Display;

/// A claimable row: what it is and how its id reads.
pub trait Claimable: Decode {
    /// What the log calls it.
    const WHAT: &'static str;
    type Id: Display;
    fn id<C: Columns>(c: &C) -> StoreResult<Self::Id>;
}

impl Claimable for Claimed {
    const WHAT: &'static str = "webhook delivery";
    type Id = String;
    fn id<C: Columns>(c: &C) -> StoreResult<String> {
        c.text("id")
    }
}

impl Claimable for PushJob {
    const WHAT: &'static str = "push job";
    type Id = i64;
    fn id<C: Columns>(c: &C) -> StoreResult<i64> {
        c.big_int("id")
    }
}

/// A claimed row whose decoding failure is its own: [`Decode`] of it never fails.
pub struct Lenient<T: Claimable> {
    /// The row's id, when even that does not read: `None`.
    pub id: Option<T::Id>,
    row: StoreResult<T>,
}

impl<T: Claimable> Decode for Lenient<T> {
    fn decode<C: Columns>(c: &C) -> StoreResult<Self> {
        Ok(Lenient {
            id: T::id(c).ok(),
            row: T::decode(c),
        })
    }
}

impl<T: Claimable> Lenient<T> {
    /// The decoded row, or `None` after an ERROR log naming the row.
    pub fn decoded(self) -> Option<T> {
        match self.row {
            Ok(row) => Some(row),
            Err(e) => {
                let id = self
                    .id
                    .map_or_else(|| "(unreadable)".to_owned(), |id| id.to_string());
                tracing::error!(
                    id = %id,
                    error = %e,
                    "skipping a claimed {} that cannot be decoded (it stays leased and is \
                     claimed again when its lease ends)",
                    T::WHAT
                );
                None
            }
        }
    }
}

/// The rows of a claim that decode; the others are logged and skipped.
pub fn decoded<T: Claimable>(rows: Vec<Lenient<T>>) -> Vec<T> {
    rows.into_iter().filter_map(Lenient::decoded).collect()
}
