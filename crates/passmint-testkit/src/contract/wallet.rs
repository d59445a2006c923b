//! [`passmint_domain::ports::WalletStore`], and the wallet obligations of the
//! [`passmint_domain::ports::PassStore`] and [`passmint_domain::ports::TemplateStore`]
//! writes: a change devices must hear about moves the pass's wallet tag past every
//! earlier one and enqueues one push job per registration, in its own transaction.

use super::{
    assert_changed, assert_lease_lost, assert_not_found, claim_concurrently, race, seed_account,
    seed_owned_pass, seed_owner, seed_pass, seed_template, try_update,
};
use crate::contract::rename_template;
use crate::fixtures;
use fixtures::claim_at;
use passmint_domain::StoreError;
use passmint_domain::account::Account;
use passmint_domain::event::{EventType, PassEvent};
use passmint_domain::ids::PassId;
use passmint_domain::mode::Mode;
use passmint_domain::page::PageRequest;
use passmint_domain::pass::Pass;
use passmint_domain::ports::Store;
use passmint_domain::ports::{DeviceUnregistration, TemplateUpdate};
use passmint_domain::wallet::{
    PushJob, RegisterOutcome, Registration, TemplateCascade, UpdatedSerials,
};
use passmint_domain::webhook::ClaimRequest;
use std::collections::HashSet;
use std::sync::Arc;
use time::Duration;

const LEASE: Duration = fixtures::LEASE;
const PTID: &str = "pass.com.example.contract";
/// A limit of devices per pass no case here reaches.
pub(crate) const NO_LIMIT: u32 = 1_000;

fn registration(pass: &Pass, device: &str, token: &str) -> Registration {
    Registration {
        device_library_id: device.to_owned(),
        pass_id: pass.id.clone(),
        account_id: pass.account_id.clone(),
        mode: pass.mode,
        pass_type_id: PTID.to_owned(),
        push_token: token.to_owned(),
        created_at: fixtures::timestamp(),
    }
}

pub(crate) fn device() -> String {
    format!("dev{}", fixtures::base62(16))
}

pub(crate) fn push_token() -> String {
    let mut s = String::new();
    for b in fixtures::base62(32).bytes() {
        s.push_str(&format!("{b:02x}"));
    }
    s
}

pub(crate) async fn register(
    store: &dyn Store,
    pass: &Pass,
    device: &str,
    token: &str,
) -> PassEvent {
    let event = fixtures::event(pass, EventType::Installed);
    let out = store
        .register_device(&registration(pass, device, token), &event, NO_LIMIT)
        .await
        .expect("register_device");
    assert!(
        matches!(out, RegisterOutcome::Created { .. }),
        "register_device of a new pair: expected Created, got {out:?}"
    );
    event
}

/// The jobs `req` claims.
async fn claim(store: &dyn Store, req: &ClaimRequest) -> Vec<PushJob> {
    store.claim_pushes(req).await.expect("claim_pushes")
}

/// How many of `ids` the claim `token` completes.
async fn complete(store: &dyn Store, token: &str, ids: &[i64]) -> u64 {
    store
        .complete_pushes(token, ids)
        .await
        .expect("complete_pushes")
}

/// Every due job, claimed now (and so leased).
async fn claim_all(store: &dyn Store) -> (String, Vec<PushJob>) {
    let req = claim_at(fixtures::timestamp(), 1000);
    let jobs = claim(store, &req).await;
    (req.token, jobs)
}

/// `pass` updated (field value changed), version + 1, with its event.
pub(crate) async fn update(store: &dyn Store, pass: &Pass, push: bool) -> Pass {
    let next = fixtures::next_version(pass);
    let event = fixtures::event(&next, EventType::Updated);
    store
        .update_pass(&next, pass.version, Some(&event), None, push)
        .await
        .expect("update_pass");
    next
}

/// The serials of `dev` under `PTID` changed since the tag `since`.
async fn serials_since(store: &dyn Store, dev: &str, since: Option<i64>) -> UpdatedSerials {
    store
        .updated_serials(dev, PTID, since)
        .await
        .expect("updated_serials")
}

async fn events_of(store: &dyn Store, pass: &Pass) -> Vec<PassEvent> {
    store
        .list_events(&pass.scope(), Some(&pass.id), &PageRequest::first(100))
        .await
        .expect("list_events")
        .data
}

pub(crate) async fn setup(store: &dyn Store) -> (Account, Pass) {
    let account = seed_account(store).await;
    let template = seed_template(store, &account).await;
    let (pass, _) = seed_pass(store, &account, Mode::Test, &template).await;
    (account, pass)
}

/// `find_pass_by_serial` finds a pass of any account and mode; `NotFound` otherwise.
pub async fn find_pass_by_serial_any_scope(factory: impl AsyncFn() -> Arc<dyn Store>) {
    let store = factory().await;
    let (account, template, live, _) = seed_owned_pass(&*store, Mode::Live).await;
    let (test, _) = seed_pass(&*store, &account, Mode::Test, &template).await;
    for p in [&live, &test] {
        let found = store
            .find_pass_by_serial(&p.serial_number)
            .await
            .expect("find_pass_by_serial");
        assert_eq!(&found, p, "find_pass_by_serial returns the pass as stored");
    }
    assert_not_found(
        store.find_pass_by_serial("no-such-serial").await,
        "find_pass_by_serial of an unknown serial",
    );
}

/// A new registration is `Created` with its `installed` event (and the event's
/// webhook deliveries); again is `Existing` with the new push token and no event;
/// for a missing pass `NotFound`.
pub async fn register_new_then_existing(factory: impl AsyncFn() -> Arc<dyn Store>) {
    let store = factory().await;
    let (account, pass) = setup(&*store).await;
    let webhook = fixtures::webhook(&account, Mode::Test, &["pass.installed"]);
    store
        .insert_webhook(&webhook, None)
        .await
        .expect("insert_webhook");
    let dev = device();
    let event = fixtures::event(&pass, EventType::Installed);
    let out = store
        .register_device(&registration(&pass, &dev, &push_token()), &event, NO_LIMIT)
        .await
        .expect("register_device");
    assert_eq!(
        out,
        RegisterOutcome::Created { enqueued: 1 },
        "a new registration enqueues its installed event's delivery"
    );
    let events = events_of(&*store, &pass).await;
    assert_eq!(events[0], event, "the installed event is stored");

    let token2 = push_token();
    let again = fixtures::event(&pass, EventType::Installed);
    let out = store
        .register_device(&registration(&pass, &dev, &token2), &again, NO_LIMIT)
        .await
        .expect("register_device again");
    assert_eq!(out, RegisterOutcome::Existing, "the second registration");
    assert_eq!(
        events_of(&*store, &pass).await.len(),
        events.len(),
        "registering again records no event"
    );
    let regs = store
        .registrations_of(&pass.id)
        .await
        .expect("registrations_of");
    assert_eq!(regs.len(), 1, "one registration per (device, pass)");
    assert_eq!(regs[0].push_token, token2, "the push token is replaced");

    let mut ghost = pass.clone();
    ghost.id = PassId::from_body(&fixtures::id_body());
    assert_not_found(
        store
            .register_device(
                &registration(&ghost, &dev, &token2),
                &fixtures::event(&ghost, EventType::Installed),
                NO_LIMIT,
            )
            .await,
        "register_device for a missing pass",
    );
}

/// Unregistering removes the registration with its `removed` event; again, or with
/// another push token, writes nothing and answers `None`.
pub async fn unregister_removes_with_event(factory: impl AsyncFn() -> Arc<dyn Store>) {
    let store = factory().await;
    let (_, pass) = setup(&*store).await;
    let (dev, token) = (device(), push_token());
    register(&*store, &pass, &dev, &token).await;
    let before = events_of(&*store, &pass).await.len();

    let wrong = fixtures::event(&pass, EventType::Removed);
    let out = store
        .unregister_device(&DeviceUnregistration {
            device_library_id: &dev,
            pass: &pass.id,
            only_push_token: Some(&push_token()),
            event: &wrong,
        })
        .await
        .expect("unregister_device with another token");
    assert_eq!(out, None, "another push token: nothing removed");
    assert_eq!(
        store.registrations_of(&pass.id).await.expect("regs").len(),
        1,
        "the registration stays"
    );

    let removed = fixtures::event(&pass, EventType::Removed);
    let out = store
        .unregister_device(&DeviceUnregistration {
            device_library_id: &dev,
            pass: &pass.id,
            only_push_token: Some(&token),
            event: &removed,
        })
        .await
        .expect("unregister_device");
    assert_eq!(out, Some(0), "removed (no webhook, nothing enqueued)");
    assert!(
        store
            .registrations_of(&pass.id)
            .await
            .expect("regs")
            .is_empty(),
        "the registration is gone"
    );
    let events = events_of(&*store, &pass).await;
    assert_eq!(events.len(), before + 1, "one removed event");
    assert_eq!(events[0], removed, "the removed event is stored");

    let out = store
        .unregister_device(&DeviceUnregistration {
            device_library_id: &dev,
            pass: &pass.id,
            only_push_token: None,
            event: &fixtures::event(&pass, EventType::Removed),
        })
        .await
        .expect("unregister_device again");
    assert_eq!(out, None, "unregistering twice removes nothing");
    assert_eq!(events_of(&*store, &pass).await.len(), before + 1);
}

/// Serials since a tag: all without one; after a pushed change only that pass,
/// with a greater `last_updated`; a change without `push` moves nothing; another
/// device or pass type sees nothing of it.
pub async fn updated_serials_follow_the_tag(factory: impl AsyncFn() -> Arc<dyn Store>) {
    let store = factory().await;
    let (account, template, p1, _) = seed_owned_pass(&*store, Mode::Test).await;
    let (p2, _) = seed_pass(&*store, &account, Mode::Live, &template).await;
    let (p3, _) = seed_pass(&*store, &account, Mode::Test, &template).await;
    let (dev, other) = (device(), device());
    register(&*store, &p1, &dev, &push_token()).await;
    register(&*store, &p2, &dev, &push_token()).await;
    register(&*store, &p1, &other, &push_token()).await;
    let mut foreign = registration(&p3, &dev, &push_token());
    foreign.pass_type_id = "pass.com.example.other".into();
    store
        .register_device(
            &foreign,
            &fixtures::event(&p3, EventType::Installed),
            NO_LIMIT,
        )
        .await
        .expect("register_device under another pass type");

    let all = serials_since(&*store, &dev, None).await;
    let got: HashSet<String> = all.serial_numbers.iter().cloned().collect();
    assert_eq!(
        got,
        HashSet::from([p1.serial_number.clone(), p2.serial_number.clone()]),
        "without a tag: every pass of the device under the pass type"
    );
    let t0 = all.last_updated;
    let none = serials_since(&*store, &dev, Some(t0)).await;
    assert!(none.serial_numbers.is_empty(), "nothing changed since {t0}");

    let p1b = update(&*store, &p1, true).await;
    let after = serials_since(&*store, &dev, Some(t0)).await;
    assert_eq!(
        after.serial_numbers,
        vec![p1.serial_number.clone()],
        "after a pushed change: that pass only"
    );
    assert!(after.last_updated > t0, "last_updated moves forward");
    let t1 = after.last_updated;
    assert!(
        serials_since(&*store, &dev, Some(t1))
            .await
            .serial_numbers
            .is_empty(),
        "nothing since the new tag"
    );

    update(&*store, &p1b, false).await;
    assert!(
        serials_since(&*store, &dev, Some(t1))
            .await
            .serial_numbers
            .is_empty(),
        "a change without push moves no tag"
    );
    update(&*store, &p3, true).await;
    assert!(
        serials_since(&*store, &dev, Some(t1))
            .await
            .serial_numbers
            .is_empty(),
        "a pass under another pass type is not listed"
    );
    assert!(
        store
            .updated_serials(&device(), PTID, None)
            .await
            .expect("updated_serials of an unknown device")
            .serial_numbers
            .is_empty(),
        "an unknown device has no passes"
    );
}

/// A pushed change enqueues one job per registration of the pass (device, token,
/// pass type); a change without push, or a refused one, enqueues nothing.
pub async fn pushed_changes_enqueue_one_job_per_registration(
    factory: impl AsyncFn() -> Arc<dyn Store>,
) {
    let store = factory().await;
    let (account, template, p1, _) = seed_owned_pass(&*store, Mode::Test).await;
    let (p2, _) = seed_pass(&*store, &account, Mode::Test, &template).await;
    let (d1, t1, d2, t2) = (device(), push_token(), device(), push_token());
    register(&*store, &p1, &d1, &t1).await;
    register(&*store, &p1, &d2, &t2).await;
    register(&*store, &p2, &d1, &t1).await;
    assert_eq!(store.pending_pushes().await.expect("pending"), 0);

    let p1b = update(&*store, &p1, false).await;
    assert_eq!(
        store.pending_pushes().await.expect("pending"),
        0,
        "a change without push enqueues nothing"
    );
    let stale = fixtures::next_version(&p1);
    assert_changed(
        try_update(&*store, &stale, p1.version, true).await,
        "update_pass with a moved version",
    );
    assert_eq!(
        store.pending_pushes().await.expect("pending"),
        0,
        "a refused change enqueues nothing"
    );

    update(&*store, &p1b, true).await;
    assert_eq!(store.pending_pushes().await.expect("pending"), 2);
    let (_, jobs) = claim_all(&*store).await;
    let got: HashSet<(String, String, String)> = jobs
        .iter()
        .map(|j| {
            assert_eq!(j.pass_id, p1.id, "a job of the changed pass");
            assert_eq!(j.account_id, p1.account_id);
            assert_eq!(j.mode, p1.mode);
            assert_eq!(j.attempts, 0, "a new job has no attempts");
            (
                j.device_library_id.clone(),
                j.push_token.clone(),
                j.pass_type_id.clone(),
            )
        })
        .collect();
    assert_eq!(
        got,
        HashSet::from([
            (d1.clone(), t1.clone(), PTID.to_owned()),
            (d2.clone(), t2.clone(), PTID.to_owned()),
        ]),
        "one job per registration of the pass"
    );
}

/// A template cascade gives every non-voided pass of the template a new version,
/// an `updated` event with the derived id, a new tag and push jobs; passes of other
/// templates and voided ones stay. Without a cascade nothing but the template moves.
pub async fn template_cascade_updates_passes(factory: impl AsyncFn() -> Arc<dyn Store>) {
    let store = factory().await;
    let (account, template) = seed_owner(&*store).await;
    let other_template = seed_template(&*store, &account).await;
    let (a, _) = seed_pass(&*store, &account, Mode::Test, &template).await;
    let (b, _) = seed_pass(&*store, &account, Mode::Live, &template).await;
    let (voided, _) = seed_pass(&*store, &account, Mode::Test, &template).await;
    let (other, _) = seed_pass(&*store, &account, Mode::Test, &other_template).await;
    let mut v = fixtures::next_version(&voided);
    v.voided_at = Some(v.updated_at);
    store
        .update_pass(&v, voided.version, None, None, false)
        .await
        .expect("void");
    let dev = device();
    for p in [&a, &b, &v, &other] {
        register(&*store, p, &dev, &push_token()).await;
    }
    let t0 = serials_since(&*store, &dev, None).await.last_updated;

    let renamed = rename_template(&*store, &template, "renamed").await;
    assert_eq!(store.pending_pushes().await.expect("pending"), 0);
    assert_eq!(
        store.get_pass(&a.scope(), &a.id).await.expect("get_pass"),
        a,
        "no cascade: the passes stay"
    );

    let mut redesigned = renamed.clone();
    redesigned.updated_at = fixtures::timestamp();
    let cascade = TemplateCascade {
        at: redesigned.updated_at,
        metadata: fixtures::json_map(serde_json::json!({"template": ["design"]})),
    };
    store
        .update_template(&TemplateUpdate {
            template: &redesigned,
            expected_updated_at: renamed.updated_at,
            idem: None,
            cascade: Some(&cascade),
        })
        .await
        .expect("update_template with cascade");
    for p in [&a, &b] {
        let now = store.get_pass(&p.scope(), &p.id).await.expect("get_pass");
        assert_eq!(now.version, p.version + 1, "cascade: version + 1");
        assert_eq!(now.updated_at, cascade.at, "cascade: updated_at");
        let e = &events_of(&*store, p).await[0];
        assert_eq!(e.id, cascade.event_id(&template.id, &p.id), "derived id");
        assert_eq!(e.kind, EventType::Updated);
        assert_eq!(e.metadata, cascade.metadata);
        assert_eq!(e.created_at, cascade.at);
        assert_eq!((&e.account_id, e.mode), (&p.account_id, p.mode));
    }
    for p in [&v, &other] {
        let now = store.get_pass(&p.scope(), &p.id).await.expect("get_pass");
        assert_eq!(&now, p, "voided passes and other templates' passes stay");
    }
    let (_, jobs) = claim_all(&*store).await;
    let pushed: HashSet<PassId> = jobs.iter().map(|j| j.pass_id.clone()).collect();
    assert_eq!(pushed, HashSet::from([a.id.clone(), b.id.clone()]));
    assert_eq!(jobs.len(), 2, "one job per registration");
    let since = serials_since(&*store, &dev, Some(t0)).await;
    let got: HashSet<String> = since.serial_numbers.into_iter().collect();
    assert_eq!(
        got,
        HashSet::from([a.serial_number.clone(), b.serial_number.clone()]),
        "the cascaded passes are listed as changed"
    );
}

/// Claims lease jobs until the lease ends; only the holder completes or
/// reschedules; a rescheduled job comes back at its time with one more attempt.
pub async fn push_claims_lease_complete_and_reschedule(factory: impl AsyncFn() -> Arc<dyn Store>) {
    let store = factory().await;
    let (_, pass) = setup(&*store).await;
    for _ in 0..3 {
        register(&*store, &pass, &device(), &push_token()).await;
    }
    update(&*store, &pass, true).await;
    let now = fixtures::timestamp();
    let first = claim_at(now, 2);
    let jobs = claim(&*store, &first).await;
    assert_eq!(jobs.len(), 2, "the limit holds");
    let second = claim_at(now, 10);
    let rest = claim(&*store, &second).await;
    assert_eq!(rest.len(), 1, "leased jobs are not claimed again");
    assert!(
        claim(&*store, &claim_at(now, 10)).await.is_empty(),
        "everything is leased"
    );

    assert_eq!(
        complete(&*store, &second.token, &[jobs[0].id]).await,
        0,
        "another claim's token completes nothing"
    );
    assert_lease_lost(
        store
            .reschedule_push(jobs[0].id, &second.token, now, "x")
            .await,
        "reschedule_push with another claim's token",
    );
    assert_eq!(complete(&*store, &first.token, &[jobs[0].id]).await, 1);
    let later = now + Duration::seconds(30);
    store
        .reschedule_push(jobs[1].id, &first.token, later, "503 ServiceUnavailable")
        .await
        .expect("reschedule_push");
    assert!(
        claim(&*store, &claim_at(later - Duration::seconds(1), 10))
            .await
            .is_empty(),
        "a rescheduled job waits for its time"
    );
    let back = claim(&*store, &claim_at(later, 10)).await;
    assert_eq!(back.len(), 1);
    assert_eq!(back[0].id, jobs[1].id);
    assert_eq!(back[0].attempts, 1, "one attempt recorded");

    let expired = claim(&*store, &claim_at(now + LEASE, 10)).await;
    assert_eq!(
        expired.iter().map(|j| j.id).collect::<Vec<_>>(),
        vec![rest[0].id],
        "a job whose lease ended is claimable again"
    );
    assert_eq!(
        complete(&*store, &second.token, &[rest[0].id]).await,
        0,
        "the superseded claim completes nothing"
    );
    assert_not_found(
        store
            .reschedule_push(jobs[0].id, &first.token, now, "x")
            .await,
        "reschedule_push of a completed job",
    );
    assert_eq!(store.pending_pushes().await.expect("pending"), 2);
}

/// Of concurrent registrations of one (device, pass) exactly one is `Created`.
pub async fn concurrent_registrations_exactly_one_created(
    factory: impl AsyncFn() -> Arc<dyn Store>,
) {
    let store = factory().await;
    let (_, pass) = setup(&*store).await;
    let dev = device();
    let outcomes = race(8, |_| {
        let registration = registration(&pass, &dev, &push_token());
        let (store, event) = (store.clone(), fixtures::event(&pass, EventType::Installed));
        async move { store.register_device(&registration, &event, NO_LIMIT).await }
    })
    .await;
    let mut created = 0;
    for outcome in outcomes {
        match outcome.expect("concurrent register_device") {
            RegisterOutcome::Created { .. } => created += 1,
            RegisterOutcome::Existing => {}
        }
    }
    assert_eq!(created, 1, "exactly one registration is new");
    let installed = events_of(&*store, &pass)
        .await
        .into_iter()
        .filter(|e| e.kind == EventType::Installed)
        .count();
    assert_eq!(installed, 1, "exactly one installed event");
}

/// Registers `device` for `pass` under a limit of 3 devices.
async fn register_of_three(
    store: &dyn Store,
    pass: &Pass,
    device: &str,
    token: &str,
) -> Result<RegisterOutcome, StoreError> {
    let event = fixtures::event(pass, EventType::Installed);
    store
        .register_device(&registration(pass, device, token), &event, 3)
        .await
}

fn assert_created(out: Result<RegisterOutcome, StoreError>, what: &str) {
    assert!(
        matches!(out, Ok(RegisterOutcome::Created { .. })),
        "{what}: expected Created, got {out:?}"
    );
}

/// A new device of a pass with `max_per_pass` registrations is `LimitReached`,
/// writing nothing (no registration, no event); a device already registered is
/// still `Existing`; an unregistration makes room again.
pub async fn register_beyond_the_device_limit(factory: impl AsyncFn() -> Arc<dyn Store>) {
    let store = factory().await;
    let (_, pass) = setup(&*store).await;
    let (_, other) = setup(&*store).await;
    let devices: Vec<String> = (0..3).map(|_| device()).collect();
    for dev in &devices {
        let out = register_of_three(&*store, &pass, dev, &push_token()).await;
        assert_created(out, "a device within the limit");
    }
    let events = events_of(&*store, &pass).await.len();
    let refused = register_of_three(&*store, &pass, &device(), &push_token()).await;
    assert_eq!(refused, Err(StoreError::LimitReached), "a fourth device");
    assert_eq!(events_of(&*store, &pass).await.len(), events, "no event");
    let regs = store.registrations_of(&pass.id).await.expect("regs");
    assert_eq!(regs.len(), 3, "no registration");

    let token = push_token();
    let again = register_of_three(&*store, &pass, &devices[0], &token).await;
    assert_eq!(again, Ok(RegisterOutcome::Existing), "a registered device");
    let regs = store.registrations_of(&pass.id).await.expect("regs");
    assert_eq!(regs[0].push_token, token, "its push token is replaced");

    let out = register_of_three(&*store, &other, &device(), &push_token()).await;
    assert_created(out, "the limit is per pass");

    let removed = fixtures::event(&pass, EventType::Removed);
    store
        .unregister_device(&DeviceUnregistration {
            device_library_id: &devices[1],
            pass: &pass.id,
            only_push_token: None,
            event: &removed,
        })
        .await
        .expect("unregister_device");
    let out = register_of_three(&*store, &pass, &device(), &push_token()).await;
    assert_created(out, "room after an unregistration");
}

/// Concurrent registrations of new devices never leave a pass with more than its
/// limit of devices: as many as the limit are `Created`, the others
/// `LimitReached`.
pub async fn concurrent_registrations_keep_the_device_limit(
    factory: impl AsyncFn() -> Arc<dyn Store>,
) {
    let store = factory().await;
    let (_, pass) = setup(&*store).await;
    let outcomes = race(12, |_| {
        let (store, pass) = (store.clone(), pass.clone());
        async move { register_of_three(&*store, &pass, &device(), &push_token()).await }
    })
    .await;
    let (mut created, mut refused) = (0, 0);
    for outcome in outcomes {
        match outcome {
            Ok(RegisterOutcome::Created { .. }) => created += 1,
            Err(StoreError::LimitReached) => refused += 1,
            other => panic!("a concurrent register_device: {other:?}"),
        }
    }
    assert_eq!((created, refused), (3, 9), "the limit holds exactly");
    let regs = store.registrations_of(&pass.id).await.expect("regs");
    assert_eq!(regs.len(), 3, "three registrations");
    let installed = events_of(&*store, &pass)
        .await
        .into_iter()
        .filter(|e| e.kind == EventType::Installed)
        .count();
    assert_eq!(installed, 3, "three installed events");
}

/// Concurrent claimers never get the same push job.
pub async fn concurrent_push_claims_never_share_a_job(factory: impl AsyncFn() -> Arc<dyn Store>) {
    let store = factory().await;
    let (_, pass) = setup(&*store).await;
    for _ in 0..40 {
        register(&*store, &pass, &device(), &push_token()).await;
    }
    update(&*store, &pass, true).await;
    let now = fixtures::timestamp();
    let seen = claim_concurrently(8, &store, move |store| async move {
        let got = store
            .claim_pushes(&claim_at(now, 3))
            .await
            .expect("concurrent claim_pushes");
        got.into_iter().map(|j| j.id).collect()
    })
    .await;
    assert_eq!(seen.len(), 40, "every job was claimed once");
}

/// SQL that breaks the pass id of the push job of device `$1`, on both SQL engines.
pub const CORRUPT_PUSH_SQL: &str =
    "UPDATE push_jobs SET pass_id = 'not a pass id' WHERE device_library_id = '$1'";

/// A push job that no longer decodes (`corrupt` breaks, with raw SQL such as
/// [`CORRUPT_PUSH_SQL`], the job of the device it is given) is skipped by the claim, never failing the jobs behind
/// it; it stays leased like the others. Run by the SQL adapters, which can corrupt
/// a row.
pub async fn undecodable_push_jobs_are_skipped(store: Arc<dyn Store>, corrupt: impl AsyncFn(&str)) {
    let (_, _, pass, _) = seed_owned_pass(&*store, Mode::Test).await;
    let (bad, good) = (device(), device());
    register(&*store, &pass, &bad, &push_token()).await;
    register(&*store, &pass, &good, &push_token()).await;
    update(&*store, &pass, true).await;
    corrupt(&bad).await;
    let (_, jobs) = claim_all(&*store).await;
    let devices: Vec<&str> = jobs.iter().map(|j| j.device_library_id.as_str()).collect();
    assert_eq!(
        devices,
        vec![good.as_str()],
        "only the job that decodes is claimed"
    );
    let (_, again) = claim_all(&*store).await;
    assert!(again.is_empty(), "the skipped job stays leased: {again:?}");
}
