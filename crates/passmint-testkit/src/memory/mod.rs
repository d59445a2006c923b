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
use passmint_domain::bundle::Bundle;
use passmint_domain::error::StoreError;
use passmint_domain::event::PassEvent;
use passmint_domain::idempotency::{IdemCompletion, IdemTicket, RETENTION, StoredResponse};
use passmint_domain::ids::{AccountId, BundleId, PassId, WebhookId};
use passmint_domain::mode::Mode;
use passmint_domain::mode::Scope;
use passmint_domain::page::{Cursor, Page, PageRequest};
use passmint_domain::pass::Pass;
use passmint_domain::ports::{Store, StoreResult};
use passmint_domain::signing::SigningCredentials;
use passmint_domain::template::Template;
use passmint_domain::wallet::{PushJob, Registration};
use passmint_domain::webhook::{Webhook, WebhookDelivery};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Mutex, MutexGuard};
use time::OffsetDateTime;

mod accounts;
mod bundles;
mod idempotency;
mod passes;
mod retention;
mod signing;
mod templates;
mod wallet;
mod webhooks;

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
        // In the direction of travel, from the cursor on.
        let travel: Box<dyn Iterator<Item = &T>> = match &req.cursor {
            Cursor::First => Box::new(self.rows.values().rev()),
            Cursor::After(id) => Box::new(self.rows.range(..cursor_seq(id)?).rev().map(|(_, r)| r)),
            Cursor::Before(id) => Box::new(self.rows.range(cursor_seq(id)? + 1..).map(|(_, r)| r)),
        };
        let rows: Vec<T> = travel.filter(|r| keep(r)).take(probe).cloned().collect();
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
    /// How many keys became revoked ([`AccountStore::revocation_generation`]).
    revocations: i64,
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
    bundles: Table<Bundle>,
    /// Bundle short id -> bundle id, for the unique constraint.
    bundle_short_ids: HashMap<String, BundleId>,
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

/// The row found, or `NotFound`.
fn found<T: Clone>(row: Option<&T>) -> StoreResult<T> {
    row.cloned().ok_or(StoreError::NotFound)
}

fn duplicate(what: impl Into<String>) -> StoreError {
    StoreError::Duplicate(what.into())
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
            _ => Err(StoreError::IdempotencyKeyLost),
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
            return Err(duplicate("short_id exists"));
        }
        if taken(&self.serials, &pass.serial_number) {
            return Err(duplicate("serial_number exists"));
        }
        Ok(())
    }

    /// Inserts a new pass (counted against the live pass limit) and its event, or
    /// nothing; returns how many deliveries were enqueued.
    fn insert_pass(&mut self, pass: &Pass, event: &PassEvent) -> StoreResult<u64> {
        if self.passes.contains(pass.id.as_str()) {
            return Err(duplicate("pass id exists"));
        }
        self.check_pass_uniques(pass, None)?;
        if self.events.contains(event.id.as_str()) {
            return Err(duplicate("event id exists"));
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
            let seq = self.next_seq();
            let delivery = WebhookDelivery::pending(event, webhook_id);
            let id = delivery.id.clone();
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
impl Store for MemoryStore {
    async fn ping(&self) -> StoreResult<()> {
        Ok(())
    }
}
