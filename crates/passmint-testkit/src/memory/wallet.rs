//! Apple Wallet registrations and push jobs in memory.

use super::{MemoryStore, duplicate};
use async_trait::async_trait;
use passmint_domain::error::StoreError;
use passmint_domain::event::PassEvent;
use passmint_domain::ids::PassId;
use passmint_domain::pass::Pass;
use passmint_domain::ports::DeviceUnregistration;
use passmint_domain::ports::{StoreResult, WalletStore};
use passmint_domain::wallet::{PushJob, RegisterOutcome, Registration, UpdatedSerials};
use passmint_domain::webhook::ClaimRequest;
use time::OffsetDateTime;

#[async_trait]
impl WalletStore for MemoryStore {
    async fn find_pass_by_serial(&self, serial_number: &str) -> StoreResult<Pass> {
        let s = self.state();
        s.serials
            .get(serial_number)
            .and_then(|id| s.passes.get(id.as_str()))
            .cloned()
            .ok_or(StoreError::NotFound)
    }

    async fn register_device(
        &self,
        registration: &Registration,
        event: &PassEvent,
        max_per_pass: u32,
    ) -> StoreResult<RegisterOutcome> {
        let mut s = self.state();
        let pass = s
            .passes
            .get(registration.pass_id.as_str())
            .cloned()
            .ok_or(StoreError::NotFound)?;
        if let Some(k) = s.registration_seq(&registration.device_library_id, &registration.pass_id)
        {
            if let Some(r) = s.registrations.get_mut(&k) {
                r.push_token = registration.push_token.clone();
                r.pass_type_id = registration.pass_type_id.clone();
            }
            return Ok(RegisterOutcome::Existing);
        }
        let registered = s
            .registrations
            .values()
            .filter(|r| r.pass_id == registration.pass_id)
            .count();
        if registered >= usize::try_from(max_per_pass).unwrap_or(usize::MAX) {
            return Err(StoreError::LimitReached);
        }
        if s.events.contains(event.id.as_str()) {
            return Err(duplicate("event id exists"));
        }
        let seq = s.next_seq();
        s.registrations.insert(seq, registration.clone());
        let enqueued = s.insert_event(event, &pass);
        Ok(RegisterOutcome::Created { enqueued })
    }

    async fn unregister_device(
        &self,
        input: &DeviceUnregistration<'_>,
    ) -> StoreResult<Option<u64>> {
        let mut s = self.state();
        let Some(k) = s.registration_seq(input.device_library_id, input.pass) else {
            return Ok(None);
        };
        if input
            .only_push_token
            .is_some_and(|t| s.registrations[&k].push_token != t)
        {
            return Ok(None);
        }
        if s.events.contains(input.event.id.as_str()) {
            return Err(duplicate("event id exists"));
        }
        let Some(p) = s.passes.get(input.pass.as_str()).cloned() else {
            return Err(StoreError::NotFound);
        };
        s.registrations.remove(&k);
        Ok(Some(s.insert_event(input.event, &p)))
    }

    async fn updated_serials(
        &self,
        device_library_id: &str,
        pass_type_id: &str,
        since: Option<i64>,
    ) -> StoreResult<UpdatedSerials> {
        let s = self.state();
        let mut serial_numbers = Vec::new();
        for r in s.registrations.values() {
            if r.device_library_id != device_library_id || r.pass_type_id != pass_type_id {
                continue;
            }
            let tag = s.wallet_tags.get(&r.pass_id).copied().unwrap_or(0);
            if since.is_none_or(|since| tag > since)
                && let Some(p) = s.passes.get(r.pass_id.as_str())
            {
                serial_numbers.push(p.serial_number.clone());
            }
        }
        Ok(UpdatedSerials {
            serial_numbers,
            last_updated: s.wallet_clock,
        })
    }

    async fn registrations_of(&self, pass: &PassId) -> StoreResult<Vec<Registration>> {
        Ok(self
            .state()
            .registrations
            .values()
            .filter(|r| &r.pass_id == pass)
            .cloned()
            .collect())
    }

    async fn claim_pushes(&self, claim: &ClaimRequest) -> StoreResult<Vec<PushJob>> {
        let mut s = self.state();
        let mut due: Vec<(OffsetDateTime, i64)> = s
            .pushes
            .iter()
            .filter(|(_, p)| p.due_at <= claim.now)
            .map(|(id, p)| (p.due_at, *id))
            .collect();
        due.sort();
        due.truncate(claim.limit as usize);
        let mut out = Vec::with_capacity(due.len());
        for (_, id) in due {
            if let Some(p) = s.pushes.get_mut(&id) {
                p.due_at = claim.lease_until;
                p.lease = Some(claim.token.clone());
                out.push(p.job.clone());
            }
        }
        Ok(out)
    }

    async fn complete_pushes(&self, token: &str, ids: &[i64]) -> StoreResult<u64> {
        let mut s = self.state();
        let mut n = 0;
        for id in ids {
            if s.pushes
                .get(id)
                .is_some_and(|p| p.lease.as_deref() == Some(token))
            {
                s.pushes.remove(id);
                n += 1;
            }
        }
        Ok(n)
    }

    async fn reschedule_push(
        &self,
        id: i64,
        token: &str,
        at: OffsetDateTime,
        _last_error: &str,
    ) -> StoreResult<()> {
        let mut s = self.state();
        let p = s.pushes.get_mut(&id).ok_or(StoreError::NotFound)?;
        if p.lease.as_deref() != Some(token) {
            return Err(StoreError::LeaseLost);
        }
        p.job.attempts += 1;
        p.due_at = at;
        p.lease = None;
        Ok(())
    }

    async fn pending_pushes(&self) -> StoreResult<u64> {
        Ok(self.state().pushes.len() as u64)
    }
}
