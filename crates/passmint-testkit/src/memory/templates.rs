//! Templates in memory.

use super::{MemoryStore, duplicate};
use async_trait::async_trait;
use passmint_domain::error::StoreError;
use passmint_domain::event::PassEvent;
use passmint_domain::idempotency::IdemCompletion;
use passmint_domain::ids::{AccountId, PassId, TemplateId};
use passmint_domain::page::{Page, PageRequest};
use passmint_domain::ports::TemplateUpdate;
use passmint_domain::ports::{StoreResult, TemplateStore};
use passmint_domain::template::Template;

#[async_trait]
impl TemplateStore for MemoryStore {
    async fn insert_template(
        &self,
        template: &Template,
        idem: Option<&IdemCompletion>,
    ) -> StoreResult<()> {
        let mut s = self.state();
        if s.templates.contains(template.id.as_str()) {
            return Err(duplicate("template id exists"));
        }
        s.check_completion(idem)?;
        let seq = s.next_seq();
        s.templates
            .insert(seq, template.id.as_str(), template.clone());
        s.complete(idem);
        Ok(())
    }

    async fn get_template(&self, account: &AccountId, id: &TemplateId) -> StoreResult<Template> {
        match self.state().templates.get(id.as_str()) {
            Some(t) if &t.account_id == account => Ok(t.clone()),
            _ => Err(StoreError::NotFound),
        }
    }

    async fn list_templates(
        &self,
        account: &AccountId,
        page: &PageRequest,
    ) -> StoreResult<Page<Template>> {
        self.state().templates.page(
            page,
            |t| &t.account_id == account,
            |t| &t.account_id == account && !t.archived,
        )
    }

    async fn update_template(&self, input: &TemplateUpdate<'_>) -> StoreResult<u64> {
        let mut s = self.state();
        match s.templates.get(input.template.id.as_str()) {
            Some(t) if t.account_id == input.template.account_id => {
                if t.updated_at != input.expected_updated_at {
                    return Err(StoreError::VersionChanged);
                }
            }
            _ => return Err(StoreError::NotFound),
        }
        s.check_completion(input.idem)?;
        // The input.template's passes that a input.cascade alters, checked before any write.
        let cascaded: Vec<PassId> = match input.cascade {
            Some(c) => {
                let ids: Vec<PassId> = s
                    .passes
                    .rows
                    .values()
                    .filter(|p| p.template_id == input.template.id && !p.voided())
                    .map(|p| p.id.clone())
                    .collect();
                if ids.iter().any(|p| {
                    s.events
                        .contains(c.event_id(&input.template.id, p).as_str())
                }) {
                    return Err(duplicate("event id exists"));
                }
                ids
            }
            None => Vec::new(),
        };
        if let Some(t) = s.templates.get_mut(input.template.id.as_str()) {
            *t = input.template.clone();
        }
        let mut enqueued = 0;
        if let Some(c) = input.cascade {
            for id in cascaded {
                let Some(p) = s.passes.get_mut(id.as_str()) else {
                    continue;
                };
                p.version += 1;
                p.updated_at = c.at;
                let pass = p.clone();
                let event = PassEvent {
                    id: c.event_id(&input.template.id, &id),
                    account_id: pass.account_id.clone(),
                    mode: pass.mode,
                    pass_id: id.clone(),
                    kind: passmint_domain::event::EventType::Updated,
                    metadata: c.metadata.clone(),
                    created_at: c.at,
                };
                enqueued += s.insert_event(&event, &pass);
                s.touch_for_devices(&id, c.at);
            }
        }
        s.complete(input.idem);
        Ok(enqueued)
    }
}
