//! [`WebhookStore`], and [`fan_out`], the outbox step every event write runs in
//! its transaction.
//!
//! - **Fan-out**: one statement finds the enabled webhooks of the event's scope
//!   whose `events` (a JSON array) hold `*` or `pass.<type>`; when there are any,
//!   each gets its delivery row, with the id of `WebhookDeliveryId::derive` and a
//!   snapshot of the pass (JSON of a [`PassSnapshot`] in microseconds), in the same transaction as
//!   the event.
//! - **Claims** are a `BEGIN IMMEDIATE` transaction on the writer: the due rows
//!   (`webhook_deliveries_due_idx`, an enabled webhook below its cap of deliveries
//!   in flight, counted on `webhook_deliveries_leased_idx`) are read and leased
//!   (`lease_token`, `due_at` = the lease's end) together. The writer serialises
//!   every write of the process and `BEGIN IMMEDIATE` those of other processes, so
//!   no two claims ever see the same row as due while its lease holds.
//! - **Records** are conditional on the lease token; the delete of a webhook
//!   cascades to its deliveries.

use crate::error::{decode_error, store_error};
use crate::idempotency::{complete, completion};
use crate::list::exists;
use crate::rows::Micros;
use crate::sql::{Bind, Stmt};
use crate::{SqliteStore, in_transaction};
use async_trait::async_trait;
use diesel::sql_types::Text;
use diesel::{QueryableByName, RunQueryDsl, SqliteConnection};
use passmint_domain::StoreError;
use passmint_domain::event::PassEvent;
use passmint_domain::idempotency::IdemCompletion;
use passmint_domain::ids::{WebhookDeliveryId, WebhookId};
use passmint_domain::mode::Scope;
use passmint_domain::page::{Page, PageRequest};
use passmint_domain::pass::Pass;
use passmint_domain::ports::{DeliveryRetry, LeasedAttempt};
use passmint_domain::ports::{StoreResult, WebhookStore};
use passmint_domain::webhook::{
    AttemptRecord, ClaimRequest, ClaimedDelivery, Webhook, WebhookDelivery,
};
use passmint_store_sql::sealing::SealedSecrets;
use passmint_store_sql::statements::{
    DELETE_WEBHOOK, GET_WEBHOOK, LIST_DELIVERIES, LIST_WEBHOOKS, RETRY_DELIVERY,
};
use passmint_store_sql::{
    Claimed, Lenient, PASS_COLUMNS, PassSnapshot, SqlBind, WEBHOOK_COLUMNS, claim_select,
    scope_binds, webhook_binds,
};
use std::collections::HashMap;
use std::sync::LazyLock;
use time::OffsetDateTime;

/// `$1` account, `$2` mode, `$3` the event's `pass.<type>`.
const SUBSCRIBED: &str = "SELECT id FROM webhooks \
     WHERE account_id = $1 AND mode = $2 AND enabled = 1 \
     AND EXISTS (SELECT 1 FROM json_each(webhooks.events) WHERE value IN ('*', $3))";
const ENQUEUE: &str = "INSERT INTO webhook_deliveries (id, webhook_id, account_id, mode, \
     event_id, event_type, pass_snapshot, status, attempts, next_attempt_at, due_at, created_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending', 0, $8, $8, $8)";
pub(crate) static PASS: LazyLock<String> =
    LazyLock::new(|| format!("SELECT {PASS_COLUMNS} FROM passes WHERE id = $1"));

#[derive(QueryableByName)]
struct IdRow {
    #[diesel(sql_type = Text)]
    id: String,
}

#[derive(QueryableByName)]
struct DueRow {
    #[diesel(sql_type = Text)]
    id: String,
    #[diesel(sql_type = Text)]
    webhook_id: String,
}

#[derive(QueryableByName)]
struct BusyRow {
    #[diesel(sql_type = Text)]
    webhook_id: String,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    n: i64,
}

/// Enqueues the deliveries of `event`, which this transaction has just inserted,
/// and returns how many. `pass` is the pass after the event; `None` reads it (only
/// when some webhook is subscribed).
pub(crate) fn fan_out(
    conn: &mut SqliteConnection,
    event: &PassEvent,
    pass: Option<&Pass>,
) -> StoreResult<u64> {
    let webhooks = Stmt::new(
        SUBSCRIBED,
        vec![
            Bind::text(event.account_id.as_str()),
            Bind::text(event.mode.as_str()),
            Bind::text(event.kind.webhook_type()),
        ],
    )
    .load::<IdRow>(conn)
    .map_err(store_error)?;
    if webhooks.is_empty() {
        return Ok(0);
    }
    let read;
    let pass = match pass {
        Some(p) => p,
        None => {
            read = Stmt::new(PASS.as_str(), vec![Bind::text(event.pass_id.as_str())])
                .one::<Pass>(conn)?;
            &read
        }
    };
    let snapshot = Bind::json(&PassSnapshot::<Micros>::from(pass))
        .map_err(|e| StoreError::Backend(format!("cannot encode the pass snapshot: {e}")))?;
    for w in &webhooks {
        let webhook = WebhookId::parse(&w.id).ok_or_else(|| decode_error("WebhookId", &w.id))?;
        Stmt::new(
            ENQUEUE,
            vec![
                Bind::text(WebhookDeliveryId::derive(&event.id, &webhook).as_str()),
                Bind::text(webhook.as_str()),
                Bind::text(event.account_id.as_str()),
                Bind::text(event.mode.as_str()),
                Bind::text(event.id.as_str()),
                Bind::text(event.kind.as_str()),
                snapshot.clone(),
                Bind::time(event.created_at),
            ],
        )
        .execute(conn)
        .map_err(store_error)?;
    }
    Ok(webhooks.len() as u64)
}

// ----- webhooks -----------------------------------------------------------------

static INSERT: LazyLock<String> = LazyLock::new(|| {
    format!(
        "INSERT INTO webhooks ({WEBHOOK_COLUMNS}) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
    )
});
/// `$1..$12` are the webhook and `$13` the expected `updated_at`.
pub(crate) const UPDATE: &str = "UPDATE webhooks SET url = $4, events = $5, description = $6, \
     enabled = $7, secret = $8, previous_secret = $9, previous_secret_expires_at = $10, \
     created_at = $11, updated_at = $12 \
     WHERE id = $1 AND (account_id, mode) IS NOT DISTINCT FROM ($2, $3) AND updated_at = $13";

// ----- deliveries ---------------------------------------------------------------

/// Each webhook's deliveries under a lease that holds at `$1`
/// (`webhook_deliveries_leased_idx`).
const BUSY: &str = "SELECT webhook_id, count(*) AS n FROM webhook_deliveries \
     WHERE lease_token IS NOT NULL AND due_at > $1 GROUP BY webhook_id";
/// The due deliveries, longest due first: `$1` now, `$2` the limit, `$3` a JSON
/// array of the webhooks at their cap of deliveries in flight (skipped).
const DUE: &str = "SELECT d.id, d.webhook_id FROM webhook_deliveries d \
     WHERE d.due_at <= $1 \
     AND EXISTS (SELECT 1 FROM webhooks w WHERE w.id = d.webhook_id AND w.enabled = 1) \
     AND d.webhook_id NOT IN (SELECT value FROM json_each($3)) \
     ORDER BY d.due_at, d.seq LIMIT $2";
/// Reads one claimed delivery with its snapshot, webhook (`w_*`) and event (`e_*`).
pub(crate) static CLAIMED: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT {} \
         FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id \
         JOIN pass_events e ON e.id = d.event_id WHERE d.id = $1",
        claim_select("d")
    )
});
pub(crate) const LEASE: &str =
    "UPDATE webhook_deliveries SET lease_token = $2, due_at = $3 WHERE id = $1";
pub(crate) const RECORD: &str = "UPDATE webhook_deliveries SET status = $3, attempts = attempts + 1, \
     last_attempt_at = $4, next_attempt_at = $5, due_at = $5, response_status = $6, \
     response_body = $7, lease_token = NULL \
     WHERE id = $1 AND lease_token = $2";

#[async_trait]
impl WebhookStore for SqliteStore {
    async fn insert_webhook(
        &self,
        webhook: &Webhook,
        idem: Option<&IdemCompletion>,
    ) -> StoreResult<()> {
        // An unknown account is a foreign-key violation, mapped to `NotFound`.
        let sealed = SealedSecrets::of(&self.keyring, webhook)?;
        let insert = Stmt::new(INSERT.as_str(), webhook_binds(webhook, &sealed)?);
        self.insert_completing(insert, idem).await
    }

    async fn get_webhook(&self, scope: &Scope, id: &WebhookId) -> StoreResult<Webhook> {
        let mut binds = vec![Bind::text(id.as_str())];
        binds.extend(scope_binds(scope));
        let stmt = Stmt::new(GET_WEBHOOK.as_str(), binds);
        self.read(move |conn| stmt.one::<Webhook>(conn)).await
    }

    async fn list_webhooks(&self, scope: &Scope) -> StoreResult<Vec<Webhook>> {
        let stmt = Stmt::new(LIST_WEBHOOKS.as_str(), scope_binds(scope));
        self.read(move |conn| stmt.all::<Webhook>(conn)).await
    }

    async fn update_webhook(
        &self,
        webhook: &Webhook,
        expected_updated_at: OffsetDateTime,
        idem: Option<&IdemCompletion>,
    ) -> StoreResult<()> {
        let sealed = SealedSecrets::of(&self.keyring, webhook)?;
        let mut binds = webhook_binds(webhook, &sealed)?;
        binds.push(Bind::time(expected_updated_at));
        let update = Stmt::new(UPDATE, binds);
        let done = idem.map(completion);
        let id = webhook.id.as_str().to_owned();
        let scope = vec![
            ("account_id", Bind::text(webhook.account_id.as_str())),
            ("mode", Bind::text(webhook.mode.as_str())),
        ];
        self.write_tx(move |conn| {
            if update.execute(conn).map_err(store_error)? == 0 {
                return Err(if exists(conn, "webhooks", &id, scope)? {
                    StoreError::VersionChanged
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

    async fn delete_webhook(&self, scope: &Scope, id: &WebhookId) -> StoreResult<()> {
        let mut binds = vec![Bind::text(id.as_str())];
        binds.extend(scope_binds(scope));
        let delete = Stmt::new(DELETE_WEBHOOK, binds);
        // The deliveries go with it (ON DELETE CASCADE), in this statement.
        self.write(
            move |conn| match delete.execute(conn).map_err(store_error)? {
                0 => Err(StoreError::NotFound),
                _ => Ok(()),
            },
        )
        .await
    }

    async fn list_deliveries(
        &self,
        scope: &Scope,
        webhook: &WebhookId,
        limit: u32,
    ) -> StoreResult<Page<WebhookDelivery>> {
        let mut binds = vec![Bind::text(webhook.as_str())];
        binds.extend(scope_binds(scope));
        binds.push(Bind::BigInt(i64::from(limit) + 1));
        let stmt = Stmt::new(LIST_DELIVERIES.as_str(), binds);
        let id = webhook.as_str().to_owned();
        let owner = vec![
            ("account_id", Bind::text(scope.account_id.as_str())),
            ("mode", Bind::text(scope.mode.as_str())),
        ];
        self.read(move |conn| {
            let rows = stmt.all::<WebhookDelivery>(conn)?;
            // Rows found are the webhook's, in scope; only an empty log needs the
            // check.
            if rows.is_empty() && !exists(conn, "webhooks", &id, owner)? {
                return Err(StoreError::NotFound);
            }
            Ok(Page::from_probe(rows, &PageRequest::first(limit)))
        })
        .await
    }

    async fn retry_delivery(&self, input: &DeliveryRetry<'_>) -> StoreResult<WebhookDelivery> {
        let mut binds = vec![
            Bind::text(input.delivery.as_str()),
            Bind::text(input.webhook.as_str()),
        ];
        binds.extend(scope_binds(input.scope));
        binds.push(Bind::time(input.at));
        let stmt = Stmt::new(RETRY_DELIVERY.as_str(), binds);
        self.write(move |conn| stmt.one::<WebhookDelivery>(conn))
            .await
    }

    async fn claim_deliveries(
        &self,
        claim: &ClaimRequest,
        per_webhook: u32,
    ) -> StoreResult<Vec<ClaimedDelivery>> {
        let (now, limit) = (claim.now, claim.limit);
        let token = claim.token.clone();
        let lease_until = claim.lease_until;
        self.write_urgent(move |conn| {
            in_transaction(conn, |conn| {
                // Deliveries in flight by webhook; those at the cap are skipped, and of
                // the others' due deliveries each takes up to its cap.
                let mut busy: HashMap<String, i64> = Stmt::new(BUSY, vec![Bind::time(now)])
                    .load::<BusyRow>(conn)
                    .map_err(store_error)?
                    .into_iter()
                    .map(|r| (r.webhook_id, r.n))
                    .collect();
                let cap = i64::from(per_webhook);
                let full: Vec<&String> = busy
                    .iter()
                    .filter(|(_, n)| **n >= cap)
                    .map(|(w, _)| w)
                    .collect();
                let full =
                    serde_json::to_string(&full).map_err(|e| StoreError::Backend(e.to_string()))?;
                let due = Stmt::new(
                    DUE,
                    vec![
                        Bind::time(now),
                        Bind::BigInt(i64::from(limit)),
                        Bind::text(&full),
                    ],
                )
                .load::<DueRow>(conn)
                .map_err(store_error)?;
                let ids: Vec<String> = due
                    .into_iter()
                    .filter_map(|DueRow { id, webhook_id }| {
                        let n = busy.entry(webhook_id).or_default();
                        *n += 1;
                        (*n <= cap).then_some(id)
                    })
                    .collect();
                let mut out = Vec::with_capacity(ids.len());
                for id in ids {
                    Stmt::new(
                        LEASE,
                        vec![Bind::text(&id), Bind::text(&token), Bind::time(lease_until)],
                    )
                    .execute(conn)
                    .map_err(store_error)?;
                    // A row that does not decode is logged and skipped (still leased).
                    let claimed =
                        Stmt::new(CLAIMED.as_str(), vec![Bind::Text(id)])
                            .one::<Lenient<Claimed>>(conn)?;
                    if let Some(claimed) = claimed.decoded() {
                        out.push(claimed.leased_by(&token));
                    }
                }
                Ok(out)
            })
        })
        .await
    }

    async fn record_attempt(
        &self,
        id: &WebhookDeliveryId,
        token: &str,
        attempt: &AttemptRecord,
    ) -> StoreResult<()> {
        let record = record_stmt(id, token, attempt);
        let id = id.as_str().to_owned();
        self.write_urgent(move |conn| record_one(conn, record, &id))
            .await
    }

    /// One transaction for them all.
    async fn record_attempts(
        &self,
        attempts: &[LeasedAttempt<'_>],
    ) -> StoreResult<Vec<StoreResult<()>>> {
        let records: Vec<(Stmt, String)> = attempts
            .iter()
            .map(|a| {
                (
                    record_stmt(a.id, a.token, a.attempt),
                    a.id.as_str().to_owned(),
                )
            })
            .collect();
        self.write_urgent(move |conn| {
            in_transaction(conn, |conn| {
                let mut outcomes = Vec::with_capacity(records.len());
                for (record, id) in records {
                    outcomes.push(match record_one(conn, record, &id) {
                        Err(e) if !matches!(e, StoreError::NotFound | StoreError::LeaseLost) => {
                            return Err(e);
                        }
                        outcome => outcome,
                    });
                }
                Ok(outcomes)
            })
        })
        .await
    }
}

/// [`RECORD`] of one attempt.
fn record_stmt(id: &WebhookDeliveryId, token: &str, attempt: &AttemptRecord) -> Stmt {
    Stmt::new(
        RECORD,
        vec![
            Bind::text(id.as_str()),
            Bind::text(token),
            Bind::text(attempt.status.as_str()),
            Bind::time(attempt.at),
            Bind::nullable_time(attempt.next_attempt_at),
            Bind::NullableInteger(attempt.response_status.map(i32::from)),
            Bind::nullable_text(attempt.response_body.as_deref()),
        ],
    )
}

/// Runs a [`RECORD`]: `LeaseLost` when it changed nothing and the delivery is
/// there, `NotFound` when it is gone.
fn record_one(conn: &mut SqliteConnection, record: Stmt, id: &str) -> StoreResult<()> {
    if record.execute(conn).map_err(store_error)? == 0 {
        return Err(if exists(conn, "webhook_deliveries", id, vec![])? {
            StoreError::LeaseLost
        } else {
            StoreError::NotFound
        });
    }
    Ok(())
}

/// The webhook statements that must seek an index, with that index (for the plan
/// test).
#[cfg(test)]
pub(crate) fn indexed_statements() -> Vec<(&'static str, Stmt)> {
    let text = || Bind::text("x");
    vec![
        (
            "webhooks_scope_idx",
            Stmt::new(SUBSCRIBED, vec![text(), text(), text()]),
        ),
        (
            "webhooks_scope_idx",
            Stmt::new(LIST_WEBHOOKS.as_str(), vec![text(), text()]),
        ),
        (
            "webhook_deliveries_log_idx",
            Stmt::new(
                LIST_DELIVERIES.as_str(),
                vec![text(), text(), text(), Bind::BigInt(101)],
            ),
        ),
        (
            "webhook_deliveries_due_idx",
            Stmt::new(
                DUE,
                vec![Bind::BigInt(0), Bind::BigInt(10), Bind::text("[\"x\"]")],
            ),
        ),
    ]
}
