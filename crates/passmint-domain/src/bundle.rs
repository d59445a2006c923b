//! Bundles: several passes of one account and mode, added to Apple Wallet in one
//! tap (docs/api.md §12). A bundle never changes once created.

use crate::error::DomainError;
use crate::ids::{AccountId, BundleId, PassId};
use crate::mode::{Mode, Scope};
use crate::pass::Pass;
use crate::template::Template;
use std::collections::HashMap;
use time::OffsetDateTime;

/// Most passes in one bundle.
pub const MAX_BUNDLE_PASSES: usize = 10;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bundle {
    pub id: BundleId,
    pub account_id: AccountId,
    pub mode: Mode,
    /// Public URL slug: unguessable, base62, unique among bundles.
    pub short_id: String,
    /// The passes, in the order given (1 to [`MAX_BUNDLE_PASSES`], distinct, all
    /// of the bundle's account and mode).
    pub pass_ids: Vec<PassId>,
    pub created_at: OffsetDateTime,
}

impl Bundle {
    pub fn scope(&self) -> Scope {
        Scope::new(self.account_id.clone(), self.mode)
    }
}

/// A bundle as its public pages show it: each pass with its template, in the
/// bundle's order.
#[derive(Clone, Debug, PartialEq)]
pub struct PublicBundle {
    pub bundle: Bundle,
    pub passes: Vec<(Pass, Template)>,
}

/// The list's own rules, before any pass is read: 1 to [`MAX_BUNDLE_PASSES`]
/// ids, no id twice (the later one is refused).
pub fn check_pass_ids(ids: &[String]) -> Result<(), DomainError> {
    if ids.is_empty() {
        return Err(DomainError::invalid(
            "pass_ids",
            "pass_ids must list at least one pass.",
        ));
    }
    if ids.len() > MAX_BUNDLE_PASSES {
        return Err(DomainError::invalid(
            "pass_ids",
            format!(
                "A bundle holds at most {MAX_BUNDLE_PASSES} passes; {} were given.",
                ids.len()
            ),
        ));
    }
    let mut seen: HashMap<&str, usize> = HashMap::new();
    for (i, id) in ids.iter().enumerate() {
        if let Some(first) = seen.insert(id.as_str(), i) {
            return Err(DomainError::invalid(
                format!("pass_ids[{i}]"),
                format!("Pass '{id}' is listed twice (also as pass_ids[{first}])."),
            ));
        }
    }
    Ok(())
}
