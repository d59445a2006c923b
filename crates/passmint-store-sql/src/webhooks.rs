//! Webhooks and their deliveries: the column lists, the decoding of rows (and of a
//! claimed delivery's joined row) and the webhook's bind list.

use crate::dialect::{Columns, Prefixed, SqlBind, decode_error, json_error};
use crate::rows::{Decode, count, event_type, mode, pass_id};
use crate::sealing::{SealedSecrets, open_text, webhook_context};
use passmint_domain::event::PassEvent;
use passmint_domain::ids::{AccountId, EventId, WebhookDeliveryId, WebhookId};
use passmint_domain::pass::Pass;
use passmint_domain::ports::StoreResult;
use passmint_domain::webhook::{
    ClaimedDelivery, DeliveryStatus, RotatedSecret, Subscription, Webhook, WebhookDelivery,
    WebhookSecret,
};

pub const WEBHOOK_COLUMNS: &str = "id, account_id, mode, url, events, description, enabled, \
     secret, previous_secret, previous_secret_expires_at, created_at, updated_at";

pub const DELIVERY_COLUMNS: &str = "id, webhook_id, account_id, mode, event_id, event_type, \
     status, attempts, last_attempt_at, next_attempt_at, response_status, response_body, \
     created_at";

fn secret(s: &str) -> StoreResult<WebhookSecret> {
    WebhookSecret::parse(s).ok_or_else(|| decode_error("webhook secret", "malformed"))
}

impl Decode for Webhook {
    fn decode<C: Columns>(c: &C) -> StoreResult<Self> {
        let id = c.parsed("id", "WebhookId", WebhookId::parse)?;
        let open = |column: &str, stored: String| {
            secret(&open_text(stored, &webhook_context(column, id.as_str()))?)
        };
        let previous_secret = match (
            c.opt_text("previous_secret")?,
            c.opt_time("previous_secret_expires_at")?,
        ) {
            (Some(s), Some(expires_at)) => Some(RotatedSecret {
                secret: open("previous_secret", s)?,
                expires_at,
            }),
            _ => None,
        };
        let events: Vec<String> = c.json("events", "webhook events")?;
        Ok(Webhook {
            account_id: c.parsed("account_id", "AccountId", AccountId::parse)?,
            mode: mode(c)?,
            url: c.text("url")?,
            events: events
                .iter()
                .map(|s| Subscription::parse(s).ok_or_else(|| decode_error("webhook event", s)))
                .collect::<StoreResult<_>>()?,
            description: c.opt_text("description")?,
            enabled: c.bool("enabled")?,
            secret: open("secret", c.text("secret")?)?,
            previous_secret,
            created_at: c.time("created_at")?,
            updated_at: c.time("updated_at")?,
            id,
        })
    }
}

impl Decode for WebhookDelivery {
    fn decode<C: Columns>(c: &C) -> StoreResult<Self> {
        Ok(WebhookDelivery {
            id: c.parsed("id", "WebhookDeliveryId", WebhookDeliveryId::parse)?,
            webhook_id: c.parsed("webhook_id", "WebhookId", WebhookId::parse)?,
            account_id: c.parsed("account_id", "AccountId", AccountId::parse)?,
            mode: mode(c)?,
            event_id: c.parsed("event_id", "EventId", EventId::parse)?,
            event_type: event_type(c, "event_type")?,
            status: c.parsed("status", "delivery status", DeliveryStatus::parse)?,
            attempts: count(c, "attempts")?,
            last_attempt_at: c.opt_time("last_attempt_at")?,
            next_attempt_at: c.opt_time("next_attempt_at")?,
            response_status: c
                .opt_int("response_status")?
                .map(u16::try_from)
                .transpose()
                .map_err(|e| decode_error("response status", e))?,
            response_body: c.opt_text("response_body")?,
            created_at: c.time("created_at")?,
        })
    }
}

/// What a claim reads of each delivery, `alias` naming the deliveries: the delivery,
/// its pass snapshot, its webhook (`w_*`) and its event (`e_*`), as [`Claimed`]
/// decodes them. The statement joins `webhooks w` and `pass_events e`.
pub fn claim_select(alias: &str) -> String {
    let delivery: String = DELIVERY_COLUMNS
        .split(", ")
        .map(|c| format!("{alias}.{c}"))
        .collect::<Vec<_>>()
        .join(", ");
    let webhook: String = WEBHOOK_COLUMNS
        .split(", ")
        .map(|c| format!("w.{c} AS w_{c}"))
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "{delivery}, {alias}.pass_snapshot, {webhook}, e.id AS e_id, e.pass_id AS e_pass_id, \
         e.kind AS e_kind, e.metadata AS e_metadata, e.created_at AS e_created_at"
    )
}

/// A claimed delivery as [`claim_select`] reads it, short of its lease token.
pub struct Claimed {
    delivery: WebhookDelivery,
    webhook: Webhook,
    event: PassEvent,
    pass: Pass,
}

impl Claimed {
    pub fn leased_by(self, token: &str) -> ClaimedDelivery {
        ClaimedDelivery {
            delivery: self.delivery,
            lease_token: token.to_owned(),
            webhook: self.webhook,
            event: self.event,
            pass: self.pass,
        }
    }
}

impl Decode for Claimed {
    fn decode<C: Columns>(c: &C) -> StoreResult<Self> {
        let delivery = WebhookDelivery::decode(c)?;
        let webhook = Webhook::decode(&Prefixed {
            inner: c,
            prefix: "w_",
        })?;
        let e = Prefixed {
            inner: c,
            prefix: "e_",
        };
        let event = PassEvent {
            id: e.parsed("id", "EventId", EventId::parse)?,
            account_id: delivery.account_id.clone(),
            mode: delivery.mode,
            pass_id: pass_id(&e)?,
            kind: event_type(&e, "kind")?,
            metadata: e.json("metadata", "event metadata")?,
            created_at: e.time("created_at")?,
        };
        let pass = c.pass_snapshot("pass_snapshot")?;
        Ok(Claimed {
            delivery,
            webhook,
            event,
            pass,
        })
    }
}

/// `$1..$12`, in [`WEBHOOK_COLUMNS`] order, the secrets as `sealed` holds them.
pub fn webhook_binds<'a, B: SqlBind<'a>>(
    w: &'a Webhook,
    sealed: &'a SealedSecrets,
) -> StoreResult<Vec<B>> {
    let events: Vec<&str> = w.events.iter().map(|s| s.as_str()).collect();
    Ok(vec![
        B::text(w.id.as_str()),
        B::text(w.account_id.as_str()),
        B::text(w.mode.as_str()),
        B::text(&w.url),
        B::json(&events).map_err(json_error)?,
        B::opt_text(w.description.as_deref()),
        B::bool(w.enabled),
        B::text(&sealed.secret),
        B::opt_text(sealed.previous.as_deref()),
        B::opt_time(w.previous_secret.as_ref().map(|p| p.expires_at)),
        B::time(w.created_at),
        B::time(w.updated_at),
    ])
}
