//! The column lists every `SELECT` and `RETURNING` of both engines reads, and the
//! one decoding of each row into its domain model, next to its list.

use crate::dialect::{Columns, decode_error};
use crate::sealing::{open_text, signing_context};
use passmint_domain::account::{Account, ApiKey};
use passmint_domain::event::{EventType, PassEvent};
use passmint_domain::ids::{AccountId, ApiKeyId, EventId, PassId, TemplateId};
use passmint_domain::mode::Mode;
use passmint_domain::pass::Pass;
use passmint_domain::ports::StoreResult;
use passmint_domain::signing::{IdentityExpiry, Secret, SigningCredentials};
use passmint_domain::template::{AppleStyle, Template, TemplateType};
use passmint_domain::wallet::{PushJob, Registration};
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use time::OffsetDateTime;

/// A domain model read from one result row.
pub trait Decode: Sized {
    fn decode<C: Columns>(c: &C) -> StoreResult<Self>;
}

pub(crate) fn mode<C: Columns>(c: &C) -> StoreResult<Mode> {
    c.parsed("mode", "mode", Mode::parse)
}

pub(crate) fn event_type<C: Columns>(c: &C, name: &str) -> StoreResult<EventType> {
    c.parsed(name, "event type", EventType::parse)
}

pub(crate) fn account_id<C: Columns>(c: &C) -> StoreResult<AccountId> {
    c.parsed("account_id", "AccountId", AccountId::parse)
}

pub(crate) fn pass_id<C: Columns>(c: &C) -> StoreResult<PassId> {
    c.parsed("pass_id", "PassId", PassId::parse)
}

pub(crate) fn count<C: Columns>(c: &C, name: &str) -> StoreResult<u32> {
    u32::try_from(c.int(name)?).map_err(|e| decode_error(name, e))
}

pub const ACCOUNT_COLUMNS: &str = "id, name, live_pass_limit, created_at";

/// The `created_at` of a row a statement returns (`RETURNING created_at`).
pub struct CreatedAt(pub OffsetDateTime);

impl Decode for CreatedAt {
    fn decode<C: Columns>(c: &C) -> StoreResult<Self> {
        Ok(CreatedAt(c.time("created_at")?))
    }
}

impl Decode for Account {
    fn decode<C: Columns>(c: &C) -> StoreResult<Self> {
        Ok(Account {
            id: c.parsed("id", "AccountId", AccountId::parse)?,
            name: c.text("name")?,
            live_pass_limit: c.opt_big_int("live_pass_limit")?,
            created_at: c.time("created_at")?,
        })
    }
}

pub const API_KEY_COLUMNS: &str =
    "id, account_id, mode, key_hash, display_prefix, created_at, revoked_at";

impl Decode for ApiKey {
    fn decode<C: Columns>(c: &C) -> StoreResult<Self> {
        Ok(ApiKey {
            id: c.parsed("id", "ApiKeyId", ApiKeyId::parse)?,
            account_id: account_id(c)?,
            mode: mode(c)?,
            key_hash: c.text("key_hash")?,
            display_prefix: c.text("display_prefix")?,
            created_at: c.time("created_at")?,
            revoked_at: c.opt_time("revoked_at")?,
        })
    }
}

pub const TEMPLATE_COLUMNS: &str =
    "id, account_id, name, kind, apple_style, design, archived, created_at, updated_at";

impl Decode for Template {
    fn decode<C: Columns>(c: &C) -> StoreResult<Self> {
        Ok(Template {
            id: c.parsed("id", "TemplateId", TemplateId::parse)?,
            account_id: account_id(c)?,
            name: c.text("name")?,
            kind: c.parsed("kind", "template kind", TemplateType::parse)?,
            apple_style: c.parsed("apple_style", "apple_style", AppleStyle::parse)?,
            design: c.json("design", "design")?,
            archived: c.bool("archived")?,
            created_at: c.time("created_at")?,
            updated_at: c.time("updated_at")?,
        })
    }
}

pub const PASS_COLUMNS: &str = "id, account_id, mode, template_id, short_id, \
     serial_number, auth_token, holder_email, holder_name, field_values, metadata, voided_at, \
     created_via_api, created_at, updated_at, version";

impl Decode for Pass {
    fn decode<C: Columns>(c: &C) -> StoreResult<Self> {
        Ok(Pass {
            id: c.parsed("id", "PassId", PassId::parse)?,
            account_id: account_id(c)?,
            mode: mode(c)?,
            template_id: c.parsed("template_id", "TemplateId", TemplateId::parse)?,
            short_id: c.text("short_id")?,
            serial_number: c.text("serial_number")?,
            auth_token: c.text("auth_token")?,
            holder_email: c.opt_text("holder_email")?,
            holder_name: c.opt_text("holder_name")?,
            field_values: c.json("field_values", "field_values")?,
            metadata: c.json("metadata", "pass metadata")?,
            voided_at: c.opt_time("voided_at")?,
            created_via_api: c.bool("created_via_api")?,
            created_at: c.time("created_at")?,
            updated_at: c.time("updated_at")?,
            version: c.big_int("version")?,
        })
    }
}

pub const EVENT_COLUMNS: &str = "id, account_id, mode, pass_id, kind, metadata, created_at";

impl Decode for PassEvent {
    fn decode<C: Columns>(c: &C) -> StoreResult<Self> {
        Ok(PassEvent {
            id: c.parsed("id", "EventId", EventId::parse)?,
            account_id: account_id(c)?,
            mode: mode(c)?,
            pass_id: pass_id(c)?,
            kind: event_type(c, "kind")?,
            metadata: c.json("metadata", "event metadata")?,
            created_at: c.time("created_at")?,
        })
    }
}

pub const REGISTRATION_COLUMNS: &str =
    "device_library_id, pass_id, account_id, mode, pass_type_id, push_token, created_at";

impl Decode for Registration {
    fn decode<C: Columns>(c: &C) -> StoreResult<Self> {
        Ok(Registration {
            device_library_id: c.text("device_library_id")?,
            pass_id: pass_id(c)?,
            account_id: account_id(c)?,
            mode: mode(c)?,
            pass_type_id: c.text("pass_type_id")?,
            push_token: c.text("push_token")?,
            created_at: c.time("created_at")?,
        })
    }
}

pub const PUSH_JOB_COLUMNS: &str = "id, account_id, mode, pass_id, device_library_id, \
     push_token, pass_type_id, attempts, created_at";

impl Decode for PushJob {
    fn decode<C: Columns>(c: &C) -> StoreResult<Self> {
        Ok(PushJob {
            id: c.big_int("id")?,
            account_id: account_id(c)?,
            mode: mode(c)?,
            pass_id: pass_id(c)?,
            device_library_id: c.text("device_library_id")?,
            push_token: c.text("push_token")?,
            pass_type_id: c.text("pass_type_id")?,
            attempts: count(c, "attempts")?,
            created_at: c.time("created_at")?,
        })
    }
}

/// A signing identity's columns, in `signing_identities` and `dev_identity` alike.
pub const SIGNING_COLUMNS: &str = "pass_type_identifier, team_identifier, certificate_pem, \
     private_key_pem, wwdr_pem, not_after, updated_at";

impl Decode for SigningCredentials {
    fn decode<C: Columns>(c: &C) -> StoreResult<Self> {
        let pass_type_identifier = c.text("pass_type_identifier")?;
        let team_identifier = c.text("team_identifier")?;
        let open = |column: &str| {
            let context = signing_context(column, &team_identifier, &pass_type_identifier);
            open_text(c.text(column)?, &context)
        };
        Ok(SigningCredentials {
            certificate_pem: open("certificate_pem")?,
            private_key_pem: Secret::new(open("private_key_pem")?),
            wwdr_pem: open("wwdr_pem")?,
            pass_type_identifier,
            team_identifier,
            not_after: c.time("not_after")?,
            updated_at: c.time("updated_at")?,
        })
    }
}

pub const EXPIRY_COLUMNS: &str = "account_id, pass_type_identifier, team_identifier, not_after";

impl Decode for IdentityExpiry {
    fn decode<C: Columns>(c: &C) -> StoreResult<Self> {
        Ok(IdentityExpiry {
            account_id: c.parsed("account_id", "account_id", AccountId::parse)?,
            pass_type_identifier: c.text("pass_type_identifier")?,
            team_identifier: c.text("team_identifier")?,
            not_after: c.time("not_after")?,
        })
    }
}

/// A pass as a webhook delivery keeps it, the timestamps as `T` (each engine writes
/// them its own way; see its outbox).
#[derive(serde::Serialize, serde::Deserialize)]
pub struct PassSnapshot<T> {
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
    voided_at: Option<T>,
    created_via_api: bool,
    created_at: T,
    updated_at: T,
    version: i64,
}

/// A snapshot's timestamp.
pub trait SnapshotTime: Sized {
    fn from_time(t: OffsetDateTime) -> Self;
    fn into_time(self, what: &str) -> StoreResult<OffsetDateTime>;
}

impl<T: SnapshotTime> From<&Pass> for PassSnapshot<T> {
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
            voided_at: p.voided_at.map(T::from_time),
            created_via_api: p.created_via_api,
            created_at: T::from_time(p.created_at),
            updated_at: T::from_time(p.updated_at),
            version: p.version,
        }
    }
}

impl<T: SnapshotTime> TryFrom<PassSnapshot<T>> for Pass {
    type Error = passmint_domain::StoreError;

    fn try_from(s: PassSnapshot<T>) -> StoreResult<Self> {
        let parse = |what: &str, v: &str| decode_error(what, v);
        Ok(Pass {
            id: PassId::parse(&s.id).ok_or_else(|| parse("PassId", &s.id))?,
            account_id: AccountId::parse(&s.account_id)
                .ok_or_else(|| parse("AccountId", &s.account_id))?,
            mode: Mode::parse(&s.mode).ok_or_else(|| parse("mode", &s.mode))?,
            template_id: TemplateId::parse(&s.template_id)
                .ok_or_else(|| parse("TemplateId", &s.template_id))?,
            short_id: s.short_id,
            serial_number: s.serial_number,
            auth_token: s.auth_token,
            holder_email: s.holder_email,
            holder_name: s.holder_name,
            field_values: s.field_values,
            metadata: s.metadata,
            voided_at: s.voided_at.map(|t| t.into_time("voided_at")).transpose()?,
            created_via_api: s.created_via_api,
            created_at: s.created_at.into_time("created_at")?,
            updated_at: s.updated_at.into_time("updated_at")?,
            version: s.version,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dialect::Prefixed;
    use passmint_domain::StoreError;
    use std::collections::HashMap;

    /// Columns from text values (timestamps in Unix seconds).
    struct Texts(HashMap<&'static str, Option<&'static str>>);

    impl Texts {
        fn get(&self, name: &str) -> StoreResult<Option<String>> {
            self.0
                .get(name)
                .map(|v| v.map(str::to_owned))
                .ok_or_else(|| StoreError::Backend(format!("no column {name}")))
        }
        fn number(&self, name: &str) -> StoreResult<Option<i64>> {
            self.get(name)?
                .map(|v| v.parse().map_err(|e| decode_error(name, e)))
                .transpose()
        }
    }

    impl Columns for Texts {
        fn text(&self, name: &str) -> StoreResult<String> {
            Ok(self.get(name)?.unwrap_or_default())
        }
        fn opt_text(&self, name: &str) -> StoreResult<Option<String>> {
            self.get(name)
        }
        fn big_int(&self, name: &str) -> StoreResult<i64> {
            Ok(self.number(name)?.unwrap_or_default())
        }
        fn opt_big_int(&self, name: &str) -> StoreResult<Option<i64>> {
            self.number(name)
        }
        fn int(&self, name: &str) -> StoreResult<i32> {
            Ok(self.big_int(name)? as i32)
        }
        fn opt_int(&self, name: &str) -> StoreResult<Option<i32>> {
            Ok(self.number(name)?.map(|n| n as i32))
        }
        fn bool(&self, name: &str) -> StoreResult<bool> {
            Ok(self.text(name)? == "true")
        }
        fn time(&self, name: &str) -> StoreResult<OffsetDateTime> {
            OffsetDateTime::from_unix_timestamp(self.big_int(name)?)
                .map_err(|e| decode_error(name, e))
        }
        fn opt_time(&self, name: &str) -> StoreResult<Option<OffsetDateTime>> {
            self.opt_big_int(name)?
                .map(|s| OffsetDateTime::from_unix_timestamp(s).map_err(|e| decode_error(name, e)))
                .transpose()
        }
        fn json<T: serde::de::DeserializeOwned>(&self, name: &str, what: &str) -> StoreResult<T> {
            serde_json::from_str(&self.text(name)?).map_err(|e| decode_error(what, e))
        }
        fn pass_snapshot(&self, _: &str) -> StoreResult<Pass> {
            Err(StoreError::Backend("no snapshots here".into()))
        }
    }

    fn account(id: &'static str) -> Texts {
        Texts(HashMap::from([
            ("a_id", Some(id)),
            ("a_name", Some("Acme")),
            ("a_live_pass_limit", None),
            ("a_created_at", Some("86400")),
        ]))
    }

    #[test]
    fn an_account_decodes_through_a_prefix() {
        let id = "acct_000000000000000000000001";
        let row = account(id);
        let got = Account::decode(&Prefixed {
            inner: &row,
            prefix: "a_",
        });
        assert_eq!(
            got.map(|a| (
                a.id.as_str().to_owned(),
                a.name,
                a.live_pass_limit,
                a.created_at
            )),
            Ok((
                id.to_owned(),
                "Acme".to_owned(),
                None,
                OffsetDateTime::UNIX_EPOCH + time::Duration::DAY
            ))
        );
    }

    #[test]
    fn a_bad_id_is_a_decode_error_naming_it() {
        let row = account("not-an-id");
        let got = Account::decode(&Prefixed {
            inner: &row,
            prefix: "a_",
        });
        assert_eq!(
            got.map(|a| a.id),
            Err(StoreError::Backend(
                "cannot decode stored AccountId: not-an-id".into()
            ))
        );
    }
}
