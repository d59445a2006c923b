//! Pass events: the lifecycle log of a pass, written in the same transaction as the
//! change that caused it.

use crate::ids::{AccountId, EventId, PassId};
use crate::mode::Mode;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum EventType {
    Created,
    Updated,
    Voided,
    UrlViewed,
    Downloaded,
    Installed,
    Removed,
}

impl EventType {
    pub const ALL: [EventType; 7] = [
        EventType::Created,
        EventType::Updated,
        EventType::Voided,
        EventType::UrlViewed,
        EventType::Downloaded,
        EventType::Installed,
        EventType::Removed,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EventType::Created => "created",
            EventType::Updated => "updated",
            EventType::Voided => "voided",
            EventType::UrlViewed => "url_viewed",
            EventType::Downloaded => "downloaded",
            EventType::Installed => "installed",
            EventType::Removed => "removed",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.as_str() == s)
    }

    /// The type's name in webhooks (`pass.created`): a webhook's `events` and the
    /// `type` of a delivered event.
    pub fn webhook_type(self) -> &'static str {
        match self {
            EventType::Created => "pass.created",
            EventType::Updated => "pass.updated",
            EventType::Voided => "pass.voided",
            EventType::UrlViewed => "pass.url_viewed",
            EventType::Downloaded => "pass.downloaded",
            EventType::Installed => "pass.installed",
            EventType::Removed => "pass.removed",
        }
    }

    /// The type named `pass.<type>` in webhooks.
    pub fn parse_webhook_type(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.webhook_type() == s)
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct PassEvent {
    pub id: EventId,
    pub account_id: AccountId,
    pub mode: Mode,
    pub pass_id: PassId,
    pub kind: EventType,
    pub metadata: serde_json::Map<String, serde_json::Value>,
    pub created_at: OffsetDateTime,
}
