//! Row types: what the statements return, and their conversion to domain models.
//! Column lists live next to the types so every `SELECT` and `RETURNING` reads the
//! same columns.

use crate::Conn;
use crate::error::{decode_error, store_error};
use crate::idempotency::key_lost;
use crate::sql::{Bind, Stmt};
use diesel::QueryableByName;
use diesel::sql_types::{BigInt, Bool, Integer, Jsonb, Nullable, Text, Timestamptz};
use diesel_async::RunQueryDsl;
use passmint_domain::StoreError;
use passmint_domain::account::{Account, ApiKey};
use passmint_domain::event::{EventType, PassEvent};
use passmint_domain::ids::{AccountId, ApiKeyId, EventId, PassId, TemplateId};
use passmint_domain::mode::Mode;
use passmint_domain::pass::Pass;
use passmint_domain::ports::StoreResult;
use passmint_domain::template::{AppleStyle, Template, TemplateType};
use passmint_domain::wallet::{PushJob, Registration};
use serde_json::{Map, Value};
use time::OffsetDateTime;

fn mode(s: &str) -> Result<Mode, StoreError> {
    Mode::parse(s).ok_or_else(|| decode_error("mode", s))
}

fn json_object(what: &str, v: Value) -> Result<Map<String, Value>, StoreError> {
    match v {
        Value::Object(m) => Ok(m),
        other => Err(decode_error(what, format!("not an object: {other}"))),
    }
}

macro_rules! parse_id {
    ($ty:ty, $s:expr) => {
        <$ty>::parse(&$s).ok_or_else(|| decode_error(stringify!($ty), &$s))
    };
}

pub(crate) const ACCOUNT_COLUMNS: &str = "id, name, live_pass_limit, created_at";

#[derive(QueryableByName)]
pub(crate) struct AccountRow {
    #[diesel(sql_type = Text)]
    id: String,
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Nullable<BigInt>)]
    live_pass_limit: Option<i64>,
    #[diesel(sql_type = Timestamptz)]
    created_at: OffsetDateTime,
}

impl TryFrom<AccountRow> for Account {
    type Error = StoreError;

    fn try_from(r: AccountRow) -> Result<Self, StoreError> {
        Ok(Account {
            id: parse_id!(AccountId, r.id)?,
            name: r.name,
            live_pass_limit: r.live_pass_limit,
            created_at: r.created_at,
        })
    }
}

pub(crate) const API_KEY_COLUMNS: &str =
    "id, account_id, mode, key_hash, display_prefix, created_at, revoked_at";

#[derive(QueryableByName)]
pub(crate) struct ApiKeyRow {
    #[diesel(sql_type = Text)]
    id: String,
    #[diesel(sql_type = Text)]
    account_id: String,
    #[diesel(sql_type = Text)]
    mode: String,
    #[diesel(sql_type = Text)]
    key_hash: String,
    #[diesel(sql_type = Text)]
    display_prefix: String,
    #[diesel(sql_type = Timestamptz)]
    created_at: OffsetDateTime,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    revoked_at: Option<OffsetDateTime>,
}

impl TryFrom<ApiKeyRow> for ApiKey {
    type Error = StoreError;

    fn try_from(r: ApiKeyRow) -> Result<Self, StoreError> {
        Ok(ApiKey {
            id: parse_id!(ApiKeyId, r.id)?,
            account_id: parse_id!(AccountId, r.account_id)?,
            mode: mode(&r.mode)?,
            key_hash: r.key_hash,
            display_prefix: r.display_prefix,
            created_at: r.created_at,
            revoked_at: r.revoked_at,
        })
    }
}

pub(crate) const TEMPLATE_COLUMNS: &str =
    "id, account_id, name, kind, apple_style, design, archived, created_at, updated_at";

#[derive(QueryableByName)]
pub(crate) struct TemplateRow {
    #[diesel(sql_type = Text)]
    id: String,
    #[diesel(sql_type = Text)]
    account_id: String,
    #[diesel(sql_type = Text)]
    name: String,
    #[diesel(sql_type = Text)]
    kind: String,
    #[diesel(sql_type = Text)]
    apple_style: String,
    #[diesel(sql_type = Jsonb)]
    design: Value,
    #[diesel(sql_type = Bool)]
    archived: bool,
    #[diesel(sql_type = Timestamptz)]
    created_at: OffsetDateTime,
    #[diesel(sql_type = Timestamptz)]
    updated_at: OffsetDateTime,
}

impl TryFrom<TemplateRow> for Template {
    type Error = StoreError;

    fn try_from(r: TemplateRow) -> Result<Self, StoreError> {
        Ok(Template {
            id: parse_id!(TemplateId, r.id)?,
            account_id: parse_id!(AccountId, r.account_id)?,
            name: r.name,
            kind: TemplateType::parse(&r.kind)
                .ok_or_else(|| decode_error("template kind", &r.kind))?,
            apple_style: AppleStyle::parse(&r.apple_style)
                .ok_or_else(|| decode_error("apple_style", &r.apple_style))?,
            design: serde_json::from_value(r.design).map_err(|e| decode_error("design", e))?,
            archived: r.archived,
            created_at: r.created_at,
            updated_at: r.updated_at,
        })
    }
}

pub(crate) const PASS_COLUMNS: &str = "id, account_id, mode, template_id, short_id, \
     serial_number, auth_token, holder_email, holder_name, field_values, metadata, voided_at, \
     created_via_api, created_at, updated_at, version";

#[derive(QueryableByName)]
pub(crate) struct PassRow {
    #[diesel(sql_type = Text)]
    id: String,
    #[diesel(sql_type = Text)]
    account_id: String,
    #[diesel(sql_type = Text)]
    mode: String,
    #[diesel(sql_type = Text)]
    template_id: String,
    #[diesel(sql_type = Text)]
    short_id: String,
    #[diesel(sql_type = Text)]
    serial_number: String,
    #[diesel(sql_type = Text)]
    auth_token: String,
    #[diesel(sql_type = Nullable<Text>)]
    holder_email: Option<String>,
    #[diesel(sql_type = Nullable<Text>)]
    holder_name: Option<String>,
    #[diesel(sql_type = Jsonb)]
    field_values: Value,
    #[diesel(sql_type = Jsonb)]
    metadata: Value,
    #[diesel(sql_type = Nullable<Timestamptz>)]
    voided_at: Option<OffsetDateTime>,
    #[diesel(sql_type = Bool)]
    created_via_api: bool,
    #[diesel(sql_type = Timestamptz)]
    created_at: OffsetDateTime,
    #[diesel(sql_type = Timestamptz)]
    updated_at: OffsetDateTime,
    #[diesel(sql_type = BigInt)]
    version: i64,
}

impl TryFrom<PassRow> for Pass {
    type Error = StoreError;

    fn try_from(r: PassRow) -> Result<Self, StoreError> {
        Ok(Pass {
            id: parse_id!(PassId, r.id)?,
            account_id: parse_id!(AccountId, r.account_id)?,
            mode: mode(&r.mode)?,
            template_id: parse_id!(TemplateId, r.template_id)?,
            short_id: r.short_id,
            serial_number: r.serial_number,
            auth_token: r.auth_token,
            holder_email: r.holder_email,
            holder_name: r.holder_name,
            field_values: serde_json::from_value(r.field_values)
                .map_err(|e| decode_error("field_values", e))?,
            metadata: json_object("pass metadata", r.metadata)?,
            voided_at: r.voided_at,
            created_via_api: r.created_via_api,
            created_at: r.created_at,
            updated_at: r.updated_at,
            version: r.version,
        })
    }
}

pub(crate) const EVENT_COLUMNS: &str = "id, account_id, mode, pass_id, kind, metadata, created_at";

#[derive(QueryableByName)]
pub(crate) struct EventRow {
    #[diesel(sql_type = Text)]
    id: String,
    #[diesel(sql_type = Text)]
    account_id: String,
    #[diesel(sql_type = Text)]
    mode: String,
    #[diesel(sql_type = Text)]
    pass_id: String,
    #[diesel(sql_type = Text)]
    kind: String,
    #[diesel(sql_type = Jsonb)]
    metadata: Value,
    #[diesel(sql_type = Timestamptz)]
    created_at: OffsetDateTime,
}

impl TryFrom<EventRow> for PassEvent {
    type Error = StoreError;

    fn try_from(r: EventRow) -> Result<Self, StoreError> {
        Ok(PassEvent {
            id: parse_id!(EventId, r.id)?,
            account_id: parse_id!(AccountId, r.account_id)?,
            mode: mode(&r.mode)?,
            pass_id: parse_id!(PassId, r.pass_id)?,
            kind: EventType::parse(&r.kind).ok_or_else(|| decode_error("event type", &r.kind))?,
            metadata: json_object("event metadata", r.metadata)?,
            created_at: r.created_at,
        })
    }
}

pub(crate) const REGISTRATION_COLUMNS: &str =
    "device_library_id, pass_id, account_id, mode, pass_type_id, push_token, created_at";

#[derive(QueryableByName)]
pub(crate) struct RegistrationRow {
    #[diesel(sql_type = Text)]
    device_library_id: String,
    #[diesel(sql_type = Text)]
    pass_id: String,
    #[diesel(sql_type = Text)]
    account_id: String,
    #[diesel(sql_type = Text)]
    mode: String,
    #[diesel(sql_type = Text)]
    pass_type_id: String,
    #[diesel(sql_type = Text)]
    push_token: String,
    #[diesel(sql_type = Timestamptz)]
    created_at: OffsetDateTime,
}

impl TryFrom<RegistrationRow> for Registration {
    type Error = StoreError;

    fn try_from(r: RegistrationRow) -> Result<Self, StoreError> {
        Ok(Registration {
            device_library_id: r.device_library_id,
            pass_id: parse_id!(PassId, r.pass_id)?,
            account_id: parse_id!(AccountId, r.account_id)?,
            mode: mode(&r.mode)?,
            pass_type_id: r.pass_type_id,
            push_token: r.push_token,
            created_at: r.created_at,
        })
    }
}

pub(crate) const PUSH_JOB_COLUMNS: &str = "id, account_id, mode, pass_id, device_library_id, \
     push_token, pass_type_id, attempts, created_at";

#[derive(QueryableByName)]
pub(crate) struct PushJobRow {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = Text)]
    account_id: String,
    #[diesel(sql_type = Text)]
    mode: String,
    #[diesel(sql_type = Text)]
    pass_id: String,
    #[diesel(sql_type = Text)]
    device_library_id: String,
    #[diesel(sql_type = Text)]
    push_token: String,
    #[diesel(sql_type = Text)]
    pass_type_id: String,
    #[diesel(sql_type = Integer)]
    attempts: i32,
    #[diesel(sql_type = Timestamptz)]
    created_at: OffsetDateTime,
}

impl TryFrom<PushJobRow> for PushJob {
    type Error = StoreError;

    fn try_from(r: PushJobRow) -> Result<Self, StoreError> {
        Ok(PushJob {
            id: r.id,
            account_id: parse_id!(AccountId, r.account_id)?,
            mode: mode(&r.mode)?,
            pass_id: parse_id!(PassId, r.pass_id)?,
            device_library_id: r.device_library_id,
            push_token: r.push_token,
            pass_type_id: r.pass_type_id,
            attempts: u32::try_from(r.attempts).map_err(|e| decode_error("attempts", e))?,
            created_at: r.created_at,
        })
    }
}

/// A one-row answer of counts and flags.
#[derive(QueryableByName)]
pub(crate) struct Found {
    #[diesel(sql_type = Bool)]
    pub(crate) found: bool,
}

impl UpdateOutcome {
    pub(crate) async fn run(
        conn: &mut Conn,
        sql: &'static str,
        binds: Vec<Bind<'_>>,
    ) -> StoreResult<UpdateOutcome> {
        Stmt::new(sql, binds)
            .get_result::<UpdateOutcome>(conn)
            .await
            .map_err(store_error)
    }

    /// `NotFound` when the row is absent, `refused` when the update changed no row
    /// (its version moved, or a lease was lost), `IdempotencyKeyLost` when the
    /// ticket lost its key.
    pub(crate) fn check(&self, refused: StoreError) -> StoreResult<()> {
        if !self.found {
            Err(StoreError::NotFound)
        } else if self.updated == 0 {
            Err(refused)
        } else if self.completed == 0 {
            Err(key_lost())
        } else {
            Ok(())
        }
    }
}

/// The outcome of a conditional update statement.
#[derive(QueryableByName)]
pub(crate) struct UpdateOutcome {
    /// Rows the main update changed.
    #[diesel(sql_type = BigInt)]
    pub(crate) updated: i64,
    /// Idempotency records completed (1 when no completion was asked for).
    #[diesel(sql_type = BigInt)]
    pub(crate) completed: i64,
    /// Whether the target row exists at all.
    #[diesel(sql_type = Bool)]
    pub(crate) found: bool,
}
