//! [`passmint_domain::ports::PassStore::insert_pass_claiming`]: issuing a pass and
//! taking its new idempotency key, completed, in one write; and writing nothing at
//! all when the template changed, the key exists, or the insert is refused.

use super::{
    assert_begin, assert_duplicate, assert_replays, begin_started, limited_account, race,
    replace_template, seed_account, seed_owner, seed_template,
};
use crate::contract::rename_template;
use crate::fixtures;
use passmint_domain::StoreError;
use passmint_domain::account::Account;
use passmint_domain::event::{EventType, PassEvent};
use passmint_domain::idempotency::{
    ClaimedInsert, IdemBegin, IdemRequest, LOCK_TTL, RETENTION, StoredResponse,
};
use passmint_domain::mode::{Mode, Scope};
use passmint_domain::pass::{Pass, PassFilter};
use passmint_domain::ports::ClaimingInsert;
use passmint_domain::ports::{Store, StoreResult};
use passmint_domain::template::Template;
use passmint_domain::webhook::{ClaimRequest, Webhook};
use std::sync::Arc;
use time::{Duration, OffsetDateTime};

/// One issue: the key's request, the response to store, the pass and its event.
struct Issue {
    claim: IdemRequest,
    response: StoredResponse,
    pass: Pass,
    event: PassEvent,
}

fn issue(account: &Account, mode: Mode, template: &Template, key: &str) -> Issue {
    let pass = fixtures::pass(account, mode, template);
    let event = fixtures::event(&pass, EventType::Created);
    Issue {
        claim: fixtures::idem_request(
            &fixtures::scope(account, mode),
            key,
            &fixtures::fingerprint(),
            fixtures::timestamp(),
        ),
        response: fixtures::response(200),
        pass,
        event,
    }
}

async fn claiming(
    store: &dyn Store,
    issue: &Issue,
    template_updated_at: OffsetDateTime,
) -> StoreResult<ClaimedInsert> {
    store
        .insert_pass_claiming(&ClaimingInsert {
            claim: &issue.claim,
            response: &issue.response,
            template_updated_at,
            pass: &issue.pass,
            event: &issue.event,
        })
        .await
}

/// Asserts what [`claiming`] answers for `issue`.
async fn assert_claims(
    store: &dyn Store,
    issue: &Issue,
    template_updated_at: OffsetDateTime,
    expected: StoreResult<ClaimedInsert>,
    what: &str,
) {
    let got = claiming(store, issue, template_updated_at).await;
    assert_eq!(got, expected, "{what}");
}

/// Asserts that [`claiming`] answers `TemplateChanged` for `issue`.
async fn assert_template_changed(
    store: &dyn Store,
    issue: &Issue,
    template_updated_at: OffsetDateTime,
    what: &str,
) {
    let changed = Ok(ClaimedInsert::TemplateChanged);
    assert_claims(store, issue, template_updated_at, changed, what).await;
}

/// Asserts that [`claiming`] inserts `issue` (with any number of deliveries).
async fn assert_inserts(
    store: &dyn Store,
    issue: &Issue,
    template_updated_at: OffsetDateTime,
    what: &str,
) {
    let got = claiming(store, issue, template_updated_at).await;
    assert!(
        matches!(got, Ok(ClaimedInsert::Inserted { .. })),
        "{what}: expected Inserted, got {got:?}"
    );
}

/// Asserts that [`claiming`] answers `KeyTaken` for `issue` and writes nothing.
async fn assert_key_taken(
    store: &dyn Store,
    issue: &Issue,
    template_updated_at: OffsetDateTime,
    webhook: &Webhook,
    what: &str,
) {
    let taken = Ok(ClaimedInsert::KeyTaken);
    assert_claims(store, issue, template_updated_at, taken, what).await;
    assert_wrote_nothing(store, issue, webhook, what).await;
}

/// [`claiming`] as a task of [`race`]: the issue with its result.
fn race_claiming(
    store: &Arc<dyn Store>,
    one: Issue,
    template_updated_at: OffsetDateTime,
) -> impl Future<Output = (Issue, StoreResult<ClaimedInsert>)> + Send + 'static {
    let store = store.clone();
    async move {
        let result = claiming(&*store, &one, template_updated_at).await;
        (one, result)
    }
}

async fn passes(store: &dyn Store, scope: &Scope) -> Vec<Pass> {
    store
        .list_passes(scope, &PassFilter::default(), &super::first(100))
        .await
        .expect("list_passes")
        .data
}

async fn events(store: &dyn Store, scope: &Scope) -> Vec<PassEvent> {
    store
        .list_events(scope, None, &super::first(100))
        .await
        .expect("list_events")
        .data
}

async fn seed_webhook(store: &dyn Store, account: &Account, mode: Mode) -> Webhook {
    let webhook = fixtures::webhook(account, mode, &["*"]);
    store
        .insert_webhook(&webhook, None)
        .await
        .expect("insert_webhook");
    webhook
}

async fn delivery_count(store: &dyn Store, webhook: &Webhook) -> usize {
    store
        .list_deliveries(&webhook.scope(), &webhook.id, 100)
        .await
        .expect("list_deliveries")
        .data
        .len()
}

/// Nothing of `issue` was written: no pass, no event, no delivery.
async fn assert_wrote_nothing(store: &dyn Store, issue: &Issue, webhook: &Webhook, what: &str) {
    let scope = issue.pass.scope();
    assert_eq!(
        store.get_pass(&scope, &issue.pass.id).await,
        Err(StoreError::NotFound),
        "{what}: the pass was not written"
    );
    assert!(
        !events(store, &scope)
            .await
            .iter()
            .any(|e| e.id == issue.event.id),
        "{what}: the event was not written"
    );
    assert_eq!(
        delivery_count(store, webhook).await,
        0,
        "{what}: no delivery was enqueued"
    );
}

/// A new key: the pass, its event and its deliveries are written, and the key is
/// stored completed with the response: it replays with the same fingerprint, answers
/// `Mismatch` with another, and is held by no ticket (a second claiming call reports
/// `KeyTaken` and writes nothing). Its retention counts from the claim's `now`.
pub async fn claiming_insert_new_key_inserts_and_completes(
    factory: impl AsyncFn() -> Arc<dyn Store>,
) {
    let store = factory().await;
    let (account, template) = seed_owner(&*store).await;
    for mode in [Mode::Test, Mode::Live] {
        let webhook = seed_webhook(&*store, &account, mode).await;
        let first = issue(&account, mode, &template, &fixtures::idem_key());
        assert_claims(
            &*store,
            &first,
            template.updated_at,
            Ok(ClaimedInsert::Inserted { enqueued: 1 }),
            &format!("{mode:?}: a new key inserts, with one delivery for the `*` webhook"),
        )
        .await;
        let scope = first.pass.scope();
        assert_eq!(
            store.get_pass(&scope, &first.pass.id).await,
            Ok(first.pass.clone())
        );
        assert_eq!(events(&*store, &scope).await, vec![first.event.clone()]);
        assert_eq!(delivery_count(&*store, &webhook).await, 1);
        let claimed = store
            .claim_deliveries(
                &ClaimRequest {
                    now: fixtures::timestamp(),
                    lease_until: fixtures::timestamp() + Duration::seconds(60),
                    token: fixtures::base62(24),
                    limit: 10,
                },
                u32::MAX,
            )
            .await
            .expect("claim_deliveries");
        assert_eq!(claimed.len(), 1, "{mode:?}: one delivery is due");
        assert_eq!(claimed[0].event, first.event, "the delivery's event");
        assert_eq!(claimed[0].pass, first.pass, "the delivery's snapshot");

        assert_replays(
            &*store,
            &first.claim,
            &first.response,
            &format!("{mode:?}: the key replays the stored response"),
        )
        .await;
        let other = IdemRequest {
            fingerprint: fixtures::fingerprint(),
            ..first.claim.clone()
        };
        assert_begin(
            &*store,
            &other,
            IdemBegin::Mismatch,
            "another fingerprint on a completed key",
        )
        .await;
        let past_lock = IdemRequest {
            now: first.claim.now + LOCK_TTL + Duration::seconds(1),
            ..first.claim.clone()
        };
        assert_replays(
            &*store,
            &past_lock,
            &first.response,
            "a completed key is not taken over after the lock time",
        )
        .await;

        let again = issue(&account, mode, &template, &first.claim.key);
        assert_claims(
            &*store,
            &again,
            template.updated_at,
            Ok(ClaimedInsert::KeyTaken),
            &format!("{mode:?}: the same key again"),
        )
        .await;
        assert_eq!(
            store.get_pass(&scope, &again.pass.id).await,
            Err(StoreError::NotFound)
        );
        assert_eq!(events(&*store, &scope).await.len(), 1);

        let expired = IdemRequest {
            now: first.claim.now + RETENTION + Duration::seconds(1),
            lock_token: fixtures::base62(24),
            ..first.claim.clone()
        };
        begin_started(&*store, &expired).await;
    }
}

/// A key with any record (in flight, completed, of another fingerprint, expired)
/// MUST give `KeyTaken` and write nothing: the record stays as it was.
pub async fn claiming_insert_existing_key_writes_nothing(
    factory: impl AsyncFn() -> Arc<dyn Store>,
) {
    let store = factory().await;
    let (account, template) = seed_owner(&*store).await;
    let webhook = seed_webhook(&*store, &account, Mode::Test).await;
    let fresh = || issue(&account, Mode::Test, &template, &fixtures::idem_key());

    // In flight, same fingerprint.
    let in_flight = fresh();
    let ticket = begin_started(&*store, &in_flight.claim).await;
    let mut retry = fresh();
    retry.claim = IdemRequest {
        lock_token: fixtures::base62(24),
        ..in_flight.claim.clone()
    };
    assert_key_taken(
        &*store,
        &retry,
        template.updated_at,
        &webhook,
        "a key in flight",
    )
    .await;
    assert_begin(
        &*store,
        &in_flight.claim,
        IdemBegin::InUse,
        "the key in flight stays held",
    )
    .await;
    let completion = fixtures::completion(&ticket, 201);
    store
        .complete_idempotent(&completion)
        .await
        .expect("the ticket still holds its key");

    // Completed, same fingerprint and another.
    for fingerprint in [retry.claim.fingerprint.clone(), fixtures::fingerprint()] {
        let mut again = fresh();
        again.claim = IdemRequest {
            fingerprint,
            lock_token: fixtures::base62(24),
            ..in_flight.claim.clone()
        };
        assert_key_taken(
            &*store,
            &again,
            template.updated_at,
            &webhook,
            "a completed key",
        )
        .await;
    }
    assert_replays(
        &*store,
        &in_flight.claim,
        &completion.response,
        "the completed record is unchanged",
    )
    .await;

    // In flight with another fingerprint.
    let theirs = fresh();
    begin_started(&*store, &theirs.claim).await;
    let mut mine = fresh();
    mine.claim.key = theirs.claim.key.clone();
    assert_key_taken(
        &*store,
        &mine,
        template.updated_at,
        &webhook,
        "a key in flight with another fingerprint",
    )
    .await;
    assert_begin(
        &*store,
        &theirs.claim,
        IdemBegin::InUse,
        "their key stays held",
    )
    .await;

    // Expired (completed, and abandoned in flight): still `KeyTaken`; the usual
    // way then takes it over.
    for complete in [true, false] {
        let old = fresh();
        let mut early = old.claim.clone();
        early.now = old.claim.now - RETENTION - Duration::minutes(1);
        let ticket = begin_started(&*store, &early).await;
        if complete {
            store
                .complete_idempotent(&fixtures::completion(&ticket, 200))
                .await
                .expect("complete_idempotent");
        }
        assert_key_taken(
            &*store,
            &old,
            template.updated_at,
            &webhook,
            &format!("an expired key (completed: {complete})"),
        )
        .await;
        begin_started(&*store, &old.claim).await;
    }
    assert!(
        passes(&*store, &fixtures::scope(&account, Mode::Test))
            .await
            .is_empty()
    );
}

/// The template MUST still be the version validated: not archived, of the pass's
/// account, with that `updated_at`; else `TemplateChanged`, nothing written and the
/// key left free, whatever the key.
pub async fn claiming_insert_checks_the_template(factory: impl AsyncFn() -> Arc<dyn Store>) {
    let store = factory().await;
    let account = seed_account(&*store).await;
    let webhook = seed_webhook(&*store, &account, Mode::Test).await;
    let template = seed_template(&*store, &account).await;

    // Another version.
    let changed = rename_template(&*store, &template, "Renamed").await;
    let stale = issue(&account, Mode::Test, &template, &fixtures::idem_key());
    assert_template_changed(
        &*store,
        &stale,
        template.updated_at,
        "a template updated since",
    )
    .await;
    assert_wrote_nothing(&*store, &stale, &webhook, "a template updated since").await;
    begin_started(&*store, &stale.claim).await;
    let current = issue(&account, Mode::Test, &template, &fixtures::idem_key());
    assert_claims(
        &*store,
        &current,
        changed.updated_at,
        Ok(ClaimedInsert::Inserted { enqueued: 1 }),
        "the current version",
    )
    .await;

    // A key that exists does not hide a changed template.
    let mut taken = issue(&account, Mode::Test, &template, &current.claim.key);
    taken.claim.fingerprint = current.claim.fingerprint.clone();
    assert_template_changed(
        &*store,
        &taken,
        template.updated_at,
        "a changed template and an existing key",
    )
    .await;

    // Archived.
    let mut archived = changed.clone();
    archived.archived = true;
    archived.updated_at = fixtures::timestamp();
    replace_template(&*store, &archived, changed.updated_at)
        .await
        .expect("archive");
    for at in [changed.updated_at, archived.updated_at] {
        let refused = issue(&account, Mode::Test, &template, &fixtures::idem_key());
        assert_template_changed(&*store, &refused, at, "an archived template").await;
        begin_started(&*store, &refused.claim).await;
    }

    // Another account's template.
    let other = seed_account(&*store).await;
    let theirs = seed_template(&*store, &other).await;
    let foreign = issue(&account, Mode::Test, &theirs, &fixtures::idem_key());
    assert_template_changed(
        &*store,
        &foreign,
        theirs.updated_at,
        "a template of another account",
    )
    .await;
    begin_started(&*store, &foreign.claim).await;
    assert_eq!(
        delivery_count(&*store, &webhook).await,
        1,
        "only the current version's pass enqueued"
    );
}

/// A refused insert (a duplicate serial: `Duplicate`; a live pass beyond the limit:
/// `LimitReached`) writes nothing: the key stays free, the limit unconsumed.
pub async fn claiming_insert_refused_writes_nothing(factory: impl AsyncFn() -> Arc<dyn Store>) {
    let store = factory().await;
    let (account, template) = limited_account(&*store, Some(2)).await;
    let webhook = seed_webhook(&*store, &account, Mode::Live).await;
    let first = issue(&account, Mode::Live, &template, &fixtures::idem_key());
    assert_inserts(&*store, &first, template.updated_at, "the first live pass").await;

    let mut dup = issue(&account, Mode::Live, &template, &fixtures::idem_key());
    dup.pass.serial_number = first.pass.serial_number.clone();
    assert_duplicate(
        claiming(&*store, &dup, template.updated_at).await,
        "a duplicate serial number",
    );
    assert_eq!(
        store.get_pass(&dup.pass.scope(), &dup.pass.id).await,
        Err(StoreError::NotFound)
    );
    begin_started(&*store, &dup.claim).await;

    let second = issue(&account, Mode::Live, &template, &fixtures::idem_key());
    assert_inserts(
        &*store,
        &second,
        template.updated_at,
        "the second live pass fits: the refused one counted nothing",
    )
    .await;
    let over = issue(&account, Mode::Live, &template, &fixtures::idem_key());
    assert_claims(
        &*store,
        &over,
        template.updated_at,
        Err(StoreError::LimitReached),
        "a third live pass, limit 2",
    )
    .await;
    assert_eq!(
        store.get_pass(&over.pass.scope(), &over.pass.id).await,
        Err(StoreError::NotFound)
    );
    assert_eq!(
        delivery_count(&*store, &webhook).await,
        2,
        "the refused inserts enqueued nothing"
    );
    begin_started(&*store, &over.claim).await;
    let test = issue(&account, Mode::Test, &template, &fixtures::idem_key());
    assert_inserts(
        &*store,
        &test,
        template.updated_at,
        "test passes are not limited",
    )
    .await;
}

/// Of concurrent claiming inserts with one new key exactly one MUST insert; the
/// others get `KeyTaken`, and the key replays the winner's response.
pub async fn concurrent_claiming_inserts_one_key_exactly_one_inserts(
    factory: impl AsyncFn() -> Arc<dyn Store>,
) {
    let store = factory().await;
    let (account, template) = seed_owner(&*store).await;
    let key = fixtures::idem_key();
    let fingerprint = fixtures::fingerprint();
    let outcomes = race(20, |_| {
        let mut one = issue(&account, Mode::Test, &template, &key);
        one.claim.fingerprint = fingerprint.clone();
        race_claiming(&store, one, template.updated_at)
    })
    .await;
    let mut winners = Vec::new();
    for (one, result) in outcomes {
        match result {
            Ok(ClaimedInsert::Inserted { .. }) => winners.push(one),
            Ok(ClaimedInsert::KeyTaken) => {}
            other => {
                panic!("a concurrent claiming insert: expected Inserted or KeyTaken, got {other:?}")
            }
        }
    }
    assert_eq!(
        winners.len(),
        1,
        "exactly one concurrent claiming insert wins"
    );
    let winner = &winners[0];
    let scope = winner.pass.scope();
    assert_eq!(passes(&*store, &scope).await, vec![winner.pass.clone()]);
    assert_eq!(events(&*store, &scope).await, vec![winner.event.clone()]);
    assert_replays(
        &*store,
        &winner.claim,
        &winner.response,
        "the stored response replays",
    )
    .await;
}

/// Concurrent claiming inserts of live passes with room for 3: exactly 3 insert,
/// the others get `LimitReached` and leave their keys free.
pub async fn concurrent_claiming_inserts_respect_live_limit(
    factory: impl AsyncFn() -> Arc<dyn Store>,
) {
    let store = factory().await;
    let (account, template) = limited_account(&*store, Some(3)).await;
    let outcomes = race(10, |_| {
        let one = issue(&account, Mode::Live, &template, &fixtures::idem_key());
        race_claiming(&store, one, template.updated_at)
    })
    .await;
    let mut inserted = 0;
    for (one, result) in outcomes {
        match result {
            Ok(ClaimedInsert::Inserted { .. }) => inserted += 1,
            Err(StoreError::LimitReached) => {
                begin_started(&*store, &one.claim).await;
            }
            other => panic!("a concurrent live claiming insert: got {other:?}"),
        }
    }
    assert_eq!(inserted, 3, "exactly `live_pass_limit` concurrent inserts");
    assert_eq!(
        passes(&*store, &fixtures::scope(&account, Mode::Live))
            .await
            .len(),
        3
    );
}
