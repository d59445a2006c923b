//! Valid domain objects for tests, each with fresh ids.
//!
//! Ids are `prefix` + 24 base62 characters built from a process-wide counter (and a
//! per-process salt), so they are unique within the process and unlikely to repeat
//! across processes. Timestamps come from [`timestamp`]: UTC, truncated to
//! microseconds (PostgreSQL's precision) and strictly increasing across the process,
//! so objects compare equal after a round trip through a database and creation
//! order is also `created_at` order.

use crate::ids::{base62_unique, mix};
use passmint_domain::account::{Account, ApiKey};
use passmint_domain::bundle::Bundle;
use passmint_domain::design::{Design, Field, Fields};
use passmint_domain::event::{EventType, PassEvent};
use passmint_domain::idempotency::{IdemCompletion, IdemRequest, IdemTicket, StoredResponse};
use passmint_domain::ids::{AccountId, ApiKeyId, EventId, ID_BODY_LEN, PassId, TemplateId};
use passmint_domain::ids::{BundleId, WebhookId};
use passmint_domain::mode::{Mode, Scope};
use passmint_domain::pass::Pass;
use passmint_domain::service::{AUTH_TOKEN_LEN, SERIAL_LEN, SHORT_ID_LEN};
use passmint_domain::signing::{Secret, SigningCredentials};
use passmint_domain::template::{AppleStyle, Template, TemplateType};
use passmint_domain::webhook::{ClaimRequest, Subscription, Webhook, WebhookSecret};
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use time::{OffsetDateTime, UtcOffset};

static COUNTER: AtomicU64 = AtomicU64::new(1);
static LAST_MICROS: AtomicI64 = AtomicI64::new(i64::MIN);

fn salt() -> u64 {
    static SALT: OnceLock<u64> = OnceLock::new();
    *SALT.get_or_init(|| {
        let nanos = OffsetDateTime::now_utc().unix_timestamp_nanos() as u64;
        mix(nanos ^ u64::from(std::process::id()).rotate_left(32))
    })
}

/// The next value of the process-wide counter.
pub fn next_n() -> u64 {
    COUNTER.fetch_add(1, Ordering::Relaxed)
}

/// `len` base62 characters, unique within the process for `len >= 12`.
pub fn base62(len: usize) -> String {
    base62_unique(next_n(), salt(), len)
}

/// A fresh 24-character id body.
pub fn id_body() -> String {
    base62(ID_BODY_LEN)
}

/// `t` in UTC without its sub-microsecond part.
pub fn truncate_micros(t: OffsetDateTime) -> OffsetDateTime {
    let t = t.to_offset(UtcOffset::UTC);
    t.replace_nanosecond(t.nanosecond() / 1_000 * 1_000)
        .expect("a truncated nanosecond is in range")
}

/// Now, in UTC, to the microsecond, and strictly later than any earlier call in this
/// process.
pub fn timestamp() -> OffsetDateTime {
    let now = (OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000) as i64;
    let mut last = LAST_MICROS.load(Ordering::Relaxed);
    loop {
        let next = now.max(last.saturating_add(1));
        match LAST_MICROS.compare_exchange_weak(last, next, Ordering::Relaxed, Ordering::Relaxed) {
            Ok(_) => {
                return OffsetDateTime::from_unix_timestamp_nanos(i128::from(next) * 1_000)
                    .expect("a current timestamp is in range");
            }
            Err(seen) => last = seen,
        }
    }
}

/// How long a claim of [`claim_at`] holds what it claims.
pub const LEASE: time::Duration = time::Duration::seconds(60);

/// A claim of at most `limit` rows at `now`, leased for [`LEASE`], with a new token.
pub fn claim_at(now: OffsetDateTime, limit: u32) -> ClaimRequest {
    ClaimRequest {
        now,
        lease_until: now + LEASE,
        token: base62(24),
        limit,
    }
}

pub fn account() -> Account {
    Account {
        id: AccountId::from_body(&id_body()),
        name: format!("Account {}", next_n()),
        live_pass_limit: None,
        created_at: timestamp(),
    }
}

/// A key record of the account; its hash is 64 fresh hex characters.
pub fn api_key(account: &Account, mode: Mode) -> ApiKey {
    let hash: String = (0..4)
        .map(|_| format!("{:016x}", mix(next_n() ^ salt())))
        .collect();
    ApiKey {
        id: ApiKeyId::from_body(&id_body()),
        account_id: account.id.clone(),
        mode,
        key_hash: hash,
        display_prefix: match mode {
            Mode::Test => "pmk_test_Fx0a".into(),
            Mode::Live => "pmk_live_Fx0a".into(),
        },
        created_at: timestamp(),
        revoked_at: None,
    }
}

/// A minimal valid design for the `generic` style: one primary field `seat`
/// (label `Seat`, default value `GA`).
pub fn design() -> Design {
    Design {
        organization_name: "Org".into(),
        description: "Desc".into(),
        fields: Fields {
            primary: vec![Field {
                key: "seat".into(),
                label: Some("Seat".into()),
                value: Some("GA".into()),
                ..Default::default()
            }],
            ..Default::default()
        },
        ..Default::default()
    }
}

/// A whole PNG file of this size (transparent RGBA pixels), as design images must
/// be.
pub fn png(width: u32, height: u32) -> Vec<u8> {
    let mut png = Vec::new();
    let pixels = vec![0u8; (width as usize) * (height as usize) * 4];
    image::ImageEncoder::write_image(
        image::codecs::png::PngEncoder::new(&mut png),
        &pixels,
        width,
        height,
        image::ExtendedColorType::Rgba8,
    )
    .unwrap_or_else(|e| panic!("encoding a {width}x{height} PNG: {e}"));
    png
}

/// A generic template of the account with [`design`], not archived.
pub fn template(account: &Account) -> Template {
    let now = timestamp();
    Template {
        id: TemplateId::from_body(&id_body()),
        account_id: account.id.clone(),
        name: format!("Template {}", next_n()),
        kind: TemplateType::Generic,
        apple_style: AppleStyle::Generic,
        design: design(),
        archived: false,
        created_at: now,
        updated_at: now,
    }
}

/// A live (not voided) pass of the template, at version 1, with a holder, a field
/// value and metadata.
pub fn pass(account: &Account, mode: Mode, template: &Template) -> Pass {
    let n = next_n();
    let now = timestamp();
    Pass {
        id: PassId::from_body(&id_body()),
        account_id: account.id.clone(),
        mode,
        template_id: template.id.clone(),
        short_id: base62(SHORT_ID_LEN),
        serial_number: base62(SERIAL_LEN),
        auth_token: base62(AUTH_TOKEN_LEN),
        holder_email: Some(format!("holder{n}@example.com")),
        holder_name: Some(format!("Holder {n}")),
        field_values: BTreeMap::from([("seat".to_owned(), format!("{}A", n % 40))]),
        metadata: json_map(
            json!({ "order": format!("ord_{n}"), "vip": n.is_multiple_of(2), "n": n }),
        ),
        voided_at: None,
        created_via_api: true,
        created_at: now,
        updated_at: now,
        version: 1,
    }
}

/// An event of the pass (same account and mode), with a little metadata.
pub fn event(pass: &Pass, kind: EventType) -> PassEvent {
    PassEvent {
        id: EventId::from_body(&id_body()),
        account_id: pass.account_id.clone(),
        mode: pass.mode,
        pass_id: pass.id.clone(),
        kind,
        metadata: json_map(json!({ "source": "fixture", "n": next_n() })),
        created_at: timestamp(),
    }
}

/// `pass` as its next version: metadata `step` set, `version` and `updated_at`
/// bumped.
pub fn next_version(pass: &Pass) -> Pass {
    let mut next = pass.clone();
    next.metadata
        .insert("step".into(), Value::from(pass.version + 1));
    next.version = pass.version + 1;
    next.updated_at = timestamp();
    next
}

/// Signing credentials with fresh, unique (fake) PEM text: stores keep them
/// verbatim and never parse them. Expires in a year.
pub fn signing_credentials() -> SigningCredentials {
    let n = next_n();
    let now = timestamp();
    SigningCredentials {
        pass_type_identifier: format!("pass.test.fixture{n}"),
        team_identifier: format!("TEAM{n:06}"),
        certificate_pem: format!(
            "-----BEGIN CERTIFICATE-----\nCERT{n}\n-----END CERTIFICATE-----\n"
        ),
        private_key_pem: Secret::new(format!(
            "-----BEGIN PRIVATE KEY-----\nKEY{n}{}\n-----END PRIVATE KEY-----\n",
            base62(32)
        )),
        wwdr_pem: format!("-----BEGIN CERTIFICATE-----\nWWDR{n}\n-----END CERTIFICATE-----\n"),
        not_after: truncate_micros(now + time::Duration::days(365)),
        updated_at: now,
    }
}

/// A fresh (fake, but well-formed) signing secret.
pub fn webhook_secret() -> WebhookSecret {
    let key: Vec<u8> = (0..4)
        .flat_map(|_| mix(next_n() ^ salt()).to_le_bytes())
        .collect();
    WebhookSecret::from_key_bytes(&key)
}

/// An enabled webhook of the account in `mode`, subscribed to `events` (`*` or
/// `pass.<type>` each), with a description and no rotated secret.
pub fn webhook(account: &Account, mode: Mode, events: &[&str]) -> Webhook {
    let now = timestamp();
    let n = next_n();
    Webhook {
        id: WebhookId::from_body(&id_body()),
        account_id: account.id.clone(),
        mode,
        url: format!("https://hooks{n}.example.com/passmint?n={n}"),
        events: events
            .iter()
            .map(|e| Subscription::parse(e).unwrap_or_else(|| panic!("{e} is no subscription")))
            .collect(),
        description: Some(format!("Webhook {n}")),
        enabled: true,
        secret: webhook_secret(),
        previous_secret: None,
        created_at: now,
        updated_at: now,
    }
}

/// A bundle of `passes` (in that order) of the account in `mode`.
pub fn bundle(account: &Account, mode: Mode, passes: &[&Pass]) -> Bundle {
    Bundle {
        id: BundleId::from_body(&id_body()),
        account_id: account.id.clone(),
        mode,
        short_id: base62(SHORT_ID_LEN),
        pass_ids: passes.iter().map(|p| p.id.clone()).collect(),
        created_at: timestamp(),
    }
}

pub fn scope(account: &Account, mode: Mode) -> Scope {
    Scope::new(account.id.clone(), mode)
}

/// A fresh idempotency key.
pub fn idem_key() -> String {
    format!("idem-{}", base62(20))
}

/// A fresh request fingerprint (64 hex-looking characters).
pub fn fingerprint() -> String {
    (0..4)
        .map(|_| format!("{:016x}", mix(next_n().rotate_left(17) ^ salt())))
        .collect()
}

/// A `begin` request with a fresh lock token.
pub fn idem_request(
    scope: &Scope,
    key: &str,
    fingerprint: &str,
    now: OffsetDateTime,
) -> IdemRequest {
    IdemRequest {
        scope: scope.clone(),
        key: key.to_owned(),
        fingerprint: fingerprint.to_owned(),
        lock_token: base62(24),
        now,
    }
}

/// A `begin` request in `scope` with a fresh key and fingerprint, made now.
pub fn fresh_idem_request(scope: &Scope) -> IdemRequest {
    idem_request(scope, &idem_key(), &fingerprint(), timestamp())
}

/// A stored response with a distinctive body.
pub fn response(status: u16) -> StoredResponse {
    StoredResponse {
        status,
        body: format!("{{\"response\":{}}}", next_n()).into_bytes(),
    }
}

/// The completion of `ticket` with [`response`]`(status)`.
pub fn completion(ticket: &IdemTicket, status: u16) -> IdemCompletion {
    IdemCompletion {
        ticket: ticket.clone(),
        response: response(status),
    }
}

/// The object of a `json!({...})` literal.
pub fn json_map(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        other => panic!("json_map needs an object, got {other}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_well_formed_and_unique() {
        let a = account();
        let t = template(&a);
        let p = pass(&a, Mode::Test, &t);
        let e = event(&p, EventType::Created);
        assert!(AccountId::parse(a.id.as_str()).is_some());
        assert!(TemplateId::parse(t.id.as_str()).is_some());
        assert!(PassId::parse(p.id.as_str()).is_some());
        assert!(EventId::parse(e.id.as_str()).is_some());
        assert_ne!(pass(&a, Mode::Test, &t).short_id, p.short_id);
        assert_eq!(p.short_id.len(), SHORT_ID_LEN);
        let k = api_key(&a, Mode::Live);
        assert_eq!(k.key_hash.len(), 64);
        assert_ne!(api_key(&a, Mode::Live).key_hash, k.key_hash);
    }

    #[test]
    fn timestamps_are_micros_and_increasing() {
        let mut last = timestamp();
        for _ in 0..1000 {
            let t = timestamp();
            assert!(t > last);
            assert_eq!(t.nanosecond() % 1_000, 0);
            assert_eq!(t.offset(), UtcOffset::UTC);
            last = t;
        }
    }
}
