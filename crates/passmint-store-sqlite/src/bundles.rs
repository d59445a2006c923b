//! [`BundleStore`] (docs/api.md §12). An insert with its idempotency completion
//! runs in one transaction; a public look-up reads the bundle by its short id,
//! then each pass by its key and its template, all on one reader connection.

use crate::SqliteStore;
use crate::passes::with_template;
use crate::sql::{Bind, Stmt};
use async_trait::async_trait;
use passmint_domain::StoreError;
use passmint_domain::bundle::{Bundle, PublicBundle};
use passmint_domain::idempotency::IdemCompletion;
use passmint_domain::ids::BundleId;
use passmint_domain::mode::Scope;
use passmint_domain::pass::Pass;
use passmint_domain::ports::{BundleStore, StoreResult};
use passmint_store_sql::statements::GET_PASS;
use passmint_store_sql::{FIND_BUNDLE, GET_BUNDLE, INSERT_BUNDLE, bundle_binds, scope_binds};

#[async_trait]
impl BundleStore for SqliteStore {
    async fn insert_bundle(
        &self,
        bundle: &Bundle,
        idem: Option<&IdemCompletion>,
    ) -> StoreResult<()> {
        // An unknown account is a foreign-key violation, mapped to `NotFound`.
        let insert = Stmt::new(INSERT_BUNDLE.as_str(), bundle_binds(bundle)?);
        self.insert_completing(insert, idem).await
    }

    async fn get_bundle(&self, scope: &Scope, id: &BundleId) -> StoreResult<Bundle> {
        let mut binds = vec![Bind::text(id.as_str())];
        binds.extend(scope_binds(scope));
        let stmt = Stmt::new(GET_BUNDLE.as_str(), binds);
        self.read(move |conn| stmt.one::<Bundle>(conn)).await
    }

    async fn find_public_bundle(&self, short_id: &str) -> StoreResult<PublicBundle> {
        let stmt = Stmt::new(FIND_BUNDLE.as_str(), vec![Bind::text(short_id)]);
        self.read(move |conn| {
            let bundle = stmt.one::<Bundle>(conn)?;
            let mut passes = Vec::with_capacity(bundle.pass_ids.len());
            for id in &bundle.pass_ids {
                let pass = match Stmt::new(
                    GET_PASS.as_str(),
                    vec![
                        Bind::text(id.as_str()),
                        Bind::text(bundle.account_id.as_str()),
                        Bind::text(bundle.mode.as_str()),
                    ],
                )
                .one::<Pass>(conn)
                {
                    Ok(pass) => pass,
                    Err(StoreError::NotFound) => continue,
                    Err(e) => return Err(e),
                };
                passes.push(with_template(conn, pass)?);
            }
            Ok(PublicBundle { bundle, passes })
        })
        .await
    }
}
