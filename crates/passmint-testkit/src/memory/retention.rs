//! Removal of rows past their retention, in memory.

use super::MemoryStore;
use async_trait::async_trait;
use passmint_domain::ports::{Purged, RetentionStore, StoreResult};
use passmint_domain::webhook::DeliveryStatus;
use std::collections::{HashMap, HashSet};
use time::OffsetDateTime;

#[async_trait]
impl RetentionStore for MemoryStore {
    async fn purge_events(
        &self,
        from: Option<OffsetDateTime>,
        before: OffsetDateTime,
        limit: u32,
    ) -> StoreResult<Purged> {
        let mut s = self.state();
        let referenced: HashSet<String> = s
            .deliveries
            .rows
            .values()
            .map(|d| d.delivery.event_id.to_string())
            .collect();
        let mut old: Vec<(OffsetDateTime, u64, String)> = s
            .events
            .rows
            .iter()
            .filter(|(_, e)| {
                e.created_at <= before
                    && from.is_none_or(|from| e.created_at >= from)
                    && !referenced.contains(e.id.as_str())
            })
            .map(|(seq, e)| (e.created_at, *seq, e.id.to_string()))
            .collect();
        old.sort();
        old.truncate(limit as usize);
        for (_, _, id) in &old {
            s.events.remove(id);
        }
        Ok(Purged {
            removed: old.len() as u64,
            reached: old.last().map(|(at, _, _)| *at),
        })
    }

    async fn prune_deliveries(&self, keep: u32, limit: u32) -> StoreResult<u64> {
        let mut s = self.state();
        let mut seen: HashMap<String, u32> = HashMap::new();
        let mut gone = Vec::new();
        // Newest first: each webhook's first `keep` stay.
        for d in s.deliveries.rows.values().rev() {
            let count = seen.entry(d.delivery.webhook_id.to_string()).or_insert(0);
            *count += 1;
            let settled = matches!(
                d.delivery.status,
                DeliveryStatus::Delivered | DeliveryStatus::Dead
            ) && d.due_at.is_none()
                && d.lease.is_none();
            if *count > keep && settled {
                gone.push(d.delivery.id.to_string());
            }
        }
        gone.truncate(limit as usize);
        for id in &gone {
            s.deliveries.remove(id);
        }
        Ok(gone.len() as u64)
    }

    async fn purge_push_jobs(
        &self,
        before: OffsetDateTime,
        now: OffsetDateTime,
        limit: u32,
    ) -> StoreResult<u64> {
        let mut s = self.state();
        let gone: Vec<i64> = s
            .pushes
            .iter()
            .filter(|(_, p)| p.job.created_at <= before && !(p.lease.is_some() && p.due_at > now))
            .map(|(id, _)| *id)
            .take(limit as usize)
            .collect();
        for id in &gone {
            s.pushes.remove(id);
        }
        Ok(gone.len() as u64)
    }
}
