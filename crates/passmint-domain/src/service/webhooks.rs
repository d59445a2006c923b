//! The webhook use cases: endpoints (create, list, retrieve, update, rotate the
//! secret, delete), the delivery log and manual retries, and the two steps of a
//! delivery worker (claim due deliveries, record attempts).

use super::{Passmint, Principal, found, retry_changed, written};
use crate::error::{DomainError, StoreError};
use crate::idempotency::IdemFinish;
use crate::ids::{WebhookDeliveryId, WebhookId};
use crate::page::Page;
use crate::ports::{DeliveryRetry, LeasedAttempt};
use crate::webhook::{
    AttemptRecord, AttemptResponse, ClaimRequest, ClaimedDelivery, DELIVERY_LOG_LEN,
    DeliveryDecision, DeliveryStatus, MAX_RESPONSE_BODY, MAX_WEBHOOKS_PER_MODE, ROTATION_OVERLAP,
    RotatedSecret, SECRET_KEY_LEN, Webhook, WebhookDelivery, WebhookSecret, check_description,
    check_url, parse_subscriptions, truncate_body,
};
use time::{Duration, OffsetDateTime};

/// A webhook to create.
pub struct NewWebhook {
    pub url: String,
    pub events: Vec<String>,
    /// An empty description is none.
    pub description: Option<String>,
    /// Default `true`.
    pub enabled: Option<bool>,
}

/// A PATCH of a webhook; `None` leaves the property unchanged, and an empty
/// description removes it.
#[derive(Default)]
pub struct WebhookPatch {
    pub url: Option<String>,
    pub events: Option<Vec<String>>,
    pub description: Option<String>,
    pub enabled: Option<bool>,
}

/// A checked description; empty is none.
fn description(d: String) -> Result<Option<String>, DomainError> {
    check_description(&d)?;
    Ok((!d.is_empty()).then_some(d))
}

impl Passmint {
    fn new_secret(&self) -> WebhookSecret {
        WebhookSecret::from_key_bytes(&self.ids.bytes(SECRET_KEY_LEN))
    }

    /// Creates a webhook with a fresh secret (the only answer that shows it, with
    /// the rotation's). At most [`MAX_WEBHOOKS_PER_MODE`] per account and mode.
    pub async fn create_webhook(
        &self,
        who: &Principal,
        new: NewWebhook,
        idem: Option<IdemFinish<Webhook>>,
    ) -> Result<Webhook, DomainError> {
        check_url(&new.url)?;
        let events = parse_subscriptions(&new.events)?;
        let description = new.description.map(description).transpose()?.flatten();
        if self.store.list_webhooks(&who.scope()).await?.len() >= MAX_WEBHOOKS_PER_MODE {
            return Err(DomainError::Invalid {
                param: None,
                code: Some("webhook_limit_reached"),
                message: format!(
                    "An account may have at most {MAX_WEBHOOKS_PER_MODE} webhooks per mode; \
                     delete one first (a webhook may subscribe to several event types, or \
                     to \"*\")."
                ),
            });
        }
        let now = self.clock.now();
        let webhook = Webhook {
            id: WebhookId::from_body(&self.body()),
            account_id: who.account_id.clone(),
            mode: who.mode,
            url: new.url,
            events,
            description,
            enabled: new.enabled.unwrap_or(true),
            secret: self.new_secret(),
            previous_secret: None,
            created_at: now,
            updated_at: now,
        };
        let completion = idem.as_ref().map(|f| f.complete(&webhook));
        self.store
            .insert_webhook(&webhook, completion.as_ref())
            .await?;
        Ok(webhook)
    }

    /// The webhooks of the caller's mode, newest first.
    pub async fn list_webhooks(&self, who: &Principal) -> Result<Vec<Webhook>, DomainError> {
        Ok(self.store.list_webhooks(&who.scope()).await?)
    }

    pub async fn get_webhook(&self, who: &Principal, id: &str) -> Result<Webhook, DomainError> {
        let wid = WebhookId::parse(id).ok_or_else(|| DomainError::not_found("webhook", id))?;
        found(
            self.store.get_webhook(&who.scope(), &wid).await,
            "webhook",
            id,
        )
    }

    /// Applies a PATCH; one that changes nothing writes nothing.
    pub async fn update_webhook(
        &self,
        who: &Principal,
        id: &str,
        patch: WebhookPatch,
        idem: Option<IdemFinish<Webhook>>,
    ) -> Result<Webhook, DomainError> {
        if let Some(url) = &patch.url {
            check_url(url)?;
        }
        let events = patch
            .events
            .as_deref()
            .map(parse_subscriptions)
            .transpose()?;
        let new_description = patch.description.map(description).transpose()?;
        self.modify_webhook(who, id, idem, |current, _| {
            let mut next = current.clone();
            if let Some(url) = &patch.url {
                next.url = url.clone();
            }
            if let Some(events) = &events {
                next.events = events.clone();
            }
            if let Some(d) = &new_description {
                next.description = d.clone();
            }
            if let Some(enabled) = patch.enabled {
                next.enabled = enabled;
            }
            next
        })
        .await
    }

    /// Replaces the secret with a fresh one; the replaced secret keeps signing for
    /// 24 hours (replacing any secret an earlier rotation kept).
    pub async fn rotate_webhook_secret(
        &self,
        who: &Principal,
        id: &str,
        idem: Option<IdemFinish<Webhook>>,
    ) -> Result<Webhook, DomainError> {
        let secret = self.new_secret();
        self.modify_webhook(who, id, idem, |current, now| Webhook {
            secret: secret.clone(),
            previous_secret: Some(RotatedSecret {
                secret: current.secret.clone(),
                expires_at: now + ROTATION_OVERLAP,
            }),
            ..current.clone()
        })
        .await
    }

    /// Reads the webhook, applies `change` and writes it back if it changed,
    /// conditionally on `updated_at` (retrying when another write came first).
    async fn modify_webhook(
        &self,
        who: &Principal,
        id: &str,
        idem: Option<IdemFinish<Webhook>>,
        change: impl Fn(&Webhook, OffsetDateTime) -> Webhook,
    ) -> Result<Webhook, DomainError> {
        let (change, idem) = (&change, &idem);
        retry_changed("webhook kept changing during update", || async move {
            let current = self.get_webhook(who, id).await?;
            let now = self.clock.now();
            let mut next = change(&current, now);
            if next == current {
                if let Some(f) = &idem {
                    self.store
                        .complete_idempotent(&f.complete(&current))
                        .await?;
                }
                return Ok(Some(current));
            }
            next.updated_at = now.max(current.updated_at + Duration::microseconds(1));
            let completion = idem.as_ref().map(|f| f.complete(&next));
            let write = self
                .store
                .update_webhook(&next, current.updated_at, completion.as_ref())
                .await;
            Ok(written(write, "webhook", id)?.map(|()| next))
        })
        .await
    }

    /// Deletes the webhook and its delivery log for good.
    pub async fn delete_webhook(
        &self,
        who: &Principal,
        id: &str,
    ) -> Result<WebhookId, DomainError> {
        let wid = WebhookId::parse(id).ok_or_else(|| DomainError::not_found("webhook", id))?;
        found(
            self.store.delete_webhook(&who.scope(), &wid).await,
            "webhook",
            id,
        )?;
        Ok(wid)
    }

    /// The webhook's last [`DELIVERY_LOG_LEN`] deliveries, newest first.
    pub async fn list_deliveries(
        &self,
        who: &Principal,
        webhook_id: &str,
    ) -> Result<Page<WebhookDelivery>, DomainError> {
        let missing = || DomainError::not_found("webhook", webhook_id);
        let wid = WebhookId::parse(webhook_id).ok_or_else(missing)?;
        match self
            .store
            .list_deliveries(&who.scope(), &wid, DELIVERY_LOG_LEN)
            .await
        {
            Ok(page) => Ok(page),
            Err(StoreError::NotFound) => Err(missing()),
            Err(e) => Err(e.into()),
        }
    }

    /// Schedules one delivery for an attempt now, whatever its status (a delivered
    /// or dead one too), and wakes the worker. `NotFound` names the webhook when it
    /// does not exist, else the delivery (resource `webhook_delivery`).
    ///
    /// The idempotency record is completed right after the retry is scheduled, not
    /// in its transaction: a crash in between leaves the key to be taken over after
    /// its lock, and scheduling a retry twice is harmless.
    pub async fn retry_delivery(
        &self,
        who: &Principal,
        webhook_id: &str,
        delivery_id: &str,
        idem: Option<IdemFinish<WebhookDelivery>>,
    ) -> Result<WebhookDelivery, DomainError> {
        let webhook = self.get_webhook(who, webhook_id).await?;
        let missing = || DomainError::not_found("webhook_delivery", delivery_id);
        let did = WebhookDeliveryId::parse(delivery_id).ok_or_else(missing)?;
        match self
            .store
            .retry_delivery(&DeliveryRetry {
                scope: &who.scope(),
                webhook: &webhook.id,
                delivery: &did,
                at: self.clock.now(),
            })
            .await
        {
            Ok(delivery) => {
                self.enqueued(1);
                if let Some(f) = &idem {
                    self.store
                        .complete_idempotent(&f.complete(&delivery))
                        .await?;
                }
                Ok(delivery)
            }
            Err(StoreError::NotFound) => Err(missing()),
            Err(e) => Err(e.into()),
        }
    }

    // ----- the delivery worker's steps ---------------------------------------

    /// Claims at most `limit` due deliveries for `lease`, and never more than
    /// `per_webhook` of one webhook in flight at once (docs/api.md §8): no other
    /// worker gets them until the lease ends.
    pub async fn claim_deliveries(
        &self,
        lease: Duration,
        limit: u32,
        per_webhook: u32,
    ) -> Result<Vec<ClaimedDelivery>, DomainError> {
        let now = self.clock.now();
        let claim = ClaimRequest {
            now,
            lease_until: now + lease,
            token: self.ids.base62(24),
            limit,
        };
        Ok(self.store.claim_deliveries(&claim, per_webhook).await?)
    }

    /// Records the attempt of a claimed delivery and what follows it. Answers
    /// `false` when the record was refused because the delivery is gone (its webhook
    /// was deleted) or its lease is no longer this claim's (it expired and another
    /// worker claimed the delivery, or a retry was asked for).
    pub async fn record_delivery_attempt(
        &self,
        claimed: &ClaimedDelivery,
        response: AttemptResponse,
        decision: DeliveryDecision,
    ) -> Result<bool, DomainError> {
        let record = self.attempt_record(response, decision);
        recorded(
            self.store
                .record_attempt(&claimed.delivery.id, &claimed.lease_token, &record)
                .await,
        )
    }

    /// [`Passmint::record_delivery_attempt`] for several attempts in one store
    /// call: answers, in order, whether each was recorded. When the call fails,
    /// any of them may be unrecorded (their leases end and they are attempted
    /// again).
    pub async fn record_delivery_attempts(
        &self,
        attempts: Vec<(&ClaimedDelivery, AttemptResponse, DeliveryDecision)>,
    ) -> Result<Vec<bool>, DomainError> {
        let records: Vec<AttemptRecord> = attempts
            .iter()
            .map(|(_, response, decision)| self.attempt_record(response.clone(), *decision))
            .collect();
        let leased: Vec<LeasedAttempt<'_>> = attempts
            .iter()
            .zip(&records)
            .map(|((claimed, _, _), attempt)| LeasedAttempt {
                id: &claimed.delivery.id,
                token: &claimed.lease_token,
                attempt,
            })
            .collect();
        self.store
            .record_attempts(&leased)
            .await?
            .into_iter()
            .map(recorded)
            .collect()
    }

    /// What an attempt produced and what follows it, as the store records it.
    fn attempt_record(
        &self,
        response: AttemptResponse,
        decision: DeliveryDecision,
    ) -> AttemptRecord {
        let (status, next_attempt_at) = match decision {
            DeliveryDecision::Delivered => (DeliveryStatus::Delivered, None),
            DeliveryDecision::RetryAt(at) => (DeliveryStatus::Failed, Some(at)),
            DeliveryDecision::Dead => (DeliveryStatus::Dead, None),
        };
        AttemptRecord {
            at: self.clock.now(),
            status,
            next_attempt_at,
            response_status: response.status,
            response_body: response.body.map(|b| truncate_body(b, MAX_RESPONSE_BODY)),
        }
    }
}

/// Whether a record was written: `false` when the delivery is gone or its lease
/// is another's.
fn recorded(outcome: Result<(), StoreError>) -> Result<bool, DomainError> {
    match outcome {
        Ok(()) => Ok(true),
        Err(StoreError::NotFound | StoreError::LeaseLost) => Ok(false),
        Err(e) => Err(e.into()),
    }
}
