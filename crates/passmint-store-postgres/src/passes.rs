//! [`PassStore`]: passes and their events.
//!
//! Issuing a pass is one statement whatever it carries: the idempotency completion
//! (`done`), the pass (inserted from `done`, so a lost ticket inserts nothing) and
//! its `created` event (inserted from the pass). A unique violation anywhere aborts
//! the whole statement. A live pass is also counted against the account's
//! `live_pass_limit`: a conditional increment of `accounts.live_pass_count` and the
//! insert run in one transaction (the increment's row lock queues concurrent
//! issuers of the account, so the limit holds exactly). An update is one statement too, run inside a transaction
//! only when it completes a ticket, since the update and the completion can each
//! fail while the other succeeds.
//!
//! Issuing under a new idempotency key ([`PassStore::insert_pass_claiming`]) is a
//! single statement too, [`claiming_sql`]: the `claim` CTE inserts the key's record
//! already completed (`INSERT … ON CONFLICT DO NOTHING`, guarded by the template
//! still being the version validated), and the pass is inserted from `claim`, so an
//! existing key or a changed template writes nothing. A live pass adds the
//! conditional count (from `claim`), and then runs in a transaction, rolled back
//! when the count refuses a key the statement had claimed.
//!
//! Every statement that writes an event also enqueues its webhook deliveries: the
//! `d` CTE of [`fan_out_cte`] inserts them from the event and the pass row the
//! statement wrote (or, for a bare event, read), so the outbox is written with the
//! event or not at all, at no extra round trip.
//!
//! An update with `push` runs in a transaction: the wallet tag first (see
//! [`crate::wallet`]), then the update statement, which also writes the tag and
//! enqueues one push job per registration of the pass (`INSERT … SELECT` from the
//! registrations, in the same statement).

use crate::PgStore;
use crate::error::{TxError, store_error};
use crate::idempotency::{completion_binds, completion_cte, key_lost, with_completion};
use crate::list::fetch;
use crate::rows::UpdateOutcome;
use crate::sql::{Bind, Stmt};
use crate::wallet::{push_jobs_cte, tick};
use crate::webhooks::{fan_out_cte, fan_out_each_cte};
use async_trait::async_trait;
use diesel_async::{AsyncConnection, RunQueryDsl};
use passmint_domain::StoreError;
use passmint_domain::event::PassEvent;
use passmint_domain::idempotency::{ClaimedInsert, IdemCompletion, LOCK_TTL, RETENTION};
use passmint_domain::ids::PassId;
use passmint_domain::mode::{Mode, Scope};
use passmint_domain::page::{Page, PageRequest};
use passmint_domain::pass::{Pass, PassFilter};
use passmint_domain::ports::ClaimingInsert;
use passmint_domain::ports::{PassStore, StoreResult};
use passmint_domain::template::Template;
use passmint_store_sql::statements::{GET_PASS, SCOPE};
use passmint_store_sql::{Columns, Decode, Prefixed, SqlBind, TEMPLATE_COLUMNS};
use passmint_store_sql::{
    EVENT_COLUMNS, PASS_COLUMNS, event_binds, event_list, pass_binds, pass_list,
};
use std::sync::LazyLock;

/// `$1..$16`, bound by [`pass_binds`].
const PASS_VALUES: &str = "$1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16";
/// The event's values when it follows the pass's 16 (and the update's expected
/// version), bound by [`event_binds`].
const EVENT_VALUES_AFTER_PASS: &str = "$17, $18, $19, $20, $21, $22, $23";
const EVENT_VALUES_AFTER_UPDATE: &str = "$18, $19, $20, $21, $22, $23, $24";

/// What an inserted event CTE returns for [`fan_out_cte`].
const EVENT_RETURNING: &str = "RETURNING id, account_id, mode, kind, created_at";

/// `inserted` (0 when a lost ticket inserted nothing) and `enqueued`.
fn insert_sql(completing: bool) -> String {
    let (done, pass) = if completing {
        (
            format!("{}, ", completion_cte(24)),
            format!("SELECT {PASS_VALUES} FROM done"),
        )
    } else {
        (String::new(), format!("VALUES ({PASS_VALUES})"))
    };
    format!(
        "WITH {done}p AS (INSERT INTO passes ({PASS_COLUMNS}) {pass} RETURNING *), \
         e AS (INSERT INTO pass_events ({EVENT_COLUMNS}) SELECT {EVENT_VALUES_AFTER_PASS} \
         FROM p {EVENT_RETURNING}), {} \
         SELECT (SELECT count(*) FROM e) AS inserted, (SELECT count(*) FROM d) AS enqueued",
        fan_out_cte("p")
    )
}

/// The template guard of a claiming insert: `$4` (the pass's template) of `$2` (its
/// account), at the `updated_at` validated, not archived. (`archived` and the
/// account are tested on the row found rather than in the `WHERE`, which would let
/// the planner scan the account's templates through the partial list index instead
/// of looking the id up in the primary key; see `passmint_store_sql::statements`.)
const TEMPLATE_GUARD: &str = "coalesce((SELECT NOT archived FROM templates WHERE id = $4 \
     AND account_id IS NOT DISTINCT FROM $2 AND updated_at = $32), false)";

/// `template_ok`, `claimed`, `counted`, `inserted` and `enqueued`. `$1..$16` are
/// the pass, `$17..$23` its event, then the claim: `$24` key, `$25` fingerprint,
/// `$26` lock token, `$27` locked until, `$28` now, `$29` expires at, `$30`
/// response status, `$31` response body, and `$32` the template's `updated_at`.
/// With `live`, the pass is counted against the account's limit, only once the key
/// is claimed.
fn claiming_sql(live: bool) -> String {
    let (count, from, counted) = if live {
        (
            "counted AS (UPDATE accounts SET live_pass_count = live_pass_count + 1 \
             WHERE id = $2 AND (live_pass_limit IS NULL OR live_pass_count < live_pass_limit) \
             AND EXISTS (SELECT 1 FROM claim) RETURNING 1), ",
            "counted",
            "(SELECT count(*) FROM counted)",
        )
    } else {
        ("", "claim", "1::bigint")
    };
    format!(
        "WITH claim AS (INSERT INTO idempotency_keys (account_id, mode, key, fingerprint, \
         lock_token, locked_until, created_at, expires_at, response_status, response_body) \
         SELECT $2, $3, $24, $25, $26, $27, $28, $29, $30, $31 WHERE {TEMPLATE_GUARD} \
         ON CONFLICT (account_id, mode, key) DO NOTHING RETURNING 1), {count}\
         p AS (INSERT INTO passes ({PASS_COLUMNS}) SELECT {PASS_VALUES} FROM {from} RETURNING *), \
         e AS (INSERT INTO pass_events ({EVENT_COLUMNS}) SELECT {EVENT_VALUES_AFTER_PASS} \
         FROM p {EVENT_RETURNING}), {} \
         SELECT {TEMPLATE_GUARD} AS template_ok, (SELECT count(*) FROM claim) AS claimed, \
         {counted} AS counted, (SELECT count(*) FROM e) AS inserted, \
         (SELECT count(*) FROM d) AS enqueued",
        fan_out_cte("p")
    )
}

static INSERT: LazyLock<String> = LazyLock::new(|| insert_sql(false));
pub(crate) static INSERT_CLAIMING: [LazyLock<String>; 2] = [
    LazyLock::new(|| claiming_sql(false)),
    LazyLock::new(|| claiming_sql(true)),
];
static INSERT_COMPLETING: LazyLock<String> = LazyLock::new(|| insert_sql(true));
/// A bare event, with its deliveries and the pass as it is now: `enqueued`.
pub(crate) static INSERT_EVENT: LazyLock<String> = LazyLock::new(|| {
    format!(
        "WITH e AS (INSERT INTO pass_events ({EVENT_COLUMNS}) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) {EVENT_RETURNING}), \
         p AS (SELECT * FROM passes WHERE id = $4), {} \
         SELECT (SELECT count(*) FROM d) AS enqueued",
        fan_out_cte("p")
    )
});

/// A batch of events in one statement: `$1` is a JSON array of [`EventRow`]s; each
/// distinct pass is read by its own id (a lateral lookup), so it is found by its
/// primary key whatever the statistics say; returns `enqueued`.
pub(crate) static INSERT_EVENTS: LazyLock<String> = LazyLock::new(|| {
    format!(
        "WITH x AS (SELECT * FROM jsonb_to_recordset($1) AS x(id text, account_id text, \
         mode text, pass_id text, kind text, metadata jsonb, created_at timestamptz)), \
         e AS (INSERT INTO pass_events ({EVENT_COLUMNS}) SELECT {EVENT_COLUMNS} FROM x \
         RETURNING id, account_id, mode, kind, created_at, pass_id), \
         p AS (SELECT q.* FROM (SELECT DISTINCT pass_id FROM x) k \
         CROSS JOIN LATERAL (SELECT * FROM passes WHERE passes.id = k.pass_id) q), {} \
         SELECT (SELECT count(*) FROM d) AS enqueued",
        fan_out_each_cte("p")
    )
});

/// One event of [`INSERT_EVENTS`]' batch; its time to the microsecond PostgreSQL
/// keeps, cut as a bound `timestamptz` is.
#[derive(serde::Serialize)]
struct EventRow<'a> {
    id: &'a str,
    account_id: &'a str,
    mode: &'a str,
    pass_id: &'a str,
    kind: &'a str,
    metadata: &'a serde_json::Map<String, serde_json::Value>,
    created_at: String,
}

impl<'a> From<&'a PassEvent> for EventRow<'a> {
    fn from(e: &'a PassEvent) -> Self {
        let t = e.created_at.to_offset(time::UtcOffset::UTC);
        EventRow {
            id: e.id.as_str(),
            account_id: e.account_id.as_str(),
            mode: e.mode.as_str(),
            pass_id: e.pass_id.as_str(),
            kind: e.kind.as_str(),
            metadata: &e.metadata,
            created_at: format!(
                "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:06}Z",
                t.year(),
                u8::from(t.month()),
                t.day(),
                t.hour(),
                t.minute(),
                t.second(),
                t.microsecond()
            ),
        }
    }
}

/// The columns of a pass `p` and of its template `t` (as `t_…`), as
/// [`PassAndTemplate`] decodes them.
pub(crate) fn pass_and_template_columns() -> String {
    let pass = PASS_COLUMNS
        .split(", ")
        .map(|c| format!("p.{c}"))
        .collect::<Vec<_>>()
        .join(", ");
    let template = TEMPLATE_COLUMNS
        .split(", ")
        .map(|c| format!("t.{c} AS t_{c}"))
        .collect::<Vec<_>>()
        .join(", ");
    format!("{pass}, {template}")
}

/// A public page's look-up, one statement: the pass by its short id and its
/// template by the template's key.
pub(crate) static FIND_PUBLIC: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT {} FROM passes p JOIN templates t \
         ON t.id = p.template_id AND t.account_id = p.account_id WHERE p.short_id = $1",
        pass_and_template_columns()
    )
});

/// A row of [`pass_and_template_columns`].
pub(crate) struct PassAndTemplate(pub(crate) Pass, pub(crate) Template);

impl Decode for PassAndTemplate {
    fn decode<C: Columns>(c: &C) -> StoreResult<Self> {
        let template = Template::decode(&Prefixed {
            inner: c,
            prefix: "t_",
        })?;
        Ok(PassAndTemplate(Pass::decode(c)?, template))
    }
}

#[derive(diesel::QueryableByName)]
struct Inserted {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    inserted: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    enqueued: i64,
}

/// The outcome of a claiming insert.
#[derive(diesel::QueryableByName)]
struct Claimed {
    #[diesel(sql_type = diesel::sql_types::Bool)]
    template_ok: bool,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    claimed: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    counted: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    inserted: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    enqueued: i64,
}

impl Claimed {
    /// What the statement did; `LimitReached` when it claimed the key but the count
    /// refused the pass (the caller's transaction must then roll the claim back).
    fn outcome(&self) -> StoreResult<ClaimedInsert> {
        if !self.template_ok {
            Ok(ClaimedInsert::TemplateChanged)
        } else if self.claimed == 0 {
            Ok(ClaimedInsert::KeyTaken)
        } else if self.counted == 0 {
            Err(StoreError::LimitReached)
        } else if self.inserted == 0 {
            Err(StoreError::Backend(
                "a claiming insert took the key but wrote no pass".into(),
            ))
        } else {
            Ok(ClaimedInsert::Inserted {
                enqueued: to_u64(self.enqueued),
            })
        }
    }
}

#[derive(diesel::QueryableByName)]
struct Enqueued {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    enqueued: i64,
}

/// The outcome of a pass update: [`UpdateOutcome`]'s and the deliveries enqueued.
#[derive(diesel::QueryableByName)]
struct PassUpdated {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    updated: i64,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    completed: i64,
    #[diesel(sql_type = diesel::sql_types::Bool)]
    found: bool,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    enqueued: i64,
}

impl PassUpdated {
    fn check(self) -> StoreResult<u64> {
        UpdateOutcome {
            updated: self.updated,
            completed: self.completed,
            found: self.found,
        }
        .check(StoreError::VersionChanged)?;
        Ok(to_u64(self.enqueued))
    }
}

fn to_u64(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}
/// Counts a live pass against the account's limit: `counted` is 1 when there was
/// room (the row stays locked until the transaction ends, so concurrent issuers
/// queue), `found` whether the account exists.
const COUNT_LIVE: &str = "WITH u AS (UPDATE accounts SET live_pass_count = live_pass_count + 1 \
     WHERE id = $1 AND (live_pass_limit IS NULL OR live_pass_count < live_pass_limit) \
     RETURNING 1) \
     SELECT (SELECT count(*) FROM u) AS counted, \
     EXISTS (SELECT 1 FROM accounts WHERE id = $1) AS found";

#[derive(diesel::QueryableByName)]
struct Counted {
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    counted: i64,
    #[diesel(sql_type = diesel::sql_types::Bool)]
    found: bool,
}

/// `updated`, `completed`, `found`, `enqueued`. `$1..$16` are the pass, `$17` the
/// expected version, then the event's 7 values if any, then the completion's 6 if
/// any, then, with `push`, the pass's new wallet tag (the statement then also
/// enqueues the push jobs of the pass's registrations).
fn update_sql(with_event: bool, completing: bool, push: bool) -> String {
    let tag = 18 + 7 * usize::from(with_event) + 6 * usize::from(completing);
    let wallet_tag = if push {
        format!(", wallet_tag = ${tag}")
    } else {
        String::new()
    };
    let mut next = 18;
    let mut ctes = format!(
        "u AS (UPDATE passes SET template_id = $4, short_id = $5, serial_number = $6, \
         auth_token = $7, holder_email = $8, holder_name = $9, field_values = $10, \
         metadata = $11, voided_at = $12, created_via_api = $13, created_at = $14, \
         updated_at = $15, version = $16{wallet_tag} \
         WHERE id = $1 AND {SCOPE} AND version = $17 RETURNING *)",
    );
    let enqueued = if with_event {
        ctes.push_str(&format!(
            ", e AS (INSERT INTO pass_events ({EVENT_COLUMNS}) \
             SELECT {EVENT_VALUES_AFTER_UPDATE} FROM u {EVENT_RETURNING}), {}",
            fan_out_cte("u")
        ));
        next += 7;
        "(SELECT count(*) FROM d)"
    } else {
        "0::bigint"
    };
    let completed = if completing {
        ctes.push_str(&format!(", {}", completion_cte(next)));
        "(SELECT count(*) FROM done)"
    } else {
        "1::bigint"
    };
    if push {
        ctes.push_str(&format!(", {}", push_jobs_cte("u", "$15")));
    }
    format!(
        "WITH {ctes} SELECT (SELECT count(*) FROM u) AS updated, {completed} AS completed, \
         EXISTS (SELECT 1 FROM passes WHERE id = $1 AND {SCOPE}) AS found, \
         {enqueued} AS enqueued"
    )
}

/// Indexed by `event + 2 * completing + 4 * push`.
pub(crate) static UPDATE: [LazyLock<String>; 8] = [
    LazyLock::new(|| update_sql(false, false, false)),
    LazyLock::new(|| update_sql(true, false, false)),
    LazyLock::new(|| update_sql(false, true, false)),
    LazyLock::new(|| update_sql(true, true, false)),
    LazyLock::new(|| update_sql(false, false, true)),
    LazyLock::new(|| update_sql(true, false, true)),
    LazyLock::new(|| update_sql(false, true, true)),
    LazyLock::new(|| update_sql(true, true, true)),
];

#[async_trait]
impl PassStore for PgStore {
    async fn insert_pass(
        &self,
        pass: &Pass,
        event: &PassEvent,
        idem: Option<&IdemCompletion>,
    ) -> StoreResult<u64> {
        let mut binds = pass_binds(pass)?;
        binds.extend(event_binds(event)?);
        let sql = with_completion(&mut binds, idem, &INSERT, &INSERT_COMPLETING);
        let mut conn = self.conn().await?;
        if pass.mode == Mode::Live {
            // The count and the insert commit together or not at all.
            let account = pass.account_id.as_str();
            return conn
                .transaction::<u64, TxError, _>(async move |conn| {
                    let count = Stmt::new(COUNT_LIVE, vec![Bind::Text(account)])
                        .get_result::<Counted>(conn)
                        .await?;
                    if !count.found {
                        return Err(TxError(StoreError::NotFound));
                    }
                    if count.counted == 0 {
                        return Err(TxError(StoreError::LimitReached));
                    }
                    let written = Stmt::new(sql, binds).get_result::<Inserted>(conn).await?;
                    if written.inserted == 0 {
                        return Err(TxError(key_lost()));
                    }
                    Ok(to_u64(written.enqueued))
                })
                .await
                .map_err(|e| e.0);
        }
        let written = Stmt::new(sql, binds)
            .get_result::<Inserted>(&mut conn)
            .await
            .map_err(store_error)?;
        if written.inserted == 0 {
            return Err(key_lost());
        }
        Ok(to_u64(written.enqueued))
    }

    async fn insert_pass_claiming(&self, input: &ClaimingInsert<'_>) -> StoreResult<ClaimedInsert> {
        let mut binds = pass_binds(input.pass)?;
        binds.extend(event_binds(input.event)?);
        binds.extend([
            Bind::Text(&input.claim.key),
            Bind::Text(&input.claim.fingerprint),
            Bind::Text(&input.claim.lock_token),
            Bind::Timestamptz(input.claim.now + LOCK_TTL),
            Bind::Timestamptz(input.claim.now),
            Bind::Timestamptz(input.claim.now + RETENTION),
            Bind::Integer(i32::from(input.response.status)),
            Bind::Bytea(&input.response.body),
            Bind::Timestamptz(input.template_updated_at),
        ]);
        let live = input.pass.mode == Mode::Live;
        let sql = INSERT_CLAIMING[usize::from(live)].as_str();
        let mut conn = self.conn().await?;
        if !live {
            // Everything is this one statement, atomic by itself.
            return Stmt::new(sql, binds)
                .get_result::<Claimed>(&mut conn)
                .await
                .map_err(store_error)?
                .outcome();
        }
        // A refused count rolls back the key the statement claimed.
        conn.transaction::<ClaimedInsert, TxError, _>(async move |conn| {
            let claimed = Stmt::new(sql, binds).get_result::<Claimed>(conn).await?;
            Ok(claimed.outcome()?)
        })
        .await
        .map_err(|e| e.0)
    }

    async fn find_public_pass(&self, short_id: &str) -> StoreResult<(Pass, Template)> {
        let mut conn = self.conn().await?;
        let found = Stmt::new(FIND_PUBLIC.as_str(), vec![Bind::Text(short_id)])
            .one::<PassAndTemplate>(&mut conn)
            .await?;
        Ok((found.0, found.1))
    }

    async fn get_pass(&self, scope: &Scope, id: &PassId) -> StoreResult<Pass> {
        let mut conn = self.conn().await?;
        Stmt::new(
            GET_PASS.as_str(),
            vec![
                Bind::Text(id.as_str()),
                Bind::Text(scope.account_id.as_str()),
                Bind::Text(scope.mode.as_str()),
            ],
        )
        .one::<Pass>(&mut conn)
        .await
    }

    async fn list_passes(
        &self,
        scope: &Scope,
        filter: &PassFilter,
        page: &PageRequest,
    ) -> StoreResult<Page<Pass>> {
        let mut conn = self.conn().await?;
        fetch::<Pass>(pass_list(scope, filter), &mut conn, page).await
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
        if let Some(e) = event {
            binds.extend(event_binds(e)?);
        }
        if let Some(c) = idem {
            binds.extend(completion_binds(c));
        }
        let sql = UPDATE[usize::from(event.is_some())
            + 2 * usize::from(idem.is_some())
            + 4 * usize::from(push)]
        .as_str();
        let mut conn = self.conn().await?;
        if idem.is_none() && !push {
            // The pass, its event and its deliveries are one statement, atomic by
            // itself.
            return Stmt::new(sql, binds)
                .get_result::<PassUpdated>(&mut conn)
                .await
                .map_err(store_error)?
                .check();
        }
        conn.transaction::<u64, TxError, _>(async move |conn| {
            if push {
                // The tag first, before the update locks the pass (see `wallet`).
                binds.push(Bind::BigInt(tick(conn).await?));
            }
            let outcome = Stmt::new(sql, binds)
                .get_result::<PassUpdated>(conn)
                .await?;
            Ok(outcome.check()?)
        })
        .await
        .map_err(|e| e.0)
    }

    async fn insert_event(&self, event: &PassEvent) -> StoreResult<u64> {
        // An event of a missing pass is a foreign-key violation, mapped to `NotFound`.
        let binds = event_binds(event)?;
        let mut conn = self.conn().await?;
        let written = Stmt::new(INSERT_EVENT.as_str(), binds)
            .get_result::<Enqueued>(&mut conn)
            .await
            .map_err(store_error)?;
        Ok(to_u64(written.enqueued))
    }

    async fn insert_events(&self, events: &[PassEvent]) -> StoreResult<u64> {
        if events.is_empty() {
            return Ok(0);
        }
        let rows = events.iter().map(EventRow::from).collect::<Vec<_>>();
        let batch = Bind::json(&rows).map_err(|e| StoreError::Backend(format!("events: {e}")))?;
        let mut conn = self.conn().await?;
        // One statement: atomic by itself, one round trip whatever the batch holds.
        let written = Stmt::new(INSERT_EVENTS.as_str(), vec![batch])
            .get_result::<Enqueued>(&mut conn)
            .await
            .map_err(store_error)?;
        Ok(to_u64(written.enqueued))
    }

    async fn list_events(
        &self,
        scope: &Scope,
        pass: Option<&PassId>,
        page: &PageRequest,
    ) -> StoreResult<Page<PassEvent>> {
        let mut conn = self.conn().await?;
        let list = event_list(scope, pass);
        fetch::<PassEvent>(list, &mut conn, page).await
    }
}
