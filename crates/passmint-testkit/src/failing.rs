//! [`FailingStore`]: a [`Store`] that delegates to another one (usually a
//! [`crate::MemoryStore`]) and fails chosen calls with [`StoreError::Backend`], to
//! show how the use cases behave when storage breaks in the middle of a request.

use async_trait::async_trait;
use passmint_domain::account::{Account, ApiKey};
use passmint_domain::bundle::{Bundle, PublicBundle};
use passmint_domain::error::StoreError;
use passmint_domain::event::PassEvent;
use passmint_domain::idempotency::{
    ClaimedInsert, IdemBegin, IdemCompletion, IdemRequest, IdemTicket,
};
use passmint_domain::ids::{
    AccountId, ApiKeyId, BundleId, PassId, TemplateId, WebhookDeliveryId, WebhookId,
};
use passmint_domain::mode::Scope;
use passmint_domain::page::{Page, PageRequest};
use passmint_domain::pass::{Pass, PassFilter};
use passmint_domain::ports::{
    AccountStore, BundleStore, IdempotencyStore, PassStore, PoolStatus, Purged, RetentionStore,
    SigningStore, Store, StoreResult, TemplateStore, WalletStore, WebhookStore,
};
use passmint_domain::ports::{ClaimingInsert, DeliveryRetry, DeviceUnregistration, TemplateUpdate};
use passmint_domain::signing::{IdentityExpiry, SigningCredentials};
use passmint_domain::template::Template;
use passmint_domain::wallet::{PushJob, RegisterOutcome, Registration, UpdatedSerials};
use passmint_domain::webhook::{
    AttemptRecord, ClaimRequest, ClaimedDelivery, Webhook, WebhookDelivery,
};
use std::sync::{Arc, Mutex};
use time::OffsetDateTime;

/// The message of every injected failure.
pub const INJECTED: &str = "injected failure";

#[derive(Default)]
struct Plan {
    /// Store calls made so far (failed ones included).
    calls: usize,
    /// The 1-based call number that fails, counted from the store's creation.
    nth: Option<usize>,
    /// Port method names whose next call fails (each once).
    named: Vec<&'static str>,
}

/// A [`Store`] over `inner` that fails the calls it is told to fail, writing
/// nothing for them; every other call goes to `inner` unchanged.
pub struct FailingStore {
    inner: Arc<dyn Store>,
    plan: Mutex<Plan>,
}

impl FailingStore {
    pub fn new(inner: Arc<dyn Store>) -> Self {
        FailingStore {
            inner,
            plan: Mutex::new(Plan::default()),
        }
    }

    fn plan(&self) -> std::sync::MutexGuard<'_, Plan> {
        self.plan.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Fails the `n`th call (1-based, counting every call since creation).
    pub fn fail_nth(&self, n: usize) {
        self.plan().nth = Some(n);
    }

    /// Fails the next call of the port method `method` (e.g. `"insert_pass"`).
    pub fn fail_next(&self, method: &'static str) {
        self.plan().named.push(method);
    }

    /// How many calls were made so far (failed ones included).
    pub fn calls(&self) -> usize {
        self.plan().calls
    }

    fn check(&self, method: &str) -> StoreResult<()> {
        let mut plan = self.plan();
        plan.calls += 1;
        let nth = plan.nth == Some(plan.calls);
        let named = plan.named.iter().position(|m| *m == method);
        if let Some(i) = named {
            plan.named.remove(i);
        }
        if nth || named.is_some() {
            return Err(StoreError::Backend(format!("{INJECTED}: {method}")));
        }
        Ok(())
    }
}

/// Implements each port for [`FailingStore`]: every method first asks
/// [`FailingStore::check`] whether this call fails, then delegates to `inner`.
macro_rules! failing_ports {
    ($($port:ident { $(fn $name:ident($($arg:ident: $ty:ty),* $(,)?) -> $ret:ty;)* })*) => {$(
        #[async_trait]
        impl $port for FailingStore {
            $(async fn $name(&self, $($arg: $ty),*) -> $ret {
                self.check(stringify!($name))?;
                self.inner.$name($($arg),*).await
            })*
        }
    )*};
}

failing_ports! {
    AccountStore {
        fn insert_account(account: &Account) -> StoreResult<()>;
        fn get_account(id: &AccountId) -> StoreResult<Account>;
        fn insert_api_key(key: &ApiKey) -> StoreResult<()>;
        fn find_api_key(key_hash: &str) -> StoreResult<ApiKey>;
        fn revoke_api_key(key_hash: &str, at: OffsetDateTime) -> StoreResult<ApiKey>;
        fn revocation_generation() -> StoreResult<i64>;
        fn list_api_keys(account: &AccountId) -> StoreResult<Vec<ApiKey>>;
        fn revoke_api_key_by_id(id: &ApiKeyId, at: OffsetDateTime) -> StoreResult<ApiKey>;
    }
    TemplateStore {
        fn insert_template(template: &Template, idem: Option<&IdemCompletion>) -> StoreResult<()>;
        fn get_template(account: &AccountId, id: &TemplateId) -> StoreResult<Template>;
        fn list_templates(account: &AccountId, page: &PageRequest) -> StoreResult<Page<Template>>;
        fn update_template(update: &TemplateUpdate<'_>) -> StoreResult<u64>;
    }
    PassStore {
        fn insert_pass(
            pass: &Pass,
            event: &PassEvent,
            idem: Option<&IdemCompletion>
        ) -> StoreResult<u64>;
        fn insert_pass_claiming(insert: &ClaimingInsert<'_>) -> StoreResult<ClaimedInsert>;
        fn get_pass(scope: &Scope, id: &PassId) -> StoreResult<Pass>;
        fn find_public_pass(short_id: &str) -> StoreResult<(Pass, Template)>;
        fn list_passes(
            scope: &Scope,
            filter: &PassFilter,
            page: &PageRequest
        ) -> StoreResult<Page<Pass>>;
        fn update_pass(
            pass: &Pass,
            expected_version: i64,
            event: Option<&PassEvent>,
            idem: Option<&IdemCompletion>,
            push: bool
        ) -> StoreResult<u64>;
        fn insert_event(event: &PassEvent) -> StoreResult<u64>;
        fn insert_events(events: &[PassEvent]) -> StoreResult<u64>;
        fn list_events(
            scope: &Scope,
            pass: Option<&PassId>,
            page: &PageRequest
        ) -> StoreResult<Page<PassEvent>>;
    }
    BundleStore {
        fn insert_bundle(bundle: &Bundle, idem: Option<&IdemCompletion>) -> StoreResult<()>;
        fn get_bundle(scope: &Scope, id: &BundleId) -> StoreResult<Bundle>;
        fn find_public_bundle(short_id: &str) -> StoreResult<PublicBundle>;
    }
    IdempotencyStore {
        fn begin_idempotent(req: &IdemRequest) -> StoreResult<IdemBegin>;
        fn complete_idempotent(completion: &IdemCompletion) -> StoreResult<()>;
        fn release_idempotent(ticket: &IdemTicket) -> StoreResult<()>;
        fn purge_idempotent(now: OffsetDateTime, limit: u32) -> StoreResult<u64>;
    }
    SigningStore {
        fn set_signing_identity(
            account: &AccountId,
            identity: &SigningCredentials
        ) -> StoreResult<()>;
        fn get_signing_identity(account: &AccountId) -> StoreResult<SigningCredentials>;
        fn identities_expiring_before(before: OffsetDateTime) -> StoreResult<Vec<IdentityExpiry>>;
        fn get_dev_identity() -> StoreResult<SigningCredentials>;
        fn insert_dev_identity(candidate: &SigningCredentials) -> StoreResult<SigningCredentials>;
    }
    WebhookStore {
        fn insert_webhook(webhook: &Webhook, idem: Option<&IdemCompletion>) -> StoreResult<()>;
        fn get_webhook(scope: &Scope, id: &WebhookId) -> StoreResult<Webhook>;
        fn list_webhooks(scope: &Scope) -> StoreResult<Vec<Webhook>>;
        fn update_webhook(
            webhook: &Webhook,
            expected_updated_at: OffsetDateTime,
            idem: Option<&IdemCompletion>
        ) -> StoreResult<()>;
        fn delete_webhook(scope: &Scope, id: &WebhookId) -> StoreResult<()>;
        fn list_deliveries(
            scope: &Scope,
            webhook: &WebhookId,
            limit: u32
        ) -> StoreResult<Page<WebhookDelivery>>;
        fn retry_delivery(retry: &DeliveryRetry<'_>) -> StoreResult<WebhookDelivery>;
        fn claim_deliveries(
            claim: &ClaimRequest,
            per_webhook: u32
        ) -> StoreResult<Vec<ClaimedDelivery>>;
        fn record_attempt(
            id: &WebhookDeliveryId,
            token: &str,
            attempt: &AttemptRecord
        ) -> StoreResult<()>;
    }
    WalletStore {
        fn find_pass_by_serial(serial_number: &str) -> StoreResult<Pass>;
        fn register_device(
            registration: &Registration,
            event: &PassEvent,
            max_per_pass: u32
        ) -> StoreResult<RegisterOutcome>;
        fn unregister_device(unregistration: &DeviceUnregistration<'_>) -> StoreResult<Option<u64>>;
        fn updated_serials(
            device_library_id: &str,
            pass_type_id: &str,
            since: Option<i64>
        ) -> StoreResult<UpdatedSerials>;
        fn registrations_of(pass: &PassId) -> StoreResult<Vec<Registration>>;
        fn claim_pushes(claim: &ClaimRequest) -> StoreResult<Vec<PushJob>>;
        fn complete_pushes(token: &str, ids: &[i64]) -> StoreResult<u64>;
        fn reschedule_push(
            id: i64,
            token: &str,
            at: OffsetDateTime,
            last_error: &str
        ) -> StoreResult<()>;
        fn pending_pushes() -> StoreResult<u64>;
    }
    RetentionStore {
        fn purge_events(
            from: Option<OffsetDateTime>,
            before: OffsetDateTime,
            limit: u32
        ) -> StoreResult<Purged>;
        fn prune_deliveries(keep: u32, limit: u32) -> StoreResult<u64>;
        fn purge_push_jobs(
            before: OffsetDateTime,
            now: OffsetDateTime,
            limit: u32
        ) -> StoreResult<u64>;
    }
}

#[async_trait]
impl Store for FailingStore {
    async fn ping(&self) -> StoreResult<()> {
        self.check("ping")?;
        self.inner.ping().await
    }

    fn pool_status(&self) -> Option<PoolStatus> {
        self.inner.pool_status()
    }
}
