//! [`MemoryStore`]: every storage port in memory.
//!
//! One mutex guards the whole state and no call awaits while holding it, so every
//! call (including the multi-write ones: pass + event + idempotency record) is atomic
//! and checks everything before writing anything. "Newest first" is reverse insertion
//! order, tracked by a sequence number shared by all tables; a cursor seeks from its
//! object's sequence number, as an adapter seeks from an indexed sort key.
//!
//! Webhook deliveries are enqueued by the event writes under the same lock (the
//! outbox), each with a clone of its event and of the pass after it (the snapshot).
//! A claim leases deliveries by moving their internal `due_at` to the lease's end,
//! so an expired lease makes them due again without further bookkeeping.

use async_trait::async_trait;
use passmint_domain::account::{Account, ApiKey};
use passmint_domain::error::StoreError;
use passmint_domain::event::PassEvent;
use passmint_domain::idempotency::{
    ClaimedInsert, IdemBegin, IdemCompletion, IdemRequest, IdemTicket, LOCK_TTL, RETENTION,
    StoredResponse,
};
use passmint_domain::ids::{AccountId, PassId, TemplateId, WebhookDeliveryId, WebhookId};
use passmint_domain::mode::Mode;
use passmint_domain::mode::Scope;
use passmint_domain::page::{Cursor, Page, PageRequest};
use passmint_domain::pass::{Pass, PassFilter};
use passmint_domain::ports::{
    AccountStore, IdempotencyStore, PassStore, SigningStore, Store, StoreResult, TemplateStore,
    WalletStore, WebhookStore,
};
use passmint_domain::signing::{IdentityExpiry, SigningCredentials};
use passmint_domain::template::Template;
use passmint_domain::wallet::{
    PushJob, RegisterOutcome, Registration, TemplateCascade, UpdatedSerials,
};
use passmint_domain::webhook::{
    AttemptRecord, ClaimRequest, ClaimedDelivery, DeliveryStatus, Webhook, WebhookDelivery,
};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, MutexGuard};
use time::OffsetDateTime;

/// The in-memory [`Store`]. Cheap to create: make one per test.
#[derive(Debug, Default)]
pub struct MemoryStore {
    state: Mutex<State>,
}

/// A table whose rows are ordered by insertion and indexed by id.
#[derive(Debug)]
struct Table<T> {
    rows: BTreeMap<u64, T>,
    by_id: HashMap<String, u64>,
}

impl<T> Default for Table<T> {
    fn default() -> Self {
        Table {
            rows: BTreeMap::new(),
            by_id: HashMap::new(),
        }
    }
}

impl<T: Clone> Table<T> {
    fn get(&self, id: &str) -> Option<&T> {
        self.by_id.get(id).and_then(|seq| self.rows.get(seq))
    }

    fn get_mut(&mut self, id: &str) -> Option<&mut T> {
        self.by_id.get(id).and_then(|seq| self.rows.get_mut(seq))
    }

    fn contains(&self, id: &str) -> bool {
        self.by_id.contains_key(id)
    }

    fn insert(&mut self, seq: u64, id: &str, row: T) {
        self.by_id.insert(id.to_owned(), seq);
        self.rows.insert(seq, row);
    }

    fn remove(&mut self, id: &str) -> Option<T> {
        let seq = self.by_id.remove(id)?;
        self.rows.remove(&seq)
    }

    /// The page `req` asks for among the rows matching `keep`. The cursor must name
    /// a row for which `cursor_ok` holds, else `NotFound`. Fetches at most
    /// `limit + 1` rows in the direction of travel, as [`Page::from_probe`] expects.
    fn page(
        &self,
        req: &PageRequest,
        cursor_ok: impl Fn(&T) -> bool,
        keep: impl Fn(&T) -> bool,
    ) -> StoreResult<Page<T>> {
        let probe = req.limit as usize + 1;
        let cursor_seq = |id: &str| -> StoreResult<u64> {
            let seq = *self.by_id.get(id).ok_or(StoreError::NotFound)?;
            match self.rows.get(&seq) {
                Some(row) if cursor_ok(row) => Ok(seq),
                _ => Err(StoreError::NotFound),
            }
        };
        let rows: Vec<T> = match &req.cursor {
            Cursor::First => self
                .rows
                .values()
                .rev()
                .filter(|r| keep(r))
                .take(probe)
                .cloned()
                .collect(),
            Cursor::After(id) => self
                .rows
                .range(..cursor_seq(id)?)
                .rev()
                .map(|(_, r)| r)
                .filter(|r| keep(r))
                .take(probe)
                .cloned()
                .collect(),
            Cursor::Before(id) => self
                .rows
                .range(cursor_seq(id)? + 1..)
                .map(|(_, r)| r)
                .filter(|r| keep(r))
                .take(probe)
                .cloned()
                .collect(),
        };
        Ok(Page::from_probe(rows, req))
    }
}

#[derive(Debug)]
struct IdemRecord {
    fingerprint: String,
    created_at: OffsetDateTime,
    /// The holder of an in-flight request; `None` once completed.
    lock: Option<Lock>,
    response: Option<StoredResponse>,
}

#[derive(Debug)]
struct Lock {
    token: String,
    since: OffsetDateTime,
}

#[derive(Debug, Default)]
struct State {
    seq: u64,
    accounts: HashMap<AccountId, Account>,
    /// By key hash.
    api_keys: HashMap<String, ApiKey>,
    templates: Table<Template>,
    passes: Table<Pass>,
    /// Short id and serial number -> pass id, for the unique constraints.
    short_ids: HashMap<String, PassId>,
    serials: HashMap<String, PassId>,
    events: Table<PassEvent>,
    idem: HashMap<(Scope, String), IdemRecord>,
    /// Live passes issued, by account (what `live_pass_limit` is checked against).
    live_pass_counts: HashMap<AccountId, i64>,
    identities: HashMap<AccountId, SigningCredentials>,
    dev_identity: Option<SigningCredentials>,
    webhooks: Table<Webhook>,
    deliveries: Table<Delivery>,
    /// Wallet tag by pass (absent = 0) and the greatest tag given.
    wallet_tags: HashMap<PassId, i64>,
    wallet_clock: i64,
    /// Registrations by (device, pass), in registration order.
    registrations: BTreeMap<u64, Registration>,
    pushes: BTreeMap<i64, Push>,
    push_seq: i64,
}

/// A push job with its lease.
#[derive(Clone, Debug)]
struct Push {
    job: PushJob,
    /// When it may be claimed: `next_attempt_at`, or the end of its lease.
    due_at: OffsetDateTime,
    lease: Option<String>,
}

/// A delivery with what the outbox keeps for its worker.
#[derive(Clone, Debug)]
struct Delivery {
    delivery: WebhookDelivery,
    /// When a worker may claim it: `next_attempt_at`, or the end of its lease.
    due_at: Option<OffsetDateTime>,
    /// The token of the claim holding it.
    lease: Option<String>,
    event: PassEvent,
    /// The pass right after the event.
    pass: Pass,
}

fn conflict(what: impl Into<String>) -> StoreError {
    StoreError::Conflict(what.into())
}

fn expired(created_at: OffsetDateTime, now: OffsetDateTime) -> bool {
    now - created_at > RETENTION
}

impl State {
    fn next_seq(&mut self) -> u64 {
        self.seq += 1;
        self.seq
    }

    /// `Ok` when the ticket still holds its key: an in-flight record with its token.
    fn check_ticket(&self, ticket: &IdemTicket) -> StoreResult<()> {
        match self.idem.get(&(ticket.scope.clone(), ticket.key.clone())) {
            Some(IdemRecord {
                lock: Some(lock), ..
            }) if lock.token == ticket.lock_token => Ok(()),
            _ => Err(conflict("the idempotency ticket no longer holds its key")),
        }
    }

    fn check_completion(&self, idem: Option<&IdemCompletion>) -> StoreResult<()> {
        idem.map_or(Ok(()), |c| self.check_ticket(&c.ticket))
    }

    /// Stores the response; the ticket must have been checked.
    fn complete(&mut self, idem: Option<&IdemCompletion>) {
        if let Some(c) = idem
            && let Some(record) = self
                .idem
                .get_mut(&(c.ticket.scope.clone(), c.ticket.key.clone()))
        {
            record.lock = None;
            record.response = Some(c.response.clone());
        }
    }

    /// Unique short id and serial number, ignoring the pass `own` itself.
    fn check_pass_uniques(&self, pass: &Pass, own: Option<&PassId>) -> StoreResult<()> {
        let taken = |index: &HashMap<String, PassId>, value: &str| {
            index.get(value).is_some_and(|holder| Some(holder) != own)
        };
        if taken(&self.short_ids, &pass.short_id) {
            return Err(conflict("short_id exists"));
        }
        if taken(&self.serials, &pass.serial_number) {
            return Err(conflict("serial_number exists"));
        }
        Ok(())
    }

    /// Inserts a new pass (counted against the live pass limit) and its event, or
    /// nothing; returns how many deliveries were enqueued.
    fn insert_pass(&mut self, pass: &Pass, event: &PassEvent) -> StoreResult<u64> {
        if self.passes.contains(pass.id.as_str()) {
            return Err(conflict("pass id exists"));
        }
        self.check_pass_uniques(pass, None)?;
        if self.events.contains(event.id.as_str()) {
            return Err(conflict("event id exists"));
        }
        if pass.mode == Mode::Live {
            let limit = self
                .accounts
                .get(&pass.account_id)
                .ok_or(StoreError::NotFound)?
                .live_pass_limit;
            let count = self
                .live_pass_counts
                .entry(pass.account_id.clone())
                .or_insert(0);
            if limit.is_some_and(|l| *count >= l) {
                return Err(StoreError::LimitReached);
            }
            *count += 1;
        }
        let seq = self.next_seq();
        self.passes.insert(seq, pass.id.as_str(), pass.clone());
        self.short_ids
            .insert(pass.short_id.clone(), pass.id.clone());
        self.serials
            .insert(pass.serial_number.clone(), pass.id.clone());
        Ok(self.insert_event(event, pass))
    }

    /// Inserts the event and enqueues its deliveries; returns how many.
    fn insert_event(&mut self, event: &PassEvent, pass: &Pass) -> u64 {
        let seq = self.next_seq();
        self.events.insert(seq, event.id.as_str(), event.clone());
        let targets: Vec<WebhookId> = self
            .webhooks
            .rows
            .values()
            .filter(|w| {
                w.account_id == event.account_id
                    && w.mode == event.mode
                    && w.enabled
                    && w.subscribes_to(event.kind)
            })
            .map(|w| w.id.clone())
            .collect();
        for webhook_id in &targets {
            let id = WebhookDeliveryId::derive(&event.id, webhook_id);
            let seq = self.next_seq();
            let delivery = WebhookDelivery {
                id: id.clone(),
                webhook_id: webhook_id.clone(),
                account_id: event.account_id.clone(),
                mode: event.mode,
                event_id: event.id.clone(),
                event_type: event.kind,
                status: DeliveryStatus::Pending,
                attempts: 0,
                last_attempt_at: None,
                next_attempt_at: Some(event.created_at),
                response_status: None,
                response_body: None,
                created_at: event.created_at,
            };
            self.deliveries.insert(
                seq,
                id.as_str(),
                Delivery {
                    delivery,
                    due_at: Some(event.created_at),
                    lease: None,
                    event: event.clone(),
                    pass: pass.clone(),
                },
            );
        }
        targets.len() as u64
    }

    /// A change devices must hear about: a new wallet tag for the pass and a push
    /// job per registration.
    fn touch_for_devices(&mut self, pass: &PassId, now: OffsetDateTime) {
        self.wallet_clock += 1;
        let tag = self.wallet_clock;
        self.wallet_tags.insert(pass.clone(), tag);
        let regs: Vec<Registration> = self
            .registrations
            .values()
            .filter(|r| &r.pass_id == pass)
            .cloned()
            .collect();
        for r in regs {
            self.push_seq += 1;
            let id = self.push_seq;
            self.pushes.insert(
                id,
                Push {
                    job: PushJob {
                        id,
                        account_id: r.account_id,
                        mode: r.mode,
                        pass_id: r.pass_id,
                        device_library_id: r.device_library_id,
                        push_token: r.push_token,
                        pass_type_id: r.pass_type_id,
                        attempts: 0,
                        created_at: now,
                    },
                    due_at: now,
                    lease: None,
                },
            );
        }
    }

    fn registration_seq(&self, dli: &str, pass: &PassId) -> Option<u64> {
        self.registrations
            .iter()
            .find(|(_, r)| r.device_library_id == dli && &r.pass_id == pass)
            .map(|(k, _)| *k)
    }

    /// The webhook `id` of the scope.
    fn webhook_in(&self, scope: &Scope, id: &WebhookId) -> StoreResult<&Webhook> {
        match self.webhooks.get(id.as_str()) {
            Some(w) if &w.scope() == scope => Ok(w),
            _ => Err(StoreError::NotFound),
        }
    }
}

impl MemoryStore {
    pub fn new() -> Self {
        Self::default()
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Every event of every scope, oldest first.
    pub fn all_events(&self) -> Vec<PassEvent> {
        self.state().events.rows.values().cloned().collect()
    }

    /// Every pass of every scope, oldest first.
    pub fn all_passes(&self) -> Vec<Pass> {
        self.state().passes.rows.values().cloned().collect()
    }

    /// How many idempotency records exist (in flight, completed or expired).
    pub fn idempotency_record_count(&self) -> usize {
        self.state().idem.len()
    }
}

#[async_trait]
impl AccountStore for MemoryStore {
    async fn insert_account(&self, account: &Account) -> StoreResult<()> {
        let mut s = self.state();
        if s.accounts.contains_key(&account.id) {
            return Err(conflict("account id exists"));
        }
        s.accounts.insert(account.id.clone(), account.clone());
        Ok(())
    }

    async fn get_account(&self, id: &AccountId) -> StoreResult<Account> {
        self.state()
            .accounts
            .get(id)
            .cloned()
            .ok_or(StoreError::NotFound)
    }

    async fn insert_api_key(&self, key: &ApiKey) -> StoreResult<()> {
        let mut s = self.state();
        if !s.accounts.contains_key(&key.account_id) {
            return Err(StoreError::NotFound);
        }
        if s.api_keys.contains_key(&key.key_hash) {
            return Err(conflict("api key hash exists"));
        }
        if s.api_keys.values().any(|k| k.id == key.id) {
            return Err(conflict("api key id exists"));
        }
        s.api_keys.insert(key.key_hash.clone(), key.clone());
        Ok(())
    }

    async fn find_api_key(&self, key_hash: &str) -> StoreResult<ApiKey> {
        self.state()
            .api_keys
            .get(key_hash)
            .cloned()
            .ok_or(StoreError::NotFound)
    }

    async fn revoke_api_key(&self, key_hash: &str, at: OffsetDateTime) -> StoreResult<ApiKey> {
        let mut s = self.state();
        let key = s.api_keys.get_mut(key_hash).ok_or(StoreError::NotFound)?;
        key.revoked_at.get_or_insert(at);
        Ok(key.clone())
    }
}

#[async_trait]
impl TemplateStore for MemoryStore {
    async fn insert_template(
        &self,
        template: &Template,
        idem: Option<&IdemCompletion>,
    ) -> StoreResult<()> {
        let mut s = self.state();
        if s.templates.contains(template.id.as_str()) {
            return Err(conflict("template id exists"));
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

    async fn update_template(
        &self,
        template: &Template,
        expected_updated_at: OffsetDateTime,
        idem: Option<&IdemCompletion>,
        cascade: Option<&TemplateCascade>,
    ) -> StoreResult<u64> {
        let mut s = self.state();
        match s.templates.get(template.id.as_str()) {
            Some(t) if t.account_id == template.account_id => {
                if t.updated_at != expected_updated_at {
                    return Err(conflict("template changed meanwhile"));
                }
            }
            _ => return Err(StoreError::NotFound),
        }
        s.check_completion(idem)?;
        // The template's passes that a cascade alters, checked before any write.
        let cascaded: Vec<PassId> = match cascade {
            Some(c) => {
                let ids: Vec<PassId> = s
                    .passes
                    .rows
                    .values()
                    .filter(|p| p.template_id == template.id && !p.voided())
                    .map(|p| p.id.clone())
                    .collect();
                if ids
                    .iter()
                    .any(|p| s.events.contains(c.event_id(&template.id, p).as_str()))
                {
                    return Err(conflict("event id exists"));
                }
                ids
            }
            None => Vec::new(),
        };
        if let Some(t) = s.templates.get_mut(template.id.as_str()) {
            *t = template.clone();
        }
        let mut enqueued = 0;
        if let Some(c) = cascade {
            for id in cascaded {
                let Some(p) = s.passes.get_mut(id.as_str()) else {
                    continue;
                };
                p.version += 1;
                p.updated_at = c.at;
                let pass = p.clone();
                let event = PassEvent {
                    id: c.event_id(&template.id, &id),
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
        s.complete(idem);
        Ok(enqueued)
    }
}

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

    async fn insert_pass_claiming(
        &self,
        claim: &IdemRequest,
        response: &StoredResponse,
        template_updated_at: OffsetDateTime,
        pass: &Pass,
        event: &PassEvent,
    ) -> StoreResult<ClaimedInsert> {
        let mut s = self.state();
        match s.templates.get(pass.template_id.as_str()) {
            Some(t)
                if t.account_id == pass.account_id
                    && !t.archived
                    && t.updated_at == template_updated_at => {}
            _ => return Ok(ClaimedInsert::TemplateChanged),
        }
        let slot = (claim.scope.clone(), claim.key.clone());
        if s.idem.contains_key(&slot) {
            return Ok(ClaimedInsert::KeyTaken);
        }
        let enqueued = s.insert_pass(pass, event)?;
        s.idem.insert(
            slot,
            IdemRecord {
                fingerprint: claim.fingerprint.clone(),
                created_at: claim.now,
                lock: None,
                response: Some(response.clone()),
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

    async fn find_pass_by_short_id(&self, short_id: &str) -> StoreResult<Pass> {
        let s = self.state();
        s.short_ids
            .get(short_id)
            .and_then(|id| s.passes.get(id.as_str()))
            .cloned()
            .ok_or(StoreError::NotFound)
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
            return Err(conflict("pass version moved"));
        }
        s.check_pass_uniques(pass, Some(&pass.id))?;
        if let Some(e) = event
            && s.events.contains(e.id.as_str())
        {
            return Err(conflict("event id exists"));
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
            return Err(conflict("event id exists"));
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
                return Err(conflict("event id exists"));
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

    async fn purge_idempotent(&self, now: OffsetDateTime) -> StoreResult<u64> {
        let mut s = self.state();
        let before = s.idem.len();
        s.idem.retain(|_, r| !expired(r.created_at, now));
        Ok((before - s.idem.len()) as u64)
    }
}

#[async_trait]
impl SigningStore for MemoryStore {
    async fn set_signing_identity(
        &self,
        account: &AccountId,
        identity: &SigningCredentials,
    ) -> StoreResult<()> {
        let mut s = self.state();
        if !s.accounts.contains_key(account) {
            return Err(StoreError::NotFound);
        }
        s.identities.insert(account.clone(), identity.clone());
        Ok(())
    }

    async fn get_signing_identity(&self, account: &AccountId) -> StoreResult<SigningCredentials> {
        self.state()
            .identities
            .get(account)
            .cloned()
            .ok_or(StoreError::NotFound)
    }

    async fn identities_expiring_before(
        &self,
        before: OffsetDateTime,
    ) -> StoreResult<Vec<IdentityExpiry>> {
        let mut out: Vec<IdentityExpiry> = self
            .state()
            .identities
            .iter()
            .filter(|(_, i)| i.not_after < before)
            .map(|(account, i)| IdentityExpiry {
                account_id: account.clone(),
                pass_type_identifier: i.pass_type_identifier.clone(),
                team_identifier: i.team_identifier.clone(),
                not_after: i.not_after,
            })
            .collect();
        out.sort_by(|a, b| (a.not_after, &a.account_id).cmp(&(b.not_after, &b.account_id)));
        Ok(out)
    }

    async fn get_dev_identity(&self) -> StoreResult<SigningCredentials> {
        self.state()
            .dev_identity
            .clone()
            .ok_or(StoreError::NotFound)
    }

    async fn insert_dev_identity(
        &self,
        candidate: &SigningCredentials,
    ) -> StoreResult<SigningCredentials> {
        Ok(self
            .state()
            .dev_identity
            .get_or_insert_with(|| candidate.clone())
            .clone())
    }
}

#[async_trait]
impl WebhookStore for MemoryStore {
    async fn insert_webhook(
        &self,
        webhook: &Webhook,
        idem: Option<&IdemCompletion>,
    ) -> StoreResult<()> {
        let mut s = self.state();
        if s.webhooks.contains(webhook.id.as_str()) {
            return Err(conflict("webhook id exists"));
        }
        if !s.accounts.contains_key(&webhook.account_id) {
            return Err(StoreError::NotFound);
        }
        s.check_completion(idem)?;
        let seq = s.next_seq();
        s.webhooks.insert(seq, webhook.id.as_str(), webhook.clone());
        s.complete(idem);
        Ok(())
    }

    async fn get_webhook(&self, scope: &Scope, id: &WebhookId) -> StoreResult<Webhook> {
        self.state().webhook_in(scope, id).cloned()
    }

    async fn list_webhooks(&self, scope: &Scope) -> StoreResult<Vec<Webhook>> {
        Ok(self
            .state()
            .webhooks
            .rows
            .values()
            .rev()
            .filter(|w| &w.scope() == scope)
            .cloned()
            .collect())
    }

    async fn update_webhook(
        &self,
        webhook: &Webhook,
        expected_updated_at: OffsetDateTime,
        idem: Option<&IdemCompletion>,
    ) -> StoreResult<()> {
        let mut s = self.state();
        let current = s.webhook_in(&webhook.scope(), &webhook.id)?;
        if current.updated_at != expected_updated_at {
            return Err(conflict("webhook changed meanwhile"));
        }
        s.check_completion(idem)?;
        if let Some(w) = s.webhooks.get_mut(webhook.id.as_str()) {
            *w = webhook.clone();
        }
        s.complete(idem);
        Ok(())
    }

    async fn delete_webhook(&self, scope: &Scope, id: &WebhookId) -> StoreResult<()> {
        let mut s = self.state();
        s.webhook_in(scope, id)?;
        s.webhooks.remove(id.as_str());
        let gone: Vec<WebhookDeliveryId> = s
            .deliveries
            .rows
            .values()
            .filter(|d| &d.delivery.webhook_id == id)
            .map(|d| d.delivery.id.clone())
            .collect();
        for d in gone {
            s.deliveries.remove(d.as_str());
        }
        Ok(())
    }

    async fn list_deliveries(
        &self,
        scope: &Scope,
        webhook: &WebhookId,
        limit: u32,
    ) -> StoreResult<Page<WebhookDelivery>> {
        let s = self.state();
        s.webhook_in(scope, webhook)?;
        let rows = s
            .deliveries
            .rows
            .values()
            .rev()
            .filter(|d| &d.delivery.webhook_id == webhook)
            .take(limit as usize + 1)
            .map(|d| d.delivery.clone())
            .collect();
        Ok(Page::from_probe(rows, &PageRequest::first(limit)))
    }

    async fn retry_delivery(
        &self,
        scope: &Scope,
        webhook: &WebhookId,
        delivery: &WebhookDeliveryId,
        at: OffsetDateTime,
    ) -> StoreResult<WebhookDelivery> {
        let mut s = self.state();
        s.webhook_in(scope, webhook)?;
        match s.deliveries.get_mut(delivery.as_str()) {
            Some(d) if &d.delivery.webhook_id == webhook => {
                d.delivery.next_attempt_at = Some(at);
                d.due_at = Some(at);
                d.lease = None;
                Ok(d.delivery.clone())
            }
            _ => Err(StoreError::NotFound),
        }
    }

    async fn claim_deliveries(&self, claim: &ClaimRequest) -> StoreResult<Vec<ClaimedDelivery>> {
        let mut s = self.state();
        let mut due: Vec<(OffsetDateTime, u64)> = s
            .deliveries
            .rows
            .iter()
            .filter_map(|(seq, d)| {
                let due_at = d.due_at.filter(|t| *t <= claim.now)?;
                s.webhooks
                    .get(d.delivery.webhook_id.as_str())
                    .is_some_and(|w| w.enabled)
                    .then_some((due_at, *seq))
            })
            .collect();
        due.sort();
        due.truncate(claim.limit as usize);
        let mut out = Vec::with_capacity(due.len());
        for (_, seq) in due {
            let Some(d) = s.deliveries.rows.get_mut(&seq) else {
                continue;
            };
            d.due_at = Some(claim.lease_until);
            d.lease = Some(claim.token.clone());
            let d = d.clone();
            let Some(webhook) = s.webhooks.get(d.delivery.webhook_id.as_str()).cloned() else {
                continue;
            };
            out.push(ClaimedDelivery {
                delivery: d.delivery,
                lease_token: claim.token.clone(),
                webhook,
                event: d.event,
                pass: d.pass,
            });
        }
        Ok(out)
    }

    async fn record_attempt(
        &self,
        id: &WebhookDeliveryId,
        token: &str,
        attempt: &AttemptRecord,
    ) -> StoreResult<()> {
        let mut s = self.state();
        let d = s
            .deliveries
            .get_mut(id.as_str())
            .ok_or(StoreError::NotFound)?;
        if d.lease.as_deref() != Some(token) {
            return Err(conflict("the delivery's lease is not held by this token"));
        }
        d.delivery.attempts += 1;
        d.delivery.last_attempt_at = Some(attempt.at);
        d.delivery.status = attempt.status;
        d.delivery.next_attempt_at = attempt.next_attempt_at;
        d.delivery.response_status = attempt.response_status;
        d.delivery.response_body = attempt.response_body.clone();
        d.due_at = attempt.next_attempt_at;
        d.lease = None;
        Ok(())
    }
}

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
        if s.events.contains(event.id.as_str()) {
            return Err(conflict("event id exists"));
        }
        let seq = s.next_seq();
        s.registrations.insert(seq, registration.clone());
        let enqueued = s.insert_event(event, &pass);
        Ok(RegisterOutcome::Created { enqueued })
    }

    async fn unregister_device(
        &self,
        device_library_id: &str,
        pass: &PassId,
        only_push_token: Option<&str>,
        event: &PassEvent,
    ) -> StoreResult<Option<u64>> {
        let mut s = self.state();
        let Some(k) = s.registration_seq(device_library_id, pass) else {
            return Ok(None);
        };
        if only_push_token.is_some_and(|t| s.registrations[&k].push_token != t) {
            return Ok(None);
        }
        if s.events.contains(event.id.as_str()) {
            return Err(conflict("event id exists"));
        }
        let Some(p) = s.passes.get(pass.as_str()).cloned() else {
            return Err(StoreError::NotFound);
        };
        s.registrations.remove(&k);
        Ok(Some(s.insert_event(event, &p)))
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
            return Err(conflict("the push job's lease is not held by this token"));
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

#[async_trait]
impl Store for MemoryStore {
    async fn ping(&self) -> StoreResult<()> {
        Ok(())
    }
}
