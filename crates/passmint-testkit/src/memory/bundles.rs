//! Bundles in memory.

use super::{MemoryStore, duplicate};
use async_trait::async_trait;
use passmint_domain::bundle::{Bundle, PublicBundle};
use passmint_domain::error::StoreError;
use passmint_domain::idempotency::IdemCompletion;
use passmint_domain::ids::BundleId;
use passmint_domain::mode::Scope;
use passmint_domain::ports::{BundleStore, StoreResult};

#[async_trait]
impl BundleStore for MemoryStore {
    async fn insert_bundle(
        &self,
        bundle: &Bundle,
        idem: Option<&IdemCompletion>,
    ) -> StoreResult<()> {
        let mut s = self.state();
        if s.bundles.contains(bundle.id.as_str()) {
            return Err(duplicate("bundle id exists"));
        }
        if s.bundle_short_ids.contains_key(&bundle.short_id) {
            return Err(duplicate("bundle short id exists"));
        }
        if !s.accounts.contains_key(&bundle.account_id) {
            return Err(StoreError::NotFound);
        }
        s.check_completion(idem)?;
        let seq = s.next_seq();
        s.bundles.insert(seq, bundle.id.as_str(), bundle.clone());
        s.bundle_short_ids
            .insert(bundle.short_id.clone(), bundle.id.clone());
        s.complete(idem);
        Ok(())
    }

    async fn get_bundle(&self, scope: &Scope, id: &BundleId) -> StoreResult<Bundle> {
        match self.state().bundles.get(id.as_str()) {
            Some(b) if &b.scope() == scope => Ok(b.clone()),
            _ => Err(StoreError::NotFound),
        }
    }

    async fn find_public_bundle(&self, short_id: &str) -> StoreResult<PublicBundle> {
        let s = self.state();
        let bundle = s
            .bundle_short_ids
            .get(short_id)
            .and_then(|id| s.bundles.get(id.as_str()))
            .cloned()
            .ok_or(StoreError::NotFound)?;
        let passes = bundle
            .pass_ids
            .iter()
            .filter_map(|id| s.passes.get(id.as_str()))
            .filter_map(|p| {
                let t = s.templates.get(p.template_id.as_str())?;
                Some((p.clone(), t.clone()))
            })
            .collect();
        Ok(PublicBundle { bundle, passes })
    }
}
