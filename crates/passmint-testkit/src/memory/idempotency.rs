//! Idempotency records in memory.

use super::{IdemRecord, Lock, MemoryStore, expired};
use async_trait::async_trait;
use passmint_domain::idempotency::{IdemBegin, IdemCompletion, IdemRequest, IdemTicket, LOCK_TTL};
use passmint_domain::ports::{IdempotencyStore, StoreResult};
use time::OffsetDateTime;

#[async_trait]
impl IdempotencyStore for MemoryStore {
    async fn begin_idempotent(&self, req: &IdemRequest) -> StoreResult<IdemBegin> {
        let mut s = self.state();
        let slot = (req.scope.clone(), req.key.clone());
        let started = || {
            IdemBegin::Started(IdemTicket {
                scope: req.scope.clone(),
                key: req.key.clone(),
                lock_token: req.lock_token.clone(),
            })
        };
        let fresh = || IdemRecord {
            fingerprint: req.fingerprint.clone(),
            created_at: req.now,
            lock: Some(Lock {
                token: req.lock_token.clone(),
                since: req.now,
            }),
            response: None,
        };
        let Some(record) = s.idem.get_mut(&slot) else {
            s.idem.insert(slot, fresh());
            return Ok(started());
        };
        if expired(record.created_at, req.now) {
            *record = fresh();
            return Ok(started());
        }
        if record.fingerprint != req.fingerprint {
            return Ok(IdemBegin::Mismatch);
        }
        if let Some(response) = &record.response {
            return Ok(IdemBegin::Replay(response.clone()));
        }
        match &record.lock {
            Some(lock) if req.now - lock.since > LOCK_TTL => {
                *record = fresh();
                Ok(started())
            }
            _ => Ok(IdemBegin::InUse),
        }
    }

    async fn complete_idempotent(&self, completion: &IdemCompletion) -> StoreResult<()> {
        let mut s = self.state();
        s.check_ticket(&completion.ticket)?;
        s.complete(Some(completion));
        Ok(())
    }

    async fn release_idempotent(&self, ticket: &IdemTicket) -> StoreResult<()> {
        let mut s = self.state();
        if s.check_ticket(ticket).is_ok() {
            s.idem.remove(&(ticket.scope.clone(), ticket.key.clone()));
        }
        Ok(())
    }

    async fn purge_idempotent(&self, now: OffsetDateTime, limit: u32) -> StoreResult<u64> {
        let mut s = self.state();
        let gone: Vec<_> = s
            .idem
            .iter()
            .filter(|(_, r)| expired(r.created_at, now))
            .map(|(k, _)| k.clone())
            .take(limit as usize)
            .collect();
        for k in &gone {
            s.idem.remove(k);
        }
        Ok(gone.len() as u64)
    }
}
