//! The ports: what the domain needs from the outside world. Adapters implement them
//! (PostgreSQL, SQLite, the in-memory fakes of `passmint-testkit`); every sentence
//! with MUST below is an obligation the contract suites in `passmint-testkit` check.
//!
//! **The webhook outbox.** Every [`PassStore`] call that writes a pass event
//! (`insert_pass`, `update_pass` with an event, `insert_event`) MUST, in the same
//! transaction as the event, enqueue one [`WebhookDelivery`] per *enabled* webhook
//! of the event's account and mode whose `events` match the event's type (`*`
//! matches every type), and return how many it enqueued. Each delivery MUST have
//! the id [`WebhookDeliveryId::derive`]`(event, webhook)`, status `pending`, no
//! attempts, `next_attempt_at` and `created_at` = the event's `created_at`, and
//! keep a snapshot of the pass as it is right after the event (what
//! [`WebhookStore::claim_deliveries`] hands back). A call that fails enqueues
//! nothing; a disabled webhook, one of another account or mode, or one not
//! subscribed to the type gets nothing.

use crate::account::{Account, ApiKey};
use crate::bundle::{Bundle, PublicBundle};
use crate::error::StoreError;
use crate::event::PassEvent;
use crate::idempotency::{
    ClaimedInsert, IdemBegin, IdemCompletion, IdemRequest, IdemTicket, StoredResponse,
};
use crate::ids::{AccountId, ApiKeyId, BundleId, PassId, TemplateId, WebhookDeliveryId, WebhookId};
use crate::mode::Scope;
use crate::page::{Page, PageRequest};
use crate::pass::{Pass, PassFilter};
use crate::signing::{IdentityExpiry, SigningCredentials};
use crate::template::Template;
use crate::wallet::{PushJob, RegisterOutcome, Registration, TemplateCascade, UpdatedSerials};
use crate::webhook::{AttemptRecord, ClaimRequest, ClaimedDelivery, Webhook, WebhookDelivery};
use async_trait::async_trait;
use time::OffsetDateTime;

pub type StoreResult<T> = Result<T, StoreError>;

/// The current time. Implementations MUST return UTC with at most microsecond
/// precision (what the databases keep), so stored and returned values compare equal.
pub trait Clock: Send + Sync {
    fn now(&self) -> OffsetDateTime;
}

/// Random material for ids, public slugs, tokens and secrets. Every string MUST be
/// base62 and of the length asked for, every byte string of the length asked for;
/// the real generator MUST use a CSPRNG.
pub trait IdGen: Send + Sync {
    fn base62(&self, len: usize) -> String;
    /// Random bytes (webhook signing keys).
    fn bytes(&self, len: usize) -> Vec<u8>;
}

/// Told when deliveries were enqueued (or a retry was asked for), so that a delivery
/// worker in this process starts at once instead of at its next poll. Must not
/// block.
pub trait DeliveryWaker: Send + Sync {
    fn wake(&self);
}

/// The arguments of [`TemplateStore::update_template`]: the template to store, the
/// `updated_at` it must still have, the idempotency completion and the cascade.
#[derive(Clone, Copy, Debug)]
pub struct TemplateUpdate<'a> {
    pub template: &'a Template,
    pub expected_updated_at: OffsetDateTime,
    pub idem: Option<&'a IdemCompletion>,
    pub cascade: Option<&'a TemplateCascade>,
}

/// The arguments of [`PassStore::insert_pass_claiming`]: the key to claim, the
/// answer it completes with, the template version validated against, the pass and
/// its `created` event.
#[derive(Clone, Copy, Debug)]
pub struct ClaimingInsert<'a> {
    pub claim: &'a IdemRequest,
    pub response: &'a StoredResponse,
    pub template_updated_at: OffsetDateTime,
    pub pass: &'a Pass,
    pub event: &'a PassEvent,
}

/// The arguments of [`WebhookStore::retry_delivery`]: which delivery of which
/// webhook of the scope, due again at `at`.
#[derive(Clone, Copy, Debug)]
pub struct DeliveryRetry<'a> {
    pub scope: &'a Scope,
    pub webhook: &'a WebhookId,
    pub delivery: &'a WebhookDeliveryId,
    pub at: OffsetDateTime,
}

/// One attempt of [`WebhookStore::record_attempts`]: the delivery, the token of
/// the lease it was attempted under, and what the attempt produced.
#[derive(Clone, Copy, Debug)]
pub struct LeasedAttempt<'a> {
    pub id: &'a WebhookDeliveryId,
    pub token: &'a str,
    pub attempt: &'a AttemptRecord,
}

/// What one batch of [`RetentionStore::purge_events`] removed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Purged {
    /// The rows deleted.
    pub removed: u64,
    /// The creation time of the newest row deleted (none when none was): the
    /// next batch starts there, so it does not walk again over what this one and
    /// the ones before removed (a database index keeps a deleted row's entry
    /// until a vacuum).
    pub reached: Option<OffsetDateTime>,
}

/// The arguments of [`WalletStore::unregister_device`]: the device and pass, the
/// push token the registration must still have (when given), and the `removed`
/// event.
#[derive(Clone, Copy, Debug)]
pub struct DeviceUnregistration<'a> {
    pub device_library_id: &'a str,
    pub pass: &'a PassId,
    pub only_push_token: Option<&'a str>,
    pub event: &'a PassEvent,
}

/// Accounts and API keys.
#[async_trait]
pub trait AccountStore: Send + Sync {
    /// MUST return `Duplicate` when the id exists.
    async fn insert_account(&self, account: &Account) -> StoreResult<()>;
    /// MUST return `NotFound` for an unknown id.
    async fn get_account(&self, id: &AccountId) -> StoreResult<Account>;
    /// MUST return `NotFound` when the account does not exist and `Duplicate` when
    /// the hash is already stored.
    async fn insert_api_key(&self, key: &ApiKey) -> StoreResult<()>;
    /// The key with this hash, revoked or not; `NotFound` when none.
    async fn find_api_key(&self, key_hash: &str) -> StoreResult<ApiKey>;
    /// Marks the key revoked at `at` (keeping the first revocation time) and returns
    /// it; `NotFound` when none.
    async fn revoke_api_key(&self, key_hash: &str, at: OffsetDateTime) -> StoreResult<ApiKey>;
    /// A number that changes each time a key becomes revoked, through any process
    /// sharing the store, and only then (revoking a revoked key leaves it). Serving
    /// processes poll it to forget the keys they remember (docs/api.md §1).
    async fn revocation_generation(&self) -> StoreResult<i64>;
    /// Every key of the account, revoked ones included, newest first (by
    /// `created_at`, then id); empty when the account has none or does not exist.
    async fn list_api_keys(&self, account: &AccountId) -> StoreResult<Vec<ApiKey>>;
    /// [`AccountStore::revoke_api_key`] of the key with this id (moving the
    /// revocation generation alike); `NotFound` when none.
    async fn revoke_api_key_by_id(&self, id: &ApiKeyId, at: OffsetDateTime) -> StoreResult<ApiKey>;
}

/// Templates. Lists are newest first and exclude archived templates.
#[async_trait]
pub trait TemplateStore: Send + Sync {
    /// Inserts the template and, atomically with it, completes the idempotency record.
    /// MUST return `Duplicate` (writing nothing) when the id exists and
    /// `IdempotencyKeyLost` when the ticket no longer holds its key.
    async fn insert_template(
        &self,
        template: &Template,
        idem: Option<&IdemCompletion>,
    ) -> StoreResult<()>;
    /// MUST return `NotFound` when the template does not exist or belongs to another
    /// account. Archived templates are found.
    async fn get_template(&self, account: &AccountId, id: &TemplateId) -> StoreResult<Template>;
    /// Non-archived templates of the account, newest first. A cursor id that is not a
    /// template of the account MUST give `NotFound`.
    async fn list_templates(
        &self,
        account: &AccountId,
        page: &PageRequest,
    ) -> StoreResult<Page<Template>>;
    /// Replaces the stored template (same id and account) if its `updated_at` still
    /// equals `expected_updated_at`, atomically with the idempotency completion.
    /// MUST return `NotFound` when absent and `VersionChanged` (writing nothing) when
    /// it changed meanwhile, `IdempotencyKeyLost` when the ticket no longer holds its key.
    ///
    /// With a `cascade`, in the same transaction, every pass of the template (any
    /// mode) that is not voided gets `version + 1`, `updated_at = cascade.at`, a new
    /// wallet tag (see [`WalletStore`]), an `updated` event with id
    /// [`TemplateCascade::event_id`], `created_at = cascade.at` and
    /// `cascade.metadata` (with its webhook deliveries), and one push job per
    /// registration. Returns how many webhook deliveries were enqueued.
    async fn update_template(&self, update: &TemplateUpdate<'_>) -> StoreResult<u64>;
}

/// Passes and their events.
#[async_trait]
pub trait PassStore: Send + Sync {
    /// Inserts the pass, its `created` event and the idempotency completion in one
    /// transaction. MUST return `Duplicate` (writing nothing) when the id, short id
    /// or serial number exists in any account or mode, and `IdempotencyKeyLost` when
    /// the ticket no longer holds its key.
    ///
    /// A live pass MUST be counted against its account's `live_pass_limit` in the
    /// same transaction: when the account has already issued that many live passes
    /// it MUST return `LimitReached` and write nothing, also under concurrent calls
    /// (of N concurrent inserts with room for k, exactly k succeed). Only inserted
    /// passes count (a refused insert consumes nothing); voiding does not give the
    /// room back. Test passes are never counted nor limited.
    ///
    /// Enqueues the event's webhook deliveries (see the module docs) and returns
    /// how many.
    async fn insert_pass(
        &self,
        pass: &Pass,
        event: &PassEvent,
        idem: Option<&IdemCompletion>,
    ) -> StoreResult<u64>;
    /// Issues a pass under an idempotency key that is new, in one transaction (one
    /// round trip where the backend allows): takes the key `claim.key` of
    /// `claim.scope` and stores it already completed with `response` (fingerprint
    /// `claim.fingerprint`, created at `claim.now`, so it replays for
    /// [`crate::idempotency::RETENTION`] from then), together with the pass, its
    /// `created` event and the event's webhook deliveries (see the module docs).
    /// Afterwards `begin_idempotent` with that fingerprint MUST answer `Replay` of
    /// `response`, with another `Mismatch`; no ticket holds the key.
    ///
    /// The insert is conditional, and a refusal MUST write nothing at all (the key
    /// stays as it was, the live pass count too):
    ///
    /// - `TemplateChanged` unless the pass's template exists in the pass's account,
    ///   is not archived and its `updated_at` still equals `template_updated_at`
    ///   (the version the caller validated the request against). This is checked
    ///   first, whatever the key.
    /// - Otherwise `KeyTaken` when any record of the key exists in the scope: in
    ///   flight, completed, with another fingerprint, even expired (the caller then
    ///   goes through `begin_idempotent`, which judges it). Of any number of
    ///   concurrent calls with one new key exactly one MUST return `Inserted`.
    /// - Otherwise as [`PassStore::insert_pass`]: `Duplicate` when the id, short id or
    ///   serial number exists; `LimitReached` for a live pass beyond the account's
    ///   `live_pass_limit` (counted in the same transaction, exactly as
    ///   `insert_pass` counts it).
    ///
    /// `Inserted` carries how many webhook deliveries were enqueued.
    async fn insert_pass_claiming(&self, insert: &ClaimingInsert<'_>)
    -> StoreResult<ClaimedInsert>;
    /// MUST return `NotFound` when the pass is absent or outside the scope.
    async fn get_pass(&self, scope: &Scope, id: &PassId) -> StoreResult<Pass>;
    /// The pass with this public short id, in any account and mode, and its
    /// template, read together (the public pages need both on every request).
    /// MUST return `NotFound` when no pass has it.
    async fn find_public_pass(&self, short_id: &str) -> StoreResult<(Pass, Template)>;
    /// Passes of the scope matching the filter, newest first. A cursor that is not a
    /// pass of the scope MUST give `NotFound`.
    async fn list_passes(
        &self,
        scope: &Scope,
        filter: &PassFilter,
        page: &PageRequest,
    ) -> StoreResult<Page<Pass>>;
    /// Stores `pass` if the stored version is still `expected_version`, with its
    /// event and the idempotency completion, in one transaction. MUST return
    /// `NotFound` when absent from the pass's own scope (a pass of another account or
    /// mode stays untouched) and `VersionChanged` (writing nothing) when the version
    /// moved, `IdempotencyKeyLost` when the ticket no longer holds its key. An update does not move the pass in
    /// lists (they are ordered by creation).
    ///
    /// With an event, enqueues its webhook deliveries (the snapshot is `pass`) and
    /// returns how many. With `push` (the change alters what devices show), in the
    /// same transaction, moves the pass's wallet tag past every earlier one and
    /// enqueues one push job per registration of the pass (see [`WalletStore`]).
    async fn update_pass(
        &self,
        pass: &Pass,
        expected_version: i64,
        event: Option<&PassEvent>,
        idem: Option<&IdemCompletion>,
        push: bool,
    ) -> StoreResult<u64>;
    /// Records an event that changes nothing else (a view, a download), enqueues its
    /// webhook deliveries (the snapshot is the pass as stored) and returns how
    /// many. MUST return `NotFound` (writing nothing) when its pass does not exist.
    async fn insert_event(&self, event: &PassEvent) -> StoreResult<u64>;
    /// Records several such events in one transaction (group commit of busy public
    /// pages): all or none, each with its webhook deliveries; returns how many
    /// deliveries were enqueued. MUST return `Duplicate` (writing nothing) when an
    /// event id exists, and `NotFound` (writing nothing) when a pass is missing.
    async fn insert_events(&self, events: &[PassEvent]) -> StoreResult<u64>;
    /// Events of the scope (of one pass when given; a pass of another scope has
    /// none), newest first. A cursor that is not an event of the scope MUST give
    /// `NotFound`; any event of the scope may serve as a cursor.
    async fn list_events(
        &self,
        scope: &Scope,
        pass: Option<&PassId>,
        page: &PageRequest,
    ) -> StoreResult<Page<PassEvent>>;
}

/// Bundles of passes (docs/api.md §12). A bundle is written once and never
/// changes; its passes are checked by the use case before the insert.
#[async_trait]
pub trait BundleStore: Send + Sync {
    /// Inserts the bundle and, atomically with it, completes the idempotency
    /// record. MUST return `Duplicate` (writing nothing) when the id or the short id
    /// exists, `NotFound` when the account does not exist, and
    /// `IdempotencyKeyLost` when the ticket no longer holds its key.
    async fn insert_bundle(
        &self,
        bundle: &Bundle,
        idem: Option<&IdemCompletion>,
    ) -> StoreResult<()>;
    /// MUST return `NotFound` when the bundle is absent or outside the scope.
    async fn get_bundle(&self, scope: &Scope, id: &BundleId) -> StoreResult<Bundle>;
    /// The bundle with this public short id, in any account and mode, with each of
    /// its passes and the pass's template, in the bundle's order. MUST return
    /// `NotFound` when no bundle has it.
    async fn find_public_bundle(&self, short_id: &str) -> StoreResult<PublicBundle>;
}

/// Idempotency records, scoped by (account, mode, key).
#[async_trait]
pub trait IdempotencyStore: Send + Sync {
    /// Takes the key or reports why not, atomically: of any number of concurrent
    /// calls with one key exactly one MUST get `Started`. A record older than
    /// [`crate::idempotency::RETENTION`] MUST be treated as absent; a key held longer
    /// than [`crate::idempotency::LOCK_TTL`] without completion MUST be taken over
    /// by a request with the same fingerprint (a different one gets `Mismatch`). A
    /// completed key is held by no ticket any more.
    async fn begin_idempotent(&self, req: &IdemRequest) -> StoreResult<IdemBegin>;
    /// Stores the response of a request that made no write. MUST return
    /// `IdempotencyKeyLost` when the ticket no longer holds its key.
    async fn complete_idempotent(&self, completion: &IdemCompletion) -> StoreResult<()>;
    /// Forgets the key (after a 5xx), if the ticket still holds it.
    async fn release_idempotent(&self, ticket: &IdemTicket) -> StoreResult<()>;
    /// Deletes at most `limit` records older than the retention, in one short
    /// transaction; returns how many (docs/api.md §10).
    async fn purge_idempotent(&self, now: OffsetDateTime, limit: u32) -> StoreResult<u64>;
}

/// Signing identities: one per account, and the deployment's development identity.
/// The private key is stored as given and returned only through these calls.
#[async_trait]
pub trait SigningStore: Send + Sync {
    /// Stores the account's identity, replacing any earlier one. MUST return
    /// `NotFound` (storing nothing) when the account does not exist.
    async fn set_signing_identity(
        &self,
        account: &AccountId,
        identity: &SigningCredentials,
    ) -> StoreResult<()>;
    /// MUST return `NotFound` when the account has no identity (or does not exist).
    async fn get_signing_identity(&self, account: &AccountId) -> StoreResult<SigningCredentials>;
    /// Every account identity whose certificate expires before `before`, soonest
    /// first (expired ones included).
    async fn identities_expiring_before(
        &self,
        before: OffsetDateTime,
    ) -> StoreResult<Vec<IdentityExpiry>>;
    /// The development identity; MUST return `NotFound` when none is stored yet.
    async fn get_dev_identity(&self) -> StoreResult<SigningCredentials>;
    /// Stores `candidate` as the development identity unless one is stored, and
    /// returns the stored one: the first stored wins, and every caller (in any
    /// process sharing the database, concurrently or not) gets that same identity.
    async fn insert_dev_identity(
        &self,
        candidate: &SigningCredentials,
    ) -> StoreResult<SigningCredentials>;
}

/// Webhooks of an (account, mode) and their deliveries. The deliveries themselves
/// are enqueued by the [`PassStore`] writes (see the module docs).
#[async_trait]
pub trait WebhookStore: Send + Sync {
    /// Inserts the webhook and, atomically with it, completes the idempotency
    /// record. MUST return `Duplicate` (writing nothing) when the id exists,
    /// `IdempotencyKeyLost` when the ticket no longer holds its key, and `NotFound` when the account does not
    /// exist.
    async fn insert_webhook(
        &self,
        webhook: &Webhook,
        idem: Option<&IdemCompletion>,
    ) -> StoreResult<()>;
    /// MUST return `NotFound` when the webhook is absent or outside the scope.
    async fn get_webhook(&self, scope: &Scope, id: &WebhookId) -> StoreResult<Webhook>;
    /// Every webhook of the scope, newest first.
    async fn list_webhooks(&self, scope: &Scope) -> StoreResult<Vec<Webhook>>;
    /// Replaces the stored webhook (same id, account and mode) if its `updated_at`
    /// still equals `expected_updated_at`, atomically with the idempotency
    /// completion. MUST return `NotFound` when absent from the webhook's own scope
    /// and `VersionChanged` (writing nothing) when it changed meanwhile,
    /// `IdempotencyKeyLost` when the ticket no longer holds its key.
    async fn update_webhook(
        &self,
        webhook: &Webhook,
        expected_updated_at: OffsetDateTime,
        idem: Option<&IdemCompletion>,
    ) -> StoreResult<()>;
    /// Deletes the webhook and every delivery of it, atomically: a hard delete.
    /// MUST return `NotFound` (deleting nothing) when it is absent or outside the
    /// scope.
    async fn delete_webhook(&self, scope: &Scope, id: &WebhookId) -> StoreResult<()>;
    /// The newest `limit` deliveries of the webhook, newest first, `has_more`
    /// exact. MUST return `NotFound` when the webhook is absent or outside the
    /// scope.
    async fn list_deliveries(
        &self,
        scope: &Scope,
        webhook: &WebhookId,
        limit: u32,
    ) -> StoreResult<Page<WebhookDelivery>>;
    /// Makes the delivery due at `at` (`next_attempt_at = at`) whatever its status,
    /// and releases any lease on it (its holder can no longer record an attempt);
    /// status, attempts and responses stay. Returns the delivery after. MUST return
    /// `NotFound` when it is not a delivery of that webhook in that scope.
    async fn retry_delivery(&self, retry: &DeliveryRetry<'_>) -> StoreResult<WebhookDelivery>;
    /// Claims at most `limit` due deliveries, the longest due first, and leases them
    /// to `claim.token` until `claim.lease_until`. Due: `next_attempt_at <=
    /// claim.now`, of an enabled webhook (a disabled webhook's deliveries wait), and
    /// not leased, or under a lease that ended by `claim.now`.
    ///
    /// Concurrent claimers (tasks, or processes sharing the database) MUST never
    /// get the same delivery while its lease holds. A lease that ended (its worker
    /// crashed) makes the delivery claimable again, and the new claim supersedes
    /// the old one. Each claimed delivery comes with its webhook as stored now, its
    /// event, and the snapshot of the pass taken with the event.
    ///
    /// A claim never takes a webhook past `per_webhook` deliveries under a lease
    /// that holds (leased, `due_at > claim.now`): the due deliveries of webhooks
    /// already at the cap are passed over (they do not count in `limit`); of the
    /// `limit` longest due of the others, each webhook's first ones up to its cap
    /// are leased, and the rest stay due as they were (no attempt counted) for a
    /// later claim. Concurrent claimers in several processes may each fill a
    /// webhook's cap.
    async fn claim_deliveries(
        &self,
        claim: &ClaimRequest,
        per_webhook: u32,
    ) -> StoreResult<Vec<ClaimedDelivery>>;
    /// Records an attempt of a delivery leased to `token`: `attempts + 1`, then the
    /// attempt's time, status, `next_attempt_at` (when it is due again, if ever)
    /// and response; releases the lease. MUST return `NotFound` when the delivery
    /// is gone (its webhook was deleted) and `LeaseLost` (writing nothing) when
    /// `token` no longer holds its lease (it was claimed again after the lease
    /// ended, or a retry released it).
    async fn record_attempt(
        &self,
        id: &WebhookDeliveryId,
        token: &str,
        attempt: &AttemptRecord,
    ) -> StoreResult<()>;
    /// Records several attempts, each as [`WebhookStore::record_attempt`] would,
    /// and answers each one's outcome in order (`Ok`, `NotFound` or `LeaseLost`).
    /// When the call itself fails, any of them may be unrecorded: their leases end
    /// and they are attempted again. The default records them one by one; an
    /// adapter does better in one statement or one transaction.
    async fn record_attempts(
        &self,
        attempts: &[LeasedAttempt<'_>],
    ) -> StoreResult<Vec<StoreResult<()>>> {
        let mut outcomes = Vec::with_capacity(attempts.len());
        for a in attempts {
            outcomes.push(match self.record_attempt(a.id, a.token, a.attempt).await {
                Err(e) if !matches!(e, StoreError::NotFound | StoreError::LeaseLost) => {
                    return Err(e);
                }
                outcome => outcome,
            });
        }
        Ok(outcomes)
    }
}

/// Apple Wallet devices: registrations, the wallet tag and push jobs (see
/// [`crate::wallet`]).
///
/// **Wallet tags.** Each pass has a tag, 0 when issued. A write that alters what
/// devices show (`update_pass` with `push`, a template cascade) MUST give the pass
/// a tag greater than every tag given before, such that a reader never sees a tag
/// while an older one is still uncommitted (take tags from one counter held until
/// commit, or from a single writer).
///
/// **Push jobs.** Such a write MUST, in its transaction, enqueue one [`PushJob`]
/// per registration of the pass (its device, push token and pass type id),
/// `attempts = 0`, due at once.
#[async_trait]
pub trait WalletStore: Send + Sync {
    /// The pass with this serial number, in any account and mode. MUST return
    /// `NotFound` when none has it.
    async fn find_pass_by_serial(&self, serial_number: &str) -> StoreResult<Pass>;
    /// Registers the device for the pass. When new, writes it with `event` (its
    /// `installed` event) and the event's webhook deliveries in one transaction and
    /// returns `Created`; when the device is registered for the pass already,
    /// replaces its push token and pass type id, writes no event and returns
    /// `Existing` (of concurrent calls for one pair exactly one gets `Created`).
    /// MUST return `NotFound` (writing nothing) when the pass does not exist, and
    /// `LimitReached` (writing nothing) when the device is new and the pass has
    /// `max_per_pass` registrations already; concurrent registrations MUST NOT
    /// leave the pass with more than `max_per_pass` (docs/api.md §7).
    async fn register_device(
        &self,
        registration: &Registration,
        event: &PassEvent,
        max_per_pass: u32,
    ) -> StoreResult<RegisterOutcome>;
    /// Deletes the device's registration for the pass, with `event` (its `removed`
    /// event) and its webhook deliveries, in one transaction, and returns how many
    /// deliveries were enqueued; `None` (writing nothing) when there is no such
    /// registration, or, with `only_push_token`, when the registration's push token
    /// is another one (the device registered again since).
    async fn unregister_device(
        &self,
        unregistration: &DeviceUnregistration<'_>,
    ) -> StoreResult<Option<u64>>;
    /// The serial numbers of the passes the device registered for under
    /// `pass_type_id` whose tag is greater than `since` (all of them when `None`),
    /// and `last_updated`: a tag such that every later change of those passes gets
    /// a greater one (the greatest tag given so far will do).
    async fn updated_serials(
        &self,
        device_library_id: &str,
        pass_type_id: &str,
        since: Option<i64>,
    ) -> StoreResult<UpdatedSerials>;
    /// Every registration of the pass (oldest first).
    async fn registrations_of(&self, pass: &PassId) -> StoreResult<Vec<Registration>>;
    /// Claims at most `limit` due push jobs (`next_attempt_at <= claim.now`, not
    /// under a lease that still holds), the longest due first, and leases them to
    /// `claim.token` until `claim.lease_until`. Concurrent claimers MUST never get
    /// the same job while its lease holds.
    async fn claim_pushes(&self, claim: &ClaimRequest) -> StoreResult<Vec<PushJob>>;
    /// Deletes the jobs (pushed, or given up) still leased to `token`; returns how
    /// many were deleted (a job whose lease moved on is left alone).
    async fn complete_pushes(&self, token: &str, ids: &[i64]) -> StoreResult<u64>;
    /// Records a failed attempt of a job leased to `token`: `attempts + 1`, due
    /// again at `at`, `last_error`, lease released. MUST return `LeaseLost` (writing
    /// nothing) when `token` no longer holds its lease and `NotFound` when the job
    /// is gone.
    async fn reschedule_push(
        &self,
        id: i64,
        token: &str,
        at: OffsetDateTime,
        last_error: &str,
    ) -> StoreResult<()>;
    /// How many push jobs exist (for `/metrics` and tests).
    async fn pending_pushes(&self) -> StoreResult<u64>;
}

/// Removal of rows past their retention (docs/api.md §10). Each call deletes at
/// most `limit` rows in one short transaction and returns how many, so that it
/// never holds its locks for long; a caller repeats it while it returns `limit`.
#[async_trait]
pub trait RetentionStore: Send + Sync {
    /// Deletes events created at or before `before` (and, with `from`, at or after
    /// it), oldest first, except those a webhook delivery still refers to (they go
    /// once their deliveries went). The answer's `reached` is the `from` of the
    /// next batch of the same pass.
    async fn purge_events(
        &self,
        from: Option<OffsetDateTime>,
        before: OffsetDateTime,
        limit: u32,
    ) -> StoreResult<Purged>;
    /// Deletes the deliveries of each webhook older than its newest `keep` (by
    /// insertion), and only settled ones: `delivered` or `dead`, not due again (a
    /// manual retry) and not leased. Pending, failed and in-flight deliveries stay
    /// whatever their age.
    async fn prune_deliveries(&self, keep: u32, limit: u32) -> StoreResult<u64>;
    /// Deletes push jobs created at or before `before`, except those under a lease
    /// that still holds at `now` (being pushed).
    async fn purge_push_jobs(
        &self,
        before: OffsetDateTime,
        now: OffsetDateTime,
        limit: u32,
    ) -> StoreResult<u64>;
}

/// Everything the server needs from storage.
#[async_trait]
pub trait Store:
    AccountStore
    + TemplateStore
    + PassStore
    + BundleStore
    + IdempotencyStore
    + SigningStore
    + WebhookStore
    + WalletStore
    + RetentionStore
{
    /// Whether the backend answers (for `/readyz`).
    async fn ping(&self) -> StoreResult<()>;
    /// Pool use for `/metrics`: (connections in use, connections open, max size).
    fn pool_status(&self) -> Option<PoolStatus> {
        None
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PoolStatus {
    pub in_use: u64,
    pub open: u64,
    pub max: u64,
}
