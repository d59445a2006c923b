//! [`PassStore`]: passes and their events.
//!
//! Issuing a pass is one `BEGIN IMMEDIATE` transaction on the writer: the
//! idempotency completion (first, so that a ticket that lost its key writes
//! nothing), for a live pass the conditional increment of
//! `accounts.live_pass_count` that enforces `live_pass_limit`, the pass, its
//! `created` event. Any failure (a unique violation, a lost ticket, the limit)
//! rolls all of it back. An update is the same: the conditional `UPDATE` (whose
//! zero rows are told apart as `NotFound` or `VersionChanged`), its event, its
//! completion.
//!
//! Issuing under a new idempotency key is the same transaction, the completion
//! replaced by the template guard (the version validated, not archived) and the
//! insert of the key's record already completed: a changed template or an existing
//! key ends it before anything is written.
//!
//! Every event is followed, in its transaction, by [`fan_out`]: the deliveries of
//! the webhooks subscribed to it (the outbox).
//!
//! An update with `push` takes the next wallet tag first (a refused update rolls
//! it back), stores it with the pass in the same `UPDATE`, and enqueues the pass's
//! push jobs after its event ([`crate::wallet`]).

use crate::SqliteStore;
use crate::error::store_error;
use crate::events::insert_event;
use crate::idempotency::{claim_completed, complete, completion};
use crate::list::{exists, fetch};
use crate::sql::{Bind, Stmt};
use crate::wallet::{enqueue_pushes, next_tag};
use crate::webhooks::fan_out;
use async_trait::async_trait;
use diesel::{RunQueryDsl, SqliteConnection};
use passmint_domain::StoreError;
use passmint_domain::event::PassEvent;
use passmint_domain::idempotency::{ClaimedInsert, IdemCompletion};
use passmint_domain::ids::PassId;
use passmint_domain::mode::{Mode, Scope};
use passmint_domain::page::{Page, PageRequest};
use passmint_domain::pass::{Pass, PassFilter};
use passmint_domain::ports::ClaimingInsert;
use passmint_domain::ports::{PassStore, StoreResult};
use passmint_domain::template::Template;
use passmint_store_sql::statements::{FIND_BY_SHORT_ID, GET_PASS, GET_TEMPLATE};
use passmint_store_sql::{PASS_COLUMNS, event_list, pass_binds, pass_list};
use std::sync::LazyLock;

static INSERT: LazyLock<String> = LazyLock::new(|| {
    format!(
        "INSERT INTO passes ({PASS_COLUMNS}) VALUES \
         ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)"
    )
});
/// Counts a live pass against the account's limit (one row changed when there was
/// room).
const COUNT_LIVE: &str = "UPDATE accounts SET live_pass_count = live_pass_count + 1 \
     WHERE id = $1 AND (live_pass_limit IS NULL OR live_pass_count < live_pass_limit)";

/// `$1..$16` are the pass, `$17` the expected version, `$18` the new wallet tag
/// (NULL keeps the tag).
pub(crate) const UPDATE: &str = "UPDATE passes SET template_id = $4, short_id = $5, serial_number = $6, \
     auth_token = $7, holder_email = $8, holder_name = $9, field_values = $10, \
     metadata = $11, voided_at = $12, created_via_api = $13, created_at = $14, \
     updated_at = $15, version = $16, wallet_tag = coalesce($18, wallet_tag) \
     WHERE id = $1 AND (account_id, mode) IS NOT DISTINCT FROM ($2, $3) AND version = $17";

fn scope_binds(scope: &Scope) -> Vec<(&'static str, Bind)> {
    vec![
        ("account_id", Bind::text(scope.account_id.as_str())),
        ("mode", Bind::text(scope.mode.as_str())),
    ]
}

#[async_trait]
impl PassStore for SqliteStore {
    async fn insert_pass(
        &self,
        pass: &Pass,
        event: &PassEvent,
        idem: Option<&IdemCompletion>,
    ) -> StoreResult<u64> {
        let insert = Stmt::new(INSERT.as_str(), pass_binds(pass)?);
        let (event, event_stmt) = (event.clone(), insert_event(event)?);
        let snapshot = pass.clone();
        let done = idem.map(completion);
        let account = pass.account_id.as_str().to_owned();
        let count =
            (pass.mode == Mode::Live).then(|| Stmt::new(COUNT_LIVE, vec![Bind::text(&account)]));
        self.write_tx(move |conn| {
            if let Some(done) = done {
                complete(conn, done)?;
            }
            if let Some(count) = count
                && count.execute(conn).map_err(store_error)? == 0
            {
                return Err(if exists(conn, "accounts", &account, vec![])? {
                    StoreError::LimitReached
                } else {
                    StoreError::NotFound
                });
            }
            insert.execute(conn).map_err(store_error)?;
            event_stmt.execute(conn).map_err(store_error)?;
            fan_out(conn, &event, Some(&snapshot))
        })
        .await
    }

    async fn insert_pass_claiming(&self, input: &ClaimingInsert<'_>) -> StoreResult<ClaimedInsert> {
        let insert = Stmt::new(INSERT.as_str(), pass_binds(input.pass)?);
        let (event, event_stmt) = (input.event.clone(), insert_event(input.event)?);
        let snapshot = input.pass.clone();
        let claim = claim_completed(input.claim, input.response);
        let template_updated_at = input.template_updated_at;
        let account = input.pass.account_id.as_str().to_owned();
        let template = input.pass.template_id.as_str().to_owned();
        let count = (input.pass.mode == Mode::Live)
            .then(|| Stmt::new(COUNT_LIVE, vec![Bind::text(&account)]));
        self.write_tx(move |conn| {
            let guard = vec![
                ("account_id", Bind::text(&account)),
                ("updated_at", Bind::time(template_updated_at)),
                ("archived", Bind::Bool(false)),
            ];
            if !exists(conn, "templates", &template, guard)? {
                return Ok(ClaimedInsert::TemplateChanged);
            }
            if claim.execute(conn).map_err(store_error)? == 0 {
                return Ok(ClaimedInsert::KeyTaken);
            }
            if let Some(count) = count
                && count.execute(conn).map_err(store_error)? == 0
            {
                return Err(StoreError::LimitReached);
            }
            insert.execute(conn).map_err(store_error)?;
            event_stmt.execute(conn).map_err(store_error)?;
            let enqueued = fan_out(conn, &event, Some(&snapshot))?;
            Ok(ClaimedInsert::Inserted { enqueued })
        })
        .await
    }

    async fn get_pass(&self, scope: &Scope, id: &PassId) -> StoreResult<Pass> {
        let stmt = Stmt::new(
            GET_PASS.as_str(),
            vec![
                Bind::text(id.as_str()),
                Bind::text(scope.account_id.as_str()),
                Bind::text(scope.mode.as_str()),
            ],
        );
        self.read(move |conn| stmt.one::<Pass>(conn)).await
    }

    async fn find_public_pass(&self, short_id: &str) -> StoreResult<(Pass, Template)> {
        let stmt = Stmt::new(FIND_BY_SHORT_ID.as_str(), vec![Bind::text(short_id)]);
        // Both reads on one reader connection: one hand-off to a blocking thread.
        self.read(move |conn| {
            let pass = stmt.one::<Pass>(conn)?;
            with_template(conn, pass)
        })
        .await
    }

    async fn list_passes(
        &self,
        scope: &Scope,
        filter: &PassFilter,
        page: &PageRequest,
    ) -> StoreResult<Page<Pass>> {
        let list = pass_list(scope, filter);
        let page = page.clone();
        self.read(move |conn| fetch::<Pass>(list, conn, &page))
            .await
    }

    async fn update_pass(
        &self,
        pass: &Pass,
        expected_version: i64,
        event: Option<&PassEvent>,
        idem: Option<&IdemCompletion>,
        push: bool,
    ) -> StoreResult<u64> {
        let mut binds = pass_binds(pass)?;
        binds.push(Bind::BigInt(expected_version));
        let event = match event {
            Some(e) => Some((e.clone(), insert_event(e)?)),
            None => None,
        };
        let snapshot = pass.clone();
        let done = idem.map(completion);
        let id = pass.id.as_str().to_owned();
        let scope = scope_binds(&pass.scope());
        self.write_tx(move |conn| {
            let tag = if push { Some(next_tag(conn)?) } else { None };
            binds.push(Bind::NullableBigInt(tag));
            let update = Stmt::new(UPDATE, binds);
            if update.execute(conn).map_err(store_error)? == 0 {
                return Err(if exists(conn, "passes", &id, scope)? {
                    StoreError::VersionChanged
                } else {
                    StoreError::NotFound
                });
            }
            let enqueued = match event {
                Some((event, stmt)) => {
                    stmt.execute(conn).map_err(store_error)?;
                    fan_out(conn, &event, Some(&snapshot))?
                }
                None => 0,
            };
            if push {
                enqueue_pushes(conn, &id, snapshot.updated_at)?;
            }
            if let Some(done) = done {
                complete(conn, done)?;
            }
            Ok(enqueued)
        })
        .await
    }

    async fn insert_event(&self, event: &PassEvent) -> StoreResult<u64> {
        // An event of a missing pass is a foreign-key violation, mapped to `NotFound`.
        let stmt = insert_event(event)?;
        let event = event.clone();
        self.write_tx(move |conn| {
            stmt.execute(conn).map_err(store_error)?;
            fan_out(conn, &event, None)
        })
        .await
    }

    async fn insert_events(&self, events: &[PassEvent]) -> StoreResult<u64> {
        let stmts = events
            .iter()
            .map(|e| Ok((e.clone(), insert_event(e)?)))
            .collect::<StoreResult<Vec<_>>>()?;
        self.write_tx(move |conn| {
            let mut enqueued = 0;
            for (event, stmt) in stmts {
                stmt.execute(conn).map_err(store_error)?;
                enqueued += fan_out(conn, &event, None)?;
            }
            Ok(enqueued)
        })
        .await
    }

    async fn list_events(
        &self,
        scope: &Scope,
        pass: Option<&PassId>,
        page: &PageRequest,
    ) -> StoreResult<Page<PassEvent>> {
        let list = event_list(scope, pass);
        let page = page.clone();
        self.read(move |conn| fetch::<PassEvent>(list, conn, &page))
            .await
    }
}

/// The pass with its template, read on `conn` (a public page needs both).
pub(crate) fn with_template(
    conn: &mut SqliteConnection,
    pass: Pass,
) -> StoreResult<(Pass, Template)> {
    let template = Stmt::new(
        GET_TEMPLATE.as_str(),
        vec![
            Bind::text(pass.template_id.as_str()),
            Bind::text(pass.account_id.as_str()),
        ],
    )
    .one::<Template>(conn)?;
    Ok((pass, template))
}
