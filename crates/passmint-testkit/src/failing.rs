//! [`FailingStore`]: a [`Store`] that delegates to another one (usually a
//! [`crate::MemoryStore`]) and fails chosen calls with [`StoreError::Backend`], to
//! show how the use cases behave when storage breaks in the middle of a request.

use async_trait::async_trait;
use passmint_domain::account::{Account, ApiKey};
use passmint_domain::error::StoreError;
use passmint_domain::event::PassEvent;
use passmint_domain::idempotency::{
    ClaimedInsert, IdemBegin, IdemCompletion, IdemRequest, IdemTicket, StoredResponse,
};
use passmint_domain::ids::{AccountId, PassId, TemplateId, WebhookDeliveryId, WebhookId};
use passmint_domain::mode::Scope;
use passmint_domain::page::{Page, PageRequest};
use passmint_domain::pass::{Pass, PassFilter};
use passmint_domain::ports::{
    AccountStore, IdempotencyStore, PassStore, PoolStatus, SigningStore, Store, StoreResult,
    TemplateStore, WalletStore, WebhookStore,
};
use passmint_domain::signing::{IdentityExpiry, SigningCredentials};
use passmint_domain::template::Template;
use passmint_domain::wallet::{
    PushJob, RegisterOutcome, Registration, TemplateCascade, UpdatedSerials,
};
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

#[async_trait]
impl AccountStore for FailingStore {
    async fn insert_account(&self, account: &Account) -> StoreResult<()> {
        self.check("insert_account")?;
        self.inner.insert_account(account).await
    }

    async fn get_account(&self, id: &AccountId) -> StoreResult<Account> {
        self.check("get_account")?;
        self.inner.get_account(id).await
    }

    async fn insert_api_key(&self, key: &ApiKey) -> StoreResult<()> {
        self.check("insert_api_key")?;
        self.inner.insert_api_key(key).await
    }

    async fn find_api_key(&self, key_hash: &str) -> StoreResult<ApiKey> {
        self.check("find_api_key")?;
        self.inner.find_api_key(key_hash).await
    }

    async fn revoke_api_key(&self, key_hash: &str, at: OffsetDateTime) -> StoreResult<ApiKey> {
        self.check("revoke_api_key")?;
        self.inner.revoke_api_key(key_hash, at).await
    }
}

#[async_trait]
impl TemplateStore for FailingStore {
    async fn insert_template(
        &self,
        template: &Template,
        idem: Option<&IdemCompletion>,
    ) -> StoreResult<()> {
        self.check("insert_template")?;
        self.inner.insert_template(template, idem).await
    }

    async fn get_template(&self, account: &AccountId, id: &TemplateId) -> StoreResult<Template> {
        self.check("get_template")?;
        self.inner.get_template(account, id).await
    }

    async fn list_templates(
        &self,
        account: &AccountId,
        page: &PageRequest,
    ) -> StoreResult<Page<Template>> {
        self.check("list_templates")?;
        self.inner.list_templates(account, page).await
    }

    async fn update_template(
        &self,
        template: &Template,
        expected_updated_at: OffsetDateTime,
        idem: Option<&IdemCompletion>,
        cascade: Option<&TemplateCascade>,
    ) -> StoreResult<u64> {
        self.check("update_template")?;
        self.inner
            .update_template(template, expected_updated_at, idem, cascade)
            .await
    }
}

#[async_trait]
impl PassStore for FailingStore {
    async fn insert_pass(
        &self,
        pass: &Pass,
        event: &PassEvent,
        idem: Option<&IdemCompletion>,
    ) -> StoreResult<u64> {
        self.check("insert_pass")?;
        self.inner.insert_pass(pass, event, idem).await
    }

    async fn insert_pass_claiming(
        &self,
        claim: &IdemRequest,
        response: &StoredResponse,
        template_updated_at: OffsetDateTime,
        pass: &Pass,
        event: &PassEvent,
    ) -> StoreResult<ClaimedInsert> {
        self.check("insert_pass_claiming")?;
        self.inner
            .insert_pass_claiming(claim, response, template_updated_at, pass, event)
            .await
    }

    async fn get_pass(&self, scope: &Scope, id: &PassId) -> StoreResult<Pass> {
        self.check("get_pass")?;
        self.inner.get_pass(scope, id).await
    }

    async fn find_pass_by_short_id(&self, short_id: &str) -> StoreResult<Pass> {
        self.check("find_pass_by_short_id")?;
        self.inner.find_pass_by_short_id(short_id).await
    }

    async fn list_passes(
        &self,
        scope: &Scope,
        filter: &PassFilter,
        page: &PageRequest,
    ) -> StoreResult<Page<Pass>> {
        self.check("list_passes")?;
        self.inner.list_passes(scope, filter, page).await
    }

    async fn update_pass(
        &self,
        pass: &Pass,
        expected_version: i64,
        event: Option<&PassEvent>,
        idem: Option<&IdemCompletion>,
        push: bool,
    ) -> StoreResult<u64> {
        self.check("update_pass")?;
        self.inner
            .update_pass(pass, expected_version, event, idem, push)
            .await
    }

    async fn insert_event(&self, event: &PassEvent) -> StoreResult<u64> {
        self.check("insert_event")?;
        self.inner.insert_event(event).await
    }

    async fn insert_events(&self, events: &[PassEvent]) -> StoreResult<u64> {
        self.check("insert_events")?;
        self.inner.insert_events(events).await
    }

    async fn list_events(
        &self,
        scope: &Scope,
        pass: Option<&PassId>,
        page: &PageRequest,
    ) -> StoreResult<Page<PassEvent>> {
        self.check("list_events")?;
        self.inner.list_events(scope, pass, page).await
    }
}

#[async_trait]
impl IdempotencyStore for FailingStore {
    async fn begin_idempotent(&self, req: &IdemRequest) -> StoreResult<IdemBegin> {
        self.check("begin_idempotent")?;
        self.inner.begin_idempotent(req).await
    }

    async fn complete_idempotent(&self, completion: &IdemCompletion) -> StoreResult<()> {
        self.check("complete_idempotent")?;
        self.inner.complete_idempotent(completion).await
    }

    async fn release_idempotent(&self, ticket: &IdemTicket) -> StoreResult<()> {
        self.check("release_idempotent")?;
        self.inner.release_idempotent(ticket).await
    }

    async fn purge_idempotent(&self, now: OffsetDateTime) -> StoreResult<u64> {
        self.check("purge_idempotent")?;
        self.inner.purge_idempotent(now).await
    }
}

#[async_trait]
impl SigningStore for FailingStore {
    async fn set_signing_identity(
        &self,
        account: &AccountId,
        identity: &SigningCredentials,
    ) -> StoreResult<()> {
        self.check("set_signing_identity")?;
        self.inner.set_signing_identity(account, identity).await
    }

    async fn get_signing_identity(&self, account: &AccountId) -> StoreResult<SigningCredentials> {
        self.check("get_signing_identity")?;
        self.inner.get_signing_identity(account).await
    }

    async fn identities_expiring_before(
        &self,
        before: OffsetDateTime,
    ) -> StoreResult<Vec<IdentityExpiry>> {
        self.check("identities_expiring_before")?;
        self.inner.identities_expiring_before(before).await
    }

    async fn get_dev_identity(&self) -> StoreResult<SigningCredentials> {
        self.check("get_dev_identity")?;
        self.inner.get_dev_identity().await
    }

    async fn insert_dev_identity(
        &self,
        candidate: &SigningCredentials,
    ) -> StoreResult<SigningCredentials> {
        self.check("insert_dev_identity")?;
        self.inner.insert_dev_identity(candidate).await
    }
}

#[async_trait]
impl WebhookStore for FailingStore {
    async fn insert_webhook(
        &self,
        webhook: &Webhook,
        idem: Option<&IdemCompletion>,
    ) -> StoreResult<()> {
        self.check("insert_webhook")?;
        self.inner.insert_webhook(webhook, idem).await
    }

    async fn get_webhook(&self, scope: &Scope, id: &WebhookId) -> StoreResult<Webhook> {
        self.check("get_webhook")?;
        self.inner.get_webhook(scope, id).await
    }

    async fn list_webhooks(&self, scope: &Scope) -> StoreResult<Vec<Webhook>> {
        self.check("list_webhooks")?;
        self.inner.list_webhooks(scope).await
    }

    async fn update_webhook(
        &self,
        webhook: &Webhook,
        expected_updated_at: OffsetDateTime,
        idem: Option<&IdemCompletion>,
    ) -> StoreResult<()> {
        self.check("update_webhook")?;
        self.inner
            .update_webhook(webhook, expected_updated_at, idem)
            .await
    }

    async fn delete_webhook(&self, scope: &Scope, id: &WebhookId) -> StoreResult<()> {
        self.check("delete_webhook")?;
        self.inner.delete_webhook(scope, id).await
    }

    async fn list_deliveries(
        &self,
        scope: &Scope,
        webhook: &WebhookId,
        limit: u32,
    ) -> StoreResult<Page<WebhookDelivery>> {
        self.check("list_deliveries")?;
        self.inner.list_deliveries(scope, webhook, limit).await
    }

    async fn retry_delivery(
        &self,
        scope: &Scope,
        webhook: &WebhookId,
        delivery: &WebhookDeliveryId,
        at: OffsetDateTime,
    ) -> StoreResult<WebhookDelivery> {
        self.check("retry_delivery")?;
        self.inner
            .retry_delivery(scope, webhook, delivery, at)
            .await
    }

    async fn claim_deliveries(&self, claim: &ClaimRequest) -> StoreResult<Vec<ClaimedDelivery>> {
        self.check("claim_deliveries")?;
        self.inner.claim_deliveries(claim).await
    }

    async fn record_attempt(
        &self,
        id: &WebhookDeliveryId,
        token: &str,
        attempt: &AttemptRecord,
    ) -> StoreResult<()> {
        self.check("record_attempt")?;
        self.inner.record_attempt(id, token, attempt).await
    }
}

#[async_trait]
impl WalletStore for FailingStore {
    async fn find_pass_by_serial(&self, serial_number: &str) -> StoreResult<Pass> {
        self.check("find_pass_by_serial")?;
        self.inner.find_pass_by_serial(serial_number).await
    }

    async fn register_device(
        &self,
        registration: &Registration,
        event: &PassEvent,
    ) -> StoreResult<RegisterOutcome> {
        self.check("register_device")?;
        self.inner.register_device(registration, event).await
    }

    async fn unregister_device(
        &self,
        device_library_id: &str,
        pass: &PassId,
        only_push_token: Option<&str>,
        event: &PassEvent,
    ) -> StoreResult<Option<u64>> {
        self.check("unregister_device")?;
        self.inner
            .unregister_device(device_library_id, pass, only_push_token, event)
            .await
    }

    async fn updated_serials(
        &self,
        device_library_id: &str,
        pass_type_id: &str,
        since: Option<i64>,
    ) -> StoreResult<UpdatedSerials> {
        self.check("updated_serials")?;
        self.inner
            .updated_serials(device_library_id, pass_type_id, since)
            .await
    }

    async fn registrations_of(&self, pass: &PassId) -> StoreResult<Vec<Registration>> {
        self.check("registrations_of")?;
        self.inner.registrations_of(pass).await
    }

    async fn claim_pushes(&self, claim: &ClaimRequest) -> StoreResult<Vec<PushJob>> {
        self.check("claim_pushes")?;
        self.inner.claim_pushes(claim).await
    }

    async fn complete_pushes(&self, token: &str, ids: &[i64]) -> StoreResult<u64> {
        self.check("complete_pushes")?;
        self.inner.complete_pushes(token, ids).await
    }

    async fn reschedule_push(
        &self,
        id: i64,
        token: &str,
        at: OffsetDateTime,
        last_error: &str,
    ) -> StoreResult<()> {
        self.check("reschedule_push")?;
        self.inner.reschedule_push(id, token, at, last_error).await
    }

    async fn pending_pushes(&self) -> StoreResult<u64> {
        self.check("pending_pushes")?;
        self.inner.pending_pushes().await
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
