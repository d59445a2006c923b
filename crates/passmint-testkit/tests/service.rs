//! The domain use cases over the in-memory fakes.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod support;

use passmint_domain::DomainError;
use passmint_domain::account::{self, Account};
use passmint_domain::design::Design;
use passmint_domain::event::{EventType, PassEvent};
use passmint_domain::idempotency::{IdemBegin, IdemFinish};
use passmint_domain::mode::Mode;
use passmint_domain::page::{Cursor, PageRequest};
use passmint_domain::pass::{Pass, PassFilter};
use passmint_domain::service::{
    ClaimedIssue, DEFAULT_MAX_DEVICES_PER_PASS, NewPass, PassPatch, Passmint, Principal,
    TemplatePatch,
};
use passmint_domain::template::Template;
use passmint_testkit::{FixedClock, MemoryStore, SeqIdGen, fixtures, memory_passmint};
use serde_json::{Map, Value, json};
use std::collections::BTreeMap;
use std::sync::Arc;
use support::{id_renderer, id_response, new_template, started, tenant};
use time::Duration;

struct World {
    pm: Passmint,
    store: Arc<MemoryStore>,
    clock: Arc<FixedClock>,
    account: Account,
    test_key: String,
    live_key: String,
    test: Principal,
    live: Principal,
    template: Template,
}

async fn world() -> World {
    let w = unsigned_world("Acme", None).await;
    // Live passes need a signing identity.
    w.pm.set_signing_identity(&w.account.id, fixtures::signing_credentials())
        .await
        .unwrap();
    w
}

/// A world whose account, named `name` with `live_pass_limit`, has no signing identity yet.
async fn unsigned_world(name: &str, live_pass_limit: Option<i64>) -> World {
    let (pm, store, clock) = memory_passmint();
    let t = tenant(&pm, name, live_pass_limit).await;
    World {
        pm,
        store,
        clock,
        account: t.account,
        test_key: t.test_key,
        live_key: t.live_key,
        test: t.test,
        live: t.live,
        template: t.template,
    }
}

impl World {
    /// Issues a pass of [`new_pass`] from the world's template.
    async fn issue(&self, who: &Principal) -> Pass {
        self.pm
            .issue_pass(who, new_pass(&self.template), None)
            .await
            .unwrap()
    }
}

fn new_pass(template: &Template) -> NewPass {
    NewPass {
        template_id: template.id.to_string(),
        holder_email: Some("alice@example.com".into()),
        holder_name: Some("Alice".into()),
        field_values: BTreeMap::from([("seat".to_owned(), "1A".to_owned())]),
        metadata: fixtures::json_map(json!({ "a": 1, "b": "x" })),
    }
}

fn map(value: Value) -> Map<String, Value> {
    fixtures::json_map(value)
}

#[track_caller]
fn assert_invalid<T: std::fmt::Debug>(
    result: Result<T, DomainError>,
    param: &str,
    code: Option<&str>,
) {
    match result {
        Err(DomainError::Invalid {
            param: Some(p),
            code: c,
            ..
        }) if p == param && c == code => {}
        other => panic!("expected Invalid(param {param}, code {code:?}), got {other:?}"),
    }
}

/// Issuing `new` as `who` is refused as invalid `param` (`code`), writing no pass and no event.
async fn assert_issue_refused(
    w: &World,
    who: &Principal,
    new: NewPass,
    param: &str,
    code: Option<&str>,
) {
    assert_invalid(w.pm.issue_pass(who, new, None).await, param, code);
    assert!(
        w.store.all_passes().is_empty(),
        "a refused issue writes no pass"
    );
    assert!(
        w.store.all_events().is_empty(),
        "a refused issue writes no event"
    );
}

#[track_caller]
fn assert_unauthenticated<T: std::fmt::Debug>(result: Result<T, DomainError>, what: &str) {
    assert!(
        matches!(result, Err(DomainError::Unauthenticated(_))),
        "{what}: expected Unauthenticated, got {result:?}"
    );
}

/// `pm` gives the world's template `design`, as the test principal.
async fn redesign_template(pm: &Passmint, w: &World, design: Design) -> Template {
    let patch = TemplatePatch {
        design: Some(design),
        ..Default::default()
    };
    pm.update_template(&w.test, w.template.id.as_str(), patch, None)
        .await
        .unwrap()
}

/// `pm` renames the world's template "Renamed", as the test principal.
async fn rename_template(pm: &Passmint, w: &World) -> Template {
    let patch = TemplatePatch {
        name: Some("Renamed".into()),
        ..Default::default()
    };
    pm.update_template(&w.test, w.template.id.as_str(), patch, None)
        .await
        .unwrap()
}

async fn events_of(w: &World, who: &Principal, pass: &Pass) -> Vec<PassEvent> {
    w.pm.list_events(who, Some(pass.id.as_str()), &PageRequest::first(100))
        .await
        .unwrap()
        .data
}

// ----- authenticate ----------------------------------------------------------

#[tokio::test]
async fn authenticate_valid_keys_resolve_account_and_mode() {
    let w = world().await;
    for (key, mode) in [(&w.test_key, Mode::Test), (&w.live_key, Mode::Live)] {
        let found = w.store_key(key).await;
        assert_eq!(
            w.pm.authenticate(key).await,
            Ok(Principal {
                account_id: w.account.id.clone(),
                mode,
                key_id: found.id,
            }),
            "the {mode:?} key"
        );
    }
    assert_eq!(w.test.scope(), fixtures::scope(&w.account, Mode::Test));
    assert_eq!(w.live.mode, Mode::Live);
}

impl World {
    async fn store_key(&self, key: &str) -> account::ApiKey {
        use passmint_domain::ports::AccountStore;
        self.store
            .find_api_key(&account::hash_key(key))
            .await
            .unwrap()
    }
}

#[tokio::test]
async fn authenticate_revoked_key_fails() {
    let w = world().await;
    w.clock.advance(Duration::minutes(5));
    let revoked = w.pm.revoke_key(&w.test_key).await.unwrap();
    assert_eq!(revoked.revoked_at, Some(w.clock_now()));
    assert_unauthenticated(w.pm.authenticate(&w.test_key).await, "revoked key");
    assert!(w.pm.authenticate(&w.live_key).await.is_ok(), "other key");
    w.clock.advance(Duration::minutes(5));
    let again = w.pm.revoke_key(&w.test_key).await.unwrap();
    assert_eq!(
        again.revoked_at, revoked.revoked_at,
        "first revocation kept"
    );
}

impl World {
    fn clock_now(&self) -> time::OffsetDateTime {
        use passmint_domain::ports::Clock;
        self.clock.now()
    }
}

#[tokio::test]
async fn authenticate_malformed_keys_fail() {
    let w = world().await;
    let secret = &w.test_key[account::TEST_KEY_PREFIX.len()..];
    for bad in [
        String::new(),
        "pmk_test_".into(),
        "pmk_test_short".into(),
        format!("sk_test_{secret}"),
        format!("pmk_prod_{secret}"),
        format!("pmk_test_{}-", &secret[1..]),
        format!(" {}", w.test_key),
        format!("Bearer {}", w.test_key),
    ] {
        assert_unauthenticated(w.pm.authenticate(&bad).await, &format!("key {bad:?}"));
    }
}

#[tokio::test]
async fn authenticate_unknown_key_fails() {
    let w = world().await;
    let secret = &w.test_key[account::TEST_KEY_PREFIX.len()..];
    let unknown = account::compose_key(Mode::Test, &"x".repeat(account::KEY_SECRET_LEN));
    assert_unauthenticated(w.pm.authenticate(&unknown).await, "unknown key");
    // A test key's secret under the live prefix is another key.
    let swapped = account::compose_key(Mode::Live, secret);
    assert_unauthenticated(w.pm.authenticate(&swapped).await, "swapped prefix");
}

// ----- issue_pass ------------------------------------------------------------

#[tokio::test]
async fn issue_pass_writes_pass_and_created_event() {
    let w = world().await;
    w.clock.advance(Duration::seconds(30));
    let now = w.clock_now();
    let pass = w.issue(&w.test).await;
    assert_eq!(pass.account_id, w.account.id);
    assert_eq!(pass.mode, Mode::Test);
    assert_eq!(pass.template_id, w.template.id);
    assert_eq!(pass.version, 1);
    assert_eq!((pass.created_at, pass.updated_at), (now, now));
    assert_eq!(pass.voided_at, None);
    assert!(pass.created_via_api);
    assert_eq!(pass.holder_email.as_deref(), Some("alice@example.com"));
    assert_eq!(
        pass.field_values.get("seat").map(String::as_str),
        Some("1A")
    );
    assert_eq!(pass.metadata, map(json!({ "a": 1, "b": "x" })));
    assert_eq!(pass.short_id.len(), passmint_domain::service::SHORT_ID_LEN);
    assert_eq!(
        w.pm.get_pass(&w.test, pass.id.as_str()).await,
        Ok(pass.clone())
    );

    let events = events_of(&w, &w.test, &pass).await;
    assert_eq!(events.len(), 1);
    let created = &events[0];
    assert_eq!(created.kind, EventType::Created);
    assert_eq!(created.pass_id, pass.id);
    assert_eq!(created.created_at, now);
    assert_eq!(created.mode, Mode::Test);
    assert_eq!(w.store.all_events(), events);

    let other = w.issue(&w.test).await;
    assert_ne!(other.id, pass.id);
    assert_ne!(other.short_id, pass.short_id);
    assert_ne!(other.serial_number, pass.serial_number);
    assert_ne!(other.auth_token, pass.auth_token);
}

#[tokio::test]
async fn issue_pass_from_missing_template_is_resource_missing() {
    let w = world().await;
    let other = w.pm.create_account("Other", None).await.unwrap();
    let them = w.pm.authenticate(&other.1.key).await.unwrap();
    let theirs =
        w.pm.create_template(&them, new_template(), None)
            .await
            .unwrap();
    for template_id in [
        fixtures::template(&w.account).id.to_string(),
        "tmpl_nope".to_owned(),
        String::new(),
        theirs.id.to_string(),
    ] {
        let mut new = new_pass(&w.template);
        new.template_id = template_id;
        assert_issue_refused(&w, &w.test, new, "template_id", Some("resource_missing")).await;
    }
}

#[tokio::test]
async fn issue_pass_from_archived_template_is_refused() {
    let w = world().await;
    let archived =
        w.pm.archive_template(&w.test, w.template.id.as_str())
            .await
            .unwrap();
    assert!(archived.archived);
    assert_eq!(
        w.pm.archive_template(&w.test, w.template.id.as_str()).await,
        Ok(archived.clone()),
        "archiving again changes nothing"
    );
    assert_eq!(
        w.pm.get_template(&w.live, w.template.id.as_str()).await,
        Ok(archived),
        "archived templates still resolve, in both modes"
    );
    assert_issue_refused(
        &w,
        &w.live,
        new_pass(&w.template),
        "template_id",
        Some("template_archived"),
    )
    .await;
}

/// docs/api.md §1: once a template has live passes, only a live key may change
/// its design or archive it; a test key may still rename it.
#[tokio::test]
async fn test_key_cannot_alter_template_with_live_passes() {
    let w = world().await;
    let redesign = |text: &str| {
        let mut design = w.template.design.clone();
        design.description = text.into();
        TemplatePatch {
            design: Some(design),
            ..Default::default()
        }
    };
    let id = w.template.id.as_str();
    // Without live passes, a test key may.
    let t =
        w.pm.update_template(&w.test, id, redesign("New"), None)
            .await;
    assert_eq!(t.unwrap().design.description, "New");

    w.issue(&w.live).await;
    let before = w.pm.get_template(&w.test, id).await.unwrap();
    let passes = w.store.all_passes();
    assert_invalid(
        w.pm.update_template(&w.test, id, redesign("Newer"), None)
            .await,
        "design",
        Some("live_template_requires_live_key"),
    );
    assert_invalid(
        w.pm.archive_template(&w.test, id).await,
        "archived",
        Some("live_template_requires_live_key"),
    );
    let archive = || TemplatePatch {
        archived: Some(true),
        ..Default::default()
    };
    assert_invalid(
        w.pm.update_template(&w.test, id, archive(), None).await,
        "archived",
        Some("live_template_requires_live_key"),
    );
    assert_eq!(w.pm.get_template(&w.test, id).await, Ok(before.clone()));
    assert_eq!(w.store.all_passes(), passes, "no pass was re-versioned");

    // Renaming, or sending the design it already has, is no change to live passes.
    let same = TemplatePatch {
        design: Some(before.design.clone()),
        ..Default::default()
    };
    w.pm.update_template(&w.test, id, same, None).await.unwrap();
    let renamed = rename_template(&w.pm, &w).await;
    assert_eq!(renamed.name, "Renamed");

    // A live key may do both.
    let t =
        w.pm.update_template(&w.live, id, redesign("Newer"), None)
            .await;
    assert_eq!(t.unwrap().design.description, "Newer");
    assert!(
        w.pm.update_template(&w.live, id, archive(), None)
            .await
            .unwrap()
            .archived
    );
    // Archiving an archived template changes nothing, whoever asks.
    w.pm.archive_template(&w.test, id).await.unwrap();
}

#[tokio::test]
async fn issue_pass_with_unknown_field_key_names_it() {
    let w = world().await;
    let mut new = new_pass(&w.template);
    new.field_values.insert("gate".into(), "B".into());
    assert_issue_refused(&w, &w.test, new, "field_values.gate", None).await;
}

#[tokio::test]
async fn issued_pass_is_invisible_to_the_other_mode() {
    let w = world().await;
    let pass = w.issue(&w.test).await;
    assert_eq!(
        w.pm.get_pass(&w.live, pass.id.as_str()).await,
        Err(DomainError::not_found("pass", pass.id.as_str()))
    );
    let live =
        w.pm.list_passes(&w.live, &PassFilter::default(), &PageRequest::first(10))
            .await
            .unwrap();
    assert!(live.data.is_empty());
    assert!(matches!(
        w.pm.void_pass(&w.live, pass.id.as_str()).await,
        Err(DomainError::NotFound { .. })
    ));
}

#[tokio::test]
async fn issue_pass_with_idempotency_records_the_response() {
    let w = world().await;
    let fingerprint = "POST /v1/passes {}".to_owned();
    let ticket = started(&w.pm, &w.test, "key-1", &fingerprint).await;
    let pass =
        w.pm.issue_pass(
            &w.test,
            new_pass(&w.template),
            Some(IdemFinish {
                ticket,
                render: id_renderer(),
            }),
        )
        .await
        .unwrap();
    assert_eq!(
        w.pm.begin_idempotent(w.test.scope(), "key-1", fingerprint)
            .await
            .unwrap(),
        IdemBegin::Replay(id_response(&pass))
    );
    assert_eq!(
        w.pm.begin_idempotent(w.test.scope(), "key-1", "other".into())
            .await
            .unwrap(),
        IdemBegin::Mismatch
    );
}

// ----- issue_pass_claiming ---------------------------------------------------

async fn claiming(w: &World, who: &Principal, new: NewPass, key: &str) -> ClaimedIssue {
    w.pm.issue_pass_claiming(who, new, key, format!("fp {key}"), &id_renderer())
        .await
        .unwrap()
}

#[track_caller]
fn assert_fallback(issue: &ClaimedIssue, what: &str) {
    assert!(
        matches!(issue, ClaimedIssue::Fallback),
        "{what}: expected Fallback, got {issue:?}"
    );
}

/// The same use cases over the same store with their own cache: another process.
fn other_process(w: &World) -> Passmint {
    Passmint::new(
        w.store.clone(),
        w.clock.clone(),
        Arc::new(SeqIdGen::starting_at(1 << 40)),
    )
}

#[tokio::test]
async fn issue_pass_claiming_issues_and_completes_a_new_key() {
    let w = world().await;
    let ClaimedIssue::Issued { pass, response } =
        claiming(&w, &w.test, new_pass(&w.template), "new-1").await
    else {
        panic!("a new key issues");
    };
    assert_eq!(response, id_renderer()(&pass));
    assert_eq!(
        w.pm.get_pass(&w.test, pass.id.as_str()).await,
        Ok(*pass.clone())
    );
    assert_eq!(events_of(&w, &w.test, &pass).await.len(), 1);
    assert_eq!(
        w.pm.begin_idempotent(w.test.scope(), "new-1", "fp new-1".into())
            .await
            .unwrap(),
        IdemBegin::Replay(response),
        "the key replays the response stored with the pass"
    );
    // The key exists now: the usual way answers it.
    assert_fallback(
        &claiming(&w, &w.test, new_pass(&w.template), "new-1").await,
        "the same key again",
    );
    assert_eq!(w.store.all_passes().len(), 1);
    let ClaimedIssue::Issued { pass: live, .. } =
        claiming(&w, &w.live, new_pass(&w.template), "new-1").await
    else {
        panic!("the same key in live mode is another key");
    };
    assert_eq!(live.mode, Mode::Live);
}

#[tokio::test]
async fn issue_pass_claiming_writes_nothing_when_it_cannot_answer() {
    let w = world().await;
    let records = w.store.idempotency_record_count();
    let mut unknown_field = new_pass(&w.template);
    unknown_field.field_values.insert("gate".into(), "B".into());
    let mut bad_email = new_pass(&w.template);
    bad_email.holder_email = Some("nope".into());
    let mut missing = new_pass(&w.template);
    missing.template_id = "tmpl_000000000000000000000000".into();
    let mut malformed = new_pass(&w.template);
    malformed.template_id = "nope".into();
    for (new, what) in [
        (unknown_field, "an unknown field"),
        (bad_email, "a malformed email"),
        (missing, "a missing template"),
        (malformed, "a malformed template id"),
    ] {
        assert_fallback(&claiming(&w, &w.test, new, "k").await, what);
    }
    let long = "k".repeat(256);
    assert_fallback(
        &claiming(&w, &w.test, new_pass(&w.template), &long).await,
        "a key too long",
    );
    assert_fallback(
        &claiming(&w, &w.test, new_pass(&w.template), "").await,
        "an empty key",
    );
    assert!(w.store.all_passes().is_empty());
    assert_eq!(w.store.idempotency_record_count(), records);
}

#[tokio::test]
async fn issue_pass_claiming_sees_template_changes_of_other_processes() {
    let w = world().await;
    assert!(matches!(
        claiming(&w, &w.test, new_pass(&w.template), "a").await,
        ClaimedIssue::Issued { .. }
    ));
    let other = other_process(&w);

    // Another process adds a field: the stale entry refuses it, the usual way
    // (which reads the template) accepts it and refreshes the entry.
    let mut design = fixtures::design();
    design
        .fields
        .secondary
        .push(passmint_domain::design::Field {
            key: "gate".into(),
            label: Some("Gate".into()),
            ..Default::default()
        });
    w.clock.advance(Duration::seconds(1));
    redesign_template(&other, &w, design).await;
    let with_gate = || {
        let mut new = new_pass(&w.template);
        new.field_values.insert("gate".into(), "B".into());
        new
    };
    assert_fallback(
        &claiming(&w, &w.test, with_gate(), "b").await,
        "validated against the stale entry",
    );
    w.pm.issue_pass(&w.test, with_gate(), None).await.unwrap();
    assert!(matches!(
        claiming(&w, &w.test, with_gate(), "c").await,
        ClaimedIssue::Issued { .. }
    ));

    // Another process renames it (the request still validates against the stale
    // entry): the conditional write refuses and the entry is forgotten.
    w.clock.advance(Duration::seconds(1));
    rename_template(&other, &w).await;
    assert_fallback(
        &claiming(&w, &w.test, new_pass(&w.template), "d").await,
        "a template changed by another process",
    );
    assert!(matches!(
        claiming(&w, &w.test, new_pass(&w.template), "e").await,
        ClaimedIssue::Issued { .. }
    ));

    // Archived by another process: nothing is written, and the usual way answers
    // `template_archived`.
    w.clock.advance(Duration::seconds(1));
    other
        .archive_template(&w.test, w.template.id.as_str())
        .await
        .unwrap();
    let passes = w.store.all_passes().len();
    assert_fallback(
        &claiming(&w, &w.test, new_pass(&w.template), "f").await,
        "an archived template",
    );
    assert_fallback(
        &claiming(&w, &w.test, new_pass(&w.template), "f").await,
        "an archived template, known",
    );
    assert_invalid(
        w.pm.issue_pass(&w.test, new_pass(&w.template), None).await,
        "template_id",
        Some("template_archived"),
    );
    assert_eq!(w.store.all_passes().len(), passes);
}

#[tokio::test]
async fn issue_pass_claiming_leaves_the_limit_and_the_identity_to_the_usual_way() {
    let World {
        pm,
        store,
        account,
        test: test_p,
        live: live_p,
        template,
        ..
    } = unsigned_world("Small", Some(1)).await;
    let claim = async |who: &Principal, key: &str| {
        pm.issue_pass_claiming(who, new_pass(&template), key, key.into(), &id_renderer())
            .await
            .unwrap()
    };
    assert_fallback(&claim(&live_p, "no-identity").await, "no signing identity");
    pm.set_signing_identity(&account.id, fixtures::signing_credentials())
        .await
        .unwrap();
    assert!(matches!(
        claim(&live_p, "first").await,
        ClaimedIssue::Issued { .. }
    ));
    let records = store.idempotency_record_count();
    assert_fallback(&claim(&live_p, "second").await, "beyond the limit");
    assert_eq!(
        store.idempotency_record_count(),
        records,
        "the refused issue took no key"
    );
    assert!(matches!(
        pm.issue_pass(&live_p, new_pass(&template), None).await,
        Err(DomainError::Billing { .. })
    ));
    assert!(matches!(
        claim(&test_p, "test").await,
        ClaimedIssue::Issued { .. }
    ));
}

// ----- update_pass -----------------------------------------------------------

#[tokio::test]
async fn update_pass_merges_metadata_and_records_changed_keys() {
    let w = world().await;
    let pass = w.issue(&w.test).await;
    w.clock.advance(Duration::seconds(10));
    let patch = PassPatch {
        field_values: None,
        metadata: Some(map(json!({ "b": "y", "c": true }))),
    };
    let updated =
        w.pm.update_pass(&w.test, pass.id.as_str(), patch, None)
            .await
            .unwrap();
    assert_eq!(
        updated.metadata,
        map(json!({ "a": 1, "b": "y", "c": true }))
    );
    assert_eq!(updated.field_values, pass.field_values);
    assert_eq!(updated.version, 2);
    assert_eq!(updated.updated_at, w.clock_now());
    assert_eq!(updated.created_at, pass.created_at);
    assert_eq!(
        w.pm.get_pass(&w.test, pass.id.as_str()).await,
        Ok(updated.clone())
    );

    let events = events_of(&w, &w.test, &pass).await;
    let kinds: Vec<EventType> = events.iter().map(|e| e.kind).collect();
    assert_eq!(kinds, vec![EventType::Updated, EventType::Created]);
    assert_eq!(events[0].metadata, map(json!({ "metadata": ["b", "c"] })));

    let patch = PassPatch {
        field_values: Some(BTreeMap::from([("seat".to_owned(), Some("2B".to_owned()))])),
        metadata: None,
    };
    let updated =
        w.pm.update_pass(&w.test, pass.id.as_str(), patch, None)
            .await
            .unwrap();
    assert_eq!(
        updated.field_values.get("seat").map(String::as_str),
        Some("2B")
    );
    assert_eq!(updated.version, 3);
    let events = events_of(&w, &w.test, &pass).await;
    assert_eq!(events[0].metadata, map(json!({ "field_values": ["seat"] })));
}

#[tokio::test]
async fn update_pass_null_resets_field_and_removes_metadata() {
    let w = world().await;
    let pass = w.issue(&w.test).await;
    let patch = PassPatch {
        field_values: Some(BTreeMap::from([("seat".to_owned(), None)])),
        metadata: Some(map(json!({ "a": null }))),
    };
    let updated =
        w.pm.update_pass(&w.test, pass.id.as_str(), patch, None)
            .await
            .unwrap();
    assert!(
        updated.field_values.is_empty(),
        "seat is back to the design's default"
    );
    assert_eq!(updated.metadata, map(json!({ "b": "x" })));
    let events = events_of(&w, &w.test, &pass).await;
    assert_eq!(
        events[0].metadata,
        map(json!({ "field_values": ["seat"], "metadata": ["a"] }))
    );
}

#[tokio::test]
async fn update_pass_that_changes_nothing_records_no_event() {
    let w = world().await;
    let pass = w.issue(&w.test).await;
    w.clock.advance(Duration::seconds(10));
    let patch = PassPatch {
        field_values: Some(BTreeMap::from([("seat".to_owned(), Some("1A".to_owned()))])),
        metadata: Some(map(json!({ "a": 1, "gone": null }))),
    };
    let same =
        w.pm.update_pass(&w.test, pass.id.as_str(), patch, None)
            .await
            .unwrap();
    assert_eq!(same, pass, "a no-op PATCH answers the pass unchanged");
    assert_eq!(
        w.pm.get_pass(&w.test, pass.id.as_str()).await,
        Ok(pass.clone())
    );
    assert_eq!(
        events_of(&w, &w.test, &pass).await.len(),
        1,
        "no updated event"
    );
}

#[tokio::test]
async fn update_pass_validates_its_patch() {
    let w = world().await;
    let pass = w.issue(&w.test).await;
    let empty =
        w.pm.update_pass(&w.test, pass.id.as_str(), PassPatch::default(), None)
            .await;
    assert!(
        matches!(empty, Err(DomainError::Invalid { .. })),
        "{empty:?}"
    );
    let patch = PassPatch {
        field_values: Some(BTreeMap::from([("gate".to_owned(), Some("B".to_owned()))])),
        metadata: None,
    };
    assert_invalid(
        w.pm.update_pass(&w.test, pass.id.as_str(), patch, None)
            .await,
        "field_values.gate",
        None,
    );
    assert_eq!(w.pm.get_pass(&w.test, pass.id.as_str()).await, Ok(pass));
}

#[tokio::test]
async fn update_of_a_voided_pass_is_refused() {
    let w = world().await;
    let pass = w.issue(&w.live).await;
    let voided = w.pm.void_pass(&w.live, pass.id.as_str()).await.unwrap();
    let patch = PassPatch {
        field_values: None,
        metadata: Some(map(json!({ "b": "y" }))),
    };
    let refused =
        w.pm.update_pass(&w.live, pass.id.as_str(), patch, None)
            .await;
    assert!(
        matches!(
            refused,
            Err(DomainError::Invalid {
                code: Some("pass_voided"),
                ..
            })
        ),
        "{refused:?}"
    );
    assert_eq!(w.pm.get_pass(&w.live, pass.id.as_str()).await, Ok(voided));
}

// ----- void_pass -------------------------------------------------------------

#[tokio::test]
async fn void_pass_is_idempotent_with_one_voided_event() {
    let w = world().await;
    let pass = w.issue(&w.test).await;
    w.clock.advance(Duration::minutes(1));
    let voided = w.pm.void_pass(&w.test, pass.id.as_str()).await.unwrap();
    assert_eq!(voided.voided_at, Some(w.clock_now()));
    assert_eq!(voided.updated_at, w.clock_now());
    assert_eq!(voided.version, pass.version + 1);
    assert!(voided.voided());

    w.clock.advance(Duration::minutes(1));
    assert_eq!(
        w.pm.void_pass(&w.test, pass.id.as_str()).await,
        Ok(voided.clone()),
        "voiding again answers the pass unchanged"
    );
    assert_eq!(w.pm.get_pass(&w.test, pass.id.as_str()).await, Ok(voided));
    let kinds: Vec<EventType> = events_of(&w, &w.test, &pass)
        .await
        .iter()
        .map(|e| e.kind)
        .collect();
    assert_eq!(kinds, vec![EventType::Voided, EventType::Created]);
}

#[tokio::test]
async fn void_unknown_pass_is_not_found() {
    let w = world().await;
    let id = fixtures::pass(&w.account, Mode::Test, &w.template).id;
    assert_eq!(
        w.pm.void_pass(&w.test, id.as_str()).await,
        Err(DomainError::not_found("pass", id.as_str()))
    );
    assert_eq!(
        w.pm.void_pass(&w.test, "pass_nope").await,
        Err(DomainError::not_found("pass", "pass_nope"))
    );
}

// ----- lists -----------------------------------------------------------------

fn page(cursor: Cursor) -> PageRequest {
    PageRequest { limit: 10, cursor }
}

#[tokio::test]
async fn list_cursor_of_unknown_object_names_the_cursor_param() {
    let w = world().await;
    let live_pass = w.issue(&w.live).await;
    let unknown_pass = fixtures::pass(&w.account, Mode::Test, &w.template)
        .id
        .to_string();
    let cursors = [
        unknown_pass.clone(),
        "pass_nope".to_owned(),
        w.template.id.to_string(),
        live_pass.id.to_string(),
    ];
    for id in &cursors {
        for (cursor, param) in [
            (Cursor::After(id.clone()), "starting_after"),
            (Cursor::Before(id.clone()), "ending_before"),
        ] {
            assert_invalid(
                w.pm.list_passes(&w.test, &PassFilter::default(), &page(cursor))
                    .await,
                param,
                Some("resource_missing"),
            );
        }
    }

    let unknown_template = fixtures::template(&w.account).id.to_string();
    assert_invalid(
        w.pm.list_templates(&w.test, &page(Cursor::After(unknown_template)))
            .await,
        "starting_after",
        Some("resource_missing"),
    );
    let unknown_event = fixtures::event(&live_pass, EventType::Created)
        .id
        .to_string();
    assert_invalid(
        w.pm.list_events(&w.live, None, &page(Cursor::Before(unknown_event)))
            .await,
        "ending_before",
        Some("resource_missing"),
    );
    assert_invalid(
        w.pm.list_events(&w.test, None, &page(Cursor::After(unknown_pass)))
            .await,
        "starting_after",
        Some("resource_missing"),
    );
}

#[tokio::test]
async fn list_passes_pages_with_cursors() {
    let w = world().await;
    let mut passes = Vec::new();
    for _ in 0..5 {
        passes.push(w.issue(&w.test).await);
    }
    let filter = PassFilter::default();
    let first =
        w.pm.list_passes(&w.test, &filter, &PageRequest::first(3))
            .await
            .unwrap();
    assert!(first.has_more);
    let ids = |ps: &[Pass]| ps.iter().map(|p| p.id.clone()).collect::<Vec<_>>();
    let newest_first: Vec<Pass> = passes.iter().rev().cloned().collect();
    assert_eq!(ids(&first.data), ids(&newest_first[..3]));
    let rest =
        w.pm.list_passes(
            &w.test,
            &filter,
            &page(Cursor::After(first.data[2].id.to_string())),
        )
        .await
        .unwrap();
    assert!(!rest.has_more);
    assert_eq!(ids(&rest.data), ids(&newest_first[3..]));
}

// ----- billing, signing identities, public pages -----------------------------

#[tokio::test]
async fn live_pass_without_signing_identity_is_refused() {
    let w = unsigned_world("NoCert", None).await;
    let refused = w.pm.issue_pass(&w.live, new_pass(&w.template), None).await;
    match refused {
        Err(DomainError::Invalid {
            param: None,
            code: Some("signing_identity_missing"),
            ..
        }) => {}
        other => panic!("expected signing_identity_missing, got {other:?}"),
    }
    w.pm.issue_pass(&w.test, new_pass(&w.template), None)
        .await
        .expect("test passes use the development identity");
    assert_eq!(w.pm.signing_identity(&w.account.id).await, Ok(None));
    let creds = fixtures::signing_credentials();
    let stored =
        w.pm.set_signing_identity(&w.account.id, creds.clone())
            .await
            .unwrap();
    assert_eq!(stored.private_key_pem, creds.private_key_pem);
    assert_eq!(w.pm.signing_identity(&w.account.id).await, Ok(Some(stored)));
    w.pm.issue_pass(&w.live, new_pass(&w.template), None)
        .await
        .expect("a live pass once the identity is set");
}

#[tokio::test]
async fn live_passes_beyond_the_limit_are_a_billing_error() {
    let World {
        pm,
        account,
        test: test_p,
        live: live_p,
        template,
        ..
    } = unsigned_world("Small", Some(1)).await;
    pm.set_signing_identity(&account.id, fixtures::signing_credentials())
        .await
        .unwrap();
    pm.issue_pass(&live_p, new_pass(&template), None)
        .await
        .unwrap();
    assert_eq!(
        pm.issue_pass(&live_p, new_pass(&template), None)
            .await
            .map(|_| ()),
        Err(DomainError::Billing {
            code: "pass_limit_reached",
            message: "This account has issued as many live passes as its plan allows \
                      (live_pass_limit). Test passes are not limited."
                .into(),
        })
    );
    for _ in 0..3 {
        pm.issue_pass(&test_p, new_pass(&template), None)
            .await
            .expect("test mode is never limited");
    }
}

#[tokio::test]
async fn public_pass_and_its_events() {
    let w = world().await;
    let pass = w.issue(&w.live).await;
    let (found, template) = w.pm.public_pass(&pass.short_id).await.unwrap();
    assert_eq!(found, pass);
    assert_eq!(template, w.template);
    for unknown in ["", "nope0000000", "bad-chars!", &"a".repeat(65)] {
        assert!(
            matches!(
                w.pm.public_pass(unknown).await,
                Err(DomainError::NotFound { .. })
            ),
            "{unknown:?}"
        );
    }
    w.pm.record_event(&pass, EventType::UrlViewed, Map::new())
        .await
        .unwrap();
    w.pm.record_event(&pass, EventType::Downloaded, Map::new())
        .await
        .unwrap();
    let kinds: Vec<EventType> = events_of(&w, &w.live, &pass)
        .await
        .iter()
        .map(|e| e.kind)
        .collect();
    assert_eq!(
        kinds,
        vec![
            EventType::Downloaded,
            EventType::UrlViewed,
            EventType::Created
        ]
    );
}

#[tokio::test]
async fn dev_identity_is_generated_once() {
    let w = world().await;
    let first =
        w.pm.dev_identity(|| Ok(fixtures::signing_credentials()))
            .await
            .unwrap();
    let again =
        w.pm.dev_identity(|| panic!("a stored development identity is not generated again"))
            .await
            .unwrap();
    assert_eq!(first, again);
    assert!(matches!(
        memory_passmint()
            .0
            .dev_identity(|| Err("no openssl".into()))
            .await,
        Err(DomainError::Internal(_))
    ));
}

// ----- wallet ----------------------------------------------------------------

const PTID: &str = "pass.com.example.wallet";
const PUSH_TOKEN: &str = "00aabbccddeeff00aabbccddeeff00aabbccddeeff00aabbccddeeff00aabbcc";

async fn registered_pass(w: &World) -> Pass {
    let pass = w.issue(&w.test).await;
    assert!(
        w.pm.register_device(&pass, "iphone-1", PTID, PUSH_TOKEN)
            .await
            .unwrap(),
        "a new registration"
    );
    pass
}

async fn pending(w: &World) -> u64 {
    use passmint_domain::ports::WalletStore;
    w.store.pending_pushes().await.unwrap()
}

#[tokio::test]
async fn wallet_pass_checks_the_token() {
    let w = world().await;
    let pass = registered_pass(&w).await;
    assert_eq!(
        w.pm.wallet_pass(&pass.serial_number, Some(&pass.auth_token))
            .await
            .unwrap()
            .id,
        pass.id
    );
    assert_unauthenticated(
        w.pm.wallet_pass(&pass.serial_number, Some("wrong")).await,
        "wrong token",
    );
    assert_unauthenticated(
        w.pm.wallet_pass(&pass.serial_number, None).await,
        "no token",
    );
    assert_unauthenticated(
        w.pm.wallet_pass("no-such-serial", Some(&pass.auth_token))
            .await,
        "unknown serial",
    );
}

#[tokio::test]
async fn register_validates_and_records_installed_once() {
    let w = world().await;
    let pass = registered_pass(&w).await;
    assert!(
        !w.pm
            .register_device(&pass, "iphone-1", PTID, PUSH_TOKEN)
            .await
            .unwrap(),
        "registered already"
    );
    assert_invalid(
        w.pm.register_device(&pass, "iphone-1", PTID, "not-hex")
            .await,
        "pushToken",
        None,
    );
    assert_invalid(
        w.pm.register_device(&pass, "bad/device", PTID, PUSH_TOKEN)
            .await,
        "deviceLibraryIdentifier",
        None,
    );
    let installed: Vec<PassEvent> = events_of(&w, &w.test, &pass)
        .await
        .into_iter()
        .filter(|e| e.kind == EventType::Installed)
        .collect();
    assert_eq!(installed.len(), 1);
    assert_eq!(
        installed[0].metadata["device_library_identifier"],
        "iphone-1"
    );
    assert!(w.pm.unregister_device(&pass, "iphone-1").await.unwrap());
    assert!(!w.pm.unregister_device(&pass, "iphone-1").await.unwrap());
}

#[tokio::test]
async fn devices_beyond_the_limit_are_refused_without_event_or_push() {
    let w = world().await;
    let pm = w.pm.clone().with_max_devices_per_pass(2);
    let pass = registered_pass(&w).await;
    assert!(
        pm.register_device(&pass, "iphone-2", PTID, PUSH_TOKEN)
            .await
            .unwrap()
    );
    let refused = pm
        .register_device(&pass, "iphone-3", PTID, PUSH_TOKEN)
        .await;
    assert!(
        matches!(
            refused,
            Err(DomainError::TooMany {
                code: "device_limit_reached",
                ..
            })
        ),
        "{refused:?}"
    );
    assert!(
        !pm.register_device(&pass, "iphone-1", PTID, PUSH_TOKEN)
            .await
            .unwrap(),
        "a registered device is answered as before"
    );
    let installed = events_of(&w, &w.test, &pass)
        .await
        .into_iter()
        .filter(|e| e.kind == EventType::Installed)
        .count();
    assert_eq!(installed, 2, "no installed event for the refused device");
    w.pm.void_pass(&w.test, pass.id.as_str()).await.unwrap();
    assert_eq!(pending(&w).await, 2, "one push per registered device only");

    // The default limit.
    let other = w.issue(&w.test).await;
    for n in 0..DEFAULT_MAX_DEVICES_PER_PASS {
        let dev = format!("phone-{n}");
        assert!(
            w.pm.register_device(&other, &dev, PTID, PUSH_TOKEN)
                .await
                .unwrap()
        );
    }
    assert!(matches!(
        w.pm.register_device(&other, "one-more", PTID, PUSH_TOKEN)
            .await,
        Err(DomainError::TooMany { .. })
    ));
}

#[tokio::test]
async fn only_changes_devices_show_are_pushed() {
    let w = world().await;
    let pass = registered_pass(&w).await;
    let patch = |fields: Option<Value>, meta: Option<Value>| PassPatch {
        field_values: fields.map(|v| serde_json::from_value(v).unwrap()),
        metadata: meta.map(map),
    };
    let updates = [
        (
            patch(None, Some(json!({"crm": "1"}))),
            0,
            "metadata only: no push",
        ),
        (
            patch(Some(json!({"seat": "1A"})), None),
            0,
            "no change: no push",
        ),
        (
            patch(Some(json!({"seat": "9Z"})), None),
            1,
            "a new field value: one push",
        ),
    ];
    for (update, pushes, what) in updates {
        w.pm.update_pass(&w.test, pass.id.as_str(), update, None)
            .await
            .unwrap();
        assert_eq!(pending(&w).await, pushes, "{what}");
    }
    w.pm.void_pass(&w.test, pass.id.as_str()).await.unwrap();
    assert_eq!(pending(&w).await, 2, "a void: one more");
    w.pm.void_pass(&w.test, pass.id.as_str()).await.unwrap();
    assert_eq!(pending(&w).await, 2, "voiding again: nothing");
}

#[tokio::test]
async fn a_new_design_updates_and_pushes_the_templates_passes() {
    let w = world().await;
    let pass = registered_pass(&w).await;
    rename_template(&w.pm, &w).await;
    assert_eq!(pending(&w).await, 0, "a new name alters no pass");
    let mut design = fixtures::design();
    design.description = "New description".into();
    let t = redesign_template(&w.pm, &w, design).await;
    assert_eq!(pending(&w).await, 1, "a new design: one push per device");
    let after = w.pm.get_pass(&w.test, pass.id.as_str()).await.unwrap();
    assert_eq!(after.version, pass.version + 1);
    assert_eq!(after.updated_at, t.updated_at);
    let events = events_of(&w, &w.test, &pass).await;
    assert_eq!(events[0].kind, EventType::Updated);
    assert_eq!(events[0].metadata, map(json!({"template": ["design"]})));
}

#[tokio::test]
async fn updated_serials_refuses_a_bad_tag() {
    let w = world().await;
    let pass = registered_pass(&w).await;
    let all = w.pm.updated_serials("iphone-1", PTID, None).await.unwrap();
    assert_eq!(all.serial_numbers, vec![pass.serial_number.clone()]);
    assert_invalid(
        w.pm.updated_serials("iphone-1", PTID, Some("12x")).await,
        "passesUpdatedSince",
        None,
    );
    let since =
        w.pm.updated_serials(
            "iphone-1",
            PTID,
            Some(&passmint_domain::wallet::format_tag(all.last_updated)),
        )
        .await
        .unwrap();
    assert!(since.serial_numbers.is_empty());
}
