//! Passes (with their events and idempotency records) in memory.

use super::{IdemRecord, MemoryStore, duplicate};
use async_trait::async_trait;
use passmint_domain::error::StoreError;
use passmint_domain::event::PassEvent;
use passmint_domain::idempotency::{ClaimedInsert, IdemCompletion};
use passmint_domain::ids::PassId;
use passmint_domain::mode::Scope;
use passmint_domain::page::{Page, PageRequest};
use passmint_domain::pass::{Pass, PassFilter};
use passmint_domain::ports::ClaimingInsert;
use passmint_domain::ports::{PassStore, StoreResult, TemplateStore};
use passmint_domain::template::Template;

#[async_trait]
impl PassStore for MemoryStore {
    async fn insert_pass(
        &self,
        pass: &Pass,
        event: &PassEvent,
        idem: Option<&IdemCompletion>,
    ) -> StoreResult<u64> {
        let mut s = self.state();
        s.check_completion(idem)?;
        let enqueued = s.insert_pass(pass, event)?;
        s.complete(idem);
        Ok(enqueued)
    }

    async fn insert_pass_claiming(&self, input: &ClaimingInsert<'_>) -> StoreResult<ClaimedInsert> {
        let mut s = self.state();
        match s.templates.get(input.pass.template_id.as_str()) {
            Some(t)
                if t.account_id == input.pass.account_id
                    && !t.archived
                    && t.updated_at == input.template_updated_at => {}
            _ => return Ok(ClaimedInsert::TemplateChanged),
        }
        let slot = (input.claim.scope.clone(), input.claim.key.clone());
        if s.idem.contains_key(&slot) {
            return Ok(ClaimedInsert::KeyTaken);
        }
        let enqueued = s.insert_pass(input.pass, input.event)?;
        s.idem.insert(
            slot,
            IdemRecord {
                fingerprint: input.claim.fingerprint.clone(),
                created_at: input.claim.now,
                lock: None,
                response: Some(input.response.clone()),
            },
        );
        Ok(ClaimedInsert::Inserted { enqueued })
    }

    async fn get_pass(&self, scope: &Scope, id: &PassId) -> StoreResult<Pass> {
        match self.state().passes.get(id.as_str()) {
            Some(p) if &p.scope() == scope => Ok(p.clone()),
            _ => Err(StoreError::NotFound),
        }
    }

    async fn find_public_pass(&self, short_id: &str) -> StoreResult<(Pass, Template)> {
        let pass = {
            let s = self.state();
            s.short_ids
                .get(short_id)
                .and_then(|id| s.passes.get(id.as_str()))
                .cloned()
                .ok_or(StoreError::NotFound)?
        };
        let template = self
            .get_template(&pass.account_id, &pass.template_id)
            .await?;
        Ok((pass, template))
    }

    async fn list_passes(
        &self,
        scope: &Scope,
        filter: &PassFilter,
        page: &PageRequest,
    ) -> StoreResult<Page<Pass>> {
        self.state().passes.page(
            page,
            |p| &p.scope() == scope,
            |p| {
                &p.scope() == scope
                    && filter
                        .template_id
                        .as_ref()
                        .is_none_or(|t| &p.template_id == t)
                    && filter
                        .holder_email
                        .as_ref()
                        .is_none_or(|e| p.holder_email.as_ref() == Some(e))
            },
        )
    }

    async fn update_pass(
        &self,
        pass: &Pass,
        expected_version: i64,
        event: Option<&PassEvent>,
        idem: Option<&IdemCompletion>,
        push: bool,
    ) -> StoreResult<u64> {
        let mut s = self.state();
        let old = match s.passes.get(pass.id.as_str()) {
            Some(p) if p.scope() == pass.scope() => p.clone(),
            _ => return Err(StoreError::NotFound),
        };
        if old.version != expected_version {
            return Err(StoreError::VersionChanged);
        }
        s.check_pass_uniques(pass, Some(&pass.id))?;
        if let Some(e) = event
            && s.events.contains(e.id.as_str())
        {
            return Err(duplicate("event id exists"));
        }
        s.check_completion(idem)?;
        s.short_ids.remove(&old.short_id);
        s.serials.remove(&old.serial_number);
        s.short_ids.insert(pass.short_id.clone(), pass.id.clone());
        s.serials
            .insert(pass.serial_number.clone(), pass.id.clone());
        if let Some(p) = s.passes.get_mut(pass.id.as_str()) {
            *p = pass.clone();
        }
        let enqueued = match event {
            Some(e) => s.insert_event(e, pass),
            None => 0,
        };
        if push {
            s.touch_for_devices(&pass.id, pass.updated_at);
        }
        s.complete(idem);
        Ok(enqueued)
    }

    async fn insert_event(&self, event: &PassEvent) -> StoreResult<u64> {
        let mut s = self.state();
        if s.events.contains(event.id.as_str()) {
            return Err(duplicate("event id exists"));
        }
        let pass = s
            .passes
            .get(event.pass_id.as_str())
            .cloned()
            .ok_or(StoreError::NotFound)?;
        Ok(s.insert_event(event, &pass))
    }

    async fn insert_events(&self, events: &[PassEvent]) -> StoreResult<u64> {
        let mut s = self.state();
        let mut ids = std::collections::HashSet::new();
        for e in events {
            if s.events.contains(e.id.as_str()) || !ids.insert(e.id.as_str()) {
                return Err(duplicate("event id exists"));
            }
            if !s.passes.contains(e.pass_id.as_str()) {
                return Err(StoreError::NotFound);
            }
        }
        let mut enqueued = 0;
        for e in events {
            if let Some(pass) = s.passes.get(e.pass_id.as_str()).cloned() {
                enqueued += s.insert_event(e, &pass);
            }
        }
        Ok(enqueued)
    }

    async fn list_events(
        &self,
        scope: &Scope,
        pass: Option<&PassId>,
        page: &PageRequest,
    ) -> StoreResult<Page<PassEvent>> {
        let in_scope = |e: &PassEvent| e.account_id == scope.account_id && e.mode == scope.mode;
        self.state().events.page(page, in_scope, |e| {
            in_scope(e) && pass.is_none_or(|p| &e.pass_id == p)
        })
    }
}
