//! [`WebhookStore`], and [`fan_out`], the outbox step every event write runs in
//! its transaction.
//!
//! - **Fan-out**: one statement finds the enabled webhooks of the event's scope
//!   whose `events` (a JSON array) hold `*` or `pass.<type>`; when there are any,
//!   each gets its delivery row, with the id of `WebhookDeliveryId::derive` and a
//!   snapshot of the pass (JSON of [`PassSnapshot`]), in the same transaction as
//!   the event.
//! - **Claims** are a `BEGIN IMMEDIATE` transaction on the writer: the due rows
//!   (`webhook_deliveries_due_idx`, an enabled webhook) are read and leased
//!   (`lease_token`, `due_at` = the lease's end) together. The writer serialises
//!   every write of the process and `BEGIN IMMEDIATE` those of other processes, so
//!   no two claims ever see the same row as due while its lease holds.
//! - **Records** are conditional on the lease token; the delete of a webhook
//!   cascades to its deliveries.

use crate::SqliteStore;
use crate::error::{decode_error, store_error};
use crate::idempotency::{complete, completion};
use crate::list::exists;
use crate::rows::{PASS_COLUMNS, PassRow};
use crate::sql::{Bind, Stmt, from_micros, micros};
use async_trait::async_trait;
use diesel::sql_types::{BigInt, Bool, Integer, Nullable, Text};
use diesel::{QueryableByName, RunQueryDsl, SqliteConnection};
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
use time::OffsetDateTime;

/// `$1` account, `$2` mode, `$3` the event's `pass.<type>`.
const SUBSCRIBED: &str = "SELECT id FROM webhooks \
     WHERE account_id = $1 AND mode = $2 AND enabled = 1 \
     AND EXISTS (SELECT 1 FROM json_each(webhooks.events) WHERE value IN ('*', $3))";
const ENQUEUE: &str = "INSERT INTO webhook_deliveries (id, webhook_id, account_id, mode, \
     event_id, event_type, pass_snapshot, status, attempts, next_attempt_at, due_at, created_at) \
     VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending', 0, $8, $8, $8)";
static PASS: LazyLock<String> =
    LazyLock::new(|| format!("SELECT {PASS_COLUMNS} FROM passes WHERE id = $1"));

#[derive(QueryableByName)]
struct IdRow {
    #[diesel(sql_type = Text)]
    id: String,
}

/// A pass as the outbox keeps it (timestamps in microseconds, as stored).
#[derive(serde::Serialize, serde::Deserialize)]
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
    voided_at: Option<i64>,
    created_via_api: bool,
    created_at: i64,
    updated_at: i64,
    version: i64,
}

impl From<&Pass> for PassSnapshot {
    fn from(p: &Pass) -> Self {
        PassSnapshot {
            id: p.id.to_string(),
            account_id: p.account_id.to_string(),
            mode: p.mode.as_str().to_owned(),
            template_id: p.template_id.to_string(),
            short_id: p.short_id.clone(),
            serial_number: p.serial_number.clone(),
            auth_token: p.auth_token.clone(),
            holder_email: p.holder_email.clone(),
            holder_name: p.holder_name.clone(),
            field_values: p.field_values.clone(),
            metadata: p.metadata.clone(),
            voided_at: p.voided_at.map(micros),
            created_via_api: p.created_via_api,
            created_at: micros(p.created_at),
            updated_at: micros(p.updated_at),
            version: p.version,
        }
    }
}

fn time(what: &str, micros: i64) -> Result<OffsetDateTime, StoreError> {
    from_micros(micros).map_err(|e| decode_error(what, e))
}

fn opt_time(what: &str, micros: Option<i64>) -> Result<Option<OffsetDateTime>, StoreError> {
    micros.map(|m| time(what, m)).transpose()
}

macro_rules! parse_id {
    ($ty:ty, $s:expr) => {
        <$ty>::parse(&$s).ok_or_else(|| decode_error(stringify!($ty), &$s))
    };
}

fn mode(s: &str) -> Result<Mode, StoreError> {
    Mode::parse(s).ok_or_else(|| decode_error("mode", s))
}

fn secret(s: &str) -> Result<WebhookSecret, StoreError> {
    WebhookSecret::parse(s).ok_or_else(|| decode_error("webhook secret", "malformed"))
}

fn event_type(s: &str) -> Result<EventType, StoreError> {
    EventType::parse(s).ok_or_else(|| decode_error("event type", s))
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
            voided_at: opt_time("voided_at", s.voided_at)?,
            created_via_api: s.created_via_api,
            created_at: time("created_at", s.created_at)?,
            updated_at: time("updated_at", s.updated_at)?,
            version: s.version,
        })
    }
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
            read = Pass::try_from(
                Stmt::new(PASS.as_str(), vec![Bind::text(event.pass_id.as_str())])
                    .get_result::<PassRow>(conn)
                    .map_err(store_error)?,
            )?;
            &read
        }
    };
    let snapshot = Bind::json(&PassSnapshot::from(pass))
        .map_err(|e| StoreError::Backend(format!("cannot encode the pass snapshot: {e}")))?;
    for w in &webhooks {
        let webhook = parse_id!(WebhookId, w.id)?;
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

const WEBHOOK_COLUMNS: &str = "id, account_id, mode, url, events, description, enabled, secret, \
     previous_secret, previous_secret_expires_at, created_at, updated_at";

static INSERT: LazyLock<String> = LazyLock::new(|| {
    format!(
        "INSERT INTO webhooks ({WEBHOOK_COLUMNS}) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)"
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
/// `$1..$12` are the webhook and `$13` the expected `updated_at`.
const UPDATE: &str = "UPDATE webhooks SET url = $4, events = $5, description = $6, \
     enabled = $7, secret = $8, previous_secret = $9, previous_secret_expires_at = $10, \
     created_at = $11, updated_at = $12 \
     WHERE id = $1 AND account_id = $2 AND mode = $3 AND updated_at = $13";
const DELETE: &str = "DELETE FROM webhooks WHERE id = $1 AND account_id = $2 AND mode = $3";

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
    #[diesel(sql_type = Text)]
    events: String,
    #[diesel(sql_type = Nullable<Text>)]
    description: Option<String>,
    #[diesel(sql_type = Bool)]
    enabled: bool,
    #[diesel(sql_type = Text)]
    secret: String,
    #[diesel(sql_type = Nullable<Text>)]
    previous_secret: Option<String>,
    #[diesel(sql_type = Nullable<BigInt>)]
    previous_secret_expires_at: Option<i64>,
    #[diesel(sql_type = BigInt)]
    created_at: i64,
    #[diesel(sql_type = BigInt)]
    updated_at: i64,
}

impl TryFrom<WebhookRow> for Webhook {
    type Error = StoreError;

    fn try_from(r: WebhookRow) -> Result<Self, StoreError> {
        let events: Vec<String> =
            serde_json::from_str(&r.events).map_err(|e| decode_error("webhook events", e))?;
        let previous_secret = match (r.previous_secret, r.previous_secret_expires_at) {
            (Some(s), Some(expires_at)) => Some(RotatedSecret {
                secret: secret(&s)?,
                expires_at: time("previous_secret_expires_at", expires_at)?,
            }),
            _ => None,
        };
        Ok(Webhook {
            id: parse_id!(WebhookId, r.id)?,
            account_id: parse_id!(AccountId, r.account_id)?,
            mode: mode(&r.mode)?,
            url: r.url,
            events: events
                .iter()
                .map(|s| Subscription::parse(s).ok_or_else(|| decode_error("webhook event", s)))
                .collect::<Result<_, _>>()?,
            description: r.description,
            enabled: r.enabled,
            secret: secret(&r.secret)?,
            previous_secret,
            created_at: time("created_at", r.created_at)?,
            updated_at: time("updated_at", r.updated_at)?,
        })
    }
}

fn webhook_binds(w: &Webhook) -> StoreResult<Vec<Bind>> {
    let events: Vec<&str> = w.events.iter().map(|s| s.as_str()).collect();
    Ok(vec![
        Bind::text(w.id.as_str()),
        Bind::text(w.account_id.as_str()),
        Bind::text(w.mode.as_str()),
        Bind::text(&w.url),
        Bind::json(&events).map_err(|e| StoreError::Backend(format!("events: {e}")))?,
        Bind::nullable_text(w.description.as_deref()),
        Bind::Bool(w.enabled),
        Bind::text(w.secret.expose()),
        Bind::nullable_text(w.previous_secret.as_ref().map(|p| p.secret.expose())),
        Bind::nullable_time(w.previous_secret.as_ref().map(|p| p.expires_at)),
        Bind::time(w.created_at),
        Bind::time(w.updated_at),
    ])
}

fn scope_binds(scope: &Scope) -> [Bind; 2] {
    [
        Bind::text(scope.account_id.as_str()),
        Bind::text(scope.mode.as_str()),
    ]
}

// ----- deliveries ---------------------------------------------------------------

const DELIVERY_COLUMNS: &str = "id, webhook_id, account_id, mode, event_id, event_type, status, \
     attempts, last_attempt_at, next_attempt_at, response_status, response_body, created_at";

static LIST_DELIVERIES: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries \
         WHERE webhook_id = $1 AND account_id = $2 AND mode = $3 ORDER BY seq DESC LIMIT $4"
    )
});
static RETRY: LazyLock<String> = LazyLock::new(|| {
    format!(
        "UPDATE webhook_deliveries SET next_attempt_at = $5, due_at = $5, lease_token = NULL \
         WHERE id = $1 AND webhook_id = $2 AND account_id = $3 AND mode = $4 \
         RETURNING {DELIVERY_COLUMNS}"
    )
});
/// The due deliveries, longest due first: `$1` now, `$2` the limit.
const DUE: &str = "SELECT d.id FROM webhook_deliveries d \
     WHERE d.due_at <= $1 \
     AND EXISTS (SELECT 1 FROM webhooks w WHERE w.id = d.webhook_id AND w.enabled = 1) \
     ORDER BY d.due_at, d.seq LIMIT $2";
/// Reads one claimed delivery with its snapshot, webhook (`w_*`) and event (`e_*`).
static CLAIMED: LazyLock<String> = LazyLock::new(|| {
    let delivery: String = DELIVERY_COLUMNS
        .split(", ")
        .map(|c| format!("d.{c}"))
        .collect::<Vec<_>>()
        .join(", ");
    let webhook: String = WEBHOOK_COLUMNS
        .split(", ")
        .map(|c| format!("w.{c} AS w_{c}"))
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "SELECT {delivery}, d.pass_snapshot, {webhook}, e.id AS e_id, e.pass_id AS e_pass_id, \
         e.kind AS e_kind, e.metadata AS e_metadata, e.created_at AS e_created_at \
         FROM webhook_deliveries d JOIN webhooks w ON w.id = d.webhook_id \
         JOIN pass_events e ON e.id = d.event_id WHERE d.id = $1"
    )
});
const LEASE: &str = "UPDATE webhook_deliveries SET lease_token = $2, due_at = $3 WHERE id = $1";
const RECORD: &str = "UPDATE webhook_deliveries SET status = $3, attempts = attempts + 1, \
     last_attempt_at = $4, next_attempt_at = $5, due_at = $5, response_status = $6, \
     response_body = $7, lease_token = NULL \
     WHERE id = $1 AND lease_token = $2";

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
    #[diesel(sql_type = Nullable<BigInt>)]
    last_attempt_at: Option<i64>,
    #[diesel(sql_type = Nullable<BigInt>)]
    next_attempt_at: Option<i64>,
    #[diesel(sql_type = Nullable<Integer>)]
    response_status: Option<i32>,
    #[diesel(sql_type = Nullable<Text>)]
    response_body: Option<String>,
    #[diesel(sql_type = BigInt)]
    created_at: i64,
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
            last_attempt_at: opt_time("last_attempt_at", r.last_attempt_at)?,
            next_attempt_at: opt_time("next_attempt_at", r.next_attempt_at)?,
            response_status: r
                .response_status
                .map(u16::try_from)
                .transpose()
                .map_err(|e| decode_error("response status", e))?,
            response_body: r.response_body,
            created_at: time("created_at", r.created_at)?,
        })
    }
}

#[derive(QueryableByName)]
struct ClaimRow {
    #[diesel(embed)]
    delivery: DeliveryRow,
    #[diesel(sql_type = Text)]
    pass_snapshot: String,
    #[diesel(sql_type = Text)]
    w_id: String,
    #[diesel(sql_type = Text)]
    w_account_id: String,
    #[diesel(sql_type = Text)]
    w_mode: String,
    #[diesel(sql_type = Text)]
    w_url: String,
    #[diesel(sql_type = Text)]
    w_events: String,
    #[diesel(sql_type = Nullable<Text>)]
    w_description: Option<String>,
    #[diesel(sql_type = Bool)]
    w_enabled: bool,
    #[diesel(sql_type = Text)]
    w_secret: String,
    #[diesel(sql_type = Nullable<Text>)]
    w_previous_secret: Option<String>,
    #[diesel(sql_type = Nullable<BigInt>)]
    w_previous_secret_expires_at: Option<i64>,
    #[diesel(sql_type = BigInt)]
    w_created_at: i64,
    #[diesel(sql_type = BigInt)]
    w_updated_at: i64,
    #[diesel(sql_type = Text)]
    e_id: String,
    #[diesel(sql_type = Text)]
    e_pass_id: String,
    #[diesel(sql_type = Text)]
    e_kind: String,
    #[diesel(sql_type = Text)]
    e_metadata: String,
    #[diesel(sql_type = BigInt)]
    e_created_at: i64,
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
        let event = PassEvent {
            id: parse_id!(EventId, self.e_id)?,
            account_id: delivery.account_id.clone(),
            mode: delivery.mode,
            pass_id: parse_id!(PassId, self.e_pass_id)?,
            kind: event_type(&self.e_kind)?,
            metadata: serde_json::from_str(&self.e_metadata)
                .map_err(|e| decode_error("event metadata", e))?,
            created_at: time("event created_at", self.e_created_at)?,
        };
        let snapshot: PassSnapshot = serde_json::from_str(&self.pass_snapshot)
            .map_err(|e| decode_error("pass snapshot", e))?;
        Ok(ClaimedDelivery {
            delivery,
            lease_token: token.to_owned(),
            webhook,
            event,
            pass: Pass::try_from(snapshot)?,
        })
    }
}

#[async_trait]
impl WebhookStore for SqliteStore {
    async fn insert_webhook(
        &self,
        webhook: &Webhook,
        idem: Option<&IdemCompletion>,
    ) -> StoreResult<()> {
        // An unknown account is a foreign-key violation, mapped to `NotFound`.
        let insert = Stmt::new(INSERT.as_str(), webhook_binds(webhook)?);
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

    async fn get_webhook(&self, scope: &Scope, id: &WebhookId) -> StoreResult<Webhook> {
        let mut binds = vec![Bind::text(id.as_str())];
        binds.extend(scope_binds(scope));
        let stmt = Stmt::new(GET.as_str(), binds);
        self.read(move |conn| {
            stmt.get_result::<WebhookRow>(conn)
                .map_err(store_error)?
                .try_into()
        })
        .await
    }

    async fn list_webhooks(&self, scope: &Scope) -> StoreResult<Vec<Webhook>> {
        let stmt = Stmt::new(LIST.as_str(), scope_binds(scope).into());
        self.read(move |conn| {
            stmt.load::<WebhookRow>(conn)
                .map_err(store_error)?
                .into_iter()
                .map(Webhook::try_from)
                .collect()
        })
        .await
    }

    async fn update_webhook(
        &self,
        webhook: &Webhook,
        expected_updated_at: OffsetDateTime,
        idem: Option<&IdemCompletion>,
    ) -> StoreResult<()> {
        let mut binds = webhook_binds(webhook)?;
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
        let delete = Stmt::new(DELETE, binds);
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
            let rows = stmt.load::<DeliveryRow>(conn).map_err(store_error)?;
            // Rows found are the webhook's, in scope; only an empty log needs the
            // check.
            if rows.is_empty() && !exists(conn, "webhooks", &id, owner)? {
                return Err(StoreError::NotFound);
            }
            let rows = rows
                .into_iter()
                .map(WebhookDelivery::try_from)
                .collect::<Result<Vec<_>, _>>()?;
            Ok(Page::from_probe(rows, &PageRequest::first(limit)))
        })
        .await
    }

    async fn retry_delivery(
        &self,
        scope: &Scope,
        webhook: &WebhookId,
        delivery: &WebhookDeliveryId,
        at: OffsetDateTime,
    ) -> StoreResult<WebhookDelivery> {
        let mut binds = vec![Bind::text(delivery.as_str()), Bind::text(webhook.as_str())];
        binds.extend(scope_binds(scope));
        binds.push(Bind::time(at));
        let stmt = Stmt::new(RETRY.as_str(), binds);
        self.write(move |conn| {
            stmt.get_result::<DeliveryRow>(conn)
                .map_err(store_error)?
                .try_into()
        })
        .await
    }

    async fn claim_deliveries(&self, claim: &ClaimRequest) -> StoreResult<Vec<ClaimedDelivery>> {
        let due = Stmt::new(
            DUE,
            vec![Bind::time(claim.now), Bind::BigInt(i64::from(claim.limit))],
        );
        let token = claim.token.clone();
        let lease_until = claim.lease_until;
        self.write_tx(move |conn| {
            let ids = due.load::<IdRow>(conn).map_err(store_error)?;
            let mut out = Vec::with_capacity(ids.len());
            for IdRow { id } in ids {
                Stmt::new(
                    LEASE,
                    vec![Bind::text(&id), Bind::text(&token), Bind::time(lease_until)],
                )
                .execute(conn)
                .map_err(store_error)?;
                let row = Stmt::new(CLAIMED.as_str(), vec![Bind::Text(id)])
                    .get_result::<ClaimRow>(conn)
                    .map_err(store_error)?;
                out.push(row.into_claimed(&token)?);
            }
            Ok(out)
        })
        .await
    }

    async fn record_attempt(
        &self,
        id: &WebhookDeliveryId,
        token: &str,
        attempt: &AttemptRecord,
    ) -> StoreResult<()> {
        let record = Stmt::new(
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
        );
        let id = id.as_str().to_owned();
        self.write(move |conn| {
            if record.execute(conn).map_err(store_error)? == 0 {
                return Err(if exists(conn, "webhook_deliveries", &id, vec![])? {
                    StoreError::LeaseLost
                } else {
                    StoreError::NotFound
                });
            }
            Ok(())
        })
        .await
    }
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
            Stmt::new(LIST.as_str(), vec![text(), text()]),
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
            Stmt::new(DUE, vec![Bind::BigInt(0), Bind::BigInt(10)]),
        ),
    ]
}
