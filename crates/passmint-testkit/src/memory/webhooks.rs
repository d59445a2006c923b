//! Webhooks and their deliveries (the outbox) in memory.

use super::{MemoryStore, duplicate};
use async_trait::async_trait;
use passmint_domain::error::StoreError;
use passmint_domain::idempotency::IdemCompletion;
use passmint_domain::ids::{WebhookDeliveryId, WebhookId};
use passmint_domain::mode::Scope;
use passmint_domain::page::{Page, PageRequest};
use passmint_domain::ports::DeliveryRetry;
use passmint_domain::ports::{StoreResult, WebhookStore};
use passmint_domain::webhook::{
    AttemptRecord, ClaimRequest, ClaimedDelivery, Webhook, WebhookDelivery,
};
use std::collections::HashMap;
use time::OffsetDateTime;

#[async_trait]
impl WebhookStore for MemoryStore {
    async fn insert_webhook(
        &self,
        webhook: &Webhook,
        idem: Option<&IdemCompletion>,
    ) -> StoreResult<()> {
        let mut s = self.state();
        if s.webhooks.contains(webhook.id.as_str()) {
            return Err(duplicate("webhook id exists"));
        }
        if !s.accounts.contains_key(&webhook.account_id) {
            return Err(StoreError::NotFound);
        }
        s.check_completion(idem)?;
        let seq = s.next_seq();
        s.webhooks.insert(seq, webhook.id.as_str(), webhook.clone());
        s.complete(idem);
        Ok(())
    }

    async fn get_webhook(&self, scope: &Scope, id: &WebhookId) -> StoreResult<Webhook> {
        self.state().webhook_in(scope, id).cloned()
    }

    async fn list_webhooks(&self, scope: &Scope) -> StoreResult<Vec<Webhook>> {
        Ok(self
            .state()
            .webhooks
            .rows
            .values()
            .rev()
            .filter(|w| &w.scope() == scope)
            .cloned()
            .collect())
    }

    async fn update_webhook(
        &self,
        webhook: &Webhook,
        expected_updated_at: OffsetDateTime,
        idem: Option<&IdemCompletion>,
    ) -> StoreResult<()> {
        let mut s = self.state();
        let current = s.webhook_in(&webhook.scope(), &webhook.id)?;
        if current.updated_at != expected_updated_at {
            return Err(StoreError::VersionChanged);
        }
        s.check_completion(idem)?;
        if let Some(w) = s.webhooks.get_mut(webhook.id.as_str()) {
            *w = webhook.clone();
        }
        s.complete(idem);
        Ok(())
    }

    async fn delete_webhook(&self, scope: &Scope, id: &WebhookId) -> StoreResult<()> {
        let mut s = self.state();
        s.webhook_in(scope, id)?;
        s.webhooks.remove(id.as_str());
        let gone: Vec<WebhookDeliveryId> = s
            .deliveries
            .rows
            .values()
            .filter(|d| &d.delivery.webhook_id == id)
            .map(|d| d.delivery.id.clone())
            .collect();
        for d in gone {
            s.deliveries.remove(d.as_str());
        }
        Ok(())
    }

    async fn list_deliveries(
        &self,
        scope: &Scope,
        webhook: &WebhookId,
        limit: u32,
    ) -> StoreResult<Page<WebhookDelivery>> {
        let s = self.state();
        s.webhook_in(scope, webhook)?;
        let rows = s
            .deliveries
            .rows
            .values()
            .rev()
            .filter(|d| &d.delivery.webhook_id == webhook)
            .take(limit as usize + 1)
            .map(|d| d.delivery.clone())
            .collect();
        Ok(Page::from_probe(rows, &PageRequest::first(limit)))
    }

    async fn retry_delivery(&self, input: &DeliveryRetry<'_>) -> StoreResult<WebhookDelivery> {
        let mut s = self.state();
        s.webhook_in(input.scope, input.webhook)?;
        match s.deliveries.get_mut(input.delivery.as_str()) {
            Some(d) if &d.delivery.webhook_id == input.webhook => {
                d.delivery.next_attempt_at = Some(input.at);
                d.due_at = Some(input.at);
                d.lease = None;
                Ok(d.delivery.clone())
            }
            _ => Err(StoreError::NotFound),
        }
    }

    async fn claim_deliveries(
        &self,
        claim: &ClaimRequest,
        per_webhook: u32,
    ) -> StoreResult<Vec<ClaimedDelivery>> {
        let mut s = self.state();
        // Each webhook's deliveries under a lease that holds.
        let mut in_flight: HashMap<String, u32> = HashMap::new();
        for d in s.deliveries.rows.values() {
            if d.lease.is_some() && d.due_at.is_some_and(|t| t > claim.now) {
                *in_flight
                    .entry(d.delivery.webhook_id.as_str().to_owned())
                    .or_default() += 1;
            }
        }
        let mut due: Vec<(OffsetDateTime, u64)> = s
            .deliveries
            .rows
            .iter()
            .filter_map(|(seq, d)| {
                let due_at = d.due_at.filter(|t| *t <= claim.now)?;
                s.webhooks
                    .get(d.delivery.webhook_id.as_str())
                    .is_some_and(|w| w.enabled)
                    .then_some((due_at, *seq))
            })
            .collect();
        // The `limit` longest due of webhooks below their cap, then of those each
        // webhook's first ones up to its cap (as the SQL adapters do).
        let webhook_of = |seq: &u64| {
            s.deliveries
                .rows
                .get(seq)
                .map(|d| d.delivery.webhook_id.as_str().to_owned())
                .unwrap_or_default()
        };
        due.retain(|(_, seq)| {
            in_flight
                .get(&webhook_of(seq))
                .is_none_or(|n| *n < per_webhook)
        });
        due.sort();
        due.truncate(claim.limit as usize);
        due.retain(|(_, seq)| {
            let n = in_flight.entry(webhook_of(seq)).or_default();
            *n += 1;
            *n <= per_webhook
        });
        let mut out = Vec::with_capacity(due.len());
        for (_, seq) in due {
            let Some(d) = s.deliveries.rows.get_mut(&seq) else {
                continue;
            };
            d.due_at = Some(claim.lease_until);
            d.lease = Some(claim.token.clone());
            let d = d.clone();
            let Some(webhook) = s.webhooks.get(d.delivery.webhook_id.as_str()).cloned() else {
                continue;
            };
            out.push(ClaimedDelivery {
                delivery: d.delivery,
                lease_token: claim.token.clone(),
                webhook,
                event: d.event,
                pass: d.pass,
            });
        }
        Ok(out)
    }

    async fn record_attempt(
        &self,
        id: &WebhookDeliveryId,
        token: &str,
        attempt: &AttemptRecord,
    ) -> StoreResult<()> {
        let mut s = self.state();
        let d = s
            .deliveries
            .get_mut(id.as_str())
            .ok_or(StoreError::NotFound)?;
        if d.lease.as_deref() != Some(token) {
            return Err(StoreError::LeaseLost);
        }
        d.delivery.attempts += 1;
        d.delivery.last_attempt_at = Some(attempt.at);
        d.delivery.status = attempt.status;
        d.delivery.next_attempt_at = attempt.next_attempt_at;
        d.delivery.response_status = attempt.response_status;
        d.delivery.response_body = attempt.response_body.clone();
        d.due_at = attempt.next_attempt_at;
        d.lease = None;
        Ok(())
    }
}
