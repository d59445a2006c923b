//! [`WalletStore`], and the two steps a change devices must hear about runs in its
//! transaction: [`next_tag`] and [`enqueue_pushes`].
//!
//! - **Tags**: the one-row `wallet_clock` is incremented (and read back) inside the
//!   change's `BEGIN IMMEDIATE` transaction on the writer. Every write of the
//!   process runs on that one connection, and other processes wait for SQLite's
//!   write lock, so tags are given in commit order: no reader sees a tag while an
//!   older one is uncommitted. `updated_serials` reads the clock and the passes in
//!   one read transaction (one snapshot).
//! - **Push jobs** are enqueued set-based, one `INSERT … SELECT` from the pass's
//!   registrations (`device_registrations_pass_idx`).
//! - **Claims** follow the webhook deliveries' (see [`crate::webhooks`]): one
//!   `BEGIN IMMEDIATE` transaction on the writer reads the due jobs, the longest due
//!   first, through `push_jobs_due_idx` (whose expression is [`DUE`]: due means
//!   `next_attempt_at` reached and no lease that still holds, so the index holds
//!   the claimable rows first and a claim reads only those), and leases them in one
//!   `UPDATE` by id. Completion is one `DELETE` by id and lease token, the ids
//!   bound as one JSON array.

use crate::SqliteStore;
use crate::error::{TxError, store_error};
use crate::events::insert_event;
use crate::rows::{Found, Number, TextRow};
use crate::sql::{Bind, Stmt};
use crate::webhooks::fan_out;
use async_trait::async_trait;
use diesel::{Connection, RunQueryDsl, SqliteConnection};
use passmint_domain::StoreError;
use passmint_domain::event::PassEvent;
use passmint_domain::ids::PassId;
use passmint_domain::pass::Pass;
use passmint_domain::ports::DeviceUnregistration;
use passmint_domain::ports::{StoreResult, WalletStore};
use passmint_domain::wallet::{PushJob, RegisterOutcome, Registration, UpdatedSerials};
use passmint_domain::webhook::ClaimRequest;
use passmint_store_sql::statements::FIND_BY_SERIAL;
use passmint_store_sql::{Lenient, PUSH_JOB_COLUMNS, REGISTRATION_COLUMNS, SqlBind, decoded};
use std::sync::LazyLock;
use time::OffsetDateTime;

/// When a push job may be claimed: its `next_attempt_at`, or the end of its lease
/// if later. Spelled exactly as `push_jobs_due_idx`'s expression (SQLite matches
/// index expressions by their text).
const DUE: &str = "max(next_attempt_at, coalesce(lease_until, next_attempt_at))";

const NEXT_TAG: &str = "UPDATE wallet_clock SET tag = tag + 1 WHERE id = 1 RETURNING tag AS n";
const CLOCK: &str = "SELECT tag AS n FROM wallet_clock WHERE id = 1";

/// `$1` the pass, `$2` when the jobs are due (and created).
const ENQUEUE: &str = "INSERT INTO push_jobs (account_id, mode, pass_id, device_library_id, \
     push_token, pass_type_id, next_attempt_at, created_at) \
     SELECT account_id, mode, pass_id, device_library_id, push_token, pass_type_id, $2, $2 \
     FROM device_registrations WHERE pass_id = $1";

/// `$1` device, `$2` pass, `$3` pass type, `$4` push token, `$5` now, `$6` the most
/// registrations of a pass. The account and mode are the pass's; no row when the
/// pass is missing, the pair exists or the pass has `$6` registrations (exact: the
/// count and the insert run in one write transaction on the one writer).
pub(crate) const REGISTER: &str = "INSERT INTO device_registrations (device_library_id, pass_id, \
     account_id, mode, pass_type_id, push_token, created_at, updated_at) \
     SELECT $1, id, account_id, mode, $3, $4, $5, $5 FROM passes WHERE id = $2 \
     AND (SELECT count(*) FROM device_registrations WHERE pass_id = $2) < $6 \
     ON CONFLICT (device_library_id, pass_id) DO NOTHING";
/// The binds of [`REGISTER`] but the last.
pub(crate) const REREGISTER: &str = "UPDATE device_registrations \
     SET pass_type_id = $3, push_token = $4, updated_at = $5 \
     WHERE device_library_id = $1 AND pass_id = $2";
/// `$1` a pass: whether it exists.
pub(crate) const PASS_EXISTS: &str = "SELECT EXISTS (SELECT 1 FROM passes WHERE id = $1) AS found";
/// `$1` device, `$2` pass, `$3` the push token it must have (any when NULL).
pub(crate) const UNREGISTER: &str = "DELETE FROM device_registrations \
     WHERE device_library_id = $1 AND pass_id = $2 AND ($3 IS NULL OR push_token = $3)";

/// `$1` device, `$2` pass type, `$3` the tag (every pass when NULL).
const SERIALS: &str = "SELECT p.serial_number AS text \
     FROM device_registrations r JOIN passes p ON p.id = r.pass_id \
     WHERE r.device_library_id = $1 AND r.pass_type_id = $2 \
     AND ($3 IS NULL OR p.wallet_tag > $3)";

static REGISTRATIONS: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT {REGISTRATION_COLUMNS} FROM device_registrations WHERE pass_id = $1 \
         ORDER BY created_at, rowid"
    )
});

/// `$1` now, `$2` the limit.
static CLAIMABLE: LazyLock<String> = LazyLock::new(|| {
    format!(
        "SELECT {PUSH_JOB_COLUMNS} FROM push_jobs WHERE {DUE} <= $1 \
         ORDER BY {DUE}, id LIMIT $2"
    )
});
/// `$1` token, `$2` lease end, `$3` the ids (a JSON array).
const LEASE: &str = "UPDATE push_jobs SET lease_token = $1, lease_until = $2 \
     WHERE id IN (SELECT value FROM json_each($3))";
/// `$1` token, `$2` the ids (a JSON array).
const COMPLETE: &str = "DELETE FROM push_jobs \
     WHERE lease_token = $1 AND id IN (SELECT value FROM json_each($2))";
/// `$1` id, `$2` token, `$3` next attempt, `$4` the error.
pub(crate) const RESCHEDULE: &str = "UPDATE push_jobs SET attempts = attempts + 1, next_attempt_at = $3, \
     last_error = $4, lease_token = NULL, lease_until = NULL \
     WHERE id = $1 AND lease_token = $2";
pub(crate) const JOB_EXISTS: &str =
    "SELECT EXISTS (SELECT 1 FROM push_jobs WHERE id = $1) AS found";
const PENDING: &str = "SELECT count(*) AS n FROM push_jobs";

/// Takes the next wallet tag (greater than every tag given before), in the
/// caller's write transaction.
pub(crate) fn next_tag(conn: &mut SqliteConnection) -> StoreResult<i64> {
    Ok(Stmt::new(NEXT_TAG, Vec::new())
        .get_result::<Number>(conn)
        .map_err(store_error)?
        .n)
}

/// Enqueues one push job per registration of `pass`, due at `at`, in the caller's
/// write transaction; returns how many.
pub(crate) fn enqueue_pushes(
    conn: &mut SqliteConnection,
    pass: &str,
    at: OffsetDateTime,
) -> StoreResult<usize> {
    Stmt::new(ENQUEUE, vec![Bind::text(pass), Bind::time(at)])
        .execute(conn)
        .map_err(store_error)
}

/// `ids` as the JSON array the statements read with `json_each`.
fn id_array(ids: &[i64]) -> StoreResult<Bind> {
    Bind::json(ids).map_err(|e| StoreError::Backend(format!("cannot encode job ids: {e}")))
}

#[async_trait]
impl WalletStore for SqliteStore {
    async fn find_pass_by_serial(&self, serial_number: &str) -> StoreResult<Pass> {
        let stmt = Stmt::new(FIND_BY_SERIAL.as_str(), vec![Bind::text(serial_number)]);
        self.read(move |conn| stmt.one::<Pass>(conn)).await
    }

    async fn register_device(
        &self,
        registration: &Registration,
        event: &PassEvent,
        max_per_pass: u32,
    ) -> StoreResult<RegisterOutcome> {
        let binds = vec![
            Bind::text(&registration.device_library_id),
            Bind::text(registration.pass_id.as_str()),
            Bind::text(&registration.pass_type_id),
            Bind::text(&registration.push_token),
            Bind::time(registration.created_at),
        ];
        let mut register_binds = binds.clone();
        register_binds.push(Bind::BigInt(i64::from(max_per_pass)));
        let register = Stmt::new(REGISTER, register_binds);
        let again = Stmt::new(REREGISTER, binds);
        let exists = Stmt::new(PASS_EXISTS, vec![Bind::text(registration.pass_id.as_str())]);
        let (event, event_stmt) = (event.clone(), insert_event(event)?);
        self.write_tx(move |conn| {
            if (&register).execute(conn).map_err(store_error)? == 0 {
                // The pair exists, the pass is full, or the pass does not exist.
                if (&again).execute(conn).map_err(store_error)? > 0 {
                    return Ok(RegisterOutcome::Existing);
                }
                return match (&exists).get_result::<Found>(conn).map_err(store_error)? {
                    Found { found: true } => Err(StoreError::LimitReached),
                    Found { found: false } => Err(StoreError::NotFound),
                };
            }
            event_stmt.execute(conn).map_err(store_error)?;
            let enqueued = fan_out(conn, &event, None)?;
            Ok(RegisterOutcome::Created { enqueued })
        })
        .await
    }

    async fn unregister_device(
        &self,
        input: &DeviceUnregistration<'_>,
    ) -> StoreResult<Option<u64>> {
        let delete = Stmt::new(
            UNREGISTER,
            vec![
                Bind::text(input.device_library_id),
                Bind::text(input.pass.as_str()),
                Bind::nullable_text(input.only_push_token),
            ],
        );
        let (event, event_stmt) = (input.event.clone(), insert_event(input.event)?);
        self.write_tx(move |conn| {
            if delete.execute(conn).map_err(store_error)? == 0 {
                return Ok(None);
            }
            event_stmt.execute(conn).map_err(store_error)?;
            fan_out(conn, &event, None).map(Some)
        })
        .await
    }

    async fn updated_serials(
        &self,
        device_library_id: &str,
        pass_type_id: &str,
        since: Option<i64>,
    ) -> StoreResult<UpdatedSerials> {
        let serials = Stmt::new(
            SERIALS,
            vec![
                Bind::text(device_library_id),
                Bind::text(pass_type_id),
                Bind::NullableBigInt(since),
            ],
        );
        self.read(move |conn| {
            // One snapshot for both: a tag committed after the clock was read is
            // not in the serials either.
            conn.transaction::<_, TxError, _>(|conn| {
                let clock = Stmt::new(CLOCK, Vec::new()).get_result::<Number>(conn)?;
                let serial_numbers = serials
                    .load::<TextRow>(conn)?
                    .into_iter()
                    .map(|r| r.text)
                    .collect();
                Ok(UpdatedSerials {
                    serial_numbers,
                    last_updated: clock.n,
                })
            })
            .map_err(|e| e.0)
        })
        .await
    }

    async fn registrations_of(&self, pass: &PassId) -> StoreResult<Vec<Registration>> {
        let stmt = Stmt::new(REGISTRATIONS.as_str(), vec![Bind::text(pass.as_str())]);
        self.read(move |conn| stmt.all::<Registration>(conn)).await
    }

    async fn claim_pushes(&self, claim: &ClaimRequest) -> StoreResult<Vec<PushJob>> {
        if claim.limit == 0 {
            return Ok(Vec::new());
        }
        let due = Stmt::new(
            CLAIMABLE.as_str(),
            vec![Bind::time(claim.now), Bind::BigInt(i64::from(claim.limit))],
        );
        let token = claim.token.clone();
        let lease_until = claim.lease_until;
        self.write_tx(move |conn| {
            let rows = due.all::<Lenient<PushJob>>(conn)?;
            // Every row is leased, those that do not decode too: they are logged and
            // skipped until their lease ends, never failing the rest.
            let ids: Vec<i64> = rows.iter().filter_map(|r| r.id).collect();
            let jobs = decoded(rows);
            if ids.is_empty() {
                return Ok(jobs);
            }
            Stmt::new(
                LEASE,
                vec![Bind::Text(token), Bind::time(lease_until), id_array(&ids)?],
            )
            .execute(conn)
            .map_err(store_error)?;
            Ok(jobs)
        })
        .await
    }

    async fn complete_pushes(&self, token: &str, ids: &[i64]) -> StoreResult<u64> {
        if ids.is_empty() {
            return Ok(0);
        }
        let delete = Stmt::new(COMPLETE, vec![Bind::text(token), id_array(ids)?]);
        self.write(move |conn| delete.execute(conn).map(|n| n as u64).map_err(store_error))
            .await
    }

    async fn reschedule_push(
        &self,
        id: i64,
        token: &str,
        at: OffsetDateTime,
        last_error: &str,
    ) -> StoreResult<()> {
        let update = Stmt::new(
            RESCHEDULE,
            vec![
                Bind::BigInt(id),
                Bind::text(token),
                Bind::time(at),
                Bind::text(last_error),
            ],
        );
        self.write(move |conn| {
            if update.execute(conn).map_err(store_error)? == 0 {
                let found: Found = Stmt::new(JOB_EXISTS, vec![Bind::BigInt(id)])
                    .get_result(conn)
                    .map_err(store_error)?;
                return Err(if found.found {
                    StoreError::LeaseLost
                } else {
                    StoreError::NotFound
                });
            }
            Ok(())
        })
        .await
    }

    async fn pending_pushes(&self) -> StoreResult<u64> {
        self.read(|conn| {
            let count: Number = Stmt::new(PENDING, Vec::new())
                .get_result(conn)
                .map_err(store_error)?;
            u64::try_from(count.n).map_err(|e| StoreError::Backend(e.to_string()))
        })
        .await
    }
}

/// The wallet statements that must seek an index, with that index (for the plan
/// test).
#[cfg(test)]
pub(crate) fn indexed_statements() -> Vec<(&'static str, Stmt)> {
    let text = || Bind::text("x");
    vec![
        (
            "device_registrations_pass_idx",
            Stmt::new(ENQUEUE, vec![text(), Bind::BigInt(0)]),
        ),
        (
            "device_registrations_pass_idx",
            Stmt::new(REGISTRATIONS.as_str(), vec![text()]),
        ),
        (
            "device_registrations_device_idx",
            Stmt::new(SERIALS, vec![text(), text(), Bind::NullableBigInt(None)]),
        ),
        (
            "push_jobs_due_idx",
            Stmt::new(
                CLAIMABLE.as_str(),
                vec![Bind::BigInt(0), Bind::BigInt(1000)],
            ),
        ),
    ]
}
