//! The bounded deletes of retention (docs/api.md §10): each one statement of
//! [`crate::statements`] with its binds, the same on both engines; an adapter runs
//! a [`Batch`] and answers how many rows it deleted.

use crate::dialect::SqlBind;
use crate::statements::{
    PRUNE_DELIVERIES, PURGE_EVENTS, PURGE_EVENTS_FROM, PURGE_KEYS, PURGE_PUSH_JOBS,
};
use time::OffsetDateTime;

/// One deleting statement and its binds.
pub struct Batch<B> {
    pub sql: &'static str,
    pub binds: Vec<B>,
}

fn limit<'a, B: SqlBind<'a>>(n: u32) -> B {
    B::big_int(n.into())
}

/// At most `max` idempotency records expired by `now`.
pub fn purge_keys<'a, B: SqlBind<'a>>(now: OffsetDateTime, max: u32) -> Batch<B> {
    Batch {
        sql: PURGE_KEYS,
        binds: vec![B::time(now), limit(max)],
    }
}

/// At most `max` events created at or before `before` (and at or after `from`,
/// when given), oldest first; the statement answers each one's `created_at`
/// ([`crate::CreatedAt`]).
pub fn purge_events<'a, B: SqlBind<'a>>(
    from: Option<OffsetDateTime>,
    before: OffsetDateTime,
    max: u32,
) -> Batch<B> {
    match from {
        None => Batch {
            sql: PURGE_EVENTS,
            binds: vec![B::time(before), limit(max)],
        },
        Some(from) => Batch {
            sql: PURGE_EVENTS_FROM,
            binds: vec![B::time(before), limit(max), B::time(from)],
        },
    }
}

/// What an events batch removed, from the `created_at` of each row it deleted.
pub fn purged(created: &[crate::CreatedAt]) -> passmint_domain::ports::Purged {
    passmint_domain::ports::Purged {
        removed: created.len() as u64,
        reached: created.iter().map(|c| c.0).max(),
    }
}

/// At most `max` settled deliveries beyond the newest `keep` of their webhook.
pub fn prune_deliveries<'a, B: SqlBind<'a>>(keep: u32, max: u32) -> Batch<B> {
    Batch {
        sql: PRUNE_DELIVERIES,
        binds: vec![B::big_int(i64::from(keep.max(1)) - 1), limit(max)],
    }
}

/// At most `max` push jobs created at or before `before`, not leased at `now`.
pub fn purge_push_jobs<'a, B: SqlBind<'a>>(
    before: OffsetDateTime,
    now: OffsetDateTime,
    max: u32,
) -> Batch<B> {
    Batch {
        sql: PURGE_PUSH_JOBS,
        binds: vec![B::time(before), B::time(now), limit(max)],
    }
}

/// Implements `RetentionStore` for an adapter type with inherent
/// `async fn delete_batch(&self, Batch<Bind>) -> StoreResult<u64>` and
/// `async fn delete_returning(&self, Batch<Bind>) -> StoreResult<Vec<CreatedAt>>`
/// that run one batch in its own short transaction (the second answering the rows
/// the statement returns). The calling crate depends on `async-trait`,
/// `passmint-domain` and `time`.
#[macro_export]
macro_rules! retention_store {
    ($store:ty) => {
        #[async_trait::async_trait]
        impl passmint_domain::ports::RetentionStore for $store {
            async fn purge_events(
                &self,
                from: Option<time::OffsetDateTime>,
                before: time::OffsetDateTime,
                limit: u32,
            ) -> passmint_domain::ports::StoreResult<passmint_domain::ports::Purged> {
                let created = self
                    .delete_returning($crate::retention::purge_events(from, before, limit))
                    .await?;
                Ok($crate::retention::purged(&created))
            }

            async fn prune_deliveries(
                &self,
                keep: u32,
                limit: u32,
            ) -> passmint_domain::ports::StoreResult<u64> {
                self.delete_batch($crate::retention::prune_deliveries(keep, limit))
                    .await
            }

            async fn purge_push_jobs(
                &self,
                before: time::OffsetDateTime,
                now: time::OffsetDateTime,
                limit: u32,
            ) -> passmint_domain::ports::StoreResult<u64> {
                self.delete_batch($crate::retention::purge_push_jobs(before, now, limit))
                    .await
            }
        }
    };
}
