//! [`WebhookStore`], and the fan-out CTE every event write embeds (the outbox).
//!
//! - **Fan-out**: [`fan_out_cte`] inserts one delivery per enabled webhook of the
//!   event's scope whose `events` (a JSONB array) contain `*` or `pass.<type>`, in
//!   the statement that writes the event. The delivery id is computed in SQL exactly
//!   as `WebhookDeliveryId::derive` does; the pass snapshot is the pass row the
//!   statement wrote or read, as `to_jsonb` makes it (decoded by [`PassSnapshot`]).
//! - **Claims** are one statement: the due rows (`webhook_deliveries_due_idx`, an
//!   enabled webhook) are locked `FOR UPDATE SKIP LOCKED`, so concurrent claimers
//!   (in any process) pass over each other's rows instead of waiting, then leased
//!   (`lease_token`, `due_at` = the lease's end) and returned with their webhook and
//!   event. A claimer whose snapshot still saw a row as due re-checks it once it
//!   holds the lock (READ COMMITTED re-evaluates the `WHERE`), and skips it: a lease
//!   that holds is never claimed twice. A lease that ended is just due again.
//! - **Records** are conditional on the lease token; the delete of a webhook
//!   cascades to its deliveries.

use crate::PgStore;
use crate::error::{TxError, decode_error, store_error};
use crate::idempotency::{completion_binds, completion_cte, key_lost};
use crate::rows::UpdateOutcome;
use crate::sql::{Bind, Stmt};
use async_trait::async_trait;
use diesel::QueryableByName;
use diesel::sql_types::{Bool, Integer, Jsonb, Nullable, Text, Timestamptz};
use diesel_async::{AsyncConnection, RunQueryDsl};
use passmint_domain::StoreError;
use passmint_domain::event::{EventType, PassEvent};
use passmint_domain::idempotency::IdemCompletion;
use passmint_domain::ids::{AccountId, EventId, PassId, TemplateId, WebhookDeliveryId, WebhookId};
use passmint_domain::mode::{Mode, Scope};
use passmint_domain::page::{Page, PageRequest};
use passmint_domain::pass::Pass;
use passmint_domain::ports::{StoreResult, WebhookStore};
use passmint_domain::webhook::{
    AttemptRecord, ClaimRequest, ClaimedDelivery, DeliveryStatus, RotatedSecret, Subscription,
    Webhook, WebhookDelivery, WebhookSecret,
};
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::sync::LazyLock;
use time::{OffsetDateTime, UtcOffset};

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

const WEBHOOK_COLUMNS: &str = "id, account_id, mode, url, events, description, enabled, secret, \
     previous_secret, previous_secret_expires_at, created_at, updated_at";
const WEBHOOK_VALUES: &str = "$1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12";

const DELIVERY_COLUMNS: &str = "id, webhook_id, account_id, mode, event_id, event_type, status, \
     attempts, last_attempt_at, next_attempt_at, response_status, response_body, created_at";

static INSERT: LazyLock<String> =
    LazyLock::new(|| format!("INSERT INTO webhooks ({WEBHOOK_COLUMNS}) VALUES ({WEBHOOK_VALUES})"));
static INSERT_COMPLETING: LazyLock<String> = LazyLock::new(|| {
    format!(
        "WITH {} INSERT INTO webhooks ({WEBHOOK_COLUMNS}) SELECT {WEBHOOK_VALUES} FROM done",
        completion_cte(13)
    )
});
static GET: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT {WEBHOOK_COLUMNS} FROM webhooks WHERE id = $1 AND account_id = $2 AND mode = $3"
    )
});
static LIST: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT {WEBHOOK_COLUMNS} FROM webhooks WHERE account_id = $1 AND mode = $2 \
         ORDER BY seq DESC"
    )
});

/// `updated`, `completed`, `found`; `$1..$12` are the webhook, `$13` the expected
/// `updated_at`, then the completion's 6 values if any.
fn update_sql(completing: bool) -> String {
    let (done, completed) = if completing {
        (
            format!("{}, ", completion_cte(14)),
            "(SELECT count(*) FROM done)",
        )
    } else {
        (String::new(), "1::bigint")
    };
    format!(
        "WITH {done}u AS (UPDATE webhooks SET url = $4, events = $5, description = $6, \
         enabled = $7, secret = $8, previous_secret = $9, previous_secret_expires_at = $10, \
         created_at = $11, updated_at = $12 \
         WHERE id = $1 AND account_id = $2 AND mode = $3 AND updated_at = $13 RETURNING 1) \
         SELECT (SELECT count(*) FROM u) AS updated, {completed} AS completed, \
         EXISTS (SELECT 1 FROM webhooks WHERE id = $1 AND account_id = $2 AND mode = $3) AS found"
    )
}

static UPDATE: LazyLock<String> = LazyLock::new(|| update_sql(false));
static UPDATE_COMPLETING: LazyLock<String> = LazyLock::new(|| update_sql(true));

const DELETE: &str = "DELETE FROM webhooks WHERE id = $1 AND account_id = $2 AND mode = $3";

static LIST_DELIVERIES: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries \
         WHERE webhook_id = $1 AND account_id = $2 AND mode = $3 ORDER BY seq DESC LIMIT $4"
    )
});
const WEBHOOK_EXISTS: &str = "SELECT EXISTS (SELECT 1 FROM webhooks \
     WHERE id = $1 AND account_id = $2 AND mode = $3) AS found";

static RETRY: LazyLock<String> = LazyLock::new(|| {
    format!(
        "UPDATE webhook_deliveries SET next_attempt_at = $5, due_at = $5, lease_token = NULL \
         WHERE id = $1 AND webhook_id = $2 AND account_id = $3 AND mode = $4 \
         RETURNING {DELIVERY_COLUMNS}"
    )
});

/// `$1` now, `$2` the limit, `$3` the token, `$4` the lease's end.
static CLAIM: LazyLock<String> = LazyLock::new(|| {
    let delivery: String = DELIVERY_COLUMNS
        .split(", ")
        .map(|c| format!("u.{c}"))
        .collect::<Vec<_>>()
        .join(", ");
    let webhook: String = WEBHOOK_COLUMNS
        .split(", ")
        .map(|c| format!("w.{c} AS w_{c}"))
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "WITH c AS (SELECT d.id, d.due_at AS was_due FROM webhook_deliveries d \
         WHERE d.due_at <= $1 \
         AND EXISTS (SELECT 1 FROM webhooks w WHERE w.id = d.webhook_id AND w.enabled) \
         ORDER BY d.due_at, d.seq LIMIT $2 FOR UPDATE OF d SKIP LOCKED), \
         u AS (UPDATE webhook_deliveries d SET lease_token = $3, due_at = $4 FROM c \
         WHERE d.id = c.id RETURNING d.*, c.was_due) \
         SELECT {delivery}, u.pass_snapshot, {webhook}, \
         e.id AS e_id, e.pass_id AS e_pass_id, e.kind AS e_kind, e.metadata AS e_metadata, \
         e.created_at AS e_created_at \
         FROM u JOIN webhooks w ON w.id = u.webhook_id JOIN pass_events e ON e.id = u.event_id \
         ORDER BY u.was_due, u.seq"
    )
});

/// `updated` (1 when the lease was held), `completed` (always 1), `found`.
const RECORD: &str = "WITH u AS (UPDATE webhook_deliveries SET status = $3, \
     attempts = attempts + 1, last_attempt_at = $4, next_attempt_at = $5, due_at = $5, \
     response_status = $6, response_body = $7, lease_token = NULL \
     WHERE id = $1 AND lease_token = $2 RETURNING 1) \
     SELECT (SELECT count(*) FROM u) AS updated, 1::bigint AS completed, \
     EXISTS (SELECT 1 FROM webhook_deliveries WHERE id = $1) AS found";

// ----- rows --------------------------------------------------------------------

fn mode(s: &str) -> Result<Mode, StoreError> {
    Mode::parse(s).ok_or_else(|| decode_error("mode", s))
}

fn secret(s: &str) -> Result<WebhookSecret, StoreError> {
    WebhookSecret::parse(s).ok_or_else(|| decode_error("webhook secret", "malformed"))
}

fn event_type(s: &str) -> Result<EventType, StoreError> {
    EventType::parse(s).ok_or_else(|| decode_error("event type", s))
}

macro_rules! parse_id {
    ($ty:ty, $s:expr) => {
        <$ty>::parse(&$s).ok_or_else(|| decode_error(stringify!($ty), &$s))
    };
}

fn utc(t: OffsetDateTime) -> OffsetDateTime {
    t.to_offset(UtcOffset::UTC)
}

#[derive(QueryableByName)]
struct WebhookRow {
    #[diesel(sql_type = Text)]
    id: String,
    #[diesel(sql_type = Text)]
    account_id: String,
    #[diesel(sql_type = Text)]
    mode: String,
    #[diesel(sql_type = Text)]
    url: String,
    #[diesel(sql_type = Jsonb)]
    events: Value,
    #[diesel(sql_type = Nullable<Text>)]
    description: Option<String>,
    #[diesel(sql_type = Bool)]
    enabled: bool,
    #[diesel(sql_type = Text)]
    secret: String,
    #[diesel(sql_type = Nullable<Text>)]
    previous_secret: Option<String>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    previous_secret_expires_at: Option<OffsetDateTime>,
    #[diesel(sql_type = Timestamptz)]
    created_at: OffsetDateTime,
    #[diesel(sql_type = Timestamptz)]
    updated_at: OffsetDateTime,
}

fn subscriptions(events: Value) -> Result<Vec<Subscription>, StoreError> {
    let list: Vec<String> =
        serde_json::from_value(events).map_err(|e| decode_error("webhook events", e))?;
    list.iter()
        .map(|s| Subscription::parse(s).ok_or_else(|| decode_error("webhook event", s)))
        .collect()
}

impl TryFrom<WebhookRow> for Webhook {
    type Error = StoreError;

    fn try_from(r: WebhookRow) -> Result<Self, StoreError> {
        let previous_secret = match (r.previous_secret, r.previous_secret_expires_at) {
            (Some(s), Some(expires_at)) => Some(RotatedSecret {
                secret: secret(&s)?,
                expires_at,
            }),
            _ => None,
        };
        Ok(Webhook {
            id: parse_id!(WebhookId, r.id)?,
            account_id: parse_id!(AccountId, r.account_id)?,
            mode: mode(&r.mode)?,
            url: r.url,
            events: subscriptions(r.events)?,
            description: r.description,
            enabled: r.enabled,
            secret: secret(&r.secret)?,
            previous_secret,
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
    }
}

#[derive(QueryableByName)]
struct DeliveryRow {
    #[diesel(sql_type = Text)]
    id: String,
    #[diesel(sql_type = Text)]
    webhook_id: String,
    #[diesel(sql_type = Text)]
    account_id: String,
    #[diesel(sql_type = Text)]
    mode: String,
    #[diesel(sql_type = Text)]
    event_id: String,
    #[diesel(sql_type = Text)]
    event_type: String,
    #[diesel(sql_type = Text)]
    status: String,
    #[diesel(sql_type = Integer)]
    attempts: i32,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    last_attempt_at: Option<OffsetDateTime>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    next_attempt_at: Option<OffsetDateTime>,
    #[diesel(sql_type = Nullable<Integer>)]
    response_status: Option<i32>,
    #[diesel(sql_type = Nullable<Text>)]
    response_body: Option<String>,
    #[diesel(sql_type = Timestamptz)]
    created_at: OffsetDateTime,
}

impl TryFrom<DeliveryRow> for WebhookDelivery {
    type Error = StoreError;

    fn try_from(r: DeliveryRow) -> Result<Self, StoreError> {
        Ok(WebhookDelivery {
            id: parse_id!(WebhookDeliveryId, r.id)?,
            webhook_id: parse_id!(WebhookId, r.webhook_id)?,
            account_id: parse_id!(AccountId, r.account_id)?,
            mode: mode(&r.mode)?,
            event_id: parse_id!(EventId, r.event_id)?,
            event_type: event_type(&r.event_type)?,
            status: DeliveryStatus::parse(&r.status)
                .ok_or_else(|| decode_error("delivery status", &r.status))?,
            attempts: u32::try_from(r.attempts).map_err(|e| decode_error("attempts", e))?,
            last_attempt_at: r.last_attempt_at,
            next_attempt_at: r.next_attempt_at,
            response_status: r
                .response_status
                .map(u16::try_from)
                .transpose()
                .map_err(|e| decode_error("response status", e))?,
            response_body: r.response_body,
            created_at: r.created_at,
        })
    }
}

/// A pass row as `to_jsonb` writes it (timestamps as RFC 3339 with an offset).
#[derive(serde::Deserialize)]
struct PassSnapshot {
    id: String,
    account_id: String,
    mode: String,
    template_id: String,
    short_id: String,
    serial_number: String,
    auth_token: String,
    holder_email: Option<String>,
    holder_name: Option<String>,
    field_values: BTreeMap<String, String>,
    metadata: Map<String, Value>,
    #[serde(with = "time::serde::rfc3339::option")]
    voided_at: Option<OffsetDateTime>,
    created_via_api: bool,
    #[serde(with = "time::serde::rfc3339")]
    created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    updated_at: OffsetDateTime,
    version: i64,
}

impl TryFrom<Value> for PassSnapshot {
    type Error = StoreError;

    fn try_from(v: Value) -> Result<Self, StoreError> {
        serde_json::from_value(v).map_err(|e| decode_error("pass snapshot", e))
    }
}

impl TryFrom<PassSnapshot> for Pass {
    type Error = StoreError;

    fn try_from(s: PassSnapshot) -> Result<Self, StoreError> {
        Ok(Pass {
            id: parse_id!(PassId, s.id)?,
            account_id: parse_id!(AccountId, s.account_id)?,
            mode: mode(&s.mode)?,
            template_id: parse_id!(TemplateId, s.template_id)?,
            short_id: s.short_id,
            serial_number: s.serial_number,
            auth_token: s.auth_token,
            holder_email: s.holder_email,
            holder_name: s.holder_name,
            field_values: s.field_values,
            metadata: s.metadata,
            voided_at: s.voided_at.map(utc),
            created_via_api: s.created_via_api,
            created_at: utc(s.created_at),
            updated_at: utc(s.updated_at),
            version: s.version,
        })
    }
}

/// A claimed delivery with its snapshot, webhook (`w_*`) and event (`e_*`).
#[derive(QueryableByName)]
struct ClaimRow {
    #[diesel(embed)]
    delivery: DeliveryRow,
    #[diesel(sql_type = Jsonb)]
    pass_snapshot: Value,
    #[diesel(sql_type = Text)]
    w_id: String,
    #[diesel(sql_type = Text)]
    w_account_id: String,
    #[diesel(sql_type = Text)]
    w_mode: String,
    #[diesel(sql_type = Text)]
    w_url: String,
    #[diesel(sql_type = Jsonb)]
    w_events: Value,
    #[diesel(sql_type = Nullable<Text>)]
    w_description: Option<String>,
    #[diesel(sql_type = Bool)]
    w_enabled: bool,
    #[diesel(sql_type = Text)]
    w_secret: String,
    #[diesel(sql_type = Nullable<Text>)]
    w_previous_secret: Option<String>,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    w_previous_secret_expires_at: Option<OffsetDateTime>,
    #[diesel(sql_type = Timestamptz)]
    w_created_at: OffsetDateTime,
    #[diesel(sql_type = Timestamptz)]
    w_updated_at: OffsetDateTime,
    #[diesel(sql_type = Text)]
    e_id: String,
    #[diesel(sql_type = Text)]
    e_pass_id: String,
    #[diesel(sql_type = Text)]
    e_kind: String,
    #[diesel(sql_type = Jsonb)]
    e_metadata: Value,
    #[diesel(sql_type = Timestamptz)]
    e_created_at: OffsetDateTime,
}

impl ClaimRow {
    fn into_claimed(self, token: &str) -> StoreResult<ClaimedDelivery> {
        let delivery = WebhookDelivery::try_from(self.delivery)?;
        let webhook = Webhook::try_from(WebhookRow {
            id: self.w_id,
            account_id: self.w_account_id,
            mode: self.w_mode,
            url: self.w_url,
            events: self.w_events,
            description: self.w_description,
            enabled: self.w_enabled,
            secret: self.w_secret,
            previous_secret: self.w_previous_secret,
            previous_secret_expires_at: self.w_previous_secret_expires_at,
            created_at: self.w_created_at,
            updated_at: self.w_updated_at,
        })?;
        let metadata = match self.e_metadata {
            Value::Object(m) => m,
            other => return Err(decode_error("event metadata", other)),
        };
        let event = PassEvent {
            id: parse_id!(EventId, self.e_id)?,
            account_id: delivery.account_id.clone(),
            mode: delivery.mode,
            pass_id: parse_id!(PassId, self.e_pass_id)?,
            kind: event_type(&self.e_kind)?,
            metadata,
            created_at: self.e_created_at,
        };
        let pass = Pass::try_from(PassSnapshot::try_from(self.pass_snapshot)?)?;
        Ok(ClaimedDelivery {
            delivery,
            lease_token: token.to_owned(),
            webhook,
            event,
            pass,
        })
    }
}

#[derive(QueryableByName)]
struct Found {
    #[diesel(sql_type = Bool)]
    found: bool,
}

fn json_error(e: serde_json::Error) -> StoreError {
    StoreError::Backend(format!("cannot encode JSON: {e}"))
}

/// `$1..$12`, in [`WEBHOOK_COLUMNS`] order.
fn webhook_binds(w: &Webhook) -> StoreResult<Vec<Bind<'_>>> {
    let events: Vec<&str> = w.events.iter().map(|s| s.as_str()).collect();
    Ok(vec![
        Bind::Text(w.id.as_str()),
        Bind::Text(w.account_id.as_str()),
        Bind::Text(w.mode.as_str()),
        Bind::Text(&w.url),
        Bind::json(&events).map_err(json_error)?,
        Bind::NullableText(w.description.as_deref()),
        Bind::Bool(w.enabled),
        Bind::Text(w.secret.expose()),
        Bind::NullableText(w.previous_secret.as_ref().map(|p| p.secret.expose())),
        Bind::NullableTimestamptz(w.previous_secret.as_ref().map(|p| p.expires_at)),
        Bind::Timestamptz(w.created_at),
        Bind::Timestamptz(w.updated_at),
    ])
}

fn scope_binds(scope: &Scope) -> [Bind<'_>; 2] {
    [
        Bind::Text(scope.account_id.as_str()),
        Bind::Text(scope.mode.as_str()),
    ]
}

#[async_trait]
impl WebhookStore for PgStore {
    async fn insert_webhook(
        &self,
        webhook: &Webhook,
        idem: Option<&IdemCompletion>,
    ) -> StoreResult<()> {
        let mut binds = webhook_binds(webhook)?;
        let sql = match idem {
            None => INSERT.as_str(),
            Some(c) => {
                binds.extend(completion_binds(c));
                INSERT_COMPLETING.as_str()
            }
        };
        let mut conn = self.conn().await?;
        // An unknown account is a foreign-key violation, mapped to `NotFound`.
        let inserted = Stmt::new(sql, binds)
            .execute(&mut conn)
            .await
            .map_err(store_error)?;
        if inserted == 0 {
            return Err(key_lost());
        }
        Ok(())
    }

    async fn get_webhook(&self, scope: &Scope, id: &WebhookId) -> StoreResult<Webhook> {
        let mut binds = vec![Bind::Text(id.as_str())];
        binds.extend(scope_binds(scope));
        let mut conn = self.conn().await?;
        Stmt::new(GET.as_str(), binds)
            .get_result::<WebhookRow>(&mut conn)
            .await
            .map_err(store_error)?
            .try_into()
    }

    async fn list_webhooks(&self, scope: &Scope) -> StoreResult<Vec<Webhook>> {
        let mut conn = self.conn().await?;
        Stmt::new(LIST.as_str(), scope_binds(scope).into())
            .load::<WebhookRow>(&mut conn)
            .await
            .map_err(store_error)?
            .into_iter()
            .map(Webhook::try_from)
            .collect()
    }

    async fn update_webhook(
        &self,
        webhook: &Webhook,
        expected_updated_at: OffsetDateTime,
        idem: Option<&IdemCompletion>,
    ) -> StoreResult<()> {
        let mut binds = webhook_binds(webhook)?;
        binds.push(Bind::Timestamptz(expected_updated_at));
        let mut conn = self.conn().await?;
        match idem {
            // One write: the statement is atomic by itself.
            None => UpdateOutcome::run(&mut conn, UPDATE.as_str(), binds)
                .await?
                .check(StoreError::VersionChanged),
            Some(c) => {
                binds.extend(completion_binds(c));
                conn.transaction::<(), TxError, _>(async move |conn| {
                    let outcome =
                        UpdateOutcome::run(conn, UPDATE_COMPLETING.as_str(), binds).await?;
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
        let deleted = Stmt::new(DELETE, binds)
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
            .load::<DeliveryRow>(&mut conn)
            .await
            .map_err(store_error)?;
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
        let rows = rows
            .into_iter()
            .map(WebhookDelivery::try_from)
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Page::from_probe(rows, &PageRequest::first(limit)))
    }

    async fn retry_delivery(
        &self,
        scope: &Scope,
        webhook: &WebhookId,
        delivery: &WebhookDeliveryId,
        at: OffsetDateTime,
    ) -> StoreResult<WebhookDelivery> {
        let mut binds = vec![Bind::Text(delivery.as_str()), Bind::Text(webhook.as_str())];
        binds.extend(scope_binds(scope));
        binds.push(Bind::Timestamptz(at));
        let mut conn = self.conn().await?;
        Stmt::new(RETRY.as_str(), binds)
            .get_result::<DeliveryRow>(&mut conn)
            .await
            .map_err(store_error)?
            .try_into()
    }

    async fn claim_deliveries(&self, claim: &ClaimRequest) -> StoreResult<Vec<ClaimedDelivery>> {
        let binds = vec![
            Bind::Timestamptz(claim.now),
            Bind::BigInt(i64::from(claim.limit)),
            Bind::Text(&claim.token),
            Bind::Timestamptz(claim.lease_until),
        ];
        let mut conn = self.conn().await?;
        Stmt::new(CLAIM.as_str(), binds)
            .load::<ClaimRow>(&mut conn)
            .await
            .map_err(store_error)?
            .into_iter()
            .map(|row| row.into_claimed(&claim.token))
            .collect()
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
        let mut conn = self.conn().await?;
        UpdateOutcome::run(&mut conn, RECORD, binds)
            .await?
            .check(StoreError::LeaseLost)
    }
}
