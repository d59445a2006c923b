//! What issuing a pass needs of a template, remembered in process so that an issue
//! does not read its template every time.
//!
//! An entry is the template as some read saw it, stamped with its `updated_at`
//! (every change of a template moves it). It is only ever used to validate a
//! request whose write is conditional on the template still having that
//! `updated_at` and not being archived
//! ([`crate::ports::PassStore::insert_pass_claiming`]); a template changed by this
//! process or any other sharing the database fails that condition, and the issue
//! then reads the template again. A stale entry can therefore cost a round trip,
//! never a wrong answer. The map is bounded (least recently used entries go first)
//! and keeps the design without its images.

use crate::design::Design;
use crate::ids::{AccountId, TemplateId};
use crate::template::Template;
use lru::LruCache;
use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex};
use time::OffsetDateTime;

/// Templates remembered per process.
pub const TEMPLATE_CACHE_CAPACITY: usize = 1024;

/// The parts of a template an issue validates against.
#[derive(Clone, Debug, PartialEq)]
pub struct IssueTemplate {
    pub updated_at: OffsetDateTime,
    pub archived: bool,
    /// The design without its images (what rendering a pass needs).
    pub design: Design,
}

impl From<&Template> for IssueTemplate {
    fn from(t: &Template) -> Self {
        IssueTemplate {
            updated_at: t.updated_at,
            archived: t.archived,
            design: Design {
                images: Default::default(),
                ..t.design.clone()
            },
        }
    }
}

type Key = (AccountId, TemplateId);

/// A bounded map from (account, template id) to the template as last read.
pub struct TemplateCache {
    entries: Mutex<LruCache<Key, Arc<IssueTemplate>>>,
}

impl std::fmt::Debug for TemplateCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TemplateCache")
            .field("len", &self.len())
            .finish()
    }
}

impl Default for TemplateCache {
    fn default() -> Self {
        Self::new(TEMPLATE_CACHE_CAPACITY)
    }
}

impl TemplateCache {
    /// A cache of at most `capacity` templates (at least one).
    pub fn new(capacity: usize) -> Self {
        TemplateCache {
            entries: Mutex::new(LruCache::new(
                NonZeroUsize::new(capacity).unwrap_or(NonZeroUsize::MIN),
            )),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, LruCache<Key, Arc<IssueTemplate>>> {
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }

    pub fn get(&self, account: &AccountId, id: &TemplateId) -> Option<Arc<IssueTemplate>> {
        self.lock().get(&(account.clone(), id.clone())).cloned()
    }

    /// Remembers `template` as read, unless a newer version is already remembered;
    /// returns the entry for it.
    pub fn put(&self, template: &Template) -> Arc<IssueTemplate> {
        let entry = Arc::new(IssueTemplate::from(template));
        let key = (template.account_id.clone(), template.id.clone());
        let mut entries = self.lock();
        if let Some(known) = entries.get(&key)
            && known.updated_at > entry.updated_at
        {
            return known.clone();
        }
        entries.put(key, entry.clone());
        entry
    }

    /// Forgets the template if the entry is still the version `seen` (a newer one
    /// put meanwhile stays).
    pub fn forget(&self, account: &AccountId, id: &TemplateId, seen: OffsetDateTime) {
        let key = (account.clone(), id.clone());
        let mut entries = self.lock();
        if entries.peek(&key).is_some_and(|e| e.updated_at <= seen) {
            entries.pop(&key);
        }
    }

    pub fn len(&self) -> usize {
        self.lock().len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use crate::design::Design;
    use crate::template::{AppleStyle, TemplateType};
    use time::Duration;

    fn template(n: u32) -> Template {
        let now = OffsetDateTime::UNIX_EPOCH + Duration::days(20_000);
        Template {
            id: TemplateId::from_body(&format!("{n:0>24}")),
            account_id: AccountId::from_body(&"a".repeat(24)),
            name: format!("T{n}"),
            kind: TemplateType::Generic,
            apple_style: AppleStyle::Generic,
            design: Design::default(),
            archived: false,
            created_at: now,
            updated_at: now,
        }
    }

    #[test]
    fn keeps_the_newest_version_and_forgets_only_what_it_saw() {
        let cache = TemplateCache::new(4);
        let t = template(1);
        let mut newer = t.clone();
        newer.updated_at += Duration::seconds(1);
        newer.archived = true;
        cache.put(&newer);
        assert!(
            cache.put(&t).archived,
            "an older read does not replace a newer one"
        );
        cache.forget(&t.account_id, &t.id, t.updated_at);
        assert!(
            cache.get(&t.account_id, &t.id).is_some(),
            "forgetting an older version keeps the newer one"
        );
        cache.forget(&t.account_id, &t.id, newer.updated_at);
        assert_eq!(cache.get(&t.account_id, &t.id), None);
        let other = AccountId::from_body(&"b".repeat(24));
        cache.put(&t);
        assert_eq!(cache.get(&other, &t.id), None, "entries are per account");
    }

    #[test]
    fn is_bounded_least_recently_used_first() {
        let cache = TemplateCache::new(2);
        let (a, b, c) = (template(1), template(2), template(3));
        cache.put(&a);
        cache.put(&b);
        assert!(cache.get(&a.account_id, &a.id).is_some());
        cache.put(&c);
        assert_eq!(cache.len(), 2);
        assert!(
            cache.get(&b.account_id, &b.id).is_none(),
            "b was least recent"
        );
        assert!(cache.get(&a.account_id, &a.id).is_some());
        assert!(cache.get(&c.account_id, &c.id).is_some());
    }
}
