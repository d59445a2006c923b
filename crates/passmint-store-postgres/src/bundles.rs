//! [`BundleStore`] (docs/api.md §12). An insert and its idempotency completion are
//! one statement (the insert reads the `done` CTE, so a lost ticket inserts
//! nothing). A public look-up is two keyed statements on one connection: the
//! bundle by its short id, then its passes by their primary key, each with its
//! template by the template's key, in the bundle's order.

use crate::PgStore;
use crate::idempotency::{insert_row, insert_row_sql, with_completion};
use crate::passes::{PassAndTemplate, pass_and_template_columns};
use crate::sql::{Bind, Stmt};
use async_trait::async_trait;
use passmint_domain::bundle::{Bundle, PublicBundle};
use passmint_domain::idempotency::IdemCompletion;
use passmint_domain::ids::{BundleId, PassId};
use passmint_domain::mode::Scope;
use passmint_domain::ports::{BundleStore, StoreResult};
use passmint_store_sql::{BUNDLE_COLUMNS, FIND_BUNDLE, GET_BUNDLE, bundle_binds, scope_binds};
use std::sync::LazyLock;

/// The insert alone and with the completion after the bundle's `$1..$6`.
pub(crate) static INSERT: LazyLock<[String; 2]> = LazyLock::new(|| {
    [
        insert_row_sql("bundles", BUNDLE_COLUMNS, false),
        insert_row_sql("bundles", BUNDLE_COLUMNS, true),
    ]
});

/// `$1` the pass ids (`text[]`): each pass by its key and its template by the
/// template's key, in the order of `$1` (one index probe per id, however the
/// planner guesses the array's length).
pub(crate) static PASSES: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT {} FROM unnest($1::text[]) WITH ORDINALITY AS x(id, n) \
         JOIN passes p ON p.id = x.id \
         JOIN templates t ON t.id = p.template_id AND t.account_id = p.account_id \
         ORDER BY x.n",
        pass_and_template_columns()
    )
});

#[async_trait]
impl BundleStore for PgStore {
    async fn insert_bundle(
        &self,
        bundle: &Bundle,
        idem: Option<&IdemCompletion>,
    ) -> StoreResult<()> {
        let mut binds = bundle_binds(bundle)?;
        let sql = with_completion(&mut binds, idem, &INSERT[0], &INSERT[1]);
        let mut conn = self.conn().await?;
        // An unknown account is a foreign-key violation, mapped to `NotFound`.
        insert_row(&mut conn, sql, binds).await
    }

    async fn get_bundle(&self, scope: &Scope, id: &BundleId) -> StoreResult<Bundle> {
        let mut binds = vec![Bind::Text(id.as_str())];
        binds.extend(scope_binds(scope));
        let mut conn = self.conn().await?;
        Stmt::new(GET_BUNDLE.as_str(), binds)
            .one::<Bundle>(&mut conn)
            .await
    }

    async fn find_public_bundle(&self, short_id: &str) -> StoreResult<PublicBundle> {
        let mut conn = self.conn().await?;
        let bundle = Stmt::new(FIND_BUNDLE.as_str(), vec![Bind::Text(short_id)])
            .one::<Bundle>(&mut conn)
            .await?;
        let ids: Vec<&str> = bundle.pass_ids.iter().map(PassId::as_str).collect();
        let rows = Stmt::new(PASSES.as_str(), vec![Bind::TextArray(&ids)])
            .all::<PassAndTemplate>(&mut conn)
            .await?;
        let passes = rows.into_iter().map(|r| (r.0, r.1)).collect();
        Ok(PublicBundle { bundle, passes })
    }
}
