//! The use cases. Each takes the caller's identity (account, mode), validates, and
//! performs its writes through one port call, so that a change, its event and its
//! idempotency record are committed together or not at all.

use crate::account::{self, Account, ApiKey};
use crate::design::Design;
use crate::design::validate::validate_design;
use crate::error::{DomainError, StoreError};
use crate::event::{EventType, PassEvent};
use crate::idempotency::{
    ClaimedInsert, IdemBegin, IdemFinish, IdemRequest, MAX_KEY_LEN, Renderer, StoredResponse,
};
use crate::ids::{AccountId, ApiKeyId, EventId, ID_BODY_LEN, PassId, TemplateId};
use crate::mode::{Mode, Scope};
use crate::page::{Cursor, Page, PageRequest};
use crate::pass::{Pass, PassFilter};
use crate::ports::{Clock, DeliveryWaker, IdGen, Store};
use crate::signing::{IdentityExpiry, SigningCredentials};
use crate::template::{AppleStyle, MAX_NAME_LEN, Template, TemplateType};
use crate::validate;
use crate::wallet::TemplateCascade;
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::sync::Arc;

mod health;
mod idempotency;
mod template_cache;
mod wallet;
mod webhooks;

pub use template_cache::{IssueTemplate, TEMPLATE_CACHE_CAPACITY, TemplateCache};
pub use webhooks::{NewWebhook, WebhookPatch};

/// Length of a pass's public slug (about 71 bits: unguessable).
pub const SHORT_ID_LEN: usize = 12;
pub const SERIAL_LEN: usize = 24;
pub const AUTH_TOKEN_LEN: usize = 32;
/// Attempts of an optimistic update before giving up.
const UPDATE_ATTEMPTS: usize = 8;

/// Who is calling: resolved from an API key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Principal {
    pub account_id: AccountId,
    pub mode: Mode,
    pub key_id: ApiKeyId,
}

impl Principal {
    pub fn scope(&self) -> Scope {
        Scope::new(self.account_id.clone(), self.mode)
    }
}

pub struct NewTemplate {
    pub name: String,
    pub kind: TemplateType,
    pub apple_style: AppleStyle,
    pub design: Design,
}

#[derive(Default)]
pub struct TemplatePatch {
    pub name: Option<String>,
    pub design: Option<Design>,
    pub archived: Option<bool>,
}

pub struct NewPass {
    pub template_id: String,
    pub holder_email: Option<String>,
    pub holder_name: Option<String>,
    pub field_values: BTreeMap<String, String>,
    pub metadata: Map<String, Value>,
}

/// A PATCH of a pass. `None` values remove the metadata key or reset the field to
/// the design's default.
#[derive(Default)]
pub struct PassPatch {
    pub field_values: Option<BTreeMap<String, Option<String>>>,
    pub metadata: Option<Map<String, Value>>,
}

/// What [`Passmint::issue_pass_claiming`] did.
#[derive(Debug)]
pub enum ClaimedIssue {
    /// Issued under the new key, which is stored completed with `response` (send it
    /// as is).
    Issued {
        pass: Box<Pass>,
        response: StoredResponse,
    },
    /// Nothing was written: the key exists, the request is invalid, the template
    /// changed, the limit is reached... Run the request the usual way
    /// ([`Passmint::begin_idempotent`], then [`Passmint::issue_pass`]), which
    /// answers each of these cases.
    Fallback,
}

/// A freshly minted API key: the only moment its secret exists outside the caller.
pub struct MintedKey {
    pub key: String,
    pub record: ApiKey,
}

/// The Passmint use cases over a store, a clock and an id generator.
#[derive(Clone)]
pub struct Passmint {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    ids: Arc<dyn IdGen>,
    waker: Option<Arc<dyn DeliveryWaker>>,
    push_waker: Option<Arc<dyn DeliveryWaker>>,
    /// Shared by the clones: one cache per process (or per `Passmint::new`).
    templates: Arc<TemplateCache>,
}

fn conflict_to_idem(e: StoreError, had_idem: bool) -> DomainError {
    match e {
        StoreError::Conflict(_) if had_idem => DomainError::Idempotency {
            code: Some("idempotency_key_in_use"),
            message: "This Idempotency-Key was taken over by another request.".into(),
        },
        other => other.into(),
    }
}

impl Passmint {
    pub fn new(store: Arc<dyn Store>, clock: Arc<dyn Clock>, ids: Arc<dyn IdGen>) -> Self {
        Passmint {
            store,
            clock,
            ids,
            waker: None,
            push_waker: None,
            templates: Arc::new(TemplateCache::default()),
        }
    }

    /// The same use cases, telling `waker` whenever a write may have enqueued push
    /// jobs (a change that alters what devices show).
    pub fn with_push_waker(mut self, waker: Arc<dyn DeliveryWaker>) -> Self {
        self.push_waker = Some(waker);
        self
    }

    /// Wakes the push worker after a write that may have enqueued push jobs.
    fn pushed(&self) {
        if let Some(waker) = &self.push_waker {
            waker.wake();
        }
    }

    /// The templates remembered for issuing passes.
    pub fn template_cache(&self) -> &TemplateCache {
        &self.templates
    }

    /// The same use cases, telling `waker` whenever a write enqueued webhook
    /// deliveries.
    pub fn with_waker(mut self, waker: Arc<dyn DeliveryWaker>) -> Self {
        self.waker = Some(waker);
        self
    }

    /// Wakes the delivery worker when `enqueued` deliveries are waiting.
    fn enqueued(&self, enqueued: u64) {
        if enqueued > 0
            && let Some(waker) = &self.waker
        {
            waker.wake();
        }
    }

    pub fn now(&self) -> time::OffsetDateTime {
        self.clock.now()
    }

    fn body(&self) -> String {
        self.ids.base62(ID_BODY_LEN)
    }

    // ----- accounts and keys -------------------------------------------------

    /// Creates an account with one test and one live key.
    pub async fn create_account(
        &self,
        name: &str,
        live_pass_limit: Option<i64>,
    ) -> Result<(Account, MintedKey, MintedKey), DomainError> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > MAX_NAME_LEN {
            return Err(DomainError::invalid(
                "name",
                format!("name must be 1 to {MAX_NAME_LEN} characters long"),
            ));
        }
        if let Some(l) = live_pass_limit
            && l < 0
        {
            return Err(DomainError::invalid(
                "live_pass_limit",
                "live_pass_limit must not be negative",
            ));
        }
        let account = Account {
            id: AccountId::from_body(&self.body()),
            name: name.to_owned(),
            live_pass_limit,
            created_at: self.clock.now(),
        };
        self.store.insert_account(&account).await?;
        let test = self.create_key(&account.id, Mode::Test).await?;
        let live = self.create_key(&account.id, Mode::Live).await?;
        Ok((account, test, live))
    }

    pub async fn create_key(
        &self,
        account: &AccountId,
        mode: Mode,
    ) -> Result<MintedKey, DomainError> {
        let key = account::compose_key(mode, &self.ids.base62(account::KEY_SECRET_LEN));
        let record = ApiKey {
            id: ApiKeyId::from_body(&self.body()),
            account_id: account.clone(),
            mode,
            key_hash: account::hash_key(&key),
            display_prefix: account::display_prefix(&key),
            created_at: self.clock.now(),
            revoked_at: None,
        };
        match self.store.insert_api_key(&record).await {
            Ok(()) => Ok(MintedKey { key, record }),
            Err(StoreError::NotFound) => Err(DomainError::not_found("account", account.as_str())),
            Err(e) => Err(e.into()),
        }
    }

    /// Revokes a key given in full; answers the revoked record.
    pub async fn revoke_key(&self, key: &str) -> Result<ApiKey, DomainError> {
        match self
            .store
            .revoke_api_key(&account::hash_key(key), self.clock.now())
            .await
        {
            Ok(k) => Ok(k),
            Err(StoreError::NotFound) => Err(DomainError::not_found(
                "api_key",
                account::display_prefix(key),
            )),
            Err(e) => Err(e.into()),
        }
    }

    /// Resolves an API key. Malformed, unknown and revoked keys all fail alike.
    pub async fn authenticate(&self, key: &str) -> Result<Principal, DomainError> {
        let invalid = || DomainError::Unauthenticated("Invalid API key provided.".into());
        let mode = account::key_mode(key).ok_or_else(invalid)?;
        let record = match self.store.find_api_key(&account::hash_key(key)).await {
            Ok(r) => r,
            Err(StoreError::NotFound) => return Err(invalid()),
            Err(e) => return Err(e.into()),
        };
        if record.revoked_at.is_some() || record.mode != mode {
            return Err(invalid());
        }
        Ok(Principal {
            account_id: record.account_id,
            mode,
            key_id: record.id,
        })
    }

    // ----- idempotency -------------------------------------------------------

    /// Takes an idempotency key for a request with this fingerprint.
    pub async fn begin_idempotent(
        &self,
        scope: Scope,
        key: &str,
        fingerprint: String,
    ) -> Result<IdemBegin, DomainError> {
        if key.is_empty() || key.len() > MAX_KEY_LEN {
            return Err(DomainError::invalid(
                "Idempotency-Key",
                format!("Idempotency-Key must be 1 to {MAX_KEY_LEN} characters long"),
            ));
        }
        let req = IdemRequest {
            scope,
            key: key.to_owned(),
            fingerprint,
            lock_token: self.ids.base62(24),
            now: self.clock.now(),
        };
        Ok(self.store.begin_idempotent(&req).await?)
    }

    // ----- templates ---------------------------------------------------------

    fn check_template_name(name: &str) -> Result<(), DomainError> {
        if name.trim().is_empty() || name.chars().count() > MAX_NAME_LEN {
            return Err(DomainError::invalid(
                "name",
                format!("name must be 1 to {MAX_NAME_LEN} characters long"),
            ));
        }
        Ok(())
    }

    pub async fn create_template(
        &self,
        who: &Principal,
        new: NewTemplate,
        idem: Option<IdemFinish<Template>>,
    ) -> Result<Template, DomainError> {
        Self::check_template_name(&new.name)?;
        validate_design(new.apple_style, &new.design).map_err(|e| e.under("design"))?;
        let now = self.clock.now();
        let template = Template {
            id: TemplateId::from_body(&self.body()),
            account_id: who.account_id.clone(),
            name: new.name,
            kind: new.kind,
            apple_style: new.apple_style,
            design: new.design,
            archived: false,
            created_at: now,
            updated_at: now,
        };
        let completion = idem.as_ref().map(|f| f.complete(&template));
        self.store
            .insert_template(&template, completion.as_ref())
            .await
            .map_err(|e| conflict_to_idem(e, completion.is_some()))?;
        self.templates.put(&template);
        Ok(template)
    }

    /// The template a pass was issued from, read from the store as it is now.
    pub async fn pass_template(&self, pass: &Pass) -> Result<Template, StoreError> {
        self.store
            .get_template(&pass.account_id, &pass.template_id)
            .await
    }

    pub async fn get_template(&self, who: &Principal, id: &str) -> Result<Template, DomainError> {
        let tid = TemplateId::parse(id).ok_or_else(|| DomainError::not_found("template", id))?;
        match self.store.get_template(&who.account_id, &tid).await {
            Ok(t) => Ok(t),
            Err(StoreError::NotFound) => Err(DomainError::not_found("template", id)),
            Err(e) => Err(e.into()),
        }
    }

    pub async fn list_templates(
        &self,
        who: &Principal,
        page: &PageRequest,
    ) -> Result<Page<Template>, DomainError> {
        check_cursor(page, TemplateId::PREFIX)?;
        self.store
            .list_templates(&who.account_id, page)
            .await
            .map_err(cursor_missing(page))
    }

    pub async fn update_template(
        &self,
        who: &Principal,
        id: &str,
        patch: TemplatePatch,
        idem: Option<IdemFinish<Template>>,
    ) -> Result<Template, DomainError> {
        if let Some(name) = &patch.name {
            Self::check_template_name(name)?;
        }
        for _ in 0..UPDATE_ATTEMPTS {
            let current = self.get_template(who, id).await?;
            if let Some(design) = &patch.design {
                validate_design(current.apple_style, design).map_err(|e| e.under("design"))?;
            }
            let mut next = current.clone();
            if let Some(name) = &patch.name {
                next.name = name.clone();
            }
            if let Some(design) = &patch.design {
                next.design = design.clone();
            }
            if let Some(archived) = patch.archived {
                next.archived = archived;
            }
            if next == current {
                if let Some(f) = &idem {
                    self.store
                        .complete_idempotent(&f.complete(&current))
                        .await
                        .map_err(|e| conflict_to_idem(e, true))?;
                }
                return Ok(current);
            }
            next.updated_at = self
                .clock
                .now()
                .max(current.updated_at + time::Duration::microseconds(1));
            let completion = idem.as_ref().map(|f| f.complete(&next));
            // A new design alters every pass of the template: new versions, events,
            // wallet tags and pushes, in the template's own transaction.
            let cascade = (next.design != current.design).then(|| {
                let mut metadata = Map::new();
                metadata.insert(
                    "template".into(),
                    Value::Array(vec![Value::String("design".into())]),
                );
                TemplateCascade {
                    at: next.updated_at,
                    metadata,
                }
            });
            match self
                .store
                .update_template(
                    &next,
                    current.updated_at,
                    completion.as_ref(),
                    cascade.as_ref(),
                )
                .await
            {
                Ok(enqueued) => {
                    self.enqueued(enqueued);
                    if cascade.is_some() {
                        self.pushed();
                    }
                    self.templates.put(&next);
                    return Ok(next);
                }
                Err(StoreError::Conflict(_)) if idem.is_some() => {
                    // Either the template moved (retry) or the ticket lost its key.
                    let latest = self.get_template(who, id).await?;
                    if latest.updated_at == current.updated_at {
                        return Err(conflict_to_idem(StoreError::Conflict(String::new()), true));
                    }
                }
                Err(StoreError::Conflict(_)) => continue,
                Err(StoreError::NotFound) => return Err(DomainError::not_found("template", id)),
                Err(e) => return Err(e.into()),
            }
        }
        Err(DomainError::Internal(
            "template kept changing during update".into(),
        ))
    }

    /// Archives the template (idempotent).
    pub async fn archive_template(
        &self,
        who: &Principal,
        id: &str,
    ) -> Result<Template, DomainError> {
        self.update_template(
            who,
            id,
            TemplatePatch {
                archived: Some(true),
                ..Default::default()
            },
            None,
        )
        .await
    }

    // ----- passes ------------------------------------------------------------

    fn event(&self, pass: &Pass, kind: EventType, metadata: Map<String, Value>) -> PassEvent {
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
    async fn check_new_pass(
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
        validate::check_field_values_in(&template.fields, &new.field_values)?;
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
    fn new_pass(
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

    fn limit_reached() -> DomainError {
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
            Err(e) => Err(conflict_to_idem(e, completion.is_some())),
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
            .insert_pass_claiming(&claim, &response, template.updated_at, &pass, &event)
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
            Err(StoreError::LimitReached | StoreError::Conflict(_)) => Ok(ClaimedIssue::Fallback),
            Err(e) => Err(e.into()),
        }
    }

    // ----- public pages ------------------------------------------------------

    /// The pass behind a public short id, in any account and mode, with its
    /// template. `NotFound` (resource `pass`) when there is none.
    pub async fn public_pass(&self, short_id: &str) -> Result<(Pass, Template), DomainError> {
        let missing = || DomainError::not_found("pass", short_id);
        if short_id.is_empty() || short_id.len() > 64 || !crate::ids::is_base62(short_id) {
            return Err(missing());
        }
        let pass = match self.store.find_pass_by_short_id(short_id).await {
            Ok(p) => p,
            Err(StoreError::NotFound) => return Err(missing()),
            Err(e) => return Err(e.into()),
        };
        let template = self
            .store
            .get_template(&pass.account_id, &pass.template_id)
            .await?;
        Ok((pass, template))
    }

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

    // ----- signing identities ------------------------------------------------

    pub async fn get_account(&self, id: &AccountId) -> Result<Account, DomainError> {
        match self.store.get_account(id).await {
            Ok(a) => Ok(a),
            Err(StoreError::NotFound) => Err(DomainError::not_found("account", id.as_str())),
            Err(e) => Err(e.into()),
        }
    }

    /// Stores the account's signing identity (already checked by the caller, who
    /// loaded it with the pass builder), replacing any earlier one.
    pub async fn set_signing_identity(
        &self,
        account: &AccountId,
        mut identity: SigningCredentials,
    ) -> Result<SigningCredentials, DomainError> {
        identity.updated_at = self.clock.now();
        match self.store.set_signing_identity(account, &identity).await {
            Ok(()) => Ok(identity),
            Err(StoreError::NotFound) => Err(DomainError::not_found("account", account.as_str())),
            Err(e) => Err(e.into()),
        }
    }

    /// The account's signing identity, `None` when it has none.
    pub async fn signing_identity(
        &self,
        account: &AccountId,
    ) -> Result<Option<SigningCredentials>, DomainError> {
        match self.store.get_signing_identity(account).await {
            Ok(i) => Ok(Some(i)),
            Err(StoreError::NotFound) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// Every account identity whose certificate expires before `before`, soonest
    /// first (expired ones included).
    pub async fn identities_expiring_before(
        &self,
        before: time::OffsetDateTime,
    ) -> Result<Vec<IdentityExpiry>, StoreError> {
        self.store.identities_expiring_before(before).await
    }

    /// The stored development identity; `StoreError::NotFound` when none is stored yet.
    pub async fn stored_dev_identity(&self) -> Result<SigningCredentials, StoreError> {
        self.store.get_dev_identity().await
    }

    /// The deployment's development identity, made with `generate` (and stored)
    /// the first time; later calls, in this process or any other sharing the
    /// database, get the stored one.
    pub async fn dev_identity(
        &self,
        generate: impl FnOnce() -> Result<SigningCredentials, String>,
    ) -> Result<SigningCredentials, DomainError> {
        match self.store.get_dev_identity().await {
            Ok(i) => return Ok(i),
            Err(StoreError::NotFound) => {}
            Err(e) => return Err(e.into()),
        }
        let mut candidate = generate().map_err(DomainError::Internal)?;
        candidate.updated_at = self.clock.now();
        Ok(self.store.insert_dev_identity(&candidate).await?)
    }

    pub async fn get_pass(&self, who: &Principal, id: &str) -> Result<Pass, DomainError> {
        let pid = PassId::parse(id).ok_or_else(|| DomainError::not_found("pass", id))?;
        match self.store.get_pass(&who.scope(), &pid).await {
            Ok(p) => Ok(p),
            Err(StoreError::NotFound) => Err(DomainError::not_found("pass", id)),
            Err(e) => Err(e.into()),
        }
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
        for _ in 0..UPDATE_ATTEMPTS {
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
            if let Some(values) = &patch.field_values {
                let template = self.get_template(who, current.template_id.as_str()).await?;
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
                        .await
                        .map_err(|e| conflict_to_idem(e, true))?;
                }
                return Ok(current);
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
            match self
                .store
                .update_pass(
                    &next,
                    current.version,
                    Some(&event),
                    completion.as_ref(),
                    push,
                )
                .await
            {
                Ok(enqueued) => {
                    self.enqueued(enqueued);
                    if push {
                        self.pushed();
                    }
                    return Ok(next);
                }
                Err(StoreError::Conflict(_)) if idem.is_some() => {
                    // Either the version moved (retry) or the ticket lost its key.
                    let latest = self.get_pass(who, id).await?;
                    if latest.version == current.version {
                        return Err(conflict_to_idem(StoreError::Conflict(String::new()), true));
                    }
                }
                Err(StoreError::Conflict(_)) => continue,
                Err(StoreError::NotFound) => return Err(DomainError::not_found("pass", id)),
                Err(e) => return Err(e.into()),
            }
        }
        Err(DomainError::Internal(
            "pass kept changing during update".into(),
        ))
    }

    /// Voids a pass; a voided pass is returned unchanged.
    pub async fn void_pass(&self, who: &Principal, id: &str) -> Result<Pass, DomainError> {
        for _ in 0..UPDATE_ATTEMPTS {
            let current = self.get_pass(who, id).await?;
            if current.voided() {
                return Ok(current);
            }
            let mut next = current.clone();
            let now = self.clock.now();
            next.voided_at = Some(now);
            next.updated_at = now;
            next.version = current.version + 1;
            let event = self.event(&next, EventType::Voided, Map::new());
            match self
                .store
                .update_pass(&next, current.version, Some(&event), None, true)
                .await
            {
                Ok(enqueued) => {
                    self.enqueued(enqueued);
                    self.pushed();
                    return Ok(next);
                }
                Err(StoreError::Conflict(_)) => continue,
                Err(StoreError::NotFound) => return Err(DomainError::not_found("pass", id)),
                Err(e) => return Err(e.into()),
            }
        }
        Err(DomainError::Internal(
            "pass kept changing during void".into(),
        ))
    }

    // ----- events ------------------------------------------------------------

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

fn cursor_param(page: &PageRequest) -> Option<(&'static str, &str)> {
    match &page.cursor {
        Cursor::First => None,
        Cursor::After(id) => Some(("starting_after", id)),
        Cursor::Before(id) => Some(("ending_before", id)),
    }
}

/// A cursor must name an object of the listed type.
fn check_cursor(page: &PageRequest, prefix: &str) -> Result<(), DomainError> {
    match cursor_param(page) {
        Some((param, id)) if !id.starts_with(prefix) || id.len() != prefix.len() + ID_BODY_LEN => {
            Err(DomainError::invalid_code(
                param,
                "resource_missing",
                format!("No such object: '{id}'"),
            ))
        }
        _ => Ok(()),
    }
}

fn cursor_missing(page: &PageRequest) -> impl Fn(StoreError) -> DomainError + '_ {
    move |e| match (e, cursor_param(page)) {
        (StoreError::NotFound, Some((param, id))) => {
            DomainError::invalid_code(param, "resource_missing", format!("No such object: '{id}'"))
        }
        (e, _) => e.into(),
    }
}
