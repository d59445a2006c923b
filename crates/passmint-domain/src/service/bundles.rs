//! The bundle use cases (docs/api.md §12): create a bundle of passes, retrieve
//! it, and find it behind its public short id.

use super::{Passmint, Principal, SHORT_ID_LEN, found};
use crate::bundle::{Bundle, PublicBundle, check_pass_ids};
use crate::error::{DomainError, StoreError};
use crate::idempotency::IdemFinish;
use crate::ids::{BundleId, PassId};

/// A bundle to create: the pass ids as the request gave them.
pub struct NewBundle {
    pub pass_ids: Vec<String>,
}

fn missing_pass(i: usize, id: &str) -> DomainError {
    DomainError::invalid_code(
        format!("pass_ids[{i}]"),
        "resource_missing",
        format!("No such pass: '{id}'"),
    )
}

impl Passmint {
    /// Creates a bundle of passes of the caller's account and mode, none voided
    /// (docs/api.md §12). Each refused id is named by its place in the list.
    pub async fn create_bundle(
        &self,
        who: &Principal,
        new: NewBundle,
        idem: Option<IdemFinish<Bundle>>,
    ) -> Result<Bundle, DomainError> {
        check_pass_ids(&new.pass_ids)?;
        let scope = who.scope();
        let mut pass_ids = Vec::with_capacity(new.pass_ids.len());
        for (i, id) in new.pass_ids.iter().enumerate() {
            let pid = PassId::parse(id).ok_or_else(|| missing_pass(i, id))?;
            let pass = match self.store.get_pass(&scope, &pid).await {
                Ok(p) => p,
                Err(StoreError::NotFound) => return Err(missing_pass(i, id)),
                Err(e) => return Err(e.into()),
            };
            if pass.voided() {
                return Err(DomainError::invalid_code(
                    format!("pass_ids[{i}]"),
                    "pass_voided",
                    format!("Pass '{id}' is voided; a bundle may only hold passes in use."),
                ));
            }
            pass_ids.push(pid);
        }
        let bundle = Bundle {
            id: BundleId::from_body(&self.body()),
            account_id: who.account_id.clone(),
            mode: who.mode,
            short_id: self.ids.base62(SHORT_ID_LEN),
            pass_ids,
            created_at: self.clock.now(),
        };
        let completion = idem.as_ref().map(|f| f.complete(&bundle));
        self.store
            .insert_bundle(&bundle, completion.as_ref())
            .await?;
        Ok(bundle)
    }

    pub async fn get_bundle(&self, who: &Principal, id: &str) -> Result<Bundle, DomainError> {
        let bid = BundleId::parse(id).ok_or_else(|| DomainError::not_found("bundle", id))?;
        found(
            self.store.get_bundle(&who.scope(), &bid).await,
            "bundle",
            id,
        )
    }

    /// The bundle behind a public short id, in any account and mode, with its
    /// passes and their templates. `NotFound` (resource `bundle`) when there is
    /// none.
    pub async fn public_bundle(&self, short_id: &str) -> Result<PublicBundle, DomainError> {
        super::public_lookup("bundle", short_id, self.store.find_public_bundle(short_id)).await
    }
}
