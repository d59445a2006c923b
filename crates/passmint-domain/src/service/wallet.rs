//! The Apple Wallet use cases: a device proving it holds a pass (its
//! `authenticationToken`), registering and unregistering for its updates, asking
//! which passes changed since a tag, and the steps of the push worker.

use super::Passmint;
use crate::error::{DomainError, StoreError};
use crate::event::{EventType, PassEvent};
use crate::ids::{AccountId, EventId, PassId};
use crate::mode::Mode;
use crate::pass::Pass;
use crate::ports::DeviceUnregistration;
use crate::wallet::{
    PushJob, RegisterOutcome, Registration, UpdatedSerials, parse_tag, token_matches,
    valid_device_library_id, valid_push_token,
};
use crate::webhook::ClaimRequest;
use serde_json::{Map, Value};
use time::{Duration, OffsetDateTime};

fn unauthorized() -> DomainError {
    DomainError::Unauthenticated("The pass or its authentication token is not valid.".into())
}

/// The pass an event is about.
struct Subject<'a> {
    account_id: &'a AccountId,
    mode: Mode,
    pass_id: &'a PassId,
}

impl<'a> From<&'a Pass> for Subject<'a> {
    fn from(p: &'a Pass) -> Self {
        Subject {
            account_id: &p.account_id,
            mode: p.mode,
            pass_id: &p.id,
        }
    }
}

fn device_event(
    pass: Subject<'_>,
    id: EventId,
    kind: EventType,
    dli: &str,
    at: OffsetDateTime,
) -> PassEvent {
    let mut metadata = Map::new();
    metadata.insert(
        "device_library_identifier".into(),
        Value::String(dli.into()),
    );
    PassEvent {
        id,
        account_id: pass.account_id.clone(),
        mode: pass.mode,
        pass_id: pass.pass_id.clone(),
        kind,
        metadata,
        created_at: at,
    }
}

impl Passmint {
    fn check_device(dli: &str) -> Result<(), DomainError> {
        if valid_device_library_id(dli) {
            Ok(())
        } else {
            Err(DomainError::invalid(
                "deviceLibraryIdentifier",
                "The device library identifier must be 1 to 128 letters, digits, '.', '_' or '-'.",
            ))
        }
    }

    /// The pass with this serial number if `token` is its authentication token;
    /// `Unauthenticated` otherwise (an unknown serial number answers the same, so
    /// that serial numbers cannot be probed).
    pub async fn wallet_pass(
        &self,
        serial: &str,
        token: Option<&str>,
    ) -> Result<Pass, DomainError> {
        let Some(token) = token else {
            return Err(unauthorized());
        };
        match self.store.find_pass_by_serial(serial).await {
            Ok(pass) if token_matches(&pass.auth_token, token) => Ok(pass),
            Ok(_) | Err(StoreError::NotFound) => Err(unauthorized()),
            Err(e) => Err(e.into()),
        }
    }

    /// Registers the device for the pass under `pass_type_id` (already checked to be
    /// the pass's). Returns whether the registration is new (then an `installed`
    /// event was recorded). A new device beyond the pass's limit of devices is
    /// refused with `TooMany`, writing nothing (docs/api.md §7); a device already
    /// registered is always answered.
    pub async fn register_device(
        &self,
        pass: &Pass,
        device_library_id: &str,
        pass_type_id: &str,
        push_token: &str,
    ) -> Result<bool, DomainError> {
        Self::check_device(device_library_id)?;
        if !valid_push_token(push_token) {
            return Err(DomainError::invalid(
                "pushToken",
                "pushToken must be 1 to 200 hexadecimal characters.",
            ));
        }
        let now = self.clock.now();
        let registration = Registration {
            device_library_id: device_library_id.into(),
            pass_id: pass.id.clone(),
            account_id: pass.account_id.clone(),
            mode: pass.mode,
            pass_type_id: pass_type_id.into(),
            push_token: push_token.to_ascii_lowercase(),
            created_at: now,
        };
        let event = device_event(
            pass.into(),
            EventId::from_body(&self.body()),
            EventType::Installed,
            device_library_id,
            now,
        );
        let max = self.max_devices_per_pass;
        match self.store.register_device(&registration, &event, max).await {
            Ok(RegisterOutcome::Created { enqueued }) => {
                self.enqueued(enqueued);
                Ok(true)
            }
            Ok(RegisterOutcome::Existing) => Ok(false),
            Err(StoreError::NotFound) => Err(unauthorized()),
            Err(StoreError::LimitReached) => Err(DomainError::TooMany {
                code: "device_limit_reached",
                message: format!(
                    "This pass has {max} registered devices, the most allowed; a device must \
                     unregister before another can register."
                ),
            }),
            Err(e) => Err(e.into()),
        }
    }

    /// Unregisters the device from the pass. Returns whether it was registered
    /// (then a `removed` event was recorded).
    pub async fn unregister_device(
        &self,
        pass: &Pass,
        device_library_id: &str,
    ) -> Result<bool, DomainError> {
        Self::check_device(device_library_id)?;
        let event = device_event(
            pass.into(),
            EventId::from_body(&self.body()),
            EventType::Removed,
            device_library_id,
            self.clock.now(),
        );
        match self
            .store
            .unregister_device(&DeviceUnregistration {
                device_library_id,
                pass: &pass.id,
                only_push_token: None,
                event: &event,
            })
            .await?
        {
            Some(enqueued) => {
                self.enqueued(enqueued);
                Ok(true)
            }
            None => Ok(false),
        }
    }

    /// The serial numbers of the device's passes of `pass_type_id` changed since
    /// the tag (`passesUpdatedSince`, all when absent), with the tag to ask with
    /// next time.
    pub async fn updated_serials(
        &self,
        device_library_id: &str,
        pass_type_id: &str,
        since: Option<&str>,
    ) -> Result<UpdatedSerials, DomainError> {
        Self::check_device(device_library_id)?;
        let since = match since {
            None | Some("") => None,
            Some(s) => Some(parse_tag(s).ok_or_else(|| {
                DomainError::invalid(
                    "passesUpdatedSince",
                    "passesUpdatedSince must be a tag returned as lastUpdated.",
                )
            })?),
        };
        Ok(self
            .store
            .updated_serials(device_library_id, pass_type_id, since)
            .await?)
    }

    // ----- the push worker ---------------------------------------------------

    /// Leases at most `limit` due push jobs for `lease`, under a fresh claim token.
    pub async fn claim_pushes(
        &self,
        limit: u32,
        lease: Duration,
    ) -> Result<(String, Vec<PushJob>), DomainError> {
        let now = self.clock.now();
        let token = self.body();
        let claim = ClaimRequest {
            now,
            lease_until: now + lease,
            token: token.clone(),
            limit,
        };
        let jobs = self.store.claim_pushes(&claim).await?;
        Ok((token, jobs))
    }

    /// Forgets pushes APNs accepted.
    pub async fn pushes_done(&self, token: &str, ids: &[i64]) -> Result<u64, DomainError> {
        if ids.is_empty() {
            return Ok(0);
        }
        Ok(self.store.complete_pushes(token, ids).await?)
    }

    /// Tries the push again after `delay`. A job whose lease moved on is left to
    /// its new holder.
    pub async fn push_failed(
        &self,
        job: &PushJob,
        token: &str,
        delay: Duration,
        error: &str,
    ) -> Result<(), DomainError> {
        let at = self.clock.now() + delay;
        match self.store.reschedule_push(job.id, token, at, error).await {
            Ok(()) | Err(StoreError::LeaseLost) | Err(StoreError::NotFound) => Ok(()),
            Err(e) => Err(e.into()),
        }
    }

    /// APNs says the device's token is no longer valid: the registration (if it
    /// still has that token) is removed with a `removed` event, and the job is
    /// forgotten.
    pub async fn push_device_gone(
        &self,
        job: &PushJob,
        token: &str,
        reason: &str,
    ) -> Result<(), DomainError> {
        let subject = Subject {
            account_id: &job.account_id,
            mode: job.mode,
            pass_id: &job.pass_id,
        };
        let mut event = device_event(
            subject,
            EventId::from_body(&self.body()),
            EventType::Removed,
            &job.device_library_id,
            self.clock.now(),
        );
        event
            .metadata
            .insert("reason".into(), Value::String(format!("apns: {reason}")));
        if let Some(enqueued) = self
            .store
            .unregister_device(&DeviceUnregistration {
                device_library_id: &job.device_library_id,
                pass: &job.pass_id,
                only_push_token: Some(&job.push_token),
                event: &event,
            })
            .await?
        {
            self.enqueued(enqueued);
        }
        self.store.complete_pushes(token, &[job.id]).await?;
        Ok(())
    }
}
