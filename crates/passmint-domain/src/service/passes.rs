//! Passes: issuing (also under a claimed idempotency key), reads, listing,
//! updates, voiding, and the public pages' lookup by short id.

use super::{
    AUTH_TOKEN_LEN, ClaimedIssue, IssueTemplate, NewPass, PassPatch, Passmint, Principal,
    SERIAL_LEN, SHORT_ID_LEN, check_cursor, cursor_missing, found, retry_changed, written,
};
use crate::design::render::check_pass_renders;
use crate::error::{DomainError, StoreError};
use crate::event::{EventType, PassEvent};
use crate::idempotency::{ClaimedInsert, IdemFinish, IdemRequest, MAX_KEY_LEN, Renderer};
use crate::ids::{EventId, PassId, TemplateId};
use crate::mode::Mode;
use crate::page::{Page, PageRequest};
use crate::pass::{Pass, PassFilter};
use crate::ports::ClaimingInsert;
use crate::template::Template;
use crate::validate;
use serde_json::{Map, Value};

impl Passmint {
    pub(super) fn event(
        &self,
        pass: &Pass,
        kind: EventType,
        metadata: Map<String, Value>,
    ) -> PassEvent {
        PassEvent {
            id: EventId::from_body(&self.body()),
            account_id: pass.account_id.clone(),
            mode: pass.mode,
            pass_id: pass.id.clone(),
            kind,
            metadata,
            created_at: self.clock.now(),
        }
    }

    /// The request's own checks against the template's fields (after the template's
    /// existence and archived state), then, for a live pass, the account's signing
    /// identity: what [`Passmint::issue_pass`] answers, in that order.
    pub(super) async fn check_new_pass(
        &self,
        who: &Principal,
        template: &IssueTemplate,
        new: &NewPass,
    ) -> Result<(), DomainError> {
        if let Some(email) = &new.holder_email {
            validate::check_email("holder_email", email)?;
        }
        if let Some(name) = &new.holder_name {
            validate::check_holder_name(name)?;
        }
        validate::check_field_values_in(&template.design.fields, &new.field_values)?;
        validate::check_metadata(&new.metadata)?;
        if who.mode == Mode::Live {
            match self.store.get_signing_identity(&who.account_id).await {
                Ok(_) => {}
                Err(StoreError::NotFound) => {
                    return Err(DomainError::Invalid {
                        param: None,
                        code: Some("signing_identity_missing"),
                        message: "This account has no signing identity, so live passes cannot \
                                  be signed. The operator sets one with `passmint accounts \
                                  set-signing-identity`; test passes are signed with the \
                                  server's development identity."
                            .into(),
                    });
                }
                Err(e) => return Err(e.into()),
            }
        }
        Ok(())
    }

    /// The new pass (every id, token and time decided here) and its `created` event.
    pub(super) fn new_pass(
        &self,
        who: &Principal,
        template_id: TemplateId,
        new: NewPass,
    ) -> (Pass, PassEvent) {
        let now = self.clock.now();
        let pass = Pass {
            id: PassId::from_body(&self.body()),
            account_id: who.account_id.clone(),
            mode: who.mode,
            template_id,
            short_id: self.ids.base62(SHORT_ID_LEN),
            serial_number: self.ids.base62(SERIAL_LEN),
            auth_token: self.ids.base62(AUTH_TOKEN_LEN),
            holder_email: new.holder_email,
            holder_name: new.holder_name,
            field_values: new.field_values,
            metadata: new.metadata,
            voided_at: None,
            created_via_api: true,
            created_at: now,
            updated_at: now,
            version: 1,
        };
        let event = self.event(&pass, EventType::Created, Map::new());
        (pass, event)
    }

    pub(super) fn limit_reached() -> DomainError {
        DomainError::Billing {
            code: "pass_limit_reached",
            message: "This account has issued as many live passes as its plan allows \
                      (live_pass_limit). Test passes are not limited."
                .into(),
        }
    }

    pub async fn issue_pass(
        &self,
        who: &Principal,
        new: NewPass,
        idem: Option<IdemFinish<Pass>>,
    ) -> Result<Pass, DomainError> {
        let missing = || {
            DomainError::invalid_code(
                "template_id",
                "resource_missing",
                format!("No such template: '{}'", new.template_id),
            )
        };
        let tid = TemplateId::parse(&new.template_id).ok_or_else(missing)?;
        let template = match self.store.get_template(&who.account_id, &tid).await {
            Ok(t) => self.templates.put(&t),
            Err(StoreError::NotFound) => return Err(missing()),
            Err(e) => return Err(e.into()),
        };
        if template.archived {
            return Err(DomainError::invalid_code(
                "template_id",
                "template_archived",
                format!("Template '{tid}' is archived; passes can no longer be issued from it"),
            ));
        }
        self.check_new_pass(who, &template, &new).await?;

        let (pass, event) = self.new_pass(who, tid, new);
        check_pass_renders(&template.design, &pass)?;
        let completion = idem.as_ref().map(|f| f.complete(&pass));
        match self
            .store
            .insert_pass(&pass, &event, completion.as_ref())
            .await
        {
            Ok(enqueued) => {
                self.enqueued(enqueued);
                Ok(pass)
            }
            Err(StoreError::LimitReached) => Err(Self::limit_reached()),
            Err(e) => Err(e.into()),
        }
    }

    /// Issues a pass under an Idempotency-Key that is new, in one write that takes
    /// the key, stores the pass, its event and the response `render` makes of it
    /// ([`crate::ports::PassStore::insert_pass_claiming`]). The template comes from
    /// the process's cache when it is there, and the write only happens if the
    /// template is still the version validated against.
    ///
    /// Whenever that cannot be (the key exists, the request is invalid, the template
    /// changed, the live pass limit is reached, ...) nothing is written and the
    /// answer is [`ClaimedIssue::Fallback`]: the caller then runs the request the
    /// usual way, which takes or judges the key and answers exactly as without this
    /// shortcut. Errors are the store's (nothing was written either).
    pub async fn issue_pass_claiming(
        &self,
        who: &Principal,
        new: NewPass,
        key: &str,
        fingerprint: String,
        render: &Renderer<Pass>,
    ) -> Result<ClaimedIssue, DomainError> {
        if key.is_empty() || key.len() > MAX_KEY_LEN {
            return Ok(ClaimedIssue::Fallback);
        }
        let Some(tid) = TemplateId::parse(&new.template_id) else {
            return Ok(ClaimedIssue::Fallback);
        };
        let template = match self.templates.get(&who.account_id, &tid) {
            Some(t) => t,
            None => match self.store.get_template(&who.account_id, &tid).await {
                Ok(t) => self.templates.put(&t),
                Err(StoreError::NotFound) => return Ok(ClaimedIssue::Fallback),
                Err(e) => return Err(e.into()),
            },
        };
        if template.archived {
            return Ok(ClaimedIssue::Fallback);
        }
        if self.check_new_pass(who, &template, &new).await.is_err() {
            // The usual way finds the same error and stores it under the key.
            return Ok(ClaimedIssue::Fallback);
        }
        let (pass, event) = self.new_pass(who, tid, new);
        if check_pass_renders(&template.design, &pass).is_err() {
            return Ok(ClaimedIssue::Fallback);
        }
        let response = render(&pass);
        let claim = IdemRequest {
            scope: who.scope(),
            key: key.to_owned(),
            fingerprint,
            lock_token: self.ids.base62(24),
            now: self.clock.now(),
        };
        match self
            .store
            .insert_pass_claiming(&ClaimingInsert {
                claim: &claim,
                response: &response,
                template_updated_at: template.updated_at,
                pass: &pass,
                event: &event,
            })
            .await
        {
            Ok(ClaimedInsert::Inserted { enqueued }) => {
                self.enqueued(enqueued);
                Ok(ClaimedIssue::Issued {
                    pass: Box::new(pass),
                    response,
                })
            }
            Ok(ClaimedInsert::KeyTaken) => Ok(ClaimedIssue::Fallback),
            Ok(ClaimedInsert::TemplateChanged) => {
                self.templates
                    .forget(&who.account_id, &pass.template_id, template.updated_at);
                Ok(ClaimedIssue::Fallback)
            }
            // The usual way answers these (402, or fresh ids after a collision).
            Err(StoreError::LimitReached | StoreError::Duplicate(_)) => Ok(ClaimedIssue::Fallback),
            Err(e) => Err(e.into()),
        }
    }

    /// The pass behind a public short id, in any account and mode, with its
    /// template. `NotFound` (resource `pass`) when there is none.
    pub async fn public_pass(&self, short_id: &str) -> Result<(Pass, Template), DomainError> {
        super::public_lookup("pass", short_id, self.store.find_public_pass(short_id)).await
    }

    pub async fn get_pass(&self, who: &Principal, id: &str) -> Result<Pass, DomainError> {
        let pid = PassId::parse(id).ok_or_else(|| DomainError::not_found("pass", id))?;
        found(self.store.get_pass(&who.scope(), &pid).await, "pass", id)
    }

    pub async fn list_passes(
        &self,
        who: &Principal,
        filter: &PassFilter,
        page: &PageRequest,
    ) -> Result<Page<Pass>, DomainError> {
        check_cursor(page, PassId::PREFIX)?;
        self.store
            .list_passes(&who.scope(), filter, page)
            .await
            .map_err(cursor_missing(page))
    }

    /// Applies a PATCH. A patch that changes nothing writes nothing and records no
    /// event.
    pub async fn update_pass(
        &self,
        who: &Principal,
        id: &str,
        patch: PassPatch,
        idem: Option<IdemFinish<Pass>>,
    ) -> Result<Pass, DomainError> {
        if patch.field_values.is_none() && patch.metadata.is_none() {
            return Err(DomainError::Invalid {
                param: None,
                message: "At least one of field_values or metadata is required".into(),
                code: None,
            });
        }
        let (patch, idem) = (&patch, &idem);
        retry_changed("pass kept changing during update", || async move {
            let current = self.get_pass(who, id).await?;
            if current.voided() {
                return Err(DomainError::invalid_code(
                    "id",
                    "pass_voided",
                    format!("Pass '{id}' is voided and can no longer be updated"),
                ));
            }
            let mut next = current.clone();
            let mut changed_fields = Vec::new();
            let mut changed_metadata = Vec::new();
            let mut template = None;
            if let Some(values) = &patch.field_values {
                let template =
                    template.insert(self.get_template(who, current.template_id.as_str()).await?);
                for (k, v) in values {
                    validate::check_field_value(&template.design, k, v.as_deref())?;
                    let before = next.field_values.get(k).cloned();
                    match v {
                        Some(v) => {
                            next.field_values.insert(k.clone(), v.clone());
                        }
                        None => {
                            next.field_values.remove(k);
                        }
                    }
                    if before != next.field_values.get(k).cloned() {
                        changed_fields.push(Value::String(k.clone()));
                    }
                }
            }
            if let Some(meta) = &patch.metadata {
                for (k, v) in meta {
                    let before = next.metadata.get(k).cloned();
                    if v.is_null() {
                        next.metadata.remove(k);
                    } else {
                        next.metadata.insert(k.clone(), v.clone());
                    }
                    if before != next.metadata.get(k).cloned() {
                        changed_metadata.push(Value::String(k.clone()));
                    }
                }
                validate::check_metadata(&next.metadata)?;
            }
            if changed_fields.is_empty() && changed_metadata.is_empty() {
                if let Some(f) = &idem {
                    self.store
                        .complete_idempotent(&f.complete(&current))
                        .await?;
                }
                return Ok(Some(current));
            }
            if let Some(template) = &template
                && !changed_fields.is_empty()
            {
                check_pass_renders(&template.design, &next)?;
            }
            next.version = current.version + 1;
            next.updated_at = self.clock.now();
            // Metadata is not shown on devices: only new field values are pushed.
            let push = !changed_fields.is_empty();
            let mut meta = Map::new();
            if push {
                meta.insert("field_values".into(), Value::Array(changed_fields));
            }
            if !changed_metadata.is_empty() {
                meta.insert("metadata".into(), Value::Array(changed_metadata));
            }
            let event = self.event(&next, EventType::Updated, meta);
            let completion = idem.as_ref().map(|f| f.complete(&next));
            let write = self
                .store
                .update_pass(
                    &next,
                    current.version,
                    Some(&event),
                    completion.as_ref(),
                    push,
                )
                .await;
            let Some(enqueued) = written(write, "pass", id)? else {
                return Ok(None);
            };
            self.enqueued(enqueued);
            if push {
                self.pushed();
            }
            Ok(Some(next))
        })
        .await
    }

    /// Voids a pass; a voided pass is returned unchanged.
    pub async fn void_pass(&self, who: &Principal, id: &str) -> Result<Pass, DomainError> {
        retry_changed("pass kept changing during void", || async move {
            let current = self.get_pass(who, id).await?;
            if current.voided() {
                return Ok(Some(current));
            }
            let mut next = current.clone();
            let now = self.clock.now();
            next.voided_at = Some(now);
            next.updated_at = now;
            next.version = current.version + 1;
            let event = self.event(&next, EventType::Voided, Map::new());
            let write = self
                .store
                .update_pass(&next, current.version, Some(&event), None, true)
                .await;
            let Some(enqueued) = written(write, "pass", id)? else {
                return Ok(None);
            };
            self.enqueued(enqueued);
            self.pushed();
            Ok(Some(next))
        })
        .await
    }
}
