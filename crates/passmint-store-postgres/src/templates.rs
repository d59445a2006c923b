//! [`TemplateStore`]. An insert and its idempotency completion are one statement
//! (the insert reads the `done` CTE, so a lost ticket inserts nothing); an update
//! with a completion runs in a transaction, since either half may fail alone.
//!
//! An update with a cascade runs in a transaction too: the template update, the
//! wallet tag (see [`crate::wallet`]), then one statement for every non-voided pass
//! of the template: version + 1 and the tag, an `updated` event each (its id
//! computed in SQL exactly as [`TemplateCascade::event_id`] does), the events'
//! webhook deliveries (with the pass after the change) and one push job per
//! registration.

use crate::PgStore;
use crate::error::TxError;
use crate::idempotency::{RowWrites, insert_row, with_completion};
use crate::list::fetch;
use crate::rows::UpdateOutcome;
use crate::sql::{Bind, Stmt};
use crate::wallet::{push_jobs_cte, tick};
use crate::webhooks::fan_out_each_cte;
use async_trait::async_trait;
use diesel_async::{AsyncConnection, RunQueryDsl};
use passmint_domain::StoreError;
use passmint_domain::event::EventType;
use passmint_domain::idempotency::IdemCompletion;
use passmint_domain::ids::{AccountId, EventId, TemplateId};
use passmint_domain::page::{Page, PageRequest};
use passmint_domain::ports::TemplateUpdate;
use passmint_domain::ports::{StoreResult, TemplateStore};
use passmint_domain::template::Template;
use passmint_store_sql::statements::{GET_TEMPLATE, TEMPLATE_SCOPE};
use passmint_store_sql::{EVENT_COLUMNS, SqlBind, TEMPLATE_COLUMNS, template_binds, template_list};
use std::sync::LazyLock;

/// `$1..$9` are the template and `$10` the expected `updated_at`.
pub(crate) static WRITES: LazyLock<RowWrites> = LazyLock::new(|| {
    RowWrites::new(
        "templates",
        TEMPLATE_COLUMNS,
        "name = $3, kind = $4, apple_style = $5, design = $6, archived = $7, \
         created_at = $8, updated_at = $9",
        TEMPLATE_SCOPE,
    )
});

/// The cascade: `$1` the template, `$2` its account, `$3` the time, `$4` the
/// events' metadata, `$5` the time in Unix microseconds (text), `$6` the wallet
/// tag; returns `enqueued`. The account and both modes lead the pass filter so
/// that it reads `passes_template_idx`.
static CASCADE: LazyLock<String> = LazyLock::new(|| {
    format!(
        "WITH u AS (UPDATE passes SET version = version + 1, updated_at = $3, wallet_tag = $6 \
         WHERE account_id = $2 AND mode IN ('test', 'live') AND template_id = $1 \
         AND voided_at IS NULL RETURNING *), \
         e AS (INSERT INTO pass_events ({EVENT_COLUMNS}) \
         SELECT '{}' || substr(encode(sha256(convert_to($1 || '.' || $5 || '.' || u.id, \
         'UTF8')), 'hex'), 1, 24), u.account_id, u.mode, u.id, '{}', $4, $3 FROM u \
         RETURNING id, account_id, mode, kind, created_at, pass_id), {}, {} \
         SELECT (SELECT count(*) FROM d) AS enqueued",
        EventId::PREFIX,
        EventType::Updated.as_str(),
        fan_out_each_cte("u"),
        push_jobs_cte("u", "$3"),
    )
});

#[derive(diesel::QueryableByName)]
struct Enqueued {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    enqueued: i64,
}

#[async_trait]
impl TemplateStore for PgStore {
    async fn insert_template(
        &self,
        template: &Template,
        idem: Option<&IdemCompletion>,
    ) -> StoreResult<()> {
        let mut binds = template_binds(template)?;
        let sql = with_completion(&mut binds, idem, &WRITES.insert, &WRITES.insert_completing);
        let mut conn = self.conn().await?;
        insert_row(&mut conn, sql, binds).await
    }

    async fn get_template(&self, account: &AccountId, id: &TemplateId) -> StoreResult<Template> {
        let mut conn = self.conn().await?;
        Stmt::new(
            GET_TEMPLATE.as_str(),
            vec![Bind::Text(id.as_str()), Bind::Text(account.as_str())],
        )
        .one::<Template>(&mut conn)
        .await
    }

    async fn list_templates(
        &self,
        account: &AccountId,
        page: &PageRequest,
    ) -> StoreResult<Page<Template>> {
        let mut conn = self.conn().await?;
        let list = template_list(account, "NOT archived");
        fetch::<Template>(list, &mut conn, page).await
    }

    async fn update_template(&self, input: &TemplateUpdate<'_>) -> StoreResult<u64> {
        let mut binds = template_binds(input.template)?;
        binds.push(Bind::Timestamptz(input.expected_updated_at));
        let sql = with_completion(
            &mut binds,
            input.idem,
            &WRITES.update,
            &WRITES.update_completing,
        );
        let mut conn = self.conn().await?;
        let Some(cascade) = input.cascade else {
            if input.idem.is_none() {
                // One write: the statement is atomic by itself.
                UpdateOutcome::run(&mut conn, sql, binds)
                    .await?
                    .check(StoreError::VersionChanged)?;
                return Ok(0);
            }
            return conn
                .transaction::<u64, TxError, _>(async move |conn| {
                    UpdateOutcome::run(conn, sql, binds)
                        .await?
                        .check(StoreError::VersionChanged)?;
                    Ok(0)
                })
                .await
                .map_err(|e| e.0);
        };
        let metadata = Bind::json(&cascade.metadata)
            .map_err(|e| StoreError::Backend(format!("cascade metadata: {e}")))?;
        let micros = (cascade.at.unix_timestamp_nanos() / 1000).to_string();
        conn.transaction::<u64, TxError, _>(async move |conn| {
            UpdateOutcome::run(conn, sql, binds)
                .await?
                .check(StoreError::VersionChanged)?;
            let tag = tick(conn).await?;
            let cascaded = Stmt::new(
                CASCADE.as_str(),
                vec![
                    Bind::Text(input.template.id.as_str()),
                    Bind::Text(input.template.account_id.as_str()),
                    Bind::Timestamptz(cascade.at),
                    metadata,
                    Bind::Text(&micros),
                    Bind::BigInt(tag),
                ],
            )
            .get_result::<Enqueued>(conn)
            .await?;
            Ok(u64::try_from(cascaded.enqueued).unwrap_or(0))
        })
        .await
        .map_err(|e| e.0)
    }
}
