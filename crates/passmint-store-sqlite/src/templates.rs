//! [`TemplateStore`]. An insert or update that carries an idempotency completion is
//! one `BEGIN IMMEDIATE` transaction with it (completion first: a ticket that lost
//! its key writes nothing); without one, an insert is a single statement.
//!
//! An update with a [`TemplateCascade`] changes the template's passes in its
//! transaction: one wallet tag for all of them, one `UPDATE … RETURNING` of every
//! non-voided pass of the template (version, `updated_at`, tag), then for each
//! returned pass its `updated` event, the event's webhook deliveries (with the pass
//! as returned) and its push jobs.

use crate::SqliteStore;
use crate::error::store_error;
use crate::events::insert_event;
use crate::idempotency::{complete, completion};
use crate::list::{exists, fetch};
use crate::sql::{Bind, Stmt};
use crate::wallet::{enqueue_pushes, next_tag};
use crate::webhooks::fan_out;
use async_trait::async_trait;
use diesel::{RunQueryDsl, SqliteConnection};
use passmint_domain::StoreError;
use passmint_domain::event::{EventType, PassEvent};
use passmint_domain::idempotency::IdemCompletion;
use passmint_domain::ids::{AccountId, TemplateId};
use passmint_domain::page::{Page, PageRequest};
use passmint_domain::pass::Pass;
use passmint_domain::ports::TemplateUpdate;
use passmint_domain::ports::{StoreResult, TemplateStore};
use passmint_domain::template::Template;
use passmint_domain::wallet::TemplateCascade;
use passmint_store_sql::statements::GET_TEMPLATE;
use passmint_store_sql::{PASS_COLUMNS, TEMPLATE_COLUMNS, template_binds, template_list};
use std::sync::LazyLock;
use time::OffsetDateTime;

static INSERT: LazyLock<String> = LazyLock::new(|| {
    format!(
        "INSERT INTO templates ({TEMPLATE_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
    )
});

/// `$1..$9` are the template and `$10` the expected `updated_at`.
pub(crate) const UPDATE: &str = "UPDATE templates SET name = $3, kind = $4, apple_style = $5, \
     design = $6, archived = $7, created_at = $8, updated_at = $9 \
     WHERE id = $1 AND account_id IS NOT DISTINCT FROM $2 AND updated_at = $10";

/// `$1` account, `$2` template, `$3` the passes' `updated_at`, `$4` their tag. The
/// passes of a template are its account's; `mode IN (…)` lets SQLite seek
/// `passes_template_idx` for both modes.
static CASCADE: LazyLock<String> = LazyLock::new(|| {
    format!(
        "UPDATE passes SET version = version + 1, updated_at = $3, wallet_tag = $4 \
         WHERE account_id = $1 AND mode IN ('test', 'live') AND template_id = $2 \
         AND voided_at IS NULL RETURNING {PASS_COLUMNS}"
    )
});

/// The update of every non-voided pass of the template, returning them as changed.
pub(crate) fn cascade_passes(account: &str, template: &str, at: OffsetDateTime, tag: i64) -> Stmt {
    Stmt::new(
        CASCADE.as_str(),
        vec![
            Bind::text(account),
            Bind::text(template),
            Bind::time(at),
            Bind::BigInt(tag),
        ],
    )
}

/// Runs `cascade` over the passes of `template` in the caller's transaction;
/// returns how many webhook deliveries were enqueued.
fn run_cascade(
    conn: &mut SqliteConnection,
    template: &Template,
    cascade: &TemplateCascade,
) -> StoreResult<u64> {
    let tag = next_tag(conn)?;
    let passes = cascade_passes(
        template.account_id.as_str(),
        template.id.as_str(),
        cascade.at,
        tag,
    )
    .all::<Pass>(conn)?;
    let mut enqueued = 0;
    for pass in passes {
        let event = PassEvent {
            id: cascade.event_id(&template.id, &pass.id),
            account_id: pass.account_id.clone(),
            mode: pass.mode,
            pass_id: pass.id.clone(),
            kind: EventType::Updated,
            metadata: cascade.metadata.clone(),
            created_at: cascade.at,
        };
        insert_event(&event)?.execute(conn).map_err(store_error)?;
        enqueued += fan_out(conn, &event, Some(&pass))?;
        enqueue_pushes(conn, pass.id.as_str(), cascade.at)?;
    }
    Ok(enqueued)
}

#[async_trait]
impl TemplateStore for SqliteStore {
    async fn insert_template(
        &self,
        template: &Template,
        idem: Option<&IdemCompletion>,
    ) -> StoreResult<()> {
        let insert = Stmt::new(INSERT.as_str(), template_binds(template)?);
        self.insert_completing(insert, idem).await
    }

    async fn get_template(&self, account: &AccountId, id: &TemplateId) -> StoreResult<Template> {
        let stmt = Stmt::new(
            GET_TEMPLATE.as_str(),
            vec![Bind::text(id.as_str()), Bind::text(account.as_str())],
        );
        self.read(move |conn| stmt.one::<Template>(conn)).await
    }

    async fn list_templates(
        &self,
        account: &AccountId,
        page: &PageRequest,
    ) -> StoreResult<Page<Template>> {
        let list = template_list(account, "archived = 0");
        let page = page.clone();
        self.read(move |conn| fetch::<Template>(list, conn, &page))
            .await
    }

    async fn update_template(&self, input: &TemplateUpdate<'_>) -> StoreResult<u64> {
        let mut binds = template_binds(input.template)?;
        binds.push(Bind::time(input.expected_updated_at));
        let update = Stmt::new(UPDATE, binds);
        let done = input.idem.map(completion);
        let template = input.template.clone();
        let cascade = input.cascade.cloned();
        self.write_tx(move |conn| {
            if update.execute(conn).map_err(store_error)? == 0 {
                let scope = vec![("account_id", Bind::text(template.account_id.as_str()))];
                return Err(if exists(conn, "templates", template.id.as_str(), scope)? {
                    StoreError::VersionChanged
                } else {
                    StoreError::NotFound
                });
            }
            let enqueued = match &cascade {
                Some(cascade) => run_cascade(conn, &template, cascade)?,
                None => 0,
            };
            if let Some(done) = done {
                complete(conn, done)?;
            }
            Ok(enqueued)
        })
        .await
    }
}
