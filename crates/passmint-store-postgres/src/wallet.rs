//! [`WalletStore`]: device registrations, the wallet tag and push jobs, and the two
//! pieces the pushing writes of [`crate::passes`] and [`crate::templates`] embed.
//!
//! - **Tags**: a write that alters what devices show opens its transaction with
//!   [`TICK`] (`wallet_clock`, one row, `tag + 1`) before it locks any pass, and
//!   writes the tag it got to its pass(es). The clock's row lock, held until
//!   commit, makes tags commit in increasing order, and since every pushing writer
//!   takes it first, none ever waits for it while holding a pass (no deadlock with
//!   another pushing writer). [`UPDATED_SERIALS`] reads the clock and the passes in
//!   one statement, so in one snapshot: every change it cannot see yet gets a tag
//!   greater than the `last_updated` it returns.
//! - **Push jobs**: [`push_jobs_cte`] inserts one job per registration of the
//!   changed passes in the statement that changes them (one `INSERT … SELECT`,
//!   however many devices).
//! - **Claims** are one statement: the due rows (`push_jobs_due_idx`, on the due
//!   time `GREATEST(next_attempt_at, lease_until)`) are locked `FOR UPDATE SKIP
//!   LOCKED`, then leased (`lease_token`, `lease_until`), as webhook deliveries
//!   are: a claimer passes over rows another claimer holds, re-checks a row that
//!   changed under it once it holds the lock, and a leased row sits past `now` in
//!   the index until its lease ends. Completion and reschedule are conditional on
//!   the lease token.
//! - **Registration** runs in a transaction that first locks the pass row
//!   ([`LOCK_PASS`], `FOR NO KEY UPDATE`: it queues registrations of the pass, not
//!   the foreign-key checks of other writers; no pass means `NotFound`). Then one
//!   statement inserts when new and the pass has fewer than its limit of devices
//!   (`INSERT … SELECT … WHERE count < max ON CONFLICT DO NOTHING` with its
//!   `installed` event and the event's deliveries, all conditional on the inserted
//!   row), and a second one, an update of the push token, runs when nothing was
//!   inserted: of concurrent registrations of one pair, the unique index lets
//!   exactly one insert. The count runs after the lock is held, in a snapshot of
//!   its own, so concurrent registrations of a pass never pass its limit.

use crate::error::{TxError, store_error};
use crate::rows::UpdateOutcome;
use crate::sql::{Bind, Stmt};
use crate::webhooks::fan_out_cte;
use crate::{Conn, PgStore};
use async_trait::async_trait;
use diesel::QueryableByName;
use diesel::sql_types::{BigInt, Bool, Nullable, Text};
use diesel_async::{AsyncConnection, RunQueryDsl};
use passmint_domain::StoreError;
use passmint_domain::event::PassEvent;
use passmint_domain::ids::PassId;
use passmint_domain::pass::Pass;
use passmint_domain::ports::DeviceUnregistration;
use passmint_domain::ports::{StoreResult, WalletStore};
use passmint_domain::wallet::{PushJob, RegisterOutcome, Registration, UpdatedSerials};
use passmint_domain::webhook::ClaimRequest;
use passmint_store_sql::statements::FIND_BY_SERIAL;
use passmint_store_sql::{
    EVENT_COLUMNS, Lenient, PUSH_JOB_COLUMNS, REGISTRATION_COLUMNS, decoded, event_binds,
};
use std::sync::LazyLock;
use time::OffsetDateTime;

/// Takes the next wallet tag. The row stays locked until the transaction ends.
const TICK: &str = "UPDATE wallet_clock SET tag = tag + 1 WHERE id = 1 RETURNING tag";

#[derive(QueryableByName)]
struct Tag {
    #[diesel(sql_type = BigInt)]
    tag: i64,
}

/// Takes the next wallet tag for the transaction `conn` is in: call it before the
/// transaction locks any pass.
pub(crate) async fn tick(conn: &mut Conn) -> diesel::QueryResult<i64> {
    Ok(Stmt::new(TICK, Vec::new())
        .get_result::<Tag>(conn)
        .await?
        .tag)
}

/// The `j` CTE: one push job per registration of each pass row of the CTE `pass`,
/// due and created at `at` (an SQL expression, e.g. a placeholder).
pub(crate) fn push_jobs_cte(pass: &str, at: &str) -> String {
    format!(
        "j AS (INSERT INTO push_jobs (account_id, mode, pass_id, device_library_id, \
         push_token, pass_type_id, next_attempt_at, created_at) \
         SELECT r.account_id, r.mode, r.pass_id, r.device_library_id, r.push_token, \
         r.pass_type_id, {at}, {at} \
         FROM {pass} JOIN device_registrations r ON r.pass_id = {pass}.id)"
    )
}

/// `$1` a pass: its row, locked until the transaction ends (no row when missing).
pub(crate) const LOCK_PASS: &str =
    "SELECT 1::bigint AS n FROM passes WHERE id = $1 FOR NO KEY UPDATE";

/// `$1..$7` the registration, `$8..$14` its event, `$15` the most registrations of
/// the pass: `created` (0 when the pair existed or the pass is full, and then
/// nothing was written), `enqueued` and `full`.
pub(crate) static REGISTER: LazyLock<String> = LazyLock::new(|| {
    format!(
        "WITH n AS (SELECT count(*) AS n FROM device_registrations WHERE pass_id = $2), \
         r AS (INSERT INTO device_registrations (device_library_id, pass_id, account_id, \
         mode, pass_type_id, push_token, created_at, updated_at) \
         SELECT $1, $2, $3, $4, $5, $6, $7, $7 FROM n WHERE n.n < $15 \
         ON CONFLICT (device_library_id, pass_id) DO NOTHING RETURNING 1), \
         e AS (INSERT INTO pass_events ({EVENT_COLUMNS}) \
         SELECT $8, $9, $10, $11, $12, $13, $14 FROM r \
         RETURNING id, account_id, mode, kind, created_at), \
         p AS (SELECT * FROM passes WHERE id = $2), {} \
         SELECT (SELECT count(*) FROM r) AS created, (SELECT count(*) FROM d) AS enqueued, \
         (SELECT n >= $15 FROM n) AS full",
        fan_out_cte("p")
    )
});

pub(crate) const REREGISTER: &str = "UPDATE device_registrations \
     SET push_token = $3, pass_type_id = $4, updated_at = $5 \
     WHERE device_library_id = $1 AND pass_id = $2";

/// A registration found by [`REGISTER`] that vanishes before [`REREGISTER`] (a
/// concurrent unregistration) is registered anew, at most this many times.
const REGISTER_ATTEMPTS: usize = 4;

#[derive(QueryableByName)]
struct Registered {
    #[diesel(sql_type = BigInt)]
    created: i64,
    #[diesel(sql_type = BigInt)]
    enqueued: i64,
    #[diesel(sql_type = Bool)]
    full: bool,
}

/// `$1` device, `$2` pass, `$3` the push token it must have (NULL: any), `$4..$10`
/// the event: `removed` (0: nothing written) and `enqueued`.
pub(crate) static UNREGISTER: LazyLock<String> = LazyLock::new(|| {
    format!(
        "WITH r AS (DELETE FROM device_registrations \
         WHERE device_library_id = $1 AND pass_id = $2 AND push_token = COALESCE($3, push_token) \
         RETURNING 1), \
         e AS (INSERT INTO pass_events ({EVENT_COLUMNS}) \
         SELECT $4, $5, $6, $7, $8, $9, $10 FROM r \
         RETURNING id, account_id, mode, kind, created_at), \
         p AS (SELECT * FROM passes WHERE id = $2), {} \
         SELECT (SELECT count(*) FROM r) AS removed, (SELECT count(*) FROM d) AS enqueued",
        fan_out_cte("p")
    )
});

#[derive(QueryableByName)]
struct Unregistered {
    #[diesel(sql_type = BigInt)]
    removed: i64,
    #[diesel(sql_type = BigInt)]
    enqueued: i64,
}

/// The clock and the device's passes changed since `$3` (-1: all), in one
/// snapshot: one row per serial number, or one row without when there are none.
const UPDATED_SERIALS: &str = "SELECT c.tag AS last_updated, s.serial_number \
     FROM wallet_clock c LEFT JOIN LATERAL (SELECT p.serial_number \
     FROM device_registrations r JOIN passes p ON p.id = r.pass_id \
     WHERE r.device_library_id = $1 AND r.pass_type_id = $2 AND p.wallet_tag > $3) s ON true \
     WHERE c.id = 1 ORDER BY s.serial_number";

#[derive(QueryableByName)]
struct SerialRow {
    #[diesel(sql_type = BigInt)]
    last_updated: i64,
    #[diesel(sql_type = Nullable<Text>)]
    serial_number: Option<String>,
}

static REGISTRATIONS_OF: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT {REGISTRATION_COLUMNS} FROM device_registrations WHERE pass_id = $1 ORDER BY seq"
    )
});

/// The due time of a job: `next_attempt_at`, or the end of a lease past it.
const DUE: &str = "GREATEST(next_attempt_at, lease_until)";

/// `$1` now, `$2` the limit, `$3` the token, `$4` the lease's end.
static CLAIM: LazyLock<String> = LazyLock::new(|| {
    let returned: String = PUSH_JOB_COLUMNS
        .split(", ")
        .map(|c| format!("j.{c}"))
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "WITH c AS (SELECT id, {DUE} AS was_due FROM push_jobs WHERE {DUE} <= $1 \
         ORDER BY {DUE}, id LIMIT $2 FOR UPDATE SKIP LOCKED), \
         u AS (UPDATE push_jobs j SET lease_token = $3, lease_until = $4 FROM c \
         WHERE j.id = c.id RETURNING {returned}, c.was_due) \
         SELECT {PUSH_JOB_COLUMNS} FROM u ORDER BY was_due, id"
    )
});

const COMPLETE: &str = "DELETE FROM push_jobs WHERE id = ANY($2) AND lease_token = $1";

/// `updated` (1 when the lease was held), `completed` (always 1), `found`.
pub(crate) const RESCHEDULE: &str = "WITH u AS (UPDATE push_jobs SET attempts = attempts + 1, \
     next_attempt_at = $3, last_error = $4, lease_token = NULL, lease_until = NULL \
     WHERE id = $1 AND lease_token = $2 RETURNING 1) \
     SELECT (SELECT count(*) FROM u) AS updated, 1::bigint AS completed, \
     EXISTS (SELECT 1 FROM push_jobs WHERE id = $1) AS found";

const PENDING: &str = "SELECT count(*) AS n FROM push_jobs";

/// A one-row answer to `SELECT … AS n` (a count, a counter).
#[derive(QueryableByName)]
pub(crate) struct Count {
    #[diesel(sql_type = BigInt)]
    pub(crate) n: i64,
}

fn to_u64(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

#[async_trait]
impl WalletStore for PgStore {
    async fn find_pass_by_serial(&self, serial_number: &str) -> StoreResult<Pass> {
        // PostgreSQL text cannot hold NUL (it refuses the bind): no pass has it.
        if serial_number.contains('\0') {
            return Err(StoreError::NotFound);
        }
        let mut conn = self.conn().await?;
        Stmt::new(FIND_BY_SERIAL.as_str(), vec![Bind::Text(serial_number)])
            .one::<Pass>(&mut conn)
            .await
    }

    async fn register_device(
        &self,
        registration: &Registration,
        event: &PassEvent,
        max_per_pass: u32,
    ) -> StoreResult<RegisterOutcome> {
        let r = registration;
        let mut binds = vec![
            Bind::Text(&r.device_library_id),
            Bind::Text(r.pass_id.as_str()),
            Bind::Text(r.account_id.as_str()),
            Bind::Text(r.mode.as_str()),
            Bind::Text(&r.pass_type_id),
            Bind::Text(&r.push_token),
            Bind::Timestamptz(r.created_at),
        ];
        binds.extend(event_binds(event)?);
        binds.push(Bind::BigInt(i64::from(max_per_pass)));
        let update = [
            Bind::Text(&r.device_library_id),
            Bind::Text(r.pass_id.as_str()),
            Bind::Text(&r.push_token),
            Bind::Text(&r.pass_type_id),
            Bind::Timestamptz(r.created_at),
        ];
        let pass = r.pass_id.as_str();
        let mut conn = self.conn().await?;
        conn.transaction::<RegisterOutcome, TxError, _>(async move |conn| {
            let locked = Stmt::new(LOCK_PASS, vec![Bind::Text(pass)])
                .load::<Count>(conn)
                .await?;
            if locked.is_empty() {
                return Err(TxError(StoreError::NotFound));
            }
            for _ in 0..REGISTER_ATTEMPTS {
                let written = Stmt::new(REGISTER.as_str(), binds.clone())
                    .get_result::<Registered>(conn)
                    .await?;
                if written.created > 0 {
                    return Ok(RegisterOutcome::Created {
                        enqueued: to_u64(written.enqueued),
                    });
                }
                let updated = Stmt::new(REREGISTER, update.to_vec()).execute(conn).await?;
                if updated > 0 {
                    return Ok(RegisterOutcome::Existing);
                }
                if written.full {
                    return Err(TxError(StoreError::LimitReached));
                }
            }
            Err(TxError(StoreError::Backend(
                "the device registration kept vanishing under concurrent unregistrations".into(),
            )))
        })
        .await
        .map_err(|e| e.0)
    }

    async fn unregister_device(
        &self,
        input: &DeviceUnregistration<'_>,
    ) -> StoreResult<Option<u64>> {
        let mut binds = vec![
            Bind::Text(input.device_library_id),
            Bind::Text(input.pass.as_str()),
            Bind::NullableText(input.only_push_token),
        ];
        binds.extend(event_binds(input.event)?);
        let mut conn = self.conn().await?;
        let written = Stmt::new(UNREGISTER.as_str(), binds)
            .get_result::<Unregistered>(&mut conn)
            .await
            .map_err(store_error)?;
        Ok((written.removed > 0).then(|| to_u64(written.enqueued)))
    }

    async fn updated_serials(
        &self,
        device_library_id: &str,
        pass_type_id: &str,
        since: Option<i64>,
    ) -> StoreResult<UpdatedSerials> {
        // PostgreSQL text cannot hold NUL (it refuses the bind): no registration has
        // it, so such a device lists nothing, as the empty id (never registered) does.
        let nul = device_library_id.contains('\0') || pass_type_id.contains('\0');
        let (device, ptid) = if nul {
            ("", "")
        } else {
            (device_library_id, pass_type_id)
        };
        let binds = vec![
            Bind::Text(device),
            Bind::Text(ptid),
            // Tags are never negative: -1 lists every pass.
            Bind::BigInt(since.unwrap_or(-1)),
        ];
        let mut conn = self.conn().await?;
        let rows = Stmt::new(UPDATED_SERIALS, binds)
            .load::<SerialRow>(&mut conn)
            .await
            .map_err(store_error)?;
        let last_updated = rows
            .iter()
            .map(|r| r.last_updated)
            .next()
            .ok_or_else(|| StoreError::Backend("the wallet clock row is missing".into()))?;
        Ok(UpdatedSerials {
            serial_numbers: rows.into_iter().filter_map(|r| r.serial_number).collect(),
            last_updated,
        })
    }

    async fn registrations_of(&self, pass: &PassId) -> StoreResult<Vec<Registration>> {
        let mut conn = self.conn().await?;
        Stmt::new(REGISTRATIONS_OF.as_str(), vec![Bind::Text(pass.as_str())])
            .all::<Registration>(&mut conn)
            .await
    }

    async fn claim_pushes(&self, claim: &ClaimRequest) -> StoreResult<Vec<PushJob>> {
        let binds = vec![
            Bind::Timestamptz(claim.now),
            Bind::BigInt(i64::from(claim.limit)),
            Bind::Text(&claim.token),
            Bind::Timestamptz(claim.lease_until),
        ];
        let mut conn = self.conn().await?;
        // A row that does not decode is logged and skipped, never failing the rest.
        let rows = Stmt::new(CLAIM.as_str(), binds)
            .all::<Lenient<PushJob>>(&mut conn)
            .await?;
        Ok(decoded(rows))
    }

    async fn complete_pushes(&self, token: &str, ids: &[i64]) -> StoreResult<u64> {
        if ids.is_empty() {
            return Ok(0);
        }
        let mut conn = self.conn().await?;
        let deleted = Stmt::new(COMPLETE, vec![Bind::Text(token), Bind::BigIntArray(ids)])
            .exec(&mut conn)
            .await?;
        Ok(u64::try_from(deleted).unwrap_or(u64::MAX))
    }

    async fn reschedule_push(
        &self,
        id: i64,
        token: &str,
        at: OffsetDateTime,
        last_error: &str,
    ) -> StoreResult<()> {
        // PostgreSQL text cannot hold NUL.
        let last_error = last_error.replace('\0', "\u{FFFD}");
        let binds = vec![
            Bind::BigInt(id),
            Bind::Text(token),
            Bind::Timestamptz(at),
            Bind::Text(&last_error),
        ];
        let mut conn = self.conn().await?;
        UpdateOutcome::run(&mut conn, RESCHEDULE, binds)
            .await?
            .check(StoreError::LeaseLost)
    }

    async fn pending_pushes(&self) -> StoreResult<u64> {
        let mut conn = self.conn().await?;
        let count = Stmt::new(PENDING, Vec::new())
            .get_result::<Count>(&mut conn)
            .await
            .map_err(store_error)?;
        Ok(to_u64(count.n))
    }
}
