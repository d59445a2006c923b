//! Test and live modes, and the (account, mode) scope most objects live in.

use crate::ids::AccountId;
use serde::{Deserialize, Serialize};

/// The mode of an API key and of everything it creates. Test and live objects never
/// see each other.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    Test,
    Live,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Test => "test",
            Mode::Live => "live",
        }
    }

    pub fn parse(s: &str) -> Option<Mode> {
        match s {
            "test" => Some(Mode::Test),
            "live" => Some(Mode::Live),
            _ => None,
        }
    }
}

impl std::fmt::Display for Mode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The owner of mode-scoped objects (passes, events, idempotency records).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Scope {
    pub account_id: AccountId,
    pub mode: Mode,
}

impl Scope {
    pub fn new(account_id: AccountId, mode: Mode) -> Self {
        Scope { account_id, mode }
    }
}
