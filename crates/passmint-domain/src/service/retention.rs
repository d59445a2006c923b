//! Removal of what is past its retention (docs/api.md §10), one bounded batch per
//! call: the caller (the server's retention worker) repeats a call while it
//! removes a whole batch, pausing in between.

use super::Passmint;
use crate::error::StoreError;
use crate::ports::Purged;
use crate::retention::{DELIVERIES_KEPT, PUSH_JOB_RETENTION, Retained};
use time::OffsetDateTime;

impl Passmint {
    /// Removes at most `limit` rows of `what` that are past their retention now.
    /// `from` is what the previous batch of the same pass `reached` (`None` for a
    /// pass's first batch): events are removed from there on, oldest first; the
    /// other kinds answer `reached: None` and need no `from`.
    pub async fn purge_batch(
        &self,
        what: Retained,
        limit: u32,
        from: Option<OffsetDateTime>,
    ) -> Result<Purged, StoreError> {
        let now = self.clock.now();
        let removed = match what {
            Retained::IdempotencyKeys => self.store.purge_idempotent(now, limit).await,
            Retained::WebhookDeliveries => {
                self.store.prune_deliveries(DELIVERIES_KEPT, limit).await
            }
            Retained::PushJobs => {
                let before = now - PUSH_JOB_RETENTION;
                self.store.purge_push_jobs(before, now, limit).await
            }
            // An age longer than the calendar reaches back leaves every event.
            Retained::Events(age) => {
                return match now.checked_sub(age) {
                    Some(before) => self.store.purge_events(from, before, limit).await,
                    None => Ok(Purged::default()),
                };
            }
        }?;
        Ok(Purged {
            removed,
            reached: None,
        })
    }
}
