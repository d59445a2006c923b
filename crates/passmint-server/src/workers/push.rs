//! The APNs push worker of `passmint serve`.
//!
//! A change that alters what devices show (a PATCH of field values, a void, a new
//! template design) writes one push job per registered device in its own
//! transaction. This worker claims due jobs in batches through the domain (a lease
//! in the database: several processes never push one job twice while its lease
//! holds, and a crashed process's jobs fall due again when the lease ends), pushes
//! them with `passmint_apns` (one HTTP/2 client per signing identity, so one TLS
//! connection multiplexes the batch, at most `PASSMINT_APNS_CONCURRENCY` in
//! flight), and records the outcomes in bulk:
//!
//! - accepted (200): the job is deleted;
//! - the token is dead (410, or 400 `BadDeviceToken`): the registration is removed
//!   with a `removed` event, and the job deleted;
//! - try later (429, 5xx, no answer) or refused (403, other 4xx): retried with
//!   exponential backoff, given up after the policy's last attempt.
//!
//! A connection to APNs that goes silent without closing is let go (an unanswered
//! HTTP/2 PING after `PASSMINT_APNS_KEEPALIVE_INTERVAL` of quiet and
//! `PASSMINT_APNS_KEEPALIVE_TIMEOUT`, or a push that timed out), and the retries go
//! through a new one (see `passmint_apns::client`).
//!
//! When to look: at once when a write of this process may have enqueued pushes
//! (the domain's push waker), again at once while batches come back full, when a
//! retry falls due before the next poll, and otherwise every
//! `PASSMINT_PUSH_POLL_INTERVAL`.

use crate::config::ApnsServeConfig;
use crate::http::metrics::Metrics;
use crate::pkpass::Pkpasses;
use futures::future::join_all;
use passmint_apns::{ApnsClient, ApnsConfig, ClientIdentity, PushOutcome, RetryPolicy};
use passmint_domain::ids::AccountId;
use passmint_domain::mode::Mode;
use passmint_domain::service::Passmint;
use passmint_domain::wallet::PushJob;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use time::OffsetDateTime;
use tokio::sync::Notify;

/// Jobs claimed at once.
const BATCH: u32 = 1000;

/// Why the worker cannot start.
#[derive(Debug, thiserror::Error)]
#[error("cannot start the push worker: {0}")]
pub struct PushWorkerError(String);

/// A client per (account, mode), rebuilt when the identity changes.
struct CachedClient {
    identity_updated_at: OffsetDateTime,
    client: ApnsClient,
}

pub struct PushWorker {
    passmint: Passmint,
    pkpasses: Arc<Pkpasses>,
    config: ApnsConfig,
    policy: RetryPolicy,
    clients: Mutex<HashMap<(AccountId, Mode), CachedClient>>,
    wake: Arc<Notify>,
    poll: Duration,
    lease: time::Duration,
    metrics: Arc<Metrics>,
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl PushWorker {
    pub fn new(
        passmint: Passmint,
        pkpasses: Arc<Pkpasses>,
        wake: Arc<Notify>,
        cfg: &ApnsServeConfig,
        metrics: Arc<Metrics>,
    ) -> Result<Self, PushWorkerError> {
        let mut extra = Vec::new();
        if let Some(path) = &cfg.apns_ca_file {
            let pem = std::fs::read_to_string(path).map_err(|e| {
                PushWorkerError(format!("PASSMINT_APNS_CA_FILE {}: {e}", path.display()))
            })?;
            extra.push(pem);
        }
        let base_url = cfg.apns_url.trim_end_matches('/').to_owned();
        if !base_url.starts_with("https://") {
            return Err(PushWorkerError(format!(
                "PASSMINT_APNS_URL must be an https URL, not '{base_url}'"
            )));
        }
        let config = ApnsConfig {
            base_url,
            extra_root_certificates_pem: extra,
            max_in_flight: cfg.apns_concurrency as usize,
            request_timeout: cfg.apns_timeout,
            keep_alive_interval: cfg.keepalive.apns_keepalive_interval,
            keep_alive_timeout: cfg.keepalive.apns_keepalive_timeout,
            ..ApnsConfig::default()
        };
        // A whole batch may wait for its slots: the lease covers it with a margin.
        let per_slot = (BATCH as usize).div_ceil(config.max_in_flight.max(1)) as u32;
        let lease = cfg.apns_timeout * (per_slot + 1) + Duration::from_secs(5);
        Ok(PushWorker {
            passmint,
            pkpasses,
            config,
            policy: RetryPolicy {
                base: cfg.apns_retry_base,
                ..RetryPolicy::default()
            },
            clients: Mutex::new(HashMap::new()),
            wake,
            poll: cfg.push_poll_interval.max(Duration::from_millis(10)),
            lease: time::Duration::try_from(lease)
                .map_err(|e| PushWorkerError(format!("lease: {e}")))?,
            metrics,
        })
    }

    /// Claims and pushes until the runtime stops. A failed claim is logged and
    /// retried at the next poll.
    pub async fn run(self) {
        let worker = Arc::new(self);
        loop {
            let (token, jobs) = match worker.passmint.claim_pushes(BATCH, worker.lease).await {
                Ok(claimed) => claimed,
                Err(e) => {
                    tracing::warn!(error = %e, "claiming push jobs failed");
                    worker.idle().await;
                    continue;
                }
            };
            let full = jobs.len() == BATCH as usize;
            if !jobs.is_empty() {
                worker.push_batch(&token, jobs).await;
            }
            if !full {
                worker.idle().await;
            }
        }
    }

    async fn idle(&self) {
        let _ = tokio::time::timeout(self.poll, self.wake.notified()).await;
    }

    /// The client for the identity passes of this account and mode are signed
    /// with.
    async fn client(&self, account: &AccountId, mode: Mode) -> Result<ApnsClient, String> {
        let creds = self
            .pkpasses
            .credentials_for(account, mode)
            .await
            .map_err(|e| e.to_string())?;
        let key = (account.clone(), mode);
        if let Some(c) = lock(&self.clients).get(&key)
            && c.identity_updated_at == creds.updated_at
        {
            return Ok(c.client.clone());
        }
        let identity =
            ClientIdentity::from_pem(&creds.certificate_pem, creds.private_key_pem.expose())
                .map_err(|e| e.to_string())?;
        let client = ApnsClient::new(&self.config, &identity).map_err(|e| e.to_string())?;
        lock(&self.clients).insert(
            key,
            CachedClient {
                identity_updated_at: creds.updated_at,
                client: client.clone(),
            },
        );
        Ok(client)
    }

    /// Pushes one claimed batch and records every outcome.
    async fn push_batch(&self, token: &str, jobs: Vec<PushJob>) {
        let mut groups: HashMap<(AccountId, Mode), Vec<PushJob>> = HashMap::new();
        for job in jobs {
            groups
                .entry((job.account_id.clone(), job.mode))
                .or_default()
                .push(job);
        }
        let mut results: Vec<(PushJob, PushOutcome)> = Vec::new();
        for ((account, mode), jobs) in groups {
            match self.client(&account, mode).await {
                Ok(client) => {
                    let pushes = jobs.into_iter().map(|job| {
                        let client = client.clone();
                        async move {
                            let outcome = client.push(&job.push_token, &job.pass_type_id).await;
                            (job, outcome)
                        }
                    });
                    results.extend(join_all(pushes).await);
                }
                Err(e) => {
                    tracing::error!(error = %e, account = %account, mode = mode.as_str(), "no APNs client for the account's identity");
                    results.extend(jobs.into_iter().map(|job| {
                        let outcome = PushOutcome::Retry {
                            status: None,
                            reason: format!("signing identity: {e}"),
                            retry_after: None,
                        };
                        (job, outcome)
                    }));
                }
            }
        }
        self.record(token, results).await;
    }

    async fn record(&self, token: &str, results: Vec<(PushJob, PushOutcome)>) {
        let mut done = Vec::new();
        let mut earliest_retry: Option<Duration> = None;
        for (job, outcome) in results {
            match outcome {
                PushOutcome::Delivered { .. } => done.push(job.id),
                PushOutcome::Unregistered { status, reason } => {
                    tracing::info!(pass_id = %job.pass_id, device = %job.device_library_id, status, reason = %reason, "APNs: device token no longer valid; registration removed");
                    self.metrics.pushes("unregistered", 1);
                    if let Err(e) = self
                        .passmint
                        .push_device_gone(&job, token, &format!("{status} {reason}"))
                        .await
                    {
                        tracing::warn!(error = %e, job = job.id, "recording a dead device token failed");
                    }
                }
                PushOutcome::Retry {
                    status,
                    reason,
                    retry_after,
                } => {
                    let label =
                        format!("{} {reason}", status.map_or("-".into(), |s| s.to_string()));
                    if let Some(d) = self.retry(&job, token, &label, retry_after, "retry").await {
                        earliest_retry = Some(earliest_retry.map_or(d, |e| e.min(d)));
                    }
                }
                PushOutcome::Rejected { status, reason } => {
                    let label = format!("{status} {reason}");
                    if let Some(d) = self.retry(&job, token, &label, None, "rejected").await {
                        earliest_retry = Some(earliest_retry.map_or(d, |e| e.min(d)));
                    }
                }
            }
        }
        if !done.is_empty() {
            self.metrics.pushes("delivered", done.len() as u64);
            if let Err(e) = self.passmint.pushes_done(token, &done).await {
                // The lease will end and these be pushed again: at least once.
                tracing::warn!(error = %e, jobs = done.len(), "recording delivered pushes failed");
            }
        }
        if let Some(delay) = earliest_retry
            && delay < self.poll
        {
            let wake = Arc::clone(&self.wake);
            actix_web::rt::spawn(async move {
                tokio::time::sleep(delay).await;
                wake.notify_one();
            });
        }
    }

    /// Schedules the next attempt of a failed push, or gives up after the last.
    /// Returns the delay when there is a next attempt.
    async fn retry(
        &self,
        job: &PushJob,
        token: &str,
        error: &str,
        retry_after: Option<Duration>,
        label: &'static str,
    ) -> Option<Duration> {
        let attempts = job.attempts.saturating_add(1);
        match self.policy.delay(attempts, retry_after) {
            Some(delay) => {
                tracing::info!(pass_id = %job.pass_id, device = %job.device_library_id, attempt = attempts, error, retry_in_ms = delay.as_millis() as u64, "APNs push failed; will retry");
                self.metrics.pushes(label, 1);
                let d = time::Duration::try_from(delay).unwrap_or(time::Duration::HOUR);
                if let Err(e) = self.passmint.push_failed(job, token, d, error).await {
                    tracing::warn!(error = %e, job = job.id, "rescheduling a push failed");
                }
                Some(delay)
            }
            None => {
                tracing::warn!(pass_id = %job.pass_id, device = %job.device_library_id, attempts, error, "APNs push given up");
                self.metrics.pushes("given_up", 1);
                if let Err(e) = self.passmint.pushes_done(token, &[job.id]).await {
                    tracing::warn!(error = %e, job = job.id, "dropping a given-up push failed");
                }
                None
            }
        }
    }
}
