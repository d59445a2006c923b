//! The webhook delivery worker of `passmint serve`.
//!
//! One task per process claims due deliveries through the domain (a lease in the
//! database, so several processes sharing PostgreSQL never send one delivery
//! twice while its lease holds, and a crashed process's deliveries fall due again
//! when their lease ends) and runs each attempt as a task of its own, at most
//! `PASSMINT_WEBHOOK_CONCURRENCY` at a time, and at most
//! `PASSMINT_WEBHOOK_ENDPOINT_CONCURRENCY` of one webhook (the claim skips the due
//! deliveries of a webhook at its cap, so an endpoint that hangs until the
//! deadline holds a few slots, never all of them):
//!
//! 1. render the payload with the API's DTOs (`WebhookEventObject`: the event and
//!    the pass as it was right after it);
//! 2. sign it with every live secret of the webhook (the current one, and during
//!    the 24 hours after a rotation the previous one) and POST it with
//!    `passmint_webhooks::Deliverer` (SSRF rule, no redirects, per-attempt
//!    deadline, response body cut at 16 KiB); `webhook-id` is the event id, the
//!    same on every attempt;
//! 3. hand the outcome and what the retry schedule decides (`delivered`, a retry
//!    at `next_attempt_at`, or `dead` after the last attempt) to the recorder task,
//!    which records every outcome that came while it recorded the previous ones in
//!    one store call (one statement on PostgreSQL, one transaction on SQLite). An
//!    attempt keeps its slot, and its lease counts against its webhook's cap,
//!    until it is recorded; a record that fails leaves the lease to end and the
//!    delivery to be attempted again (at least once).
//!
//! The worker runs on a thread of its own with a single-threaded runtime
//! ([`Worker::start`]), stopped with the runtime that started it: its claims,
//! attempts and records never wait behind HTTP request handling, and the stores
//! serve its claims and records ahead of the requests' queue (a pool of its own
//! on PostgreSQL, the writer's urgent queue on SQLite), so new work is picked up
//! at once under any issue load.
//!
//! When to look: at once when a write of this process enqueued deliveries (the
//! domain's `DeliveryWaker`, a [`Notify`]); after a claim that took anything (more
//! may be due) as soon as a slot frees; when a group of attempts is recorded
//! (their webhooks are below their cap again); when an attempt failed with a retry
//! due before the next poll, at that time; otherwise every
//! `PASSMINT_WEBHOOK_POLL_INTERVAL`, which finds due retries and the work other
//! processes enqueued. After a claim that found nothing while attempts are in
//! flight, their webhooks may be at their cap, and such a claim reads past all
//! their due deliveries: new work then wakes the worker only once it has rested
//! [`REST_AFTER_EMPTY`] times as long as that claim took, while a recorded attempt
//! (a webhook below its cap again) wakes it at once. Under a burst of issues this
//! keeps the claims that find nothing from taking the database's time.

use crate::config::WebhookConfig;
use crate::dto::WebhookEventObject;
use crate::http::metrics::Metrics;
use passmint_domain::service::Passmint;
use passmint_domain::webhook::{AttemptResponse, ClaimedDelivery, DeliveryDecision};
use passmint_webhooks::{Deliverer, DelivererConfig, Next, RetrySchedule, Secret};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore, mpsc};

/// Why the worker cannot start.
#[derive(Debug, thiserror::Error)]
#[error("cannot start the webhook worker: {0}")]
pub struct WorkerError(String);

/// How many times as long as a claim that found nothing took the worker rests
/// before new work wakes it, while attempts are in flight (module docs).
const REST_AFTER_EMPTY: u32 = 3;

/// The delivery worker: built at start-up, then [`Worker::run`] on the runtime.
pub struct Worker {
    passmint: Passmint,
    /// Notified when a group of attempts is recorded (slots and caps freed).
    freed: Notify,
    deliverer: Deliverer,
    schedule: RetrySchedule,
    public_url: String,
    wake: Arc<Notify>,
    slots: Arc<Semaphore>,
    concurrency: u32,
    /// `PASSMINT_WEBHOOK_ENDPOINT_CONCURRENCY`: most attempts of one webhook in
    /// flight, so one hanging endpoint cannot take every slot.
    per_webhook: u32,
    poll: Duration,
    lease: time::Duration,
    metrics: Arc<Metrics>,
}

impl Worker {
    pub fn new(
        passmint: Passmint,
        wake: Arc<Notify>,
        config: &WebhookConfig,
        public_url: String,
        metrics: Arc<Metrics>,
    ) -> Result<Self, WorkerError> {
        let deliverer = Deliverer::new(DelivererConfig {
            timeout: config.timeout,
            allow_private: config.allow_private,
            ..DelivererConfig::default()
        })
        .map_err(|e| WorkerError(e.to_string()))?;
        let lease = time::Duration::try_from(config.lease())
            .map_err(|e| WorkerError(format!("lease: {e}")))?;
        Ok(Worker {
            passmint,
            freed: Notify::new(),
            deliverer,
            schedule: config.schedule(),
            public_url,
            wake,
            slots: Arc::new(Semaphore::new(config.concurrency as usize)),
            concurrency: config.concurrency,
            per_webhook: crate::slow::DEFAULT_ENDPOINT_CONCURRENCY,
            poll: config.poll_interval.max(Duration::from_millis(10)),
            lease,
            metrics,
        })
    }

    /// Caps the attempts of one webhook in flight at once (docs/api.md §8).
    pub fn with_endpoint_concurrency(mut self, per_webhook: u32) -> Self {
        self.per_webhook = per_webhook.max(1);
        self
    }

    /// Starts [`Worker::run`] on a thread of its own (`passmint-webhooks`, with a
    /// single-threaded runtime), which stops when the runtime this is called on
    /// stops: the worker's claims, attempts and records never queue behind the
    /// HTTP requests, and its database connections are driven by its own thread.
    pub fn start(self) -> Result<(), WorkerError> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|e| WorkerError(format!("runtime: {e}")))?;
        // Held by a task of the calling runtime: dropped, with that task, when the
        // runtime stops, which ends the worker's thread.
        let (held, stopped) = tokio::sync::oneshot::channel::<()>();
        std::thread::Builder::new()
            .name("passmint-webhooks".into())
            .spawn(move || {
                runtime.block_on(async move {
                    tokio::select! {
                        () = self.run() => {}
                        _ = stopped => {}
                    }
                });
            })
            .map_err(|e| WorkerError(format!("thread: {e}")))?;
        actix_web::rt::spawn(async move {
            let _held = held;
            std::future::pending::<()>().await;
        });
        Ok(())
    }

    /// Claims and delivers until the runtime stops. Never returns an error: a
    /// failed claim is logged and retried at the next poll.
    pub async fn run(self) {
        let worker = Arc::new(self);
        let (outcomes, recorder) = mpsc::unbounded_channel();
        tokio::spawn(Arc::clone(&worker).record(recorder));
        loop {
            // Claim only what can start now, so that no lease ticks while waiting.
            let free = match Arc::clone(&worker.slots).acquire_owned().await {
                Ok(first) => {
                    drop(first);
                    worker.slots.available_permits()
                }
                Err(_) => return,
            };
            let limit = u32::try_from(free).unwrap_or(worker.concurrency);
            let started = std::time::Instant::now();
            let claimed = match worker
                .passmint
                .claim_deliveries(worker.lease, limit, worker.per_webhook)
                .await
            {
                Ok(claimed) => claimed,
                Err(e) => {
                    tracing::warn!(error = %e, "claiming webhook deliveries failed");
                    worker.idle().await;
                    continue;
                }
            };
            // A claim that took something may have left due work behind: deliveries
            // past the limit, or behind a webhook that reached its cap during the
            // claim. Claim again at once (as soon as a slot is free); only an empty
            // claim waits.
            let idle = claimed.is_empty();
            for delivery in claimed {
                let Ok(slot) = Arc::clone(&worker.slots).try_acquire_owned() else {
                    // Cannot happen (only this loop takes slots); the lease will end.
                    continue;
                };
                let worker = Arc::clone(&worker);
                let outcomes = outcomes.clone();
                tokio::spawn(async move {
                    if let Some(attempted) = worker.attempt(delivery, slot).await {
                        // The recorder gone, the runtime is stopping: the lease ends.
                        let _ = outcomes.send(attempted);
                    }
                });
            }
            if idle {
                let in_flight = worker.slots.available_permits() < worker.concurrency as usize;
                if in_flight {
                    worker.rest(started.elapsed() * REST_AFTER_EMPTY).await;
                } else {
                    worker.idle().await;
                }
            }
        }
    }

    /// Until woken, a group of attempts recorded, or the poll interval passed.
    async fn idle(&self) {
        tokio::select! {
            () = self.wake.notified() => {}
            () = self.freed.notified() => {}
            () = tokio::time::sleep(self.poll) => {}
        }
    }

    /// After a claim that found nothing with attempts in flight: until a group of
    /// attempts is recorded, woken once `rest` has passed, or the poll interval
    /// passed. A wake that comes during the rest is kept (a [`Notify`] permit).
    async fn rest(&self, rest: Duration) {
        tokio::select! {
            () = self.freed.notified() => {}
            () = async {
                tokio::time::sleep(rest).await;
                self.wake.notified().await;
            } => {}
            () = tokio::time::sleep(self.poll) => {}
        }
    }

    /// Records the attempts' outcomes, each group that came while the one before
    /// was being recorded in one store call; then frees their slots and looks
    /// again (their webhooks are below the cap again).
    async fn record(self: Arc<Self>, mut outcomes: mpsc::UnboundedReceiver<Attempted>) {
        let mut group = Vec::new();
        while outcomes.recv_many(&mut group, RECORD_GROUP).await > 0 {
            let recorded = self
                .passmint
                .record_delivery_attempts(
                    group
                        .iter()
                        .map(|a| (&a.claimed, a.response.clone(), a.decision))
                        .collect(),
                )
                .await;
            match recorded {
                Ok(recorded) => {
                    for (a, recorded) in group.iter().zip(recorded) {
                        if recorded {
                            self.metrics.webhook_attempt(a.label);
                        } else {
                            tracing::debug!(delivery = %a.claimed.delivery.id, "delivery no longer ours (deleted, retried or re-claimed)");
                            self.metrics.webhook_attempt("lease_lost");
                        }
                    }
                }
                Err(e) => {
                    // The leases will end and the deliveries be attempted again (same
                    // webhook-id): at least once.
                    tracing::warn!(error = %e, attempts = group.len(), "recording webhook attempts failed");
                    for _ in &group {
                        self.metrics.webhook_attempt("unrecorded");
                    }
                }
            }
            group.clear();
            self.freed.notify_one();
        }
    }

    /// One attempt of a claimed delivery: its outcome for the recorder (none when
    /// the payload cannot be rendered; the lease ends).
    async fn attempt(
        &self,
        claimed: ClaimedDelivery,
        slot: OwnedSemaphorePermit,
    ) -> Option<Attempted> {
        let body = match serde_json::to_vec(&WebhookEventObject::new(
            &claimed.event,
            &claimed.pass,
            &self.public_url,
        )) {
            Ok(body) => body,
            Err(e) => {
                tracing::error!(error = %e, delivery = %claimed.delivery.id, "cannot render a webhook payload");
                return None;
            }
        };
        let secrets: Vec<Secret> = claimed
            .webhook
            .signing_secrets(self.passmint.now())
            .into_iter()
            .filter_map(|s| Secret::parse(s.expose()).ok())
            .collect();
        let outcome = self
            .deliverer
            .deliver_event(
                &claimed.webhook.url,
                &secrets,
                claimed.event.id.as_str(),
                body,
            )
            .await;
        let attempts = claimed.delivery.attempts.saturating_add(1);
        let now = self.passmint.now();
        let (decision, label) = match self.schedule.after_attempt(attempts, &outcome) {
            Next::Delivered => (DeliveryDecision::Delivered, "delivered"),
            Next::RetryAt(delay) => {
                let at = now + time::Duration::try_from(delay).unwrap_or(time::Duration::DAY);
                if delay < self.poll {
                    // Due before the next poll: look then.
                    let wake = Arc::clone(&self.wake);
                    tokio::spawn(async move {
                        tokio::time::sleep(delay).await;
                        wake.notify_one();
                    });
                }
                (DeliveryDecision::RetryAt(at), "failed")
            }
            Next::Dead => (DeliveryDecision::Dead, "dead"),
        };
        if outcome.is_success() {
            tracing::debug!(
                delivery = %claimed.delivery.id,
                webhook = %claimed.webhook.id,
                event = %claimed.event.id,
                status = outcome.status,
                "webhook delivered"
            );
        } else {
            tracing::info!(
                delivery = %claimed.delivery.id,
                webhook = %claimed.webhook.id,
                event = %claimed.event.id,
                attempt = attempts,
                status = outcome.status,
                failure = outcome.failure.map(|f| f.as_str()),
                error = outcome.error.as_deref(),
                next = label,
                "webhook attempt failed"
            );
        }
        Some(Attempted {
            claimed,
            response: AttemptResponse {
                status: outcome.status,
                body: outcome.body,
            },
            decision,
            label,
            _slot: slot,
        })
    }
}

/// Most outcomes recorded in one store call.
const RECORD_GROUP: usize = 256;

/// An attempt made, waiting to be recorded: it holds its slot until then (its
/// lease counts against its webhook's cap until the record releases it).
struct Attempted {
    claimed: ClaimedDelivery,
    response: AttemptResponse,
    decision: DeliveryDecision,
    label: &'static str,
    _slot: OwnedSemaphorePermit,
}
