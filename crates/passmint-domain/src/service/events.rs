//! Pass events: recording them (with their webhook deliveries) and listing them.

use super::{Passmint, Principal, check_cursor, cursor_missing};
use crate::error::{DomainError, StoreError};
use crate::event::{EventType, PassEvent};
use crate::ids::EventId;
use crate::page::{Page, PageRequest};
use crate::pass::Pass;
use serde_json::{Map, Value};

impl Passmint {
    /// A new event of the pass (for callers that batch their writes with
    /// [`Passmint::record_events`]).
    pub fn new_event(
        &self,
        pass: &Pass,
        kind: EventType,
        metadata: Map<String, Value>,
    ) -> PassEvent {
        self.event(pass, kind, metadata)
    }

    /// Records events made by [`Passmint::new_event`] in one transaction (all or
    /// none), with their webhook deliveries, waking the delivery worker if any.
    pub async fn record_events(&self, events: &[PassEvent]) -> Result<(), StoreError> {
        let enqueued = self.store.insert_events(events).await?;
        self.enqueued(enqueued);
        Ok(())
    }

    /// Records one event made by [`Passmint::new_event`], with its webhook
    /// deliveries, waking the delivery worker if any.
    pub async fn record_new_event(&self, event: &PassEvent) -> Result<(), StoreError> {
        let enqueued = self.store.insert_event(event).await?;
        self.enqueued(enqueued);
        Ok(())
    }

    /// Records an event that changes nothing else (`url_viewed`, `downloaded`).
    pub async fn record_event(
        &self,
        pass: &Pass,
        kind: EventType,
        metadata: Map<String, Value>,
    ) -> Result<PassEvent, DomainError> {
        let event = self.event(pass, kind, metadata);
        let enqueued = self.store.insert_event(&event).await?;
        self.enqueued(enqueued);
        Ok(event)
    }

    pub async fn list_events(
        &self,
        who: &Principal,
        pass_id: Option<&str>,
        page: &PageRequest,
    ) -> Result<Page<PassEvent>, DomainError> {
        check_cursor(page, EventId::PREFIX)?;
        let pid = match pass_id {
            Some(id) => Some(self.get_pass(who, id).await?.id),
            None => None,
        };
        self.store
            .list_events(&who.scope(), pid.as_ref(), page)
            .await
            .map_err(cursor_missing(page))
    }
}
