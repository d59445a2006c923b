//! [`WebhookStore`], and the fan-out CTE every event write embeds (the outbox).
//!
//! - **Fan-out**: [`fan_out_cte`] inserts one delivery per enabled webhook of the
//!   event's scope whose `events` (a JSONB array) contain `*` or `pass.<type>`, in
//!   the statement that writes the event. The delivery id is computed in SQL exactly
//!   as `WebhookDeliveryId::derive` does; the pass snapshot is the pass row the
//!   statement wrote or read, as `to_jsonb` makes it (decoded by [`crate::rows`]).
//! - **Claims** are one statement: the due rows (read per webhook from
//!   `webhook_deliveries_due_by_webhook_idx`, of an enabled webhook below its cap
//!   of deliveries in flight) are locked
//!   `FOR UPDATE SKIP LOCKED`, so concurrent claimers
//!   (in any process) pass over each other's rows instead of waiting, then leased
//!   (`lease_token`, `due_at` = the lease's end) and returned with their webhook and
//!   event. A claimer whose snapshot still saw a row as due re-checks it once it
//!   holds the lock (READ COMMITTED re-evaluates the `WHERE`), and skips it: a lease
//!   that holds is never claimed twice. A lease that ended is just due again.
//! - **Records** are conditional on the lease token; the delete of a webhook
//!   cascades to its deliveries.

use crate::PgStore;
use crate::error::{TxError, store_error};
use crate::idempotency::{RowWrites, completion_binds, insert_row, with_completion};
use crate::rows::{Found, UpdateOutcome};
use crate::sql::{Bind, Stmt};
use async_trait::async_trait;
use diesel_async::{AsyncConnection, RunQueryDsl};
use passmint_domain::StoreError;
use passmint_domain::idempotency::IdemCompletion;
use passmint_domain::ids::{WebhookDeliveryId, WebhookId};
use passmint_domain::mode::Scope;
use passmint_domain::page::{Page, PageRequest};
use passmint_domain::ports::{DeliveryRetry, LeasedAttempt};
use passmint_domain::ports::{StoreResult, WebhookStore};
use passmint_domain::webhook::{
    AttemptRecord, ClaimRequest, ClaimedDelivery, Webhook, WebhookDelivery,
};
use passmint_store_sql::sealing::SealedSecrets;
use passmint_store_sql::statements::{
    DELETE_WEBHOOK, GET_WEBHOOK, LIST_DELIVERIES, LIST_WEBHOOKS, RETRY_DELIVERY, SCOPE,
};
use passmint_store_sql::{
    Claimed, Lenient, SqlBind, WEBHOOK_COLUMNS, claim_select, decoded, scope_binds, webhook_binds,
};
use std::sync::LazyLock;
use time::OffsetDateTime;

/// The `d` CTE enqueuing the deliveries of the event returned by the CTE `e` (`id,
/// account_id, mode, kind, created_at`) with the snapshot of the pass row in the
/// CTE named `pass`. It returns one row per delivery.
pub(crate) fn fan_out_cte(pass: &str) -> String {
    fan_out(&format!("CROSS JOIN {pass}"), pass)
}

/// [`fan_out_cte`] for several events at once (a template cascade): each event of
/// `e`, which also returns `pass_id`, with the snapshot of its own pass among the
/// rows of the CTE `pass`.
pub(crate) fn fan_out_each_cte(pass: &str) -> String {
    fan_out(&format!("JOIN {pass} ON {pass}.id = e.pass_id"), pass)
}

/// The snapshot leaves out what is no part of [`Pass`] (`seq`, `wallet_tag`).
fn fan_out(join: &str, pass: &str) -> String {
    format!(
        "d AS (INSERT INTO webhook_deliveries (id, webhook_id, account_id, mode, event_id, \
         event_type, pass_snapshot, status, attempts, next_attempt_at, due_at, created_at) \
         SELECT 'whd_' || substr(encode(sha256(convert_to(e.id || '.' || w.id, 'UTF8')), \
         'hex'), 1, 24), w.id, e.account_id, e.mode, e.id, e.kind, \
         to_jsonb({pass}) - 'seq' - 'wallet_tag', \
         'pending', 0, e.created_at, e.created_at, e.created_at \
         FROM e {join} JOIN webhooks w ON w.account_id = e.account_id \
         AND w.mode = e.mode AND w.enabled \
         AND (w.events @> '[\"*\"]' OR w.events @> jsonb_build_array('pass.' || e.kind)) \
         RETURNING 1)"
    )
}

/// `$1..$12` are the webhook, `$13` the expected `updated_at`, then the completion's
/// 6 values if any.
pub(crate) static WRITES: LazyLock<RowWrites> = LazyLock::new(|| {
    RowWrites::new(
        "webhooks",
        WEBHOOK_COLUMNS,
        "url = $4, events = $5, description = $6, enabled = $7, secret = $8, \
         previous_secret = $9, previous_secret_expires_at = $10, created_at = $11, \
         updated_at = $12",
        SCOPE,
    )
});

pub(crate) const WEBHOOK_EXISTS: &str = "SELECT EXISTS (SELECT 1 FROM webhooks \
     WHERE id = $1 AND (account_id, mode) IS NOT DISTINCT FROM ($2, $3)) AS found";

/// `$1` now, `$2` the limit, `$3` the token, `$4` the lease's end, `$5` the most
/// deliveries of one webhook under a lease that holds. `hooks`: the webhooks with
/// deliveries waiting, by a skip scan of `webhook_deliveries_due_by_webhook_idx`
/// (one probe per webhook, whatever its backlog; ordered as that index is, so no
/// other index of the webhook can serve it; the last row is NULL); `busy`:
/// each webhook's deliveries in flight (`webhook_deliveries_leased_idx`); `open`:
/// those enabled and below the cap; `c0`: the `$2` longest due of open webhooks,
/// locked, taken as the `$2` longest due of each (read in due order from the same
/// index) and then of all, so a capped webhook's backlog is never read; `c`: of
/// those, each webhook's first ones up to the cap (the others are unlocked
/// untouched when the statement ends).
pub(crate) static CLAIM: LazyLock<String> = LazyLock::new(|| {
    format!(
        "WITH RECURSIVE hooks AS ((SELECT webhook_id FROM webhook_deliveries \
         WHERE due_at IS NOT NULL ORDER BY webhook_id, due_at, seq LIMIT 1) \
         UNION ALL SELECT (SELECT d.webhook_id FROM webhook_deliveries d \
         WHERE d.due_at IS NOT NULL AND d.webhook_id > h.webhook_id \
         ORDER BY d.webhook_id, d.due_at, d.seq LIMIT 1) FROM hooks h WHERE h.webhook_id IS NOT NULL), \
         busy AS (SELECT webhook_id, count(*) AS n FROM webhook_deliveries \
         WHERE lease_token IS NOT NULL AND due_at > $1 GROUP BY webhook_id), \
         open AS (SELECT h.webhook_id FROM hooks h JOIN webhooks w ON w.id = h.webhook_id \
         WHERE w.enabled \
         AND NOT EXISTS (SELECT 1 FROM busy b WHERE b.webhook_id = h.webhook_id AND b.n >= $5)), \
         c0 AS (SELECT x.id, x.webhook_id, x.due_at, x.seq FROM open o CROSS JOIN LATERAL \
         (SELECT d.id, d.webhook_id, d.due_at, d.seq FROM webhook_deliveries d \
         WHERE d.webhook_id = o.webhook_id AND d.due_at <= $1 \
         ORDER BY d.due_at, d.seq LIMIT $2 FOR UPDATE OF d SKIP LOCKED) x \
         ORDER BY x.due_at, x.seq LIMIT $2), \
         c AS (SELECT r.id, r.due_at AS was_due FROM (SELECT c0.id, c0.due_at, \
         coalesce(b.n, 0) + row_number() OVER (PARTITION BY c0.webhook_id \
         ORDER BY c0.due_at, c0.seq) AS slot \
         FROM c0 LEFT JOIN busy b ON b.webhook_id = c0.webhook_id) r WHERE r.slot <= $5), \
         u AS (UPDATE webhook_deliveries d SET lease_token = $3, due_at = $4 FROM c \
         WHERE d.id = c.id RETURNING d.*, c.was_due) \
         SELECT {} \
         FROM u JOIN webhooks w ON w.id = u.webhook_id JOIN pass_events e ON e.id = u.event_id \
         ORDER BY u.was_due, u.seq",
        claim_select("u")
    )
});

/// `updated` (1 when the lease was held), `completed` (always 1), `found`.
pub(crate) const RECORD: &str = "WITH u AS (UPDATE webhook_deliveries SET status = $3, \
     attempts = attempts + 1, last_attempt_at = $4, next_attempt_at = $5, due_at = $5, \
     response_status = $6, response_body = $7, lease_token = NULL \
     WHERE id = $1 AND lease_token = $2 RETURNING 1) \
     SELECT (SELECT count(*) FROM u) AS updated, 1::bigint AS completed, \
     EXISTS (SELECT 1 FROM webhook_deliveries WHERE id = $1) AS found";

/// [`RECORD`] for many attempts: `$1` a JSON array of them (`n` the place of each,
/// then its `$1..$7` of [`RECORD`]); one row per attempt, in order.
pub(crate) const RECORD_MANY: &str = "WITH i AS (SELECT * FROM jsonb_to_recordset($1) AS i(n int, \
     id text, token text, status text, at timestamptz, next timestamptz, code int, body text)), \
     u AS (UPDATE webhook_deliveries d SET status = i.status, attempts = d.attempts + 1, \
     last_attempt_at = i.at, next_attempt_at = i.next, due_at = i.next, \
     response_status = i.code, response_body = i.body, lease_token = NULL \
     FROM i WHERE d.id = i.id AND d.lease_token = i.token RETURNING d.id) \
     SELECT (SELECT count(*) FROM u WHERE u.id = i.id) AS updated, 1::bigint AS completed, \
     EXISTS (SELECT 1 FROM webhook_deliveries x WHERE x.id = i.id) AS found \
     FROM i ORDER BY i.n";

/// One attempt of [`RECORD_MANY`]'s JSON.
#[derive(serde::Serialize)]
struct RecordRow<'a> {
    n: usize,
    id: &'a str,
    token: &'a str,
    status: &'a str,
    #[serde(with = "time::serde::rfc3339")]
    at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    next: Option<OffsetDateTime>,
    code: Option<u16>,
    body: Option<String>,
}

#[async_trait]
impl WebhookStore for PgStore {
    async fn insert_webhook(
        &self,
        webhook: &Webhook,
        idem: Option<&IdemCompletion>,
    ) -> StoreResult<()> {
        let sealed = SealedSecrets::of(&self.keyring, webhook)?;
        let mut binds = webhook_binds(webhook, &sealed)?;
        let sql = with_completion(&mut binds, idem, &WRITES.insert, &WRITES.insert_completing);
        let mut conn = self.conn().await?;
        // An unknown account is a foreign-key violation, mapped to `NotFound`.
        insert_row(&mut conn, sql, binds).await
    }

    async fn get_webhook(&self, scope: &Scope, id: &WebhookId) -> StoreResult<Webhook> {
        let mut binds = vec![Bind::Text(id.as_str())];
        binds.extend(scope_binds(scope));
        let mut conn = self.conn().await?;
        self.opening(Stmt::new(GET_WEBHOOK.as_str(), binds).one::<Webhook>(&mut conn))
            .await
    }

    async fn list_webhooks(&self, scope: &Scope) -> StoreResult<Vec<Webhook>> {
        let mut conn = self.conn().await?;
        self.opening(
            Stmt::new(LIST_WEBHOOKS.as_str(), scope_binds(scope)).all::<Webhook>(&mut conn),
        )
        .await
    }

    async fn update_webhook(
        &self,
        webhook: &Webhook,
        expected_updated_at: OffsetDateTime,
        idem: Option<&IdemCompletion>,
    ) -> StoreResult<()> {
        let sealed = SealedSecrets::of(&self.keyring, webhook)?;
        let mut binds = webhook_binds(webhook, &sealed)?;
        binds.push(Bind::Timestamptz(expected_updated_at));
        let mut conn = self.conn().await?;
        match idem {
            // One write: the statement is atomic by itself.
            None => UpdateOutcome::run(&mut conn, WRITES.update.as_str(), binds)
                .await?
                .check(StoreError::VersionChanged),
            Some(c) => {
                binds.extend(completion_binds(c));
                conn.transaction::<(), TxError, _>(async move |conn| {
                    let outcome =
                        UpdateOutcome::run(conn, WRITES.update_completing.as_str(), binds).await?;
                    Ok(outcome.check(StoreError::VersionChanged)?)
                })
                .await
                .map_err(|e| e.0)
            }
        }
    }

    async fn delete_webhook(&self, scope: &Scope, id: &WebhookId) -> StoreResult<()> {
        let mut binds = vec![Bind::Text(id.as_str())];
        binds.extend(scope_binds(scope));
        let mut conn = self.conn().await?;
        // The deliveries go with it (ON DELETE CASCADE), in this statement.
        let deleted = Stmt::new(DELETE_WEBHOOK, binds)
            .execute(&mut conn)
            .await
            .map_err(store_error)?;
        if deleted == 0 {
            return Err(StoreError::NotFound);
        }
        Ok(())
    }

    async fn list_deliveries(
        &self,
        scope: &Scope,
        webhook: &WebhookId,
        limit: u32,
    ) -> StoreResult<Page<WebhookDelivery>> {
        let mut binds = vec![Bind::Text(webhook.as_str())];
        binds.extend(scope_binds(scope));
        let exists_binds = binds.clone();
        binds.push(Bind::BigInt(i64::from(limit) + 1));
        let mut conn = self.conn().await?;
        let rows = Stmt::new(LIST_DELIVERIES.as_str(), binds)
            .all::<WebhookDelivery>(&mut conn)
            .await?;
        // Rows found are the webhook's, in scope; only an empty log needs the check.
        if rows.is_empty() {
            let found: Found = Stmt::new(WEBHOOK_EXISTS, exists_binds)
                .get_result(&mut conn)
                .await
                .map_err(store_error)?;
            if !found.found {
                return Err(StoreError::NotFound);
            }
        }
        Ok(Page::from_probe(rows, &PageRequest::first(limit)))
    }

    async fn retry_delivery(&self, input: &DeliveryRetry<'_>) -> StoreResult<WebhookDelivery> {
        let mut binds = vec![
            Bind::Text(input.delivery.as_str()),
            Bind::Text(input.webhook.as_str()),
        ];
        binds.extend(scope_binds(input.scope));
        binds.push(Bind::Timestamptz(input.at));
        let mut conn = self.conn().await?;
        Stmt::new(RETRY_DELIVERY.as_str(), binds)
            .one::<WebhookDelivery>(&mut conn)
            .await
    }

    async fn claim_deliveries(
        &self,
        claim: &ClaimRequest,
        per_webhook: u32,
    ) -> StoreResult<Vec<ClaimedDelivery>> {
        let binds = vec![
            Bind::Timestamptz(claim.now),
            Bind::BigInt(i64::from(claim.limit)),
            Bind::Text(&claim.token),
            Bind::Timestamptz(claim.lease_until),
            Bind::BigInt(i64::from(per_webhook)),
        ];
        let mut conn = self.worker_conn().await?;
        // A row that does not decode is logged and skipped, never failing the rest.
        let rows = self
            .opening(Stmt::new(CLAIM.as_str(), binds).all::<Lenient<Claimed>>(&mut conn))
            .await?;
        Ok(decoded(rows)
            .into_iter()
            .map(|c| c.leased_by(&claim.token))
            .collect())
    }

    async fn record_attempt(
        &self,
        id: &WebhookDeliveryId,
        token: &str,
        attempt: &AttemptRecord,
    ) -> StoreResult<()> {
        // PostgreSQL text cannot hold NUL.
        let body = attempt
            .response_body
            .as_ref()
            .map(|b| b.replace('\0', "\u{FFFD}"));
        let binds = vec![
            Bind::Text(id.as_str()),
            Bind::Text(token),
            Bind::Text(attempt.status.as_str()),
            Bind::Timestamptz(attempt.at),
            Bind::NullableTimestamptz(attempt.next_attempt_at),
            Bind::NullableInteger(attempt.response_status.map(i32::from)),
            Bind::NullableText(body.as_deref()),
        ];
        let mut conn = self.worker_conn().await?;
        UpdateOutcome::run(&mut conn, RECORD, binds)
            .await?
            .check(StoreError::LeaseLost)
    }

    /// One statement for them all.
    async fn record_attempts(
        &self,
        attempts: &[LeasedAttempt<'_>],
    ) -> StoreResult<Vec<StoreResult<()>>> {
        if attempts.is_empty() {
            return Ok(Vec::new());
        }
        let rows: Vec<RecordRow<'_>> = attempts
            .iter()
            .enumerate()
            .map(|(n, a)| RecordRow {
                n,
                id: a.id.as_str(),
                token: a.token,
                status: a.attempt.status.as_str(),
                at: a.attempt.at,
                next: a.attempt.next_attempt_at,
                code: a.attempt.response_status,
                // PostgreSQL text cannot hold NUL.
                body: a
                    .attempt
                    .response_body
                    .as_ref()
                    .map(|b| b.replace('\0', "\u{FFFD}")),
            })
            .collect();
        let binds = vec![Bind::json(&rows).map_err(|e| StoreError::Backend(e.to_string()))?];
        let mut conn = self.worker_conn().await?;
        let outcomes = Stmt::new(RECORD_MANY, binds)
            .load::<UpdateOutcome>(&mut conn)
            .await
            .map_err(store_error)?;
        if outcomes.len() != attempts.len() {
            return Err(StoreError::Backend(format!(
                "recorded {} attempts of {}",
                outcomes.len(),
                attempts.len()
            )));
        }
        Ok(outcomes
            .iter()
            .map(|o| o.check(StoreError::LeaseLost))
            .collect())
    }
}
