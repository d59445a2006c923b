//! [`TemplateStore`]. An insert or update that carries an idempotency completion is
//! one `BEGIN IMMEDIATE` transaction with it (completion first: a ticket that lost
//! its key writes nothing); without one, an insert is a single statement.

use crate::SqliteStore;
use crate::error::store_error;
use crate::idempotency::{complete, completion};
use crate::list::{List, exists};
use crate::rows::{TEMPLATE_COLUMNS, TemplateRow};
use crate::sql::{Bind, Stmt};
use async_trait::async_trait;
use diesel::RunQueryDsl;
use passmint_domain::StoreError;
use passmint_domain::idempotency::IdemCompletion;
use passmint_domain::ids::{AccountId, TemplateId};
use passmint_domain::page::{Page, PageRequest};
use passmint_domain::ports::{StoreResult, TemplateStore};
use passmint_domain::template::Template;
use std::sync::LazyLock;
use time::OffsetDateTime;

static INSERT: LazyLock<String> = LazyLock::new(|| {
    format!(
        "INSERT INTO templates ({TEMPLATE_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
    )
});

static GET: LazyLock<String> = LazyLock::new(|| {
    format!("SELECT {TEMPLATE_COLUMNS} FROM templates WHERE id = $1 AND account_id = $2")
});

/// `$1..$9` are the template and `$10` the expected `updated_at`.
const UPDATE: &str = "UPDATE templates SET name = $3, kind = $4, apple_style = $5, \
     design = $6, archived = $7, created_at = $8, updated_at = $9 \
     WHERE id = $1 AND account_id = $2 AND updated_at = $10";

/// `$1..$9`, in [`TEMPLATE_COLUMNS`] order.
fn template_binds(t: &Template) -> StoreResult<Vec<Bind>> {
    Ok(vec![
        Bind::text(t.id.as_str()),
        Bind::text(t.account_id.as_str()),
        Bind::text(&t.name),
        Bind::text(t.kind.as_str()),
        Bind::text(t.apple_style.as_str()),
        Bind::json(&t.design).map_err(|e| StoreError::Backend(format!("design: {e}")))?,
        Bind::Bool(t.archived),
        Bind::time(t.created_at),
        Bind::time(t.updated_at),
    ])
}

/// The conflict of an update whose expectation no longer holds.
const CHANGED: &str = "the template changed since it was read";

#[async_trait]
impl TemplateStore for SqliteStore {
    async fn insert_template(
        &self,
        template: &Template,
        idem: Option<&IdemCompletion>,
    ) -> StoreResult<()> {
        let insert = Stmt::new(INSERT.as_str(), template_binds(template)?);
        match idem.map(completion) {
            None => {
                self.write(move |conn| insert.execute(conn).map(drop).map_err(store_error))
                    .await
            }
            Some(done) => {
                self.write_tx(move |conn| {
                    complete(conn, done)?;
                    insert.execute(conn).map(drop).map_err(store_error)
                })
                .await
            }
        }
    }

    async fn get_template(&self, account: &AccountId, id: &TemplateId) -> StoreResult<Template> {
        let stmt = Stmt::new(
            GET.as_str(),
            vec![Bind::text(id.as_str()), Bind::text(account.as_str())],
        );
        self.read(move |conn| {
            stmt.get_result::<TemplateRow>(conn)
                .map_err(store_error)?
                .try_into()
        })
        .await
    }

    async fn list_templates(
        &self,
        account: &AccountId,
        page: &PageRequest,
    ) -> StoreResult<Page<Template>> {
        let list = List {
            table: "templates",
            columns: TEMPLATE_COLUMNS,
            scope: vec![("account_id", Bind::text(account.as_str()))],
            filters: Vec::new(),
            condition: Some("archived = 0"),
        };
        let page = page.clone();
        self.read(move |conn| list.fetch::<TemplateRow, Template>(conn, &page))
            .await
    }

    async fn update_template(
        &self,
        template: &Template,
        expected_updated_at: OffsetDateTime,
        idem: Option<&IdemCompletion>,
    ) -> StoreResult<()> {
        let mut binds = template_binds(template)?;
        binds.push(Bind::time(expected_updated_at));
        let update = Stmt::new(UPDATE, binds);
        let done = idem.map(completion);
        let id = template.id.as_str().to_owned();
        let account = template.account_id.as_str().to_owned();
        self.write_tx(move |conn| {
            if update.execute(conn).map_err(store_error)? == 0 {
                let scope = vec![("account_id", Bind::Text(account))];
                return Err(if exists(conn, "templates", &id, scope)? {
                    StoreError::Conflict(CHANGED.into())
                } else {
                    StoreError::NotFound
                });
            }
            match done {
                Some(done) => complete(conn, done),
                None => Ok(()),
            }
        })
        .await
    }
}
