//! Webhooks: endpoints of one account and mode that receive its pass events, and
//! their deliveries.
//!
//! A delivery is an outbox row: every write of a pass event enqueues, in the same
//! transaction, one delivery per enabled webhook of the event's account and mode
//! whose `events` match (see [`crate::ports::WebhookStore`]). Delivery workers then
//! claim due deliveries under a lease, attempt them and record the outcome; a
//! delivery is `pending` until its first attempt, `failed` while retries remain,
//! then `delivered` or `dead`.
//!
//! Nothing here sends anything: the wire format, signatures and the retry schedule
//! belong to the server and `passmint-webhooks`. The domain keeps what is stored and
//! its rules (which URLs, which event types, the secret's shape, the 24 h overlap of
//! a rotation, the 16 KiB response body).

use crate::error::DomainError;
use crate::event::{EventType, PassEvent};
use crate::ids::{AccountId, EventId, WebhookDeliveryId, WebhookId};
use crate::mode::{Mode, Scope};
use crate::pass::Pass;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use time::{Duration, OffsetDateTime};

/// Longest webhook URL, in bytes.
pub const MAX_URL_LEN: usize = 2048;
/// Longest description, in characters.
pub const MAX_DESCRIPTION_LEN: usize = 500;
/// Most webhooks one account may have in one mode.
pub const MAX_WEBHOOKS_PER_MODE: usize = 16;
/// Longest response body kept in the delivery log, in bytes.
pub const MAX_RESPONSE_BODY: usize = 16 * 1024;
/// How many deliveries the delivery log shows.
pub const DELIVERY_LOG_LEN: u32 = 100;
/// How long a rotated-out secret keeps signing.
pub const ROTATION_OVERLAP: Duration = Duration::hours(24);
/// Key length of generated secrets, in bytes.
pub const SECRET_KEY_LEN: usize = 32;
/// The `whsec_` prefix of a secret.
pub const SECRET_PREFIX: &str = "whsec_";
/// What `events` may hold besides the event types: every event.
pub const ALL_EVENTS: &str = "*";

/// One entry of a webhook's `events`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Subscription {
    /// `*`: every event type, present and future.
    All,
    /// `pass.<type>`.
    Event(EventType),
}

impl Subscription {
    pub fn parse(s: &str) -> Option<Self> {
        if s == ALL_EVENTS {
            Some(Subscription::All)
        } else {
            EventType::parse_webhook_type(s).map(Subscription::Event)
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Subscription::All => ALL_EVENTS,
            Subscription::Event(t) => t.webhook_type(),
        }
    }

    pub fn matches(self, kind: EventType) -> bool {
        match self {
            Subscription::All => true,
            Subscription::Event(t) => t == kind,
        }
    }
}

/// Parses a webhook's `events`: at least one entry, each `*` or one of the seven
/// `pass.*` types (else 400 naming `events` or `events[i]`). Repeated entries are
/// kept once, in their first position.
pub fn parse_subscriptions(values: &[String]) -> Result<Vec<Subscription>, DomainError> {
    if values.is_empty() {
        return Err(DomainError::invalid(
            "events",
            "events must not be empty: give at least one event type, or \"*\" for all",
        ));
    }
    let mut out: Vec<Subscription> = Vec::with_capacity(values.len());
    for (i, v) in values.iter().enumerate() {
        let s = Subscription::parse(v).ok_or_else(|| {
            let known: Vec<&str> = EventType::ALL
                .iter()
                .map(|t| t.webhook_type())
                .chain([ALL_EVENTS])
                .collect();
            DomainError::invalid(
                format!("events[{i}]"),
                format!(
                    "'{v}' is not an event type; use one of {}",
                    known.join(", ")
                ),
            )
        })?;
        if !out.contains(&s) {
            out.push(s);
        }
    }
    Ok(out)
}

/// A webhook URL: absolute `http` or `https`, with a host, at most
/// [`MAX_URL_LEN`] bytes, no white space. Where it may point is checked at
/// delivery time (after DNS resolution), not here.
pub fn check_url(url: &str) -> Result<(), DomainError> {
    crate::storable::check_text("url", url)?;
    let bad = |why: &str| {
        DomainError::invalid(
            "url",
            format!("url must be an absolute http or https URL ({why})"),
        )
    };
    if url.len() > MAX_URL_LEN {
        return Err(DomainError::invalid(
            "url",
            format!("url may be at most {MAX_URL_LEN} characters long"),
        ));
    }
    if url.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(bad("it contains white space or control characters"));
    }
    let scheme_end = url.find("://").ok_or_else(|| bad("it has no scheme"))?;
    let scheme = &url[..scheme_end];
    if !scheme.eq_ignore_ascii_case("http") && !scheme.eq_ignore_ascii_case("https") {
        return Err(bad("the scheme must be http or https"));
    }
    let rest = &url[scheme_end + 3..];
    let authority = &rest[..rest.find(['/', '?', '#']).unwrap_or(rest.len())];
    let host_port = authority.rsplit_once('@').map_or(authority, |(_, hp)| hp);
    let (host, port) = if let Some(inner) = host_port.strip_prefix('[') {
        let (ip, after) = inner
            .split_once(']')
            .ok_or_else(|| bad("an IPv6 host lacks its ']'"))?;
        if ip.parse::<std::net::Ipv6Addr>().is_err() {
            return Err(bad("the IPv6 host is not an address"));
        }
        match after.strip_prefix(':') {
            Some(port) => (ip, Some(port)),
            None if after.is_empty() => (ip, None),
            None => return Err(bad("unexpected characters after the IPv6 host")),
        }
    } else {
        match host_port.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (host_port, None),
        }
    };
    if host.is_empty() {
        return Err(bad("it has no host"));
    }
    if !host_port.starts_with('[')
        && !host
            .chars()
            .all(|c| c.is_alphanumeric() || "-._~%!$&'()*+,;=".contains(c))
    {
        return Err(bad("the host contains characters a host name cannot have"));
    }
    if let Some(port) = port
        && !port.is_empty()
        && !(port.len() <= 5
            && port.bytes().all(|b| b.is_ascii_digit())
            && port.parse::<u32>().is_ok_and(|p| (1..=65_535).contains(&p)))
    {
        return Err(bad("the port must be a number from 1 to 65535"));
    }
    Ok(())
}

/// A description is at most [`MAX_DESCRIPTION_LEN`] characters.
pub fn check_description(description: &str) -> Result<(), DomainError> {
    crate::storable::check_text("description", description)?;
    if description.chars().count() > MAX_DESCRIPTION_LEN {
        return Err(DomainError::invalid(
            "description",
            format!("description may be at most {MAX_DESCRIPTION_LEN} characters long"),
        ));
    }
    Ok(())
}

/// A signing secret, `whsec_` + standard base64 of its key (24 to 64 bytes; 32 for
/// the secrets Passmint generates), as the Standard Webhooks scheme writes it.
/// `Debug` and `Display` never show it; read it with [`WebhookSecret::expose`].
#[derive(Clone, PartialEq, Eq)]
pub struct WebhookSecret(String);

impl WebhookSecret {
    /// The secret of these key bytes.
    pub fn from_key_bytes(key: &[u8]) -> Self {
        WebhookSecret(format!("{SECRET_PREFIX}{}", STANDARD.encode(key)))
    }

    /// A stored secret: `whsec_` + base64 of 24 to 64 bytes.
    pub fn parse(s: &str) -> Option<Self> {
        let key = STANDARD.decode(s.strip_prefix(SECRET_PREFIX)?).ok()?;
        (24..=64)
            .contains(&key.len())
            .then(|| WebhookSecret(s.to_owned()))
    }

    /// The secret itself: for the API's create and rotate answers, the signer and
    /// the store only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

crate::signing::redacted_fmt!(
    WebhookSecret,
    debug = "WebhookSecret(whsec_[REDACTED])",
    display = "whsec_[REDACTED]"
);

/// The secret a rotation replaced, which keeps signing until `expires_at`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RotatedSecret {
    pub secret: WebhookSecret,
    pub expires_at: OffsetDateTime,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Webhook {
    pub id: WebhookId,
    pub account_id: AccountId,
    pub mode: Mode,
    pub url: String,
    /// Non-empty, without repeats.
    pub events: Vec<Subscription>,
    pub description: Option<String>,
    /// A disabled webhook gets no new deliveries, and its pending ones wait.
    pub enabled: bool,
    pub secret: WebhookSecret,
    pub previous_secret: Option<RotatedSecret>,
    pub created_at: OffsetDateTime,
    /// Bumped by every change; updates are conditional on it.
    pub updated_at: OffsetDateTime,
}

impl Webhook {
    pub fn scope(&self) -> Scope {
        Scope::new(self.account_id.clone(), self.mode)
    }

    /// Whether an event of this type is delivered to this webhook (when enabled).
    pub fn subscribes_to(&self, kind: EventType) -> bool {
        self.events.iter().any(|s| s.matches(kind))
    }

    /// The secrets that sign a delivery at `now`: the current one, then the
    /// rotated-out one while its 24 hours last.
    pub fn signing_secrets(&self, now: OffsetDateTime) -> Vec<&WebhookSecret> {
        let mut out = vec![&self.secret];
        if let Some(previous) = &self.previous_secret
            && previous.expires_at > now
        {
            out.push(&previous.secret);
        }
        out
    }
}

/// Where a delivery stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DeliveryStatus {
    /// Not attempted yet.
    Pending,
    /// The last attempt failed; another is scheduled at `next_attempt_at`.
    Failed,
    /// A 2xx answered.
    Delivered,
    /// Every scheduled attempt failed.
    Dead,
}

impl DeliveryStatus {
    pub const ALL: [DeliveryStatus; 4] = [
        DeliveryStatus::Pending,
        DeliveryStatus::Failed,
        DeliveryStatus::Delivered,
        DeliveryStatus::Dead,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryStatus::Pending => "pending",
            DeliveryStatus::Failed => "failed",
            DeliveryStatus::Delivered => "delivered",
            DeliveryStatus::Dead => "dead",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == s)
    }
}

impl WebhookDeliveryId {
    /// The id of the delivery of `event` to `webhook`: `whd_` and the first 24 hex
    /// digits of SHA-256(`{event}.{webhook}`). Deterministic, so an event is
    /// enqueued at most once per webhook (the id is unique), and every adapter,
    /// SQL included, computes the same id.
    pub fn derive(event: &EventId, webhook: &WebhookId) -> Self {
        let input = format!("{event}.{webhook}");
        let digest = ring::digest::digest(&ring::digest::SHA256, input.as_bytes());
        let hex: String = digest.as_ref()[..12]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        WebhookDeliveryId::from_body(&hex)
    }
}

/// One delivery of one event to one webhook, as the delivery log shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WebhookDelivery {
    pub id: WebhookDeliveryId,
    pub webhook_id: WebhookId,
    pub account_id: AccountId,
    pub mode: Mode,
    pub event_id: EventId,
    pub event_type: EventType,
    pub status: DeliveryStatus,
    pub attempts: u32,
    pub last_attempt_at: Option<OffsetDateTime>,
    /// When the next attempt is due: set while `pending` or `failed` (and after a
    /// manual retry), `None` once `delivered` or `dead`.
    pub next_attempt_at: Option<OffsetDateTime>,
    pub response_status: Option<u16>,
    /// At most [`MAX_RESPONSE_BODY`] bytes.
    pub response_body: Option<String>,
    pub created_at: OffsetDateTime,
}

impl WebhookDelivery {
    /// The delivery `event` enqueues for the webhook `webhook` (docs/api.md §8):
    /// pending, no attempt yet, due at once.
    pub fn pending(event: &PassEvent, webhook: &WebhookId) -> Self {
        WebhookDelivery {
            id: WebhookDeliveryId::derive(&event.id, webhook),
            webhook_id: webhook.clone(),
            account_id: event.account_id.clone(),
            mode: event.mode,
            event_id: event.id.clone(),
            event_type: event.kind,
            status: DeliveryStatus::Pending,
            attempts: 0,
            last_attempt_at: None,
            next_attempt_at: Some(event.created_at),
            response_status: None,
            response_body: None,
            created_at: event.created_at,
        }
    }
}

/// What [`crate::ports::WebhookStore::claim_deliveries`] is asked for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClaimRequest {
    pub now: OffsetDateTime,
    /// The claimed deliveries are the claimer's until then.
    pub lease_until: OffsetDateTime,
    /// Names the claim; needed to record the attempts.
    pub token: String,
    pub limit: u32,
}

/// A claimed delivery with everything its attempt needs.
#[derive(Clone, Debug, PartialEq)]
pub struct ClaimedDelivery {
    pub delivery: WebhookDelivery,
    /// The claim's token.
    pub lease_token: String,
    /// The webhook as stored at claim time (its URL and secrets now).
    pub webhook: Webhook,
    pub event: PassEvent,
    /// The pass right after the event (a snapshot taken with the event).
    pub pass: Pass,
}

/// What an attempt produced, as [`crate::ports::WebhookStore::record_attempt`]
/// stores it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AttemptRecord {
    pub at: OffsetDateTime,
    pub status: DeliveryStatus,
    pub next_attempt_at: Option<OffsetDateTime>,
    pub response_status: Option<u16>,
    pub response_body: Option<String>,
}

/// The answer a receiver gave to one attempt (nothing when it gave none: refused
/// address, connection error, timeout).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AttemptResponse {
    pub status: Option<u16>,
    pub body: Option<String>,
}

/// What follows an attempt, as the retry schedule decides.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeliveryDecision {
    Delivered,
    RetryAt(OffsetDateTime),
    Dead,
}

/// `body` cut to at most `max` bytes on a character boundary.
pub fn truncate_body(mut body: String, max: usize) -> String {
    if body.len() > max {
        let mut end = max;
        while !body.is_char_boundary(end) {
            end -= 1;
        }
        body.truncate(end);
    }
    body
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    fn param(e: DomainError) -> String {
        match e {
            DomainError::Invalid { param, .. } => param.unwrap_or_default(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn subscriptions_parse_and_match() {
        let s = parse_subscriptions(&[
            "pass.created".into(),
            "pass.installed".into(),
            "pass.created".into(),
        ])
        .unwrap();
        assert_eq!(
            s,
            vec![
                Subscription::Event(EventType::Created),
                Subscription::Event(EventType::Installed)
            ]
        );
        assert!(Subscription::All.matches(EventType::Removed));
        assert!(!s[0].matches(EventType::Removed));
        for t in EventType::ALL {
            assert_eq!(
                Subscription::parse(t.webhook_type()),
                Some(Subscription::Event(t))
            );
        }
        assert_eq!(param(parse_subscriptions(&[]).unwrap_err()), "events");
        assert_eq!(
            param(parse_subscriptions(&["*".into(), "created".into()]).unwrap_err()),
            "events[1]"
        );
        assert_eq!(
            param(parse_subscriptions(&["pass.*".into()]).unwrap_err()),
            "events[0]"
        );
    }

    #[test]
    fn urls() {
        for good in [
            "https://example.com/hooks",
            "http://127.0.0.1:8080/x?y=1#z",
            "HTTPS://user:pw@example.com",
            "http://[::1]:9/",
            "https://bücher.example/",
            "http://example.com:/",
        ] {
            assert!(check_url(good).is_ok(), "{good}");
        }
        for bad in [
            "",
            "example.com/hooks",
            "ftp://example.com/",
            "https://",
            "https:///path",
            "https://exa mple.com/",
            "https://example.com:99999/",
            "https://example.com:x/",
            "http://[::1/",
            "http://[nope]/",
            "https://a<b>.com/",
            "javascript://alert(1)",
        ] {
            let err = check_url(bad).expect_err(bad);
            assert_eq!(param(err), "url", "{bad}");
        }
        assert!(check_url(&format!("https://e.com/{}", "a".repeat(MAX_URL_LEN))).is_err());
        assert_eq!(param(check_url("https://e.com/a\u{0}").unwrap_err()), "url");
        assert_eq!(
            param(check_description("a\u{0}").unwrap_err()),
            "description"
        );
    }

    #[test]
    fn secrets_redact_and_round_trip() {
        let s = WebhookSecret::from_key_bytes(&[7; 32]);
        assert!(s.expose().starts_with("whsec_"));
        assert_eq!(s.expose().len(), 6 + 44);
        assert_eq!(WebhookSecret::parse(s.expose()), Some(s.clone()));
        let shown = format!("{s:?} {s}");
        assert!(!shown.contains(&s.expose()[6..]), "{shown}");
        assert!(WebhookSecret::parse("whsec_c2hvcnQ=").is_none());
        assert!(WebhookSecret::parse("nope").is_none());
    }

    #[test]
    fn delivery_ids_are_derived() {
        let e = EventId::parse("evt_0123456789abcdefghijKLMN").unwrap();
        let w = WebhookId::parse("whk_0123456789abcdefghijKLMN").unwrap();
        let id = WebhookDeliveryId::derive(&e, &w);
        assert!(WebhookDeliveryId::parse(id.as_str()).is_some());
        assert_eq!(id, WebhookDeliveryId::derive(&e, &w));
        let w2 = WebhookId::parse("whk_0123456789abcdefghijKLMO").unwrap();
        assert_ne!(id, WebhookDeliveryId::derive(&e, &w2));
    }

    #[test]
    fn bodies_are_cut_on_char_boundaries() {
        assert_eq!(truncate_body("héllo".into(), 2), "h");
        assert_eq!(truncate_body("héllo".into(), 3), "hé");
        assert_eq!(truncate_body("ok".into(), 16), "ok");
    }
}
